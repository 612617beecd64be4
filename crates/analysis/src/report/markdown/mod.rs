//! summary.md: what a person reads first. Line 1 is the verdict; then the
//! headline table, phases, outages, targets, the trigger and the notes, one
//! writer per `##` section. Every text from the run is escaped
//! (`text::md_escape`, `text::md_argv`).

use super::json::class_name;
use super::meta::ReportMeta;
use super::text::{count, dur, dur_fixed, dur_res, dur_signed, md_argv, md_escape, offset, utc};
use super::verdict::{self, target_name};
use crate::analysis::model::{Analysis, CampaignHeadline, Downtime, TriggerInfo};
use std::fmt::{self, Write};

mod nova;
mod sessions;
mod unobserved;

/// At most this many outages are listed; report.json has them all.
const MAX_OUTAGE_ROWS: usize = 50;

fn opt(ns: Option<i64>) -> String {
    ns.map_or_else(|| "–".to_owned(), dur)
}

/// True when the run probed several targets (tables then name the target).
fn many(a: &Analysis) -> bool {
    a.targets.len() > 1
}

/// The Target cell of a table row (" addr |"), empty for a single target.
fn target_cell(a: &Analysis, id: u32) -> String {
    if many(a) {
        format!(" {} |", md_escape(&target_name(a, id)))
    } else {
        String::new()
    }
}

/// The Target column's header and separator cells, empty for a single target.
fn target_column(a: &Analysis) -> (&'static str, &'static str) {
    if many(a) {
        (" Target |", "---|")
    } else {
        ("", "")
    }
}

/// The Migration column's header and separator cells, in a run of several
/// migrations; empty for one.
fn migration_column(a: &Analysis) -> (&'static str, &'static str) {
    if a.campaign.is_some() {
        (" Migration |", "--:|")
    } else {
        ("", "")
    }
}

/// The Migration cell of a table row (" 2 |", " – |" before the first
/// migration), in a run of several migrations; empty for one.
fn migration_cell(a: &Analysis, m: Option<u32>) -> String {
    match (a.campaign.is_some(), m) {
        (false, _) => String::new(),
        (true, Some(i)) => format!(" {} |", i.saturating_add(1)),
        (true, None) => " – |".to_owned(),
    }
}

/// Renders summary.md.
pub fn render(a: &Analysis, meta: &ReportMeta) -> String {
    let mut s = String::new();
    // Writing to a String cannot fail.
    let _ = write_all(&mut s, a, meta);
    s
}

fn write_all(s: &mut String, a: &Analysis, meta: &ReportMeta) -> fmt::Result {
    writeln!(s, "**{}**", md_escape(&verdict::verdict(a)))?;
    writeln!(s)?;
    if let Some(d) = &a.downtime {
        write_downtime(s, a, d)?;
    }
    if !a.phases.is_empty() {
        write_phases(s, a)?;
    }
    nova::write_nova(s, a)?;
    write_outages(s, a)?;
    if !a.summaries.is_empty() {
        write_targets(s, a)?;
    }
    sessions::write_sessions(s, a)?;
    unobserved::write_unobserved(s, a)?;
    write_run(s, a, meta)?;
    if !a.notes.is_empty() {
        write_notes(s, a)?;
    }
    Ok(())
}

/// "## Downtime": the headline against the hypervisor's figures.
fn write_downtime(s: &mut String, a: &Analysis, d: &Downtime) -> fmt::Result {
    writeln!(s, "## Downtime")?;
    writeln!(s)?;
    writeln!(s, "| | |")?;
    writeln!(s, "|---|---|")?;
    let what = if verdict::probe_only(a) {
        "Longest outage (network-observed)"
    } else {
        "Network-observed downtime"
    };
    let target = if many(a) {
        format!(", {}", md_escape(&target_name(a, d.target_id)))
    } else {
        String::new()
    };
    if let Some(shown) = verdict::shown_migration(a) {
        let shown = shown.trim_start_matches("In migration ");
        writeln!(s, "| Migration shown | {} |", md_escape(shown))?;
    }
    let pm = verdict::plus_minus(d.network_ns, d.bracket_lo_ns, d.bracket_hi_ns);
    let figure = if d.open_end {
        format!(
            "**at least {}** (open-ended: still not answering when probing stopped)",
            dur_fixed(d.bracket_lo_ns, pm)
        )
    } else {
        format!(
            "**{}** (between {} and {})",
            dur_res(d.network_ns, pm),
            dur_fixed(d.bracket_lo_ns, pm),
            dur_fixed(d.bracket_hi_ns, pm)
        )
    };
    writeln!(s, "| {what} | {figure}, {}{target} |", class_name(d.class))?;
    writeln!(
        s,
        "| Hypervisor-reported downtime (libvirt) | {} |",
        opt(d.hypervisor_ns)
    )?;
    writeln!(
        s,
        "| QEMU pause (source STOP → destination RESUME) | {} |",
        qemu_pause_cell(d)
    )?;
    writeln!(
        s,
        "| Difference (network − hypervisor) | {} |",
        d.difference_ns.map_or_else(|| "–".to_owned(), dur_signed)
    )?;
    if d.pause_part_ns.is_some() || d.convergence_part_ns.is_some() {
        let (what, before) = match verdict::before_pause(d) {
            Some(b) => ("unresponsive before the pause / ", format!("{} / ", dur(b))),
            None => ("", String::new()),
        };
        writeln!(
            s,
            "| of which {what}guest paused / network convergence | {before}{} / {} |",
            opt(d.pause_part_ns),
            opt(d.convergence_part_ns)
        )?;
    }
    writeln!(s)
}

