//! The prober-coverage check: a gate must not vouch for what the prober did
//! not see. It fails (unless the policy allows it, `allow_unobserved`) when
//! a window of the report's `unobserved` section — or of any migration's —
//! **can hide an outage** and
//!
//! - overlaps the switchover, or
//! - is longer than `max_downtime` (when that check is set), or
//! - without `max_downtime`, leaves the report inconclusive (the report's own
//!   rule: a run with no switchover to judge is open wherever it was blind);
//!
//! or when more than [`MAX_UNOBSERVED_FRACTION`] of the run's slots went
//! unobserved, whatever their windows: a prober that could not keep its
//! schedule was overloaded, and its timing is suspect too.
//!
//! A report written before migprobe recorded prober health has no such
//! section: the check passes and says the coverage is unknown.

use super::figures::{fmt_duration, fmt_ms, within};
use super::input::GateInput;
use super::CheckResult;
use crate::report::json::{UnobservedReport, WindowReport};
use serde_json::Value;
use std::time::Duration;

/// The check's name (also its JUnit testcase name).
pub const NAME: &str = "prober coverage";
/// Largest share of unobserved slots a passing run may have. Beyond it the
/// run's resolution is degraded by that much even where no single window is
/// long (every other slot skipped doubles the shortest outage it can see). A
/// busy host skips 1–7 % of 1 ms slots in scattered moments; those are judged
/// window by window, not by this rule.
pub const MAX_UNOBSERVED_FRACTION: f64 = 0.10;

/// The report's section and every migration's.
fn sections(input: &GateInput) -> Vec<UnobservedReport> {
    let mut out = vec![input.report.unobserved.clone()];
    let entries = input.value.get("migrations").and_then(Value::as_array);
    for m in entries.into_iter().flatten() {
        if let Some(u) = m.get("unobserved") {
            out.push(serde_json::from_value(u.clone()).unwrap_or_default());
        }
    }
    out
}

/// The windows that leave the verdict open, by the rule of the [module](self).
fn blocking(s: &UnobservedReport, max: Option<Duration>) -> impl Iterator<Item = &WindowReport> {
    s.windows.iter().filter(move |w| {
        w.can_hide_outage
            && (w.overlaps_switchover || max.map_or(s.inconclusive, |m| !within(w.duration_ms, m)))
    })
}

/// "812 ms at 1.6 s, the prober fell behind (skipped), at the switchover".
fn describe(w: &WindowReport) -> String {
    let at = if w.overlaps_switchover {
        ", overlapping the switchover"
    } else {
        ""
    };
    let addr = if w.addr.is_empty() {
        String::new()
    } else {
        format!(" of {}", w.addr)
    };
    format!(
        "{} unobserved{addr} ({} slots {}){at}",
        fmt_ms(w.duration_ms),
        w.slots,
        w.cause.replace('_', " ")
    )
}

/// The check, or `None` when the report has no probe targets to cover.
pub fn coverage_check(
    input: &GateInput,
    max_downtime: Option<Duration>,
    allow: bool,
) -> Option<CheckResult> {
    if input.report.targets.is_empty() {
        return None;
    }
    let threshold = match max_downtime {
        Some(m) => format!("no blind window at the switchover or > {}", fmt_duration(m)),
        None => "no blind window that leaves the verdict open".to_owned(),
    };
    let result = |observed: String, pass: bool, detail: String| CheckResult {
        name: NAME.into(),
        threshold: threshold.clone(),
        observed,
        baseline: None,
        pass,
        detail,
        statistics: None,
        measure: super::Measure::of(Some(input.report.unobserved.total_ms), None),
    };
    if input.value.get("unobserved").is_none() {
        return Some(result(
            "unknown".into(),
            true,
            format!("{NAME}: unknown: the report predates prober-health recording; re-run `migprobe report` on its run.jsonl"),
        ));
    }
    let all = sections(input);
    let worst = all
        .iter()
        .flat_map(|s| blocking(s, max_downtime))
        .max_by(|a, b| a.duration_ms.total_cmp(&b.duration_ms))
        .map(describe);
    let u = &input.report.unobserved;
    let overloaded = (u.fraction > MAX_UNOBSERVED_FRACTION).then(|| {
        format!(
            "{:.1} % of the slots unobserved ({} of them, over the {:.0} % a kept schedule allows)",
            u.fraction * 100.0,
            u.slots,
            MAX_UNOBSERVED_FRACTION * 100.0
        )
    });
    let found: Vec<String> = worst.into_iter().chain(overloaded).collect();
    Some(if found.is_empty() {
        result(
            format!("{} unobserved", fmt_ms(u.total_ms)),
            true,
            format!("{NAME}: no unobserved window could hide an outage that matters ({} unobserved in all)", fmt_ms(u.total_ms)),
        )
    } else if allow {
        result(
            found.join("; "),
            true,
            format!(
                "{NAME}: {}: the verdict is open there, allowed by policy (allow_unobserved)",
                found.join("; ")
            ),
        )
    } else {
        result(
            found.join("; "),
            false,
            format!("{NAME}: inconclusive: {}: no outage can be ruled out there (allow with --allow-unobserved)", found.join("; ")),
        )
    })
}
