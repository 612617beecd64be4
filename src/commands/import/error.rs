//! Why `migprobe import` failed: each message names the flag or file at fault
//! and what to do about it.
//!
//! Rules: nothing is written when an input cannot be read; messages say the
//! fix, not only the fault.

use migprobe_probe::record::SCHEMA_VERSION;
use migprobe_sources::import::BuildError;
use std::io;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why an import failed (nothing is written when an input cannot be read).
#[derive(Debug, Error)]
pub enum ImportError {
    /// No input files were given.
    #[error("no input FILE given: name at least one file of captured virsh output")]
    NoInput,
    /// An input file could not be read.
    #[error("cannot read input FILE {path} (check the path and its permissions)")]
    Input {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// An input file is not a file, or over a cap on its size or line length.
    #[error("input FILE: {0}")]
    Limit(migprobe_probe::input::InputError),
    /// `--out` exists but is not a run file.
    #[error(
        "--out {path} exists but is not a migprobe run file ({why}); \
         give a new --out path, or the run file written by `migprobe probe --out`"
    )]
    NotRunFile {
        /// The file.
        path: PathBuf,
        /// What was wrong with its first line.
        why: String,
    },
    /// `--out` is a run file of another schema version.
    #[error(
        "--out {path} is a run file of schema version {found}; this migprobe writes version \
         {SCHEMA_VERSION}: import into a new --out file instead"
    )]
    Version {
        /// The file.
        path: PathBuf,
        /// Its version.
        found: u64,
    },
    /// A flag given for a format it does not apply to.
    #[error("{flag} does not apply to FORMAT {format}: {fix}")]
    FlagNotForFormat {
        /// The flag.
        flag: &'static str,
        /// The format given.
        format: &'static str,
        /// What to do instead.
        fix: &'static str,
    },
    /// A bad `--interval`.
    #[error(transparent)]
    Interval(#[from] migprobe_probe::values::ConfigError),
    /// More than one ping/fping log.
    #[error("FORMAT {format} takes exactly one log FILE (got {count}): import one ping/fping log per run file")]
    OneLog {
        /// The format given.
        format: &'static str,
        /// Files given.
        count: usize,
    },
    /// A ping/fping log into an `--out` that holds only events: the wrong order.
    #[error(
        "--out {path} already exists and holds no probes (its header lists no targets): \
         import the ping log first, then the virsh logs, e.g. \
         `migprobe import ping ping.log --out new.jsonl` and then the \
         `migprobe import virsh-event ... --out new.jsonl` commands again"
    )]
    ProbesFirst {
        /// The file.
        path: PathBuf,
    },
    /// A ping/fping log into an `--out` that already has probes.
    #[error(
        "--out {path} already exists and holds probes (its header lists targets): \
         a ping/fping log makes a new run file, give a new --out path"
    )]
    OutHasProbes {
        /// The file.
        path: PathBuf,
    },
    /// The ping/fping log cannot become probes.
    #[error("FILE {path}: {source}")]
    Log {
        /// The log.
        path: PathBuf,
        /// Why.
        #[source]
        source: BuildError,
    },
    /// An input holds nothing of its FORMAT.
    #[error(
        "FILE {path} holds no {format} output ({bad} lines not understood{first}){hint}; \
         nothing was written"
    )]
    WrongFormat {
        /// The file.
        path: PathBuf,
        /// The format given.
        format: &'static str,
        /// Lines not understood.
        bad: u64,
        /// `, first at line N: "..."`.
        first: String,
        /// What the file looks like, and the command for it.
        hint: String,
    },
    /// An input was already imported into `--out` (or is given twice).
    #[error(
        "FILE {path} was already imported into --out {out} (same sha256 {sha256}, as {earlier}): \
         importing it again would count its events twice; nothing was written"
    )]
    AlreadyImported {
        /// The file.
        path: PathBuf,
        /// The run file.
        out: PathBuf,
        /// Its sha256, hex.
        sha256: String,
        /// How it was imported before (`src-events.log, line 40 of --out`).
        earlier: String,
    },
    /// `--out` is a link, a directory or a special file: never written through.
    #[error("--out {path} {why}")]
    OutNotFile {
        /// The path.
        path: PathBuf,
        /// What is there and what to do.
        why: String,
    },
    /// `--out` could not be opened or written.
    #[error("cannot write --out {path} (check the directory exists and is writable)")]
    Output {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

impl From<migprobe_probe::input::InputError> for ImportError {
    fn from(e: migprobe_probe::input::InputError) -> ImportError {
        match e {
            migprobe_probe::input::InputError::Io { path, source } => {
                ImportError::Input { path, source }
            }
            other => ImportError::Limit(other),
        }
    }
}

impl ImportError {
    /// Maps an I/O error on `--out` to [`ImportError::Output`].
    pub(super) fn output(path: &Path) -> impl Fn(io::Error) -> ImportError + Copy + '_ {
        |source| ImportError::Output {
            path: path.to_owned(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_flag_and_the_fix() {
        let e = ImportError::NotRunFile {
            path: "x.log".into(),
            why: "line 1 is not JSON".into(),
        };
        let s = e.to_string();
        assert!(s.contains("--out x.log") && s.contains("new --out"), "{s}");
        let e = ImportError::Input {
            path: "missing.log".into(),
            source: io::Error::from(io::ErrorKind::NotFound),
        };
        assert!(e.to_string().contains("FILE missing.log"), "{e}");
    }
}
