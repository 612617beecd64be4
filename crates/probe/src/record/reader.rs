//! Reads a run file back, tolerating a cut-off last line and unknown line types.
//!
//! Rules: the file is read within [`Limits`] (see [`crate::input`]); a line
//! that is not JSON, not of its type's shape, or not believable
//! ([`super::plausible`]) is a bad line: counted, the first few kept with their
//! reason, never used. Only an unusable header (or an input over its caps) is
//! an error.

use super::badlines::BadLines;
use super::compact;
use super::fastline;
use super::last_line::last_line_wins;
use super::plausible::{self, Plausibility};
use super::schema::*;
use crate::input::{InputError, Limits, Lines};
use std::collections::HashMap;
use std::io::{self, BufRead};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why a run file cannot be used at all.
#[derive(Debug, Error)]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("cannot read run file {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// Not a file, or over a cap on its size or line length.
    #[error(transparent)]
    Input(InputError),
    /// The first line is not a migprobe header.
    #[error("{path} is not a migprobe run file: line 1 is not a header ({why})")]
    NoHeader {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        why: String,
    },
    /// The header parses but says something impossible.
    #[error("{path}: the header (line 1) is damaged: {why}; the file cannot be analysed")]
    BadHeader {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        why: String,
    },
    /// Written by an incompatible migprobe.
    #[error(
        "{path} has run-file schema version {found}; this migprobe reads version {SCHEMA_VERSION}"
    )]
    Version {
        /// The file.
        path: PathBuf,
        /// Its version.
        found: u32,
    },
}

impl From<InputError> for ReadError {
    fn from(e: InputError) -> ReadError {
        match e {
            InputError::Io { path, source } => ReadError::Io { path, source },
            other => ReadError::Input(other),
        }
    }
}

/// Everything in a run file, probes reduced to their final state.
#[derive(Debug, Clone)]
pub struct RunData {
    /// The header.
    pub header: Header,
    /// Final line per probe, ordered by (target_id, index).
    pub probes: Vec<ProbeLine>,
    /// Duplicate-reply lines.
    pub duplicates: Vec<DuplicateLine>,
    /// Events in file order.
    pub events: Vec<EventLine>,
    /// The footer, if the run ended cleanly.
    pub footer: Option<Footer>,
    /// Lines that could not be parsed or were not believable: their count,
    /// and (line number, reason) of the first 20.
    pub bad_lines: BadLines<(u64, String)>,
    /// Lines of a type this version does not know (skipped).
    pub unknown_types: HashMap<String, u64>,
}

impl RunData {
    /// True when the run did not end cleanly (killed, crashed): no footer.
    pub fn truncated(&self) -> bool {
        self.footer.is_none()
    }

    /// One sentence on the lines that were skipped (unreadable, not
    /// believable, or of an unknown type), or `None` when none were: what
    /// `summary` and `report` warn about and the report's notes say.
    pub fn skipped_lines(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some((first, why)) = self.bad_lines.examples().first() {
            parts.push(format!(
                "{} unreadable or impossible line(s) skipped, first at line {first} ({why})",
                self.bad_lines.count()
            ));
        }
        if !self.unknown_types.is_empty() {
            let mut types: Vec<(&String, &u64)> = self.unknown_types.iter().collect();
            types.sort();
            let list: Vec<String> = types.iter().map(|(t, n)| format!("{t:?} ×{n}")).collect();
            parts.push(format!(
                "{} line(s) of a type this migprobe does not know skipped ({})",
                types.iter().map(|(_, n)| **n).sum::<u64>(),
                list.join(", ")
            ));
        }
        (!parts.is_empty()).then(|| format!("The run file had {}.", parts.join("; ")))
    }
}

/// How many bad lines [`RunData::bad_lines`] keeps.
const KEEP_BAD_LINES: usize = 20;

/// Reads and reduces a run file within [`Limits::RUN_FILE`].
pub fn read_run(path: &Path) -> Result<RunData, ReadError> {
    read_run_within(path, Limits::RUN_FILE)
}

/// Reads and reduces a run file within `limits`.
/// The file may be JSON Lines or compact ([`compact`]).
pub fn read_run_within(path: &Path, limits: Limits) -> Result<RunData, ReadError> {
    let (lines, damage) = compact::open(path, limits)?;
    with_damage(read_lines(lines), &damage)
}

/// Reads a run file (JSON Lines or compact) from any reader (`path` is used
/// in messages only), within [`Limits::RUN_FILE`].
pub fn read_from(input: impl BufRead, path: &Path) -> Result<RunData, ReadError> {
    let (lines, damage) = compact::decode(input, path, Limits::RUN_FILE)?;
    with_damage(read_lines(lines), &damage)
}

