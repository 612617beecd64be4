//! The stable list of event kinds written to run files: [`EventKind`], and
//! one constant per kind (`kinds::STARTED`, …) for matching and building.
//!
//! Libvirt lifecycle events use the lifecycle word as kind and the detail as
//! `detail.reason` (`{"kind":"suspended","detail":{"reason":"migrated"}}`).
//! Anything not recognised is kept as [`OTHER`] with its raw payload. A run
//! file may hold a kind this version does not know (a newer writer): it is
//! read as [`EventKind::Unknown`] and written back as it was.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// What an event is. Written to run files as its snake-case name
/// ([`EventKind::as_str`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// Domain defined (`detail.reason`: added, updated, renamed, snapshot).
    Defined,
    /// Domain undefined (removed, renamed).
    Undefined,
    /// Domain started (booted, migrated, restored, snapshot, wakeup, recreated).
    Started,
    /// Domain paused (paused, migrated, io_error, watchdog, restored, snapshot, api_error, postcopy, postcopy_failed).
    Suspended,
    /// Domain running again (unpaused, migrated, snapshot, postcopy, postcopy_failed).
    Resumed,
    /// Domain stopped (shutdown, destroyed, crashed, migrated, saved, failed, snapshot, recreated).
    Stopped,
    /// Guest shutdown finished (finished, guest, host).
    Shutdown,
    /// Guest power-management suspend (memory, disk).
    Pmsuspended,
    /// Guest crashed (panicked, crashloaded).
    Crashed,
    /// A RAM pre-copy pass began: `detail.iteration`.
    MigrationIteration,
    /// A migration job ended: `detail` holds every typed statistic (downtime, downtime_net, setup_time, time_elapsed, memory_*, disk_*, ...).
    JobCompleted,
    /// Block job state (`detail`: disk, job (copy, pull, commit, active_commit, backup), status (ready, completed, failed, canceled)).
    BlockJob,
    /// A sample of the source's live job statistics (progress series).
    JobStats,
    /// QEMU monitor STOP (guest vCPUs stopped), with QEMU's own timestamp in `source_ts_ns`.
    QemuStop,
    /// QEMU monitor RESUME.
    QemuResume,
    /// QEMU MIGRATION status change: `detail.status` (setup, active, completed, failed, ...; kept as given).
    QemuMigration,
    /// QEMU MIGRATION_PASS: `detail.pass`.
    QemuMigrationPass,
    /// QEMU BLOCK_JOB_READY: `detail` is QEMU's data.
    QemuBlockJobReady,
    /// QEMU BLOCK_JOB_COMPLETED.
    QemuBlockJobCompleted,
    /// QEMU JOB_STATUS_CHANGE: `detail.id`, `detail.status`.
    QemuJobStatusChange,
    /// Event capture on a connection began: `detail.uri`, `detail.domain`.
    CaptureStarted,
    /// A libvirt connection was lost: `detail.uri`, `detail.reason`.
    ConnectionLost,
    /// A lost libvirt connection is back: `detail.uri`, `detail.attempts`.
    ConnectionRestored,
    /// A timed round trip on a libvirt connection (`virConnectGetLibVersion`), for the host clock
    /// estimate: `detail.uri`, `detail.rtt_ns`; `at_ns` is the middle of the call. Written when
    /// a side's round trip is the fastest yet.
    ConnectionRtt,
    /// The trigger command was started: `detail.argv`.
    TriggerStarted,
    /// The trigger command exited: `detail.code` (null if killed by a signal), `detail.signal`, `detail.output` (last lines).
    TriggerExited,
    /// CLOCK_REALTIME stepped against CLOCK_MONOTONIC: `detail.step_ns`.
    ClockStep,
    /// A `tcp-session:PORT` probe's connection ended (`detail`: target, addr, port, how: fin, reset
    /// or error, errno, error); migprobe does not reconnect.
    TcpSessionLost,
    /// The application's view of a `tcp-session:PORT` probe's connection, one per target at the end
    /// of the run (`detail`: longest stall, bytes written and echoed, survived; see docs/run-file.md).
    TcpSession,
    /// nova's view of the server changed (`detail`: status, task_state, vm_state, power_state,
    /// host, instance_name); the first one is the state at the start of the run.
    NovaServer,
    /// nova recorded an instance action on the server (`detail`: action, request_id,
    /// start_time, message); `source_ts_ns` is nova's start time.
    NovaAction,
    /// An event of a nova instance action started or finished (`detail`: action, event,
    /// phase "start" or "finish", result, host); `source_ts_ns` is nova's time of it.
    NovaActionEvent,
    /// nova's migration record changed status (`detail`: id, status, migration_type,
    /// source_compute, dest_compute, created_at, updated_at).
    NovaMigration,
    /// A versioned notification of nova about the server, from the message bus (`detail`:
    /// event_type, e.g. `instance.live_migration_pre.start`, publisher_id, priority, host,
    /// state, task_state, fault); `source_ts_ns` is nova's timestamp (microseconds).
    NovaNotification,
    /// Something a reader of the run must know about the data itself, e.g.
    /// `detail.reconstructed_send_times` for an imported ping log without timestamps.
    Note,
    /// Anything else; `detail`/`raw` keep the payload.
    Other,
    /// A kind this version does not know, kept as written.
    Unknown(String),
}

