//! Runs that probed several guests at once (a host evacuation, `run --domain
//! A --domain B -t A=ADDR -t B=ADDR ...`): one analysis per guest, each over
//! the whole run but only that guest's targets and events.
//! [`super::campaign::merge`] puts them back into the whole run's analysis.
//!
//! Rules:
//! - the guests are the distinct `domain`s of the header's targets, in target
//!   order; a run that names fewer than two has no per-guest analyses;
//! - a guest's targets are those bound to its domain (a target bound to no
//!   domain belongs to no guest: it stays in the whole run's analysis);
//! - a guest's events are those whose detail names its domain and those that
//!   name none: the capture's, the connections' round trips and losses, and a
//!   trigger shared by all guests (`nova host-evacuate-live`); a trigger run
//!   per guest names its domain;
//! - the hosts' clocks are estimated once, over the whole run, as for
//!   [`per_migration`](super::per_migration()).

use super::analyze::analyze_probes;
use super::clocks::estimate;
use super::model::Analysis;
use super::AnalysisOptions;
use migprobe_probe::record::{EventLine, Probes, RunData, TargetSubset};

/// The guests a run probed, in target order: the distinct domains of its
/// targets (empty unless there are at least two).
pub fn guests(run: &RunData) -> Vec<String> {
    let names = distinct(
        run.header
            .targets
            .iter()
            .filter_map(|t| t.domain.as_deref()),
    );
    if names.len() < 2 {
        return Vec::new();
    }
    names.into_iter().map(str::to_owned).collect()
}

/// `names` without repeats, in first-seen order (a handful of guests: a
/// linear look is enough).
pub fn distinct<'a>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for n in names {
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

/// The domain an event names, if any.
pub fn event_domain(e: &EventLine) -> Option<&str> {
    e.detail.get("domain").and_then(|d| d.as_str())
}

/// One analysis per guest when the run probed two or more (see [`guests`]),
/// in [`guests`]' order; empty otherwise. `probes` as for
/// [`analyze_probes`].
pub fn per_guest_probes(
    run: &RunData,
    probes: &dyn Probes,
    opts: &AnalysisOptions,
) -> Vec<Analysis> {
    let names = guests(run);
    if names.is_empty() {
        return Vec::new();
    }
    let opts = &AnalysisOptions {
        clocks: Some(opts.clocks.clone().unwrap_or_else(|| estimate(&run.events))),
        ..opts.clone()
    };
    names
        .iter()
        .map(|g| {
            let part = guest_part(run, g);
            let ids = part.header.targets.iter().map(|t| t.id);
            analyze_probes(&part, &TargetSubset::new(probes, ids), opts)
        })
        .collect()
}

/// `run` seen by guest `g`: its targets, their duplicates, its events and
/// the shared ones (`run.probes` is left out: the caller passes them).
fn guest_part(run: &RunData, g: &str) -> RunData {
    let mut header = run.header.clone();
    header.targets.retain(|t| t.domain.as_deref() == Some(g));
    let ids: Vec<u32> = header.targets.iter().map(|t| t.id).collect();
    RunData {
        probes: Vec::new(),
        duplicates: run
            .duplicates
            .iter()
            .filter(|d| ids.contains(&d.target_id))
            .cloned()
            .collect(),
        events: run
            .events
            .iter()
            .filter(|e| event_domain(e).is_none_or(|d| d == g))
            .cloned()
            .collect(),
        header,
        footer: run.footer.clone(),
        bad_lines: Default::default(),
        unknown_types: Default::default(),
    }
}

#[cfg(test)]
mod tests;
