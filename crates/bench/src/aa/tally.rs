//! Counting verdicts over many comparisons, with a 95 % Wilson interval on
//! each share.

use migprobe_analysis::baseline::{Judgement, Outcome};

/// Verdicts of a set of comparisons, as the gate would give them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Comparisons judged.
    pub pairs: usize,
    /// Judged a regression: the gate fails.
    pub regressions: usize,
    /// Judged inconclusive (a campaign drifted): the gate fails unless allowed.
    pub inconclusive: usize,
    /// Flagged by the rule before issue 14 ([`super::study::legacy_regressed`]).
    pub legacy: usize,
}

impl Tally {
    /// Adds one verdict, and whether the rule before issue 14 flagged the pair.
    pub fn add(&mut self, j: &Judgement, legacy: bool) {
        self.pairs += 1;
        self.legacy += usize::from(legacy);
        if j.regressed() {
            self.regressions += 1;
        } else if j.outcome == Outcome::Drifted {
            self.inconclusive += 1;
        }
    }

    /// Share judged a regression.
    pub fn regression_rate(&self) -> f64 {
        share(self.regressions, self.pairs)
    }

    /// Share judged inconclusive.
    pub fn inconclusive_rate(&self) -> f64 {
        share(self.inconclusive, self.pairs)
    }

    /// Share the rule before issue 14 flagged.
    pub fn legacy_rate(&self) -> f64 {
        share(self.legacy, self.pairs)
    }

    /// Share that fails the gate by default (regression or inconclusive).
    pub fn fail_rate(&self) -> f64 {
        share(self.regressions + self.inconclusive, self.pairs)
    }
}

fn share(k: usize, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        k as f64 / n as f64
    }
}

/// The 95 % Wilson score interval of `k` successes in `n` trials.
pub fn wilson(k: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let z = 1.959_964;
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// "3.1 % (2.2–4.4 %)": a share with its Wilson interval.
pub fn rate_text(k: usize, n: usize) -> String {
    let (lo, hi) = wilson(k, n);
    format!(
        "{:.1} % ({:.1}–{:.1} %)",
        share(k, n) * 100.0,
        lo * 100.0,
        hi * 100.0
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_known_values() {
        let (lo, hi) = wilson(0, 10);
        assert!(lo == 0.0 && (hi - 0.2775).abs() < 1e-3, "{hi}");
        let (lo, hi) = wilson(50, 1000);
        assert!((lo - 0.0381).abs() < 1e-3 && (hi - 0.0653).abs() < 1e-3);
        assert_eq!(wilson(0, 0), (0.0, 1.0));
        assert_eq!(rate_text(1, 4), "25.0 % (4.6–69.9 %)");
    }
}
