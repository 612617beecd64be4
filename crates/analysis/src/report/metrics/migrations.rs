//! The per-migration families: one sample per migration (the run's one,
//! or each of a campaign's `migrations`) of each figure, its downtime
//! bracket and its result.

use super::text::{family, secs, with, Family, Labels, Sample};
use crate::analysis::model::PhaseName;
use crate::report::json::{MigrationEntry, Report};

/// The results a migration can have; `migprobe_migration_result` has one
/// sample for each, 1 for the migration's own.
pub const RESULTS: [&str; 4] = ["completed", "failed", "cancelled", "unknown"];

/// A figure of one migration, in report.json's unit (ms for seconds metrics).
type Figure = fn(&MigrationEntry) -> Option<f64>;

/// The per-migration families of one sample each: name, help, unit, figure.
const FIGURES: [(&str, &str, Option<&str>, Figure); 10] = [
    ("migprobe_migration_network_downtime_seconds", "Network-observed downtime of the migration (the longest outage around the switchover).", Some("seconds"), |e| e.downtime.as_ref().map(|d| d.network_ms)),
    ("migprobe_migration_hypervisor_downtime_seconds", "Downtime reported by libvirt's migration job statistics.", Some("seconds"), |e| e.downtime.as_ref().and_then(|d| d.hypervisor_ms)),
    ("migprobe_migration_qemu_pause_seconds", "Time the guest was paused: QEMU STOP on the source to RESUME on the destination.", Some("seconds"), |e| e.downtime.as_ref().and_then(|d| d.qemu_pause_ms)),
    ("migprobe_migration_downtime_difference_seconds", "Network downtime minus the hypervisor's figure (QEMU pause, else libvirt's).", Some("seconds"), |e| e.downtime.as_ref().and_then(|d| d.difference_ms)),
    ("migprobe_migration_storage_copy_seconds", "Length of the storage copy phase.", Some("seconds"), |e| e.phases.iter().find(|p| p.name == PhaseName::StorageCopy.as_str()).map(|p| p.duration_ms)),
    ("migprobe_migration_duration_seconds", "Total migration time: the trigger command's start to its exit.", Some("seconds"), |e| e.trigger.as_ref().and_then(|t| t.duration_ms)),
    ("migprobe_migration_unobserved_seconds", "Time the prober could not observe (summed over targets).", Some("seconds"), |e| Some(e.unobserved.total_ms)),
    ("migprobe_migration_lost_probes", "Probes never answered in the migration's outages.", None, |e| Some(e.outages.iter().map(|o| o.lost).sum::<u64>() as f64)),
    ("migprobe_migration_queued_probes", "Probes answered late (queued) in the migration's outages.", None, |e| Some(e.outages.iter().map(|o| o.queued).sum::<u64>() as f64)),
    ("migprobe_migration_unobserved_at_switchover", "1 when unobserved time can hide an outage at the switchover (no verdict from the probes alone), else 0.", None, |e| Some(f64::from(u8::from(e.unobserved.inconclusive)))),
];

/// Whether a figure is in ms (a seconds metric) or a plain count/state.
fn scaled(unit: Option<&str>, v: f64) -> f64 {
    if unit.is_some() {
        secs(v)
    } else {
        v
    }
}

/// The migrations of a report: a campaign's entries (those that read), else
/// the run's one migration, if it had a trigger, phases or a result (a
/// probe-only run has none: its figures are the targets').
fn migrations(r: &Report) -> Vec<MigrationEntry> {
    if !r.migrations.is_empty() {
        return r
            .migrations
            .iter()
            .filter_map(|v| serde_json::from_value(v.clone()).ok())
            .collect();
    }
    let decided = r.migration.as_ref().is_some_and(|m| m.result != "unknown");
    if r.trigger.is_none() && r.phases.is_empty() && !decided {
        return Vec::new();
    }
    vec![MigrationEntry {
        index: 0,
        domain: None,
        trigger: r.trigger.clone(),
        migration: r.migration.clone(),
        downtime: r.downtime.clone().map(|mut d| {
            d.migration = None;
            d
        }),
        phases: r.phases.clone(),
        outages: r.outages.clone(),
        unobserved: r.unobserved.clone(),
    }]
}

/// The labels of migration `e`: the common ones (with its own guest as
/// `domain`, in an evacuation), its headline target (the run's first without
/// a headline) and index.
fn migration_labels(
    base: &[(&'static str, String)],
    e: &MigrationEntry,
    first_target: &str,
) -> Labels {
    let mut l = base.to_vec();
    if let Some(d) = &e.domain {
        for (k, v) in &mut l {
            if *k == "domain" {
                v.clone_from(d);
            }
        }
    }
    let target = e.downtime.as_ref().map(|d| d.addr.clone());
    l.push(("target", target.unwrap_or_else(|| first_target.to_owned())));
    l.push(("migration", e.index.to_string()));
    l
}

/// The per-migration families.
pub(super) fn migration_families(r: &Report, base: &[(&'static str, String)]) -> Vec<Family> {
    let entries = migrations(r);
    let first = r.run.targets.first().map_or("", |t| t.addr.as_str());
    let labelled: Vec<(Labels, &MigrationEntry)> = entries
        .iter()
        .map(|e| (migration_labels(base, e, first), e))
        .collect();
    let mut out: Vec<Family> = FIGURES
        .iter()
        .map(|&(name, help, unit, fig)| {
            let samples = labelled
                .iter()
                .filter_map(|(labels, e)| Some(Sample::new(labels.clone(), scaled(unit, fig(e)?))))
                .collect();
            family(name, help, unit, samples)
        })
        .collect();
    let mut bracket = Vec::new();
    let mut result = Vec::new();
    for (labels, e) in &labelled {
        if let Some(d) = &e.downtime {
            // An open-ended downtime has no upper bound: no "hi" sample.
            let hi = (!d.open_end).then_some(("hi", d.bracket_ms[1]));
            for (bound, ms) in std::iter::once(("lo", d.bracket_ms[0])).chain(hi) {
                bracket.push(Sample::new(with(labels, "bound", bound), secs(ms)));
            }
        }
        let own = e
            .migration
            .as_ref()
            .map_or("unknown", |m| m.result.as_str());
        for res in RESULTS {
            result.push(Sample::new(
                with(labels, "result", res),
                f64::from(u8::from(res == own)),
            ));
        }
    }
    out.push(family(
        "migprobe_migration_network_downtime_bracket_seconds",
        "Bounds of the network downtime: the true value lies between lo and hi.",
        Some("seconds"),
        bracket,
    ));
    out.push(family(
        "migprobe_migration_result",
        "How the migration ended: 1 for its result, 0 for the others.",
        None,
        result,
    ));
    out
}
