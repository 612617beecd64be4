//! The sections of report.json for one run, each built from the analysis'
//! part it reports: times on the run's timeline as integer realtime
//! nanoseconds, durations as milliseconds rounded to the microsecond ([`ms`]).
//! Field names and meanings are the stable schema; add, never rename.

use super::class_name;
use super::sessions::SessionReport;
pub(crate) use super::units::{ms, ms_opt};
use crate::analysis::model::{
    Analysis, Baseline, Downtime, MigrationInfo, Outage, Phase, PhaseStats, TriggerInfo,
};
use crate::analysis::TargetSummary;
use crate::report::meta::ReportMeta;
use crate::report::text::utc;
use migprobe_probe::record::TargetInfo;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Address of target `id` ("" when the run does not list it).
pub(super) fn addr_of(a: &Analysis, id: u32) -> String {
    a.targets
        .iter()
        .find(|t| t.id == id)
        .map(|t| t.addr.to_string())
        .unwrap_or_default()
}

/// Run metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunInfo {
    /// migprobe version that recorded the run.
    pub tool_version: String,
    /// migprobe version that wrote this report.
    pub report_version: String,
    /// Host name of the prober.
    pub host: String,
    /// Kernel release of the prober.
    pub kernel: String,
    /// First slot, realtime ns.
    pub start_ns: i64,
    /// Last record, realtime ns.
    pub end_ns: i64,
    /// `start_ns` as UTC text.
    pub start_utc: String,
    /// Run length.
    pub duration_ms: f64,
    /// Probe interval per target.
    pub interval_ms: f64,
    /// Consecutive misses that make a loss outage.
    pub min_loss_run: u32,
    /// "raw", "dgram" or null (no probes, or `tcp-session` probes on connected TCP sockets).
    pub socket: Option<String>,
    /// The targets probed.
    pub targets: Vec<TargetMeta>,
    /// The command line that recorded the run.
    pub run_argv: Vec<String>,
    /// The command line that wrote this report.
    pub argv: Vec<String>,
    /// Directory of the outputs.
    pub run_dir: Option<String>,
    /// Per origin ("src", "dst"): what the hypervisor side said about itself
    /// (host name, libvirt and hypervisor versions, URI, ...). Open map.
    pub hypervisors: BTreeMap<String, serde_json::Value>,
}

impl RunInfo {
    /// The run's metadata: `meta` and the analysis' time span and targets.
    pub(crate) fn new(a: &Analysis, meta: &ReportMeta) -> RunInfo {
        RunInfo {
            tool_version: meta.tool_version.clone(),
            report_version: env!("CARGO_PKG_VERSION").into(),
            host: meta.host.clone(),
            kernel: meta.kernel.clone(),
            start_ns: a.start_ns.0,
            end_ns: a.end_ns.0,
            start_utc: utc(a.start_ns.0),
            duration_ms: ms(a.end_ns.since(a.start_ns)),
            interval_ms: ms(a.interval_ns),
            min_loss_run: a.min_loss_run,
            socket: meta.socket.clone(),
            targets: a.targets.iter().map(TargetMeta::from).collect(),
            run_argv: meta.run_argv.clone(),
            argv: meta.argv.clone(),
            run_dir: meta.run_dir.clone(),
            hypervisors: meta.hypervisors.clone(),
        }
    }
}

/// A target as listed in the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TargetMeta {
    /// Target id (position in the target list).
    pub id: u32,
    /// Address probed.
    pub addr: String,
    /// What the user typed.
    pub name: String,
    /// The probe kind, `tcp:PORT`, `udp:PORT` or `tcp-session:PORT`; absent for ICMP echo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<String>,
}

impl From<&TargetInfo> for TargetMeta {
    fn from(t: &TargetInfo) -> TargetMeta {
        TargetMeta {
            id: t.id,
            addr: t.addr.to_string(),
            name: t.name.clone(),
            probe: t.probe.map(|k| k.to_string()),
        }
    }
}

