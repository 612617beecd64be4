//! The test at the heart of the verdict: are the `later` values greater than
//! the `earlier` ones by **more than a margin**, at 95 % confidence? A
//! one-sided Mann–Whitney U test of `later − margin` against `earlier`
//! (exact p-value for small samples without ties): significant means the
//! shift is significantly larger than the margin, so a shift as large as the
//! margin, or smaller, is flagged at most 5 % of the time.

use super::ALPHA;
use crate::stats::{mann_whitney_greater, MannWhitney};

/// Shifts within a nanosecond of the margin count as equal to it (a figure
/// equal to its limit passes: 240 → 288 ms against 20 % is +20 %, allowed).
const TOLERANCE_MS: f64 = 1e-6;

/// The test of one direction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MarginTest {
    /// Mann–Whitney of `later − margin` against `earlier`.
    pub test: MannWhitney,
    /// The margin subtracted, ms.
    pub margin: f64,
    /// `p < 0.05`.
    pub significant: bool,
}

/// The test, when both sides hold at least 2 values.
pub fn beyond(later: &[f64], earlier: &[f64], margin: f64) -> Option<MarginTest> {
    let shifted: Vec<f64> = later.iter().map(|v| v - margin).collect();
    let test = mann_whitney_greater(&shifted, earlier)?;
    Some(MarginTest {
        test,
        margin,
        significant: test.p_value < ALPHA,
    })
}

/// True when a shift of `shift` ms is larger than `margin` (equal is not).
pub fn exceeds(shift: f64, margin: f64) -> bool {
    shift - margin > TOLERANCE_MS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_margin_is_taken_off_before_testing() {
        let base: Vec<f64> = (0..8).map(|i| 150.0 + 5.0 * f64::from(i)).collect();
        let plus = |d: f64| base.iter().map(|v| v + d).collect::<Vec<_>>();
        // 100 ms slower: significant with a 30 ms margin, not with a 100 ms one.
        assert!(beyond(&plus(100.0), &base, 30.0).unwrap().significant);
        assert!(!beyond(&plus(100.0), &base, 100.0).unwrap().significant);
        // Without margin, a plain one-sided test.
        let t = beyond(&plus(100.0), &base, 0.0).unwrap();
        assert_eq!(t.test.u, 64.0);
        assert!(beyond(&[1.0], &base, 0.0).is_none());
        assert!(exceeds(48.000_001_1, 48.0) && !exceeds(48.0, 48.0) && !exceeds(-60.0, 48.0));
        assert!(!exceeds(0.2 * 240.0 + 240.0 - 240.0, 0.2 * 240.0));
    }
}
