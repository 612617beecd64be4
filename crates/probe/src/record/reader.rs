//! Reads a run file back, tolerating a cut-off last line and unknown line types.
//!
//! Two layers: a source gives the header and then the records after it, in
//! file order, each with its number and either what it holds ([`Record`]) or
//! why it cannot be read ([`JsonlRecords`] is the JSON Lines source;
//! another encoding of the same lines plugs in as another iterator); the
//! reduction ([`read_records`]) checks each record and files it. The probes
//! go to a [`ProbeSink`]: a `Vec` for [`RunData`] (the whole run in memory),
//! or a [`SpillWriter`] for [`RunFile`] (bounded memory, see
//! [`super::spill`]).
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
use super::spill::{ProbeStore, SpillWriter};
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
    /// The probes could not be kept in the temporary file of
    /// [`read_run_spilled`] (its directory full or not writable).
    #[error(
        "cannot keep the probes of {path} in a temporary file under {}: {source}; free space there or point TMPDIR to a disk with room (about 90 bytes per probe line)",
        std::env::temp_dir().display()
    )]
    Spill {
        /// The run file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
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

/// A run file read for analysis in bounded memory: everything but the
/// probes in [`RunFile::run`] (whose `probes` is empty), the probes reduced
/// in [`RunFile::probes`].
#[derive(Debug)]
pub struct RunFile {
    /// Header, events, duplicates, footer and skipped lines; no probes.
    pub run: RunData,
    /// The final line of each probe, in (target_id, index) order.
    pub probes: ProbeStore,
}

/// Where the believed probe lines go, in file order.
pub trait ProbeSink {
    /// Takes one believed probe line.
    fn take(&mut self, p: ProbeLine) -> io::Result<()>;
}

impl ProbeSink for Vec<ProbeLine> {
    fn take(&mut self, p: ProbeLine) -> io::Result<()> {
        self.push(p);
        Ok(())
    }
}

impl ProbeSink for SpillWriter {
    fn take(&mut self, p: ProbeLine) -> io::Result<()> {
        self.push(&p)
    }
}

/// Reads and reduces a run file within [`Limits::RUN_FILE`].
pub fn read_run(path: &Path) -> Result<RunData, ReadError> {
    read_run_within(path, Limits::RUN_FILE)
}

/// Reads and reduces a run file within `limits`.
/// The file may be JSON Lines or compact ([`compact`]).
pub fn read_run_within(path: &Path, limits: Limits) -> Result<RunData, ReadError> {
    let (lines, damage) = compact::open(path, limits)?;
    with_damage(read_lines(lines), &damage, |r| r)
}

/// Reads a run file (JSON Lines or compact) within `limits` in bounded
/// memory: its probes go to a [`ProbeStore`] (on disk when there are many).
pub fn read_run_spilled(path: &Path, limits: Limits) -> Result<RunFile, ReadError> {
    let (lines, damage) = compact::open(path, limits)?;
    let read = || {
        let (header, records) = JsonlRecords::open(lines)?;
        let mut spill = SpillWriter::default();
        let spill_error = |source| ReadError::Spill {
            path: path.to_owned(),
            source,
        };
        let run = read_records(header, records, &mut spill).map_err(|e| match e {
            ReadError::Spill { source, .. } => spill_error(source),
            other => other,
        })?;
        let probes = spill.finish().map_err(spill_error)?;
        Ok(RunFile { run, probes })
    };
    with_damage(read(), &damage, |f| &mut f.run)
}

/// Reads a run file (JSON Lines or compact) from any reader (`path` is used
/// in messages only), within [`Limits::RUN_FILE`].
pub fn read_from(input: impl BufRead, path: &Path) -> Result<RunData, ReadError> {
    let (lines, damage) = compact::decode(input, path, Limits::RUN_FILE)?;
    with_damage(read_lines(lines), &damage, |r| r)
}

/// `read` with the damaged frames of a compact file noted as bad lines of
/// its run (`run_of`), or, when no header could be read, named in the error.
fn with_damage<T>(
    read: Result<T, ReadError>,
    damage: &compact::DamageLog,
    run_of: impl FnOnce(&mut T) -> &mut RunData,
) -> Result<T, ReadError> {
    let found = damage.take();
    match read {
        Ok(mut read) => {
            let run = run_of(&mut read);
            for d in &found {
                run.bad_lines.note((d.line, compact::damage_text(d)));
            }
            Ok(read)
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
pub fn read_lines(input: Lines<impl BufRead>) -> Result<RunData, ReadError> {
    let (header, records) = JsonlRecords::open(input)?;
    let mut probes = Vec::new();
    let mut run = read_records(header, records, &mut probes)?;
    last_line_wins(&mut probes);
    run.probes = probes;
    Ok(run)
}

/// One record of a run file after its header, with its number (the line
/// number, for JSON Lines), as a source gives it: its line, or why it is
/// skipped.
pub type Numbered = (u64, Result<Line, Skip>);

/// Reduces the records after a believable `header` (see [`plausible`]):
/// believed probe lines go to `probes` in file order (not reduced: a later
/// line of a probe supersedes an earlier one), everything else into the
/// returned [`RunData`] (whose `probes` is empty).
pub fn read_records(
    header: Header,
    records: impl Iterator<Item = Result<Numbered, ReadError>>,
    probes: &mut impl ProbeSink,
) -> Result<RunData, ReadError> {
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
    let mut believed = Vec::new();
    for r in records {
        let (no, parsed) = r?;
        take_record(&mut run, &mut check, no, parsed, &mut believed);
        sink_all(&mut believed, probes)?;
    }
    check.finish(&mut believed, &mut run.bad_lines);
    sink_all(&mut believed, probes)?;
    Ok(run)
}

/// Moves the believed probes to the sink.
fn sink_all(believed: &mut Vec<ProbeLine>, sink: &mut impl ProbeSink) -> Result<(), ReadError> {
    for p in believed.drain(..) {
        sink.take(p).map_err(|source| ReadError::Spill {
            path: PathBuf::new(),
            source,
        })?;
    }
    Ok(())
}

/// Files one parsed record `no` into `run` (believed probes into
/// `believed`), or notes it as a bad line.
fn take_record(
    run: &mut RunData,
    check: &mut Plausibility,
    no: u64,
    parsed: Result<Line, Skip>,
    believed: &mut Vec<ProbeLine>,
) {
    let verdict = match parsed {
        Ok(Line::Probe(p)) => {
            check.probe(no, p, believed, &mut run.bad_lines);
            Ok(())
        }
        Ok(Line::Duplicate(d)) => check.duplicate(&d).map(|()| run.duplicates.push(d)),
        Ok(Line::Event(e)) => check.event(&e).map(|()| run.events.push(e)),
        Ok(Line::Footer(f)) => check.footer(&f).map(|()| run.footer = Some(f)),
        Ok(Line::Header(_)) => Err("a second header line".into()),
        Err(Skip::Unknown(t)) => {
            *run.unknown_types.entry(t).or_default() += 1;
            Ok(())
        }
        Err(Skip::Bad(why)) => Err(why),
    };
    if let Err(why) = verdict {
        run.bad_lines.note((no, why));
    }
}

/// Why a record after the header is not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// A line of a type this version does not know (counted, skipped).
    Unknown(String),
    /// A line that cannot be read: why (a bad line).
    Bad(String),
}

/// The records of a JSON Lines run file after its header, blank lines
/// skipped.
pub struct JsonlRecords<R> {
    input: Lines<R>,
    line: Vec<u8>,
}

impl<R: BufRead> JsonlRecords<R> {
    /// Reads and checks the header (line 1); the records after it.
    pub fn open(mut input: Lines<R>) -> Result<(Header, JsonlRecords<R>), ReadError> {
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
        Ok((header, JsonlRecords { input, line }))
    }
}

impl<R: BufRead> Iterator for JsonlRecords<R> {
    type Item = Result<Numbered, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.input.next_line(&mut self.line) {
                Err(e) => return Some(Err(e.into())),
                Ok(false) => return None,
                Ok(true) if self.line.iter().all(u8::is_ascii_whitespace) => continue,
                Ok(true) => return Some(Ok((self.input.line_no(), parse_line(&self.line)))),
            }
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
fn parse_line(line: &[u8]) -> Result<Line, Skip> {
    let direct = if line.starts_with(br#"{"type":"probe","#) {
        fastline::probe_line(line)
            .or_else(|| serde_json::from_slice(line).ok())
            .map(Line::Probe)
    } else if line.starts_with(br#"{"type":"event","#) {
        serde_json::from_slice(line).ok().map(Line::Event)
    } else if line.starts_with(br#"{"type":"duplicate","#) {
        serde_json::from_slice(line).ok().map(Line::Duplicate)
    } else {
        None
    };
    direct.map_or_else(|| classify(line), Ok)
}

fn classify(line: &[u8]) -> Result<Line, Skip> {
    match serde_json::from_slice::<Line>(line) {
        Ok(l) => Ok(l),
        Err(e) => {
            let v: serde_json::Value =
                serde_json::from_slice(line).map_err(|_| Skip::Bad(format!("not JSON: {e}")))?;
            match v.get("type").and_then(|t| t.as_str()) {
                Some(t @ ("header" | "probe" | "duplicate" | "event" | "footer")) => {
                    Err(Skip::Bad(format!("bad {t} line: {e}")))
                }
                Some(t) => Err(Skip::Unknown(t.to_owned())),
                None => Err(Skip::Bad("no \"type\" field".into())),
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
