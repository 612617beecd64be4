//! `migprobe compare`: several report.json files side by side — every
//! headline figure with its delta against the first run ([`table`]), the
//! gate's own verdict on each run against the first ([`verdict`], by
//! [`crate::baseline`]), compare.md ([`markdown`]), and a chart overlaying the
//! downtime distributions and the RTT traces around the switchover ([`svg`]).
//!
//! Pure: [`load`] works on bytes, the renderers return text; the command
//! (`migprobe::commands::compare`) owns the files.
//!
//! A report holds one migration (`downtime`) or, from `run --repeat`, a
//! `migrations` array with one `downtime` object per migration; [`load`]
//! reads both (the array wins when present), so one run contributes one or
//! more samples to each figure.

pub mod json;
pub mod markdown;
pub mod svg;
pub mod table;
pub mod trace;
pub mod verdict;

use crate::baseline::{judge, Judgement, Policy};
use crate::report::json::{self as rjson, Report, ReportError};
use serde_json::Value;
use thiserror::Error;

pub use trace::Trace;

/// Why a file cannot be compared.
#[derive(Debug, Error)]
pub enum LoadError {
    /// A run file (JSON Lines, `type: header`) where a report was expected.
    #[error("{name} is a run file, not a report: run `migprobe report {name}` first and compare the report.json it writes")]
    RunFile {
        /// The file as named on the command line.
        name: String,
    },
    /// Not a usable report (not JSON, other tool, other schema version, invalid).
    #[error("{name}: {source}{hint}")]
    Report {
        /// The file as named on the command line.
        name: String,
        /// The cause.
        #[source]
        source: ReportError,
        /// What to do about it.
        hint: &'static str,
    },
}

/// The figures of one migration (milliseconds unless named otherwise).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Migration {
    /// Network-observed downtime.
    pub network_ms: Option<f64>,
    /// Its error bracket.
    pub bracket_ms: Option<[f64; 2]>,
    /// The downtime had not ended when probing stopped: `network_ms` is a lower bound.
    pub open_end: bool,
    /// libvirt's `downtime`.
    pub hypervisor_ms: Option<f64>,
    /// QEMU STOP → RESUME.
    pub qemu_pause_ms: Option<f64>,
    /// Network − hypervisor.
    pub difference_ms: Option<f64>,
    /// Part of the network downtime after the destination resumed.
    pub convergence_ms: Option<f64>,
    /// Migration total time: how long the trigger ran.
    pub total_ms: Option<f64>,
    /// Length of the `storage_copy` phase.
    pub storage_copy_ms: Option<f64>,
    /// Probes never answered in the headline outage.
    pub lost: Option<u64>,
    /// Start of the headline outage, realtime ns.
    pub outage_start_ns: Option<i64>,
    /// End of the headline outage, realtime ns.
    pub outage_end_ns: Option<i64>,
    /// Target of the headline downtime (address).
    pub target_addr: Option<String>,
    /// When the source paused the guest (start of `switchover`), realtime ns.
    pub suspend_ns: Option<i64>,
}

/// One report, ready to compare.
#[derive(Debug, Clone, PartialEq)]
pub struct RunFigures {
    /// Label (from `--labels`, else derived from the path).
    pub label: String,
    /// The file as named on the command line.
    pub source: String,
    /// The report itself.
    pub report: Report,
    /// One entry per migration (empty: the report has no headline downtime).
    pub migrations: Vec<Migration>,
    /// RTT p99 per target address, over the whole run.
    pub rtt_p99_ms: Vec<(String, Option<f64>)>,
    /// True when the samples came from a `migrations` array.
    pub repeated: bool,
}

impl RunFigures {
    /// The samples of `metric`, one per migration that has it.
    pub fn samples(&self, metric: Metric) -> Vec<f64> {
        self.migrations
            .iter()
            .filter_map(|m| metric.of(m))
            .filter(|v| v.is_finite())
            .collect()
    }

    /// The migration whose switchover the RTT trace is aligned on (the first
    /// one with a headline outage or a switchover).
    pub fn aligned_migration(&self) -> Option<&Migration> {
        self.migrations
            .iter()
            .find(|m| m.suspend_ns.is_some() || m.outage_start_ns.is_some())
    }
}

