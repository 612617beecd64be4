//! Whether a migration completed: one rule, used by the report
//! (`migration.result`) and by `migprobe run` (its exit status, the footer's
//! reason, when to stop waiting for a migration).
//!
//! [`MigrationVerdict`] is a fold over the migration's events, in any order:
//! every fact it keeps is a flag, or the earliest / latest time of some events
//! (ties between equal times go to the event observed last). The rule, in
//! [`MigrationVerdict::outcome`], first match wins:
//!
//! 1. **completed**: the job completed (the source's latest `job_completed`,
//!    else the destination's, unless it says `success: false`); or the guest
//!    resumed on the destination (QEMU `RESUME`, or `resumed` with reason
//!    migrated / postcopy) no earlier than the destination was started for the
//!    migration; or QEMU on the source said `completed`; or the source
//!    `stopped` with reason `migrated`;
//! 2. **cancelled**: QEMU on the source said `cancelled` or `cancelling`;
//! 3. **failed**: QEMU on the source said `failed`; or the source resumed after
//!    pausing for the migration; or the completed job says `success: false`;
//! 4. **trigger failed** (reported as `failed`): none of the above, and the
//!    trigger's latest exit code is not 0;
//! 5. **unknown**.
//!
//! "QEMU on the source" is any `qemu_migration` event not from the destination.
//! "Pausing for the migration" is the source's earliest QEMU `STOP`, else its
//! earliest `suspended` (migrated / postcopy), at or after the destination
//! started (else the trigger started): the same moments as the phases'
//! [`Markers`](super::phases::Markers).
//!
//! This is the report's rule, unchanged. `migprobe run` used to decide by a
//! narrower one of its own (ended: the source's `job_completed` or `stopped`
//! migrated; failed: QEMU on the source said failed or cancelled, which won
//! over a completion); it now uses this one, so a run and its report agree.

pub use super::model::Outcome;
use super::phases::{detail_str, event_time, MIGRATION_REASONS};
use migprobe_probe::record::kinds;
use migprobe_probe::record::{EventLine, Origin};
use migprobe_probe::types::RealNs;

/// The facts of one migration's events that decide its [`Outcome`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationVerdict {
    /// Latest `job_completed` of the source: when, and whether it says `success: false`.
    src_job: Option<(RealNs, bool)>,
    /// As `src_job`, of the destination.
    dst_job: Option<(RealNs, bool)>,
    qemu_completed: bool,
    qemu_cancelled: bool,
    qemu_failed: bool,
    src_stopped_migrated: bool,
    /// Earliest `trigger_started`.
    trigger_started: Option<RealNs>,
    /// Earliest destination `started` (migrated).
    dst_started: Option<RealNs>,
    /// Latest destination QEMU `RESUME` or `resumed` (migrated / postcopy).
    dst_resumed: Option<RealNs>,
    /// Every source QEMU `STOP`.
    src_qemu_stops: Vec<RealNs>,
    /// Every source `suspended` (migrated / postcopy).
    src_suspends: Vec<RealNs>,
    /// Latest source `resumed`, any reason.
    src_resumed: Option<RealNs>,
    /// Latest `trigger_exited`: when, and its exit code.
    trigger_exit: Option<(RealNs, Option<i32>)>,
}

/// `slot` becomes `t` when `t` is earlier (or the slot is empty).
fn earliest(slot: &mut Option<RealNs>, t: RealNs) {
    if slot.is_none_or(|s| t < s) {
        *slot = Some(t);
    }
}

/// `slot` becomes `t` when `t` is later (or the slot is empty).
fn latest(slot: &mut Option<RealNs>, t: RealNs) {
    if slot.is_none_or(|s| t > s) {
        *slot = Some(t);
    }
}

/// `slot` becomes `(t, v)` when `t` is no earlier than the slot's time (or the slot is empty).
fn latest_with<V>(slot: &mut Option<(RealNs, V)>, t: RealNs, v: V) {
    if slot.as_ref().is_none_or(|(s, _)| t >= *s) {
        *slot = Some((t, v));
    }
}

fn reason_is(e: &EventLine, reasons: &[&str]) -> bool {
    detail_str(e, "reason").is_some_and(|r| reasons.contains(&r))
}