/// `run` with the damaged frames of a compact file noted as bad lines (or,
/// when no header could be read, named in the error).
fn with_damage(
    run: Result<RunData, ReadError>,
    damage: &compact::DamageLog,
) -> Result<RunData, ReadError> {
    let found = damage.take();
    match run {
        Ok(mut run) => {
            for d in &found {
                run.bad_lines.note((d.line, compact::damage_text(d)));
            }
            Ok(run)
        }
        Err(ReadError::NoHeader { path, why }) if !found.is_empty() => {
            let notes: Vec<String> = found.iter().map(compact::damage_text).collect();
            Err(ReadError::NoHeader {
                path,
                why: format!("{why}; {}", notes.join("; ")),
            })
        }
        Err(e) => Err(e),
    }
}

/// Reads a run file line by line.
///
/// Linear in the file's size; memory is the reduced probes plus one word
/// per probe line while reducing.
pub fn read_lines(mut input: Lines<impl BufRead>) -> Result<RunData, ReadError> {
    let path = input.path().to_owned();
    let mut line = Vec::with_capacity(1024);
    if !input.next_line(&mut line)? {
        return Err(ReadError::NoHeader {
            path,
            why: "the file is empty".into(),
        });
    }
    let header = parse_header(&line).map_err(|why| match why {
        HeaderProblem::Version(found) => ReadError::Version {
            path: path.clone(),
            found,
        },
        HeaderProblem::Other(why) => ReadError::NoHeader {
            path: path.clone(),
            why,
        },
    })?;
    plausible::header(&header).map_err(|why| ReadError::BadHeader {
        path: path.clone(),
        why,
    })?;
    let mut check = Plausibility::new(&header);
    let mut run = RunData {
        header,
        probes: Vec::new(),
        duplicates: Vec::new(),
        events: Vec::new(),
        footer: None,
        bad_lines: BadLines::keeping(KEEP_BAD_LINES),
        unknown_types: HashMap::new(),
    };
    while input.next_line(&mut line)? {
        let no = input.line_no();
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        take_line(&mut run, &mut check, no, parse_line(&line));
    }
    check.finish(&mut run.probes, &mut run.bad_lines);
    last_line_wins(&mut run.probes);
    Ok(run)
}

/// Files one parsed line `no` into `run`, or notes it as a bad line.
fn take_line(run: &mut RunData, check: &mut Plausibility, no: u64, parsed: Result<Parsed, String>) {
    let believed = match parsed {
        Ok(Parsed::Probe(p)) => {
            check.probe(no, p, &mut run.probes, &mut run.bad_lines);
            Ok(())
        }
        Ok(Parsed::Duplicate(d)) => check.duplicate(&d).map(|()| run.duplicates.push(d)),
        Ok(Parsed::Event(e)) => check.event(&e).map(|()| run.events.push(e)),
        Ok(Parsed::Footer(f)) => check.footer(&f).map(|()| run.footer = Some(f)),
        Ok(Parsed::Header) => Err("a second header line".into()),
        Ok(Parsed::Unknown(t)) => {
            *run.unknown_types.entry(t).or_default() += 1;
            Ok(())
        }
        Err(why) => Err(why),
    };
    if let Err(why) = believed {
        run.bad_lines.note((no, why));
    }
}

/// A line after the header (a second header is only noted, so it is not kept).
enum Parsed {
    Probe(ProbeLine),
    Duplicate(DuplicateLine),
    Event(EventLine),
    Footer(Footer),
    Header,
    Unknown(String),
}

impl From<Line> for Parsed {
    fn from(l: Line) -> Parsed {
        match l {
            Line::Probe(p) => Parsed::Probe(p),
            Line::Duplicate(d) => Parsed::Duplicate(d),
            Line::Event(e) => Parsed::Event(e),
            Line::Footer(f) => Parsed::Footer(f),
            Line::Header(_) => Parsed::Header,
        }
    }
}

enum HeaderProblem {
    Version(u32),
    Other(String),
}

fn parse_header(line: &[u8]) -> Result<Header, HeaderProblem> {
    let v: serde_json::Value =
        serde_json::from_slice(line).map_err(|e| HeaderProblem::Other(format!("not JSON: {e}")))?;
    if v.get("type").and_then(|t| t.as_str()) != Some("header") {
        return Err(HeaderProblem::Other("no \"type\":\"header\"".into()));
    }
    if let Some(found) = v.get("schema_version").and_then(|s| s.as_u64()) {
        if found != u64::from(SCHEMA_VERSION) {
            return Err(HeaderProblem::Version(
                u32::try_from(found).unwrap_or(u32::MAX),
            ));
        }
    }
    match serde_json::from_value::<Line>(v) {
        Ok(Line::Header(h)) => Ok(h),
        Ok(_) => Err(HeaderProblem::Other("not a header".into())),
        Err(e) => Err(HeaderProblem::Other(format!("bad header: {e}"))),
    }
}

