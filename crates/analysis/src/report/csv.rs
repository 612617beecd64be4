//! CSV tables of a run, for spreadsheets and data frames (`report --csv
//! DIR`): every outage, one row per migration, every probe. Pure: each
//! function returns the file's text (RFC 4180: comma-separated, a header
//! row, fields quoted where they hold a comma, quote or line break; empty
//! where the report has no value). Times are realtime ns, durations ms.

use super::json::{MigrationEntry, Report};
use migprobe_probe::record::{Probes, RunData};
use std::fmt::Display;

/// The files written, in order.
pub const FILES: [&str; 3] = ["outages.csv", "migrations.csv", "probes.csv"];

/// A CSV document being built.
struct Table(String);

impl Table {
    fn new(header: &[&str]) -> Table {
        let mut t = Table(String::new());
        t.row(header.iter().map(|h| (*h).to_owned()).collect());
        t
    }

    fn row(&mut self, cells: Vec<String>) {
        let quoted: Vec<String> = cells.into_iter().map(quote).collect();
        self.0.push_str(&quoted.join(","));
        self.0.push('\n');
    }
}

/// The field as CSV: quoted (quotes doubled) when it needs to be.
fn quote(s: String) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// A value, or the empty field.
fn opt<T: Display>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// outages.csv: every outage of every target, by start time.
pub fn outages(r: &Report) -> String {
    let mut t = Table::new(&[
        "migration",
        "target",
        "addr",
        "start_ns",
        "end_ns",
        "offset_ms",
        "estimate_ms",
        "bracket_lo_ms",
        "bracket_hi_ms",
        "lost",
        "queued",
        "class",
        "phase",
        "first_index",
        "last_index",
    ]);
    for o in &r.outages {
        t.row(vec![
            opt(o.migration),
            o.target.to_string(),
            o.addr.clone(),
            o.start_ns.to_string(),
            o.end_ns.to_string(),
            o.offset_ms.to_string(),
            o.estimate_ms.to_string(),
            o.bracket_ms[0].to_string(),
            o.bracket_ms[1].to_string(),
            o.lost.to_string(),
            o.queued.to_string(),
            o.class.clone(),
            o.phase.clone().unwrap_or_default(),
            o.first_index.to_string(),
            o.last_index.to_string(),
        ]);
    }
    t.0
}

/// The migrations of `r`: its `migrations` entries, else the one the report
/// describes (none when it holds no trigger, migration or downtime).
fn entries(r: &Report) -> Vec<MigrationEntry> {
    if !r.migrations.is_empty() {
        return r
            .migrations
            .iter()
            .filter_map(|m| serde_json::from_value(m.clone()).ok())
            .collect();
    }
    if r.trigger.is_none() && r.migration.is_none() && r.downtime.is_none() {
        return Vec::new();
    }
    vec![MigrationEntry {
        trigger: r.trigger.clone(),
        migration: r.migration.clone(),
        downtime: r.downtime.clone(),
        outages: r.outages.clone(),
        ..MigrationEntry::default()
    }]
}

/// migrations.csv: one row per migration with its result and headline downtime.
pub fn migrations(r: &Report) -> String {
    let mut t = Table::new(&[
        "index",
        "result",
        "trigger_exit_code",
        "trigger_duration_ms",
        "network_ms",
        "bracket_lo_ms",
        "bracket_hi_ms",
        "hypervisor_ms",
        "qemu_pause_ms",
        "difference_ms",
        "convergence_part_ms",
        "class",
        "target",
        "addr",
        "outages",
    ]);
    for m in entries(r) {
        let d = m.downtime.as_ref();
        t.row(vec![
            m.index.to_string(),
            opt(m.migration.as_ref().map(|x| &x.result)),
            opt(m.trigger.as_ref().and_then(|x| x.exit_code)),
            opt(m.trigger.as_ref().and_then(|x| x.duration_ms)),
            opt(d.map(|d| d.network_ms)),
            opt(d.map(|d| d.bracket_ms[0])),
            opt(d.map(|d| d.bracket_ms[1])),
            opt(d.and_then(|d| d.hypervisor_ms)),
            opt(d.and_then(|d| d.qemu_pause_ms)),
            opt(d.and_then(|d| d.difference_ms)),
            opt(d.and_then(|d| d.convergence_part_ms)),
            opt(d.map(|d| &d.class)),
            opt(d.map(|d| d.target)),
            opt(d.map(|d| &d.addr)),
            m.outages.len().to_string(),
        ]);
    }
    t.0
}

/// probes.csv: every probe's final state, in the run file's order.
pub fn probes(run: &RunData) -> String {
    probes_of(&run.probes.as_slice())
}

/// probes.csv of probes kept elsewhere, in their order.
pub fn probes_of(probes: &dyn Probes) -> String {
    let mut t = Table::new(&[
        "target_id",
        "target",
        "index",
        "tx_ns",
        "rx_ns",
        "rtt_ns",
        "status",
        "dup",
        "ttl",
    ]);
    for p in probes.scan() {
        let status = serde_json::to_value(p.status).unwrap_or_default();
        t.row(vec![
            p.target_id.to_string(),
            p.target.to_string(),
            p.index.to_string(),
            p.tx_ns.0.to_string(),
            opt(p.rx_ns.map(|r| r.0)),
            opt(p.rtt_ns),
            status.as_str().unwrap_or_default().to_owned(),
            p.dup.to_string(),
            opt(p.ttl),
        ]);
    }
    t.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_where_needed() {
        let mut t = Table::new(&["a", "b"]);
        t.row(vec!["x,y".into(), "say \"hi\"".into()]);
        t.row(vec![String::new(), opt(Some(1.5))]);
        assert_eq!(t.0, "a,b\n\"x,y\",\"say \"\"hi\"\"\"\n,1.5\n");
    }

    #[test]
    fn one_row_per_migration_of_a_campaign() {
        let bytes = include_bytes!("../../../../reports/examples/campaign/report.json");
        let r = crate::report::json::parse(bytes).unwrap();
        let text = migrations(&r);
        let rows: Vec<&str> = text.lines().collect();
        assert_eq!(rows.len(), 1 + 8, "{text}");
        assert!(rows[1].starts_with("0,completed,0,"), "{}", rows[1]);
        assert_eq!(outages(&r).lines().count(), 1 + r.outages.len());
    }
}