/// The trigger command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TriggerReport {
    /// The command.
    pub argv: Vec<String>,
    /// Exit code; null if killed by a signal or still running at the end.
    pub exit_code: Option<i32>,
    /// When it started, realtime ns.
    pub started_ns: Option<i64>,
    /// When it exited, realtime ns.
    pub exited_ns: Option<i64>,
    /// How long it ran.
    pub duration_ms: Option<f64>,
}

impl From<&TriggerInfo> for TriggerReport {
    fn from(t: &TriggerInfo) -> TriggerReport {
        TriggerReport {
            argv: t.argv.clone(),
            exit_code: t.exit_code,
            started_ns: t.started_ns.map(|s| s.0),
            exited_ns: t.exited_ns.map(|s| s.0),
            duration_ms: match (t.started_ns, t.exited_ns) {
                (Some(s), Some(e)) => Some(ms(e.since(s))),
                _ => None,
            },
        }
    }
}

/// How the migration ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MigrationReport {
    /// "completed", "failed", "cancelled" or "unknown".
    pub result: String,
    /// The source's job statistics (libvirt's names and units), if any.
    pub statistics: Option<serde_json::Value>,
}

impl From<&MigrationInfo> for MigrationReport {
    fn from(m: &MigrationInfo) -> MigrationReport {
        MigrationReport {
            result: m.result.as_str().into(),
            statistics: m.stats.clone(),
        }
    }
}

/// The headline downtime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DowntimeReport {
    /// In a run of several migrations: the migration shown (its `index` in
    /// `migrations`), the worst by network downtime; absent for one migration
    /// and in the entries of `migrations`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migration: Option<u32>,
    /// Target id.
    pub target: u32,
    /// Target address.
    pub addr: String,
    /// Network-observed downtime.
    pub network_ms: f64,
    /// The true value lies in [lo, hi]; with `open_end`, hi is only where
    /// probing stopped.
    pub bracket_ms: [f64; 2],
    /// Present (true) when the target had not answered again when probing
    /// stopped: `network_ms` is a lower bound, the downtime is at least
    /// `bracket_ms[0]` and has no upper bound.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub open_end: bool,
    /// libvirt's job `downtime`.
    pub hypervisor_ms: Option<f64>,
    /// QEMU STOP → RESUME.
    pub qemu_pause_ms: Option<f64>,
    /// Present when `qemu_pause_ms` is not on QEMU's own µs clocks: one side's
    /// time is when the event was received, to this resolution (virsh
    /// `--timestamp`: 1 ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qemu_pause_resolution_ms: Option<f64>,
    /// Present when QEMU's times were moved onto the prober's clock (see
    /// `clocks`): `qemu_pause_ms` is within ± this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qemu_pause_uncertainty_ms: Option<f64>,
    /// `network_ms` − the hypervisor figure (QEMU pause, else libvirt's).
    pub difference_ms: Option<f64>,
    /// Part of the network downtime before the guest was paused: the target
    /// was already unresponsive before the source's STOP. With
    /// `pause_part_ms` and `convergence_part_ms` it adds up to `network_ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_pause_part_ms: Option<f64>,
    /// Part of the network downtime while the guest was paused.
    pub pause_part_ms: Option<f64>,
    /// Part after the destination resumed.
    pub convergence_part_ms: Option<f64>,
    /// "loss", "freeze" or "mixed".
    pub class: String,
}

impl DowntimeReport {
    /// `open_end` of a downtime object read leniently as JSON (report.json's
    /// `downtime` or a `migrations` entry's): absent means false.
    pub fn open_end_of(d: &serde_json::Value) -> bool {
        d.get("open_end").and_then(serde_json::Value::as_bool) == Some(true)
    }

    /// The headline `d` of `a` (which knows the target's address).
    pub(crate) fn new(a: &Analysis, d: &Downtime) -> DowntimeReport {
        DowntimeReport {
            migration: a.campaign.as_ref().and_then(|c| c.shown),
            target: d.target_id,
            addr: addr_of(a, d.target_id),
            network_ms: ms(d.network_ns),
            bracket_ms: [ms(d.bracket_lo_ns), ms(d.bracket_hi_ns)],
            open_end: d.open_end,
            hypervisor_ms: ms_opt(d.hypervisor_ns),
            qemu_pause_ms: ms_opt(d.qemu_pause_ns),
            qemu_pause_resolution_ms: ms_opt(d.qemu_pause_resolution_ns),
            qemu_pause_uncertainty_ms: d
                .qemu_pause_ns
                .and_then(|_| super::clocks::pause_uncertainty_ms(a)),
            difference_ms: ms_opt(d.difference_ns),
            before_pause_part_ms: ms_opt(d.before_pause_part_ns),
            pause_part_ms: ms_opt(d.pause_part_ns),
            convergence_part_ms: ms_opt(d.convergence_part_ns),
            class: class_name(d.class).into(),
        }
    }
}

