//! The figures a gate judges, read from a report, and one verdict per check.
//!
//! - Network / hypervisor downtime: per migration (see [`samples`]); the check
//!   judges the **worst** migration (the maximum).
//! - Lost probes: probes never answered (`lost` + `unsettled`) summed over all
//!   targets over the whole run, not only in the headline outage: a loss
//!   after the switchover is the migration's fault too.
//! - RTT p99: the highest `rtt_p99_ms` of any target.
//! - Completed: `migration.result` is "completed" and the trigger exited 0
//!   (and, when the report lists `migrations`, every entry that says so).
//! - Regression: the report's network downtimes against the baseline's, by
//!   the rule of [`crate::baseline`] (see [`super::regression`]).
//! - Prober coverage: always, when the report has probe targets (see
//!   [`super::coverage`]).

use super::coverage::coverage_check;
use super::figures::{cannot, migrations};
use super::figures::{fmt_duration, fmt_ms, fmt_pct, relative, trim, within};
use super::input::{open_ended, samples, GateInput, Metric};
use super::policy::Thresholds;
use super::regression::regression_check;
use super::{CheckResult, Measure, Verdict};
use crate::report::json::Report;
use crate::stats::Samples;
use serde_json::Value;
use std::time::Duration;

/// Runs every check of `t` on `report` (against `baseline` where given).
pub fn evaluate(t: &Thresholds, report: &GateInput, baseline: Option<&GateInput>) -> Verdict {
    let mut checks = Vec::new();
    let ms = |d: Duration| Some(d.as_secs_f64() * 1e3);
    if let Some(max) = t.max_downtime {
        let c = downtime_check(Metric::NetworkDowntime, max, report, baseline);
        checks.push(c.limit("ms", ms(max)));
    }
    if let Some(max) = t.max_hypervisor_downtime {
        let c = downtime_check(Metric::HypervisorDowntime, max, report, baseline);
        checks.push(c.limit("ms", ms(max)));
    }
    if let Some(max) = t.max_loss {
        checks.push(loss_check(max, report, baseline).limit("probes", Some(max as f64)));
    }
    if let Some(max) = t.max_rtt_p99 {
        checks.push(rtt_check(max, report, baseline).limit("ms", ms(max)));
    }
    if t.require_completed {
        checks.push(completed_check(report).limit("problems", Some(0.0)));
    }
    if let Some(policy) = t.regression_policy() {
        let c = regression_check(&policy, t.allow_inconclusive, report, baseline);
        checks.push(c.limit("%", t.max_regression));
    }
    let coverage = coverage_check(report, t.max_downtime, t.allow_unobserved);
    checks.extend(coverage.map(|c| c.limit("ms", None)));
    Verdict::from_checks(checks)
}

/// "612 ms" for one value, "612 ms (max of 10)" for several.
fn worst_label(s: &Samples) -> Option<String> {
    let max = s.max()?;
    Some(match s.len() {
        1 => fmt_ms(max),
        n => format!("{} (max of {n})", fmt_ms(max)),
    })
}

/// "; baseline 240 ms, +155 %" (empty without a baseline figure).
fn against(observed: f64, base: Option<f64>, unit_ms: bool) -> String {
    match base {
        Some(b) => format!(
            "; baseline {}, {}",
            if unit_ms { fmt_ms(b) } else { trim(b, 3) },
            fmt_pct(relative(observed, b))
        ),
        None => String::new(),
    }
}

fn downtime_check(
    metric: Metric,
    max: Duration,
    report: &GateInput,
    baseline: Option<&GateInput>,
) -> CheckResult {
    let name = metric.name();
    let threshold = format!("≤ {}", fmt_duration(max));
    let obs = Samples::new(&samples(report, metric));
    let (Some(worst), Some(observed)) = (obs.max(), worst_label(&obs)) else {
        let why = match metric {
            Metric::NetworkDowntime => "the report holds no network downtime (no probe was answered)",
            Metric::HypervisorDowntime => {
                "the report holds no hypervisor downtime (record hypervisor events: --src-uri/--dst-uri --domain)"
            }
        };
        return cannot(name, threshold, why);
    };
    let base = baseline.map(|b| Samples::new(&samples(b, metric)));
    let base_worst = base.as_ref().and_then(Samples::max);
    // An outage still open when probing stopped is only a lower bound.
    let open = metric == Metric::NetworkDowntime && open_ended(report);
    let pass = within(worst, max) && !open;
    let worst_of = if obs.len() > 1 {
        format!(" (worst of {})", migrations(obs.len()))
    } else {
        String::new()
    };
    CheckResult {
        name: name.into(),
        threshold,
        observed,
        baseline: base.as_ref().and_then(worst_label),
        measure: Measure::of(Some(worst), base_worst),
        pass,
        detail: if open {
            format!(
                "{name} at least {}{worst_of}, open-ended: the guest had not answered again when probing stopped, so ≤ {} cannot be shown (probe longer: --cooldown)",
                fmt_ms(worst),
                fmt_duration(max)
            )
        } else {
            format!(
                "{name} {} {} {}{worst_of}{}",
                fmt_ms(worst),
                if pass { "≤" } else { ">" },
                fmt_duration(max),
                against(worst, base_worst, true)
            )
        },
        statistics: None,
    }
}

