//! Runs with several migrations: their entries and distributions for
//! report.json (the types are [`super::json`]'s) and the "Migrations"
//! section of summary.md.

use super::json::{Distribution, MigrationEntry, Spread, P95_MIN_N};
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

/// `v` ms for people.
fn ms(v: f64) -> String {
    dur((v * 1e6) as i64)
}

/// The "Migrations" section of summary.md: one row per migration, then the
/// distributions across them.
pub(crate) fn markdown(entries: &[MigrationEntry], d: &Distribution) -> String {
    let mut s = migrations_table(entries);
    s.push_str(&distribution_table(d));
    s
}

/// "## Migrations": result, trigger exit and downtimes of each migration
/// (and its guest, when the migrations name one: an evacuation).
fn migrations_table(entries: &[MigrationEntry]) -> String {
    let opt = |v: Option<f64>| v.map(ms).unwrap_or_else(|| "–".into());
    let guests = entries.iter().any(|e| e.domain.is_some());
    let (guest_head, guest_sep) = if guests {
        (" Guest |", "---|")
    } else {
        ("", "")
    };
    let mut s = format!("\n## Migrations\n\n| # |{guest_head} Result | Trigger exit | Network downtime | Hypervisor | QEMU pause | Total |\n|--:|{guest_sep}---|--:|--:|--:|--:|--:|\n");
    for e in entries {
        let dt = e.downtime.as_ref();
        let guest = if guests {
            format!(" {} |", e.domain.as_deref().unwrap_or("–"))
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "| {} |{guest} {} | {} | {} | {} | {} | {} |",
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
    s
}

/// The table of distributions across migrations: n, median, max, and the
/// p95 only where it is not just the max (n ≥ [`P95_MIN_N`]); a line says
/// why it is left out.
fn distribution_table(d: &Distribution) -> String {
    let rows: Vec<(&str, &Spread)> = [
        ("Network downtime", &d.network_ms),
        ("Hypervisor downtime", &d.hypervisor_ms),
        ("Total migration time", &d.total_ms),
        ("Storage copy", &d.storage_copy_ms),
    ]
    .into_iter()
    .filter_map(|(name, sp)| Some((name, sp.as_ref()?)))
    .collect();
    let with_p95 = rows.iter().any(|(_, sp)| !sp.p95_is_max);
    let (p95_head, p95_sep) = if with_p95 {
        (" p95 (nearest rank) |", "--:|")
    } else {
        ("", "")
    };
    let mut s = format!(
        "\n| Across migrations | n | median (p50) |{p95_head} max |\n|---|--:|--:|{p95_sep}--:|\n"
    );
    for (name, sp) in &rows {
        let p95 = match (with_p95, sp.p95_is_max) {
            (false, _) => String::new(),
            (true, true) => " – |".to_owned(),
            (true, false) => format!(" {} |", ms(sp.p95)),
        };
        let _ = writeln!(
            s,
            "| {name} | {} | {} |{p95} {} |",
            sp.n,
            ms(sp.p50),
            ms(sp.max)
        );
    }
    if rows.iter().any(|(_, sp)| sp.p95_is_max) {
        let _ = writeln!(
            s,
            "\nThe p95 is shown from {P95_MIN_N} migrations on: of fewer values the nearest-rank 95th percentile is the maximum."
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spread(n: usize) -> Option<Spread> {
        Some(Spread {
            n,
            p50: 150.0,
            p95: 280.0,
            max: 300.0,
            p95_is_max: n < P95_MIN_N,
        })
    }

    #[test]
    fn the_p95_column_is_left_out_where_it_is_the_max() {
        // (network n, hypervisor n) → header, network row, hypervisor row, note.
        let cases = [
            (
                8,
                8,
                "| Across migrations | n | median (p50) | max |",
                "| Network downtime | 8 | 150 ms | 300 ms |",
                "| Hypervisor downtime | 8 | 150 ms | 300 ms |",
                true,
            ),
            (
                25,
                8,
                "| Across migrations | n | median (p50) | p95 (nearest rank) | max |",
                "| Network downtime | 25 | 150 ms | 280 ms | 300 ms |",
                "| Hypervisor downtime | 8 | 150 ms | – | 300 ms |",
                true,
            ),
            (
                20,
                30,
                "| Across migrations | n | median (p50) | p95 (nearest rank) | max |",
                "| Network downtime | 20 | 150 ms | 280 ms | 300 ms |",
                "| Hypervisor downtime | 30 | 150 ms | 280 ms | 300 ms |",
                false,
            ),
        ];
        for (net, hyp, head, net_row, hyp_row, note) in cases {
            let d = Distribution {
                network_ms: spread(net),
                hypervisor_ms: spread(hyp),
                ..Distribution::default()
            };
            let t = distribution_table(&d);
            let lines: Vec<&str> = t.lines().collect();
            assert_eq!(lines[1], head, "{t}");
            assert_eq!(lines[3], net_row, "{t}");
            assert_eq!(lines[4], hyp_row, "{t}");
            assert_eq!(
                t.contains("The p95 is shown from 20 migrations on"),
                note,
                "{t}"
            );
        }
    }
}
