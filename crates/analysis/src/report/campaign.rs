//! Runs with several migrations: the `migrations` table of report.json and
//! summary.md, and the distributions across migrations.

use super::json::{
    self, DowntimeReport, MigrationReport, OutageReport, PhaseReport, TriggerReport,
};
use super::text::dur;
use super::ReportMeta;
use crate::analysis::model::{phase_names, Analysis};
use crate::stats::Samples;
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// One migration of a campaign, as its own analysis saw it. Read leniently:
/// a missing field is its default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MigrationEntry {
    /// 0, 1, 2, ... in the order they ran.
    pub index: u32,
    /// Its trigger and exit.
    pub trigger: Option<TriggerReport>,
    /// How it ended.
    pub migration: Option<MigrationReport>,
    /// Its headline downtime.
    pub downtime: Option<DowntimeReport>,
    /// Its phases.
    pub phases: Vec<PhaseReport>,
    /// Its outages.
    pub outages: Vec<OutageReport>,
}

/// p50 / p95 / max of one figure across migrations: p50 is the median (the
/// mean of the two middle values for an even count, as `gate` and `compare`
/// use it), p95 the nearest-rank percentile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// Migrations with a value.
    pub n: usize,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Largest.
    pub max: f64,
}

impl Spread {
    fn of(values: &[f64]) -> Option<Spread> {
        let s = Samples::new(values);
        Some(Spread {
            n: s.len(),
            p50: s.median()?,
            p95: s.percentile(95.0)?,
            max: s.max()?,
        })
    }
}

/// Distributions across the migrations of a campaign, in ms.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    /// Network-observed downtime.
    pub network_ms: Option<Spread>,
    /// Hypervisor-reported downtime (libvirt).
    pub hypervisor_ms: Option<Spread>,
    /// Total migration time (trigger start to exit).
    pub total_ms: Option<Spread>,
    /// Storage copy phase.
    pub storage_copy_ms: Option<Spread>,
}

/// The per-migration entries and their distributions.
pub fn entries(migrations: &[Analysis], meta: &ReportMeta) -> (Vec<MigrationEntry>, Distribution) {
    let entries: Vec<MigrationEntry> = migrations
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let r = json::build(a, meta);
            MigrationEntry {
                index: i as u32,
                trigger: r.trigger,
                migration: r.migration,
                downtime: r.downtime,
                phases: r.phases,
                outages: r.outages,
            }
        })
        .collect();
    let pick = |f: &dyn Fn(&MigrationEntry) -> Option<f64>| -> Vec<f64> {
        entries.iter().filter_map(f).collect()
    };
    let d = Distribution {
        network_ms: Spread::of(&pick(&|e| e.downtime.as_ref().map(|d| d.network_ms))),
        hypervisor_ms: Spread::of(&pick(&|e| {
            e.downtime.as_ref().and_then(|d| d.hypervisor_ms)
        })),
        total_ms: Spread::of(&pick(&|e| e.trigger.as_ref().and_then(|t| t.duration_ms))),
        storage_copy_ms: Spread::of(&pick(&|e| {
            e.phases
                .iter()
                .find(|p| p.name == phase_names::STORAGE_COPY)
                .map(|p| p.duration_ms)
        })),
    };
    (entries, d)
}

/// The "Migrations" section of summary.md.
pub fn markdown(entries: &[MigrationEntry], d: &Distribution) -> String {
    let ms = |v: f64| dur((v * 1e6) as i64);
    let opt = |v: Option<f64>| v.map(ms).unwrap_or_else(|| "–".into());
    let mut s = String::from("\n## Migrations\n\n| # | Result | Trigger exit | Network downtime | Hypervisor | QEMU pause | Total |\n|--:|---|--:|--:|--:|--:|--:|\n");
    for e in entries {
        let dt = e.downtime.as_ref();
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            e.index + 1,
            e.migration
                .as_ref()
                .map(|m| m.result.as_str())
                .unwrap_or("unknown"),
            e.trigger
                .as_ref()
                .and_then(|t| t.exit_code)
                .map(|c| c.to_string())
                .unwrap_or_else(|| "–".into()),
            opt(dt.map(|d| d.network_ms)),
            opt(dt.and_then(|d| d.hypervisor_ms)),
            opt(dt.and_then(|d| d.qemu_pause_ms)),
            opt(e.trigger.as_ref().and_then(|t| t.duration_ms)),
        );
    }
    let _ = writeln!(
        s,
        "\n| Across migrations | n | p50 | p95 | max |\n|---|--:|--:|--:|--:|"
    );
    for (name, sp) in [
        ("Network downtime", &d.network_ms),
        ("Hypervisor downtime", &d.hypervisor_ms),
        ("Total migration time", &d.total_ms),
        ("Storage copy", &d.storage_copy_ms),
    ] {
        if let Some(sp) = sp {
            let _ = writeln!(
                s,
                "| {name} | {} | {} | {} | {} |",
                sp.n,
                ms(sp.p50),
                ms(sp.p95),
                ms(sp.max)
            );
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads() {
        assert_eq!(Spread::of(&[]), None);
        let s = Spread::of(&[3.0, 1.0, 2.0, 10.0]).unwrap();
        assert_eq!((s.n, s.p50, s.p95, s.max), (4, 2.5, 10.0, 10.0));
    }
}
