//! The campaign sections of report.json, for a run of several migrations
//! (`run --repeat`): one [`MigrationEntry`] per migration and the
//! [`Distribution`] of the headline figures across them. Entries are read
//! leniently (a missing field is its default) so that `gate` and `compare`
//! accept entries written by other versions.

use super::{
    DowntimeReport, MigrationReport, OutageReport, PhaseReport, TriggerReport, UnobservedReport,
};
use crate::analysis::model::{Analysis, PhaseName};
use crate::stats::Samples;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One migration of a campaign, as its own analysis saw it. Read leniently:
/// a missing field is its default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct MigrationEntry {
    /// 0, 1, 2, ... in the order they ran (an evacuation: in the order of its guests).
    pub index: u32,
    /// The guest (libvirt domain) migrated, when the run probed several at
    /// once or bound its targets to a domain (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
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
    /// What the prober could not observe around it.
    pub unobserved: UnobservedReport,
}

impl MigrationEntry {
    /// Migration number `index` (from 0), from its own analysis `a`.
    pub(crate) fn new(index: u32, a: &Analysis) -> MigrationEntry {
        MigrationEntry {
            index,
            domain: a.guest().map(str::to_owned),
            trigger: a.trigger.as_ref().map(TriggerReport::from),
            migration: a.migration.as_ref().map(MigrationReport::from),
            downtime: a.downtime.as_ref().map(|d| DowntimeReport::new(a, d)),
            phases: a.phases.iter().map(PhaseReport::from).collect(),
            outages: a.outages.iter().map(|o| OutageReport::new(a, o)).collect(),
            unobserved: UnobservedReport::new(a),
        }
    }
}

/// The fewest values whose nearest-rank 95th percentile is not simply their
/// maximum (the rank ⌈0.95 n⌉ is below n from n = 20 on).
pub const P95_MIN_N: usize = 20;

/// p50 / p95 / max of one figure across migrations: p50 is the median (the
/// mean of the two middle values for an even count, as `gate` and `compare`
/// use it), p95 the nearest-rank percentile. Below [`P95_MIN_N`] values the
/// p95 is the maximum (`p95_is_max`): summary.md and chart.svg then do not
/// show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Spread {
    /// Migrations with a value.
    pub n: usize,
    /// Median.
    pub p50: f64,
    /// 95th percentile (nearest rank).
    pub p95: f64,
    /// Largest.
    pub max: f64,
    /// True when `n` < [`P95_MIN_N`]: `p95` is then `max`, not an estimate of
    /// the 95th percentile (absent in reports of older versions: false).
    #[serde(default)]
    pub p95_is_max: bool,
}

impl Spread {
    /// The spread of `values`; None when there are none.
    fn of(values: &[f64]) -> Option<Spread> {
        let s = Samples::new(values);
        Some(Spread {
            n: s.len(),
            p50: s.median()?,
            p95: s.percentile(95.0)?,
            max: s.max()?,
            p95_is_max: s.len() < P95_MIN_N,
        })
    }
}

/// Distributions across the migrations of a campaign, in ms.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
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

impl Distribution {
    /// The spreads of the figures of `entries` (each over the entries that have it).
    pub(crate) fn of(entries: &[MigrationEntry]) -> Distribution {
        let pick = |f: &dyn Fn(&MigrationEntry) -> Option<f64>| -> Vec<f64> {
            entries.iter().filter_map(f).collect()
        };
        Distribution {
            network_ms: Spread::of(&pick(&|e| e.downtime.as_ref().map(|d| d.network_ms))),
            hypervisor_ms: Spread::of(&pick(&|e| {
                e.downtime.as_ref().and_then(|d| d.hypervisor_ms)
            })),
            total_ms: Spread::of(&pick(&|e| e.trigger.as_ref().and_then(|t| t.duration_ms))),
            storage_copy_ms: Spread::of(&pick(&|e| {
                e.phases
                    .iter()
                    .find(|p| p.name == PhaseName::StorageCopy.as_str())
                    .map(|p| p.duration_ms)
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads() {
        assert_eq!(Spread::of(&[]), None);
        let s = Spread::of(&[3.0, 1.0, 2.0, 10.0]).unwrap();
        assert_eq!((s.n, s.p50, s.p95, s.max), (4, 2.5, 10.0, 10.0));
        assert!(s.p95_is_max, "4 values: the p95 is the max");
        // From 20 values on the nearest rank is below the top: 19 of 20.
        for (n, is_max) in [(19, true), (20, false), (40, false)] {
            let values: Vec<f64> = (1..=n).map(f64::from).collect();
            let s = Spread::of(&values).unwrap();
            assert_eq!(s.p95_is_max, is_max, "n = {n}");
            assert_eq!(s.p95 == s.max, is_max, "n = {n}: p95 {}", s.p95);
        }
    }
}
