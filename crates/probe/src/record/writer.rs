//! Streams run-file lines to disk, flushing at least every 100 ms, as JSON
//! Lines or in the compact format ([`super::compact`]: one zstd frame per
//! flush). Both hold the same lines, byte for byte.

use super::compact::{FrameEncoder, RunFormat, LEVEL, MAX_FRAME_CONTENT};
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
    sink: Sink,
    path: PathBuf,
    last_flush: Instant,
    dirty: bool,
    lines: u64,
}

/// Where lines go.
#[derive(Debug)]
enum Sink {
    Jsonl(BufWriter<File>),
    Compact(Compact),
}

/// Lines gathered for the next frame of a compact file.
#[derive(Debug)]
struct Compact {
    file: File,
    lines: Vec<u8>,
    frame: Vec<u8>,
    encoder: FrameEncoder,
}

impl Compact {
    /// Writes the gathered lines as one frame.
    fn write_frame(&mut self) -> io::Result<()> {
        if self.lines.is_empty() {
            return Ok(());
        }
        self.frame.clear();
        self.encoder.encode(&self.lines, &mut self.frame)?;
        self.file.write_all(&self.frame)?;
        self.lines.clear();
        Ok(())
    }
}

impl RunWriter {
    /// Creates (truncates) `path`, as JSON Lines. Call before a long run
    /// starts, so a bad path fails at once.
    pub fn create(path: &Path) -> io::Result<RunWriter> {
        Self::create_as(path, RunFormat::Jsonl)
    }

    /// Creates (truncates) `path` in `format`.
    pub fn create_as(path: &Path, format: RunFormat) -> io::Result<RunWriter> {
        Self::from_file_as(File::create(path)?, path, format)
    }

    /// Opens `path` for appending JSON Lines, creating it if needed.
    pub fn append(path: &Path) -> io::Result<RunWriter> {
        let f = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Self::from_file(f, path))
    }

    /// Streams JSON Lines to `f`, already open for writing (created by the
    /// caller, e.g. without following a link); `path` is where it is, for messages.
    pub fn from_file(f: File, path: &Path) -> RunWriter {
        Self::wrap(Sink::Jsonl(BufWriter::with_capacity(1 << 16, f)), path)
    }

    /// Streams `format` to `f`, already open for writing at its end. A
    /// compact file starts with its magic, written now when `f` is empty;
    /// frames appended to a compact file continue it.
    pub fn from_file_as(mut f: File, path: &Path, format: RunFormat) -> io::Result<RunWriter> {
        if format == RunFormat::Jsonl {
            return Ok(Self::from_file(f, path));
        }
        if f.metadata()?.len() == 0 {
            f.write_all(&super::compact::magic())?;
        }
        let sink = Sink::Compact(Compact {
            file: f,
            lines: Vec::with_capacity(1 << 16),
            frame: Vec::new(),
            encoder: FrameEncoder::new(LEVEL)?,
        });
        Ok(Self::wrap(sink, path))
    }

    fn wrap(sink: Sink, path: &Path) -> RunWriter {
        RunWriter {
            sink,
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

    /// The file's format.
    pub fn format(&self) -> RunFormat {
        match self.sink {
            Sink::Jsonl(_) => RunFormat::Jsonl,
            Sink::Compact(_) => RunFormat::Compact,
        }
    }

    /// Lines written so far.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Appends one line (buffered).
    pub fn write(&mut self, line: &Line) -> io::Result<()> {
        let out: &mut dyn Write = match &mut self.sink {
            Sink::Jsonl(w) => w,
            Sink::Compact(c) => &mut c.lines,
        };
        if crate::redact::active() {
            let text = serde_json::to_string(line).map_err(io::Error::other)?;
            out.write_all(crate::redact::redact(&text).as_bytes())?;
        } else {
            serde_json::to_writer(&mut *out, line).map_err(io::Error::other)?;
        }
        out.write_all(b"\n")?;
        self.lines += 1;
        self.dirty = true;
        if let Sink::Compact(c) = &mut self.sink {
            if c.lines.len() >= MAX_FRAME_CONTENT {
                c.write_frame()?;
            }
        }
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

    /// Flushes buffered lines to the file now (a compact file gets one frame).
    pub fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Jsonl(w) => w.flush()?,
            Sink::Compact(c) => c.write_frame()?,
        }
        self.last_flush = Instant::now();
        self.dirty = false;
        Ok(())
    }

    /// Flushes and syncs to stable storage.
    pub fn finish(mut self) -> io::Result<()> {
        self.flush()?;
        match &self.sink {
            Sink::Jsonl(w) => w.get_ref().sync_all(),
            Sink::Compact(c) => c.file.sync_all(),
        }
    }
}

impl Drop for RunWriter {
    /// Writes what is buffered, as a dropped `BufWriter` does (errors are
    /// lost: call [`RunWriter::flush`] or [`RunWriter::finish`] to see them).
    fn drop(&mut self) {
        if let Sink::Compact(c) = &mut self.sink {
            let _ = c.write_frame();
        }
    }
}
