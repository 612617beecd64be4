//! Outage detection and the error bracket of each outage (measurement.md's method).
//!
//! Over one target's probes in index order, a probe is **on time** when it was
//! answered with an RTT no larger than the late threshold
//! ([`late_threshold_ns`]). Skipped slots are ignored (neither on time nor
//! missing); `lost`, `error` and `pending` probes are **missing**; answered
//! probes over the threshold are **queued** (late) replies.
//!
//! A candidate outage is a maximal run of consecutive not-on-time probes. It
//! is extended over the replies that arrive in the same burst as its last
//! queued reply (a freeze flushes its queue at once; the last few queued
//! replies may have RTTs under the threshold but still belong to the flush).
//! It counts as an outage when
//!
//! - it holds a **flush**: two consecutive replies arriving within the flush
//!   gap of each other, each RTT one interval shorter than the one before (the
//!   freeze signature, counted whatever its length), or
//! - it holds a missing probe and is at least `min_loss_run` probes long, or
//! - it holds a queued reply late by L with max(interval/2, 100 ms) ≤ L <
//!   interval + max(interval/2, 100 ms) (a freeze at a slow rate, where only
//!   one request got queued; a reply later than that with its successor on
//!   time was reordered, not frozen).
//!
//! A run of late replies without any missing probe and without a flush is a
//! slow path (RTT went up), not a dark one, and is not an outage. A freeze
//! that starts while the target still answers an earlier freeze's queue is
//! found by [`super::backlog`] inside the same run.
//!
//! With k the last on-time probe before and m the first on-time after, s the
//! send times and `first`/`last` the first and last probe of the run:
//!
//! - the outage started in (s_k, s_first];
//! - it ended at R = s_j + (RTT_j − RTT_baseline) when j is a queued reply that
//!   comes after the last missing probe (freeze, or loss then freeze), or when
//!   j is the first queued reply and R is after the last missing probe was sent
//!   (queue overflow: queued, then lost);
//! - otherwise (loss) it ended in (s_lastmissing, s_m).
//!
//! So D ∈ [end_lo − s_first, end_hi − s_k]; the estimate is the midpoint. This
//! reduces exactly to measurement.md: loss D ∈ (s_{m−1} − s_{k+1}, s_m − s_k),
//! freeze D ∈ [E, E + (s_j − s_k)). Without k (outage at the start of the
//! run) s_k is taken one interval before s_first; without m (still dark at the
//! end) s_m is taken one interval after the last probe; both are flagged in
//! [`Detected`].

use super::backlog;
use super::model::{Outage, OutageClass};
use migprobe_probe::record::{ProbeLine, ProbeStatus};
use migprobe_probe::types::RealNs;

/// The smallest allowance over the baseline median before a reply is late.
pub const MIN_LATE_ALLOWANCE_NS: i64 = 1_000_000;
/// The largest allowance over the baseline median (a noisy warm-up must not hide freezes).
pub const MAX_LATE_ALLOWANCE_NS: i64 = 10_000_000;
/// A lone queued reply this late (or half an interval, if more) makes an outage by itself.
pub const LONE_QUEUED_MIN_NS: i64 = 100_000_000;

/// How much later than the baseline median a reply may come and still be on
/// time: three times the baseline's p99 − p50 spread, at least 1 ms, at most
/// 10 ms. It does not grow with the interval: at 1 s a freeze's last queued
/// reply (209 ms in the seed case) must still be late.
pub fn late_allowance_ns(baseline_p50_ns: i64, baseline_p99_ns: i64) -> i64 {
    let spread = baseline_p99_ns.saturating_sub(baseline_p50_ns).max(0);
    spread
        .saturating_mul(3)
        .clamp(MIN_LATE_ALLOWANCE_NS, MAX_LATE_ALLOWANCE_NS)
}

/// The RTT above which a reply is late: baseline p50 + [`late_allowance_ns`].
pub fn late_threshold_ns(baseline_p50_ns: i64, baseline_p99_ns: i64) -> i64 {
    baseline_p50_ns.saturating_add(late_allowance_ns(baseline_p50_ns, baseline_p99_ns))
}

/// Two replies arriving at most this far apart belong to one flush: the
/// allowance, but at most half an interval and at least a tenth of one.
pub fn flush_gap_ns(interval_ns: i64, allowance_ns: i64) -> i64 {
    let t = interval_ns.max(0);
    allowance_ns.max(t / 10).min(t / 2)
}

/// Parameters of outage detection for one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutageParams {
    /// Probe interval (0 if unknown).
    pub interval_ns: i64,
    /// Baseline median RTT (RTT_baseline of the method).
    pub baseline_rtt_ns: i64,
    /// RTT above which a reply is late.
    pub late_threshold_ns: i64,
    /// Replies arriving this close together are one flush.
    pub flush_gap_ns: i64,
    /// Consecutive misses that make a loss outage (K).
    pub min_loss_run: u32,
}

