//! The A/A study: how often a baseline policy flags a change between two
//! campaigns on the *same* stack (a false alarm), and how often it catches a
//! real one.
//!
//! - [`model`]: campaign pairs drawn from a model of the lab's downtimes;
//! - [`campaigns`]: real campaigns read, split and resampled;
//! - [`study`]: pairs judged (and by the rule before issue 14, to compare);
//! - [`tally`]: verdicts counted, with confidence intervals;
//! - [`markdown`]: the tables of reports/bench/aa-study.md;
//! - [`simulate`]: many pairs judged by [`migprobe_analysis::baseline::judge`],
//!   the very rule of `migprobe gate` and `migprobe compare`.
//!
//! `scripts/aa-study.sh` runs the study on real campaigns and on the model
//! and writes reports/bench/aa-study.md; tests/aa_simulation.rs holds the
//! default policy to a false-alarm rate of at most 5 %.

pub mod campaigns;
pub mod markdown;
pub mod model;
pub mod study;
pub mod tally;

pub use model::{Model, Schedule};
pub use tally::Tally;

use migprobe_analysis::baseline::{judge, Policy};
use migprobe_analysis::stats::Rng;

/// What to simulate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Simulation {
    /// The lab.
    pub model: Model,
    /// Migrations per campaign (warm-up included).
    pub migrations: usize,
    /// How the two campaigns share the lab's time.
    pub schedule: Schedule,
    /// The candidate's true regression, percent (0: an A/A pair).
    pub regression_pct: f64,
    /// Pairs drawn.
    pub pairs: usize,
    /// Seed of the draws.
    pub seed: u64,
}

/// Judges `s.pairs` simulated pairs (baseline A, candidate B) under `policy`.
pub fn simulate(s: &Simulation, policy: &Policy) -> Tally {
    let mut rng = Rng::new(s.seed);
    let mut tally = Tally::default();
    for _ in 0..s.pairs {
        let (a, b) = model::pair(
            &s.model,
            s.migrations,
            s.schedule,
            s.regression_pct,
            &mut rng,
        );
        if let Some(j) = judge(&a, &b, policy) {
            tally.add(
                &j,
                study::legacy_regressed(&a, &b, policy.max_regression_pct),
            );
        }
    }
    tally
}
