//! What one scan over all the probes settles before the per-target work:
//! the last send and reply, the unsettled probes, each target's first send
//! and the per-target summaries.

use super::outages::rtt_of;
use super::per_target::Mins;
use super::target_summary::{SummaryBuilder, TargetSummary};
use migprobe_probe::record::id_map::IdMap;
use migprobe_probe::record::{DuplicateLine, ProbeLine, ProbeStatus, Probes, TargetInfo};
use migprobe_probe::types::RealNs;

/// The figures of one scan over a run's probes.
pub(super) struct Tally {
    /// Latest send time.
    pub tx_max: Option<RealNs>,
    /// Latest reply time.
    pub rx_max: Option<RealNs>,
    /// Probes still pending when the file ends.
    pub unsettled: usize,
    /// Each target's least baseline RTTs.
    pub mins: IdMap<u32, Mins>,
    /// Per-target summaries (duplicates included).
    pub summaries: Vec<TargetSummary>,
}

impl Tally {
    /// Scans `probes` once (each target's in index order); `targets` and
    /// `interval_ns` from the header, `duplicates` the run's duplicate lines;
    /// the baseline window ends at `trigger`, else `warmup` after a target's
    /// first send.
    pub fn scan(
        probes: &dyn Probes,
        (targets, interval_ns): (&[TargetInfo], i64),
        duplicates: &[DuplicateLine],
        (trigger, warmup): (Option<RealNs>, i64),
    ) -> Tally {
        let mut t = Tally {
            tx_max: None,
            rx_max: None,
            unsettled: 0,
            mins: IdMap::default(),
            summaries: Vec::new(),
        };
        let mut sb = SummaryBuilder::bounded(targets, interval_ns);
        for p in probes.scan() {
            t.tx_max = t.tx_max.max(Some(p.tx_ns));
            t.rx_max = t.rx_max.max(p.rx_ns);
            t.unsettled += usize::from(p.status == ProbeStatus::Pending);
            let m = t
                .mins
                .entry(p.target_id)
                .or_insert_with(|| Mins::new(p.tx_ns));
            add_min(m, &p, trigger, warmup);
            sb.add(&p);
        }
        for d in duplicates {
            sb.add_duplicate(d);
        }
        let arrivals = |id: u32| -> Vec<i64> {
            probes
                .of_target(id)
                .filter(|p| p.status == ProbeStatus::Ok)
                .filter_map(|p| p.rx_ns.map(|r| r.0))
                .collect()
        };
        t.summaries = sb.finish_with(&arrivals);
        t
    }
}

/// Takes probe `p` into its target's least RTTs (in the window ending at
/// `trigger`, else `warmup` after the first send).
fn add_min(m: &mut Mins, p: &ProbeLine, trigger: Option<RealNs>, warmup: i64) {
    m.tx_sorted &= p.tx_ns >= m.last_tx;
    m.last_tx = p.tx_ns;
    if p.tx_ns < m.first_tx {
        // The window moves: what was seen so far may have been in it or not.
        m.first_tx = p.tx_ns;
        m.exact &= trigger.is_some();
    }
    let Some(r) = rtt_of(p).filter(|_| p.status == ProbeStatus::Ok) else {
        return;
    };
    let min = |m: Option<i64>| Some(m.map_or(r, |m| m.min(r)));
    m.all = min(m.all);
    let end = trigger.unwrap_or(m.first_tx.plus(warmup));
    if p.tx_ns < end {
        m.window = min(m.window);
    }
}