/// The QEMU pause, with its resolution and why when it is not on QEMU's own clocks.
fn qemu_pause_cell(d: &Downtime) -> String {
    match (d.qemu_pause_ns, d.qemu_pause_resolution_ns) {
        (None, _) => "–".to_owned(),
        (Some(q), None) => dur(q),
        (Some(q), Some(r)) => format!(
            "{}: one side's time is when the event was received, to {}",
            verdict::qemu_pause(q, Some(r)),
            dur(r)
        ),
    }
}

/// "## Phases": start, length and per-target RTT and loss of each phase.
fn write_phases(s: &mut String, a: &Analysis) -> fmt::Result {
    writeln!(s, "## Phases")?;
    writeln!(s)?;
    let (tcol, tsep) = target_column(a);
    let (mcol, msep) = migration_column(a);
    writeln!(
        s,
        "|{mcol} Phase | Start | Duration |{tcol} RTT p50 | RTT p99 | RTT max | Lost |"
    )?;
    writeln!(s, "|{msep}---|--:|--:|{tsep}--:|--:|--:|--:|")?;
    for p in &a.phases {
        let name = match p.iterations {
            Some(n) => format!("{} ({n} passes)", md_escape(p.name.as_str())),
            None => md_escape(p.name.as_str()),
        };
        let name = format!("{} {name}", migration_cell(a, p.migration));
        let start = offset(p.start_ns.since(a.start_ns));
        let len = dur(p.end_ns.since(p.start_ns));
        let stats: Vec<_> = a
            .per_phase
            .iter()
            .filter(|x| x.phase == p.name && x.migration == p.migration)
            .collect();
        if stats.is_empty() {
            let t = if many(a) { " – |" } else { "" };
            writeln!(s, "|{name} | {start} | {len} |{t} – | – | – | – |")?;
        }
        for x in stats {
            writeln!(
                s,
                "|{name} | {start} | {len} |{} {} | {} | {} | {} of {} |",
                target_cell(a, x.target_id),
                opt(x.rtt_p50_ns),
                opt(x.rtt_p99_ns),
                opt(x.rtt_max_ns),
                count(x.lost),
                count(x.sent)
            )?;
        }
    }
    writeln!(s)
}

/// "## Outages": the first [`MAX_OUTAGE_ROWS`], or why there are none.
fn write_outages(s: &mut String, a: &Analysis) -> fmt::Result {
    writeln!(s, "## Outages")?;
    writeln!(s)?;
    if a.outages.is_empty() {
        writeln!(
            s,
            "None: no target missed {} probes in a row or answered late.",
            a.min_loss_run.max(1)
        )?;
        return writeln!(s);
    }
    let (tcol, tsep) = target_column(a);
    let (mcol, msep) = migration_column(a);
    writeln!(
        s,
        "| # | Start |{tcol} Estimate | Bracket | Class | Lost | Queued |{mcol} Phase |"
    )?;
    writeln!(s, "|--:|--:|{tsep}--:|---|---|--:|--:|{msep}---|")?;
    for (i, o) in a.outages.iter().take(MAX_OUTAGE_ROWS).enumerate() {
        let pm = verdict::plus_minus(o.estimate_ns, o.bracket_lo_ns, o.bracket_hi_ns);
        let hi = if o.open_end {
            "open".to_owned()
        } else {
            dur_fixed(o.bracket_hi_ns, pm)
        };
        writeln!(
            s,
            "| {} | {} |{} {} | {} – {hi} | {} | {} | {} |{} {} |",
            i + 1,
            offset(o.start_ns.since(a.start_ns)),
            target_cell(a, o.target_id),
            verdict::outage_length(o),
            dur_fixed(o.bracket_lo_ns, pm),
            class_name(o.class),
            count(o.lost),
            count(o.queued),
            migration_cell(a, o.migration),
            o.phase
                .map_or_else(|| "–".to_owned(), |p| md_escape(p.as_str()))
        )?;
    }
    if a.outages.len() > MAX_OUTAGE_ROWS {
        writeln!(
            s,
            "\n… and {} more (report.json lists them all).",
            count((a.outages.len() - MAX_OUTAGE_ROWS) as u64)
        )?;
    }
    writeln!(s)
}

