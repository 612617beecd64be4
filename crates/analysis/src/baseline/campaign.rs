//! One side of a comparison: a campaign's migrations in the order they ran,
//! less its warm-up.
//!
//! The first migration of a lab campaign runs against cold caches on the
//! destination (a QEMU that never received a guest, page cache empty) and is
//! often slower; a campaign's first `discard_warmup` migrations are left out
//! of every test, when at least 2 remain (a campaign of 2 keeps both: a
//! single migration cannot be tested).

use super::drift::{self, Drift};
use crate::stats::Samples;

/// Fewest migrations a campaign keeps after its warm-up.
pub const MIN_KEPT: usize = 2;

/// A campaign's migrations as judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    /// Migrations with a figure, warm-up included.
    pub total: usize,
    /// Warm-up migrations left out (the first ones).
    pub discarded: usize,
    /// The migrations judged, in the order they ran.
    pub kept: Vec<f64>,
    /// The same, sorted.
    pub sorted: Samples,
    /// Their median.
    pub median: f64,
    /// Second half against first half ([`Campaign::check_drift`]); `None`
    /// until checked, or when a half would hold fewer than 2 migrations.
    pub drift: Option<Drift>,
}

impl Campaign {
    /// `values` in campaign order (non-finite ones dropped) less the first
    /// `warmup`; `None` when no value is left.
    pub fn new(values: &[f64], warmup: usize) -> Option<Campaign> {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let discarded = if finite.len() >= warmup.saturating_add(MIN_KEPT) {
            warmup
        } else {
            0
        };
        let kept = finite.get(discarded..).unwrap_or_default().to_vec();
        let sorted = Samples::new(&kept);
        Some(Campaign {
            total: finite.len(),
            discarded,
            median: sorted.median()?,
            sorted,
            kept,
            drift: None,
        })
    }

    /// Number of migrations judged.
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    /// True when no migration is judged (never, for a built campaign).
    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// True when the warm-up was asked for but too few migrations would remain.
    pub fn too_few_for_warmup(&self, warmup: usize) -> bool {
        warmup > 0 && self.discarded == 0 && self.total > 0
    }

    /// Checks the drift against `margin` (see [`drift::check`]).
    pub fn check_drift(&mut self, margin: f64) {
        self.drift = drift::check(&self.kept, margin);
    }

    /// True when the campaign moved by more than the margin within itself.
    pub fn drifted(&self) -> bool {
        self.drift.as_ref().is_some_and(|d| d.material)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warmup_is_left_out_when_two_remain() {
        let c = Campaign::new(&[400.0, 100.0, 120.0], 1).unwrap();
        assert_eq!((c.total, c.discarded, c.median), (3, 1, 110.0));
        assert_eq!(c.kept, [100.0, 120.0]);
        let c = Campaign::new(&[400.0, 100.0], 1).unwrap();
        assert_eq!((c.discarded, c.len()), (0, 2));
        assert!(c.too_few_for_warmup(1) && !c.too_few_for_warmup(0));
        let c = Campaign::new(&[f64::NAN, 5.0], 3).unwrap();
        assert_eq!((c.total, c.median), (1, 5.0));
        assert!(Campaign::new(&[], 1).is_none());
        assert!(Campaign::new(&[f64::INFINITY], 0).is_none());
        assert_eq!(
            Campaign::new(&[1.0, 2.0, 3.0], usize::MAX).unwrap().len(),
            3
        );
    }
}
