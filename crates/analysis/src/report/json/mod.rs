//! report.json: the stable, machine-readable result of a run (read back by CI,
//! `gate` and `compare`). Times on the run's timeline are integer realtime
//! nanoseconds (`*_ns`); durations are milliseconds rounded to the microsecond
//! (`*_ms`, 3 decimals).
//!
//! This module holds the document ([`Report`]), its writer ([`render`]) and
//! its strict reader ([`parse`]); the sections of one run are built next to
//! their types (`sections.rs`), those of a run of several migrations likewise
//! (`migrations.rs`).
//! It depends on no other renderer.

mod clocks;
mod coverage;
mod migrations;
mod nova;
pub mod plausible;
mod sections;
mod sessions;
mod units;

pub use clocks::ClockReport;
pub use coverage::{TargetUnobserved, UnobservedReport, WindowReport, MAX_LISTED_WINDOWS};
pub use sessions::SessionReport;

pub use migrations::{Distribution, MigrationEntry, Spread, P95_MIN_N};
pub use nova::{NovaNotificationReport, NovaReport, NovaStatusReport, NovaStepReport};
pub use sections::{
    BaselineReport, DowntimeReport, MigrationReport, OutageReport, PhaseReport, PhaseStatsReport,
    RunInfo, TargetMeta, TargetReport, TriggerReport,
};

use super::meta::ReportMeta;
use crate::analysis::model::{Analysis, OutageClass};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
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
    /// A report holding a figure that cannot be true (a negative duration, ...).
    #[error("invalid migprobe report: {0}; the file is damaged: re-create it from its run file (`migprobe report RUN.jsonl`)")]
    Implausible(plausible::Implausible),
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
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
    /// What the prober could not observe (absent in reports of older versions).
    #[serde(default)]
    pub unobserved: UnobservedReport,
    /// Things a reader must know.
    pub notes: Vec<String>,
    /// True when the run file has no footer (the run was killed).
    pub truncated: bool,
    /// Why the run ended (from the footer).
    pub end_reason: Option<String>,
    /// One entry per migration when the run held several (`run --repeat`); else empty.
    /// Each is a [`MigrationEntry`]; kept as JSON so that readers
    /// (gate, compare) accept entries from other versions leniently.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<MigrationEntry>")]
    pub migrations: Vec<serde_json::Value>,
    /// Distributions across `migrations` (absent for a single migration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<Distribution>,
    /// Each hypervisor host's clock against the prober's (absent when no
    /// event carried a host's own stamp).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clocks: Vec<ClockReport>,
    /// nova's view, for a run of `--openstack-server` (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nova: Option<NovaReport>,
}

/// "loss", "freeze" or "mixed".
pub(crate) fn class_name(c: OutageClass) -> &'static str {
    match c {
        OutageClass::Loss => "loss",
        OutageClass::Freeze => "freeze",
        OutageClass::Mixed => "mixed",
    }
}

/// Builds the report of an analysis.
pub fn build(a: &Analysis, meta: &ReportMeta) -> Report {
    Report {
        schema_version: REPORT_SCHEMA_VERSION,
        tool: "migprobe".into(),
        run: RunInfo::new(a, meta),
        trigger: a.trigger.as_ref().map(TriggerReport::from),
        migration: a.migration.as_ref().map(MigrationReport::from),
        downtime: a.downtime.as_ref().map(|d| DowntimeReport::new(a, d)),
        outages: a.outages.iter().map(|o| OutageReport::new(a, o)).collect(),
        phases: a.phases.iter().map(PhaseReport::from).collect(),
        per_phase: a.per_phase.iter().map(PhaseStatsReport::from).collect(),
        targets: a.summaries.iter().map(|s| TargetReport::of(s, a)).collect(),
        baseline: a.baseline.iter().map(BaselineReport::from).collect(),
        unobserved: UnobservedReport::new(a),
        notes: a.notes.clone(),
        truncated: a.truncated,
        end_reason: a.end_reason.clone(),
        migrations: Vec::new(),
        distribution: None,
        clocks: clocks::clocks(a),
        nova: a.nova.as_ref().map(NovaReport::from),
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

/// Reads a report back; a clear error for other files, other schema versions
/// and impossible figures ([`plausible`]).
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
    plausible::check(&v).map_err(ReportError::Implausible)?;
    serde_json::from_value(v).map_err(ReportError::Invalid)
}
