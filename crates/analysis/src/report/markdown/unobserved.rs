//! "## Unobserved" of summary.md: per target, how long the prober could not
//! see it and why; then the windows that could hide an outage.

use super::{target_cell, target_column};
use crate::analysis::model::{Analysis, Unobserved};
use crate::report::text::{count, dur, md_escape, offset};
use crate::report::verdict::target_name;
use std::collections::BTreeMap;
use std::fmt::{self, Write};

/// At most this many windows are listed; report.json lists more.
const MAX_WINDOW_ROWS: usize = 20;

/// Writes the section when anything went unobserved.
pub(super) fn write_unobserved(s: &mut String, a: &Analysis) -> fmt::Result {
    if a.unobserved.is_empty() {
        return Ok(());
    }
    writeln!(s, "## Unobserved")?;
    writeln!(s)?;
    writeln!(
        s,
        "Time in which a target was not probed as planned: no outage can be ruled out there. \
         A window can hide an outage when it spans at least {} slots outside any outage already seen.",
        a.min_loss_run.max(1)
    )?;
    writeln!(s)?;
    writeln!(
        s,
        "| Target | Unobserved | Slots | Windows | Can hide an outage |"
    )?;
    writeln!(s, "|---|--:|--:|--:|--:|")?;
    for (id, ws) in by_target(&a.unobserved) {
        let total = ws
            .iter()
            .fold(0i64, |t, w| t.saturating_add(w.duration_ns()));
        let slots = ws.iter().fold(0u64, |t, w| t.saturating_add(w.slots));
        writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            md_escape(&target_name(a, id)),
            dur(total),
            count(slots),
            count(ws.len() as u64),
            count(ws.iter().filter(|w| w.can_hide_outage).count() as u64)
        )?;
    }
    writeln!(s)?;
    write_windows(s, a)
}

fn by_target(ws: &[Unobserved]) -> BTreeMap<u32, Vec<&Unobserved>> {
    let mut m: BTreeMap<u32, Vec<&Unobserved>> = BTreeMap::new();
    for w in ws {
        m.entry(w.target_id).or_default().push(w);
    }
    m
}

/// The windows that can hide an outage, longest first.
fn write_windows(s: &mut String, a: &Analysis) -> fmt::Result {
    let mut hiding: Vec<&Unobserved> = a.unobserved.iter().filter(|w| w.can_hide_outage).collect();
    if hiding.is_empty() {
        return Ok(());
    }
    hiding.sort_by_key(|w| std::cmp::Reverse(w.duration_ns()));
    let (tcol, tsep) = target_column(a);
    writeln!(
        s,
        "| Start |{tcol} Length | Slots | Cause | At the switchover |"
    )?;
    writeln!(s, "|--:|{tsep}--:|--:|---|---|")?;
    for w in hiding.iter().take(MAX_WINDOW_ROWS) {
        writeln!(
            s,
            "| {} |{} {} | {} | {} | {} |",
            offset(w.start_ns.since(a.start_ns)),
            target_cell(a, w.target_id),
            dur(w.duration_ns()),
            count(w.slots),
            w.cause.explain(),
            if w.overlaps_switchover { "yes" } else { "no" }
        )?;
    }
    if hiding.len() > MAX_WINDOW_ROWS {
        writeln!(
            s,
            "\n… and {} more (report.json lists up to 1 000).",
            count((hiding.len() - MAX_WINDOW_ROWS) as u64)
        )?;
    }
    writeln!(s)
}
