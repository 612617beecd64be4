//! Small, pure statistics for comparing migrations: percentiles and medians
//! (here), a one-sided Mann–Whitney U test ([`mann_whitney`]), a deterministic
//! bootstrap interval on the difference of medians ([`bootstrap`]) and the
//! small generator both use ([`rng`]). Shared by `migprobe gate` and
//! `migprobe compare` through [`crate::baseline`].
//!
//! Conventions:
//! - Non-finite values (NaN, ±∞) are never silently ranked: [`Samples::new`]
//!   drops them, and the tests return `None` when an input holds one.
//! - Percentiles use the **nearest-rank** method (the value at rank
//!   `ceil(p/100 · n)`, 1-based, clamped to `1..=n`): every percentile is a
//!   value that was actually observed. The median is the conventional one
//!   (mean of the two middle values when `n` is even).
//! - Nothing here panics, on any input.

pub mod bootstrap;
pub mod mann_whitney;
pub mod rng;

pub use bootstrap::{bootstrap_median_diff, MAX_BOOTSTRAP_ITERATIONS};
pub use mann_whitney::{
    critical_u, mann_whitney_greater, normal_cdf, u_statistic, MannWhitney, EXACT_MAX_N,
};
pub use rng::Rng;

/// A sorted, finite copy of some observations.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Samples {
    sorted: Vec<f64>,
}

impl Samples {
    /// Copies `values`, drops non-finite ones, and sorts.
    pub fn new(values: &[f64]) -> Self {
        let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        sorted.sort_by(f64::total_cmp);
        Samples { sorted }
    }

    /// Number of (finite) observations.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// True when there are no observations.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// The observations, ascending.
    pub fn sorted(&self) -> &[f64] {
        &self.sorted
    }

    /// Smallest observation.
    pub fn min(&self) -> Option<f64> {
        self.sorted.first().copied()
    }

    /// Largest observation.
    pub fn max(&self) -> Option<f64> {
        self.sorted.last().copied()
    }

    /// Arithmetic mean.
    pub fn mean(&self) -> Option<f64> {
        if self.sorted.is_empty() {
            return None;
        }
        Some(self.sorted.iter().sum::<f64>() / self.sorted.len() as f64)
    }

    /// Nearest-rank percentile, `p` in `[0, 100]` (`None` when empty or `p` is out of range).
    pub fn percentile(&self, p: f64) -> Option<f64> {
        percentile_sorted(&self.sorted, p)
    }

    /// Median (mean of the two middle values for an even count).
    pub fn median(&self) -> Option<f64> {
        median_sorted(&self.sorted)
    }
}

/// Nearest-rank percentile of `values` (any order; non-finite values are dropped).
/// `p` is in `[0, 100]`; `p = 0` gives the minimum, `p = 100` the maximum.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    Samples::new(values).percentile(p)
}

/// Median of `values` (any order; non-finite values are dropped).
pub fn median(values: &[f64]) -> Option<f64> {
    Samples::new(values).median()
}

pub(crate) fn percentile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=100.0).contains(&p) {
        return None;
    }
    let n = sorted.len();
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    sorted.get(rank.clamp(1, n) - 1).copied()
}

pub(crate) fn median_sorted(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    if n % 2 == 1 {
        sorted.get(n / 2).copied()
    } else {
        Some((sorted.get(n / 2 - 1)? + sorted.get(n / 2)?) / 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v = [15.0, 20.0, 35.0, 40.0, 50.0];
        assert_eq!(percentile(&v, 5.0), Some(15.0));
        assert_eq!(percentile(&v, 30.0), Some(20.0));
        assert_eq!(percentile(&v, 40.0), Some(20.0));
        assert_eq!(percentile(&v, 50.0), Some(35.0));
        assert_eq!(percentile(&v, 100.0), Some(50.0));
        assert_eq!(percentile(&v, 0.0), Some(15.0));
        assert_eq!(percentile(&v, 101.0), None);
        assert_eq!(percentile(&v, f64::NAN), None);
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn medians_and_non_finite_values() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[f64::NAN, 5.0, f64::INFINITY]), Some(5.0));
        assert_eq!(median(&[]), None);
        let s = Samples::new(&[2.0, f64::NAN, 1.0]);
        assert_eq!(
            (s.len(), s.min(), s.max(), s.mean()),
            (2, Some(1.0), Some(2.0), Some(1.5))
        );
        assert!(Samples::new(&[]).is_empty());
    }
}
