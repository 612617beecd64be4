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
//! - Regression: the **median** network downtime against the baseline's. With
//!   at least 2 migrations on each side the check fails only when the median
//!   regression exceeds the limit **and** a one-sided Mann–Whitney U test says
//!   the report's downtimes are greater at 95 % confidence; a 95 % bootstrap
//!   interval of the median difference is stated. With a single migration on
//!   either side the medians are compared directly and the detail says the
//!   evidence is thin.

use super::policy::Thresholds;
use super::{CheckResult, Verdict};
use crate::report::json::{self, Report, ReportError};
use crate::stats::{bootstrap_median_diff, mann_whitney_greater, Samples};
use serde_json::Value;
use std::time::Duration;

/// Significance level of the regression test (95 % confidence).
pub const ALPHA: f64 = 0.05;
/// Bootstrap resamples for the median-difference interval.
pub const BOOTSTRAP_ITERATIONS: usize = 10_000;
/// Resamples for `n` pooled migrations: [`BOOTSTRAP_ITERATIONS`], fewer (down
/// to 1000) for campaigns of thousands of migrations so the gate stays fast.
pub fn bootstrap_iterations(n: usize) -> usize {
    (20_000_000 / n.max(1)).clamp(1_000, BOOTSTRAP_ITERATIONS)
}

/// Fixed bootstrap seed: the same reports always give the same interval.
pub const BOOTSTRAP_SEED: u64 = 0x6d69_6770_726f_6265; // "migprobe"

/// A parsed report plus a lenient JSON copy for fields the typed report does not
/// have yet (the per-migration `migrations` array).
#[derive(Debug, Clone, PartialEq)]
pub struct GateInput {
    /// The typed report.
    pub report: Report,
    /// The same bytes as a JSON value.
    pub value: Value,
}

impl GateInput {
    /// Parses report.json bytes (schema and version checked by [`json::parse`]).
    pub fn parse(bytes: &[u8]) -> Result<GateInput, ReportError> {
        let report = json::parse(bytes)?;
        let value = serde_json::from_slice(bytes).map_err(ReportError::NotJson)?;
        Ok(GateInput { report, value })
    }
}

/// A per-migration downtime figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Network-observed downtime (`downtime.network_ms`).
    NetworkDowntime,
    /// Hypervisor-reported downtime (`downtime.hypervisor_ms`, else `downtime.qemu_pause_ms`).
    HypervisorDowntime,
}

impl Metric {
    fn name(self) -> &'static str {
        match self {
            Metric::NetworkDowntime => "network downtime",
            Metric::HypervisorDowntime => "hypervisor downtime",
        }
    }

    fn of(self, downtime: &Value) -> Option<f64> {
        let field = |k: &str| downtime.get(k).and_then(Value::as_f64);
        let v = match self {
            Metric::NetworkDowntime => field("network_ms"),
            Metric::HypervisorDowntime => field("hypervisor_ms").or_else(|| field("qemu_pause_ms")),
        };
        v.filter(|x| x.is_finite() && *x >= 0.0)
    }
}

/// One value per migration, in milliseconds.
///
/// Takes `migrations[*].downtime` when the report has a `migrations` array
/// (read leniently: entries without the figure, e.g. failed migrations, are
/// skipped), else the single headline `downtime`. A run whose probes were
/// answered but which saw no outage at all has a network downtime of 0.
pub fn samples(input: &GateInput, metric: Metric) -> Vec<f64> {
    let per_migration: Vec<f64> = input
        .value
        .get("migrations")
        .and_then(Value::as_array)
        .map(|ms| {
            ms.iter()
                .filter_map(|m| m.get("downtime").and_then(|d| metric.of(d)))
                .collect()
        })
        .unwrap_or_default();
    if !per_migration.is_empty() {
        return per_migration;
    }
    let headline = input.value.get("downtime").filter(|d| d.is_object());
    match (headline, metric) {
        (Some(d), _) => metric.of(d).into_iter().collect(),
        (None, Metric::NetworkDowntime)
            if input.report.outages.is_empty()
                && input.report.targets.iter().any(|t| t.answered > 0) =>
        {
            vec![0.0]
        }
        (None, _) => Vec::new(),
    }
}

