//! The per-target work of the analysis: each target's baseline, then its
//! outages and unobserved windows in one more scan of its probes.

use super::hist::RttHist;
use super::model::Baseline;
use super::outages::{rtt_of, Detected, Detector, OutageParams};
use super::unobserved::{Blind, Unobserved};
use migprobe_probe::record::{ProbeIter, ProbeLine, ProbeStatus, Probes};
use migprobe_probe::types::RealNs;

/// Baseline samples above `2 × min + this` are queued replies of an outage, not the baseline.
pub const BASELINE_OUTLIER_NS: i64 = 10_000_000;

/// What the per-target pass needs to know.
pub(super) struct TargetPass<'a> {
    /// Every probe, each target's in index order.
    pub probes: &'a dyn Probes,
    /// When the trigger started (the end of the baseline window).
    pub trigger: Option<RealNs>,
    /// Baseline window without a trigger.
    pub warmup: i64,
    /// Probe interval.
    pub interval: i64,
    /// Misses that make a loss outage.
    pub k: u32,
}

/// A target's first send and least on-time RTTs, from one scan of the run.
#[derive(Debug, Clone, Copy)]
pub(super) struct Mins {
    /// Earliest send.
    pub first_tx: RealNs,
    /// Least RTT in the baseline window.
    pub window: Option<i64>,
    /// Least RTT of the run.
    pub all: Option<i64>,
    /// False when the window moved during the scan (a send earlier than
    /// the first, without a trigger): `window` must be found again.
    pub exact: bool,
    /// The latest send so far.
    pub last_tx: RealNs,
    /// Whether sends never went back in index order: then the baseline
    /// window is a prefix of the target's probes.
    pub tx_sorted: bool,
}

impl Mins {
    /// Nothing seen yet but a first send at `first_tx`.
    pub fn new(first_tx: RealNs) -> Mins {
        Mins {
            first_tx,
            window: None,
            all: None,
            exact: true,
            last_tx: first_tx,
            tx_sorted: true,
        }
    }
}

/// One target's findings.
pub(super) struct Found {
    pub baseline: Baseline,
    pub outages: Vec<Detected>,
    /// Its unobserved windows, not yet judged.
    pub blind: Vec<Unobserved>,
}

impl TargetPass<'_> {
    /// The findings of target `id` (with probes, whose least RTTs `mins` are).
    pub fn target(&self, id: u32, mins: Option<Mins>) -> Found {
        let ps = || self.probes.of_target(id);
        let mins = mins
            .filter(|m| m.exact)
            .unwrap_or_else(|| self.mins(&ps, mins.map(|m| m.first_tx)));
        let end = self.trigger.unwrap_or(mins.first_tx.plus(self.warmup));
        let mut baseline = baseline_of(id, &ps, end, mins);
        let prm = OutageParams::new(
            self.interval,
            baseline.rtt_p50_ns,
            baseline.rtt_p99_ns,
            self.k,
        );
        let mut d = Detector::new(id, &prm);
        let mut b = Blind::new(id, self.interval);
        for p in ps() {
            if p.was_sent() && p.tx_ns < end {
                baseline.window_sent += 1;
                baseline.window_answered += u64::from(p.status == ProbeStatus::Ok);
            }
            b.push(&p);
            d.push(p.into_owned());
        }
        Found {
            baseline,
            outages: d.finish(),
            blind: b.finish(),
        }
    }
}

impl TargetPass<'_> {
    /// The least RTTs of a target, by a scan of its probes `ps` (whose
    /// earliest send is `first_tx`).
    fn mins<'p>(&self, ps: &dyn Fn() -> ProbeIter<'p>, first_tx: Option<RealNs>) -> Mins {
        let first_tx = first_tx.unwrap_or(RealNs(i64::MIN));
        let end = self.trigger.unwrap_or(first_tx.plus(self.warmup));
        let mut m = Mins::new(first_tx);
        m.tx_sorted = false;
        for p in ps() {
            if let Some(r) = rtt_of(&p).filter(|_| p.status == ProbeStatus::Ok) {
                let min = |m: Option<i64>| Some(m.map_or(r, |m| m.min(r)));
                m.all = min(m.all);
                if p.tx_ns < end {
                    m.window = min(m.window);
                }
            }
        }
        m
    }
}

/// Baseline of one target: on-time RTTs before the trigger started (else in
/// the first `warmup` of the target's probes), without outliers (queued
/// replies: above 2 × min + 10 ms, the least being `mins`); the whole run
/// if that window has none. The window ends at `end`. `ps` scans the
/// target's probes (once, twice for the whole run); the window's send
/// counts are left to the caller's scan.
fn baseline_of<'p>(id: u32, ps: &dyn Fn() -> ProbeIter<'p>, end: RealNs, mins: Mins) -> Baseline {
    let in_window = |p: &ProbeLine| p.tx_ns < end;
    // Sends in order: the window's probes come first, the scan stops after them.
    let prefix = || -> ProbeIter<'p> { Box::new(ps().take_while(move |p| p.tx_ns < end)) };
    let window: &dyn Fn() -> ProbeIter<'p> = if mins.tx_sorted { &prefix } else { ps };
    let windowed = mins.window.and_then(|m| rtt_stats(window, in_window, m));
    let (samples, p50, p99) = windowed
        .or_else(|| mins.all.and_then(|m| rtt_stats(ps, |_| true, m)))
        .unwrap_or((0, 0, 0));
    Baseline {
        target_id: id,
        samples,
        rtt_p50_ns: p50,
        rtt_p99_ns: p99,
        window_sent: 0,
        window_answered: 0,
    }
}

/// (samples, p50, p99) of the answered probes `keep` selects, whose least
/// RTT is `min`, outliers removed.
fn rtt_stats<'p>(
    ps: &dyn Fn() -> ProbeIter<'p>,
    keep: impl Fn(&ProbeLine) -> bool,
    min: i64,
) -> Option<(u64, i64, i64)> {
    let cap = min
        .max(0)
        .saturating_mul(2)
        .saturating_add(BASELINE_OUTLIER_NS);
    let mut h = RttHist::new();
    let rtts = ps()
        .filter(|p| p.status == ProbeStatus::Ok && keep(p))
        .filter_map(|p| rtt_of(&p));
    for r in rtts.filter(|r| *r <= cap) {
        h.record(r);
    }
    let [p50, p99] = h.quantiles([0.5, 0.99])?;
    Some((h.len(), p50, p99))
}