impl MigrationVerdict {
    /// The verdict over `events`.
    pub fn of<'a>(events: impl IntoIterator<Item = &'a EventLine>) -> MigrationVerdict {
        let mut v = MigrationVerdict::default();
        events.into_iter().for_each(|e| v.observe(e));
        v
    }

    /// Takes one event into account.
    pub fn observe(&mut self, e: &EventLine) {
        let t = event_time(e);
        let unsuccessful = || e.detail.get("success").and_then(|s| s.as_bool()) == Some(false);
        match (e.origin, &e.kind) {
            (_, &kinds::TRIGGER_STARTED) => earliest(&mut self.trigger_started, t),
            (_, &kinds::TRIGGER_EXITED) => {
                let code = e.detail.get("code").and_then(|c| c.as_i64());
                latest_with(
                    &mut self.trigger_exit,
                    t,
                    code.and_then(|c| i32::try_from(c).ok()),
                );
            }
            (Origin::Src, &kinds::JOB_COMPLETED) => {
                latest_with(&mut self.src_job, t, unsuccessful())
            }
            (Origin::Dst, &kinds::JOB_COMPLETED) => {
                latest_with(&mut self.dst_job, t, unsuccessful())
            }
            (Origin::Dst, &kinds::QEMU_MIGRATION) => {}
            (_, &kinds::QEMU_MIGRATION) => match detail_str(e, "status") {
                Some("completed") => self.qemu_completed = true,
                Some("cancelled" | "cancelling") => self.qemu_cancelled = true,
                Some("failed") => self.qemu_failed = true,
                _ => {}
            },
            (Origin::Src, &kinds::STOPPED) if reason_is(e, &["migrated"]) => {
                self.src_stopped_migrated = true;
            }
            (Origin::Dst, &kinds::STARTED) if reason_is(e, &["migrated"]) => {
                earliest(&mut self.dst_started, t);
            }
            (Origin::Dst, &kinds::QEMU_RESUME) => latest(&mut self.dst_resumed, t),
            (Origin::Dst, &kinds::RESUMED) if reason_is(e, MIGRATION_REASONS) => {
                latest(&mut self.dst_resumed, t);
            }
            (Origin::Src, &kinds::QEMU_STOP) => self.src_qemu_stops.push(t),
            (Origin::Src, &kinds::SUSPENDED) if reason_is(e, MIGRATION_REASONS) => {
                self.src_suspends.push(t);
            }
            (Origin::Src, &kinds::RESUMED) => latest(&mut self.src_resumed, t),
            _ => {}
        }
    }

    /// How the migration ended, by the events observed so far.
    pub fn outcome(&self) -> Outcome {
        let job_unsuccessful = self.src_job.or(self.dst_job).map(|(_, u)| u);
        if job_unsuccessful == Some(false)
            || self.resumed_on_destination()
            || self.qemu_completed
            || self.src_stopped_migrated
        {
            Outcome::Completed
        } else if self.qemu_cancelled {
            Outcome::Cancelled
        } else if self.qemu_failed || self.resumed_on_source() || job_unsuccessful == Some(true) {
            Outcome::Failed
        } else if self
            .trigger_exit
            .is_some_and(|(_, code)| code.is_some_and(|c| c != 0))
        {
            Outcome::TriggerFailed
        } else {
            Outcome::Unknown
        }
    }

    /// The guest ran on the destination, no earlier than the destination started.
    fn resumed_on_destination(&self) -> bool {
        self.dst_resumed
            .is_some_and(|r| self.dst_started.is_none_or(|s| r >= s))
    }

    /// When the source paused the guest for the migration.
    fn paused(&self) -> Option<RealNs> {
        let from = self.dst_started.or(self.trigger_started);
        let first = |ts: &[RealNs]| {
            ts.iter()
                .copied()
                .filter(|t| from.is_none_or(|f| *t >= f))
                .min()
        };
        first(&self.src_qemu_stops).or_else(|| first(&self.src_suspends))
    }

    /// The guest ran on the source again after it paused for the migration.
    fn resumed_on_source(&self) -> bool {
        self.paused()
            .zip(self.src_resumed)
            .is_some_and(|(p, r)| r > p)
    }
}

#[cfg(test)]
mod tests;
