//! Runs with several migrations: their entries and distributions for
//! report.json (the types are [`super::json`]'s) and the "Migrations"
//! section of summary.md.

use super::json::{Distribution, MigrationEntry};
use super::text::dur;
use crate::analysis::model::Analysis;
use std::fmt::Write;

/// The per-migration entries and their distributions.
pub(crate) fn entries(migrations: &[Analysis]) -> (Vec<MigrationEntry>, Distribution) {
    let entries: Vec<MigrationEntry> = migrations
        .iter()
        .enumerate()
        .map(|(i, a)| MigrationEntry::new(i as u32, a))
        .collect();
    let d = Distribution::of(&entries);
    (entries, d)
}

/// The "Migrations" section of summary.md.
pub(crate) fn markdown(entries: &[MigrationEntry], d: &Distribution) -> String {
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
