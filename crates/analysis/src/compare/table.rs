//! The side-by-side table: every headline figure per run, deltas against the
//! first run (absolute and %), and for network and hypervisor downtime the
//! verdict of the gate's rule ([`crate::baseline`]: warm-up left out, margin,
//! drift) with its p-value, bootstrap interval and power, where both sides
//! have at least 2 migrations.

use super::{judge_metric, Metric, RunFigures};
use crate::baseline::{Judgement, Outcome, Policy};
use crate::report::json::P95_MIN_N;
use crate::report::text::{count, dur, dur_fixed, dur_res};
use crate::stats::Samples;

use crate::gate::regression as gate;

/// Bootstrap resamples for the interval on the median difference (the gate's).
pub const BOOTSTRAP_ITERATIONS: usize = gate::BOOTSTRAP_ITERATIONS;
/// Confidence of the bootstrap interval (the gate's).
pub const CONFIDENCE: f64 = 1.0 - gate::ALPHA;
/// Seed of the bootstrap: the same inputs always give the same interval (the gate's).
pub const BOOTSTRAP_SEED: u64 = gate::BOOTSTRAP_SEED;
/// A one-sided p-value below this counts as significant (the gate's).
pub const SIGNIFICANCE: f64 = gate::ALPHA;

/// Metrics that get the gate's verdict in the table.
pub const TESTED: [Metric; 2] = [Metric::Network, Metric::Hypervisor];

/// One metric of one run against the same metric of the first run, over
/// every migration (the verdict leaves the warm-up out: [`judge_metric`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Delta {
    /// Which figure.
    pub metric: Metric,
    /// The first run's value (its median across migrations).
    pub base: Option<f64>,
    /// This run's value (its median across migrations).
    pub value: Option<f64>,
    /// Samples of the first run.
    pub n_base: usize,
    /// Samples of this run.
    pub n: usize,
}

impl Delta {
    /// Compares `metric` of `run` with `base`.
    pub fn of(metric: Metric, base: &RunFigures, run: &RunFigures) -> Delta {
        let a = base.samples(metric);
        let b = run.samples(metric);
        Delta {
            metric,
            base: Samples::new(&a).median(),
            value: Samples::new(&b).median(),
            n_base: a.len(),
            n: b.len(),
        }
    }

    /// This run − the first run.
    pub fn diff(&self) -> Option<f64> {
        Some(self.value? - self.base?).filter(|d| d.is_finite())
    }

    /// The difference in percent of the first run (none when that is 0).
    pub fn pct(&self) -> Option<f64> {
        let base = self.base?;
        if base.abs() < 1e-9 {
            return None;
        }
        Some(self.diff()? / base.abs() * 100.0).filter(|p| p.is_finite())
    }

    /// How much evidence there is, in words: "1 migration each: evidence is
    /// thin", "1 migration vs 10: evidence is thin", "10 vs 10 migrations".
    pub fn evidence(&self) -> String {
        evidence(self.n_base, self.n)
    }
}

/// How much evidence `a` against `b` migrations are, in words (see [`Delta::evidence`]).
pub fn evidence(a: usize, b: usize) -> String {
    match (a, b) {
        (0, _) | (_, 0) => "no data on one side".to_owned(),
        (1, 1) => "1 migration each: evidence is thin".to_owned(),
        (a, b) if a < 2 || b < 2 => {
            format!("{} vs {b}: evidence is thin", plural_migrations(a))
        }
        (a, b) => format!("{a} vs {b} migrations"),
    }
}

fn plural_migrations(n: usize) -> String {
    if n == 1 {
        "1 migration".to_owned()
    } else {
        format!("{n} migrations")
    }
}

/// Nanoseconds of `ms` milliseconds (saturating, 0 for non-finite values).
pub fn ns(ms: f64) -> i64 {
    if ms.is_finite() {
        (ms * 1e6).round() as i64
    } else {
        0
    }
}

/// A duration for a side-by-side table: to 0.1 ms below a second (`199.8 ms`,
/// `29 ms`, `221 µs`), about three significant digits above (`3.06 s`).
pub fn fine(ns: i64) -> String {
    if ns.unsigned_abs() < 1_000_000_000 {
        dur_res(ns, 100_000)
    } else {
        dur(ns)
    }
}