impl EventKind {
    /// The name in run files: "started", "qemu_stop", …
    pub fn as_str(&self) -> &str {
        match self {
            EventKind::Defined => "defined",
            EventKind::Undefined => "undefined",
            EventKind::Started => "started",
            EventKind::Suspended => "suspended",
            EventKind::Resumed => "resumed",
            EventKind::Stopped => "stopped",
            EventKind::Shutdown => "shutdown",
            EventKind::Pmsuspended => "pmsuspended",
            EventKind::Crashed => "crashed",
            EventKind::MigrationIteration => "migration_iteration",
            EventKind::JobCompleted => "job_completed",
            EventKind::BlockJob => "block_job",
            EventKind::JobStats => "job_stats",
            EventKind::QemuStop => "qemu_stop",
            EventKind::QemuResume => "qemu_resume",
            EventKind::QemuMigration => "qemu_migration",
            EventKind::QemuMigrationPass => "qemu_migration_pass",
            EventKind::QemuBlockJobReady => "qemu_block_job_ready",
            EventKind::QemuBlockJobCompleted => "qemu_block_job_completed",
            EventKind::QemuJobStatusChange => "qemu_job_status_change",
            EventKind::CaptureStarted => "capture_started",
            EventKind::ConnectionLost => "connection_lost",
            EventKind::ConnectionRestored => "connection_restored",
            EventKind::ConnectionRtt => "connection_rtt",
            EventKind::TriggerStarted => "trigger_started",
            EventKind::TriggerExited => "trigger_exited",
            EventKind::ClockStep => "clock_step",
            EventKind::TcpSessionLost => "tcp_session_lost",
            EventKind::TcpSession => "tcp_session",
            EventKind::NovaServer => "nova_server",
            EventKind::NovaAction => "nova_action",
            EventKind::NovaActionEvent => "nova_action_event",
            EventKind::NovaMigration => "nova_migration",
            EventKind::NovaNotification => "nova_notification",
            EventKind::Note => "note",
            EventKind::Other => "other",
            EventKind::Unknown(s) => s,
        }
    }

    /// True for measurements (job statistics, connection round trips, a TCP
    /// session's end-of-run figures) rather than things that happened: not
    /// drawn on charts nor printed live.
    pub fn is_sample(&self) -> bool {
        matches!(
            self,
            EventKind::JobStats | EventKind::ConnectionRtt | EventKind::TcpSession
        )
    }

