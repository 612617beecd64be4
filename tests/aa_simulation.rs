//! The A/A simulation of issue 14, in the test suite: campaign pairs on the
//! *same* stack drawn from the model fit to the lab's 16 real migrations
//! (`migprobe_bench::aa::model::Model::LAB`: heavy right tail, 1 outlier in
//! 16 at × 2, a slow first migration, a slow drift of the lab's level) and
//! judged by the gate's own rule with its defaults (`--max-regression 20%`,
//! `--min-effect 30ms`, `--discard-warmup 1`). The default policy must call
//! at most 5 % of them a regression, and fail at most 5 % of them counting
//! the inconclusive ones too, whether the two campaigns ran one after the
//! other or interleaved; and it must still catch large regressions.
//!
//! Deterministic (fixed seed). scripts/aa-study.sh prints the full tables
//! (reports/bench/aa-study.md).

use migprobe_analysis::baseline::Policy;
use migprobe_bench::aa::{simulate, Model, Schedule, Simulation, Tally};

/// Pairs per figure.
const PAIRS: usize = 1000;

fn run(schedule: Schedule, regression_pct: f64) -> Tally {
    simulate(
        &Simulation {
            model: Model::LAB,
            migrations: 8,
            schedule,
            regression_pct,
            pairs: PAIRS,
            seed: 14,
        },
        &Policy::default(),
    )
}

#[test]
fn the_default_policy_keeps_false_alarms_at_5_percent_and_catches_large_regressions() {
    for schedule in [Schedule::Sequential, Schedule::Interleaved] {
        let aa = run(schedule, 0.0);
        let caught: Vec<f64> = [10.0, 20.0, 50.0]
            .iter()
            .map(|&r| run(schedule, r).regression_rate())
            .collect();
        eprintln!(
            "{schedule:?}: A/A {} pairs of 8: regression {:.1} %, inconclusive {:.1} % \
             (the rule before issue 14: {:.1} %); caught +10 % {:.1} %, +20 % {:.1} %, +50 % {:.1} %",
            aa.pairs,
            aa.regression_rate() * 100.0,
            aa.inconclusive_rate() * 100.0,
            aa.legacy_rate() * 100.0,
            caught[0] * 100.0,
            caught[1] * 100.0,
            caught[2] * 100.0
        );
        assert_eq!(aa.pairs, PAIRS);
        assert!(aa.regression_rate() <= 0.05, "{schedule:?}: {aa:?}");
        assert!(aa.fail_rate() <= 0.05, "{schedule:?}: {aa:?}");
        // +50 % is caught more often than not; +10 % (within the 20 % allowed) rarely.
        assert!(caught[2] >= 0.55, "{schedule:?}: {caught:?}");
        assert!(caught[0] <= 0.15, "{schedule:?}: {caught:?}");
    }
    // The rule before issue 14 false-alarmed on campaigns run one after the other.
    let seq = run(Schedule::Sequential, 0.0);
    assert!(seq.legacy_rate() > 0.08, "{seq:?}");
}
