//! The regression check: the report's network downtimes against the
//! baseline's, judged by the rule of [`crate::baseline`] (the same as
//! `migprobe compare`'s): warm-up left out, a regression must be
//! significantly larger than the margin (`--max-regression` of the
//! baseline's median, at least `--min-effect`), a campaign that drifted
//! within itself makes the check **inconclusive** (a failure unless
//! `--allow-inconclusive`), and every pass states the smallest regression
//! the comparison would have caught. With a single migration on a side the
//! medians are compared directly and the detail says the evidence is thin.
//!
//! - [`detail`]: the sentence; [`statistics`]: the figures for `--format json`.

pub mod detail;
pub mod statistics;

use super::figures::{cannot, fmt_ms, fmt_pct};
use super::input::{samples, GateInput, Metric};
use super::CheckResult;
pub use crate::baseline::ALPHA;
use crate::baseline::{judge, Campaign, Judgement, Outcome, Policy};
use statistics::Statistics;

/// Bootstrap resamples for the median-difference interval.
pub const BOOTSTRAP_ITERATIONS: usize = 10_000;
/// Resamples for `n` pooled migrations: [`BOOTSTRAP_ITERATIONS`], fewer (down
/// to 1000) for campaigns of thousands of migrations so the gate stays fast.
pub fn bootstrap_iterations(n: usize) -> usize {
    (20_000_000 / n.max(1)).clamp(1_000, BOOTSTRAP_ITERATIONS)
}

/// Fixed bootstrap seed: the same reports always give the same interval.
pub const BOOTSTRAP_SEED: u64 = 0x6d69_6770_726f_6265; // "migprobe"

/// The check's name (also its JUnit testcase name).
pub const NAME: &str = "regression vs baseline";

/// Judges the report against the baseline by `policy`.
pub(crate) fn regression_check(
    policy: &Policy,
    allow_inconclusive: bool,
    report: &GateInput,
    baseline: Option<&GateInput>,
) -> CheckResult {
    let threshold = threshold(policy);
    let Some(baseline) = baseline else {
        return cannot(
            NAME,
            threshold,
            "no baseline report given (--baseline BASE.json)",
        );
    };
    let cand = samples(report, Metric::NetworkDowntime);
    let base = samples(baseline, Metric::NetworkDowntime);
    let Some(j) = judge(&base, &cand, policy) else {
        let which = if cand.is_empty() {
            "the report"
        } else {
            "the baseline"
        };
        let why = format!("{which} holds no network downtime to compare");
        return cannot(NAME, threshold, &why);
    };
    let inconclusive = j.outcome == Outcome::Drifted;
    let pass = !j.regressed() && (!inconclusive || allow_inconclusive);
    let interval = j.slower.and_then(|_| {
        j.interval(
            bootstrap_iterations(j.base.len() + j.cand.len()),
            1.0 - ALPHA,
            BOOTSTRAP_SEED,
        )
    });
    let power = if pass { j.power() } else { None };
    let facts = detail::Facts {
        judgement: &j,
        interval,
        power: power.as_ref(),
        pass,
    };
    CheckResult {
        name: NAME.into(),
        threshold,
        observed: observed(&j),
        baseline: Some(median_of(&j.base)),
        pass,
        detail: detail::render(&facts),
        statistics: Some(Box::new(Statistics::of(&facts))),
        measure: super::Measure::of(Some(j.relative()), None),
    }
}

/// "≤ +20 % (at least 30 ms)".
fn threshold(p: &Policy) -> String {
    format!(
        "≤ {} (at least {})",
        fmt_pct(p.max_regression_pct),
        fmt_ms(p.min_effect_ms)
    )
}

/// "+20 % (median 288 ms)".
fn observed(j: &Judgement) -> String {
    let median = if j.cand.len() > 1 { "median " } else { "" };
    format!(
        "{} ({median}{})",
        fmt_pct(j.relative()),
        fmt_ms(j.cand.median)
    )
}

/// "288 ms" or "288 ms (median of 8)".
fn median_of(c: &Campaign) -> String {
    match c.len() {
        1 => fmt_ms(c.median),
        n => format!("{} (median of {n})", fmt_ms(c.median)),
    }
}
