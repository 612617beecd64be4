//! Per-target probe statistics: counts, RTT percentiles, longest silence.

use super::hist::RttHist;
use super::index_runs::IndexRuns;
use super::reply_gaps::{longest_of, ReplyGaps};
use migprobe_probe::record::{DuplicateLine, ProbeLine, ProbeStatus, TargetInfo};
use schemars::JsonSchema;
use serde::Serialize;
use std::net::IpAddr;

/// A reply later than this many intervals counts as late.
pub const LATE_INTERVALS: i64 = 10;

/// Statistics of one target.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct TargetSummary {
    /// Target id.
    pub target_id: u32,
    /// Address.
    pub addr: IpAddr,
    /// Probes that left this host (not skipped, not failed to send).
    pub sent: u64,
    /// Probes answered.
    pub answered: u64,
    /// Answered after more than 10 intervals.
    pub late: u64,
    /// Never answered.
    pub lost: u64,
    /// Sent but not settled when the run file ends (the run was killed).
    pub unsettled: u64,
    /// Duplicate replies.
    pub duplicates: u64,
    /// Send failures and ICMP errors.
    pub errors: u64,
    /// Slots skipped because the sender was late.
    pub skipped: u64,
    /// RTT minimum, ns.
    pub rtt_min_ns: Option<i64>,
    /// RTT median.
    pub rtt_p50_ns: Option<i64>,
    /// RTT 99th percentile.
    pub rtt_p99_ns: Option<i64>,
    /// RTT 99.9th percentile.
    pub rtt_p999_ns: Option<i64>,
    /// RTT maximum.
    pub rtt_max_ns: Option<i64>,
    /// Longest time between two consecutive replies (by arrival time).
    pub longest_reply_gap_ns: Option<i64>,
    /// Longest run of consecutive probes without a reply.
    pub longest_unanswered_run: u64,
}

#[derive(Debug)]
struct TargetTally {
    addr: IpAddr,
    hist: RttHist,
    rx: ReplyGaps,
    /// Indices answered, as runs (a file's indices can be in any order).
    answered: IndexRuns,
    end: u64,
    s: TargetSummary,
}

/// Builds [`TargetSummary`]s from final probe lines (provisional `pending` lines of a
/// live run must not be fed; in a finished file they mean "unsettled").
#[derive(Debug)]
pub struct SummaryBuilder {
    interval_ns: i64,
    acc: Vec<TargetTally>,
}

impl SummaryBuilder {
    /// A builder for these targets.
    pub fn new(targets: &[TargetInfo], interval_ns: i64) -> SummaryBuilder {
        SummaryBuilder::with_gaps(targets, interval_ns, ReplyGaps::all)
    }

    /// A builder whose memory does not grow with the probes (fed each
    /// target's probes in index order); finish it with
    /// [`SummaryBuilder::finish_with`].
    pub fn bounded(targets: &[TargetInfo], interval_ns: i64) -> SummaryBuilder {
        SummaryBuilder::with_gaps(targets, interval_ns, ReplyGaps::window)
    }

    fn with_gaps(
        targets: &[TargetInfo],
        interval_ns: i64,
        gaps: fn() -> ReplyGaps,
    ) -> SummaryBuilder {
        let acc = targets
            .iter()
            .map(|t| TargetTally {
                addr: t.addr,
                hist: RttHist::new(),
                rx: gaps(),
                answered: IndexRuns::default(),
                end: 0,
                s: TargetSummary {
                    target_id: t.id,
                    addr: t.addr,
                    sent: 0,
                    answered: 0,
                    late: 0,
                    lost: 0,
                    unsettled: 0,
                    duplicates: 0,
                    errors: 0,
                    skipped: 0,
                    rtt_min_ns: None,
                    rtt_p50_ns: None,
                    rtt_p99_ns: None,
                    rtt_p999_ns: None,
                    rtt_max_ns: None,
                    longest_reply_gap_ns: None,
                    longest_unanswered_run: 0,
                },
            })
            .collect();
        SummaryBuilder { interval_ns, acc }
    }

    /// Adds one final probe line.
    pub fn add(&mut self, p: &ProbeLine) {
        let Some(a) = self.acc.get_mut(p.target_id as usize) else {
            return;
        };
        a.end = a.end.max(p.index.0.saturating_add(1));
        a.s.duplicates += u64::from(p.dup);
        match p.status {
            ProbeStatus::Ok => {
                a.s.sent += 1;
                a.s.answered += 1;
                a.answered.insert(p.index.0);
                if let Some(rtt) = p.rtt_ns {
                    a.hist.record(rtt);
                    if rtt > LATE_INTERVALS * self.interval_ns {
                        a.s.late += 1;
                    }
                }
                if let Some(rx) = p.rx_ns {
                    a.rx.push(rx.0);
                }
            }
            ProbeStatus::Lost => {
                a.s.sent += 1;
                a.s.lost += 1;
            }
            ProbeStatus::Pending => {
                a.s.sent += 1;
                a.s.unsettled += 1;
            }
            ProbeStatus::Skipped => a.s.skipped += 1,
            ProbeStatus::Error => {
                a.s.errors += 1;
                if p.was_sent() {
                    a.s.sent += 1;
                }
            }
        }
    }

    /// Adds a duplicate-reply line.
    pub fn add_duplicate(&mut self, d: &DuplicateLine) {
        if let Some(a) = self.acc.get_mut(d.target_id as usize) {
            a.s.duplicates += 1;
        }
    }

    /// The summaries, one per target (of a builder made by [`SummaryBuilder::new`]).
    pub fn finish(self) -> Vec<TargetSummary> {
        self.finish_with(&|_| Vec::new())
    }

    /// The summaries, one per target; `arrivals(id)` gives every reply
    /// arrival of the probes with `target_id` `id`, the target's position
    /// in the header (its answered probes' `rx_ns`) when a bounded
    /// builder's window could not sort them (replies overtaking each other
    /// by thousands of probes).
    pub fn finish_with(self, arrivals: &dyn Fn(u32) -> Vec<i64>) -> Vec<TargetSummary> {
        self.acc
            .into_iter()
            .zip(0u32..)
            .map(|(mut a, slot)| {
                if let Some([p50, p99, p999]) = a.hist.quantiles([0.5, 0.99, 0.999]) {
                    a.s.rtt_min_ns = a.hist.min();
                    a.s.rtt_p50_ns = Some(p50);
                    a.s.rtt_p99_ns = Some(p99);
                    a.s.rtt_p999_ns = Some(p999);
                    a.s.rtt_max_ns = a.hist.max();
                }
                a.s.longest_reply_gap_ns =
                    a.rx.longest()
                        .unwrap_or_else(|_| longest_of(arrivals(slot)));
                a.s.longest_unanswered_run = a.answered.longest_gap(a.end);
                a.s.addr = a.addr;
                a.s
            })
            .collect()
    }
}
