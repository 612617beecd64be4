//! "## TCP sessions" of summary.md: for each `tcp-session:PORT` target, the
//! application's view of its connection — the longest stall of the byte
//! stream and whether the connection survived.

use crate::analysis::model::Analysis;
use crate::analysis::sessions::SessionView;
use crate::report::text::{count, dur, md_escape, offset};
use crate::report::verdict::target_name;
use std::fmt::{self, Write};

/// Writes the section when the run had `tcp-session` targets.
pub(super) fn write_sessions(s: &mut String, a: &Analysis) -> fmt::Result {
    if a.sessions.is_empty() {
        return Ok(());
    }
    writeln!(s, "## TCP sessions")?;
    writeln!(s)?;
    writeln!(
        s,
        "The application's view: the longest time the echoed byte stream stood still while bytes \
         were outstanding (its downtime; after a long network outage TCP's retransmission backoff \
         makes it longer than the outage), and whether the connection survived. A stalled stream that recovered \
         lost nothing: its probes were answered late."
    )?;
    writeln!(s)?;
    writeln!(
        s,
        "| Target | Longest stall | Began | Survived | Written | Echoed |"
    )?;
    writeln!(s, "|---|--:|--:|---|--:|--:|")?;
    for v in &a.sessions {
        let (written, echoed) = match v.bytes {
            Some((w, e)) => (count(w), count(e)),
            None => ("–".to_owned(), "–".to_owned()),
        };
        writeln!(
            s,
            "| {} | {} | {} | {} | {written} | {echoed} |",
            md_escape(&target_name(a, v.target_id)),
            stall(v),
            v.longest_stall_start
                .map_or("–".to_owned(), |t| offset(t.since(a.start_ns))),
            md_escape(&survived(v, a)),
        )?;
    }
    writeln!(s)
}

/// The longest stall, "unobserved" when not recorded; "≥" when no read ended it.
fn stall(v: &SessionView) -> String {
    match v.longest_stall_ns {
        None => "unobserved".to_owned(),
        Some(ns) if v.longest_stall_open => format!("≥ {}", dur(ns)),
        Some(ns) => dur(ns),
    }
}

/// "yes", "no (reset at +1.2 s: …)" or "unknown".
fn survived(v: &SessionView, a: &Analysis) -> String {
    match v.survived {
        Some(true) => "yes".to_owned(),
        None => "unknown".to_owned(),
        Some(false) => {
            let how = v.lost_how.as_deref().unwrap_or("lost");
            let at = v.lost_at.map_or(String::new(), |t| {
                format!(" at {}", offset(t.since(a.start_ns)))
            });
            let why = v
                .lost_error
                .as_deref()
                .map_or(String::new(), |e| format!(": {e}"));
            format!("no ({how}{at}{why})")
        }
    }
}
