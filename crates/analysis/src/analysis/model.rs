//! What the analysis produces: one [`Analysis`] per run, in nanoseconds on the
//! run's realtime timeline. Renderers (report.json, summary.md, chart.svg)
//! read only this.

use super::target_summary::TargetSummary;
pub use super::unobserved::{BlindCause, Unobserved};
use migprobe_probe::record::EventKind;
use migprobe_probe::record::{Origin, TargetInfo};
use migprobe_probe::types::RealNs;
use serde::Serialize;

/// How an outage looked on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutageClass {
    /// Requests or replies were dropped: no reply ever came.
    Loss,
    /// The target stopped and later answered everything at once (queued replies).
    Freeze,
    /// Some replies came back queued, the rest were lost (queue overflow).
    Mixed,
}

/// One window in which a target did not answer on time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outage {
    /// Target id.
    pub target_id: u32,
    /// Index of the first probe not answered on time.
    pub first_index: u64,
    /// Index of the last probe not answered on time.
    pub last_index: u64,
    /// Estimated start of the outage (realtime).
    pub start_ns: RealNs,
    /// Estimated end.
    pub end_ns: RealNs,
    /// Estimated length.
    pub estimate_ns: i64,
    /// The true length lies in `[bracket_lo_ns, bracket_hi_ns]` (measurement.md's method).
    pub bracket_lo_ns: i64,
    /// Upper end of the bracket; with `open_end`, only where probing stopped.
    pub bracket_hi_ns: i64,
    /// The target had not answered again when probing stopped: the length is
    /// at least `bracket_lo_ns`, with no upper bound.
    pub open_end: bool,
    /// Probes in the window never answered.
    pub lost: u64,
    /// Probes in the window answered late (queued).
    pub queued: u64,
    /// Loss, freeze or mixed.
    pub class: OutageClass,
    /// The phase the outage spent most of its time in, if phases are known (in a run of
    /// several migrations: a phase of the migration in `migration`).
    pub phase: Option<PhaseName>,
    /// In a run of several migrations: the migration (from 0) whose window
    /// (its trigger's start to the next one's) the outage started in; `None`
    /// before the first trigger and in a run of one migration.
    pub migration: Option<u32>,
}

/// The phases of a migration, in order. Reports write them in snake case
/// ([`PhaseName::as_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PhaseName {
    /// From the trigger to the destination's QEMU start.
    Preparation,
    /// Disk mirrored to the destination (start → block job ready).
    StorageCopy,
    /// RAM pre-copy passes.
    MemoryPrecopy,
    /// Source suspended → destination resumed: the guest is paused.
    Switchover,
    /// Destination resumed → first on-time reply after the blackout.
    NetworkConvergence,
    /// Until the job is reported complete / the trigger exits.
    Completion,
}

impl PhaseName {
    /// The name in reports: "preparation", "storage_copy", …
    pub const fn as_str(self) -> &'static str {
        match self {
            PhaseName::Preparation => "preparation",
            PhaseName::StorageCopy => "storage_copy",
            PhaseName::MemoryPrecopy => "memory_precopy",
            PhaseName::Switchover => "switchover",
            PhaseName::NetworkConvergence => "network_convergence",
            PhaseName::Completion => "completion",
        }
    }
}

impl std::fmt::Display for PhaseName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for PhaseName {
    /// As [`PhaseName::as_str`].
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One phase of the migration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Phase {
    /// Which phase.
    pub name: PhaseName,
    /// Start (realtime).
    pub start_ns: RealNs,
    /// End.
    pub end_ns: RealNs,
    /// RAM pre-copy iterations seen (memory_precopy only).
    pub iterations: Option<u32>,
    /// In a run of several migrations: the migration (from 0) it belongs to.
    pub migration: Option<u32>,
}

/// RTT and loss of one target within one phase.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhaseStats {
    /// The phase.
    pub phase: PhaseName,
    /// Target id.
    pub target_id: u32,
    /// Probes sent in the phase.
    pub sent: u64,
    /// Of those, never answered.
    pub lost: u64,
    /// RTT median.
    pub rtt_p50_ns: Option<i64>,
    /// RTT 99th percentile.
    pub rtt_p99_ns: Option<i64>,
    /// RTT maximum.
    pub rtt_max_ns: Option<i64>,
    /// In a run of several migrations: the migration (from 0) of the phase.
    pub migration: Option<u32>,
}

