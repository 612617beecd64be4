//! CSV tables of a run, for spreadsheets and data frames (`report --csv
//! DIR`): every outage, one row per migration, every probe. Pure: each
//! function returns the file's text (probes.csv is written to a writer) (RFC 4180: comma-separated, a header
//! row, fields quoted where they hold a comma, quote or line break; empty
//! where the report has no value). Times are realtime ns, durations ms.

use super::json::{MigrationEntry, Report};
use migprobe_probe::record::{ProbeStatus, Probes};
use std::fmt::{self, Display};
use std::io::{self, Write};

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
    Cell(v).to_string()
}

/// A value, or nothing, as a field.
struct Cell<T>(Option<T>);

impl<T: Display> Display for Cell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(v) => v.fmt(f),
            None => Ok(()),
        }
    }
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

/// The columns of probes.csv.
const PROBE_COLUMNS: [&str; 9] = [
    "target_id",
    "target",
    "index",
    "tx_ns",
    "rx_ns",
    "rtt_ns",
    "status",
    "dup",
    "ttl",
];

/// Writes probes.csv, every probe's final state, of probes kept anywhere (a
/// spill store on disk: one probe in memory at a time), in their order. No field of it ever needs
/// quoting: numbers, addresses and status names.
pub fn write_probes(probes: &dyn Probes, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", PROBE_COLUMNS.join(","))?;
    for p in probes.scan() {
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{}",
            p.target_id,
            p.target,
            p.index,
            p.tx_ns.0,
            Cell(p.rx_ns.map(|r| r.0)),
            Cell(p.rtt_ns),
            status_name(p.status),
            p.dup,
            Cell(p.ttl)
        )?;
    }
    Ok(())
}

/// A status by its name in the run file.
fn status_name(s: ProbeStatus) -> &'static str {
    match s {
        ProbeStatus::Ok => "ok",
        ProbeStatus::Lost => "lost",
        ProbeStatus::Skipped => "skipped",
        ProbeStatus::Error => "error",
        ProbeStatus::Pending => "pending",
    }
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
    fn status_names_are_the_run_files() {
        use ProbeStatus::*;
        for s in [Ok, Lost, Skipped, Error, Pending] {
            let serde = serde_json::to_value(s).unwrap();
            assert_eq!(Some(status_name(s)), serde.as_str());
        }
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
