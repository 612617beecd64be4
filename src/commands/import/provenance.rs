//! Where imported data came from, and the rule that a file is imported once.
//!
//! Rules: every imported file leaves one `note` event in the run file
//! (`"note": "imported_file"`) with its file name (not its path: run files
//! are shared), its sha256, its format and, for event captures, its origin.
//! Before anything is written, a file whose sha256 is already noted in
//! `--out`, or that is given twice, is refused: its events would count twice.
//! Scanning `--out` only reads, line by line within the run-file caps.

use super::ImportError;
use crate::cli::import::ImportFormat;
use migprobe_probe::input::Limits;
use migprobe_probe::record::{EventLine, Origin};
use migprobe_probe::types::RealNs;
use migprobe_sources::import::NOTE_KIND;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The `note` value of the events that record an imported file.
pub(super) const IMPORTED_FILE: &str = "imported_file";

/// An input file: its path, file name and sha256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Source {
    /// The path as given.
    pub(super) path: PathBuf,
    /// The file name alone.
    pub(super) name: String,
    /// sha256 of its bytes, lower-case hex.
    pub(super) sha256: String,
}

impl Source {
    /// The source `path` whose bytes are `bytes`.
    pub(super) fn new(path: &Path, bytes: &[u8]) -> Source {
        let digest = Sha256::digest(bytes);
        Source {
            path: path.to_owned(),
            name: path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }

    /// The `note` event that records this file's import, at `at_ns`.
    pub(super) fn note(
        &self,
        format: ImportFormat,
        origin: Option<Origin>,
        at_ns: RealNs,
    ) -> EventLine {
        let mut detail = serde_json::json!({
            "note": IMPORTED_FILE,
            "file": self.name,
            "sha256": self.sha256,
            "format": format.name(),
        });
        if let Some(o) = origin {
            detail["origin"] = serde_json::to_value(o).unwrap_or_default();
        }
        EventLine::local(at_ns, NOTE_KIND, detail)
    }
}

/// Refuses a source given twice, or already noted in the run file `out`
/// (when it exists), before anything is written.
pub(super) fn check_new(
    sources: &[Source],
    out: &Path,
    out_exists: bool,
    limits: Limits,
) -> Result<(), ImportError> {
    for (i, s) in sources.iter().enumerate() {
        if let Some(twin) = sources[..i].iter().find(|t| t.sha256 == s.sha256) {
            return Err(already(
                s,
                out,
                format!("{} in this same command", twin.path.display()),
            ));
        }
    }
    if !out_exists {
        return Ok(());
    }
    let (mut lines, _) = migprobe_probe::record::compact::open(out, limits)?;
    let mut buf = Vec::new();
    while lines.next_line(&mut buf)? {
        if !contains(&buf, IMPORTED_FILE.as_bytes()) {
            continue;
        }
        let Some((name, sha)) = recorded(&buf) else {
            continue;
        };
        if let Some(s) = sources.iter().find(|s| s.sha256 == sha) {
            return Err(already(
                s,
                out,
                format!("{name}, line {} of --out", lines.line_no()),
            ));
        }
    }
    Ok(())
}

/// The file name and sha256 an `imported_file` note line records.
fn recorded(line: &[u8]) -> Option<(String, String)> {
    let v: serde_json::Value = serde_json::from_slice(line).ok()?;
    let d = v.get("detail")?;
    if v.get("type")?.as_str()? != "event" || d.get("note")?.as_str()? != IMPORTED_FILE {
        return None;
    }
    Some((
        d.get("file")?.as_str()?.to_owned(),
        d.get("sha256")?.as_str()?.to_owned(),
    ))
}

/// The refusal of `s`, imported before as `earlier`.
fn already(s: &Source, out: &Path, earlier: String) -> ImportError {
    ImportError::AlreadyImported {
        path: s.path.clone(),
        out: out.to_owned(),
        sha256: s.sha256.clone(),
        earlier,
    }
}

/// True when `needle` occurs in `hay`.
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_is_named_and_hashed() {
        let s = Source::new(Path::new("/some/dir/src.log"), b"abc");
        assert_eq!(s.name, "src.log");
        assert_eq!(
            s.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let e = s.note(ImportFormat::VirshEvent, Some(Origin::Src), RealNs(5));
        assert_eq!(e.detail["file"], "src.log");
        assert_eq!(e.detail["origin"], "src");
        let line = serde_json::to_vec(&migprobe_probe::record::Line::Event(e)).unwrap();
        assert_eq!(recorded(&line), Some(("src.log".into(), s.sha256.clone())));
    }

    #[test]
    fn the_same_bytes_twice_are_refused() {
        let a = Source::new(Path::new("a.log"), b"x");
        let b = Source::new(Path::new("b.log"), b"x");
        let e = check_new(&[a, b], Path::new("run.jsonl"), false, Limits::RUN_FILE).unwrap_err();
        assert!(
            e.to_string().contains("FILE b.log was already imported")
                && e.to_string().contains("a.log in this same command"),
            "{e}"
        );
    }
}
