//! Reading side: the data frames of a compact file (after its magic) as the
//! JSON Lines they hold, through [`std::io::BufRead`]; frames cut short or
//! damaged are logged as [`Damage`] and skipped.

use super::{INDEX_FRAME, INDEX_LEN, READ_CAP};
use std::io::{self, BufRead, Read};
use std::sync::{Arc, Mutex, PoisonError};
use zstd::bulk::Decompressor;
use zstd::zstd_safe::get_frame_content_size;

/// A part of a compact file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// Byte offset in the file where it starts.
    pub offset: u64,
    /// Number (1-based) the next line read after it has; its lines are lost
    /// before that line.
    pub line: u64,
    /// What was wrong, for people.
    pub why: String,
}

/// The damage found so far, shared between a [`Decoded`] and whoever reads
/// through it (it may be wrapped in other readers).
#[derive(Debug, Clone, Default)]
pub struct DamageLog(Arc<Mutex<Vec<Damage>>>);

impl DamageLog {
    /// Takes the damage logged since the last call.
    pub fn take(&self) -> Vec<Damage> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn push(&self, d: Damage) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(d);
    }
}

/// The JSON Lines of a compact file's data frames.
#[derive(Debug)]
pub struct Decoded<R> {
    src: R,
    /// Raw bytes read from `src` and not yet used.
    raw: Window,
    /// Where `src` is read into (zeroed once, not per read).
    chunk: Box<[u8]>,
    /// Offset in the file of `raw[0]`.
    offset: u64,
    /// Decoded lines of the current frame, and how far they were read.
    out: Vec<u8>,
    pos: usize,
    /// Lines handed out in whole frames so far.
    lines: u64,
    /// Most compressed bytes read (the input's size cap).
    max_size: u64,
    eof: bool,
    damage: DamageLog,
    zstd: Inflater,
}

impl<R: Read> Decoded<R> {
    /// Decodes `src`, positioned after the magic (at file offset `offset`),
    /// reading at most `max_size` bytes of it.
    pub fn new(src: R, offset: u64, max_size: u64) -> Decoded<R> {
        Decoded {
            src,
            raw: Window::default(),
            chunk: vec![0; 1 << 16].into_boxed_slice(),
            offset,
            out: Vec::new(),
            pos: 0,
            lines: 0,
            max_size,
            eof: false,
            damage: DamageLog::default(),
            zstd: Inflater(None),
        }
    }

    /// Where damage is logged.
    pub fn damage(&self) -> DamageLog {
        self.damage.clone()
    }

