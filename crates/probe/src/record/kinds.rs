//! The stable list of event kinds written to run files.
//!
//! Libvirt lifecycle events use the lifecycle word as kind and the detail as
//! `detail.reason` (`{"kind":"suspended","detail":{"reason":"migrated"}}`).
//! Anything not recognised is kept as [`OTHER`] with its raw payload.

/// Domain defined (`detail.reason`: added, updated, renamed, snapshot).
pub const DEFINED: &str = "defined";
/// Domain undefined (removed, renamed).
pub const UNDEFINED: &str = "undefined";
/// Domain started (booted, migrated, restored, snapshot, wakeup, recreated).
pub const STARTED: &str = "started";
/// Domain paused (paused, migrated, io_error, watchdog, restored, snapshot, api_error, postcopy, postcopy_failed).
pub const SUSPENDED: &str = "suspended";
/// Domain running again (unpaused, migrated, snapshot, postcopy, postcopy_failed).
pub const RESUMED: &str = "resumed";
/// Domain stopped (shutdown, destroyed, crashed, migrated, saved, failed, snapshot, recreated).
pub const STOPPED: &str = "stopped";
/// Guest shutdown finished (finished, guest, host).
pub const SHUTDOWN: &str = "shutdown";
/// Guest power-management suspend (memory, disk).
pub const PMSUSPENDED: &str = "pmsuspended";
/// Guest crashed (panicked, crashloaded).
pub const CRASHED: &str = "crashed";
/// A RAM pre-copy pass began: `detail.iteration`.
pub const MIGRATION_ITERATION: &str = "migration_iteration";
/// A migration job ended: `detail` holds every typed statistic (downtime, downtime_net, setup_time, time_elapsed, memory_*, disk_*, ...).
pub const JOB_COMPLETED: &str = "job_completed";
/// Block job state (`detail`: disk, job (copy, pull, commit, active_commit, backup), status (ready, completed, failed, canceled)).
pub const BLOCK_JOB: &str = "block_job";
/// A sample of the source's live job statistics (progress series).
pub const JOB_STATS: &str = "job_stats";
/// QEMU monitor STOP (guest vCPUs stopped), with QEMU's own timestamp in `source_ts_ns`.
pub const QEMU_STOP: &str = "qemu_stop";
/// QEMU monitor RESUME.
pub const QEMU_RESUME: &str = "qemu_resume";
/// QEMU MIGRATION status change: `detail.status` (setup, active, completed, failed, ...; kept as given).
pub const QEMU_MIGRATION: &str = "qemu_migration";
/// QEMU MIGRATION_PASS: `detail.pass`.
pub const QEMU_MIGRATION_PASS: &str = "qemu_migration_pass";
/// QEMU BLOCK_JOB_READY: `detail` is QEMU's data.
pub const QEMU_BLOCK_JOB_READY: &str = "qemu_block_job_ready";
/// QEMU BLOCK_JOB_COMPLETED.
pub const QEMU_BLOCK_JOB_COMPLETED: &str = "qemu_block_job_completed";
/// QEMU JOB_STATUS_CHANGE: `detail.id`, `detail.status`.
pub const QEMU_JOB_STATUS_CHANGE: &str = "qemu_job_status_change";
/// Event capture on a connection began: `detail.uri`, `detail.domain`.
pub const CAPTURE_STARTED: &str = "capture_started";
/// A libvirt connection was lost: `detail.uri`, `detail.reason`.
pub const CONNECTION_LOST: &str = "connection_lost";
/// A lost libvirt connection is back: `detail.uri`, `detail.attempts`.
pub const CONNECTION_RESTORED: &str = "connection_restored";
/// The trigger command was started: `detail.argv`.
pub const TRIGGER_STARTED: &str = "trigger_started";
/// The trigger command exited: `detail.code` (null if killed by a signal), `detail.signal`, `detail.output` (last lines).
pub const TRIGGER_EXITED: &str = "trigger_exited";
/// CLOCK_REALTIME stepped against CLOCK_MONOTONIC: `detail.step_ns`.
pub const CLOCK_STEP: &str = "clock_step";
/// Something a reader of the run must know about the data itself, e.g.
/// `detail.reconstructed_send_times` for an imported ping log without timestamps.
pub const NOTE: &str = "note";
/// Anything else; `detail`/`raw` keep the payload.
pub const OTHER: &str = "other";

/// Every kind above, for documentation and tests.
pub const ALL: &[&str] = &[
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
    TRIGGER_STARTED,
    TRIGGER_EXITED,
    CLOCK_STEP,
    NOTE,
    OTHER,
];
