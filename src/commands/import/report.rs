//! The text `migprobe import` prints: one line per input, notes, and what was
//! written.
//!
//! Rules: counts are spelled with their noun (`1 event`, `2 events`); every
//! note says what to do when something needs doing; the text is stable (tests
//! and scripts read it).

use super::sniff::quote;
use crate::cli::import::ImportFormat;
use migprobe_probe::record::{BadLines, ProbeStatus};
use migprobe_probe::types::human_ns;
use migprobe_sources::import::{shown_line, Built, Interval, IntervalSource, LogKind, PingLog};
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// Lines not understood quoted in the import's output.
const SHOWN_BAD_LINES: usize = 3;

/// What became of one input file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileReport {
    /// The input file.
    pub path: PathBuf,
    /// Events imported from it.
    pub events: u64,
    /// Non-blank lines that were neither an event nor part of one (line numbers).
    pub bad_lines: BadLines,
    /// The first of them as they read.
    pub bad_examples: Vec<(u64, String)>,
    /// Events skipped for lack of a timestamp.
    pub no_timestamp: u64,
}

/// The first bad lines of `bytes`, as they read.
pub(super) fn examples(bad: &BadLines, bytes: &[u8]) -> Vec<(u64, String)> {
    bad.examples()
        .iter()
        .take(SHOWN_BAD_LINES)
        .filter_map(|n| Some((*n, shown_line(bytes, *n)?)))
        .collect()
}

/// What became of a ping/fping log.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeReport {
    /// The log file.
    pub path: PathBuf,
    /// The program that wrote it.
    pub kind: LogKind,
    /// The target (address).
    pub target: IpAddr,
    /// Probe lines written.
    pub probes: u64,
    /// Answered probes.
    pub ok: u64,
    /// Probes never answered.
    pub lost: u64,
    /// Probes answered by an ICMP error.
    pub errors: u64,
    /// Duplicate replies.
    pub duplicates: u64,
    /// Probes sent that the log has no line for and that are not known lost: unknown, not written.
    pub not_in_log: u64,
    /// True when the log had no timestamps and every send time is sequence × interval from 0.
    pub reconstructed: bool,
    /// The interval used and where it came from.
    pub interval: Interval,
    /// What the run file's notes say (the report lists them too).
    pub notes: Vec<String>,
    /// Per-probe lines about other hosts, skipped.
    pub other_host_lines: u64,
    /// ICMP errors that name no sequence number.
    pub unattributed_errors: u64,
    /// Non-blank lines not understood (line numbers).
    pub bad_lines: BadLines,
    /// The first of them as they read.
    pub bad_examples: Vec<(u64, String)>,
    /// Line of a second `PING` header (a second run in the log), from where the rest was ignored.
    pub restart_line: Option<u64>,
}

impl ProbeReport {
    /// The report of `log` (read from `path`, whose bytes are `bytes`) built into `built`.
    pub(super) fn new(path: &Path, built: &Built, log: &PingLog, bytes: &[u8]) -> ProbeReport {
        ProbeReport {
            path: path.to_owned(),
            kind: log.kind,
            target: built.target.addr,
            probes: built.probes.len() as u64,
            ok: built.count(ProbeStatus::Ok),
            lost: built.count(ProbeStatus::Lost),
            errors: built.count(ProbeStatus::Error),
            duplicates: built.duplicates(),
            not_in_log: built.accounting.unknown,
            reconstructed: built.reconstructed,
            interval: built.interval,
            notes: built.notes.iter().map(|n| n.message.clone()).collect(),
            other_host_lines: built.other_host_lines,
            unattributed_errors: built.unattributed_errors,
            bad_lines: log.bad_lines.clone(),
            bad_examples: examples(&log.bad_lines, bytes),
            restart_line: log.restart_line,
        }
    }
}

/// The outcome of an import, for the terminal (`Display`) and for callers.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportReport {
    /// The run file written.
    pub out: PathBuf,
    /// True if the run file was created, false if the events were appended.
    pub created: bool,
    /// Format of the inputs.
    pub format: ImportFormat,
    /// One entry per input file, in order (event formats).
    pub files: Vec<FileReport>,
    /// The ping/fping log, for those formats.
    pub probes: Option<ProbeReport>,
}

impl ImportReport {
    /// Events written, all files together.
    pub fn total_events(&self) -> u64 {
        self.files.iter().map(|f| f.events).sum()
    }
}