fn total_lost(r: &Report) -> Option<u64> {
    if r.targets.is_empty() {
        return None;
    }
    Some(r.targets.iter().fold(0u64, |s, t| {
        s.saturating_add(t.lost).saturating_add(t.unsettled)
    }))
}

fn loss_check(max: u64, report: &GateInput, baseline: Option<&GateInput>) -> CheckResult {
    let name = "lost probes";
    let threshold = format!("≤ {max}");
    let Some(lost) = total_lost(&report.report) else {
        return cannot(name, threshold, "the report has no probe targets");
    };
    let base = baseline.and_then(|b| total_lost(&b.report));
    let pass = lost <= max;
    CheckResult {
        name: name.into(),
        threshold,
        observed: lost.to_string(),
        baseline: base.map(|b| b.to_string()),
        measure: Measure::of(Some(lost as f64), base.map(|b| b as f64)),
        pass,
        detail: format!(
            "lost probes {lost} {} {max} (never answered, all targets, whole run){}",
            if pass { "≤" } else { ">" },
            against(lost as f64, base.map(|b| b as f64), false)
        ),
        statistics: None,
    }
}

fn worst_rtt_p99(r: &Report) -> Option<(f64, String)> {
    r.targets
        .iter()
        .filter_map(|t| {
            t.rtt_p99_ms
                .filter(|v| v.is_finite())
                .map(|v| (v, t.addr.clone()))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
}

fn rtt_check(max: Duration, report: &GateInput, baseline: Option<&GateInput>) -> CheckResult {
    let name = "RTT p99";
    let threshold = format!("≤ {}", fmt_duration(max));
    let Some((worst, addr)) = worst_rtt_p99(&report.report) else {
        return cannot(
            name,
            threshold,
            "the report has no RTT (no probe was answered)",
        );
    };
    let base = baseline.and_then(|b| worst_rtt_p99(&b.report)).map(|b| b.0);
    let pass = within(worst, max);
    CheckResult {
        name: name.into(),
        threshold,
        observed: fmt_ms(worst),
        baseline: base.map(fmt_ms),
        measure: Measure::of(Some(worst), base),
        pass,
        detail: format!(
            "RTT p99 {} {} {} (worst target, {addr}){}",
            fmt_ms(worst),
            if pass { "≤" } else { ">" },
            fmt_duration(max),
            against(worst, base, true)
        ),
        statistics: None,
    }
}

/// Why the report's migration(s) did not complete; empty when they all did.
fn completion_problems(input: &GateInput) -> Vec<String> {
    let r = &input.report;
    let mut out = Vec::new();
    match &r.migration {
        None => out.push("migration result unknown (no hypervisor events recorded)".to_owned()),
        Some(m) if m.result != "completed" => out.push(format!("migration {}", m.result)),
        Some(_) => {}
    }
    match &r.trigger {
        None => out.push("no trigger command in the report".to_owned()),
        Some(t) => match t.exit_code {
            Some(0) => {}
            Some(c) => out.push(format!("trigger exited {c}")),
            None => out.push("trigger killed by a signal or still running".to_owned()),
        },
    }
    let entries = input.value.get("migrations").and_then(Value::as_array);
    for (i, m) in entries.into_iter().flatten().enumerate() {
        let result = m
            .get("result")
            .or_else(|| m.pointer("/migration/result"))
            .and_then(Value::as_str);
        if let Some(res) = result.filter(|r| *r != "completed") {
            out.push(format!("migration #{} {res}", i + 1));
        }
        let exit = m
            .get("trigger_exit_code")
            .or_else(|| m.pointer("/trigger/exit_code"))
            .or_else(|| m.get("exit_code"));
        match exit {
            Some(Value::Number(n)) if n.as_i64() != Some(0) => {
                out.push(format!("migration #{}: trigger exited {n}", i + 1))
            }
            Some(Value::Null) => out.push(format!(
                "migration #{}: trigger killed by a signal or still running",
                i + 1
            )),
            _ => {}
        }
    }
    out
}

fn completed_check(report: &GateInput) -> CheckResult {
    let problems = completion_problems(report);
    let pass = problems.is_empty();
    CheckResult {
        name: "migration completed".into(),
        threshold: "completed, trigger exit 0".into(),
        observed: if pass {
            "completed, trigger exit 0".into()
        } else {
            problems.join(", ")
        },
        baseline: None,
        measure: Measure::of(Some(problems.len() as f64), None),
        pass,
        detail: if pass {
            "migration completed and the trigger exited 0".into()
        } else {
            format!("migration not completed: {}", problems.join(", "))
        },
        statistics: None,
    }
}
