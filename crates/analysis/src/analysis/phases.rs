//! Migration phases from the events of both hypervisors, and RTT / loss per phase.
//!
//! Every event is placed at its source's own timestamp when it has one
//! (`source_ts_ns`, QEMU's microsecond clock), else when it was received
//! (`at_ns`). The boundaries (see [`Markers`]):
//!
//! | phase | from | to |
//! |---|---|---|
//! | preparation | `trigger_started`, else the first event | dst `started` (migrated) |
//! | storage_copy | dst `started` (migrated) | src `block_job` ready |
//! | memory_precopy | storage ready, else dst started | src `qemu_stop`, else src `suspended` (migrated/postcopy) |
//! | switchover | that | dst `qemu_resume`, else dst `resumed` (migrated/postcopy) |
//! | network_convergence | that | end of the outage overlapping the switchover |
//! | completion | that | the last of src `stopped` migrated, `job_completed`, `trigger_exited` |
//!
//! Only phases whose two boundaries exist are listed, in time order; a phase
//! never starts before the previous one ended and never has a negative length.

use super::hist::RttHist;
use super::model::{Phase, PhaseName, PhaseStats};
use super::outages::rtt_of;
use migprobe_probe::record::kinds::{self, EventKind};
use migprobe_probe::record::{EventLine, Origin, ProbeLine, ProbeStatus};
use migprobe_probe::types::RealNs;
use std::borrow::Borrow;
use std::collections::HashMap;

pub use super::event_fields::{detail_str, event_time};

fn reason_is(e: &EventLine, reasons: &[&str]) -> bool {
    detail_str(e, "reason").is_some_and(|r| reasons.contains(&r))
}

/// Reasons of a lifecycle event that belong to a migration.
pub(crate) const MIGRATION_REASONS: &[&str] = &["migrated", "postcopy"];

/// The moments that bound the phases, from the events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Markers {
    /// Earliest event of any kind.
    pub first_event: Option<RealNs>,
    /// The trigger command started.
    pub trigger_started: Option<RealNs>,
    /// The destination QEMU was created for the incoming migration.
    pub dst_started: Option<RealNs>,
    /// The source's disk mirror became ready.
    pub storage_ready: Option<RealNs>,
    /// The guest was paused on the source (QEMU STOP preferred over libvirt's Suspended).
    pub suspend: Option<RealNs>,
    /// The guest ran again on the destination (QEMU RESUME preferred over libvirt's Resumed).
    pub resume: Option<RealNs>,
    /// The guest ran again on the source after being paused (failed migration).
    pub src_resumed: Option<RealNs>,
    /// QEMU's own STOP timestamp on the source, when known.
    pub qemu_stop: Option<RealNs>,
    /// QEMU's own RESUME timestamp on the destination, when known.
    pub qemu_resume: Option<RealNs>,
    /// QEMU's STOP event on the source: its own stamp, else when it was received.
    pub qemu_stop_at: Option<RealNs>,
    /// QEMU's RESUME event on the destination: its own stamp, else when it was received.
    pub qemu_resume_at: Option<RealNs>,
    /// The last of: source stopped (migrated), job completed, trigger exited.
    pub completion_end: Option<RealNs>,
    /// RAM pre-copy iterations seen on the source.
    pub iterations: u32,
}

fn earliest(events: &[EventLine], f: impl Fn(&EventLine) -> bool) -> Option<&EventLine> {
    events.iter().filter(|e| f(e)).min_by_key(|e| event_time(e))
}

fn is(e: &EventLine, origin: Origin, kind: EventKind) -> bool {
    e.origin == origin && e.kind == kind
}

