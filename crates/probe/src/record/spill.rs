//! The reduced probes of a run file of any length in bounded memory: probe
//! lines are gathered in chunks, each chunk sorted by (target_id, index,
//! arrival) and written to an unnamed temporary file, and the sorted chunks
//! merged into one file in (target_id, index) order with the last line of
//! each probe winning — the very sequence [`super::RunData::probes`] holds,
//! without holding it. The analysis scans it through [`Probes`] as often as
//! it needs.
//!
//! Memory: one chunk ([`CHUNK`] probes, about 40 MB) while reading, one
//! buffer per chunk while merging, one buffer per scan after. Disk: about
//! 30 bytes per probe line twice during the merge, once after; the files
//! have no name and vanish with the store. A run of at most one chunk never
//! touches the disk.

mod codec;
mod merge;

use super::probes::{ProbeIter, Probes};
use super::schema::ProbeLine;
use std::borrow::Cow;
use std::cell::RefCell;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::FileExt;

/// Probe lines per chunk.
pub const CHUNK: usize = 512 * 1024;
/// Bytes read from disk at once per scan or merged chunk.
const READ_BUF: usize = 256 * 1024;

/// The file of sorted chunks and each chunk's byte range in it.
type Runs = (BufWriter<File>, Vec<(u64, u64)>);

/// A record of a sorted chunk: its probe and its bytes in the chunk.
#[derive(Debug, Clone, Copy)]
struct Key {
    target_id: u32,
    index: u64,
    at: usize,
    len: usize,
}

/// Gathers probe lines in arrival order; [`SpillWriter::finish`] gives the store.
#[derive(Debug)]
pub struct SpillWriter {
    bytes: Vec<u8>,
    /// Each record's (target_id, index, arrival in the chunk), packed by
    /// [`packed`] so that one integer sort orders the chunk.
    keys: Vec<u128>,
    /// Where each record of the chunk starts in `bytes`, by arrival.
    starts: Vec<usize>,
    /// The sorted chunks written so far: the file and each chunk's byte range.
    runs: Option<Runs>,
    written: u64,
    chunk: usize,
    /// The key of the last record written, and whether every record so far
    /// came after the one before: then the chunks need no merge and
    /// `index` places each target in the runs file.
    last: Option<(u32, u64)>,
    ordered: bool,
    index: TargetIndex,
}

impl Default for SpillWriter {
    fn default() -> SpillWriter {
        SpillWriter::with_chunk(CHUNK)
    }
}

impl SpillWriter {
    /// A writer with chunks of `chunk` probes (at least one).
    pub fn with_chunk(chunk: usize) -> SpillWriter {
        SpillWriter {
            bytes: Vec::new(),
            keys: Vec::new(),
            starts: Vec::new(),
            runs: None,
            written: 0,
            chunk: chunk.clamp(1, u32::MAX as usize),
            last: None,
            ordered: true,
            index: TargetIndex::default(),
        }
    }

    /// Takes the next probe line; a later line of the same probe wins.
    pub fn push(&mut self, p: &ProbeLine) -> io::Result<()> {
        self.keys
            .push(packed(p.target_id, p.index.0, self.starts.len()));
        self.starts.push(self.bytes.len());
        codec::encode(p, &mut self.bytes);
        if self.keys.len() >= self.chunk {
            self.spill_chunk()?;
        }
        Ok(())
    }

    /// The chunk in memory, sorted and reduced, to the runs file.
    fn spill_chunk(&mut self) -> io::Result<()> {
        let (w, ranges) = match &mut self.runs {
            Some(r) => r,
            None => self
                .runs
                .insert((BufWriter::with_capacity(READ_BUF, tempfile()?), Vec::new())),
        };
        let start = self.written;
        for k in sorted_last(&mut self.keys, &self.starts, self.bytes.len()) {
            let key = (k.target_id, k.index);
            self.ordered &= self.last.is_none_or(|l| l < key);
            self.last = Some(key);
            self.index.note(k.target_id, self.written);
            w.write_all(&self.bytes[k.at..k.at + k.len])?;
            self.written += k.len as u64;
        }
        ranges.push((start, self.written));
        self.keys.clear();
        self.starts.clear();
        self.bytes.clear();
        Ok(())
    }