/// A figure compared across runs; each migration gives at most one sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Network-observed downtime.
    Network,
    /// libvirt's downtime.
    Hypervisor,
    /// QEMU STOP → RESUME.
    QemuPause,
    /// Network − hypervisor.
    Difference,
    /// Network convergence after resume.
    Convergence,
    /// Trigger duration.
    Total,
    /// Storage copy phase.
    StorageCopy,
    /// Lost probes in the headline outage.
    Lost,
}

impl Metric {
    /// Every metric, in table order.
    pub const ALL: [Metric; 8] = [
        Metric::Network,
        Metric::Hypervisor,
        Metric::QemuPause,
        Metric::Difference,
        Metric::Convergence,
        Metric::Total,
        Metric::StorageCopy,
        Metric::Lost,
    ];

    /// Name for people.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Network => "network downtime",
            Metric::Hypervisor => "hypervisor downtime (libvirt)",
            Metric::QemuPause => "QEMU pause",
            Metric::Difference => "difference (network − hypervisor)",
            Metric::Convergence => "network convergence part",
            Metric::Total => "migration total time (trigger)",
            Metric::StorageCopy => "storage copy",
            Metric::Lost => "lost probes in the headline outage",
        }
    }

    /// True for counts, false for durations in milliseconds.
    pub fn is_count(self) -> bool {
        self == Metric::Lost
    }

    /// The value of this metric in one migration.
    pub fn of(self, m: &Migration) -> Option<f64> {
        match self {
            Metric::Network => m.network_ms,
            Metric::Hypervisor => m.hypervisor_ms,
            Metric::QemuPause => m.qemu_pause_ms,
            Metric::Difference => m.difference_ms,
            Metric::Convergence => m.convergence_ms,
            Metric::Total => m.total_ms,
            Metric::StorageCopy => m.storage_copy_ms,
            Metric::Lost => m.lost.map(|n| n as f64),
        }
    }
}

/// `metric` of `run` against `base` by the gate's rule ([`crate::baseline`]);
/// `None` when a side has no value.
pub fn judge_metric(
    metric: Metric,
    base: &RunFigures,
    run: &RunFigures,
    policy: &Policy,
) -> Option<Judgement> {
    judge(&base.samples(metric), &run.samples(metric), policy)
}

/// A label from a path: the report's directory name (`before/report.json` →
/// `before`), else the file stem.
pub fn default_label(path: &str) -> String {
    let p = std::path::Path::new(path);
    let stem = p
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if stem == "report" {
        if let Some(dir) = p
            .parent()
            .and_then(|d| d.file_name())
            .map(|d| d.to_string_lossy().into_owned())
        {
            return dir;
        }
    }
    if stem.is_empty() {
        path.to_owned()
    } else {
        stem
    }
}

/// True when the first line of `bytes` is a run-file header.
fn is_run_file(bytes: &[u8]) -> bool {
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    serde_json::from_slice::<Value>(first)
        .ok()
        .and_then(|v| v.get("type").and_then(Value::as_str).map(|t| t == "header"))
        .unwrap_or(false)
}

/// Reads one report (`name` is the file as given, for messages).
pub fn load(label: &str, name: &str, bytes: &[u8]) -> Result<RunFigures, LoadError> {
    if is_run_file(bytes) {
        return Err(LoadError::RunFile {
            name: name.to_owned(),
        });
    }
    let report = rjson::parse(bytes).map_err(|source| {
        let hint = match source {
            // The message already says what to do.
            ReportError::Implausible(_) => "",
            ReportError::Version { .. } => {
                ": re-create it from its run.jsonl with this migprobe (`migprobe report RUN.jsonl`)"
            }
            _ => ": give the report.json that `migprobe run` or `migprobe report` wrote",
        };
        LoadError::Report {
            name: name.to_owned(),
            source,
            hint,
        }
    })?;
    // `parse` accepted the bytes, so they are JSON.
    let value: Value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
    let (migrations, repeated) = match value.get("migrations").and_then(Value::as_array) {
        Some(list) => (
            list.iter()
                .filter(|e| e.get("downtime").is_some_and(Value::is_object))
                .map(|e| from_entry(e, &report))
                .collect(),
            true,
        ),
        None => (single(&report).into_iter().collect(), false),
    };
    let rtt_p99_ms = report
        .targets
        .iter()
        .map(|t| (t.addr.clone(), t.rtt_p99_ms))
        .collect();
    Ok(RunFigures {
        label: label.to_owned(),
        source: name.to_owned(),
        report,
        migrations,
        rtt_p99_ms,
        repeated,
    })
}

