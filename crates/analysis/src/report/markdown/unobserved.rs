//! "## Unobserved" of summary.md: per target, how long the prober could not
//! see it and why; then the windows that could hide an outage.

use super::{target_cell, target_column};
use crate::analysis::model::{Analysis, PhaseName, Unobserved};
use crate::analysis::unobserved::{per_target, MIN_HIDING_NS};
use crate::report::text::{count, dur, md_escape, offset};
use crate::report::verdict::target_name;
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
         A window can hide an outage when it spans at least {} slots and {} (any length at the switchover) \
         outside any outage already seen.",
        a.min_loss_run.max(1),
        dur(MIN_HIDING_NS)
    )?;
    writeln!(s)?;
    writeln!(
        s,
        "| Target | Unobserved | Slots | Windows | Can hide an outage |"
    )?;
    writeln!(s, "|---|--:|--:|--:|--:|")?;
    for (id, t) in per_target(&a.unobserved) {
        writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            md_escape(&target_name(a, id)),
            dur(t.ns),
            count(t.slots),
            count(t.windows),
            count(t.hiding)
        )?;
    }
    writeln!(s)?;
    write_windows(s, a)
}

/// The windows that can hide an outage, longest first.
fn write_windows(s: &mut String, a: &Analysis) -> fmt::Result {
    let mut hiding: Vec<&Unobserved> = a.unobserved.iter().filter(|w| w.can_hide_outage).collect();
    if hiding.is_empty() {
        return Ok(());
    }
    hiding.sort_by_key(|w| std::cmp::Reverse(w.duration_ns()));
    let switchover = a.phases.iter().any(|p| p.name == PhaseName::Switchover);
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
            match (switchover, w.overlaps_switchover) {
                (false, _) => "–",
                (true, true) => "yes",
                (true, false) => "no",
            }
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