/// One outage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OutageReport {
    /// Target id.
    pub target: u32,
    /// Target address.
    pub addr: String,
    /// Estimated start, realtime ns.
    pub start_ns: i64,
    /// Estimated end, realtime ns.
    pub end_ns: i64,
    /// Start from the run start.
    pub offset_ms: f64,
    /// Estimated length.
    pub estimate_ms: f64,
    /// The true length lies in [lo, hi]; with `open_end`, hi is only where
    /// probing stopped.
    pub bracket_ms: [f64; 2],
    /// Present (true) when the target had not answered again when probing
    /// stopped: the outage lasted at least `bracket_ms[0]`, with no upper bound.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub open_end: bool,
    /// Probes never answered.
    pub lost: u64,
    /// Probes answered late (queued).
    pub queued: u64,
    /// "loss", "freeze" or "mixed".
    pub class: String,
    /// Phase the outage started in (of its `migration`, in a run of several).
    pub phase: Option<String>,
    /// In a run of several migrations: the migration (its `index` in
    /// `migrations`) whose window (trigger start to the next trigger start)
    /// the outage started in; absent before the first trigger and for one migration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migration: Option<u32>,
    /// First probe index not answered on time.
    pub first_index: u64,
    /// Last probe index not answered on time.
    pub last_index: u64,
}

impl OutageReport {
    /// Outage `o` of `a` (which knows the target's address and the run start).
    pub(crate) fn new(a: &Analysis, o: &Outage) -> OutageReport {
        OutageReport {
            target: o.target_id,
            addr: addr_of(a, o.target_id),
            start_ns: o.start_ns.0,
            end_ns: o.end_ns.0,
            offset_ms: ms(o.start_ns.since(a.start_ns)),
            estimate_ms: ms(o.estimate_ns),
            bracket_ms: [ms(o.bracket_lo_ns), ms(o.bracket_hi_ns)],
            open_end: o.open_end,
            lost: o.lost,
            queued: o.queued,
            class: class_name(o.class).into(),
            phase: o.phase.map(|p| p.as_str().to_owned()),
            migration: o.migration,
            first_index: o.first_index,
            last_index: o.last_index,
        }
    }
}

/// One migration phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PhaseReport {
    /// Phase name.
    pub name: String,
    /// Start, realtime ns.
    pub start_ns: i64,
    /// End, realtime ns.
    pub end_ns: i64,
    /// Length.
    pub duration_ms: f64,
    /// RAM pre-copy iterations (memory_precopy only).
    pub iterations: Option<u32>,
    /// In a run of several migrations: the migration (its `index` in `migrations`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migration: Option<u32>,
}

impl From<&Phase> for PhaseReport {
    fn from(p: &Phase) -> PhaseReport {
        PhaseReport {
            name: p.name.as_str().to_owned(),
            start_ns: p.start_ns.0,
            end_ns: p.end_ns.0,
            duration_ms: ms(p.end_ns.since(p.start_ns)),
            iterations: p.iterations,
            migration: p.migration,
        }
    }
}

/// RTT and loss of one target in one phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PhaseStatsReport {
    /// Phase name.
    pub phase: String,
    /// Target id.
    pub target: u32,
    /// Probes sent in the phase.
    pub sent: u64,
    /// Of those, never answered.
    pub lost: u64,
    /// RTT median.
    pub rtt_p50_ms: Option<f64>,
    /// RTT 99th percentile.
    pub rtt_p99_ms: Option<f64>,
    /// RTT maximum.
    pub rtt_max_ms: Option<f64>,
    /// In a run of several migrations: the migration (its `index` in `migrations`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migration: Option<u32>,
}

