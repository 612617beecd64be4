//! The power of a comparison: the smallest regression it would have caught.
//!
//! A PASS means "no regression larger than the margin was *shown*"; how large
//! a regression could have slipped through depends on the sample sizes and on
//! the spread. Method (a resampling shift, deterministic):
//!
//! 1. Draw [`resamples`] pairs of campaigns from the baseline's judged
//!    migrations, with replacement: a pretend baseline of the baseline's size
//!    and a pretend candidate of the candidate's size (ties from drawing the
//!    same migration twice are broken by a nanosecond of noise).
//! 2. Make every migration of the pretend candidate `r` % longer and apply the
//!    verdict's regression rule ([`super::margin`]: median shift above the
//!    margin, Mann–Whitney of candidate − margin significant at 95 %).
//! 3. The power figure is the smallest `r` flagged in at least
//!    [`DETECTION`] of the pairs (bisection; the same draws for every `r`, so
//!    the share only grows with `r`).
//!
//! The regression is modelled as a scale factor (every migration `r` %
//! longer), as the relative limit is; in milliseconds it is `r` % of the
//! baseline's median.

use super::{margin, Policy, ALPHA};
use crate::stats::{critical_u, median, median_sorted, u_statistic, Rng};

/// Share of resampled comparisons that must flag a regression.
pub const DETECTION: f64 = 0.8;
/// Largest regression searched, percent: beyond it, "none could be detected".
pub const MAX_PCT: f64 = 1000.0;
/// Seed of the draws: the same campaigns always give the same figure.
pub const SEED: u64 = 0x0070_6f77_6572; // "power"

/// Resampled pairs for campaigns of `n` migrations in all: 1000, fewer (down
/// to 100) for thousands of migrations so that the gate stays fast.
pub fn resamples(n: usize) -> usize {
    (2_000_000 / n.max(1)).clamp(100, 1000)
}

/// The smallest regression caught in [`DETECTION`] of the resampled pairs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Power {
    /// In percent of the baseline's median.
    pub pct: f64,
    /// In milliseconds.
    pub ms: f64,
    /// Resampled pairs behind the figure.
    pub resamples: usize,
}

/// One resampled pair, both sides sorted.
struct Pair {
    base: Vec<f64>,
    cand: Vec<f64>,
    base_median: f64,
    cand_median: f64,
}

/// The power of comparing `n_cand` migrations against `base` (the baseline's
/// judged migrations, any order) under `policy`; `None` with fewer than 2 on
/// a side, or when not even +[`MAX_PCT`] % would be caught (2 against 2: the
/// smallest possible p-value is 1/6).
pub fn min_detectable(base: &[f64], n_cand: usize, policy: &Policy) -> Option<Power> {
    let critical = critical_u(n_cand, base.len(), ALPHA)?;
    let base_median = median(base)?;
    let count = resamples(base.len() + n_cand);
    let mut rng = Rng::new(SEED);
    let pairs: Vec<Pair> = (0..count)
        .map(|_| Pair::draw(base, n_cand, &mut rng))
        .collect();
    let mut buf = Vec::with_capacity(n_cand);
    let mut share = |r: f64| {
        let hits = pairs
            .iter()
            .filter(|p| p.flagged(r, policy, critical, &mut buf))
            .count();
        hits as f64 / count as f64
    };
    let mut hi = MAX_PCT / 100.0;
    if share(hi) < DETECTION {
        return None;
    }
    let mut lo = 0.0;
    for _ in 0..24 {
        let mid = (lo + hi) / 2.0;
        if share(mid) >= DETECTION {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(Power {
        pct: hi * 100.0,
        ms: hi * base_median,
        resamples: count,
    })
}

impl Pair {
    /// A pretend baseline of `from`'s size and a pretend candidate of `n_cand`, drawn from `from`.
    fn draw(from: &[f64], n_cand: usize, rng: &mut Rng) -> Pair {
        let base = draw(from, from.len(), rng);
        let cand = draw(from, n_cand, rng);
        Pair {
            base_median: median_sorted(&base).unwrap_or(0.0),
            cand_median: median_sorted(&cand).unwrap_or(0.0),
            base,
            cand,
        }
    }

    /// The verdict's regression rule on this pair, its candidate made `r` longer.
    fn flagged(&self, r: f64, policy: &Policy, critical: f64, buf: &mut Vec<f64>) -> bool {
        let margin = policy.margin(self.base_median);
        let scale = 1.0 + r;
        if !margin::exceeds(self.cand_median * scale - self.base_median, margin) {
            return false;
        }
        buf.clear();
        buf.extend(self.cand.iter().map(|v| v * scale - margin));
        u_statistic(buf, &self.base) >= critical
    }
}

/// `n` draws from `from` with replacement, each nudged by up to ±0.5 ns
/// (ties broken at random), sorted.
fn draw(from: &[f64], n: usize, rng: &mut Rng) -> Vec<f64> {
    let mut out: Vec<f64> = (0..n)
        .map(|_| {
            let v = from.get(rng.below(from.len())).copied().unwrap_or(0.0);
            v + (rng.unit() - 0.5) * 1e-6
        })
        .collect();
    out.sort_by(f64::total_cmp);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_migrations_detect_smaller_regressions() {
        let policy = Policy::default();
        let spread: Vec<f64> = (0..32).map(|i| 150.0 + 3.0 * f64::from(i % 8)).collect();
        let small = min_detectable(&spread[..8], 8, &policy).unwrap();
        let large = min_detectable(&spread, 32, &policy).unwrap();
        // Never below the margin (20 % of the median), smaller with more data.
        assert!(small.pct > 20.0 && large.pct > 20.0, "{small:?} {large:?}");
        assert!(large.pct < small.pct, "{small:?} {large:?}");
        assert_eq!(small, min_detectable(&spread[..8], 8, &policy).unwrap());
        assert!(
            (small.ms - small.pct / 100.0 * 160.5).abs() < 1e-6,
            "{small:?}"
        );
        // 2 against 2 can never be significant.
        assert!(min_detectable(&[1.0, 2.0], 2, &policy).is_none());
        assert!(min_detectable(&[], 5, &policy).is_none());
    }
}
