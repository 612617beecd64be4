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
pub use super::rules::{
    flush_gap_ns, late_allowance_ns, late_threshold_ns, rtt_of, Detected, OutageParams,
    LONE_QUEUED_MIN_NS, MAX_LATE_ALLOWANCE_NS, MIN_LATE_ALLOWANCE_NS,
};
use super::rules::{outage, rx_of};
use migprobe_probe::record::{ProbeLine, ProbeStatus};

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Skip,
    OnTime,
    Queued,
    Missing,
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
    let mut d = Detector::new(target_id, prm);
    probes.iter().for_each(|p| d.push(p.clone()));
    d.finish()
}

/// [`detect`] fed one probe at a time: it keeps only the probes of the
/// candidate run under way (and the on-time probe before it), so its memory
/// is the longest candidate run, not the run file.
pub struct Detector<'a> {
    target_id: u32,
    prm: &'a OutageParams,
    /// The last on-time probe before the run (if any, first), then the run's probes.
    buf: Vec<ProbeLine>,
    /// Whether `buf[0]` is that on-time probe.
    k: Option<usize>,
    run: Option<Run>,
    out: Vec<Detected>,
}

impl<'a> Detector<'a> {
    /// A detector for target `target_id`.
    pub fn new(target_id: u32, prm: &'a OutageParams) -> Detector<'a> {
        Detector {
            target_id,
            prm,
            buf: Vec::new(),
            k: None,
            run: None,
            out: Vec::new(),
        }
    }

    /// Takes the target's next probe (in index order).
    pub fn push(&mut self, p: ProbeLine) {
        let st = state(&p, self.prm.late_threshold_ns);
        if self.run.is_none() {
            match st {
                State::Skip => return,
                State::OnTime => {
                    self.buf.clear();
                    self.buf.push(p);
                    self.k = Some(0);
                    return;
                }
                State::Queued | State::Missing => self.run = Some(Run::new(self.buf.len())),
            }
        }
        let j = self.buf.len();
        self.buf.push(p);
        let (prm, p) = (self.prm, &self.buf[j]);
        let Some(run) = self.run.as_mut() else {
            return;
        };
        match st {
            State::Skip => {}
            State::Missing => run.add_missing(j),
            State::Queued => run.add_queued(j, p, prm),
            State::OnTime if run.continues_flush(p, prm) => run.add_queued(j, p, prm),
            State::OnTime => self.close(Some(j)),
        }
    }

    /// Ends the candidate run at on-time probe `m` (`None`: the probes ended).
    fn close(&mut self, m: Option<usize>) {
        let Some(run) = self.run.take() else {
            return;
        };
        if run.counts(self.prm) {
            let (d, resumed) = bracket(self.target_id, &self.buf, self.prm, self.k, m, &run);
            self.out.push(d);
            self.out.extend(backlog::freezes_in_backlog(
                self.target_id,
                &self.buf,
                (run.first, run.last),
                resumed,
                self.prm,
            ));
        }
        if let Some(m) = m {
            let on_time = self.buf.swap_remove(m);
            self.buf.clear();
            self.buf.push(on_time);
            self.k = Some(0);
        }
    }

    /// The outages found, in the order [`detect`] gives them.
    pub fn finish(mut self) -> Vec<Detected> {
        self.close(None);
        self.out
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
    let mut found = outage(
        target_id,
        (probes[run.first].index.0, probes[last].index.0),
        start,
        (lo, hi),
        (lost, queued),
    );
    found.open_end = open_end;
    let d = Detected {
        outage: found,
        open_start: k.is_none(),
    };
    (d, end_hi)
}
