//! Bounded reading of the files a user gives migprobe: run files, report.json,
//! policy files and text logs. One owner for "how much may be read".
//!
//! Rules:
//! - every input has two caps ([`Limits`]): its total size and the length of
//!   one line; the defaults depend on the kind of input and both can be raised
//!   on the command line ([`SIZE_FLAG`], [`LINE_FLAG`]); crossing either is an
//!   error that names the file, the cap and the flag — never a silent cut;
//! - a regular file larger than its cap is refused before anything is read;
//! - a pipe (`<(zcat run.jsonl.gz)`, a FIFO, `/dev/stdin` fed by a pipe) is
//!   read up to the caps, so an endless writer stops at the cap;
//! - anything else — a device such as `/dev/zero` or `/dev/urandom`, a socket,
//!   a directory — is refused up front: it is not a file and may never end;
//! - memory is bounded by the line cap for line-by-line readers ([`Lines`])
//!   and by the size cap for whole documents ([`read_all`]).

mod lines;
pub mod size;

pub use lines::Lines;

use size::{format_size, suggest_cap, GIB, MIB};
use std::fs::File;
use std::io::{self, BufReader};
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The flag that raises the size cap.
pub const SIZE_FLAG: &str = "--max-input-size";
/// The flag that raises the line-length cap.
pub const LINE_FLAG: &str = "--max-line-length";

/// How much one input may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most bytes read from the input.
    pub max_size: u64,
    /// Most bytes in one line (without its `\n`).
    pub max_line: u64,
}

impl Limits {
    /// Run files: large (229 bytes a probe: 16 GiB is about 20 hours of one
    /// target at 1 kHz), lines short (the longest is the header).
    pub const RUN_FILE: Limits = Limits {
        max_size: 16 * GIB,
        max_line: MIB,
    };
    /// ping, fping and virsh logs, read whole: 4 GiB is about 14 hours of
    /// `ping -D` at 1 kHz.
    pub const LOG: Limits = Limits {
        max_size: 4 * GIB,
        max_line: MIB,
    };
    /// report.json, read whole: a few hundred kB even for long campaigns.
    pub const REPORT: Limits = Limits {
        max_size: 256 * MIB,
        max_line: MIB,
    };
    /// A gate policy file: a handful of keys.
    pub const POLICY: Limits = Limits {
        max_size: MIB,
        max_line: MIB,
    };
    /// migprobe's own output read back at once (`run` reporting the run file
    /// it just wrote): no size cap, run-file lines.
    pub const OWN_RUN_FILE: Limits = Limits {
        max_size: u64::MAX,
        max_line: MIB,
    };

    /// These limits with the caps given on the command line, where given.
    pub fn with(self, max_size: Option<u64>, max_line: Option<u64>) -> Limits {
        Limits {
            max_size: max_size.unwrap_or(self.max_size),
            max_line: max_line.unwrap_or(self.max_line),
        }
    }
}

/// Why an input cannot be read (all name the file and what to do).
#[derive(Debug, Error)]
pub enum InputError {
    /// It could not be opened or read.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// A device, socket or directory.
    #[error("{} is {kind}, not a regular file or a pipe; give the file itself (a device such as /dev/zero never ends)", path.display())]
    NotAFile {
        /// The file.
        path: PathBuf,
        /// What it is instead ("a character device", ...).
        kind: &'static str,
    },
    /// More bytes than the size cap.
    #[error("{} {}, over the cap of {} on one input; if it is genuine, raise the cap with {SIZE_FLAG} {}", path.display(), describe(*size, *cap), format_size(*cap), suggest_cap(size.unwrap_or(*cap).saturating_add(1)))]
    TooBig {
        /// The file.
        path: PathBuf,
        /// Its size, when known up front (a regular file); `None` for a pipe.
        size: Option<u64>,
        /// The cap.
        cap: u64,
    },
    /// A line longer than the line cap.
    #[error("{}: line {line} is longer than the cap of {} on one line; this is not a migprobe input, or if it is genuine, raise the cap with {LINE_FLAG} {}", path.display(), format_size(*cap), suggest_cap(cap.saturating_add(1)))]
    LineTooLong {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The cap.
        cap: u64,
    },
}

/// "is 20 GiB" or "holds more than 16 GiB".
fn describe(size: Option<u64>, cap: u64) -> String {
    match size {
        Some(s) => format!("is {}", format_size(s)),
        None => format!("holds more than {}", format_size(cap)),
    }
}

/// Opens `path` for bounded reading, refusing what is not a regular file or a
/// pipe and a regular file over `limits.max_size`.
pub fn open(path: &Path, limits: Limits) -> Result<Lines<BufReader<File>>, InputError> {
    let io_err = |source| InputError::Io {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    let t = meta.file_type();
    let not = |kind| {
        Err(InputError::NotAFile {
            path: path.to_owned(),
            kind,
        })
    };
    if t.is_dir() {
        return not("a directory");
    }
    if t.is_char_device() {
        return not("a character device");
    }
    if t.is_block_device() {
        return not("a block device");
    }
    if t.is_socket() {
        return not("a socket");
    }
    if t.is_file() && meta.len() > limits.max_size {
        return Err(InputError::TooBig {
            path: path.to_owned(),
            size: Some(meta.len()),
            cap: limits.max_size,
        });
    }
    Ok(Lines::new(
        BufReader::with_capacity(READ_BUFFER, file),
        path,
        limits,
    ))
}

/// Read buffer of [`open`].
const READ_BUFFER: usize = 1 << 20;

/// The whole of `path`, within `limits` (every line checked against the line cap).
pub fn read_all(path: &Path, limits: Limits) -> Result<Vec<u8>, InputError> {
    open(path, limits)?.read_to_end()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn devices_and_directories_are_refused_up_front() {
        for (p, kind) in [("/dev/zero", "character device"), ("/", "directory")] {
            let e = read_all(Path::new(p), Limits::POLICY).unwrap_err();
            assert!(matches!(e, InputError::NotAFile { .. }), "{p}: {e}");
            let msg = e.to_string();
            assert!(msg.contains(kind) && msg.starts_with(p), "{msg}");
        }
        let e = read_all(Path::new("/nonexistent/x"), Limits::POLICY).unwrap_err();
        assert!(matches!(e, InputError::Io { .. }), "{e}");
    }

    #[test]
    fn a_file_over_the_cap_is_refused_before_reading() {
        let path = std::env::temp_dir().join(format!("migprobe-input-{}", std::process::id()));
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(b"0123456789\n"))
            .unwrap();
        let small = Limits {
            max_size: 10,
            max_line: 100,
        };
        let e = read_all(&path, small).unwrap_err();
        assert!(
            matches!(e, InputError::TooBig { size: Some(11), .. }),
            "{e}"
        );
        let msg = e.to_string();
        assert!(
            msg.contains("is 11 bytes") && msg.contains("--max-input-size 16"),
            "{msg}"
        );
        assert_eq!(
            read_all(&path, small.with(Some(11), None)).unwrap().len(),
            11
        );
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn limits_take_the_flags() {
        let l = Limits::REPORT.with(Some(5), None);
        assert_eq!((l.max_size, l.max_line), (5, MIB));
        assert_eq!(Limits::RUN_FILE.with(None, None), Limits::RUN_FILE);
    }
}