/// [`fine`] with an explicit `+` for positive values.
pub fn fine_signed(ns: i64) -> String {
    if ns > 0 {
        format!("+{}", fine(ns))
    } else {
        fine(ns)
    }
}

/// A value of `metric` for people: `199.8 ms`, `106`.
pub fn value(metric: Metric, v: f64) -> String {
    if metric.is_count() {
        count(v.max(0.0).round() as u64)
    } else {
        fine(ns(v))
    }
}

/// A signed difference of `metric`: `+45 ms`, `-3`.
pub fn signed(metric: Metric, d: f64) -> String {
    if metric.is_count() {
        let n = d.round() as i64;
        if n > 0 {
            format!("+{n}")
        } else {
            n.to_string()
        }
    } else {
        fine_signed(ns(d))
    }
}

/// A percentage with its sign: `+23 %`, `-4.5 %`.
pub fn percent(p: f64) -> String {
    // Halves round away from zero (22.5 → 23), unlike `format!`'s ties-to-even.
    let s = if p.abs() >= 9.95 {
        format!("{:+.0}", p.round())
    } else {
        format!("{:+.1}", (p * 10.0).round() / 10.0)
    };
    format!("{} %", s.replace("+-", "-"))
}

/// The delta cell: `+45 ms (+23 %)`, `±0`, or `–`.
pub fn delta_cell(d: &Delta) -> String {
    amount(d.metric, d.diff(), d.pct())
}

/// A difference with its percentage: `+45 ms (+23 %)`, `±0`, or `–`.
pub fn amount(metric: Metric, diff: Option<f64>, pct: Option<f64>) -> String {
    match (diff, pct) {
        (Some(x), _) if x.abs() < 5e-7 => "±0".to_owned(),
        (Some(x), Some(p)) => format!("{} ({})", signed(metric, x), percent(p)),
        (Some(x), None) => signed(metric, x),
        _ => "–".to_owned(),
    }
}

/// The cell of one run's samples: the value, or `median / max (n)`, with the
/// p95 between them (`median / p95 / max (n)`) from [`P95_MIN_N`] values on —
/// below that the nearest-rank p95 is the maximum, and showing it twice would
/// pretend to a percentile the data cannot give.
pub fn samples_cell(metric: Metric, xs: &[f64]) -> String {
    let s = Samples::new(xs);
    let f = |v: Option<f64>| v.map(|v| value(metric, v)).unwrap_or_default();
    match s.len() {
        0 => "–".to_owned(),
        1 => f(s.min()),
        n if n < P95_MIN_N => format!("{} / {} (n={n})", f(s.median()), f(s.max())),
        n => format!(
            "{} / {} / {} (n={n})",
            f(s.median()),
            f(s.percentile(95.0)),
            f(s.max())
        ),
    }
}

fn bracket_cell(r: &RunFigures) -> String {
    let brackets: Vec<[f64; 2]> = r.migrations.iter().filter_map(|m| m.bracket_ms).collect();
    match brackets.as_slice() {
        [] => "–".to_owned(),
        [[lo, hi]] => {
            let res = ns((hi - lo).abs() / 2.0).max(1);
            format!("{} – {}", dur_fixed(ns(*lo), res), dur_fixed(ns(*hi), res))
        }
        many => {
            let widest = many
                .iter()
                .map(|[lo, hi]| (hi - lo).abs() / 2.0)
                .fold(0.0, f64::max);
            format!("± {} at most", fine(ns(widest)))
        }
    }
}

/// A table of text cells; the first row is the header.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Column titles.
    pub header: Vec<String>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    fn push(&mut self, row: Vec<String>) {
        let mut row = row;
        row.resize(self.header.len(), String::new());
        self.rows.push(row);
    }

    /// Plain text with aligned columns and a rule under the header (for a
    /// terminal); `width` (the terminal's columns) wraps long cells.
    pub fn to_text(&self, width: Option<u16>) -> String {
        crate::text_table::render(&self.header, &self.rows, true, width)
    }
}

/// Every target address of every run, in order of first appearance.
fn addresses(runs: &[RunFigures]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in runs {
        for (a, _) in &r.rtt_p99_ms {
            if !out.contains(a) {
                out.push(a.clone());
            }
        }
    }
    out
}

