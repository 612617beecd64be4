//! Live figures of a probing session, for the `/metrics` endpoint of
//! `--listen`: fed with the run's lines as they are recorded (and the
//! engine's send counters), rendered at each scrape.
//!
//! Per target: probes sent, answered, lost, late, skipped and in error
//! (counters: they only go up; a probe is lost only when the run ends), probes
//! pending now (sent, unanswered past the pending threshold), the RTT
//! histogram (`rtt`) and the current outage: from the send of the first
//! pending probe after the last answered one, once at least `min_loss_run`
//! are pending, else 0. When the session is over the counters are the final
//! figures, equal to report.json's (`families` writes them).

mod families;
mod rtt;

pub use families::{render_live, LivePhase, PHASES};
pub use rtt::RTT_BUCKETS_NS;

use crate::analysis::target_summary::LATE_INTERVALS;
use migprobe_probe::probe::engine::Live;
use migprobe_probe::record::{Line, ProbeLine, ProbeStatus};
use rtt::RttHistogram;
use std::collections::BTreeMap;

/// One target's live figures.
#[derive(Debug, Clone, Default)]
struct TargetLive {
    /// Its address, the `target` label.
    addr: String,
    /// Probes the engine has seen sent or failed to send.
    engine_sent: u64,
    /// Probes that failed to send (they never left this host).
    send_failed: u64,
    answered: u64,
    lost: u64,
    late: u64,
    skipped: u64,
    errors: u64,
    rtt: RttHistogram,
    /// Pending probes: index → send time, realtime ns.
    pending: BTreeMap<u64, i64>,
    /// The highest index answered.
    last_ok: Option<u64>,
    /// The RTT of that probe, ns.
    last_rtt_ns: Option<i64>,
}

impl TargetLive {
    /// Probes sent as report.json counts them: not skipped, not failed to
    /// send. While probing, as the engine counts them; settled, every probe
    /// counted once by its final line.
    fn sent(&self) -> u64 {
        let settled = self.answered + self.lost + self.errors;
        self.engine_sent
            .max(settled)
            .saturating_sub(self.send_failed)
    }

    /// The current outage at realtime `now_ns`, ns: 0 unless `k` probes are
    /// pending after the last answered one.
    fn outage_ns(&self, now_ns: i64, k: u64) -> i64 {
        let after = self.last_ok.map_or(0, |i| i.saturating_add(1));
        let mut waiting = self.pending.range(after..);
        let Some((_, &since)) = waiting.next() else {
            return 0;
        };
        let enough = k <= 1 || waiting.nth((k - 2) as usize).is_some();
        if enough {
            now_ns.saturating_sub(since).max(0)
        } else {
            0
        }
    }

    /// Counts one probe line.
    fn add(&mut self, p: &ProbeLine, late_after_ns: i64) {
        if p.status == ProbeStatus::Pending {
            self.pending.insert(p.index.0, p.tx_ns.0);
            return;
        }
        self.pending.remove(&p.index.0);
        match p.status {
            ProbeStatus::Ok => {
                self.answered += 1;
                if self.last_ok.is_none_or(|i| p.index.0 >= i) {
                    self.last_ok = Some(p.index.0);
                    self.last_rtt_ns = p.rtt_ns.or(self.last_rtt_ns);
                }
                if let Some(rtt) = p.rtt_ns {
                    self.rtt.observe(rtt);
                    self.late += u64::from(rtt > late_after_ns);
                }
            }
            ProbeStatus::Lost => self.lost += 1,
            ProbeStatus::Skipped => self.skipped += 1,
            ProbeStatus::Error => {
                self.errors += 1;
                self.send_failed += u64::from(p.send_failed());
            }
            ProbeStatus::Pending => {}
        }
    }
}

/// The live figures of a session: see the module's documentation.
#[derive(Debug, Clone, Default)]
pub struct LiveTally {
    /// A reply later than this is late (10 intervals, as the report counts).
    late_after_ns: i64,
    /// Pending probes in a row that make an outage.
    min_loss_run: u64,
    targets: Vec<TargetLive>,
    /// True once the session has ended.
    finished: bool,
}

impl LiveTally {
    /// An empty tally; the run's header line sets its targets.
    pub fn new() -> LiveTally {
        LiveTally::default()
    }

    /// Counts one recorded line.
    pub fn observe(&mut self, line: &Line) {
        match line {
            Line::Header(h) => {
                self.late_after_ns = h.interval_ns.saturating_mul(LATE_INTERVALS);
                self.min_loss_run = u64::from(h.min_loss_run);
                self.targets = h
                    .targets
                    .iter()
                    .map(|t| TargetLive {
                        addr: t.addr.to_string(),
                        ..TargetLive::default()
                    })
                    .collect();
            }
            Line::Probe(p) => {
                let late = self.late_after_ns;
                if let Some(t) = self.targets.get_mut(p.target_id as usize) {
                    t.add(p, late);
                }
            }
            Line::Footer(_) => self.finished = true,
            _ => {}
        }
    }

    /// Takes the engine's send counters (one per target, in order).
    pub fn set_engine(&mut self, live: &[Live]) {
        for (t, l) in self.targets.iter_mut().zip(live) {
            t.engine_sent = t.engine_sent.max(l.sent);
        }
    }

    /// True once the run's footer was seen.
    pub fn finished(&self) -> bool {
        self.finished
    }
}

#[cfg(test)]
mod tests;
