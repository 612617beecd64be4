//! The headline: which outage is the migration's downtime, and how it compares
//! with what the hypervisors said.
//!
//! With a switchover window (guest paused on the source → running on the
//! destination) the downtime is the outage that overlaps it, allowing a slack
//! of a few intervals on both sides; among several (several targets) the one
//! with the largest estimate. Without a switchover it is the longest outage.

use super::model::{Downtime, Outage};
use super::phases::{event_time, Markers};
use migprobe_probe::record::kinds;
use migprobe_probe::record::{EventLine, Origin};
use migprobe_probe::types::RealNs;

/// Slack around the switchover window when matching outages: this many intervals.
pub const SLACK_INTERVALS: i64 = 3;
/// ... but at least this much.
pub const MIN_SLACK_NS: i64 = 1_000_000;

/// The slack used for an interval.
pub fn slack_ns(interval_ns: i64) -> i64 {
    interval_ns
        .max(0)
        .saturating_mul(SLACK_INTERVALS)
        .max(MIN_SLACK_NS)
}

/// Overlap of `[a0, a1]` and `[b0, b1]` in ns (0 if disjoint).
pub fn overlap_ns(a: (RealNs, RealNs), b: (RealNs, RealNs)) -> i64 {
    let lo = a.0.max(b.0);
    let hi = a.1.min(b.1);
    hi.since(lo).max(0)
}

/// Picks the downtime outage: the largest estimate among those overlapping
/// the switchover window widened by `slack_ns`, or, without a window, the
/// largest overall. Ties go to the earliest.
pub fn pick(
    outages: &[Outage],
    window: Option<(RealNs, RealNs)>,
    slack_ns: i64,
) -> Option<&Outage> {
    let fits = |o: &Outage| match window {
        Some((s, e)) => o.start_ns <= e.plus(slack_ns) && o.end_ns >= s.plus(-slack_ns),
        None => true,
    };
    let mut best: Option<&Outage> = None;
    for o in outages.iter().filter(|o| fits(o)) {
        if best.is_none_or(|b| o.estimate_ns > b.estimate_ns) {
            best = Some(o);
        }
    }
    best
}