/// Baseline RTT of a target, from the warm-up before the migration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Baseline {
    /// Target id.
    pub target_id: u32,
    /// Replies used.
    pub samples: u64,
    /// Median RTT.
    pub rtt_p50_ns: i64,
    /// 99th percentile RTT.
    pub rtt_p99_ns: i64,
    /// Probes sent in the baseline window (before the trigger, else in the
    /// first warm-up), and of them answered: how reliably the target
    /// answered before the migration (see [`super::answering`]).
    pub window_sent: u64,
    /// Of `window_sent`, those answered.
    pub window_answered: u64,
}

/// The headline: what the network saw against what the hypervisors said.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Downtime {
    /// The target whose outage this is.
    pub target_id: u32,
    /// Network-observed downtime: the outage overlapping the switchover.
    pub network_ns: i64,
    /// Its bracket.
    pub bracket_lo_ns: i64,
    /// Its bracket; with `open_end`, only where probing stopped.
    pub bracket_hi_ns: i64,
    /// That outage had not ended when probing stopped: `network_ns` is a lower bound.
    pub open_end: bool,
    /// Class of that outage.
    pub class: OutageClass,
    /// libvirt job-completed `downtime` (whole ms, hypervisor's view).
    pub hypervisor_ns: Option<i64>,
    /// QEMU STOP (source) → RESUME (destination), on QEMU's clocks when
    /// both events carry QEMU's own stamp, else on the times they were
    /// received; `None` without both events or when the RESUME comes first
    /// (the hosts' clocks disagree).
    pub qemu_pause_ns: Option<i64>,
    /// `None` when `qemu_pause_ns` is on QEMU's own (microsecond) clocks; else
    /// its resolution: one side's time is a receive time printed to the ms
    /// (virsh `--timestamp`).
    pub qemu_pause_resolution_ns: Option<i64>,
    /// `network_ns` − the hypervisor figure used (QEMU pause, else libvirt downtime).
    pub difference_ns: Option<i64>,
    /// Part of the network downtime before the guest was paused: the target
    /// was already unresponsive before the source's STOP / suspend.
    pub before_pause_part_ns: Option<i64>,
    /// Part of the network downtime while the guest was paused.
    pub pause_part_ns: Option<i64>,
    /// Part after the destination resumed (announce, bridge/switch learning, ...).
    pub convergence_part_ns: Option<i64>,
}

/// The trigger command and how it ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriggerInfo {
    /// The command.
    pub argv: Vec<String>,
    /// When it was started.
    pub started_ns: Option<RealNs>,
    /// When it exited.
    pub exited_ns: Option<RealNs>,
    /// Exit code (None: killed by a signal or still running when the run ended).
    pub exit_code: Option<i32>,
}

/// How the migration ended, from the events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MigrationInfo {
    /// How it ended (report.json: "completed", "failed", "cancelled" or "unknown").
    pub result: Outcome,
    /// Statistics of the source's job-completed event (libvirt's names), if any.
    pub stats: Option<serde_json::Value>,
}

/// A sample of migration progress (from the source's job statistics).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    /// When sampled.
    pub at_ns: RealNs,
    /// RAM still to copy, bytes.
    pub memory_remaining: Option<u64>,
    /// Disk still to copy, bytes.
    pub disk_remaining: Option<u64>,
    /// Total data still to copy, bytes.
    pub data_remaining: Option<u64>,
    /// In a run of several migrations: the migration (from 0) whose window
    /// the sample falls in (a chart never joins two migrations' samples).
    pub migration: Option<u32>,
}

/// An event worth drawing / listing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventMark {
    /// When (the source's own time when it has one, else when received).
    pub at_ns: RealNs,
    /// Who said it.
    pub origin: Origin,
    /// Event kind.
    pub kind: EventKind,
    /// Short label, e.g. "suspended migrated".
    pub label: String,
}