/// Builds the table: one column per run, and after each run but the first a
/// Δ column against the first; the verdict rows judge by `policy`.
pub fn build(runs: &[RunFigures], policy: &Policy) -> Table {
    let mut t = Table::default();
    let Some(base) = runs.first() else {
        return t;
    };
    t.header.push("figure".to_owned());
    for (i, r) in runs.iter().enumerate() {
        t.header.push(r.label.clone());
        if i > 0 {
            t.header.push(format!("Δ {}", r.label));
        }
    }
    // Per run: its cell, then (after the first) the delta cell.
    let row = |name: &str,
               cell: &dyn Fn(&RunFigures) -> String,
               delta: &dyn Fn(&RunFigures) -> String| {
        let mut v = vec![name.to_owned()];
        for (i, r) in runs.iter().enumerate() {
            v.push(cell(r));
            if i > 0 {
                v.push(delta(r));
            }
        }
        v
    };
    t.push(row(
        "migrations",
        &|r| r.migrations.len().to_string(),
        &|_| String::new(),
    ));
    for m in Metric::ALL {
        t.push(row(m.name(), &|r| samples_cell(m, &r.samples(m)), &|r| {
            delta_cell(&Delta::of(m, base, r))
        }));
        if m == Metric::Network {
            t.push(row("bracket", &bracket_cell, &|_| String::new()));
        }
    }
    for addr in addresses(runs) {
        let p99 = |r: &RunFigures| {
            r.rtt_p99_ms
                .iter()
                .find(|(a, _)| *a == addr)
                .and_then(|(_, v)| *v)
        };
        t.push(row(
            &format!("RTT p99 {addr}"),
            &|r| p99(r).map_or_else(|| "–".to_owned(), |v| fine(ns(v))),
            &|r| match (p99(base), p99(r)) {
                (Some(a), Some(b)) if (b - a).abs() < 5e-7 => "±0".to_owned(),
                (Some(a), Some(b)) => {
                    let d = b - a;
                    let pct = if a > 0.0 {
                        format!(" ({})", percent(d / a * 100.0))
                    } else {
                        String::new()
                    };
                    format!("{}{pct}", fine_signed(ns(d)))
                }
                _ => "–".to_owned(),
            },
        ));
    }
    for m in TESTED {
        let judged = |r: &RunFigures| judge_metric(m, base, r, policy);
        let thin = |j: &Judgement| j.slower.is_none();
        if runs
            .iter()
            .skip(1)
            .all(|r| judged(r).is_none_or(|j| thin(&j)))
        {
            // Nothing to test against the first run: one row that says why.
            t.push(row(
                &format!("{}: statistics", m.name()),
                &|_| String::new(),
                &|r| Delta::of(m, base, r).evidence(),
            ));
            continue;
        }
        for (name, cell) in verdict_rows(m) {
            t.push(row(&name, &|_| String::new(), &|r| match judged(r) {
                Some(j) if !thin(&j) => cell(&j),
                _ => Delta::of(m, base, r).evidence(),
            }));
        }
    }
    t
}

/// A verdict row: its name and its cell for one judgement.
type VerdictRow = (String, Box<dyn Fn(&Judgement) -> String>);

/// The rows of a tested metric: verdict, p-value, interval, power.
fn verdict_rows(m: Metric) -> Vec<VerdictRow> {
    let pct = (CONFIDENCE * 100.0).round();
    vec![
        (
            format!("{}: verdict", m.name()),
            Box::new(|j: &Judgement| outcome_word(j).to_owned()),
        ),
        (
            format!("{}: Mann–Whitney p beyond the margin (one-sided)", m.name()),
            Box::new(move |j: &Judgement| {
                let (test, dir) = if j.shift() < 0.0 {
                    (j.faster, "faster")
                } else {
                    (j.slower, "slower")
                };
                test.map_or_else(String::new, |t| {
                    format!(
                        "{} ({dir}, margin {})",
                        p_text(t.test.p_value),
                        value(m, j.margin)
                    )
                })
            }),
        ),
        (
            format!("{}: {pct} % CI of the median Δ", m.name()),
            Box::new(move |j: &Judgement| {
                j.interval(BOOTSTRAP_ITERATIONS, CONFIDENCE, BOOTSTRAP_SEED)
                    .map_or_else(String::new, |(lo, hi)| {
                        format!("{} … {}", signed(m, lo), signed(m, hi))
                    })
            }),
        ),
        (
            format!("{}: smallest regression it would catch", m.name()),
            Box::new(move |j: &Judgement| match j.outcome {
                Outcome::Within | Outcome::Faster => j.power().map_or_else(
                    || "none (too few migrations)".to_owned(),
                    |p| format!("{} ({})", percent(p.pct), signed(m, p.ms)),
                ),
                _ => String::new(),
            }),
        ),
    ]
}

