//! Judging pairs of campaigns: one verdict per pair by the gate's rule, the
//! rule that came before it for comparison, and many pairs at once.

use super::campaigns::{resample, Campaign};
use super::Tally;
use migprobe_analysis::baseline::{judge, Judgement, Policy};
use migprobe_analysis::stats::{mann_whitney_greater, median, Rng};

/// The rule of `migprobe gate` before issue 14: a regression when the median
/// of every migration rose by more than `limit_pct` and a one-sided
/// Mann–Whitney test of all of them says p < 0.05 (no margin in the test,
/// no warm-up, no drift check).
pub fn legacy_regressed(base: &[f64], cand: &[f64], limit_pct: f64) -> bool {
    let (Some(b), Some(c)) = (median(base), median(cand)) else {
        return false;
    };
    let rose = if b > 0.0 {
        (c - b) / b * 100.0 > limit_pct + 1e-9
    } else {
        c > b
    };
    let significant = mann_whitney_greater(cand, base).is_some_and(|t| t.p_value < 0.05);
    rose && (significant || base.len() < 2 || cand.len() < 2)
}

/// One pair judged.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The baseline's name.
    pub base: String,
    /// The candidate's name.
    pub cand: String,
    /// The gate's verdict.
    pub judgement: Judgement,
    /// The rule before issue 14 flagged it.
    pub legacy: bool,
}

/// `cand` judged against `base`; `None` when a side has no value.
pub fn judge_pair(base: &Campaign, cand: &Campaign, policy: &Policy) -> Option<Verdict> {
    Some(Verdict {
        base: base.name.clone(),
        cand: cand.name.clone(),
        judgement: judge(&base.values, &cand.values, policy)?,
        legacy: legacy_regressed(&base.values, &cand.values, policy.max_regression_pct),
    })
}

/// Counts the verdicts of `verdicts`.
pub fn tally(verdicts: &[Verdict]) -> Tally {
    let mut t = Tally::default();
    for v in verdicts {
        t.add(&v.judgement, v.legacy);
    }
    t
}

/// `pairs` pairs of `n`-migration campaigns, the baseline drawn from
/// `base_pool` and the candidate from `cand_pool` with replacement.
pub fn resampled(
    base_pool: &[f64],
    cand_pool: &[f64],
    n: usize,
    pairs: usize,
    seed: u64,
    policy: &Policy,
) -> Tally {
    let mut rng = Rng::new(seed);
    let mut t = Tally::default();
    for _ in 0..pairs {
        let a = resample(base_pool, n, &mut rng);
        let b = resample(cand_pool, n, &mut rng);
        if let Some(j) = judge(&a, &b, policy) {
            t.add(&j, legacy_regressed(&a, &b, policy.max_regression_pct));
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_old_rule_and_the_new() {
        let base: Vec<f64> = (0..8).map(|i| 150.0 + 5.0 * f64::from(i)).collect();
        // +25 % on every migration: the old rule fails it, the new one asks
        // for significantly more than the 20 % margin.
        let cand: Vec<f64> = base.iter().map(|v| v * 1.25).collect();
        assert!(legacy_regressed(&base, &cand, 20.0));
        let c = |name: &str, values: &[f64]| Campaign {
            name: name.into(),
            values: values.to_vec(),
        };
        let v = judge_pair(&c("a", &base), &c("b", &cand), &Policy::default()).unwrap();
        assert!(v.legacy && !v.judgement.regressed());
        let t = tally(&[v]);
        assert_eq!((t.pairs, t.regressions, t.legacy), (1, 0, 1));
        assert!(!legacy_regressed(&[], &cand, 20.0));
        assert!(legacy_regressed(&[100.0], &[200.0], 20.0));
        let t = resampled(&base, &base, 8, 50, 1, &Policy::default());
        assert_eq!(t.pairs, 50);
    }
}
