//! Small, pure statistics for comparing migrations: percentiles, medians, a
//! one-sided Mann–Whitney U test and a deterministic bootstrap interval on the
//! difference of medians. Shared by `migprobe gate` and `migprobe compare`.
//!
//! Conventions:
//! - Non-finite values (NaN, ±∞) are never silently ranked: [`Samples::new`]
//!   drops them, and the tests return `None` when an input holds one.
//! - Percentiles use the **nearest-rank** method (the value at rank
//!   `ceil(p/100 · n)`, 1-based, clamped to `1..=n`): every percentile is a
//!   value that was actually observed. The median is the conventional one
//!   (mean of the two middle values when `n` is even).
//! - Nothing here panics, on any input.

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

fn percentile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=100.0).contains(&p) {
        return None;
    }
    let n = sorted.len();
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    sorted.get(rank.clamp(1, n) - 1).copied()
}

fn median_sorted(sorted: &[f64]) -> Option<f64> {
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

/// Result of a one-sided Mann–Whitney U test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitney {
    /// U statistic of the candidate: the number of (candidate, baseline) pairs in
    /// which the candidate is greater, ties counting one half.
    pub u: f64,
    /// Standard score of `u` (tie-corrected, with continuity correction); 0 when every value ties.
    pub z: f64,
    /// One-sided p-value for "candidate tends to be greater than baseline".
    pub p_value: f64,
    /// True when `p_value` is exact (small samples without ties), false for
    /// the normal approximation.
    pub exact: bool,
    /// Number of candidate observations.
    pub n1: usize,
    /// Number of baseline observations.
    pub n2: usize,
}

/// One-sided Mann–Whitney U test: is `candidate` stochastically greater than `baseline`?
///
/// The p-value is exact (the permutation distribution of U) when both sides
/// have at most [`EXACT_MAX_N`] observations and no value ties; otherwise it
/// is the normal approximation with the tie correction of the variance and a
/// continuity correction of 0.5. The exact distribution is coarse for small
/// samples: with 3 against 3 the smallest possible p-value is 0.05. Returns
/// `None` when either side has fewer than 2 observations or holds a
/// non-finite value.
pub fn mann_whitney_greater(candidate: &[f64], baseline: &[f64]) -> Option<MannWhitney> {
    let (n1, n2) = (candidate.len(), baseline.len());
    if n1 < 2 || n2 < 2 || candidate.iter().chain(baseline).any(|v| !v.is_finite()) {
        return None;
    }
    // Pool with a side marker, sort, assign mid-ranks to tie groups.
    let mut pooled: Vec<(f64, bool)> = candidate
        .iter()
        .map(|&v| (v, true))
        .chain(baseline.iter().map(|&v| (v, false)))
        .collect();
    pooled.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = pooled.len();
    let mut rank_sum = 0.0;
    let mut tie_term = 0.0; // Σ (t³ − t) over tie groups
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && pooled[j].0 == pooled[i].0 {
            j += 1;
        }
        let t = (j - i) as f64;
        let mid_rank = (i + 1 + j) as f64 / 2.0; // mean of ranks i+1 ..= j
        rank_sum += mid_rank * pooled[i..j].iter().filter(|p| p.1).count() as f64;
        tie_term += t * t * t - t;
        i = j;
    }
    let (f1, f2, fnn) = (n1 as f64, n2 as f64, n as f64);
    let u = rank_sum - f1 * (f1 + 1.0) / 2.0;
    let mean = f1 * f2 / 2.0;
    let var = f1 * f2 / 12.0 * ((fnn + 1.0) - tie_term / (fnn * (fnn - 1.0)));
    let (z, p_value) = if var > 0.0 {
        let z = (u - mean - 0.5) / var.sqrt();
        (z, (1.0 - normal_cdf(z)).clamp(0.0, 1.0))
    } else {
        (0.0, 1.0)
    };
    let exact = tie_term == 0.0 && n1 <= EXACT_MAX_N && n2 <= EXACT_MAX_N;
    let p_value = if exact {
        // Without ties U is a whole number.
        exact_upper_tail(n1, n2, u.round() as usize)
    } else {
        p_value
    };
    Some(MannWhitney {
        u,
        z,
        p_value,
        exact,
        n1,
        n2,
    })
}

/// Largest side for which [`mann_whitney_greater`] computes the exact p-value.
pub const EXACT_MAX_N: usize = 50;

/// P(U ≥ `u`) when `m` candidate and `n` baseline values are exchangeable and
/// distinct: the share of the C(m+n, m) orderings whose U reaches `u`.
///
/// Counts orderings by the recurrence on the largest value: it is a
/// candidate's (adding n pairs) or a baseline's (adding none),
/// N(i, j, u) = N(i−1, j, u−j) + N(i, j−1, u); O(m·n·m·n) time.
fn exact_upper_tail(m: usize, n: usize, u: usize) -> f64 {
    // row[j][k]: orderings of i candidates and j baselines with U = k.
    let mut row: Vec<Vec<f64>> = (0..=n).map(|_| vec![1.0]).collect();
    for i in 1..=m {
        let mut next: Vec<Vec<f64>> = Vec::with_capacity(n + 1);
        next.push(vec![1.0]);
        for j in 1..=n {
            let mut counts = vec![0.0; i * j + 1];
            for (k, c) in row[j].iter().enumerate() {
                counts[k + j] += c;
            }
            for (k, c) in next[j - 1].iter().enumerate() {
                counts[k] += c;
            }
            next.push(counts);
        }
        row = next;
    }
    let all = &row[n];
    let total: f64 = all.iter().sum();
    let tail: f64 = all.iter().skip(u).sum();
    (tail / total).clamp(0.0, 1.0)
}