/// Runs every check of `t` on `report` (against `baseline` where given).
pub fn evaluate(t: &Thresholds, report: &GateInput, baseline: Option<&GateInput>) -> Verdict {
    let mut checks = Vec::new();
    if let Some(max) = t.max_downtime {
        checks.push(downtime_check(
            Metric::NetworkDowntime,
            max,
            report,
            baseline,
        ));
    }
    if let Some(max) = t.max_hypervisor_downtime {
        checks.push(downtime_check(
            Metric::HypervisorDowntime,
            max,
            report,
            baseline,
        ));
    }
    if let Some(max) = t.max_loss {
        checks.push(loss_check(max, report, baseline));
    }
    if let Some(max) = t.max_rtt_p99 {
        checks.push(rtt_check(max, report, baseline));
    }
    if t.require_completed {
        checks.push(completed_check(report));
    }
    if let Some(limit) = t.max_regression {
        checks.push(regression_check(limit, report, baseline));
    }
    Verdict::from_checks(checks)
}

/// True when `observed_ms` (a report figure, ms rounded to the µs) is at most
/// `max`; compared in whole nanoseconds so that `193.985 ms ≤ 193.985ms` holds
/// despite binary floating point.
pub fn within(observed_ms: f64, max: Duration) -> bool {
    (observed_ms * 1e6).round() <= max.as_nanos() as f64
}

/// Milliseconds with at most 3 decimals: "612 ms", "193.985 ms".
pub fn fmt_ms(v: f64) -> String {
    format!("{} ms", trim(v, 3))
}

fn fmt_signed_ms(v: f64) -> String {
    if v >= 0.0 {
        format!("+{}", fmt_ms(v))
    } else {
        format!("-{}", fmt_ms(-v))
    }
}

fn fmt_duration(d: Duration) -> String {
    fmt_ms(d.as_secs_f64() * 1e3)
}

/// A signed percentage: "+155 %", "-3.2 %", "+∞ %".
pub fn fmt_pct(p: f64) -> String {
    let sign = if p < 0.0 { "-" } else { "+" };
    let a = p.abs();
    if a.is_infinite() {
        return format!("{sign}∞ %");
    }
    let digits = if a >= 10.0 { 0 } else { 1 };
    format!("{sign}{} %", trim(a, digits))
}

fn trim(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    };
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

fn fmt_p(p: f64) -> String {
    if p < 0.0001 {
        "p < 0.0001".into()
    } else {
        format!("p = {}", trim(p, 4))
    }
}

/// Relative change of `new` against `old`, percent (+∞ when `old` is 0 and `new` is not).
fn relative(new: f64, old: f64) -> f64 {
    if old > 0.0 {
        (new - old) / old * 100.0
    } else if new > old {
        f64::INFINITY
    } else {
        0.0
    }
}

fn migrations(n: usize) -> String {
    format!("{n} migration{}", if n == 1 { "" } else { "s" })
}

/// "612 ms" for one value, "612 ms (max of 10)" for several.
fn worst_label(s: &Samples) -> Option<String> {
    let max = s.max()?;
    Some(match s.len() {
        1 => fmt_ms(max),
        n => format!("{} (max of {n})", fmt_ms(max)),
    })
}

fn cannot(name: &str, threshold: String, why: &str) -> CheckResult {
    CheckResult {
        name: name.into(),
        threshold,
        observed: "n/a".into(),
        baseline: None,
        pass: false,
        detail: format!("{name}: cannot evaluate: {why}"),
    }
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
    let pass = within(worst, max);
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
        pass,
        detail: format!(
            "{name} {} {} {}{worst_of}{}",
            fmt_ms(worst),
            if pass { "≤" } else { ">" },
            fmt_duration(max),
            against(worst, base_worst, true)
        ),
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
        pass,
        detail: format!(
            "lost probes {lost} {} {max} (never answered, all targets, whole run){}",
            if pass { "≤" } else { ">" },
            against(lost as f64, base.map(|b| b as f64), false)
        ),
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
        pass,
        detail: format!(
            "RTT p99 {} {} {} (worst target, {addr}){}",
            fmt_ms(worst),
            if pass { "≤" } else { ">" },
            fmt_duration(max),
            against(worst, base, true)
        ),
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
        pass,
        detail: if pass {
            "migration completed and the trigger exited 0".into()
        } else {
            format!("migration not completed: {}", problems.join(", "))
        },
    }
}

