//! What `--out` already holds, before anything is written to it.
//!
//! Rules: an existing `--out` must be a run file of this schema version
//! (first line a header) for events to be appended; a ping/fping import needs
//! an `--out` that does not exist yet or is empty; a link, directory or
//! special file at `--out` is refused. These checks only read.

use super::ImportError;
use crate::outputs::Entry;
use migprobe_probe::input::Limits;
use migprobe_probe::record::{compact, Line, RunFormat, SCHEMA_VERSION};
use migprobe_probe::types::RealNs;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// What is at `--out`: a link, directory or special file is refused.
pub(super) fn out_entry(out: &Path) -> Result<Entry, ImportError> {
    let entry = Entry::at(out).map_err(ImportError::output(out))?;
    match entry.refusal() {
        Some(why) => Err(ImportError::OutNotFile {
            path: out.to_owned(),
            why,
        }),
        None => Ok(entry),
    }
}

/// A ping/fping import creates `--out`: it may not exist (an empty file is
/// fine); an existing one is read within `limits`.
pub(super) fn check_out_free(out: &Path, limits: Limits) -> Result<(), ImportError> {
    if matches!(out_entry(out)?, Entry::Missing | Entry::Empty) {
        return Ok(());
    }
    check_run_file(out)?;
    match migprobe_probe::record::read_run_within(out, limits) {
        Ok(run) if run.header.targets.is_empty() => Err(ImportError::ProbesFirst {
            path: out.to_owned(),
        }),
        Ok(_) => Err(ImportError::OutHasProbes {
            path: out.to_owned(),
        }),
        Err(e) => Err(ImportError::NotRunFile {
            path: out.to_owned(),
            why: e.to_string(),
        }),
    }
}

/// What the checks of an existing run file found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RunFileHead {
    /// The file ends with a newline (else its last line was cut); always
    /// true for a compact file, whose frames hold whole lines.
    pub(super) ends_line: bool,
    /// Its format (events are appended in it).
    pub(super) format: RunFormat,
    /// The header's `start_ns`.
    pub(super) start_ns: RealNs,
}

/// Checks that `path`'s first line is a run-file header of this schema version.
pub(super) fn check_run_file(path: &Path) -> Result<RunFileHead, ImportError> {
    let io_err = ImportError::output(path);
    let not_run = |why: String| ImportError::NotRunFile {
        path: path.to_owned(),
        why,
    };
    let mut file = File::open(path).map_err(io_err)?;
    let mut first = Vec::new();
    let limits = Limits {
        max_size: u64::MAX,
        max_line: 16 << 20,
    };
    let (lines, _) = compact::decode(BufReader::new(&mut file), path, limits)
        .map_err(|e| not_run(e.to_string()))?;
    let mut input = lines.into_input();
    let format = input.format();
    (&mut input)
        .take(16 << 20)
        .read_until(b'\n', &mut first)
        .map_err(io_err)?;
    drop(input);
    if first.iter().all(u8::is_ascii_whitespace) {
        return Err(not_run("it is empty".into()));
    }
    let v: serde_json::Value =
        serde_json::from_slice(&first).map_err(|e| not_run(format!("line 1 is not JSON: {e}")))?;
    if v.get("type").and_then(|t| t.as_str()) != Some("header") {
        return Err(not_run("line 1 is not a header".into()));
    }
    match v.get("schema_version").and_then(|s| s.as_u64()) {
        Some(found) if found != u64::from(SCHEMA_VERSION) => {
            return Err(ImportError::Version {
                path: path.to_owned(),
                found,
            })
        }
        _ => {}
    }
    let start_ns = match serde_json::from_value::<Line>(v) {
        Ok(Line::Header(h)) => h.start_ns,
        Ok(_) => return Err(not_run("line 1 is not a header".into())),
        Err(e) => return Err(not_run(format!("bad header: {e}"))),
    };
    let len = file.seek(SeekFrom::End(0)).map_err(io_err)?;
    let mut last = [b'\n'; 1];
    if len > 0 {
        file.seek(SeekFrom::End(-1)).map_err(io_err)?;
        file.read_exact(&mut last).map_err(io_err)?;
    }
    Ok(RunFileHead {
        ends_line: last[0] == b'\n' || format == RunFormat::Compact,
        format,
        start_ns,
    })
}