/// Parses one line after the header. Probe lines of the writer's exact shape
/// take [`fastline`]; other lines as migprobe writes them (`{"type":"probe",`
/// first) are read straight into their type; anything else, and any line that
/// fails that way, takes the general path, which also explains what is wrong.
fn parse_line(line: &[u8]) -> Result<Parsed, String> {
    let direct = if line.starts_with(br#"{"type":"probe","#) {
        fastline::probe_line(line)
            .or_else(|| serde_json::from_slice(line).ok())
            .map(Parsed::Probe)
    } else if line.starts_with(br#"{"type":"event","#) {
        serde_json::from_slice(line).ok().map(Parsed::Event)
    } else if line.starts_with(br#"{"type":"duplicate","#) {
        serde_json::from_slice(line).ok().map(Parsed::Duplicate)
    } else {
        None
    };
    direct.map_or_else(|| classify(line), Ok)
}

fn classify(line: &[u8]) -> Result<Parsed, String> {
    match serde_json::from_slice::<Line>(line) {
        Ok(l) => Ok(l.into()),
        Err(e) => {
            let v: serde_json::Value =
                serde_json::from_slice(line).map_err(|_| format!("not JSON: {e}"))?;
            match v.get("type").and_then(|t| t.as_str()) {
                Some(t @ ("header" | "probe" | "duplicate" | "event" | "footer")) => {
                    Err(format!("bad {t} line: {e}"))
                }
                Some(t) => Ok(Parsed::Unknown(t.to_owned())),
                None => Err("no \"type\" field".into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = r#"{"type":"header","schema_version":1,"tool":"migprobe","version":"0","nonce":"00","start_ns":0,"interval_ns":1000000,"targets":[{"id":0,"addr":"192.0.2.10","name":"g","family":"v4","phase_ns":0}],"hostname":"h","kernel":"k","socket":"raw","scheduling":"fifo","spin_ns":0,"payload_bytes":56,"min_loss_run":3,"drain_ns":0,"argv":[]}"#;

    fn probe(index: u64, status: &str) -> String {
        format!(
            r#"{{"type":"probe","target":"192.0.2.10","target_id":0,"index":{index},"seq":{index},"tx_ns":{index},"tx_clock":"kernel","rx_ns":null,"rtt_ns":null,"ttl":null,"dup":0,"status":"{status}"}}"#
        )
    }

    fn read(text: &str) -> Result<RunData, ReadError> {
        read_from(text.as_bytes(), Path::new("t.jsonl"))
    }

    #[test]
    fn last_line_wins_and_killed_runs_read_back() {
        let text = [
            HEADER.to_string(),
            probe(1, "pending"),
            probe(0, "ok"),
            r#"{"type":"wombat","x":1}"#.into(),
            probe(1, "lost"),
            "".into(),
            "{\"type\":\"probe\",\"targ".into(), // cut by kill -9
        ]
        .join("\n");
        let run = read(&text).unwrap();
        let got: Vec<(u64, ProbeStatus)> =
            run.probes.iter().map(|p| (p.index.0, p.status)).collect();
        assert_eq!(got, vec![(0, ProbeStatus::Ok), (1, ProbeStatus::Lost)]);
        assert!(run.truncated());
        assert_eq!(run.bad_lines.count(), 1);
        assert_eq!(run.bad_lines.examples()[0].0, 7);
        assert_eq!(run.unknown_types.get("wombat"), Some(&1));
    }

    #[test]
    fn unusable_files_are_clear_errors() {
        let cases = [
            ("", "empty"),
            ("{\"type\":\"probe\"}", "not a header"),
            ("not json", "not JSON"),
            (
                &HEADER.replace("\"schema_version\":1", "\"schema_version\":99"),
                "version 99",
            ),
        ];
        for (text, want) in cases {
            let e = read(text).unwrap_err().to_string();
            assert!(e.contains(want) || e.contains("header"), "{text:?}: {e}");
            assert!(e.contains("t.jsonl"), "names the file: {e}");
        }
        let e = read(&HEADER.replace("\"schema_version\":1", "\"schema_version\":99")).unwrap_err();
        assert!(matches!(e, ReadError::Version { found: 99, .. }));
    }
}
