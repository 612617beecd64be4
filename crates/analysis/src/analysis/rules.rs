//! The rules and shapes outage detection shares with the backlog search: when
//! a reply is late ([`late_threshold_ns`]), which replies are one flush
//! ([`flush_gap_ns`]), the detection parameters of a target, a detected
//! outage, and how an outage is built from its bracket. Neither
//! [`super::outages`] nor [`super::backlog`] is imported here; both import this.

use super::model::{Outage, OutageClass};
use migprobe_probe::record::ProbeLine;
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
    /// (No on-time reply after it and no queued reply marking its end:
    /// `outage.open_end`, still dark when the run ended.)
    pub open_start: bool,
}

/// RTT of an answered probe: `rtt_ns`, else `rx_ns − tx_ns`.
pub fn rtt_of(p: &ProbeLine) -> Option<i64> {
    p.rtt_ns
        .or_else(|| p.rx_ns.map(|rx| rx.0.saturating_sub(p.tx_ns.0)))
}

/// Arrival time of an answered probe.
pub(crate) fn rx_of(p: &ProbeLine) -> Option<i64> {
    p.rx_ns
        .map(|r| r.0)
        .or_else(|| p.rtt_ns.map(|r| p.tx_ns.0.saturating_add(r)))
}

/// An outage starting at `start` whose length lies in `[lo, hi]` (the
/// estimate is the midpoint), over probes `first..=last` with `lost` and
/// `queued` of them: loss, freeze or mixed.
pub(crate) fn outage(
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
        open_end: false,
        lost,
        queued,
        class: match (lost, queued) {
            (_, 0) => OutageClass::Loss,
            (0, _) => OutageClass::Freeze,
            _ => OutageClass::Mixed,
        },
        phase: None,
        migration: None,
    }
}
