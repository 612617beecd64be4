//! Streaming files (run files, the trigger log): opened without following a
//! link, written as records arrive, and their first write error kept so the
//! command can stop at once.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

pub(crate) use super::staged::fresh_file;

/// Opens an existing run file to append to it; a link there is refused (`ELOOP`).
pub(crate) fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .append(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
}

/// The first write error of a command's streaming files, shared by the
/// threads that write them: set once, seen by the one that steers.
#[derive(Debug, Clone, Default)]
pub(crate) struct WriteFailure(Arc<OnceLock<String>>);

impl WriteFailure {
    /// Keeps `e` (writing `path`) unless an earlier error is kept already.
    pub(crate) fn record(&self, path: &Path, e: &io::Error) {
        let _ = self.0.set(cannot_write(path, e));
    }

    /// The first error, if a write failed.
    pub(crate) fn get(&self) -> Option<&str> {
        self.0.get().map(String::as_str)
    }

    /// The error to end the command with: what failed, that it stopped at
    /// once, and how to read what `run_file` holds.
    pub(crate) fn stopped(&self, run_file: &Path) -> Option<anyhow::Error> {
        self.get().map(|first| stopped_error(first, run_file))
    }
}

fn cannot_write(path: &Path, e: &io::Error) -> String {
    format!("cannot write {}: {e}", path.display())
}

/// The error that stops a command when its run file `path` cannot be
/// written: `e`, and how to read what the file holds.
pub(crate) fn write_error(path: &Path, e: &io::Error) -> anyhow::Error {
    stopped_error(&cannot_write(path, e), path)
}

/// `first` (a write error) and what to do: everything written to `run_file`
/// before it is kept, and readable elsewhere.
fn stopped_error(first: &str, run_file: &Path) -> anyhow::Error {
    anyhow::anyhow!(
        "{first}\n  stopped at once; everything written before is kept: free some space, or read it \
         with `migprobe report {} --out DIR` (DIR on a disk with room)",
        run_file.display()
    )
}

/// A streamed log (the trigger's output) that keeps its first write error.
#[derive(Debug)]
pub(crate) struct LogFile {
    file: File,
    path: PathBuf,
    failure: WriteFailure,
}

impl LogFile {
    /// The log `file` at `path`; its write errors go to `failure`.
    pub(crate) fn new(file: File, path: &Path, failure: &WriteFailure) -> LogFile {
        LogFile {
            file,
            path: path.to_owned(),
            failure: failure.clone(),
        }
    }

    /// Another handle on the same file, for another writer.
    pub(crate) fn try_clone(&self) -> io::Result<LogFile> {
        Ok(LogFile {
            file: self.file.try_clone()?,
            path: self.path.clone(),
            failure: self.failure.clone(),
        })
    }
}

impl Write for LogFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file
            .write(buf)
            .inspect_err(|e| self.failure.record(&self.path, e))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outputs::tests::{link_to_precious, untouched};

    #[test]
    fn streams_are_created_fresh_and_never_through_a_link() {
        let d = tempfile::tempdir().unwrap();
        let link = d.path().join("run.jsonl");
        let target = link_to_precious(d.path(), &link);
        let e = fresh_file(&link).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        let e = open_append(&link).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ELOOP));
        assert!(untouched(&target));
    }

    #[test]
    fn the_first_write_error_is_kept() {
        let failure = WriteFailure::default();
        assert!(failure.get().is_none() && failure.stopped(Path::new("r")).is_none());
        let full = io::Error::from_raw_os_error(libc::ENOSPC);
        failure.record(Path::new("d/run.jsonl"), &full);
        failure.record(Path::new("d/trigger.log"), &full);
        let first = failure.get().unwrap();
        assert!(
            first.starts_with("cannot write d/run.jsonl: No space left"),
            "{first}"
        );
        let e = failure
            .stopped(Path::new("d/run.jsonl"))
            .unwrap()
            .to_string();
        assert!(
            e.contains("stopped at once") && e.contains("migprobe report d/run.jsonl"),
            "{e}"
        );
    }

    #[test]
    fn a_log_write_error_is_recorded() {
        let failure = WriteFailure::default();
        // /dev/full fails every write with ENOSPC.
        let full = OpenOptions::new().write(true).open("/dev/full").unwrap();
        let log = LogFile::new(full, Path::new("trigger.log"), &failure);
        assert!(log.try_clone().unwrap().write_all(b"line\n").is_err());
        assert!(
            failure.get().unwrap().contains("trigger.log"),
            "{failure:?}"
        );
    }
}
