//! The one-sided Mann–Whitney U test: exact p-values for small samples
//! without ties, the normal approximation otherwise; and, for tests repeated
//! thousands of times on tie-free data (the power search of
//! [`crate::baseline::power`]), the statistic alone and the critical value.

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
fn exact_upper_tail(m: usize, n: usize, u: usize) -> f64 {
    tail_share(&exact_counts(m, n), u)
}

/// The share of `counts` (orderings by U) at `u` or above.
fn tail_share(counts: &[f64], u: usize) -> f64 {
    let total: f64 = counts.iter().sum();
    let tail: f64 = counts.iter().skip(u).sum();
    (tail / total).clamp(0.0, 1.0)
}

/// The number of orderings of `m` candidate and `n` baseline values with
/// U = 0, 1, …, m·n.
///
/// Counts orderings by the recurrence on the largest value: it is a
/// candidate's (adding n pairs) or a baseline's (adding none),
/// N(i, j, u) = N(i−1, j, u−j) + N(i, j−1, u); O(m·n·m·n) time.
fn exact_counts(m: usize, n: usize) -> Vec<f64> {
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
    row.pop().unwrap_or_default()
}

/// U of `candidate` against `baseline`, both sorted ascending: the pairs in
/// which the candidate is greater, ties counting one half; O(m + n).
pub fn u_statistic(candidate: &[f64], baseline: &[f64]) -> f64 {
    let (mut below, mut up_to) = (0usize, 0usize);
    let mut u = 0.0;
    for &c in candidate {
        while baseline.get(below).is_some_and(|&b| b < c) {
            below += 1;
        }
        up_to = up_to.max(below);
        while baseline.get(up_to).is_some_and(|&b| b <= c) {
            up_to += 1;
        }
        u += below as f64 + (up_to - below) as f64 / 2.0;
    }
    u
}

/// The smallest U at which the one-sided test of `m` candidate against `n`
/// baseline values, none tied, is significant at `alpha` (p < `alpha`), by
/// the p-value [`mann_whitney_greater`] gives for such data (exact up to
/// [`EXACT_MAX_N`] per side, else the normal approximation). `None` when
/// no U is (2 against 2 at 0.05: the smallest p is 1/6) or a side has fewer
/// than 2 values: for tests repeated on many resamples, where computing the
/// whole distribution each time would be too slow.
pub fn critical_u(m: usize, n: usize, alpha: f64) -> Option<f64> {
    if m < 2 || n < 2 {
        return None;
    }
    let max = m * n;
    let p: Box<dyn Fn(usize) -> f64> = if m <= EXACT_MAX_N && n <= EXACT_MAX_N {
        let counts = exact_counts(m, n);
        Box::new(move |u| tail_share(&counts, u))
    } else {
        let (f1, f2) = (m as f64, n as f64);
        let sd = (f1 * f2 * (f1 + f2 + 1.0) / 12.0).sqrt();
        Box::new(move |u| 1.0 - normal_cdf((u as f64 - f1 * f2 / 2.0 - 0.5) / sd))
    };
    if p(max) >= alpha {
        return None;
    }
    // p falls as U grows: the first U below alpha.
    let (mut lo, mut hi) = (0usize, max);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if p(mid) < alpha {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Some(hi as f64)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
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
    fn fast_u_and_critical_values_agree_with_the_test() {
        let base = [1.0, 2.0, 3.0, 3.0, 8.0];
        let cand = [3.0, 4.0, 9.0];
        let full = mann_whitney_greater(&cand, &base).unwrap();
        assert_eq!(u_statistic(&cand, &base), full.u);
        assert_eq!(u_statistic(&[], &base), 0.0);
        // 3 against 3: only complete separation (U = 9, p = 0.05) comes near;
        // p < 0.05 is out of reach. 4 against 4: U = 16 (p = 1/70), 15 (2/70).
        assert_eq!(critical_u(3, 3, 0.05), None);
        assert_eq!(critical_u(2, 2, 0.05), None);
        assert_eq!(critical_u(4, 4, 0.05), Some(15.0));
        assert_eq!(critical_u(1, 9, 0.05), None);
        // Every U from the critical one up is significant, the one below is not.
        for (m, n) in [(7, 7), (8, 12), (60, 70)] {
            let c = critical_u(m, n, 0.05).unwrap();
            let sig = |u: f64| {
                // Data with exactly this U: candidate k above all but the lowest.
                let base: Vec<f64> = (0..n).map(|i| i as f64).collect();
                let mut left = u as usize;
                let cand: Vec<f64> = (0..m)
                    .map(|k| {
                        let above = left.min(n);
                        left -= above;
                        // Distinct values, none equal to a baseline's.
                        above as f64 - 0.5 + k as f64 * 1e-3
                    })
                    .collect();
                let t = mann_whitney_greater(&cand, &base).unwrap();
                assert_eq!(t.u, u);
                t.p_value < 0.05
            };
            assert!(sig(c) && !sig(c - 1.0), "{m} vs {n}: {c}");
        }
    }

    #[test]
    fn normal_cdf_known_points() {
        assert!(close(normal_cdf(0.0), 0.5, 1e-7));
        assert!(close(normal_cdf(1.959_964), 0.975, 1e-6));
        assert!(close(normal_cdf(-2.326_348), 0.01, 1e-6));
        assert!(normal_cdf(f64::NAN).is_nan());
        assert!(close(normal_cdf(40.0), 1.0, 1e-12));
    }
}
