//! Prober health as part of the measurement: the stretches of each target's
//! schedule in which nothing was observed.
//!
//! Rules:
//!
//! - A slot is **observed** when its probe left this host: answered, lost,
//!   pending or an ICMP error. It is **unobserved** when it was skipped (the
//!   sender was late: a stalled or overloaded prober), when its send failed
//!   locally (e.g. a full socket buffer), or when the run file has no line for
//!   its index at all (a gap in an imported log).
//! - A **window** is a maximal run of unobserved slots of one target; it spans
//!   from the first unobserved slot's planned time to the next observed
//!   probe's (or one interval past the last unobserved slot). Its cause is the
//!   first that applies of: skipped, send failed, not recorded; a target with
//!   no observed slot at all was **never probed**.
//! - A window **can hide an outage** when it holds at least `min_loss_run`
//!   slots (an outage shorter than that is below the run's resolution anyway),
//!   lasts at least [`MIN_HIDING_NS`] unless it overlaps the switchover, and
//!   does not overlap an outage already detected on that target (such a
//!   window only widens that outage's bracket, which the bracket method
//!   already does: it measures from the observed probes on either side). A
//!   target never probed at all can hide anything.
//! - A window **overlaps the switchover** when it meets the window from the
//!   guest's pause to the end of the network outage around it, widened by one
//!   interval each side.
//! - The run is **inconclusive** when a window that can hide an outage
//!   overlaps the switchover, or — when the run has no switchover to judge
//!   (probes only, or events without a pause) — when any window can hide an
//!   outage: then no outage can be ruled out there.

use super::model::Outage;
use migprobe_probe::record::{ProbeLine, ProbeStatus};
use migprobe_probe::types::RealNs;
use serde::Serialize;
use std::collections::BTreeMap;

/// Away from the switchover, a blind window shorter than this hides nothing
/// that matters: a migration's switchover pauses the guest for longer (QEMU's
/// stop-and-copy alone takes tens of milliseconds), while a busy host skips a
/// few 1 ms slots now and then. Such windows are still listed and counted.
pub const MIN_HIDING_NS: i64 = 10_000_000;

/// Why a stretch of a target's schedule was not observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlindCause {
    /// The sender was late and skipped the slots (a stalled or overloaded prober).
    Skipped,
    /// Sending failed locally (e.g. a full socket buffer).
    SendFailed,
    /// The run file has no line for these probes (a gap in an imported log).
    NotRecorded,
    /// The target was never probed at all.
    NeverProbed,
}

impl BlindCause {
    /// As written in report.json: "skipped", "send_failed", ...
    pub const fn as_str(self) -> &'static str {
        match self {
            BlindCause::Skipped => "skipped",
            BlindCause::SendFailed => "send_failed",
            BlindCause::NotRecorded => "not_recorded",
            BlindCause::NeverProbed => "never_probed",
        }
    }

    /// What a person reads: "the prober fell behind and skipped its slots".
    pub const fn explain(self) -> &'static str {
        match self {
            BlindCause::Skipped => "the prober fell behind and skipped its slots",
            BlindCause::SendFailed => "sending failed on this host",
            BlindCause::NotRecorded => "the record has no probes there",
            BlindCause::NeverProbed => "the target was never probed",
        }
    }
}

/// One window in which a target was not observed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unobserved {
    /// Target id.
    pub target_id: u32,
    /// Index of the first unobserved slot.
    pub first_index: u64,
    /// Unobserved slots.
    pub slots: u64,
    /// Planned time of the first unobserved slot.
    pub start_ns: RealNs,
    /// The next observed probe's send time (or one interval past the last slot).
    pub end_ns: RealNs,
    /// Why.
    pub cause: BlindCause,
    /// Long enough to hide an outage, and not inside one already seen.
    pub can_hide_outage: bool,
    /// Meets the switchover (see the [module](self)).
    pub overlaps_switchover: bool,
}

impl Unobserved {
    /// Length of the window.
    pub fn duration_ns(&self) -> i64 {
        self.end_ns.since(self.start_ns).max(0)
    }
}

/// Accumulates one window.
struct Open {
    first_index: u64,
    start_ns: i64,
    slots: u64,
    cause: BlindCause,
}

impl Open {
    fn close(self, target_id: u32, end_ns: i64) -> Unobserved {
        Unobserved {
            target_id,
            first_index: self.first_index,
            slots: self.slots,
            start_ns: RealNs(self.start_ns),
            end_ns: RealNs(end_ns.max(self.start_ns)),
            cause: self.cause,
            can_hide_outage: false,
            overlaps_switchover: false,
        }
    }
}

/// The cause a recorded but unobserved probe stands for.
fn cause_of(p: &ProbeLine) -> BlindCause {
    if p.status == ProbeStatus::Skipped {
        BlindCause::Skipped
    } else {
        BlindCause::SendFailed
    }
}

/// The windows of one target. `probes` are its final lines in index order;
/// `interval_ns` the probe interval. Linear; never panics, whatever the indices.
pub fn detect(target_id: u32, probes: &[ProbeLine], interval_ns: i64) -> Vec<Unobserved> {
    let mut b = Blind::new(target_id, interval_ns);
    probes.iter().for_each(|p| b.push(p));
    b.finish()
}

