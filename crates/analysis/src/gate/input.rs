//! The figures a gate judges, read from a report: the typed report plus a
//! lenient JSON copy, and one value per migration for each downtime metric.

use crate::report::json::{self, Report, ReportError};
use serde_json::Value;

/// A parsed report plus a lenient JSON copy for fields the typed report does not
/// have yet (the per-migration `migrations` array).
#[derive(Debug, Clone, PartialEq)]
pub struct GateInput {
    /// The typed report.
    pub report: Report,
    /// The same bytes as a JSON value.
    pub value: Value,
}

impl GateInput {
    /// Parses report.json bytes (schema and version checked by [`json::parse`]).
    pub fn parse(bytes: &[u8]) -> Result<GateInput, ReportError> {
        let report = json::parse(bytes)?;
        let value = serde_json::from_slice(bytes).map_err(ReportError::NotJson)?;
        Ok(GateInput { report, value })
    }
}

/// A per-migration downtime figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Network-observed downtime (`downtime.network_ms`).
    NetworkDowntime,
    /// Hypervisor-reported downtime (`downtime.hypervisor_ms`, else `downtime.qemu_pause_ms`).
    HypervisorDowntime,
}

impl Metric {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Metric::NetworkDowntime => "network downtime",
            Metric::HypervisorDowntime => "hypervisor downtime",
        }
    }

    fn of(self, downtime: &Value) -> Option<f64> {
        let field = |k: &str| downtime.get(k).and_then(Value::as_f64);
        let v = match self {
            Metric::NetworkDowntime => field("network_ms"),
            Metric::HypervisorDowntime => field("hypervisor_ms").or_else(|| field("qemu_pause_ms")),
        };
        v.filter(|x| x.is_finite() && *x >= 0.0)
    }
}

/// Whether a network downtime of `input` (a migration's or the headline)
/// had not ended when probing stopped (`open_end`): its figure is only a
/// lower bound, so no limit can be shown to hold.
pub fn open_ended(input: &GateInput) -> bool {
    let migrations = input.value.get("migrations").and_then(Value::as_array);
    migrations
        .into_iter()
        .flatten()
        .filter_map(|m| m.get("downtime"))
        .chain(input.value.get("downtime"))
        .any(json::DowntimeReport::open_end_of)
}

/// One value per migration, in milliseconds.
///
/// Takes `migrations[*].downtime` when the report has a `migrations` array
/// (read leniently: entries without the figure, e.g. failed migrations, are
/// skipped), else the single headline `downtime`. A run whose probes were
/// answered but which saw no outage at all has a network downtime of 0.
pub fn samples(input: &GateInput, metric: Metric) -> Vec<f64> {
    let per_migration: Vec<f64> = input
        .value
        .get("migrations")
        .and_then(Value::as_array)
        .map(|ms| {
            ms.iter()
                .filter_map(|m| m.get("downtime").and_then(|d| metric.of(d)))
                .collect()
        })
        .unwrap_or_default();
    if !per_migration.is_empty() {
        return per_migration;
    }
    let headline = input.value.get("downtime").filter(|d| d.is_object());
    match (headline, metric) {
        (Some(d), _) => metric.of(d).into_iter().collect(),
        (None, Metric::NetworkDowntime)
            if input.report.outages.is_empty()
                && input.report.targets.iter().any(|t| t.answered > 0) =>
        {
            vec![0.0]
        }
        (None, _) => Vec::new(),
    }
}