/// "## Targets": totals and RTT percentiles per target.
fn write_targets(s: &mut String, a: &Analysis) -> fmt::Result {
    writeln!(s, "## Targets")?;
    writeln!(s)?;
    writeln!(
        s,
        "| Target | Sent | Answered | Lost | Late | RTT min | p50 | p99 | p99.9 | max | Longest gap |"
    )?;
    writeln!(s, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")?;
    for t in &a.summaries {
        let lost = t.lost.saturating_add(t.unsettled);
        writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            md_escape(&target_name(a, t.target_id)),
            count(t.sent),
            count(t.answered),
            count(lost),
            count(t.late),
            opt(t.rtt_min_ns),
            opt(t.rtt_p50_ns),
            opt(t.rtt_p99_ns),
            opt(t.rtt_p999_ns),
            opt(t.rtt_max_ns),
            opt(t.longest_reply_gap_ns)
        )?;
    }
    writeln!(s)
}

/// "## Run": the trigger, the migration's result, timing, how the run ended,
/// the prober, the hypervisor sides and the recording command line.
fn write_run(s: &mut String, a: &Analysis, meta: &ReportMeta) -> fmt::Result {
    writeln!(s, "## Run")?;
    writeln!(s)?;
    if let Some(t) = &a.trigger {
        let per_guest = guests(a) >= 2 && t.argv.is_empty();
        write_trigger(s, t, a.campaign.as_ref().filter(|_| per_guest))?;
    }
    if let Some(m) = &a.migration {
        writeln!(s, "- Migration: {}.", md_escape(m.result.as_str()))?;
    }
    writeln!(
        s,
        "- Started {}, lasted {}; {} interval, {} target(s).",
        utc(a.start_ns.0),
        dur(a.end_ns.since(a.start_ns)),
        dur(a.interval_ns),
        a.targets.len()
    )?;
    let end = match (&a.end_reason, a.truncated) {
        (Some(r), _) => format!("- Ended: {}.", md_escape(r)),
        (None, true) => "- Ended: cut short (no footer).".to_owned(),
        (None, false) => "- Ended: unknown.".to_owned(),
    };
    writeln!(s, "{end}")?;
    write_hosts(s, meta)?;
    if !meta.run_argv.is_empty() {
        writeln!(s, "- Recorded with {}.", md_argv(&meta.run_argv))?;
    }
    writeln!(s)
}

/// How many guests (libvirt domains) the run's targets belong to.
fn guests(a: &Analysis) -> usize {
    crate::analysis::per_guest::distinct(a.targets.iter().filter_map(|t| t.domain.as_deref())).len()
}

/// The trigger's line of "## Run": its command and how it ended; for a host
/// evacuation with a command per guest (`evacuation`: its headline), the
/// guests' commands as one.
fn write_trigger(
    s: &mut String,
    t: &TriggerInfo,
    evacuation: Option<&CampaignHeadline>,
) -> fmt::Result {
    let how = match (t.exited_ns, t.exit_code) {
        (Some(e), Some(c)) => {
            let took = t
                .started_ns
                .map(|st| format!(" after {}", dur(e.since(st))))
                .unwrap_or_default();
            format!("exited with code {c}{took}")
        }
        (Some(_), None) => "was killed by a signal".to_owned(),
        (None, _) => "had not exited when the run ended".to_owned(),
    };
    if let Some(c) = evacuation {
        let n = c.migrations;
        return writeln!(
            s,
            "- Triggers: one per guest ({n} guests, each in the Migrations table); together they {how}."
        );
    }
    let cmd = if t.argv.is_empty() {
        "(command not recorded)".to_owned()
    } else {
        md_argv(&t.argv)
    };
    writeln!(s, "- Trigger: {cmd} {how}.")
}

/// The prober's line of "## Run", then one line per hypervisor side: source
/// first, then destination, then anything else.
fn write_hosts(s: &mut String, meta: &ReportMeta) -> fmt::Result {
    if !meta.host.is_empty() || !meta.kernel.is_empty() {
        writeln!(
            s,
            "- Prober: {} (kernel {}), migprobe {}{}.",
            md_escape(&meta.host),
            md_escape(&meta.kernel),
            md_escape(&meta.tool_version),
            meta.socket
                .as_deref()
                .map(|k| format!(", {} socket", md_escape(k)))
                .unwrap_or_default()
        )?;
    }
    let mut sides: Vec<(&String, &serde_json::Value)> = meta.hypervisors.iter().collect();
    sides.sort_by_key(|(k, _)| match k.as_str() {
        "src" => 0,
        "dst" => 1,
        _ => 2,
    });
    for (side, v) in sides {
        let get = |k: &str| v.get(k).and_then(|x| x.as_str()).map(md_escape);
        let mut parts = Vec::new();
        if let Some(h) = get("hostname") {
            parts.push(h);
        }
        if let Some(l) = get("libvirt_version") {
            parts.push(format!("libvirt {l}"));
        }
        if let Some(q) = get("hypervisor_version") {
            parts.push(format!("hypervisor {q}"));
        }
        if !parts.is_empty() {
            writeln!(s, "- {}: {}.", md_escape(side), parts.join(", "))?;
        }
    }
    Ok(())
}

/// "## Notes": what a reader must know.
fn write_notes(s: &mut String, a: &Analysis) -> fmt::Result {
    writeln!(s, "## Notes")?;
    writeln!(s)?;
    for n in &a.notes {
        writeln!(s, "- {}", md_escape(n))?;
    }
    writeln!(s)
}
