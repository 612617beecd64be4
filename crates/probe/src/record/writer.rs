//! Streams run-file lines to disk, flushing at least every 100 ms.

use super::schema::Line;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How often buffered lines reach the file at the latest.
pub(crate) const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// A run file being written.
#[derive(Debug)]
pub struct RunWriter {
    out: BufWriter<File>,
    path: PathBuf,
    last_flush: Instant,
    dirty: bool,
    lines: u64,
}

impl RunWriter {
    /// Creates (truncates) `path`. Call before a long run starts, so a bad path fails at once.
    pub fn create(path: &Path) -> io::Result<RunWriter> {
        Ok(Self::wrap(File::create(path)?, path))
    }

    /// Opens `path` for appending, creating it if needed.
    pub fn append(path: &Path) -> io::Result<RunWriter> {
        let f = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Self::wrap(f, path))
    }

    /// Streams to `f`, already open for writing (created by the caller, e.g.
    /// without following a link); `path` is where it is, for messages.
    pub fn from_file(f: File, path: &Path) -> RunWriter {
        Self::wrap(f, path)
    }

    fn wrap(f: File, path: &Path) -> RunWriter {
        RunWriter {
            out: BufWriter::with_capacity(1 << 16, f),
            path: path.to_owned(),
            last_flush: Instant::now(),
            dirty: false,
            lines: 0,
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Lines written so far.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Appends one line (buffered).
    pub fn write(&mut self, line: &Line) -> io::Result<()> {
        if crate::redact::active() {
            let text = serde_json::to_string(line).map_err(io::Error::other)?;
            self.out
                .write_all(crate::redact::redact(&text).as_bytes())?;
        } else {
            serde_json::to_writer(&mut self.out, line).map_err(io::Error::other)?;
        }
        self.out.write_all(b"\n")?;
        self.lines += 1;
        self.dirty = true;
        self.flush_if_due()
    }

    /// Flushes when the oldest unflushed line is about to be [`FLUSH_EVERY`] old.
    /// Call this at least every few milliseconds while a run is live.
    pub fn flush_if_due(&mut self) -> io::Result<()> {
        if self.dirty && self.last_flush.elapsed() >= FLUSH_EVERY / 2 {
            self.flush()?;
        }
        Ok(())
    }

    /// Flushes buffered lines to the file now.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()?;
        self.last_flush = Instant::now();
        self.dirty = false;
        Ok(())
    }

    /// Flushes and syncs to stable storage.
    pub fn finish(mut self) -> io::Result<()> {
        self.flush()?;
        self.out.get_ref().sync_all()
    }
}