    /// The probes, reduced to the last line of each, in (target_id, index) order.
    pub fn finish(mut self) -> io::Result<ProbeStore> {
        if self.runs.is_none() {
            return Ok(self.in_memory());
        }
        if !self.keys.is_empty() {
            self.spill_chunk()?;
        }
        let Some((w, ranges)) = self.runs.take() else {
            return Ok(self.in_memory());
        };
        let runs = w.into_inner().map_err(io::IntoInnerError::into_error)?;
        if self.ordered {
            self.index.close(self.written);
            return Ok(ProbeStore::new(Backing::File(runs), self.index));
        }
        let mut out = BufWriter::with_capacity(READ_BUF, tempfile()?);
        let index = merge::merge(&runs, &ranges, &mut out)?;
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        Ok(ProbeStore::new(Backing::File(file), index))
    }

    /// The store of a run that fits one chunk: sorted, in memory.
    fn in_memory(mut self) -> ProbeStore {
        let mut sorted = Vec::with_capacity(self.bytes.len());
        let mut index = TargetIndex::default();
        for k in sorted_last(&mut self.keys, &self.starts, self.bytes.len()) {
            index.note(k.target_id, sorted.len() as u64);
            sorted.extend_from_slice(&self.bytes[k.at..k.at + k.len]);
        }
        index.close(sorted.len() as u64);
        ProbeStore::new(Backing::Memory(sorted), index)
    }
}

/// A record's sorting key: (target_id, index) above its arrival in the
/// chunk (below 2^32: a chunk holds at most `u32::MAX` records).
fn packed(target_id: u32, index: u64, arrival: usize) -> u128 {
    u128::from(target_id) << 96 | u128::from(index) << 32 | arrival as u128
}

/// The records of a chunk (`keys` by [`packed`], `starts` of records ending
/// at `end`) in (target_id, index) order, the last arrival of each probe.
fn sorted_last<'a>(
    keys: &'a mut [u128],
    starts: &'a [usize],
    end: usize,
) -> impl Iterator<Item = Key> + 'a {
    keys.sort_unstable();
    let keys = &*keys;
    let probe = |k: u128| k >> 32;
    (0..keys.len())
        .filter(move |&i| {
            keys.get(i + 1)
                .is_none_or(|next| probe(*next) != probe(keys[i]))
        })
        .map(move |i| {
            let arrival = keys[i] as u32 as usize;
            let at = starts[arrival];
            Key {
                target_id: (keys[i] >> 96) as u32,
                index: (keys[i] >> 32) as u64,
                at,
                len: starts.get(arrival + 1).copied().unwrap_or(end) - at,
            }
        })
}

/// An unnamed temporary file (it vanishes when closed).
fn tempfile() -> io::Result<File> {
    tempfile::tempfile()
}

/// Each target's byte range in the sorted probes.
#[derive(Debug, Default)]
struct TargetIndex {
    ranges: Vec<(u32, u64, u64)>,
}

impl TargetIndex {
    /// A record of `target_id` starts at `at`.
    fn note(&mut self, target_id: u32, at: u64) {
        if self.ranges.last().is_some_and(|r| r.0 == target_id) {
            return;
        }
        self.close(at);
        self.ranges.push((target_id, at, at));
    }

    /// The current target's records end at `end`.
    fn close(&mut self, end: u64) {
        if let Some(last) = self.ranges.last_mut() {
            last.2 = end;
        }
    }

    fn total(&self) -> u64 {
        self.ranges.last().map_or(0, |r| r.2)
    }
}

/// The bytes of the sorted probes.
#[derive(Debug)]
enum Backing {
    Memory(Vec<u8>),
    File(File),
}

/// A run's reduced probes, in memory or on disk, scanned through [`Probes`].
///
/// A scan that cannot read its file (the disk failed under it) ends early;
/// [`ProbeStore::check`] then says so: call it after the analysis.
#[derive(Debug)]
pub struct ProbeStore {
    backing: Backing,
    index: TargetIndex,
    failed: RefCell<Option<io::Error>>,
}

impl ProbeStore {
    fn new(backing: Backing, index: TargetIndex) -> ProbeStore {
        ProbeStore {
            backing,
            index,
            failed: RefCell::new(None),
        }
    }

