//! The RTT trace of one run around its switchover, for compare.svg: every
//! probe of the headline target within a window, x in milliseconds from the
//! source's suspend (or from the headline outage start when the run has no
//! hypervisor events).

use super::RunFigures;
use migprobe_probe::record::kinds;
use migprobe_probe::record::{Origin, ProbeStatus, Probes, RunData};

/// Half-width of the window kept around the anchor, in milliseconds.
pub const WINDOW_MS: f64 = 10_000.0;

/// What x = 0 of a trace is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// The source paused the guest (start of the switchover).
    Suspend,
    /// The headline outage started (no hypervisor events).
    OutageStart,
}

/// RTT samples of one target around the anchor.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// What x = 0 is.
    pub anchor: Anchor,
    /// The target drawn (address).
    pub target: String,
    /// Answered probes: (ms from the anchor at send, RTT ms), in send order.
    pub points: Vec<(f64, f64)>,
    /// Unanswered probes: ms from the anchor at send.
    pub lost: Vec<f64>,
    /// The headline outage, ms from the anchor, when known.
    pub outage: Option<(f64, f64)>,
    /// Probe interval, ms (0 when unknown).
    pub interval_ms: f64,
}

/// The anchor of a run: the report's switchover start, else the first
/// `suspended` event of the source in the run file, else the headline outage start.
pub fn anchor(fig: &RunFigures, run: &RunData) -> Option<(i64, Anchor)> {
    let m = fig.aligned_migration();
    if let Some(s) = m.and_then(|m| m.suspend_ns) {
        return Some((s, Anchor::Suspend));
    }
    if let Some(e) = run
        .events
        .iter()
        .find(|e| e.origin == Origin::Src && e.kind == kinds::SUSPENDED)
    {
        return Some((e.at_ns.0, Anchor::Suspend));
    }
    m.and_then(|m| m.outage_start_ns)
        .map(|s| (s, Anchor::OutageStart))
}

/// Extracts the trace of the headline target (the first target when the
/// report names none) within ± [`WINDOW_MS`] of the anchor; `None` when the
/// run has no anchor.
pub fn extract(fig: &RunFigures, run: &RunData) -> Option<Trace> {
    extract_probes(fig, run, &run.probes.as_slice())
}

/// [`extract`] with the run's probes kept elsewhere (`run.probes` is not read).
pub fn extract_probes(fig: &RunFigures, run: &RunData, probes: &dyn Probes) -> Option<Trace> {
    let (at, anchor) = anchor(fig, run)?;
    let m = fig.aligned_migration();
    let want = m.and_then(|m| m.target_addr.clone());
    let target = run
        .header
        .targets
        .iter()
        .find(|t| want.as_deref() == Some(t.addr.to_string().as_str()))
        .or_else(|| run.header.targets.first());
    let (id, name) = match target {
        Some(t) => (Some(t.id), t.addr.to_string()),
        None => (None, want.unwrap_or_default()),
    };
    let rel = |ns: i64| ns.saturating_sub(at) as f64 / 1e6;
    let mut points = Vec::new();
    let mut lost = Vec::new();
    for p in probes.scan().filter(|p| Some(p.target_id) == id) {
        let x = rel(p.tx_ns.0);
        if !(-WINDOW_MS..=WINDOW_MS).contains(&x) {
            continue;
        }
        match (p.status, p.rtt_ns) {
            (ProbeStatus::Ok, Some(rtt)) if rtt > 0 => points.push((x, rtt as f64 / 1e6)),
            (ProbeStatus::Lost | ProbeStatus::Pending, _) => lost.push(x),
            _ => {}
        }
    }
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    lost.sort_by(f64::total_cmp);
    let outage = m.and_then(|m| match (m.outage_start_ns, m.outage_end_ns) {
        (Some(s), Some(e)) => Some((rel(s), rel(e))),
        _ => None,
    });
    Some(Trace {
        anchor,
        target: name,
        points,
        lost,
        outage,
        interval_ms: run.header.interval_ns.max(0) as f64 / 1e6,
    })
}