/// "regression", "no regression", "improvement", "inconclusive (drift)", "evidence thin".
pub fn outcome_word(j: &Judgement) -> &'static str {
    match j.outcome {
        Outcome::Slower => "regression",
        Outcome::Faster => "improvement",
        Outcome::Within => "no regression",
        Outcome::Drifted => "inconclusive (drift)",
        Outcome::Thin { .. } => "evidence thin",
    }
}

/// `p = 0.003`, `p < 0.001`.
pub fn p_text(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".to_owned()
    } else {
        format!("p = {p:.3}")
    }
}

/// "slower" / "faster" / "same": the direction of a shift (larger is slower).
pub fn direction(diff: Option<f64>) -> &'static str {
    match diff {
        Some(x) if x > 0.0 => "slower",
        Some(x) if x < 0.0 => "faster",
        _ => "same",
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture_runs as runs;
    use super::*;

    #[test]
    fn deltas_and_thin_evidence() {
        let r = runs(&[200.0], &[245.0]);
        let d = Delta::of(Metric::Network, &r[0], &r[1]);
        assert_eq!(delta_cell(&d), "+45 ms (+23 %)");
        assert_eq!(d.evidence(), "1 migration each: evidence is thin");
        let t = build(&r, &Policy::default());
        assert_eq!(t.header, ["figure", "before", "after", "Δ after"]);
        let text = t.to_text(None);
        assert!(text.contains("+45 ms (+23 %)"), "{text}");
        assert!(
            text.contains("1 migration each: evidence is thin"),
            "{text}"
        );
        assert!(t.rows.iter().all(|row| row.len() == t.header.len()));
    }

    #[test]
    fn clear_shift_and_no_shift() {
        let base: Vec<f64> = (0..10).map(|i| 200.0 + 10.0 * f64::from(i)).collect();
        let slow: Vec<f64> = base.iter().map(|x| x + 400.0).collect();
        let t = build(&runs(&base, &slow), &Policy::default()).to_text(None);
        for row in [
            "network downtime: verdict",
            "regression",
            "network downtime: Mann–Whitney p beyond the margin (one-sided)",
            "p < 0.001 (slower, margin 50 ms)",
            "network downtime: 95 % CI of the median Δ",
            "hypervisor downtime (libvirt): verdict",
        ] {
            assert!(t.contains(row), "{row} in\n{t}");
        }
        let d = Delta::of(
            Metric::Network,
            &runs(&base, &slow)[0],
            &runs(&base, &slow)[1],
        );
        assert_eq!(d.evidence(), "10 vs 10 migrations");
        let same: Vec<f64> = base.iter().rev().copied().collect();
        let r = runs(&base, &same);
        let d = Delta::of(Metric::Network, &r[0], &r[1]);
        assert_eq!(delta_cell(&d), "±0");
        let t = build(&r, &Policy::default()).to_text(None);
        assert!(t.contains("no regression"), "{t}");
        assert!(
            t.contains("network downtime: smallest regression it would catch"),
            "{t}"
        );
        assert_eq!(
            samples_cell(Metric::Network, &base),
            "245 ms / 290 ms (n=10)"
        );
        let twenty: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(
            samples_cell(Metric::Lost, &twenty),
            "11 / 19 / 20 (n=20)",
            "p95 from 20 values on"
        );
    }

    #[test]
    fn formatting_corners() {
        assert_eq!(percent(23.4), "+23 %");
        assert_eq!(percent(-4.54), "-4.5 %");
        assert_eq!(signed(Metric::Lost, -3.0), "-3");
        assert_eq!(ns(f64::NAN), 0);
        assert_eq!(ns(1e300), i64::MAX);
        assert_eq!(samples_cell(Metric::Network, &[]), "–");
        assert!(build(&[], &Policy::default()).rows.is_empty());
    }
}
