//! `compare --json`: the verdict sentence, then every figure of every run as
//! numbers — the median across its migrations and, against the first run, the
//! difference and the one-sided tests the table shows. Pure.

use super::table::{Delta, BOOTSTRAP_ITERATIONS, BOOTSTRAP_SEED, CONFIDENCE};
use super::{judge_metric, verdict, Metric, RunFigures};
use crate::baseline::{Judgement, Outcome, Policy};
use schemars::JsonSchema;
use serde::Serialize;

/// The whole comparison.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct Comparison<'a> {
    /// The first run's label: every delta is against it.
    reference: &'a str,
    /// The verdict sentence (as printed without `--json`).
    verdict: String,
    /// One entry per run, in command-line order.
    runs: Vec<Run<'a>>,
    /// One entry per figure, in table order.
    metrics: Vec<Figure>,
}

/// One run.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct Run<'a> {
    label: &'a str,
    source: &'a str,
    migrations: usize,
}

/// One figure across the runs.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct Figure {
    /// Stable key, e.g. "network_downtime".
    metric: &'static str,
    /// Name for people.
    name: &'static str,
    /// "ms" or "probes".
    unit: &'static str,
    /// One entry per run, in command-line order.
    runs: Vec<Entry>,
}

/// One figure of one run.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct Entry {
    /// Samples (migrations that have the figure).
    n: usize,
    /// Median across the samples.
    median: Option<f64>,
    /// This run − the first (none for the first run).
    delta: Option<f64>,
    /// The delta in percent of the first run's median.
    delta_pct: Option<f64>,
    /// The rule's verdict against the first run: "regression", "improvement",
    /// "no change", "inconclusive" or "thin" (fewer than 2 migrations a side).
    verdict: Option<&'static str>,
    /// The margin a shift must significantly exceed, same unit.
    margin: Option<f64>,
    /// One-sided p-value for "greater than the first run by more than the margin" (≥ 2 samples each).
    p_greater: Option<f64>,
    /// One-sided p-value for "smaller than the first run by more than the margin".
    p_smaller: Option<f64>,
    /// 95 % bootstrap interval of median(this) − median(first).
    ci: Option<[f64; 2]>,
}

/// The verdict word of a judgement.
fn word(j: &Judgement) -> &'static str {
    match j.outcome {
        Outcome::Slower => "regression",
        Outcome::Faster => "improvement",
        Outcome::Within => "no change",
        Outcome::Drifted => "inconclusive",
        Outcome::Thin { .. } => "thin",
    }
}

/// A stable key for `m`.
fn key(m: Metric) -> &'static str {
    match m {
        Metric::Network => "network_downtime",
        Metric::Hypervisor => "hypervisor_downtime",
        Metric::QemuPause => "qemu_pause",
        Metric::Difference => "difference",
        Metric::Convergence => "convergence",
        Metric::Total => "total",
        Metric::StorageCopy => "storage_copy",
        Metric::Lost => "lost",
    }
}

fn entry(m: Metric, base: &RunFigures, run: &RunFigures, first: bool, policy: &Policy) -> Entry {
    let d = Delta::of(m, base, run);
    let j = judge_metric(m, base, run, policy).filter(|_| !first);
    Entry {
        n: d.n,
        median: d.value,
        delta: d.diff().filter(|_| !first),
        delta_pct: d.pct().filter(|_| !first),
        verdict: j.as_ref().map(word),
        margin: j.as_ref().map(|j| j.margin),
        p_greater: j.as_ref().and_then(|j| j.slower).map(|t| t.test.p_value),
        p_smaller: j.as_ref().and_then(|j| j.faster).map(|t| t.test.p_value),
        ci: j
            .as_ref()
            .and_then(|j| j.interval(BOOTSTRAP_ITERATIONS, CONFIDENCE, BOOTSTRAP_SEED))
            .map(|(lo, hi)| [lo, hi]),
    }
}

/// Pretty JSON of the comparison of `runs` (the first is the reference),
/// with a final newline; empty `runs` give `{}`.
pub fn render(runs: &[RunFigures], policy: &Policy) -> String {
    let Some(base) = runs.first() else {
        return "{}\n".into();
    };
    let metrics = Metric::ALL
        .iter()
        .map(|&m| Figure {
            metric: key(m),
            name: m.name(),
            unit: if m.is_count() { "probes" } else { "ms" },
            runs: runs
                .iter()
                .enumerate()
                .map(|(i, r)| entry(m, base, r, i == 0, policy))
                .collect(),
        })
        .collect();
    let c = Comparison {
        reference: &base.label,
        verdict: verdict::verdict(runs, policy),
        runs: runs
            .iter()
            .map(|r| Run {
                label: &r.label,
                source: &r.source,
                migrations: r.migrations.len(),
            })
            .collect(),
        metrics,
    };
    let mut s = serde_json::to_string_pretty(&c).unwrap_or_else(|e| {
        serde_json::json!({ "error": format!("cannot render the comparison: {e}") }).to_string()
    });
    s.push('\n');
    s
}