    /// Reads until `raw` holds `n` bytes or the input ends; false when it ended first.
    fn want(&mut self, n: usize) -> io::Result<bool> {
        while self.raw.len() < n && !self.eof {
            let k = match self.src.read(&mut self.chunk) {
                Ok(k) => k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            self.eof = k == 0;
            self.raw.extend_from_slice(&self.chunk[..k]);
            if self.offset + self.raw.len() as u64 > self.max_size {
                return Err(io::Error::other(format!(
                    "the compact run file holds more than the size cap of {} bytes",
                    self.max_size
                )));
            }
        }
        Ok(self.raw.len() >= n)
    }

    fn consume_raw(&mut self, n: usize) {
        self.raw.consume(n);
        self.offset += n as u64;
    }

    fn note(&self, why: String) {
        self.damage.push(Damage {
            offset: self.offset,
            line: self.lines + 1,
            why,
        });
    }

    /// Decodes the next data frame into `out`; false at the end of the input.
    fn next_frame(&mut self) -> io::Result<bool> {
        loop {
            if !self.want(INDEX_LEN)? {
                if !self.raw.is_empty() {
                    self.note(cut(self.raw.len(), "a frame's index"));
                    self.consume_raw(self.raw.len());
                }
                return Ok(false);
            }
            let word =
                |i: usize| u32::from_le_bytes(self.raw[i..i + 4].try_into().unwrap_or([0; 4]));
            let (magic, size) = (word(0), word(4));
            if magic == INDEX_FRAME && size == 4 {
                if self.data_frame(word(8) as usize)? {
                    return Ok(true);
                }
            } else if skippable_frame_magic(magic) {
                if !self.skip(8 + size as usize)? {
                    return Ok(false);
                }
            } else {
                self.resync()?;
            }
        }
    }

    /// Skips a skippable frame of `n` bytes; false when the input ended in it.
    fn skip(&mut self, n: usize) -> io::Result<bool> {
        if self.want(n)? {
            self.consume_raw(n);
            return Ok(true);
        }
        self.note(cut(self.raw.len(), "a skippable frame"));
        self.consume_raw(self.raw.len());
        Ok(false)
    }

    /// Decodes the data frame of `n` bytes after the index at `raw[0]`:
    /// true when it gave lines.
    fn data_frame(&mut self, n: usize) -> io::Result<bool> {
        if n > READ_CAP || !self.want(INDEX_LEN + n)? {
            if n <= READ_CAP {
                self.note(cut(self.raw.len(), "a data frame"));
                self.consume_raw(self.raw.len());
                return Ok(false);
            }
            self.resync()?;
            return Ok(false);
        }
        let frame = &self.raw[INDEX_LEN..INDEX_LEN + n];
        match self.zstd.inflate(frame, &mut self.out) {
            Ok(()) => {
                self.consume_raw(INDEX_LEN + n);
                self.take_lines();
                Ok(!self.out.is_empty())
            }
            Err(why) => {
                // Its length may be what is damaged (or lines were appended
                // after a cut frame): look for the next frame from here.
                self.note(format!("a damaged frame ({why}), skipped"));
                self.seek_frame()?;
                Ok(false)
            }
        }
    }

    /// Counts the lines just decoded into `out` (ending the last one).
    fn take_lines(&mut self) {
        if self.out.last().is_some_and(|b| *b != b'\n') {
            self.out.push(b'\n');
        }
        self.lines += self.out.iter().filter(|b| **b == b'\n').count() as u64;
        self.pos = 0;
    }

    /// Skips bytes up to the next index frame (or the end), logging them.
    fn resync(&mut self) -> io::Result<()> {
        let start = self.offset;
        let found = self.seek_frame()?;
        let end = if found {
            "resumed at the next frame"
        } else {
            "to the end"
        };
        self.damage.push(Damage {
            offset: start,
            line: self.lines + 1,
            why: format!("{} unreadable bytes, skipped {end}", self.offset - start),
        });
        Ok(())
    }

    /// Skips bytes after `raw[0]` up to the next index frame; false when
    /// there is none (all skipped).
    fn seek_frame(&mut self) -> io::Result<bool> {
        let mut pattern = [0u8; 8];
        pattern[..4].copy_from_slice(&INDEX_FRAME.to_le_bytes());
        pattern[4..].copy_from_slice(&4u32.to_le_bytes());
        let mut from = 1;
        let found = loop {
            let from = std::mem::replace(&mut from, 0).min(self.raw.len());
            if let Some(i) = self.raw[from..].windows(8).position(|w| w == pattern) {
                break Some(from + i);
            }
            let keep = self.raw.len().min(7);
            self.consume_raw(self.raw.len() - keep);
            let have = self.raw.len();
            if !self.want(have + 1)? {
                break None;
            }
        };
        self.consume_raw(found.unwrap_or(self.raw.len()));
        Ok(found.is_some())
    }
}

/// Bytes read and not yet used: `buf[start..]`, moved to the front only
/// once the used part is the larger (so a frame costs no copy of the rest).
#[derive(Debug, Default)]
struct Window {
    buf: Vec<u8>,
    start: usize,
}

impl Window {
    fn extend_from_slice(&mut self, bytes: &[u8]) {
        if self.start > self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.buf.len());
    }
}

impl std::ops::Deref for Window {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

/// True for the magic of a zstd skippable frame (0x184D2A50 to 0x184D2A5F).
fn skippable_frame_magic(magic: u32) -> bool {
    magic & 0xFFFF_FFF0 == 0x184D_2A50
}

/// The message for an input that ends `have` bytes into `what`.
fn cut(have: usize, what: &str) -> String {
    format!("the file ends {have} bytes into {what} (the writer was killed, or is still writing it); its lines are not read")
}

/// A zstd decompression context, kept from frame to frame.
struct Inflater(Option<Decompressor<'static>>);

impl std::fmt::Debug for Inflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Inflater")
    }
}

impl Inflater {
    /// The content of one zstd frame into `out` (replaced), within [`READ_CAP`].
    fn inflate(&mut self, frame: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
        out.clear();
        let size = match get_frame_content_size(frame) {
            Ok(Some(s)) if s <= READ_CAP as u64 => s as usize,
            Ok(Some(s)) => return Err(format!("it claims {s} bytes of lines")),
            Ok(None) => return Err("no content size".into()),
            Err(_) => return Err("not a zstd frame".into()),
        };
        if self.0.is_none() {
            self.0 = Some(Decompressor::new().map_err(|e| e.to_string())?);
        }
        let zstd = self.0.as_mut().ok_or("no zstd context")?;
        out.reserve(size);
        match zstd.decompress_to_buffer(frame, out) {
            Ok(n) if n == size => Ok(()),
            Ok(n) => {
                out.clear();
                Err(format!("{n} bytes of lines where it claims {size}"))
            }
            Err(e) => {
                out.clear();
                Err(e.to_string())
            }
        }
    }
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = {
            let have = self.fill_buf()?;
            let n = have.len().min(buf.len());
            buf[..n].copy_from_slice(&have[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for Decoded<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos >= self.out.len() {
            if !self.next_frame()? {
                self.out.clear();
                self.pos = 0;
                break;
            }
        }
        Ok(&self.out[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.out.len());
    }
}