fn regression_check(limit: f64, report: &GateInput, baseline: Option<&GateInput>) -> CheckResult {
    let name = "regression vs baseline";
    let threshold = format!("≤ {}", fmt_pct(limit));
    let Some(baseline) = baseline else {
        return cannot(
            name,
            threshold,
            "no baseline report given (--baseline BASE.json)",
        );
    };
    let cand = samples(report, Metric::NetworkDowntime);
    let base = samples(baseline, Metric::NetworkDowntime);
    let (cs, bs) = (Samples::new(&cand), Samples::new(&base));
    let (Some(mc), Some(mb)) = (cs.median(), bs.median()) else {
        let which = if cs.is_empty() {
            "the report"
        } else {
            "the baseline"
        };
        return cannot(
            name,
            threshold,
            &format!("{which} holds no network downtime to compare"),
        );
    };
    let rel = relative(mc, mb);
    // Percentages are compared to 1e-9 so that 240 → 288 ms is exactly +20 %.
    let exceeds = rel > limit + 1e-9;
    let median_of = |s: &Samples, m: f64| match s.len() {
        1 => fmt_ms(m),
        n => format!("{} (median of {n})", fmt_ms(m)),
    };
    let observed = format!(
        "{} ({}{})",
        fmt_pct(rel),
        if cs.len() > 1 { "median " } else { "" },
        fmt_ms(mc)
    );
    let label = if cs.len() > 1 || bs.len() > 1 {
        "median network downtime"
    } else {
        "network downtime"
    };
    let cmp = if exceeds { ">" } else { "≤" };
    let head = format!(
        "{label} {} vs baseline {}: {} {cmp} {}",
        fmt_ms(mc),
        fmt_ms(mb),
        fmt_pct(rel),
        fmt_pct(limit)
    );
    let test = (cs.len() >= 2 && bs.len() >= 2)
        .then(|| mann_whitney_greater(cs.sorted(), bs.sorted()))
        .flatten();
    let (pass, detail) = match test {
        Some(mw) => {
            let significant = mw.p_value < ALPHA;
            let sig = format!(
                "{}significantly greater at 95 % confidence (one-sided Mann–Whitney U = {}, {}{}, n = {} vs {})",
                if significant { "" } else { "not " },
                trim(mw.u, 1),
                fmt_p(mw.p_value),
                if mw.exact { " exact" } else { "" },
                mw.n1,
                mw.n2
            );
            let ci = bootstrap_median_diff(
                cs.sorted(),
                bs.sorted(),
                bootstrap_iterations(cs.len() + bs.len()),
                1.0 - ALPHA,
                BOOTSTRAP_SEED,
            )
            .map(|(lo, hi)| {
                format!(
                    "; 95 % bootstrap interval of the median difference {} … {}",
                    fmt_signed_ms(lo),
                    fmt_signed_ms(hi)
                )
            })
            .unwrap_or_default();
            (
                !(exceeds && significant),
                format!("{head}; {sig}{ci}"),
            )
        }
        None => (
            !exceeds,
            format!(
                "{head}; evidence is thin: {} against {} in the baseline (a statistical verdict needs at least 2 on each side)",
                migrations(cs.len()),
                bs.len()
            ),
        ),
    };
    CheckResult {
        name: name.into(),
        threshold,
        observed,
        baseline: Some(median_of(&bs, mb)),
        pass,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting() {
        assert_eq!(fmt_ms(612.0), "612 ms");
        assert_eq!(fmt_ms(193.985), "193.985 ms");
        assert_eq!(fmt_ms(-0.0001), "0 ms");
        assert_eq!(fmt_pct(155.0), "+155 %");
        assert_eq!(fmt_pct(-3.21), "-3.2 %");
        assert_eq!(fmt_pct(f64::INFINITY), "+∞ %");
        assert_eq!(fmt_signed_ms(-12.5), "-12.5 ms");
        assert_eq!(fmt_p(0.00001), "p < 0.0001");
        assert_eq!(fmt_p(0.0606), "p = 0.0606");
        assert_eq!(relative(612.0, 240.0).round(), 155.0);
        assert_eq!(relative(5.0, 0.0), f64::INFINITY);
        assert_eq!(relative(0.0, 0.0), 0.0);
        assert!(within(193.985, Duration::from_micros(193_985)));
        assert!(!within(193.986, Duration::from_micros(193_985)));
        assert!(within(0.0, Duration::ZERO));
    }
}
