//! Reads a run file back, tolerating a cut-off last line and unknown line types.

use super::schema::*;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
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
    /// The first line is not a migprobe header.
    #[error("{path} is not a migprobe run file: line 1 is not a header ({why})")]
    NoHeader {
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
    /// Lines that could not be parsed: (line number, reason), at most 20 kept.
    pub bad_lines: Vec<(u64, String)>,
    /// Count of unparseable lines.
    pub bad_line_count: u64,
    /// Lines of a type this version does not know (skipped).
    pub unknown_types: HashMap<String, u64>,
}

impl RunData {
    /// True when the run did not end cleanly (killed, crashed): no footer.
    pub fn truncated(&self) -> bool {
        self.footer.is_none()
    }
}

/// Reads and reduces a run file.
pub fn read_run(path: &Path) -> Result<RunData, ReadError> {
    let io_err = |source| ReadError::Io {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(io_err)?;
    read_from(BufReader::new(file), path)
}

/// Reads a run file from any reader (`path` is used in messages only).
pub fn read_from(input: impl BufRead, path: &Path) -> Result<RunData, ReadError> {
    let mut lines = input.split(b'\n');
    let first = match lines.next() {
        Some(Ok(l)) => l,
        Some(Err(source)) => {
            return Err(ReadError::Io {
                path: path.to_owned(),
                source,
            })
        }
        None => {
            return Err(ReadError::NoHeader {
                path: path.to_owned(),
                why: "the file is empty".into(),
            })
        }
    };
    let header = parse_header(&first).map_err(|why| match why {
        HeaderProblem::Version(found) => ReadError::Version {
            path: path.to_owned(),
            found,
        },
        HeaderProblem::Other(why) => ReadError::NoHeader {
            path: path.to_owned(),
            why,
        },
    })?;
    let mut run = RunData {
        header,
        probes: Vec::new(),
        duplicates: Vec::new(),
        events: Vec::new(),
        footer: None,
        bad_lines: Vec::new(),
        bad_line_count: 0,
        unknown_types: HashMap::new(),
    };
    for (i, line) in lines.enumerate() {
        let no = i as u64 + 2;
        let line = line.map_err(|source| ReadError::Io {
            path: path.to_owned(),
            source,
        })?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match classify(&line).map(|p| match p {
            Parsed::Line(l) => Ok(*l),
            Parsed::Unknown(t) => Err(t),
        }) {
            Ok(Ok(Line::Probe(p))) => run.probes.push(p),
            Ok(Ok(Line::Duplicate(d))) => run.duplicates.push(d),
            Ok(Ok(Line::Event(e))) => run.events.push(e),
            Ok(Ok(Line::Footer(f))) => run.footer = Some(f),
            Ok(Ok(Line::Header(_))) => run.note_bad(no, "a second header line".into()),
            Ok(Err(t)) => *run.unknown_types.entry(t).or_default() += 1,
            Err(why) => run.note_bad(no, why),
        }
    }
    // Last line wins: stable sort keeps file order within one probe.
    run.probes.sort_by_key(|p| (p.target_id, p.index));
    let mut reduced: Vec<ProbeLine> = Vec::with_capacity(run.probes.len());
    for p in run.probes.drain(..) {
        match reduced.last_mut() {
            Some(last) if last.target_id == p.target_id && last.index == p.index => *last = p,
            _ => reduced.push(p),
        }
    }
    run.probes = reduced;
    Ok(run)
}

impl RunData {
    fn note_bad(&mut self, line: u64, why: String) {
        self.bad_line_count += 1;
        if self.bad_lines.len() < 20 {
            self.bad_lines.push((line, why));
        }
    }
}

enum Parsed {
    Line(Box<Line>),
    Unknown(String),
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

fn classify(line: &[u8]) -> Result<Parsed, String> {
    match serde_json::from_slice::<Line>(line) {
        Ok(l) => Ok(Parsed::Line(Box::new(l))),
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
        assert_eq!(run.bad_line_count, 1);
        assert_eq!(run.bad_lines[0].0, 7);
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