impl fmt::Display for ProbeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "imported {} to {} from {}: {} ok, {} lost, {}",
            plural(self.probes, "probe", "probes"),
            self.target,
            self.path.display(),
            self.ok,
            self.lost,
            plural(self.errors, "error", "errors"),
        )?;
        if self.duplicates > 0 {
            write!(
                f,
                ", {}",
                plural(self.duplicates, "duplicate", "duplicates")
            )?;
        }
        if self.not_in_log > 0 {
            write!(
                f,
                "; {} not in the log (unknown, not lost)",
                self.not_in_log
            )?;
        }
        let (tool, flag) = match self.kind {
            LogKind::Ping => ("ping", "-i"),
            LogKind::Fping => ("fping", "-p"),
        };
        let from = match self.interval.source {
            IntervalSource::Timestamps => "measured from the -D timestamps".to_owned(),
            IntervalSource::Flag => "--interval".to_owned(),
            IntervalSource::Log => "the command line in the log".to_owned(),
            IntervalSource::Statistics => "estimated from the statistics' time".to_owned(),
            IntervalSource::Default => {
                format!("ASSUMED: {tool}'s default; if {tool} ran with {flag}, give --interval")
            }
        };
        write!(f, "; interval {} ({from})", human_ns(self.interval.ns))?;
        for n in &self.notes {
            write!(f, "\nnote: {n}")?;
        }
        if self.other_host_lines > 0 {
            write!(
                f,
                "\nnote: {} about other hosts skipped (one target per import; choose with --target)",
                plural(self.other_host_lines, "line", "lines")
            )?;
        }
        if self.unattributed_errors > 0 {
            write!(
                f,
                "\nnote: {} without a sequence number not attributed to a probe",
                plural(self.unattributed_errors, "ICMP error", "ICMP errors")
            )?;
        }
        if let Some(l) = self.restart_line {
            write!(
                f,
                "\nnote: a second ping run starts at line {l}; it was ignored"
            )?;
        }
        if let Some(bad) = not_understood(&self.bad_lines, &self.bad_examples) {
            write!(f, "\nnote: {bad}")?;
        }
        Ok(())
    }
}

/// `1 line`, `2 lines`.
fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `3 lines not understood: line 1 "Script started", line 4 "exit"`
/// (the first few quoted); `None` when every line was understood.
fn not_understood(bad: &BadLines, shown: &[(u64, String)]) -> Option<String> {
    if bad.count() == 0 {
        return None;
    }
    let mut s = format!("{} not understood", plural(bad.count(), "line", "lines"));
    if shown.is_empty() {
        if let Some(first) = bad.examples().first() {
            s.push_str(&format!(", first at line {first}"));
        }
        return Some(s);
    }
    let quoted: Vec<String> = shown
        .iter()
        .map(|(n, text)| format!("line {n} {}", quote(text)))
        .collect();
    s.push_str(&format!(": {}", quoted.join(", ")));
    if bad.count() > shown.len() as u64 {
        s.push_str(", ...");
    }
    Some(s)
}

impl fmt::Display for FileReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "imported {} from {}",
            plural(self.events, "event", "events"),
            self.path.display()
        )?;
        let mut notes = Vec::new();
        notes.extend(not_understood(&self.bad_lines, &self.bad_examples));
        if self.no_timestamp > 0 {
            notes.push(format!(
                "{} without a timestamp skipped: capture with `virsh event --timestamp`",
                plural(self.no_timestamp, "event", "events")
            ));
        }
        if self.events == 0 && self.no_timestamp == 0 {
            notes.push("no events found: is this the right FORMAT?".into());
        }
        if !notes.is_empty() {
            write!(f, " ({})", notes.join("; "))?;
        }
        Ok(())
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.probes {
            writeln!(f, "{p}")?;
            return write!(
                f,
                "created {} with {}; now add events: migprobe import virsh-event FILE --origin src --out {}",
                self.out.display(),
                plural(p.probes, "probe", "probes"),
                self.out.display()
            );
        }
        for file in &self.files {
            writeln!(f, "{file}")?;
        }
        write!(
            f,
            "{} {} {}",
            if self.created {
                "created"
            } else {
                "appended to"
            },
            self.out.display(),
            if self.created {
                format!("with {}", plural(self.total_events(), "event", "events"))
            } else {
                format!("({})", plural(self.total_events(), "event", "events"))
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(events: u64, bad_lines: &[u64], no_ts: u64) -> FileReport {
        let mut bad = BadLines::default();
        bad_lines.iter().for_each(|l| bad.note(*l));
        FileReport {
            path: "src.log".into(),
            events,
            bad_lines: bad,
            bad_examples: Vec::new(),
            no_timestamp: no_ts,
        }
    }

    #[test]
    fn report_texts() {
        assert_eq!(
            report(12, &[], 0).to_string(),
            "imported 12 events from src.log"
        );
        assert_eq!(
            report(1, &[1, 7, 9], 0).to_string(),
            "imported 1 event from src.log (3 lines not understood, first at line 1)"
        );
        assert_eq!(
            report(0, &[4], 0).to_string(),
            "imported 0 events from src.log (1 line not understood, first at line 4; \
             no events found: is this the right FORMAT?)"
        );
        assert_eq!(
            report(0, &[], 2).to_string(),
            "imported 0 events from src.log (2 events without a timestamp skipped: \
             capture with `virsh event --timestamp`)"
        );
        let r = ImportReport {
            out: "run.jsonl".into(),
            created: false,
            format: ImportFormat::VirshEvent,
            files: vec![report(2, &[], 0), report(3, &[], 0)],
            probes: None,
        };
        assert_eq!(
            r.to_string(),
            "imported 2 events from src.log\nimported 3 events from src.log\nappended to run.jsonl (5 events)"
        );
    }
}
