//! report.json: the stable, machine-readable result of a run (read back by CI,
//! `gate` and `compare`). Times on the run's timeline are integer realtime
//! nanoseconds (`*_ns`); durations are milliseconds rounded to the microsecond
//! (`*_ms`, 3 decimals).

use super::text::utc;
use super::ReportMeta;
use crate::analysis::model::{Analysis, OutageClass};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use thiserror::Error;

/// Version of the report.json schema; bumped on incompatible changes.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// Why bytes are not a usable report.
#[derive(Debug, Error)]
pub enum ReportError {
    /// Not JSON at all.
    #[error("not a migprobe report: not JSON ({0})")]
    NotJson(#[source] serde_json::Error),
    /// JSON, but not a report (no `schema_version`, not an object, other tool).
    #[error("not a migprobe report: {0}")]
    NotAReport(String),
    /// A report of another schema version.
    #[error("report schema version {found} is not supported; this migprobe reads version {REPORT_SCHEMA_VERSION}")]
    Version {
        /// The version found.
        found: u64,
    },
    /// A report of this version whose content does not match the schema.
    #[error("invalid migprobe report: {0}")]
    Invalid(#[source] serde_json::Error),
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`REPORT_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Always "migprobe".
    pub tool: String,
    /// How and where the run was made.
    pub run: RunInfo,
    /// The trigger command, if there was one.
    pub trigger: Option<TriggerReport>,
    /// How the migration ended, if hypervisor events were recorded.
    pub migration: Option<MigrationReport>,
    /// The headline: network-observed against hypervisor-reported downtime.
    pub downtime: Option<DowntimeReport>,
    /// Every outage of every target, by start time.
    pub outages: Vec<OutageReport>,
    /// Migration phases in order.
    pub phases: Vec<PhaseReport>,
    /// RTT and loss per phase and target.
    pub per_phase: Vec<PhaseStatsReport>,
    /// Totals per target.
    pub targets: Vec<TargetReport>,
    /// Warm-up baseline per target.
    pub baseline: Vec<BaselineReport>,
    /// Things a reader must know.
    pub notes: Vec<String>,
    /// True when the run file has no footer (the run was killed).
    pub truncated: bool,
    /// Why the run ended (from the footer).
    pub end_reason: Option<String>,
    /// One entry per migration when the run held several (`run --repeat`); else empty.
    /// Each is a [`super::campaign::MigrationEntry`]; kept as JSON so that readers
    /// (gate, compare) accept entries from other versions leniently.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub migrations: Vec<serde_json::Value>,
    /// Distributions across `migrations` (absent for a single migration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<super::campaign::Distribution>,
}

/// Run metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// "raw", "dgram" or null (no probes).
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

/// A target as listed in the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetMeta {
    /// Target id (position in the target list).
    pub id: u32,
    /// Address probed.
    pub addr: String,
    /// What the user typed.
    pub name: String,
}

/// The trigger command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// How the migration ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MigrationReport {
    /// "completed", "failed", "cancelled" or "unknown".
    pub result: String,
    /// The source's job statistics (libvirt's names and units), if any.
    pub statistics: Option<serde_json::Value>,
}

/// The headline downtime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DowntimeReport {
    /// Target id.
    pub target: u32,
    /// Target address.
    pub addr: String,
    /// Network-observed downtime.
    pub network_ms: f64,
    /// The true value lies in [lo, hi].
    pub bracket_ms: [f64; 2],
    /// libvirt's job `downtime`.
    pub hypervisor_ms: Option<f64>,
    /// QEMU STOP → RESUME.
    pub qemu_pause_ms: Option<f64>,
    /// `network_ms` − the hypervisor figure (QEMU pause, else libvirt's).
    pub difference_ms: Option<f64>,
    /// Part of the network downtime while the guest was paused.
    pub pause_part_ms: Option<f64>,
    /// Part after the destination resumed.
    pub convergence_part_ms: Option<f64>,
    /// "loss", "freeze" or "mixed".
    pub class: String,
}

/// One outage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// The true length lies in [lo, hi].
    pub bracket_ms: [f64; 2],
    /// Probes never answered.
    pub lost: u64,
    /// Probes answered late (queued).
    pub queued: u64,
    /// "loss", "freeze" or "mixed".
    pub class: String,
    /// Phase the outage started in.
    pub phase: Option<String>,
    /// First probe index not answered on time.
    pub first_index: u64,
    /// Last probe index not answered on time.
    pub last_index: u64,
}

/// One migration phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

/// RTT and loss of one target in one phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

/// Totals of one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

/// Baseline RTT of one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// "loss", "freeze" or "mixed".
pub fn class_name(c: OutageClass) -> &'static str {
    match c {
        OutageClass::Loss => "loss",
        OutageClass::Freeze => "freeze",
        OutageClass::Mixed => "mixed",
    }
}

/// Nanoseconds as milliseconds rounded to the microsecond (3 decimals).
fn ms(ns: i64) -> f64 {
    // Integer division first: exact for every i64, then at most 3 decimals.
    let us = ns / 1_000 + i64::from((ns % 1_000).abs() >= 500) * ns.signum();
    us as f64 / 1_000.0
}

/// Optional nanoseconds as optional milliseconds.
fn ms_opt(ns: Option<i64>) -> Option<f64> {
    ns.map(ms)
}

fn addr_of(a: &Analysis, id: u32) -> String {
    a.targets
        .iter()
        .find(|t| t.id == id)
        .map(|t| t.addr.to_string())
        .unwrap_or_default()
}

/// Builds the report of an analysis.
pub fn build(a: &Analysis, meta: &ReportMeta) -> Report {
    let start = a.start_ns;
    Report {
        schema_version: REPORT_SCHEMA_VERSION,
        tool: "migprobe".into(),
        run: RunInfo {
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
            targets: a
                .targets
                .iter()
                .map(|t| TargetMeta {
                    id: t.id,
                    addr: t.addr.to_string(),
                    name: t.name.clone(),
                })
                .collect(),
            run_argv: meta.run_argv.clone(),
            argv: meta.argv.clone(),
            run_dir: meta.run_dir.clone(),
            hypervisors: meta.hypervisors.clone(),
        },
        trigger: a.trigger.as_ref().map(|t| TriggerReport {
            argv: t.argv.clone(),
            exit_code: t.exit_code,
            started_ns: t.started_ns.map(|s| s.0),
            exited_ns: t.exited_ns.map(|s| s.0),
            duration_ms: match (t.started_ns, t.exited_ns) {
                (Some(s), Some(e)) => Some(ms(e.since(s))),
                _ => None,
            },
        }),
        migration: a.migration.as_ref().map(|m| MigrationReport {
            result: m.result.clone(),
            statistics: m.stats.clone(),
        }),
        downtime: a.downtime.as_ref().map(|d| DowntimeReport {
            target: d.target_id,
            addr: addr_of(a, d.target_id),
            network_ms: ms(d.network_ns),
            bracket_ms: [ms(d.bracket_lo_ns), ms(d.bracket_hi_ns)],
            hypervisor_ms: ms_opt(d.hypervisor_ns),
            qemu_pause_ms: ms_opt(d.qemu_pause_ns),
            difference_ms: ms_opt(d.difference_ns),
            pause_part_ms: ms_opt(d.pause_part_ns),
            convergence_part_ms: ms_opt(d.convergence_part_ns),
            class: class_name(d.class).into(),
        }),
        outages: a
            .outages
            .iter()
            .map(|o| OutageReport {
                target: o.target_id,
                addr: addr_of(a, o.target_id),
                start_ns: o.start_ns.0,
                end_ns: o.end_ns.0,
                offset_ms: ms(o.start_ns.since(start)),
                estimate_ms: ms(o.estimate_ns),
                bracket_ms: [ms(o.bracket_lo_ns), ms(o.bracket_hi_ns)],
                lost: o.lost,
                queued: o.queued,
                class: class_name(o.class).into(),
                phase: o.phase.clone(),
                first_index: o.first_index,
                last_index: o.last_index,
            })
            .collect(),
        phases: a
            .phases
            .iter()
            .map(|p| PhaseReport {
                name: p.name.clone(),
                start_ns: p.start_ns.0,
                end_ns: p.end_ns.0,
                duration_ms: ms(p.end_ns.since(p.start_ns)),
                iterations: p.iterations,
            })
            .collect(),
        per_phase: a
            .per_phase
            .iter()
            .map(|s| PhaseStatsReport {
                phase: s.phase.clone(),
                target: s.target_id,
                sent: s.sent,
                lost: s.lost,
                rtt_p50_ms: ms_opt(s.rtt_p50_ns),
                rtt_p99_ms: ms_opt(s.rtt_p99_ns),
                rtt_max_ms: ms_opt(s.rtt_max_ns),
            })
            .collect(),
        targets: a
            .summaries
            .iter()
            .map(|s| TargetReport {
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
            })
            .collect(),
        baseline: a
            .baseline
            .iter()
            .map(|b| BaselineReport {
                target: b.target_id,
                samples: b.samples,
                rtt_p50_ms: ms(b.rtt_p50_ns),
                rtt_p99_ms: ms(b.rtt_p99_ns),
            })
            .collect(),
        notes: a.notes.clone(),
        truncated: a.truncated,
        end_reason: a.end_reason.clone(),
        migrations: Vec::new(),
        distribution: None,
    }
}

/// The report as pretty JSON, with a final newline.
pub fn render(r: &Report) -> Vec<u8> {
    // Serializing plain structs, strings, finite floats and JSON values cannot fail;
    // should it ever, the error itself is still valid JSON for a reader to see.
    let mut out = serde_json::to_vec_pretty(r).unwrap_or_else(|e| {
        serde_json::to_vec(&serde_json::json!({ "error": e.to_string() })).unwrap_or_default()
    });
    out.push(b'\n');
    out
}

/// Reads a report back; a clear error for other files and other schema versions.
pub fn parse(bytes: &[u8]) -> Result<Report, ReportError> {
    let v: serde_json::Value = serde_json::from_slice(bytes).map_err(ReportError::NotJson)?;
    let obj = v
        .as_object()
        .ok_or_else(|| ReportError::NotAReport("the top level is not an object".into()))?;
    if let Some(tool) = obj.get("tool").and_then(|t| t.as_str()) {
        if tool != "migprobe" {
            return Err(ReportError::NotAReport(format!(
                "written by {tool:?}, not migprobe"
            )));
        }
    }
    let found = match obj.get("schema_version") {
        None => {
            let hint = if obj.get("type").and_then(|t| t.as_str()) == Some("header") {
                " (this looks like a run file: use `migprobe report` on it)"
            } else {
                ""
            };
            return Err(ReportError::NotAReport(format!(
                "no \"schema_version\"{hint}"
            )));
        }
        Some(s) => s.as_u64().ok_or_else(|| {
            ReportError::NotAReport(format!("\"schema_version\" is {s}, not a number"))
        })?,
    };
    if found != u64::from(REPORT_SCHEMA_VERSION) {
        return Err(ReportError::Version { found });
    }
    serde_json::from_value(v).map_err(ReportError::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_rounded_to_the_microsecond() {
        for (ns, want) in [
            (182_456_789, 182.457),
            (500, 0.001),
            (499, 0.0),
            (-1_500, -0.002),
            (0, 0.0),
            (1_000_000, 1.0),
        ] {
            assert_eq!(ms(ns), want, "{ns}");
        }
        assert!(ms(i64::MAX).is_finite() && ms(i64::MIN).is_finite());
    }
}
