//! Each hypervisor host's clock against the prober's, from the run's own
//! events.
//!
//! QEMU stamps its monitor events with its host's realtime clock
//! (`source_ts_ns`); the prober stamps their arrival with its own (`at_ns`).
//! With `offset` = host clock − prober clock and `latency` ≥ 0 the delivery
//! time, `source_ts − at = offset − latency`. Rules:
//!
//! - the event that arrived fastest (largest `source_ts − at`, the "lead")
//!   bounds the offset from below: `offset ≥ lead`;
//! - its latency is at most one round trip on the libvirt connection (the
//!   fastest `connection_rtt` sample of that side) plus [`HOP_FLOOR_NS`] for
//!   the QEMU → libvirtd hop the round trip does not cover, so
//!   `offset ≤ lead + rtt + floor`;
//! - the estimate is the middle of that bracket and its uncertainty half its
//!   width; without a round-trip sample there is no upper bound: the offset
//!   is reported as a lower bound only, uncertainty unknown;
//! - QEMU's times from a host are corrected only when its offset is told
//!   apart from zero (|offset| > uncertainty): the same clock stays as it was.
//!
//! Pure: no I/O, no clock.

use migprobe_probe::record::kinds;
use migprobe_probe::record::{EventLine, Origin};
use serde::Serialize;

/// Latency of the QEMU → libvirtd hop that a libvirt round trip does not
/// measure (the QMP socket and libvirtd's event dispatch).
pub const HOP_FLOOR_NS: i64 = 1_000_000;

/// One host's clock against the prober's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HostClock {
    /// Which host.
    pub origin: Origin,
    /// Host clock − prober clock, ns (positive: the host is ahead).
    pub offset_ns: i64,
    /// Half the width of the offset's bracket, ns; `None` without a
    /// round-trip sample (then `offset_ns` is a lower bound).
    pub uncertainty_ns: Option<i64>,
    /// Events that carried the host's own stamp.
    pub stamped_events: usize,
    /// The fastest round trip on the host's libvirt connection, ns.
    pub rtt_ns: Option<i64>,
    /// True when QEMU's times from this host were moved onto the prober's clock.
    pub corrected: bool,
}

impl HostClock {
    /// The bracket [lo, hi] of the offset, ns (hi is `None` when unbounded).
    pub fn bracket_ns(&self) -> (i64, Option<i64>) {
        match self.uncertainty_ns {
            Some(u) => (self.offset_ns - u, Some(self.offset_ns + u)),
            None => (self.offset_ns, None),
        }
    }
}

/// The clock of every host that stamped at least one event, src first.
pub fn estimate(events: &[EventLine]) -> Vec<HostClock> {
    [Origin::Src, Origin::Dst]
        .into_iter()
        .filter_map(|o| estimate_one(events, o))
        .collect()
}

fn estimate_one(events: &[EventLine], origin: Origin) -> Option<HostClock> {
    let mine = || events.iter().filter(move |e| e.origin == origin);
    let leads: Vec<i64> = mine()
        .filter_map(|e| e.source_ts_ns.map(|s| s.0 - e.at_ns.0))
        .collect();
    let lead = *leads.iter().max()?;
    let rtt_ns = mine()
        .filter(|e| e.kind == kinds::CONNECTION_RTT)
        .filter_map(|e| e.detail.get("rtt_ns").and_then(serde_json::Value::as_i64))
        .filter(|r| *r >= 0)
        .min();
    let half = rtt_ns.map(|r| (r + HOP_FLOOR_NS) / 2);
    let offset_ns = lead + half.unwrap_or(0);
    Some(HostClock {
        origin,
        offset_ns,
        uncertainty_ns: half,
        stamped_events: leads.len(),
        rtt_ns,
        corrected: half.is_some_and(|u| offset_ns.abs() > u),
    })
}

/// Moves QEMU's stamps of every corrected host onto the prober's clock.
pub fn correct(events: &mut [EventLine], clocks: &[HostClock]) {
    for c in clocks.iter().filter(|c| c.corrected) {
        for e in events.iter_mut().filter(|e| e.origin == c.origin) {
            if let Some(ts) = e.source_ts_ns.as_mut() {
                ts.0 -= c.offset_ns;
            }
        }
    }
}

/// What a QEMU pause (the source's STOP to the destination's RESUME) gains
/// in uncertainty from the corrected hosts' clocks, ns: the sum of their
/// uncertainties (0 when none was corrected).
pub fn pause_uncertainty_ns(clocks: &[HostClock]) -> i64 {
    clocks
        .iter()
        .filter(|c| c.corrected && matches!(c.origin, Origin::Src | Origin::Dst))
        .filter_map(|c| c.uncertainty_ns)
        .sum()
}

/// What a reader must know: a host whose clock differs from the prober's by
/// more than the probe interval, and what was done about it.
pub fn notes(clocks: &[HostClock], interval_ns: i64) -> Vec<String> {
    clocks
        .iter()
        .filter(|c| c.offset_ns.abs() > interval_ns.max(1))
        .map(|c| note(c, interval_ns))
        .collect()
}

fn note(c: &HostClock, interval_ns: i64) -> String {
    let who = match c.origin {
        Origin::Src => "source",
        Origin::Dst => "destination",
        Origin::Local => "local",
    };
    let ms = |ns: i64| ns as f64 / 1e6;
    let way = if c.offset_ns > 0 {
        "ahead of"
    } else {
        "behind"
    };
    match c.uncertainty_ns {
        Some(u) if c.corrected => format!(
            "The {who} host's clock is {:.1} ms (± {:.1} ms) {way} the prober's, more than the {:.3} ms \
             probe interval: QEMU's times from it were moved onto the prober's clock, and phase and \
             pause times carry its uncertainty.",
            ms(c.offset_ns.abs()),
            ms(u),
            ms(interval_ns)
        ),
        _ => format!(
            "The {who} host's QEMU stamps are {} {:.1} ms {way} the prober's clock, more than the \
             {:.3} ms probe interval; no round trip on its libvirt connection was timed, so they were \
             not corrected: its QEMU times may be off by that much.",
            // Only a lower bound is known: a host ahead is at least that far ahead,
            // a host behind at most that far behind.
            if c.offset_ns > 0 { "at least" } else { "up to" },
            ms(c.offset_ns.abs()),
            ms(interval_ns)
        ),
    }
}

#[cfg(test)]
mod tests;
