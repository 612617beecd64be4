//! Runs with several migrations (`run --repeat`): one analysis per migration,
//! each over its own window of the run. [`super::campaign::merge`] puts them
//! back into the whole run's analysis.

use super::analyze::{analyze_probes, sorted_probes};
use super::clocks::estimate;
use super::model::Analysis;
use super::per_guest::per_guest_probes;
use super::AnalysisOptions;
use migprobe_probe::record::{kinds, ProbeLine, Probes, RunData, Window};

/// How much of the time before a trigger belongs to its migration (its baseline).
pub const LEAD_NS: i64 = 2_000_000_000;

/// One analysis per migration when the run holds two or more (one per
/// `trigger_started` event); empty for a single migration, whose analysis is
/// the run's. A run that probed several guests at once (a host evacuation)
/// is split by guest instead ([`per_guest_probes`]): its migrations overlap
/// in time.
///
/// Migration i covers the run from shortly before its trigger (at most
/// [`LEAD_NS`], never before the previous trigger exited: that exit is the
/// previous migration's) to the start of the next one. The hosts' clocks
/// are estimated once, over the whole run.
pub fn per_migration(run: &RunData, opts: &AnalysisOptions) -> Vec<Analysis> {
    let probes = sorted_probes(&run.probes);
    let slice: &[ProbeLine] = &probes;
    per_migration_probes(run, &slice, opts)
}

/// [`per_migration`] with the probes kept elsewhere (`run.probes` is not
/// read; `probes` in (target, index) order, see [`analyze_probes`]).
pub fn per_migration_probes(
    run: &RunData,
    probes: &dyn Probes,
    opts: &AnalysisOptions,
) -> Vec<Analysis> {
    let guests = per_guest_probes(run, probes, opts);
    if !guests.is_empty() {
        return guests;
    }
    let starts: Vec<i64> = run
        .events
        .iter()
        .filter(|e| e.kind == kinds::TRIGGER_STARTED)
        .map(|e| e.at_ns.0)
        .collect();
    if starts.len() < 2 {
        return Vec::new();
    }
    let exits: Vec<i64> = run
        .events
        .iter()
        .filter(|e| e.kind == kinds::TRIGGER_EXITED)
        .map(|e| e.at_ns.0)
        .collect();
    let mut bounds = vec![i64::MIN];
    for w in starts.windows(2) {
        let prev_exit = exits
            .iter()
            .copied()
            .filter(|&x| x >= w[0] && x <= w[1])
            .max()
            .unwrap_or(w[0]);
        // Windows are half-open: the previous exit belongs to the window before.
        let after_exit = prev_exit.saturating_add(1);
        bounds.push(w[1].saturating_sub(LEAD_NS).max(after_exit).min(w[1]));
    }
    bounds.push(i64::MAX);
    // Every migration's times on the prober's clock by the same estimate:
    // the whole run's (a window may hold no round-trip sample).
    let opts = &AnalysisOptions {
        clocks: Some(opts.clocks.clone().unwrap_or_else(|| estimate(&run.events))),
        ..opts.clone()
    };
    bounds
        .windows(2)
        .map(|b| {
            let inside = |t: i64| t >= b[0] && t < b[1];
            let part = RunData {
                header: run.header.clone(),
                probes: Vec::new(),
                duplicates: run
                    .duplicates
                    .iter()
                    .filter(|d| inside(d.rx_ns.0))
                    .cloned()
                    .collect(),
                events: run
                    .events
                    .iter()
                    .filter(|e| inside(e.at_ns.0) || e.kind == kinds::CAPTURE_STARTED)
                    .cloned()
                    .collect(),
                footer: run.footer.clone(),
                bad_lines: Default::default(),
                unknown_types: Default::default(),
            };
            analyze_probes(&part, &Window::new(probes, b[0], b[1]), opts)
        })
        .collect()
}