    /// The probes of `probes` (any order; the last line of a probe wins).
    pub fn from_probes<'a>(
        probes: impl IntoIterator<Item = &'a ProbeLine>,
    ) -> io::Result<ProbeStore> {
        let mut w = SpillWriter::default();
        for p in probes {
            w.push(p)?;
        }
        w.finish()
    }

    /// `Err` when a scan had to stop early because its file could not be read.
    pub fn check(&self) -> io::Result<()> {
        match self.failed.borrow_mut().take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// True when the probes are on disk.
    pub fn on_disk(&self) -> bool {
        matches!(self.backing, Backing::File(_))
    }

    fn records(&self, start: u64, end: u64) -> ProbeIter<'_> {
        Box::new(
            Records {
                store: self,
                raw: Raw::new(&self.backing, start, end),
            }
            .map(Cow::Owned),
        )
    }

    fn fail(&self, e: io::Error) {
        self.failed.borrow_mut().get_or_insert(e);
    }
}

impl Probes for ProbeStore {
    fn scan(&self) -> ProbeIter<'_> {
        self.records(0, self.index.total())
    }

    fn of_target(&self, id: u32) -> ProbeIter<'_> {
        match self.index.ranges.binary_search_by_key(&id, |r| r.0) {
            Ok(i) => self.records(self.index.ranges[i].1, self.index.ranges[i].2),
            Err(_) => Box::new(std::iter::empty()),
        }
    }

    fn target_ids(&self) -> Vec<u32> {
        self.index.ranges.iter().map(|r| r.0).collect()
    }

    fn is_empty(&self) -> bool {
        self.index.total() == 0
    }
}

/// The records of a byte range, one after the other.
struct Raw<'a> {
    backing: &'a Backing,
    /// Offset of the end of `buf` (or of the next record, in memory).
    pos: u64,
    end: u64,
    buf: Vec<u8>,
    /// Next record in `buf`.
    off: usize,
}

impl<'a> Raw<'a> {
    fn new(backing: &'a Backing, start: u64, end: u64) -> Raw<'a> {
        Raw {
            backing,
            pos: start,
            end,
            buf: Vec::new(),
            off: 0,
        }
    }

    /// The next whole record's bytes, or `None` at the end of the range.
    fn next_raw(&mut self) -> io::Result<Option<&[u8]>> {
        if let Backing::Memory(bytes) = self.backing {
            if self.pos >= self.end {
                return Ok(None);
            }
            let at = usize::try_from(self.pos).map_err(|_| damaged())?;
            let rest = bytes.get(at..).ok_or_else(damaged)?;
            let len = codec::record_len(rest).ok_or_else(damaged)?;
            self.pos += len as u64;
            return rest.get(..len).map(Some).ok_or_else(damaged);
        }
        loop {
            let rest = &self.buf[self.off..];
            if let Some(len) = codec::record_len(rest).filter(|&l| l <= rest.len()) {
                let at = self.off;
                self.off += len;
                return Ok(Some(&self.buf[at..at + len]));
            }
            if self.pos >= self.end {
                return if rest.is_empty() {
                    Ok(None)
                } else {
                    Err(damaged())
                };
            }
            self.refill()?;
        }
    }

    /// Keeps the unread bytes and reads more, up to the range's end.
    fn refill(&mut self) -> io::Result<()> {
        let Backing::File(f) = self.backing else {
            return Ok(());
        };
        self.buf.drain(..self.off);
        self.off = 0;
        let want = codec::record_len(&self.buf).map_or(READ_BUF, |l| l.max(READ_BUF));
        let n = usize::try_from(self.end - self.pos)
            .unwrap_or(usize::MAX)
            .min(want);
        let old = self.buf.len();
        self.buf.resize(old + n, 0);
        f.read_exact_at(&mut self.buf[old..], self.pos)?;
        self.pos += n as u64;
        Ok(())
    }
}

/// Decodes the records of a byte range of a store.
struct Records<'a> {
    store: &'a ProbeStore,
    raw: Raw<'a>,
}

impl Iterator for Records<'_> {
    type Item = ProbeLine;

    fn next(&mut self) -> Option<ProbeLine> {
        let got = match self.raw.next_raw() {
            Ok(Some(rec)) => codec::decode(rec).map(Some).ok_or_else(damaged),
            Ok(None) => Ok(None),
            Err(e) => Err(e),
        };
        got.unwrap_or_else(|e| {
            self.store.fail(e);
            self.raw.pos = self.raw.end;
            self.raw.buf.clear();
            self.raw.off = 0;
            None
        })
    }
}

fn damaged() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "the analysis' probe spill file is damaged",
    )
}

#[cfg(test)]
mod tests;
