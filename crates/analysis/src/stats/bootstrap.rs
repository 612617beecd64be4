//! A deterministic percentile-bootstrap interval on the difference of two medians.

use super::rng::Rng;
use super::{median_sorted, percentile_sorted};

/// Most bootstrap iterations [`bootstrap_median_diff`] will run (more are capped).
pub const MAX_BOOTSTRAP_ITERATIONS: usize = 1_000_000;

/// Deterministic percentile-bootstrap confidence interval for
/// `median(a) − median(b)`.
///
/// Each of `iterations` rounds resamples `a` and `b` with replacement (a small
/// xorshift64* generator seeded with `seed`, so the same inputs always give the
/// same interval), and the interval is the `(1−confidence)/2` and
/// `(1+confidence)/2` nearest-rank percentiles of the resampled differences.
/// Returns `None` when a side is empty or holds a non-finite value, when
/// `iterations` is 0, or when `confidence` is not strictly between 0 and 1.
/// Iterations are capped at [`MAX_BOOTSTRAP_ITERATIONS`].
pub fn bootstrap_median_diff(
    a: &[f64],
    b: &[f64],
    iterations: usize,
    confidence: f64,
    seed: u64,
) -> Option<(f64, f64)> {
    if a.is_empty()
        || b.is_empty()
        || iterations == 0
        || !(confidence > 0.0 && confidence < 1.0)
        || a.iter().chain(b).any(|v| !v.is_finite())
    {
        return None;
    }
    let iterations = iterations.min(MAX_BOOTSTRAP_ITERATIONS);
    let mut rng = Rng::new(seed);
    let mut diffs = Vec::with_capacity(iterations);
    let mut ra = vec![0.0; a.len()];
    let mut rb = vec![0.0; b.len()];
    for _ in 0..iterations {
        resample(a, &mut ra, &mut rng);
        resample(b, &mut rb, &mut rng);
        diffs.push(median_sorted(&ra)? - median_sorted(&rb)?);
    }
    diffs.sort_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0 * 100.0;
    Some((
        percentile_sorted(&diffs, tail)?,
        percentile_sorted(&diffs, 100.0 - tail)?,
    ))
}

/// Fills `out` (same length as `from`) with draws from `from`, sorted.
fn resample(from: &[f64], out: &mut [f64], rng: &mut Rng) {
    for slot in out.iter_mut() {
        *slot = from.get(rng.below(from.len())).copied().unwrap_or(0.0);
    }
    out.sort_by(f64::total_cmp);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bootstrap_is_deterministic_and_brackets_the_shift() {
        let base: Vec<f64> = (0..10).map(|i| 200.0 + 10.0 * i as f64).collect();
        let cand: Vec<f64> = (0..10).map(|i| 600.0 + 10.0 * i as f64).collect();
        let a = bootstrap_median_diff(&cand, &base, 2000, 0.95, 42).unwrap();
        let b = bootstrap_median_diff(&cand, &base, 2000, 0.95, 42).unwrap();
        assert_eq!(a, b);
        assert!(a.0 <= 400.0 && 400.0 <= a.1, "{a:?}");
        assert!(a.0 > 300.0 && a.1 < 500.0, "{a:?}");
        // Seed 0 works (not a stuck generator).
        let z = bootstrap_median_diff(&cand, &base, 500, 0.9, 0).unwrap();
        assert!(z.0 < z.1, "{z:?}");
    }

    #[test]
    fn bootstrap_rejects_bad_arguments() {
        assert!(bootstrap_median_diff(&[], &[1.0], 10, 0.95, 1).is_none());
        assert!(bootstrap_median_diff(&[1.0], &[1.0], 0, 0.95, 1).is_none());
        assert!(bootstrap_median_diff(&[1.0], &[1.0], 10, 1.0, 1).is_none());
        assert!(bootstrap_median_diff(&[1.0], &[1.0], 10, f64::NAN, 1).is_none());
        assert!(bootstrap_median_diff(&[f64::INFINITY], &[1.0], 10, 0.5, 1).is_none());
        assert_eq!(
            bootstrap_median_diff(&[3.0], &[1.0], 10, 0.95, 1),
            Some((2.0, 2.0))
        );
    }
}
