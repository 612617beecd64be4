//! The regression check: the report's **median** network downtime against the
//! baseline's. With at least 2 migrations on each side the check fails only
//! when the median regression exceeds the limit **and** a one-sided
//! Mann–Whitney U test says the report's downtimes are greater at 95 %
//! confidence; a 95 % bootstrap interval of the median difference is stated.
//! With a single migration on either side the medians are compared directly
//! and the detail says the evidence is thin.

use super::figures::{cannot, fmt_ms, fmt_p, fmt_pct, fmt_signed_ms, migrations, relative, trim};
use super::input::{samples, GateInput, Metric};
use super::CheckResult;
use crate::stats::{bootstrap_median_diff, mann_whitney_greater, MannWhitney, Samples};

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

const NAME: &str = "regression vs baseline";

/// The two sides' downtimes and their medians.
struct Sides {
    cand: Samples,
    base: Samples,
    median_cand: f64,
    median_base: f64,
}

impl Sides {
    /// Relative change of the medians, percent.
    fn relative(&self) -> f64 {
        relative(self.median_cand, self.median_base)
    }

    /// True when either side has more than one migration.
    fn campaign(&self) -> bool {
        self.cand.len() > 1 || self.base.len() > 1
    }
}

/// Judges the report against the baseline with `limit` percent allowed.
pub(crate) fn regression_check(
    limit: f64,
    report: &GateInput,
    baseline: Option<&GateInput>,
) -> CheckResult {
    let threshold = format!("≤ {}", fmt_pct(limit));
    let Some(baseline) = baseline else {
        return cannot(
            NAME,
            threshold,
            "no baseline report given (--baseline BASE.json)",
        );
    };
    let sides = match sides(report, baseline) {
        Ok(s) => s,
        Err(which) => {
            let why = format!("{which} holds no network downtime to compare");
            return cannot(NAME, threshold, &why);
        }
    };
    let rel = sides.relative();
    // Percentages are compared to 1e-9 so that 240 → 288 ms is exactly +20 %.
    let exceeds = rel > limit + 1e-9;
    let head = headline(&sides, limit, exceeds);
    let (pass, detail) = match significance(&sides) {
        Some(mw) => {
            let significant = mw.p_value < ALPHA;
            let detail = format!(
                "{head}; {}{}",
                test_text(&mw, significant),
                interval_text(&sides)
            );
            (!(exceeds && significant), detail)
        }
        None => (!exceeds, format!("{head}; {}", thin_evidence(&sides))),
    };
    CheckResult {
        name: NAME.into(),
        threshold,
        observed: observed(&sides, rel),
        baseline: Some(median_of(&sides.base, sides.median_base)),
        pass,
        detail,
        measure: super::Measure::of(Some(rel), None),
    }
}

/// Both sides' downtimes; `Err` names the side that has none.
fn sides(report: &GateInput, baseline: &GateInput) -> Result<Sides, &'static str> {
    let cand = Samples::new(&samples(report, Metric::NetworkDowntime));
    let base = Samples::new(&samples(baseline, Metric::NetworkDowntime));
    match (cand.median(), base.median()) {
        (Some(median_cand), Some(median_base)) => Ok(Sides {
            cand,
            base,
            median_cand,
            median_base,
        }),
        _ if cand.is_empty() => Err("the report"),
        _ => Err("the baseline"),
    }
}

/// "+20 % (median 288 ms)".
fn observed(s: &Sides, rel: f64) -> String {
    let median = if s.cand.len() > 1 { "median " } else { "" };
    format!("{} ({median}{})", fmt_pct(rel), fmt_ms(s.median_cand))
}

/// "288 ms" or "288 ms (median of 8)".
fn median_of(s: &Samples, m: f64) -> String {
    match s.len() {
        1 => fmt_ms(m),
        n => format!("{} (median of {n})", fmt_ms(m)),
    }
}

/// "median network downtime 288 ms vs baseline 240 ms: +20 % > +10 %".
fn headline(s: &Sides, limit: f64, exceeds: bool) -> String {
    let label = if s.campaign() {
        "median network downtime"
    } else {
        "network downtime"
    };
    let cmp = if exceeds { ">" } else { "≤" };
    format!(
        "{label} {} vs baseline {}: {} {cmp} {}",
        fmt_ms(s.median_cand),
        fmt_ms(s.median_base),
        fmt_pct(s.relative()),
        fmt_pct(limit)
    )
}

/// The one-sided Mann–Whitney test, with at least 2 migrations on each side.
fn significance(s: &Sides) -> Option<MannWhitney> {
    (s.cand.len() >= 2 && s.base.len() >= 2)
        .then(|| mann_whitney_greater(s.cand.sorted(), s.base.sorted()))
        .flatten()
}

fn test_text(mw: &MannWhitney, significant: bool) -> String {
    format!(
        "{}significantly greater at 95 % confidence (one-sided Mann–Whitney U = {}, {}{}, n = {} vs {})",
        if significant { "" } else { "not " },
        trim(mw.u, 1),
        fmt_p(mw.p_value),
        if mw.exact { " exact" } else { "" },
        mw.n1,
        mw.n2
    )
}

/// "; 95 % bootstrap interval of the median difference -3 ms … +40 ms".
fn interval_text(s: &Sides) -> String {
    bootstrap_median_diff(
        s.cand.sorted(),
        s.base.sorted(),
        bootstrap_iterations(s.cand.len() + s.base.len()),
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
    .unwrap_or_default()
}

fn thin_evidence(s: &Sides) -> String {
    format!(
        "evidence is thin: {} against {} in the baseline (a statistical verdict needs at least 2 on each side)",
        migrations(s.cand.len()),
        s.base.len()
    )
}