/// A number in an event's detail (JSON number or numeric string).
pub fn detail_number(e: &EventLine, key: &str) -> Option<f64> {
    let v = e.detail.get(key)?;
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// The job-completed event of the source, else of the destination (the latest of each).
pub fn job_completed(events: &[EventLine]) -> Option<&EventLine> {
    job_completed_after(events, None)
}

/// As [`job_completed`], but with `after` the first one at or after it (the
/// job of the migration whose switchover started then, in a run of several),
/// else the latest.
pub fn job_completed_after(events: &[EventLine], after: Option<RealNs>) -> Option<&EventLine> {
    let of = |o: Origin| {
        let jobs: Vec<&EventLine> = events
            .iter()
            .filter(|e| e.origin == o && e.kind == kinds::JOB_COMPLETED)
            .collect();
        after
            .and_then(|t| {
                jobs.iter()
                    .copied()
                    .filter(|e| event_time(e) >= t)
                    .min_by_key(|e| event_time(e))
            })
            .or_else(|| jobs.iter().copied().max_by_key(|e| event_time(e)))
    };
    of(Origin::Src).or_else(|| of(Origin::Dst))
}

/// libvirt's downtime (job-completed `downtime`, whole ms) in ns, of the job
/// that completed at or after `after` when given; falls back to a completed
/// job-statistics sample of the source.
pub fn hypervisor_ns(events: &[EventLine], after: Option<RealNs>) -> Option<i64> {
    let ms = job_completed_after(events, after)
        .and_then(|e| detail_number(e, "downtime"))
        .or_else(|| {
            events
                .iter()
                .filter(|e| {
                    e.origin == Origin::Src
                        && e.kind == kinds::JOB_STATS
                        && e.detail.get("completed").and_then(|c| c.as_bool()) == Some(true)
                })
                .find_map(|e| detail_number(e, "downtime"))
        })?;
    (ms.is_finite() && ms >= 0.0).then(|| (ms * 1e6).round() as i64)
}

/// Resolution of a time some event was received at, printed by virsh
/// `--timestamp` to the millisecond.
pub const RECEIVED_RESOLUTION_NS: i64 = 1_000_000;

/// QEMU's pause, STOP (source) → RESUME (destination), and its resolution:
/// on QEMU's own clocks when both events carry QEMU's stamp (resolution
/// `None`: microseconds), else on the times the events were received
/// ([`RECEIVED_RESOLUTION_NS`]), as the switchover phase is. `None` when the
/// RESUME comes before the STOP: the two hosts' clocks disagree (the
/// analysis notes it), and no pause can be told.
pub fn qemu_pause(markers: &Markers) -> Option<(i64, Option<i64>)> {
    let pause = match (markers.qemu_stop, markers.qemu_resume) {
        (Some(s), Some(r)) => (r.since(s), None),
        _ => {
            let (s, r) = (markers.qemu_stop_at?, markers.qemu_resume_at?);
            (r.since(s), Some(RECEIVED_RESOLUTION_NS))
        }
    };
    (pause.0 >= 0).then_some(pause)
}

/// The network outage `span` cut at the switchover `window`: (before the
/// pause, paused, after the resume), adding up to the span's length.
pub fn parts(span: (RealNs, RealNs), window: (RealNs, RealNs)) -> (i64, i64, i64) {
    let (start, end) = span;
    let (paused, resumed) = window;
    let before = overlap_ns(span, (start.min(paused), paused));
    let after = end.since(start.max(resumed)).max(0);
    (before, overlap_ns(span, window), after)
}

/// Builds the headline for `outage`.
pub fn downtime(outage: &Outage, markers: &Markers, events: &[EventLine]) -> Downtime {
    let hypervisor = hypervisor_ns(events, markers.suspend);
    let qemu = qemu_pause(markers);
    let qemu_pause = qemu.map(|q| q.0);
    let span = (outage.start_ns, outage.end_ns);
    let parts = markers.switchover().map(|w| parts(span, w));
    Downtime {
        target_id: outage.target_id,
        network_ns: outage.estimate_ns,
        bracket_lo_ns: outage.bracket_lo_ns,
        bracket_hi_ns: outage.bracket_hi_ns,
        open_end: outage.open_end,
        class: outage.class,
        hypervisor_ns: hypervisor,
        qemu_pause_ns: qemu_pause,
        qemu_pause_resolution_ns: qemu.and_then(|q| q.1),
        difference_ns: qemu_pause
            .or(hypervisor)
            .map(|h| outage.estimate_ns.saturating_sub(h)),
        before_pause_part_ns: parts.map(|p| p.0),
        pause_part_ns: parts.map(|p| p.1),
        convergence_part_ns: parts.map(|p| p.2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: i64 = 1_000_000;

    fn t(ms: i64) -> RealNs {
        RealNs(ms * MS)
    }

    #[test]
    fn the_parts_add_up_to_the_outage() {
        // (outage from, to; pause from, to) → (before, paused, after), in ms.
        let cases = [
            ((100, 329), (116, 266), (16, 150, 63)),
            ((116, 266), (116, 266), (0, 150, 0)),
            ((120, 300), (116, 266), (0, 146, 34)),
            ((100, 200), (116, 266), (16, 84, 0)),
            ((270, 300), (116, 266), (0, 0, 30)),
            ((50, 100), (116, 266), (50, 0, 0)),
        ];
        for ((a, b), (p, r), (before, paused, after)) in cases {
            let got = parts((t(a), t(b)), (t(p), t(r)));
            assert_eq!(got, (before * MS, paused * MS, after * MS), "{a}..{b}");
            assert_eq!(got.0 + got.1 + got.2, (b - a) * MS, "{a}..{b}");
        }
    }

    #[test]
    fn qemu_pause_takes_received_times_with_their_resolution() {
        let own = Markers {
            qemu_stop: Some(t(100)),
            qemu_resume: Some(t(154)),
            qemu_stop_at: Some(t(100)),
            qemu_resume_at: Some(t(154)),
            ..Markers::default()
        };
        assert_eq!(qemu_pause(&own), Some((54 * MS, None)));
        let virsh = Markers {
            qemu_resume: None,
            qemu_resume_at: Some(RealNs(154_300_000)),
            ..own.clone()
        };
        assert_eq!(
            qemu_pause(&virsh),
            Some((54_300_000, Some(RECEIVED_RESOLUTION_NS)))
        );
        let skewed = Markers {
            qemu_resume: Some(t(99)),
            ..own.clone()
        };
        assert_eq!(qemu_pause(&skewed), None, "clocks disagree");
        let none = Markers {
            qemu_stop_at: None,
            qemu_stop: None,
            ..own
        };
        assert_eq!(qemu_pause(&none), None);
    }
}