/// Everything known about a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// First slot (realtime).
    pub start_ns: RealNs,
    /// Last record (realtime).
    pub end_ns: RealNs,
    /// Probe interval.
    pub interval_ns: i64,
    /// Consecutive misses that make a loss outage.
    pub min_loss_run: u32,
    /// The targets.
    pub targets: Vec<TargetInfo>,
    /// Warm-up baseline per target.
    pub baseline: Vec<Baseline>,
    /// Every outage of every target, by start time.
    pub outages: Vec<Outage>,
    /// Migration phases in order (empty without events).
    pub phases: Vec<Phase>,
    /// Per-phase, per-target RTT and loss.
    pub per_phase: Vec<PhaseStats>,
    /// The headline, when there was a switchover (or, without events, the longest outage).
    pub downtime: Option<Downtime>,
    /// Windows in which a target was not observed (see [`super::unobserved`]), by start.
    pub unobserved: Vec<Unobserved>,
    /// True when an unobserved window leaves the verdict open (see [`super::unobserved`]).
    pub inconclusive: bool,
    /// Per-target totals.
    pub summaries: Vec<TargetSummary>,
    /// How the migration ended.
    pub migration: Option<MigrationInfo>,
    /// The trigger.
    pub trigger: Option<TriggerInfo>,
    /// Progress series for the chart.
    pub progress: Vec<Progress>,
    /// Events to mark on the chart.
    pub events: Vec<EventMark>,
    /// True when the run file has no footer (killed).
    pub truncated: bool,
    /// Why the run ended (footer), if known.
    pub end_reason: Option<String>,
    /// Things a reader must know (trigger failed, run cut short, clock stepped, ...).
    pub notes: Vec<String>,
    /// Each hypervisor host's clock against the prober's (see [`super::clocks`]).
    pub clocks: Vec<super::clocks::HostClock>,
    /// For a run of several migrations: how many, and which one the headline
    /// shows (see [`super::campaign`]); `None` for a single migration.
    pub campaign: Option<CampaignHeadline>,
    /// The application's view of each `tcp-session:PORT` target (see [`super::sessions`]).
    pub sessions: Vec<super::sessions::SessionView>,
    /// nova's view, for a run of `--openstack-server` (see [`super::nova`]).
    pub nova: Option<super::nova::NovaView>,
}

/// The headline of a run of several migrations: which migration's downtime
/// [`Analysis::downtime`] is, and the median beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CampaignHeadline {
    /// Migrations in the run.
    pub migrations: u32,
    /// The migration (from 0) the headline shows: the worst by network
    /// downtime; `None` when no migration has one.
    pub shown: Option<u32>,
    /// Migrations with a network downtime.
    pub measured: u32,
    /// Median network downtime of those (the mean of the two middle values
    /// for an even count).
    pub median_network_ns: Option<i64>,
}

impl Analysis {
    /// The guest (libvirt domain) this analysis is of: the domain all its
    /// targets are bound to; `None` when they name none or several.
    pub fn guest(&self) -> Option<&str> {
        let first = self.targets.first()?.domain.as_deref()?;
        self.targets
            .iter()
            .all(|t| t.domain.as_deref() == Some(first))
            .then_some(first)
    }

    /// The phases of the migration the headline shows; all phases in a run
    /// of one migration, or of several none of which has a headline.
    pub fn headline_phases(&self) -> impl Iterator<Item = &Phase> + '_ {
        let shown = self.campaign.as_ref().and_then(|c| c.shown);
        self.phases
            .iter()
            .filter(move |p| shown.is_none_or(|m| p.migration == Some(m)))
    }
}

/// How a migration ended, by the rule of the [module](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The migration completed.
    Completed,
    /// QEMU cancelled it.
    Cancelled,
    /// The hypervisors say it failed.
    Failed,
    /// The hypervisors said nothing either way, and the trigger exited non-zero.
    TriggerFailed,
    /// Nothing says how it ended (yet).
    Unknown,
}

impl serde::Serialize for Outcome {
    /// As [`Outcome::as_str`].
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl Outcome {
    /// The report's `migration.result`: `completed`, `cancelled`, `failed` or `unknown`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::Cancelled => "cancelled",
            Outcome::Failed | Outcome::TriggerFailed => "failed",
            Outcome::Unknown => "unknown",
        }
    }

    /// Anything but [`Outcome::Unknown`].
    pub const fn is_decided(self) -> bool {
        !matches!(self, Outcome::Unknown)
    }

    /// Cancelled or failed, by the hypervisors or by the trigger.
    pub const fn is_failure(self) -> bool {
        matches!(
            self,
            Outcome::Cancelled | Outcome::Failed | Outcome::TriggerFailed
        )
    }

    /// Cancelled or failed by the hypervisors' word.
    pub const fn is_hypervisor_failure(self) -> bool {
        matches!(self, Outcome::Cancelled | Outcome::Failed)
    }
}