    /// The kind named `name`; a name this version does not know is kept as
    /// [`EventKind::Unknown`].
    pub fn parse(name: &str) -> EventKind {
        match name {
            "defined" => EventKind::Defined,
            "undefined" => EventKind::Undefined,
            "started" => EventKind::Started,
            "suspended" => EventKind::Suspended,
            "resumed" => EventKind::Resumed,
            "stopped" => EventKind::Stopped,
            "shutdown" => EventKind::Shutdown,
            "pmsuspended" => EventKind::Pmsuspended,
            "crashed" => EventKind::Crashed,
            "migration_iteration" => EventKind::MigrationIteration,
            "job_completed" => EventKind::JobCompleted,
            "block_job" => EventKind::BlockJob,
            "job_stats" => EventKind::JobStats,
            "qemu_stop" => EventKind::QemuStop,
            "qemu_resume" => EventKind::QemuResume,
            "qemu_migration" => EventKind::QemuMigration,
            "qemu_migration_pass" => EventKind::QemuMigrationPass,
            "qemu_block_job_ready" => EventKind::QemuBlockJobReady,
            "qemu_block_job_completed" => EventKind::QemuBlockJobCompleted,
            "qemu_job_status_change" => EventKind::QemuJobStatusChange,
            "capture_started" => EventKind::CaptureStarted,
            "connection_lost" => EventKind::ConnectionLost,
            "connection_restored" => EventKind::ConnectionRestored,
            "connection_rtt" => EventKind::ConnectionRtt,
            "trigger_started" => EventKind::TriggerStarted,
            "trigger_exited" => EventKind::TriggerExited,
            "clock_step" => EventKind::ClockStep,
            "tcp_session_lost" => EventKind::TcpSessionLost,
            "tcp_session" => EventKind::TcpSession,
            "nova_server" => EventKind::NovaServer,
            "nova_action" => EventKind::NovaAction,
            "nova_action_event" => EventKind::NovaActionEvent,
            "nova_migration" => EventKind::NovaMigration,
            "nova_notification" => EventKind::NovaNotification,
            "note" => EventKind::Note,
            "other" => EventKind::Other,
            other => EventKind::Unknown(other.to_owned()),
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl From<&str> for EventKind {
    fn from(name: &str) -> EventKind {
        EventKind::parse(name)
    }
}

impl PartialEq<str> for EventKind {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for EventKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for EventKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<EventKind, D::Error> {
        let name = std::borrow::Cow::<str>::deserialize(d)?;
        Ok(EventKind::parse(&name))
    }
}

/// [`EventKind::NovaServer`].
pub const NOVA_SERVER: EventKind = EventKind::NovaServer;
/// [`EventKind::NovaAction`].
pub const NOVA_ACTION: EventKind = EventKind::NovaAction;
/// [`EventKind::NovaActionEvent`].
pub const NOVA_ACTION_EVENT: EventKind = EventKind::NovaActionEvent;
/// [`EventKind::NovaMigration`].
pub const NOVA_MIGRATION: EventKind = EventKind::NovaMigration;
/// [`EventKind::NovaNotification`].
pub const NOVA_NOTIFICATION: EventKind = EventKind::NovaNotification;
/// Domain defined (`detail.reason`: added, updated, renamed, snapshot).
pub const DEFINED: EventKind = EventKind::Defined;
/// Domain undefined (removed, renamed).
pub const UNDEFINED: EventKind = EventKind::Undefined;
/// Domain started (booted, migrated, restored, snapshot, wakeup, recreated).
pub const STARTED: EventKind = EventKind::Started;
/// Domain paused (paused, migrated, io_error, watchdog, restored, snapshot, api_error, postcopy, postcopy_failed).
pub const SUSPENDED: EventKind = EventKind::Suspended;
/// Domain running again (unpaused, migrated, snapshot, postcopy, postcopy_failed).
pub const RESUMED: EventKind = EventKind::Resumed;
/// Domain stopped (shutdown, destroyed, crashed, migrated, saved, failed, snapshot, recreated).
pub const STOPPED: EventKind = EventKind::Stopped;
/// Guest shutdown finished (finished, guest, host).
pub const SHUTDOWN: EventKind = EventKind::Shutdown;
/// Guest power-management suspend (memory, disk).
pub const PMSUSPENDED: EventKind = EventKind::Pmsuspended;
/// Guest crashed (panicked, crashloaded).
pub const CRASHED: EventKind = EventKind::Crashed;
/// A RAM pre-copy pass began: `detail.iteration`.
pub const MIGRATION_ITERATION: EventKind = EventKind::MigrationIteration;
/// A migration job ended: `detail` holds every typed statistic (downtime, downtime_net, setup_time, time_elapsed, memory_*, disk_*, ...).
pub const JOB_COMPLETED: EventKind = EventKind::JobCompleted;
/// Block job state (`detail`: disk, job (copy, pull, commit, active_commit, backup), status (ready, completed, failed, canceled)).
pub const BLOCK_JOB: EventKind = EventKind::BlockJob;
/// A sample of the source's live job statistics (progress series).
pub const JOB_STATS: EventKind = EventKind::JobStats;
/// QEMU monitor STOP (guest vCPUs stopped), with QEMU's own timestamp in `source_ts_ns`.
pub const QEMU_STOP: EventKind = EventKind::QemuStop;
/// QEMU monitor RESUME.
pub const QEMU_RESUME: EventKind = EventKind::QemuResume;
/// QEMU MIGRATION status change: `detail.status` (setup, active, completed, failed, ...; kept as given).
pub const QEMU_MIGRATION: EventKind = EventKind::QemuMigration;
/// QEMU MIGRATION_PASS: `detail.pass`.
pub const QEMU_MIGRATION_PASS: EventKind = EventKind::QemuMigrationPass;
/// QEMU BLOCK_JOB_READY: `detail` is QEMU's data.
pub const QEMU_BLOCK_JOB_READY: EventKind = EventKind::QemuBlockJobReady;
/// QEMU BLOCK_JOB_COMPLETED.
pub const QEMU_BLOCK_JOB_COMPLETED: EventKind = EventKind::QemuBlockJobCompleted;
/// QEMU JOB_STATUS_CHANGE: `detail.id`, `detail.status`.
pub const QEMU_JOB_STATUS_CHANGE: EventKind = EventKind::QemuJobStatusChange;
/// Event capture on a connection began: `detail.uri`, `detail.domain`.
pub const CAPTURE_STARTED: EventKind = EventKind::CaptureStarted;
/// A libvirt connection was lost: `detail.uri`, `detail.reason`.
pub const CONNECTION_LOST: EventKind = EventKind::ConnectionLost;
/// A lost libvirt connection is back: `detail.uri`, `detail.attempts`.
pub const CONNECTION_RESTORED: EventKind = EventKind::ConnectionRestored;
/// A timed round trip on a libvirt connection (`virConnectGetLibVersion`), for the host clock
/// estimate: `detail.uri`, `detail.rtt_ns`; `at_ns` is the middle of the call. Written when
/// a side's round trip is the fastest yet.
pub const CONNECTION_RTT: EventKind = EventKind::ConnectionRtt;
/// The trigger command was started: `detail.argv`.
pub const TRIGGER_STARTED: EventKind = EventKind::TriggerStarted;
/// The trigger command exited: `detail.code` (null if killed by a signal), `detail.signal`, `detail.output` (last lines).
pub const TRIGGER_EXITED: EventKind = EventKind::TriggerExited;
/// CLOCK_REALTIME stepped against CLOCK_MONOTONIC: `detail.step_ns`.
pub const CLOCK_STEP: EventKind = EventKind::ClockStep;
/// A `tcp-session:PORT` probe's connection ended (`detail`: target, addr, port, how: fin, reset
/// or error, errno, error); migprobe does not reconnect.
pub const TCP_SESSION_LOST: EventKind = EventKind::TcpSessionLost;
/// The application's view of a `tcp-session:PORT` probe's connection, one per target at the end
/// of the run (`detail`: longest stall, bytes written and echoed, survived; see docs/run-file.md).
pub const TCP_SESSION: EventKind = EventKind::TcpSession;
/// Something a reader of the run must know about the data itself, e.g.
/// `detail.reconstructed_send_times` for an imported ping log without timestamps.
pub const NOTE: EventKind = EventKind::Note;
/// Anything else; `detail`/`raw` keep the payload.
pub const OTHER: EventKind = EventKind::Other;

/// Every kind above, for documentation and tests.
pub const ALL: &[EventKind] = &[
    DEFINED,
    UNDEFINED,
    STARTED,
    SUSPENDED,
    RESUMED,
    STOPPED,
    SHUTDOWN,
    PMSUSPENDED,
    CRASHED,
    MIGRATION_ITERATION,
    JOB_COMPLETED,
    BLOCK_JOB,
    JOB_STATS,
    QEMU_STOP,
    QEMU_RESUME,
    QEMU_MIGRATION,
    QEMU_MIGRATION_PASS,
    QEMU_BLOCK_JOB_READY,
    QEMU_BLOCK_JOB_COMPLETED,
    QEMU_JOB_STATUS_CHANGE,
    CAPTURE_STARTED,
    CONNECTION_LOST,
    CONNECTION_RESTORED,
    CONNECTION_RTT,
    TRIGGER_STARTED,
    TRIGGER_EXITED,
    CLOCK_STEP,
    TCP_SESSION_LOST,
    TCP_SESSION,
    NOTE,
    OTHER,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_kinds_are_kept() {
        for k in ALL {
            assert_eq!(&EventKind::parse(k.as_str()), k);
            let json = serde_json::to_string(k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
            assert_eq!(&serde_json::from_str::<EventKind>(&json).unwrap(), k);
        }
        let new = EventKind::parse("qemu_something_new");
        assert_eq!(new, EventKind::Unknown("qemu_something_new".into()));
        assert_eq!(
            serde_json::to_string(&new).unwrap(),
            "\"qemu_something_new\""
        );
        assert_eq!(STARTED, "started");
    }
}