/// Standard normal cumulative distribution function.
pub fn normal_cdf(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// Complementary error function (Chebyshev fit, fractional error < 1.2e-7
/// everywhere; Numerical Recipes `erfcc`).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

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
    let mut rng = XorShift64::new(seed);
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
fn resample(from: &[f64], out: &mut [f64], rng: &mut XorShift64) {
    for slot in out.iter_mut() {
        *slot = from.get(rng.below(from.len())).copied().unwrap_or(0.0);
    }
    out.sort_by(f64::total_cmp);
}

/// xorshift64* (Vigna): tiny, fast, good enough for resampling, reproducible.
#[derive(Debug, Clone)]
struct XorShift64 {
    state: u64,
}

impl XorShift64 {
    fn new(seed: u64) -> Self {
        // The all-zero state is a fixed point: replace it.
        XorShift64 {
            state: if seed == 0 {
                0x9E37_79B9_7F4A_7C15
            } else {
                seed
            },
        }
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform-enough index in `0..n` (multiply-shift; `n` = 0 gives 0).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

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

    #[test]
    fn u_matches_a_hand_computed_value_with_ties() {
        // Pooled: 1 2 3 3 4 5 → ranks 1 2 3.5 3.5 5 6; candidate ranks 3.5+5+6 = 14.5,
        // U = 14.5 − 3·4/2 = 8.5 (pairs: 3>1,3>2,3=3½, 4>all, 5>all = 2.5+3+3).
        // Var = 3·3/12 · (7 − (2³−2)/(6·5)) = 0.75 · 6.8 = 5.1; z = (8.5 − 4.5 − 0.5)/√5.1.
        let m = mann_whitney_greater(&[3.0, 4.0, 5.0], &[1.0, 2.0, 3.0]).unwrap();
        assert!(!m.exact, "ties use the normal approximation");
        assert_eq!(m.u, 8.5);
        assert_eq!((m.n1, m.n2), (3, 3));
        assert!(close(m.z, 3.5 / 5.1f64.sqrt(), 1e-12), "{m:?}");
        assert!(close(m.p_value, 0.060_6, 5e-4), "{m:?}");
    }

    #[test]
    fn exact_p_values_for_small_samples() {
        // 3 against 3, complete separation: 1 ordering of C(6,3) = 20.
        let m = mann_whitney_greater(&[4.0, 5.0, 6.0], &[1.0, 2.0, 3.0]).unwrap();
        assert!(m.exact, "{m:?}");
        assert_eq!(m.u, 9.0);
        assert!(close(m.p_value, 0.05, 1e-12), "{m:?}");
        // U = 8: orderings with U ≥ 8 are 2 of 20.
        let m = mann_whitney_greater(&[3.5, 5.0, 6.0], &[1.0, 2.0, 4.0]).unwrap();
        assert_eq!(m.u, 8.0);
        assert!(close(m.p_value, 0.10, 1e-12), "{m:?}");
        // U = 0: certainly at least 0.
        let m = mann_whitney_greater(&[1.0, 2.0], &[3.0, 4.0]).unwrap();
        assert!(close(m.p_value, 1.0, 1e-12), "{m:?}");
        // 2 against 2, separated: 1 of 6.
        assert!(close(exact_upper_tail(2, 2, 4), 1.0 / 6.0, 1e-12));
        // The tails of 10 against 10 agree with the normal approximation roughly.
        let t = exact_upper_tail(10, 10, 73);
        assert!((0.03..0.05).contains(&t), "{t}");
    }

    #[test]
    fn clear_shift_is_significant() {
        let base: Vec<f64> = (0..10).map(|i| 200.0 + 10.0 * i as f64).collect();
        let cand: Vec<f64> = (0..10).map(|i| 600.0 + 10.0 * i as f64).collect();
        let m = mann_whitney_greater(&cand, &base).unwrap();
        assert_eq!(m.u, 100.0);
        assert!(m.p_value < 0.01, "{m:?}");
        // The other direction is not.
        assert!(mann_whitney_greater(&base, &cand).unwrap().p_value > 0.99);
    }

    #[test]
    fn no_shift_is_not_significant() {
        let base = [240.0, 251.0, 236.0, 262.0, 245.0, 230.0, 255.0, 248.0];
        let cand = [243.0, 238.0, 259.0, 247.0, 233.0, 252.0, 241.0, 250.0];
        let m = mann_whitney_greater(&cand, &base).unwrap();
        assert!(m.p_value > 0.2, "{m:?}");
    }

    #[test]
    fn too_few_samples_or_bad_values_give_none() {
        assert!(mann_whitney_greater(&[1.0], &[1.0, 2.0]).is_none());
        assert!(mann_whitney_greater(&[1.0, 2.0], &[]).is_none());
        assert!(mann_whitney_greater(&[1.0, f64::NAN], &[1.0, 2.0]).is_none());
    }

    #[test]
    fn all_ties_mean_no_evidence() {
        let m = mann_whitney_greater(&[5.0, 5.0, 5.0], &[5.0, 5.0]).unwrap();
        assert_eq!((m.u, m.z, m.p_value), (3.0, 0.0, 1.0));
    }

    #[test]
    fn normal_cdf_known_points() {
        assert!(close(normal_cdf(0.0), 0.5, 1e-7));
        assert!(close(normal_cdf(1.959_964), 0.975, 1e-6));
        assert!(close(normal_cdf(-2.326_348), 0.01, 1e-6));
        assert!(normal_cdf(f64::NAN).is_nan());
        assert!(close(normal_cdf(40.0), 1.0, 1e-12));
    }

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
