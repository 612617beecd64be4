//! The truth against what import + analysis reported for one tool's text.
//!
//! Rules: each truth event is expected as one outage of the class the tool's
//! text supports (fping drops a reply later than its period, so a freeze
//! shows there as lost probes, perhaps with one late reply); it is found when
//! a reported outage overlaps its probes, and bracketed when its length lies
//! in the outage's bracket within [`TOLERANCE_NS`]. A reported outage that
//! overlaps no truth event is a false one: a wrong class.

use super::model::{Probe, Scenario, Truth};
use super::render::Tool;
use migprobe_analysis::analysis::model::{Analysis, OutageClass};

/// Slack on a bracket: the printed RTT's rounding (up to 1 ms), the half
/// RTT between a send and its arrival, and the send jitter.
pub const TOLERANCE_NS: i64 = 5_000_000;

/// What one tool's import made of one case.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Truth events expected as outages.
    pub events: u64,
    /// Of them, reported with their truth inside the bracket.
    pub bracketed: u64,
    /// Reported with another class than the text supports, or reported where nothing happened.
    pub wrong_class: u64,
}

/// A shown reply later than this over the base RTT is a queued reply
/// whatever the baseline (the analysis allows at most 10 ms).
const SURELY_LATE_NS: i64 = 10_000_000;
/// A shown reply at most this late is on time whatever the baseline.
const SURELY_ON_TIME_NS: i64 = 1_000_000;

/// The classes `tool`'s text supports for `t`: a reply shown only a few
/// milliseconds late may count as on time or as queued, depending on the
/// baseline the analysis measured.
fn classes_seen(tool: Tool, s: &Scenario, t: &Truth, probes: &[Probe]) -> Vec<OutageClass> {
    if !t.freeze {
        return vec![OutageClass::Loss];
    }
    let hit = &probes[t.first as usize..=t.last as usize];
    let late = |p: &Probe| {
        p.rx_ns
            .map(|rx| rx - p.tx_ns)
            .filter(|rtt| tool != Tool::FpingD || *rtt <= s.interval_ns)
            .map(|rtt| rtt - s.base_rtt_ns)
    };
    let lost = hit.iter().filter(|p| late(p).is_none()).count();
    let sure = hit
        .iter()
        .filter(|p| late(p).is_some_and(|l| l > SURELY_LATE_NS))
        .count();
    let maybe = hit
        .iter()
        .filter(|p| late(p).is_some_and(|l| l > SURELY_ON_TIME_NS))
        .count();
    (sure..=maybe)
        .map(|queued| match (queued, lost) {
            (0, _) => OutageClass::Loss,
            (_, 0) => OutageClass::Freeze,
            _ => OutageClass::Mixed,
        })
        .collect()
}

/// Scores analysis `a` of `tool`'s text against the truth.
pub fn score(tool: Tool, s: &Scenario, probes: &[Probe], truth: &[Truth], a: &Analysis) -> Tally {
    let mut t = Tally::default();
    let mut matched = vec![false; a.outages.len()];
    for e in truth {
        t.events += 1;
        let (first, last) = (tool.seq(e.first), tool.seq(e.last));
        let found = a
            .outages
            .iter()
            .enumerate()
            .find(|(_, o)| o.first_index <= last && first <= o.last_index);
        let Some((k, o)) = found else { continue };
        matched[k] = true;
        if !classes_seen(tool, s, e, probes).contains(&o.class) {
            t.wrong_class += 1;
            continue;
        }
        if o.bracket_lo_ns - TOLERANCE_NS <= e.len_ns && e.len_ns <= o.bracket_hi_ns + TOLERANCE_NS
        {
            t.bracketed += 1;
        }
    }
    t.wrong_class += matched.iter().filter(|m| !**m).count() as u64;
    t
}