/// The outage of `target` whose estimate is the headline's, else (`closest`)
/// the one nearest to it.
fn headline_outage<'a>(
    outages: &'a [rjson::OutageReport],
    target: u32,
    network_ms: f64,
    class: &str,
    closest: bool,
) -> Option<&'a rjson::OutageReport> {
    let mine = || outages.iter().filter(move |o| o.target == target);
    mine()
        .find(|o| (o.estimate_ms - network_ms).abs() < 0.0005 && o.class == class)
        .or_else(|| {
            if !closest {
                return None;
            }
            mine().min_by(|a, b| {
                (a.estimate_ms - network_ms)
                    .abs()
                    .total_cmp(&(b.estimate_ms - network_ms).abs())
            })
        })
}

fn phase_ms(phases: &[rjson::PhaseReport], name: &str) -> Option<f64> {
    phases
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.duration_ms)
}

fn phase_start(phases: &[rjson::PhaseReport], name: &str) -> Option<i64> {
    phases.iter().find(|p| p.name == name).map(|p| p.start_ns)
}

/// The one migration of a report without a `migrations` array.
fn single(r: &Report) -> Option<Migration> {
    let d = r.downtime.as_ref()?;
    let o = headline_outage(&r.outages, d.target, d.network_ms, &d.class, true);
    Some(Migration {
        network_ms: Some(d.network_ms),
        bracket_ms: Some(d.bracket_ms),
        open_end: d.open_end,
        hypervisor_ms: d.hypervisor_ms,
        qemu_pause_ms: d.qemu_pause_ms,
        difference_ms: d.difference_ms,
        convergence_ms: d.convergence_part_ms,
        total_ms: r.trigger.as_ref().and_then(|t| t.duration_ms),
        storage_copy_ms: phase_ms(&r.phases, "storage_copy"),
        lost: o.map(|o| o.lost),
        outage_start_ns: o.map(|o| o.start_ns),
        outage_end_ns: o.map(|o| o.end_ns),
        target_addr: Some(d.addr.clone()),
        suspend_ns: phase_start(&r.phases, "switchover"),
    })
}

fn num(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64).filter(|x| x.is_finite())
}

fn int(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(Value::as_i64)
}

/// One entry of a `migrations` array: its own `downtime` object (the fields
/// of report.json's `downtime`), and where present its `phases`, its
/// `trigger` (or `duration_ms`) and its `outages`; the headline outage is
/// looked up in the entry's outages, else in the report's.
fn from_entry(e: &Value, r: &Report) -> Migration {
    let d = e.get("downtime").unwrap_or(&Value::Null);
    let network_ms = num(d, "network_ms");
    let bracket_ms = d.get("bracket_ms").and_then(Value::as_array).and_then(|b| {
        match (
            b.first().and_then(Value::as_f64),
            b.get(1).and_then(Value::as_f64),
        ) {
            (Some(lo), Some(hi)) if lo.is_finite() && hi.is_finite() => Some([lo, hi]),
            _ => None,
        }
    });
    let phases: Vec<rjson::PhaseReport> = e
        .get("phases")
        .and_then(|p| serde_json::from_value(p.clone()).ok())
        .unwrap_or_default();
    let own_outages: Option<Vec<rjson::OutageReport>> = e
        .get("outages")
        .and_then(|p| serde_json::from_value(p.clone()).ok());
    let target = d.get("target").and_then(Value::as_u64).map(|t| t as u32);
    let class = d.get("class").and_then(Value::as_str).unwrap_or_default();
    let outage = match (target, network_ms) {
        (Some(t), Some(n)) => {
            let own = own_outages
                .as_deref()
                .and_then(|list| headline_outage(list, t, n, class, true));
            // The report's own list spans every migration: only an exact match counts.
            own.or_else(|| headline_outage(&r.outages, t, n, class, false))
                .cloned()
        }
        _ => None,
    };
    let total_ms = e
        .get("trigger")
        .and_then(|t| num(t, "duration_ms"))
        .or_else(|| num(e, "duration_ms"));
    Migration {
        network_ms,
        bracket_ms,
        open_end: rjson::DowntimeReport::open_end_of(d),
        hypervisor_ms: num(d, "hypervisor_ms"),
        qemu_pause_ms: num(d, "qemu_pause_ms"),
        difference_ms: num(d, "difference_ms"),
        convergence_ms: num(d, "convergence_part_ms"),
        total_ms,
        storage_copy_ms: phase_ms(&phases, "storage_copy"),
        lost: d
            .get("lost")
            .and_then(Value::as_u64)
            .or(outage.as_ref().map(|o| o.lost)),
        outage_start_ns: outage.as_ref().map(|o| o.start_ns),
        outage_end_ns: outage.as_ref().map(|o| o.end_ns),
        target_addr: d.get("addr").and_then(Value::as_str).map(str::to_owned),
        suspend_ns: phase_start(&phases, "switchover").or_else(|| int(e, "suspend_ns")),
    }
}