/// [`detect`] fed one probe at a time (memory: the windows found).
pub struct Blind {
    target_id: u32,
    step: i64,
    out: Vec<Unobserved>,
    open: Option<Open>,
    /// (index, send time) of the previous probe.
    prev: Option<(u64, i64)>,
    any_sent: bool,
}

impl Blind {
    /// Windows of target `target_id` probed every `interval_ns`.
    pub fn new(target_id: u32, interval_ns: i64) -> Blind {
        Blind {
            target_id,
            step: interval_ns.max(0),
            out: Vec::new(),
            open: None,
            prev: None,
            any_sent: false,
        }
    }

    /// The send time slot `idx` would have had, from a probe's (index, tx).
    fn at(&self, (index, tx): (u64, i64), idx: u64) -> i64 {
        let d = i64::try_from(idx.saturating_sub(index)).unwrap_or(i64::MAX);
        tx.saturating_add(d.saturating_mul(self.step))
    }

    /// Takes the target's next probe (in index order).
    pub fn push(&mut self, p: &ProbeLine) {
        if let Some(q) = self.prev {
            let missing = p.index.0.saturating_sub(q.0).saturating_sub(1);
            if missing > 0 {
                let start_ns = self.at(q, q.0 + 1);
                let o = self.open.get_or_insert(Open {
                    first_index: q.0 + 1,
                    start_ns,
                    slots: 0,
                    cause: BlindCause::NotRecorded,
                });
                o.slots = o.slots.saturating_add(missing);
            }
        }
        if p.was_sent() {
            self.any_sent = true;
            if let Some(o) = self.open.take() {
                self.out.push(o.close(self.target_id, p.tx_ns.0));
            }
        } else {
            let o = self.open.get_or_insert(Open {
                first_index: p.index.0,
                start_ns: p.tx_ns.0,
                slots: 0,
                cause: cause_of(p),
            });
            o.slots = o.slots.saturating_add(1);
            if o.cause == BlindCause::NotRecorded {
                o.cause = cause_of(p);
            }
        }
        self.prev = Some((p.index.0, p.tx_ns.0));
    }

    /// The windows found.
    pub fn finish(mut self) -> Vec<Unobserved> {
        if let (Some(o), Some(last)) = (self.open.take(), self.prev) {
            let end = self.at(last, last.0.saturating_add(1));
            self.out.push(o.close(self.target_id, end));
        }
        if self.prev.is_some() && !self.any_sent {
            for w in &mut self.out {
                w.cause = BlindCause::NeverProbed;
            }
        }
        self.out
    }
}

/// The window of a target the run file never mentions: the whole run.
pub fn never_probed(target_id: u32, start: RealNs, end: RealNs, interval_ns: i64) -> Unobserved {
    let len = end.since(start).max(0);
    let slots = if interval_ns > 0 {
        (len / interval_ns) as u64
    } else {
        0
    };
    Unobserved {
        target_id,
        first_index: 0,
        slots: slots.max(1),
        start_ns: start,
        end_ns: end.max(start),
        cause: BlindCause::NeverProbed,
        can_hide_outage: false,
        overlaps_switchover: false,
    }
}

/// Sets each window's `can_hide_outage` and `overlaps_switchover`.
/// `switchover` is the guest's pause to the end of the network outage around
/// it (already widened), when the run has one.
pub fn judge(
    windows: &mut [Unobserved],
    outages: &[Outage],
    min_loss_run: u32,
    switchover: Option<(RealNs, RealNs)>,
) {
    for w in windows.iter_mut() {
        let inside_outage = outages.iter().any(|o| {
            o.target_id == w.target_id && w.start_ns <= o.end_ns && o.start_ns <= w.end_ns
        });
        w.overlaps_switchover = switchover.is_some_and(|(s, e)| w.start_ns <= e && s <= w.end_ns);
        let long_enough = w.slots >= u64::from(min_loss_run.max(1))
            && (w.overlaps_switchover || w.duration_ns() >= MIN_HIDING_NS);
        w.can_hide_outage = (long_enough || w.cause == BlindCause::NeverProbed) && !inside_outage;
    }
}

/// One target's unobserved windows, summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TargetTotals {
    /// Unobserved time, ns.
    pub ns: i64,
    /// Unobserved slots.
    pub slots: u64,
    /// Windows.
    pub windows: u64,
    /// Of those, windows that can hide an outage.
    pub hiding: u64,
}

/// Each target's totals (targets without a window are absent), by target id.
pub fn per_target(windows: &[Unobserved]) -> BTreeMap<u32, TargetTotals> {
    let mut m: BTreeMap<u32, TargetTotals> = BTreeMap::new();
    for w in windows {
        let t = m.entry(w.target_id).or_default();
        t.ns = t.ns.saturating_add(w.duration_ns());
        t.slots = t.slots.saturating_add(w.slots);
        t.windows += 1;
        t.hiding += u64::from(w.can_hide_outage);
    }
    m
}

/// Whether these windows leave the run without a verdict (see the [module](self)).
pub fn inconclusive(windows: &[Unobserved], has_switchover: bool) -> bool {
    windows
        .iter()
        .any(|w| w.can_hide_outage && (w.overlaps_switchover || !has_switchover))
}

#[cfg(test)]
mod tests;
