//! The regression check's figures for machines (`--format json`, key
//! `statistics` of the check): what the detail says, as numbers.

use super::detail::Facts;
use crate::baseline::{Campaign, Outcome};
use schemars::JsonSchema;
use serde::Serialize;

/// The figures behind the verdict.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Statistics {
    /// "regression", "no regression", "improvement", "inconclusive" or "thin evidence".
    pub outcome: &'static str,
    /// The report's median network downtime (warm-up left out), ms.
    pub median_ms: f64,
    /// The baseline's, ms.
    pub baseline_median_ms: f64,
    /// Report − baseline, ms.
    pub shift_ms: f64,
    /// The same in percent of the baseline (`null` from a baseline of 0).
    pub shift_pct: Option<f64>,
    /// The smallest shift that counts, ms.
    pub margin_ms: f64,
    /// `--max-regression`, percent.
    pub max_regression_pct: f64,
    /// `--min-effect`, ms.
    pub min_effect_ms: f64,
    /// The report's migrations judged.
    pub migrations: usize,
    /// The baseline's migrations judged.
    pub baseline_migrations: usize,
    /// The report's warm-up migrations left out.
    pub warmup_left_out: usize,
    /// The baseline's warm-up migrations left out.
    pub baseline_warmup_left_out: usize,
    /// One-sided p-value of "the report exceeds the baseline by more than the margin".
    pub p_value: Option<f64>,
    /// `p_value < 0.05`.
    pub significant: Option<bool>,
    /// 95 % bootstrap interval of the median difference, ms.
    pub interval_ms: Option<[f64; 2]>,
    /// The report's drift (second half against first half).
    pub drift: Option<DriftFigures>,
    /// The baseline's drift.
    pub baseline_drift: Option<DriftFigures>,
    /// The smallest regression caught 80 % of the time, percent (passing checks).
    pub min_detectable_pct: Option<f64>,
    /// The same in ms.
    pub min_detectable_ms: Option<f64>,
}

/// A campaign's second half against its first.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct DriftFigures {
    /// Median of the first half, ms.
    pub first_half_median_ms: f64,
    /// Median of the second half, ms.
    pub second_half_median_ms: f64,
    /// Migrations in each half.
    pub halves: [usize; 2],
    /// One-sided p-value of the move being more than the margin.
    pub p_value: Option<f64>,
    /// The move is significantly larger than the margin: inconclusive.
    pub drifted: bool,
}

impl Statistics {
    /// The figures of `f`.
    pub fn of(f: &Facts) -> Statistics {
        let j = f.judgement;
        let rel = j.relative();
        Statistics {
            outcome: match j.outcome {
                Outcome::Slower => "regression",
                Outcome::Faster => "improvement",
                Outcome::Within => "no regression",
                Outcome::Drifted => "inconclusive",
                Outcome::Thin { .. } => "thin evidence",
            },
            median_ms: us(j.cand.median),
            baseline_median_ms: us(j.base.median),
            shift_ms: us(j.shift()),
            shift_pct: rel.is_finite().then_some(hundredth(rel)),
            margin_ms: us(j.margin),
            max_regression_pct: j.policy.max_regression_pct,
            min_effect_ms: j.policy.min_effect_ms,
            migrations: j.cand.len(),
            baseline_migrations: j.base.len(),
            warmup_left_out: j.cand.discarded,
            baseline_warmup_left_out: j.base.discarded,
            p_value: j.slower.map(|t| t.test.p_value),
            significant: j.slower.map(|t| t.significant),
            interval_ms: f.interval.map(|(lo, hi)| [us(lo), us(hi)]),
            drift: drift(&j.cand),
            baseline_drift: drift(&j.base),
            min_detectable_pct: f.power.map(|p| hundredth(p.pct)),
            min_detectable_ms: f.power.map(|p| us(p.ms)),
        }
    }
}

fn drift(c: &Campaign) -> Option<DriftFigures> {
    let d = c.drift?;
    Some(DriftFigures {
        first_half_median_ms: us(d.first_median),
        second_half_median_ms: us(d.second_median),
        halves: [d.first, d.second],
        p_value: d.test.map(|t| t.test.p_value),
        drifted: d.material,
    })
}

/// Milliseconds rounded to the microsecond, as report.json writes them.
fn us(ms: f64) -> f64 {
    (ms * 1e3).round() / 1e3
}

/// A percentage to 0.01.
fn hundredth(pct: f64) -> f64 {
    (pct * 100.0).round() / 100.0
}
