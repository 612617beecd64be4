//! Freezes that begin while the target is still answering the queue of an
//! earlier one.
//!
//! After a long freeze at a fast rate the target needs a while to answer its
//! queue (40 000 requests after 4 s at 100 µs), and every probe of that time
//! is late. If the target freezes again before the queue is empty, no probe is
//! on time between the two freezes, so both fall into one candidate run of
//! [`super::outages::detect`], whose bracket only describes the first. The
//! second shows as a **gap in reply arrivals** while requests were waiting:
//! with p and q consecutive replies in arrival order (arriving at a and b) and
//! q's request sent at s_q, the target answered nothing from a to b although
//! q's request was there from s_q + RTT_baseline on. So the freeze lasted
//!
//!   D ∈ [b − max(a + flush gap, s_q + RTT_baseline), b − a]
//!
//! (it stopped after answering p, and within a flush gap of a if q was
//! already waiting, since a target draining its queue answers back to back).
//! A gap counts when it exceeds one interval plus the late allowance, the
//! smallest delay that makes a single reply late.

use super::rules::{outage, rx_of, Detected, OutageParams};
use migprobe_probe::record::{ProbeLine, ProbeStatus};

/// The freezes hidden in the candidate run `probes[first..=last]` after the
/// outage it was reported as ended at `resumed` (realtime ns).
pub fn freezes_in_backlog(
    target_id: u32,
    probes: &[ProbeLine],
    (first, last): (usize, usize),
    resumed: i64,
    prm: &OutageParams,
) -> Vec<Detected> {
    let base = prm.baseline_rtt_ns;
    let allowance = prm.late_threshold_ns.saturating_sub(base).max(0);
    let min_gap = prm.interval_ns.saturating_add(allowance);
    let last = last.min(probes.len().saturating_sub(1));
    let mut arrivals: Vec<(i64, usize)> = (first..=last)
        .filter(|&i| probes[i].status == ProbeStatus::Ok)
        .filter_map(|i| rx_of(&probes[i]).map(|rx| (rx, i)))
        .filter(|&(rx, _)| rx >= resumed)
        .collect();
    if first > last || arrivals.len() < 2 {
        return Vec::new();
    }
    arrivals.sort_unstable();
    let mut out = Vec::new();
    // Probes sent before this belong to the outages already found.
    let mut since = resumed;
    for w in arrivals.windows(2) {
        let ((a, _), (b, q)) = (w[0], w[1]);
        if b.saturating_sub(a) <= min_gap {
            continue;
        }
        let waiting_from = probes[q].tx_ns.0.saturating_add(base);
        let hi = b - a;
        let lo = b
            .saturating_sub(waiting_from.max(a.saturating_add(prm.flush_gap_ns)))
            .clamp(0, hi);
        if lo <= allowance {
            // q's request came in late in the gap: q is only late, not frozen.
            continue;
        }
        out.push(detected(
            target_id,
            probes,
            (first, last),
            (since, a, b),
            (lo, hi),
            prm,
        ));
        since = b.saturating_sub(base);
    }
    out
}

/// The outage of the dark gap from `a` to `b` with bracket `[lo, hi]`: its
/// probes are those of the run sent after the earlier outage ended
/// (`since`) and before the target resumed, and not answered before it
/// stopped (the earlier ones are the earlier outage's).
fn detected(
    target_id: u32,
    probes: &[ProbeLine],
    (first, last): (usize, usize),
    (since, a, b): (i64, i64, i64),
    (lo, hi): (i64, i64),
    prm: &OutageParams,
) -> Detected {
    let base = prm.baseline_rtt_ns;
    let resume_sent = b.saturating_sub(base);
    let (mut queued, mut lost) = (0u64, 0u64);
    let (mut lo_i, mut hi_i) = (None::<usize>, None::<usize>);
    for (i, p) in probes.iter().enumerate().take(last + 1).skip(first) {
        if p.tx_ns.0 > resume_sent {
            break;
        }
        if p.tx_ns.0 < since {
            continue;
        }
        let counts = match p.status {
            ProbeStatus::Ok => {
                rx_of(p).is_some_and(|rx| rx >= b) && {
                    queued += 1;
                    true
                }
            }
            ProbeStatus::Skipped => false,
            _ => {
                p.tx_ns.0.saturating_add(base) >= a && {
                    lost += 1;
                    true
                }
            }
        };
        if counts {
            lo_i.get_or_insert(i);
            hi_i = Some(i);
        }
    }
    let (fi, li) = (lo_i.unwrap_or(first), hi_i.unwrap_or(first));
    // The target's last reply left it half a round trip before it arrived.
    let start = a.saturating_sub(base / 2);
    Detected {
        outage: outage(
            target_id,
            (probes[fi].index.0, probes[li].index.0),
            start,
            (lo, hi),
            (lost, queued),
        ),
        open_start: false,
    }
}