impl Markers {
    /// Finds the markers in events given in any order.
    pub fn from_events(events: &[EventLine]) -> Markers {
        let t = |e: Option<&EventLine>| e.map(event_time);
        let first_event = events.iter().map(event_time).min();
        let trigger_started = t(earliest(events, |e| e.kind == kinds::TRIGGER_STARTED));
        let dst_started = t(earliest(events, |e| {
            is(e, Origin::Dst, kinds::STARTED) && reason_is(e, &["migrated"])
        }));
        let after = |x: Option<RealNs>| move |e: &EventLine| x.is_none_or(|x| event_time(e) >= x);
        let after_start = after(dst_started.or(trigger_started));
        let storage_ready = t(earliest(events, |e| {
            after_start(e)
                && ((is(e, Origin::Src, kinds::BLOCK_JOB)
                    && detail_str(e, "status") == Some("ready"))
                    || is(e, Origin::Src, kinds::QEMU_BLOCK_JOB_READY))
        }));
        let qemu_stop_ev = earliest(events, |e| {
            after_start(e) && is(e, Origin::Src, kinds::QEMU_STOP)
        });
        let lc_suspend = t(earliest(events, |e| {
            after_start(e)
                && is(e, Origin::Src, kinds::SUSPENDED)
                && reason_is(e, MIGRATION_REASONS)
        }));
        let suspend = t(qemu_stop_ev).or(lc_suspend);
        let qemu_resume_ev = earliest(events, |e| {
            after(dst_started)(e) && is(e, Origin::Dst, kinds::QEMU_RESUME)
        });
        let lc_resume = t(earliest(events, |e| {
            after(dst_started)(e)
                && is(e, Origin::Dst, kinds::RESUMED)
                && reason_is(e, MIGRATION_REASONS)
        }));
        let resume = t(qemu_resume_ev).or(lc_resume);
        let src_resumed = suspend.and_then(|s| {
            t(earliest(events, |e| {
                is(e, Origin::Src, kinds::RESUMED) && event_time(e) > s
            }))
        });
        let completion_end = events
            .iter()
            .filter(|e| {
                (is(e, Origin::Src, kinds::STOPPED) && reason_is(e, &["migrated"]))
                    || e.kind == kinds::JOB_COMPLETED
                    || e.kind == kinds::TRIGGER_EXITED
            })
            .map(event_time)
            .max();
        let count = |kind: EventKind| {
            let n = events
                .iter()
                .filter(|e| is(e, Origin::Src, kind.clone()))
                .count();
            u32::try_from(n).unwrap_or(u32::MAX)
        };
        let iterations = match count(kinds::MIGRATION_ITERATION) {
            0 => count(kinds::QEMU_MIGRATION_PASS),
            n => n,
        };
        Markers {
            first_event,
            trigger_started,
            dst_started,
            storage_ready,
            suspend,
            resume,
            src_resumed,
            qemu_stop: qemu_stop_ev.and_then(|e| e.source_ts_ns),
            qemu_resume: qemu_resume_ev.and_then(|e| e.source_ts_ns),
            qemu_stop_at: t(qemu_stop_ev),
            qemu_resume_at: t(qemu_resume_ev),
            completion_end,
            iterations,
        }
    }

    /// The switchover window: guest paused on the source → running on the
    /// destination (or, for a failed migration, on the source again). The end
    /// is never before the start (hypervisor clocks may disagree).
    pub fn switchover(&self) -> Option<(RealNs, RealNs)> {
        let s = self.suspend?;
        let e = self.resume.or(self.src_resumed)?;
        Some((s, e.max(s)))
    }
}

/// The phases, given the markers and the end of the outage that overlaps
/// the switchover (if any).
pub fn build_phases(mk: &Markers, network_end: Option<RealNs>) -> Vec<Phase> {
    let mut out: Vec<Phase> = Vec::new();
    let mut push =
        |name: PhaseName, start: Option<RealNs>, end: Option<RealNs>, iters: Option<u32>| {
            let (Some(start), Some(end)) = (start, end) else {
                return;
            };
            let start = out.last().map_or(start, |p: &Phase| start.max(p.end_ns));
            if end <= start {
                return;
            }
            out.push(Phase {
                name,
                start_ns: start,
                end_ns: end,
                iterations: iters,
                migration: None,
            });
        };
    let prep_start = mk.trigger_started.or(mk.first_event);
    push(PhaseName::Preparation, prep_start, mk.dst_started, None);
    push(
        PhaseName::StorageCopy,
        mk.dst_started,
        mk.storage_ready,
        None,
    );
    let precopy_start = mk.storage_ready.or(mk.dst_started);
    push(
        PhaseName::MemoryPrecopy,
        precopy_start,
        mk.suspend,
        Some(mk.iterations),
    );
    let switch_end = mk.resume.map(|r| mk.suspend.map_or(r, |s| r.max(s)));
    push(PhaseName::Switchover, mk.suspend, switch_end, None);
    let conv_end = network_end.filter(|n| switch_end.is_some_and(|r| *n > r));
    push(PhaseName::NetworkConvergence, switch_end, conv_end, None);
    let completion_start = conv_end.or(switch_end);
    push(
        PhaseName::Completion,
        completion_start,
        mk.completion_end,
        None,
    );
    out
}

/// Name of the phase that contains `t` (start inclusive, end exclusive, the
/// last phase's end inclusive).
pub fn phase_at(phases: &[Phase], t: RealNs) -> Option<PhaseName> {
    let last = phases.len().checked_sub(1)?;
    phases
        .iter()
        .enumerate()
        .find(|(i, p)| t >= p.start_ns && (t < p.end_ns || (*i == last && t == p.end_ns)))
        .map(|(_, p)| p.name)
}