/// Two runs for unit tests, "before" and "after", built from the committed
/// example report with one migration per value: network downtime `x`,
/// hypervisor downtime `x / 2`.
#[cfg(test)]
pub(crate) fn fixture_runs(a: &[f64], b: &[f64]) -> Vec<RunFigures> {
    let base = load(
        "a",
        "a.json",
        include_bytes!("../../../../tests/fixtures/gate/report-v0.1.json"),
    )
    .unwrap();
    let with = |label: &str, xs: &[f64]| {
        let mut r = base.clone();
        r.label = label.to_owned();
        r.migrations = xs
            .iter()
            .map(|&x| Migration {
                network_ms: Some(x),
                hypervisor_ms: Some(x / 2.0),
                ..Migration::default()
            })
            .collect();
        r
    };
    vec![with("before", a), with("after", b)]
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../../../tests/fixtures/gate/report-v0.1.json");

    #[test]
    fn a_single_migration_report() {
        let f = load("before", "r.json", EXAMPLE.as_bytes()).unwrap();
        assert!(!f.repeated);
        assert_eq!(f.migrations.len(), 1);
        let m = &f.migrations[0];
        assert_eq!(m.network_ms, Some(193.985));
        assert_eq!(m.lost, Some(106));
        assert_eq!(m.storage_copy_ms, Some(175.708));
        assert_eq!(m.total_ms, Some(3242.379));
        assert_eq!(m.suspend_ns, Some(1_795_642_748_410_447_000));
        assert_eq!(f.samples(Metric::Hypervisor), vec![109.0]);
        assert_eq!(f.rtt_p99_ms.len(), 2);
    }

    #[test]
    fn a_migrations_array_wins() {
        let mut v: Value = serde_json::from_str(EXAMPLE).unwrap();
        let entry = |n: f64| {
            serde_json::json!({"downtime": {"target": 1, "addr": "2001:db8::10", "network_ms": n,
              "bracket_ms": [n - 0.5, n + 0.5], "hypervisor_ms": 100.0, "class": "loss"},
              "phases": [{"name": "storage_copy", "start_ns": 1, "end_ns": 2, "duration_ms": 50.0, "iterations": null}],
              "trigger": {"duration_ms": 3000.0}})
        };
        v["migrations"] = serde_json::json!([entry(150.0), entry(160.0), {"failed": true}]);
        let f = load("x", "x.json", v.to_string().as_bytes()).unwrap();
        assert!(f.repeated);
        assert_eq!(f.samples(Metric::Network), vec![150.0, 160.0]);
        assert_eq!(f.samples(Metric::StorageCopy), vec![50.0, 50.0]);
        assert_eq!(f.samples(Metric::Total), vec![3000.0, 3000.0]);
        assert!(f.samples(Metric::QemuPause).is_empty());
    }

    #[test]
    fn bad_inputs_are_named() {
        let e = load(
            "a",
            "run.jsonl",
            b"{\"type\":\"header\"}\n{\"type\":\"probe\"}\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("run.jsonl is a run file"), "{e}");
        let e = load(
            "a",
            "a.json",
            EXAMPLE
                .replace("\"schema_version\": 1", "\"schema_version\": 9")
                .as_bytes(),
        )
        .unwrap_err();
        assert!(
            e.to_string().starts_with("a.json: report schema version 9"),
            "{e}"
        );
        for bad in [&b""[..], b"\xff\xfe", b"[1,2]", b"{}", b"null"] {
            assert!(load("a", "a.json", bad).is_err());
        }
    }

    #[test]
    fn labels_from_paths() {
        assert_eq!(default_label("before/report.json"), "before");
        assert_eq!(default_label("/x/after.json"), "after");
        assert_eq!(default_label("report.json"), "report");
    }
}
