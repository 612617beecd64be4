//! Did a campaign move within itself? Its second half against its first, by
//! the rule of the verdict ([`super::margin`]) in the direction it moved: a
//! campaign whose second half is significantly more than the margin slower
//! (or faster) than its first was not measuring one stable thing, and a
//! verdict drawn from it would be luck. Needs at least 2 migrations per
//! half (4 judged); an odd count puts the middle one in the second half.

use super::margin::{self, MarginTest};
use crate::stats::median;

/// A campaign's second half against its first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Drift {
    /// Migrations in the first half.
    pub first: usize,
    /// Migrations in the second half.
    pub second: usize,
    /// Median of the first half, ms.
    pub first_median: f64,
    /// Median of the second half, ms.
    pub second_median: f64,
    /// The test in the direction of the move.
    pub test: Option<MarginTest>,
    /// The move is larger than the margin and significantly so.
    pub material: bool,
}

impl Drift {
    /// Second-half median − first-half median, ms.
    pub fn shift(&self) -> f64 {
        self.second_median - self.first_median
    }
}

/// The drift of `kept` (in campaign order) against `margin`; `None` when a
/// half would hold fewer than 2 migrations.
pub fn check(kept: &[f64], margin: f64) -> Option<Drift> {
    let (first, second) = kept.split_at(kept.len() / 2);
    if first.len() < 2 {
        return None;
    }
    let (first_median, second_median) = (median(first)?, median(second)?);
    let up = second_median >= first_median;
    let test = if up {
        margin::beyond(second, first, margin)
    } else {
        margin::beyond(first, second, margin)
    };
    let moved = (second_median - first_median).abs();
    Some(Drift {
        first: first.len(),
        second: second.len(),
        first_median,
        second_median,
        test,
        material: margin::exceeds(moved, margin) && test.is_some_and(|t| t.significant),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_and_direction() {
        assert!(check(&[1.0, 2.0, 3.0], 10.0).is_none());
        // A campaign that settles 100 ms lower halfway through.
        let steps = [300.0, 310.0, 305.0, 298.0, 200.0, 210.0, 205.0, 198.0];
        let d = check(&steps, 30.0).unwrap();
        assert_eq!((d.first, d.second, d.shift()), (4, 4, -100.0));
        assert!(d.material, "{d:?}");
        assert!(!check(&steps, 100.0).unwrap().material);
        // The same values shuffled: no drift.
        let mixed = [300.0, 200.0, 310.0, 210.0, 305.0, 205.0, 298.0, 198.0];
        assert!(!check(&mixed, 30.0).unwrap().material);
        // Odd count: the middle one goes to the second half.
        let d = check(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.0).unwrap();
        assert_eq!((d.first, d.second), (2, 3));
    }
}
