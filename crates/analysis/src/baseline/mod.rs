//! Is a campaign of migrations worse than its baseline? The one rule behind
//! `migprobe gate`'s regression check and `migprobe compare`'s verdict
//! ([`judge`]); the two only word it differently.
//!
//! Two campaigns on the *same* stack differ: the lab's downtime wanders by
//! tens of milliseconds within a campaign and between campaigns, and a
//! Mann–Whitney test that treats every migration as independent calls such a
//! wander "significant" (the committed A/A example: +31 %, p = 0.010, with
//! nothing changed). So a shift counts only when it is both significant and
//! larger than what matters, and only when neither campaign moved by that
//! much within itself:
//!
//! 1. **Warm-up** ([`campaign`]): the first [`Policy::discard_warmup`]
//!    migrations of each campaign are left out, when at least 2 remain.
//! 2. **Margin**: the smallest regression that matters,
//!    max([`Policy::max_regression_pct`] of the baseline's median,
//!    [`Policy::min_effect_ms`]).
//! 3. **Regression** ([`margin`]): the candidate's median exceeds the
//!    baseline's by more than the margin **and** a one-sided Mann–Whitney U
//!    test of the candidate minus the margin against the baseline is
//!    significant at 95 %: the regression is significantly *larger than the
//!    margin*, not merely larger than nothing. An improvement is the same
//!    rule the other way round.
//! 4. **Drift** ([`drift`]): in each campaign, its second half against its
//!    first by the same rule, either way; a campaign that moved by more than
//!    the margin within itself makes the verdict [`Outcome::Drifted`]
//!    (inconclusive) rather than wrong.
//! 5. With fewer than 2 migrations on a side the medians are compared
//!    directly ([`Outcome::Thin`]).
//! 6. **Power** ([`power`]): the smallest regression the test would have
//!    caught 80 % of the time, with these sample sizes and the baseline's
//!    spread.
//!
//! Pure and deterministic: the same values give the same verdict.

pub mod campaign;
pub mod drift;
pub mod margin;
pub mod power;
pub mod words;

pub use campaign::Campaign;
pub use drift::Drift;
pub use margin::MarginTest;
pub use power::Power;

use crate::stats::bootstrap_median_diff;

/// Significance level of every test here (95 % confidence).
pub const ALPHA: f64 = 0.05;
/// `--max-regression` of `migprobe compare` (the gate's is required), percent.
pub const DEFAULT_MAX_REGRESSION_PCT: f64 = 20.0;
/// `--min-effect`: no regression smaller than this counts, however significant.
pub const DEFAULT_MIN_EFFECT_MS: f64 = 30.0;
/// `--discard-warmup`: migrations left out at the start of each campaign.
pub const DEFAULT_DISCARD_WARMUP: usize = 1;

/// What counts as a regression.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    /// Largest regression allowed, in percent of the baseline's median.
    pub max_regression_pct: f64,
    /// Smallest regression that counts, in milliseconds.
    pub min_effect_ms: f64,
    /// Migrations left out at the start of each campaign (when at least 2 remain).
    pub discard_warmup: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_regression_pct: DEFAULT_MAX_REGRESSION_PCT,
            min_effect_ms: DEFAULT_MIN_EFFECT_MS,
            discard_warmup: DEFAULT_DISCARD_WARMUP,
        }
    }
}

impl Policy {
    /// The smallest shift that matters against a baseline median of `base_median` ms.
    pub fn margin(&self, base_median: f64) -> f64 {
        (self.max_regression_pct / 100.0 * base_median).max(self.min_effect_ms)
    }
}

/// The verdict on a candidate campaign against its baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Slower by significantly more than the margin: a regression.
    Slower,
    /// Faster by significantly more than the margin: an improvement.
    Faster,
    /// Neither: no change larger than the margin was shown.
    Within,
    /// A campaign moved by more than the margin within itself: inconclusive.
    Drifted,
    /// Fewer than 2 migrations on a side: the medians compared directly.
    Thin {
        /// The candidate's median is more than the margin above the baseline's.
        slower: bool,
        /// The candidate's median is more than the margin below the baseline's.
        faster: bool,
    },
}

/// A candidate campaign judged against its baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    /// The rule applied.
    pub policy: Policy,
    /// The baseline campaign.
    pub base: Campaign,
    /// The candidate campaign.
    pub cand: Campaign,
    /// The smallest shift that matters, ms ([`Policy::margin`] of the baseline's median).
    pub margin: f64,
    /// Is the candidate slower by more than the margin (with 2 or more on each side)?
    pub slower: Option<MarginTest>,
    /// Is the candidate faster by more than the margin (with 2 or more on each side)?
    pub faster: Option<MarginTest>,
    /// The verdict.
    pub outcome: Outcome,
}

/// Judges `cand` against `base` (each in campaign order, milliseconds; one
/// value is a single migration); `None` when a side has no value.
pub fn judge(base: &[f64], cand: &[f64], policy: &Policy) -> Option<Judgement> {
    let mut base = Campaign::new(base, policy.discard_warmup)?;
    let mut cand = Campaign::new(cand, policy.discard_warmup)?;
    let margin = policy.margin(base.median);
    base.check_drift(margin);
    cand.check_drift(margin);
    let slower = margin::beyond(&cand.kept, &base.kept, margin);
    let faster = margin::beyond(&base.kept, &cand.kept, margin);
    let shift = cand.median - base.median;
    let shown = |t: &Option<MarginTest>, shift: f64| {
        margin::exceeds(shift, margin) && t.as_ref().is_some_and(|t| t.significant)
    };
    let outcome = if base.drifted() || cand.drifted() {
        Outcome::Drifted
    } else if slower.is_none() {
        Outcome::Thin {
            slower: margin::exceeds(shift, margin),
            faster: margin::exceeds(-shift, margin),
        }
    } else if shown(&slower, shift) {
        Outcome::Slower
    } else if shown(&faster, -shift) {
        Outcome::Faster
    } else {
        Outcome::Within
    };
    Some(Judgement {
        policy: *policy,
        base,
        cand,
        margin,
        slower,
        faster,
        outcome,
    })
}

/// Relative change of `new` against `old`, percent (+∞ when `old` is 0 and `new` is not).
pub fn relative(new: f64, old: f64) -> f64 {
    if old > 0.0 {
        (new - old) / old * 100.0
    } else if new > old {
        f64::INFINITY
    } else {
        0.0
    }
}

impl Judgement {
    /// Candidate median − baseline median, ms.
    pub fn shift(&self) -> f64 {
        self.cand.median - self.base.median
    }

    /// The shift in percent of the baseline's median (+∞ from a baseline of 0).
    pub fn relative(&self) -> f64 {
        relative(self.cand.median, self.base.median)
    }

    /// True when the verdict is a regression (also from thin evidence).
    pub fn regressed(&self) -> bool {
        matches!(
            self.outcome,
            Outcome::Slower | Outcome::Thin { slower: true, .. }
        )
    }

    /// Percentile-bootstrap interval of the median difference (candidate −
    /// baseline) at `confidence`, on the migrations judged.
    pub fn interval(&self, iterations: usize, confidence: f64, seed: u64) -> Option<(f64, f64)> {
        bootstrap_median_diff(
            self.cand.sorted.sorted(),
            self.base.sorted.sorted(),
            iterations,
            confidence,
            seed,
        )
    }

    /// The smallest regression this comparison would have caught (see [`power`]).
    pub fn power(&self) -> Option<Power> {
        power::min_detectable(&self.base.kept, self.cand.kept.len(), &self.policy)
    }
}

#[cfg(test)]
mod tests;