impl From<&PhaseStats> for PhaseStatsReport {
    fn from(s: &PhaseStats) -> PhaseStatsReport {
        PhaseStatsReport {
            phase: s.phase.as_str().to_owned(),
            target: s.target_id,
            sent: s.sent,
            lost: s.lost,
            rtt_p50_ms: ms_opt(s.rtt_p50_ns),
            rtt_p99_ms: ms_opt(s.rtt_p99_ns),
            rtt_max_ms: ms_opt(s.rtt_max_ns),
            migration: s.migration,
        }
    }
}

/// Totals of one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TargetReport {
    /// Target id.
    pub target: u32,
    /// Address.
    pub addr: String,
    /// Probes sent.
    pub sent: u64,
    /// Answered.
    pub answered: u64,
    /// Answered after more than 10 intervals.
    pub late: u64,
    /// Never answered.
    pub lost: u64,
    /// Not settled when the run file ends.
    pub unsettled: u64,
    /// Duplicate replies.
    pub duplicates: u64,
    /// Send failures and ICMP errors.
    pub errors: u64,
    /// Slots skipped by the sender.
    pub skipped: u64,
    /// RTT minimum.
    pub rtt_min_ms: Option<f64>,
    /// RTT median.
    pub rtt_p50_ms: Option<f64>,
    /// RTT 99th percentile.
    pub rtt_p99_ms: Option<f64>,
    /// RTT 99.9th percentile.
    pub rtt_p999_ms: Option<f64>,
    /// RTT maximum.
    pub rtt_max_ms: Option<f64>,
    /// Longest time between two consecutive replies.
    pub longest_reply_gap_ms: Option<f64>,
    /// Longest run of consecutive unanswered probes.
    pub longest_unanswered_run: u64,
    /// The probe kind (`tcp:PORT`, `udp:PORT`, `tcp-session:PORT`); absent for ICMP echo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<String>,
    /// `tcp-session:PORT` targets: the application's view of the connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionReport>,
}

impl TargetReport {
    /// The totals of `s` with its target's probe kind and TCP session from `a`.
    pub(crate) fn of(s: &TargetSummary, a: &Analysis) -> TargetReport {
        let id = s.target_id;
        let target = a.targets.iter().find(|t| t.id == id);
        TargetReport {
            probe: target.and_then(|t| t.probe).map(|k| k.to_string()),
            session: a
                .sessions
                .iter()
                .find(|v| v.target_id == id)
                .map(SessionReport::from),
            ..TargetReport::from(s)
        }
    }
}

impl From<&TargetSummary> for TargetReport {
    fn from(s: &TargetSummary) -> TargetReport {
        TargetReport {
            target: s.target_id,
            addr: s.addr.to_string(),
            sent: s.sent,
            answered: s.answered,
            late: s.late,
            lost: s.lost,
            unsettled: s.unsettled,
            duplicates: s.duplicates,
            errors: s.errors,
            skipped: s.skipped,
            rtt_min_ms: ms_opt(s.rtt_min_ns),
            rtt_p50_ms: ms_opt(s.rtt_p50_ns),
            rtt_p99_ms: ms_opt(s.rtt_p99_ns),
            rtt_p999_ms: ms_opt(s.rtt_p999_ns),
            rtt_max_ms: ms_opt(s.rtt_max_ns),
            longest_reply_gap_ms: ms_opt(s.longest_reply_gap_ns),
            longest_unanswered_run: s.longest_unanswered_run,
            probe: None,
            session: None,
        }
    }
}

/// Baseline RTT of one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BaselineReport {
    /// Target id.
    pub target: u32,
    /// Replies used.
    pub samples: u64,
    /// Median RTT.
    pub rtt_p50_ms: f64,
    /// 99th percentile RTT.
    pub rtt_p99_ms: f64,
}

impl From<&Baseline> for BaselineReport {
    fn from(b: &Baseline) -> BaselineReport {
        BaselineReport {
            target: b.target_id,
            samples: b.samples,
            rtt_p50_ms: ms(b.rtt_p50_ns),
            rtt_p99_ms: ms(b.rtt_p99_ns),
        }
    }
}