impl OutageParams {
    /// Parameters from a baseline (p50, p99), the interval and K, with the documented rules.
    pub fn new(interval_ns: i64, baseline_p50_ns: i64, baseline_p99_ns: i64, k: u32) -> Self {
        let allowance = late_allowance_ns(baseline_p50_ns, baseline_p99_ns);
        OutageParams {
            interval_ns: interval_ns.max(0),
            baseline_rtt_ns: baseline_p50_ns.max(0),
            late_threshold_ns: baseline_p50_ns.max(0).saturating_add(allowance),
            flush_gap_ns: flush_gap_ns(interval_ns, allowance),
            min_loss_run: k.max(1),
        }
    }
}

/// A detected outage and what could not be observed about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Detected {
    /// The outage (`phase` is left `None`).
    pub outage: Outage,
    /// No on-time reply before it: it may have begun before probing started.
    pub open_start: bool,
    /// No on-time reply after it and no queued reply marking its end: still dark when the run ended.
    pub open_end: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Skip,
    OnTime,
    Queued,
    Missing,
}

/// RTT of an answered probe: `rtt_ns`, else `rx_ns − tx_ns`.
pub fn rtt_of(p: &ProbeLine) -> Option<i64> {
    p.rtt_ns
        .or_else(|| p.rx_ns.map(|rx| rx.0.saturating_sub(p.tx_ns.0)))
}

fn state(p: &ProbeLine, threshold: i64) -> State {
    match p.status {
        ProbeStatus::Skipped => State::Skip,
        ProbeStatus::Lost | ProbeStatus::Error | ProbeStatus::Pending => State::Missing,
        ProbeStatus::Ok => match rtt_of(p) {
            Some(r) if r > threshold => State::Queued,
            _ => State::OnTime,
        },
    }
}

/// Arrival time of an answered probe.
pub(super) fn rx_of(p: &ProbeLine) -> Option<i64> {
    p.rx_ns
        .map(|r| r.0)
        .or_else(|| p.rtt_ns.map(|r| p.tx_ns.0.saturating_add(r)))
}

/// Accumulates one candidate run.
struct Run {
    first: usize,
    last: usize,
    len: u64,
    lost: u64,
    queued: u64,
    first_queued: Option<usize>,
    last_missing: Option<usize>,
    queued_after_missing: Option<usize>,
    /// Arrival of the previous member, if it was a queued reply.
    prev_queued_rx: Option<i64>,
    flush: bool,
    max_late_ns: i64,
}

impl Run {
    fn new(first: usize) -> Run {
        Run {
            first,
            last: first,
            len: 0,
            lost: 0,
            queued: 0,
            first_queued: None,
            last_missing: None,
            queued_after_missing: None,
            prev_queued_rx: None,
            flush: false,
            max_late_ns: 0,
        }
    }

    fn add_missing(&mut self, i: usize) {
        self.last = i;
        self.len += 1;
        self.lost += 1;
        self.last_missing = Some(i);
        self.queued_after_missing = None;
        self.prev_queued_rx = None;
    }

    fn add_queued(&mut self, i: usize, p: &ProbeLine, prm: &OutageParams) {
        self.last = i;
        self.len += 1;
        self.queued += 1;
        self.first_queued.get_or_insert(i);
        self.queued_after_missing.get_or_insert(i);
        let rx = rx_of(p);
        if let (Some(a), Some(b)) = (self.prev_queued_rx, rx) {
            if b.saturating_sub(a).abs() <= prm.flush_gap_ns {
                self.flush = true;
            }
        }
        self.prev_queued_rx = rx;
        let late = rtt_of(p).unwrap_or(0).saturating_sub(prm.baseline_rtt_ns);
        self.max_late_ns = self.max_late_ns.max(late);
    }

    /// Whether an on-time reply arriving at `rx` still belongs to the flush.
    fn continues_flush(&self, p: &ProbeLine, prm: &OutageParams) -> bool {
        match (self.prev_queued_rx, rx_of(p)) {
            (Some(a), Some(b)) => b.saturating_sub(a).abs() <= prm.flush_gap_ns,
            _ => false,
        }
    }

    fn counts(&self, prm: &OutageParams) -> bool {
        let lone = (prm.interval_ns / 2).max(LONE_QUEUED_MIN_NS);
        // A lone queued reply later than an interval is a reordered packet, not
        // a freeze (the next request would have queued behind it).
        let lone_freeze = self.queued > 0
            && self.max_late_ns >= lone
            && self.max_late_ns < prm.interval_ns.saturating_add(lone);
        self.flush || (self.lost > 0 && self.len >= u64::from(prm.min_loss_run)) || lone_freeze
    }
}

/// Queued reply j's end-of-freeze time R = s_j + (RTT_j − baseline).
fn resume_at(p: &ProbeLine, prm: &OutageParams) -> i64 {
    let e = rtt_of(p)
        .unwrap_or(0)
        .saturating_sub(prm.baseline_rtt_ns)
        .max(0);
    p.tx_ns.0.saturating_add(e)
}