/// The phase of a window `[start, end]` (an outage): the switchover when it
/// overlaps the guest's pause at all — the pause caused it, even when it began
/// a millisecond before QEMU's STOP or lasted on through the network's
/// convergence — else the phase it spent most of its time in, else the phase
/// holding `start`.
pub fn phase_of(phases: &[Phase], start: RealNs, end: RealNs) -> Option<PhaseName> {
    let overlap = |p: &Phase| end.min(p.end_ns).since(start.max(p.start_ns));
    let overlapping = || phases.iter().filter(|p| overlap(p) > 0);
    if overlapping().any(|p| p.name == PhaseName::Switchover) {
        return Some(PhaseName::Switchover);
    }
    overlapping()
        .max_by_key(|p| overlap(p))
        .map(|p| p.name)
        .or_else(|| phase_at(phases, start))
}

struct PhaseTally {
    sent: u64,
    lost: u64,
    hist: RttHist,
}

/// RTT and loss per phase and target. `probes` in any order; `target_ids`
/// lists the targets to report (one row per phase and target, in phase order).
/// Linear in the number of probes.
pub fn phase_stats<P: Borrow<ProbeLine>>(
    phases: &[Phase],
    probes: impl IntoIterator<Item = P>,
    target_ids: &[u32],
) -> Vec<PhaseStats> {
    if phases.is_empty() || target_ids.is_empty() {
        return Vec::new();
    }
    let nt = target_ids.len();
    // Target id → its row (the first, should an id be listed twice).
    let mut slot_of: HashMap<u32, usize> = HashMap::with_capacity(nt);
    for (i, t) in target_ids.iter().enumerate() {
        slot_of.entry(*t).or_insert(i);
    }
    let mut acc: Vec<PhaseTally> = (0..phases.len() * nt)
        .map(|_| PhaseTally {
            sent: 0,
            lost: 0,
            hist: RttHist::new(),
        })
        .collect();
    let lo = phases[0].start_ns;
    let hi = phases[phases.len() - 1].end_ns;
    for p in probes {
        let p = p.borrow();
        if p.tx_ns < lo || p.tx_ns > hi || p.status == ProbeStatus::Skipped {
            continue;
        }
        let Some(&ti) = slot_of.get(&p.target_id) else {
            continue;
        };
        // Phases are sorted and disjoint: the last one starting at or before tx.
        let pi = phases.partition_point(|ph| ph.start_ns <= p.tx_ns);
        let Some(pi) = pi.checked_sub(1) else {
            continue;
        };
        if p.tx_ns >= phases[pi].end_ns && pi + 1 != phases.len() {
            continue;
        }
        let a = &mut acc[pi * nt + ti];
        match p.status {
            ProbeStatus::Ok => {
                a.sent += 1;
                if let Some(r) = rtt_of(p) {
                    a.hist.record(r);
                }
            }
            ProbeStatus::Lost | ProbeStatus::Pending => {
                a.sent += 1;
                a.lost += 1;
            }
            ProbeStatus::Error => {
                if p.was_sent() {
                    a.sent += 1;
                }
            }
            ProbeStatus::Skipped => {}
        }
    }
    let mut out = Vec::with_capacity(acc.len());
    for (i, a) in acc.into_iter().enumerate() {
        let (pi, ti) = (i / nt, i % nt);
        let q = a.hist.quantiles([0.5, 0.99]);
        out.push(PhaseStats {
            phase: phases[pi].name,
            target_id: target_ids[ti],
            sent: a.sent,
            lost: a.lost,
            rtt_p50_ns: q.map(|q| q[0]),
            rtt_p99_ns: q.map(|q| q[1]),
            rtt_max_ns: a.hist.max(),
            migration: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phase(name: PhaseName, start: i64, end: i64) -> Phase {
        Phase {
            name,
            start_ns: RealNs(start),
            end_ns: RealNs(end),
            iterations: None,
            migration: None,
        }
    }

    #[test]
    fn an_outage_belongs_to_the_switchover_it_touches_else_to_its_longest_phase() {
        use PhaseName::*;
        let phases = [
            phase(StorageCopy, 0, 100),
            phase(MemoryPrecopy, 100, 200),
            phase(Switchover, 200, 300),
            phase(NetworkConvergence, 300, 400),
        ];
        let cases = [
            ((90, 180), Some(MemoryPrecopy)),
            ((50, 120), Some(StorageCopy)),
            ((199, 290), Some(Switchover)),
            ((250, 399), Some(Switchover)),
            ((-50, -10), None),
            ((400, 450), Some(NetworkConvergence)),
        ];
        for ((s, e), want) in cases {
            assert_eq!(phase_of(&phases, RealNs(s), RealNs(e)), want, "[{s}, {e}]");
        }
    }
}