/// Finds the outages of one target. `probes` must be that target's final
/// probe lines in index order (as [`migprobe_probe::record::read_run`] gives them).
/// Linear in the number of probes; never panics.
pub fn detect(target_id: u32, probes: &[ProbeLine], prm: &OutageParams) -> Vec<Detected> {
    let mut out = Vec::new();
    let thr = prm.late_threshold_ns;
    let mut k: Option<usize> = None;
    let mut i = 0;
    let n = probes.len();
    while i < n {
        match state(&probes[i], thr) {
            State::Skip => {
                i += 1;
                continue;
            }
            State::OnTime => {
                k = Some(i);
                i += 1;
                continue;
            }
            State::Queued | State::Missing => {}
        }
        let mut run = Run::new(i);
        let mut j = i;
        let mut m = None;
        while j < n {
            let p = &probes[j];
            match state(p, thr) {
                State::Skip => {}
                State::Missing => run.add_missing(j),
                State::Queued => run.add_queued(j, p, prm),
                State::OnTime => {
                    if run.continues_flush(p, prm) {
                        run.add_queued(j, p, prm);
                    } else {
                        m = Some(j);
                        break;
                    }
                }
            }
            j += 1;
        }
        if run.counts(prm) {
            let (d, resumed) = bracket(target_id, probes, prm, k, m, &run);
            out.push(d);
            out.extend(backlog::freezes_in_backlog(
                target_id,
                probes,
                (run.first, run.last),
                resumed,
                prm,
            ));
        }
        match m {
            Some(m) => {
                k = Some(m);
                i = m + 1;
            }
            None => break,
        }
    }
    out
}

/// An outage starting at `start` whose length lies in `[lo, hi]` (the
/// estimate is the midpoint), over probes `first..=last` with `lost` and
/// `queued` of them: loss, freeze or mixed.
pub(super) fn outage(
    target_id: u32,
    (first, last): (u64, u64),
    start: i64,
    (lo, hi): (i64, i64),
    (lost, queued): (u64, u64),
) -> Outage {
    let estimate = lo + (hi - lo) / 2;
    Outage {
        target_id,
        first_index: first,
        last_index: last,
        start_ns: RealNs(start),
        end_ns: RealNs(start.saturating_add(estimate)),
        estimate_ns: estimate,
        bracket_lo_ns: lo,
        bracket_hi_ns: hi,
        lost,
        queued,
        class: match (lost, queued) {
            (_, 0) => OutageClass::Loss,
            (0, _) => OutageClass::Freeze,
            _ => OutageClass::Mixed,
        },
        phase: None,
    }
}

/// The outage of a run and the latest time it can have ended.
fn bracket(
    target_id: u32,
    probes: &[ProbeLine],
    prm: &OutageParams,
    k: Option<usize>,
    m: Option<usize>,
    run: &Run,
) -> (Detected, i64) {
    let t = prm.interval_ns;
    let s = |i: usize| probes[i].tx_ns.0;
    let s_first = s(run.first);
    let s_k = k.map_or(s_first.saturating_sub(t), s);
    let overflow_end = match (run.first_queued, run.last_missing) {
        (Some(j), Some(lm)) if resume_at(&probes[j], prm) >= s(lm) => Some(j),
        _ => None,
    };
    let mut open_end = false;
    let (end_lo, end_hi) = match run.queued_after_missing.or(overflow_end) {
        Some(j) => {
            let r = resume_at(&probes[j], prm);
            (r, r)
        }
        None => {
            let lm = s(run.last_missing.unwrap_or(run.last));
            let hi = m.map_or_else(
                || {
                    open_end = true;
                    s(run.last).saturating_add(t)
                },
                s,
            );
            (lm, hi.max(lm))
        }
    };
    let lo = end_lo.saturating_sub(s_first).max(0);
    let hi = end_hi.saturating_sub(s_k).max(lo);
    let start = s_k + (s_first.saturating_sub(s_k)) / 2;
    // Late replies to probes sent after the target was back (a slow path right
    // after resume) belong to no outage: count only what was sent before its end.
    let (mut queued, mut lost, mut last) = (0u64, 0u64, run.first);
    for (i, p) in probes.iter().enumerate().take(run.last + 1).skip(run.first) {
        if p.tx_ns.0 >= end_hi.max(s_first) && i > run.first {
            break;
        }
        match p.status {
            ProbeStatus::Ok => queued += 1,
            ProbeStatus::Skipped => continue,
            _ => lost += 1,
        }
        last = i;
    }
    let d = Detected {
        outage: outage(
            target_id,
            (probes[run.first].index.0, probes[last].index.0),
            start,
            (lo, hi),
            (lost, queued),
        ),
        open_start: k.is_none(),
        open_end,
    };
    (d, end_hi)
}
