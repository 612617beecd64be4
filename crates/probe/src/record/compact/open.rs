//! Opening a run file of either format: the format is sniffed from its first
//! bytes (the compact magic, else JSON Lines), and its lines come out as
//! JSON Lines ([`open`]) or as parsed [`Line`]s ([`open_lines`]).

use super::decode::{DamageLog, Decoded};
use super::{RunFormat, FORMAT_VERSION, MAGIC_LEN};
use crate::input::{self, InputError, Limits, Lines};
use crate::record::schema::Line;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

/// The bytes of a run file of either format, as JSON Lines.
#[derive(Debug)]
pub enum RunInput<R> {
    /// A JSON Lines file, read as it is.
    Jsonl(R),
    /// A compact file, decoded.
    Compact(Decoded<R>),
}

impl<R> RunInput<R> {
    /// The format of the file.
    pub fn format(&self) -> RunFormat {
        match self {
            RunInput::Jsonl(_) => RunFormat::Jsonl,
            RunInput::Compact(_) => RunFormat::Compact,
        }
    }
}

impl<R: BufRead> Read for RunInput<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            RunInput::Jsonl(r) => r.read(buf),
            RunInput::Compact(r) => r.read(buf),
        }
    }
}

impl<R: BufRead> BufRead for RunInput<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match self {
            RunInput::Jsonl(r) => r.fill_buf(),
            RunInput::Compact(r) => r.fill_buf(),
        }
    }

    fn consume(&mut self, n: usize) {
        match self {
            RunInput::Jsonl(r) => r.consume(n),
            RunInput::Compact(r) => r.consume(n),
        }
    }
}

/// Sniffs `input` (a run file from its first byte; `path` for messages) and
/// returns its lines within `limits`, with the log of damaged compact frames
/// (always empty for JSON Lines, whose cut lines are bad lines).
///
/// For a compact file the size cap applies to the file's bytes, the line cap
/// to the decoded lines.
pub fn decode<R: BufRead>(
    mut input: R,
    path: &Path,
    limits: Limits,
) -> Result<(Lines<RunInput<R>>, DamageLog), InputError> {
    let io_err = |source| InputError::Io {
        path: path.to_owned(),
        source,
    };
    let head = peek(&mut input, MAGIC_LEN).map_err(io_err)?;
    let magic = super::magic();
    if head.len() < 16 || head[..16] != magic[..16] {
        return Ok((
            Lines::new(RunInput::Jsonl(input), path, limits),
            DamageLog::default(),
        ));
    }
    if head.len() < MAGIC_LEN {
        return Err(io_err(io::Error::other(format!(
            "it ends {} bytes into the 20 bytes that start a compact run file: it holds no line",
            head.len()
        ))));
    }
    if head[16..MAGIC_LEN] != magic[16..] {
        let found = head
            .get(16..MAGIC_LEN)
            .map_or(0, |v| u32::from_le_bytes(v.try_into().unwrap_or([0; 4])));
        return Err(io_err(io::Error::other(format!(
            "it is a compact run file of format version {found} (this migprobe reads version {FORMAT_VERSION}); turn it into JSON Lines with `migprobe cat` of the migprobe that wrote it"
        ))));
    }
    input.consume(MAGIC_LEN);
    let decoded = Decoded::new(input, MAGIC_LEN as u64, limits.max_size);
    let damage = decoded.damage();
    let lines_limits = Limits {
        max_size: u64::MAX,
        ..limits
    };
    Ok((
        Lines::new(RunInput::Compact(decoded), path, lines_limits),
        damage,
    ))
}

/// Up to the first `n` bytes of `input`, not consumed: what its buffer holds
/// after one read (a file's first read fills it; the writer writes the
/// 20-byte magic in one `write`, so a pipe's first read holds it whole).
fn peek<R: BufRead>(input: &mut R, n: usize) -> io::Result<Vec<u8>> {
    let first = input.fill_buf()?;
    Ok(first[..first.len().min(n)].to_vec())
}

/// The lines of a run file on disk, of either format.
pub type FileLines = Lines<RunInput<BufReader<File>>>;

/// Opens the run file `path` of either format within `limits` (see [`decode`]).
pub fn open(path: &Path, limits: Limits) -> Result<(FileLines, DamageLog), InputError> {
    let lines = input::open(path, limits)?;
    decode(lines.into_input(), path, limits)
}

/// One record of a run file, numbered as its line (1-based, counting blank
/// lines, as in the JSONL form).
#[derive(Debug, Clone, PartialEq)]
// A record is moved once, to its reader: boxing the line would cost an
// allocation per line.
#[allow(clippy::large_enum_variant)]
pub enum Record {
    /// A line of a known type.
    Line(u64, Line),
    /// A JSON line whose `"type"` this version does not know (skipped by
    /// readers; a later version may write it).
    Unknown(u64, String),
    /// A line that cannot be used (not JSON, not of its type's shape), or a
    /// damaged or cut compact frame: the number of the next line read after
    /// it, and why.
    Bad(u64, String),
}

/// The records of a run file of either format, in file order: see [`open_lines`].
#[derive(Debug)]
pub struct RunLines<R> {
    lines: Lines<RunInput<R>>,
    damage: DamageLog,
    pending: std::collections::VecDeque<Record>,
    buf: Vec<u8>,
    done: bool,
}

/// The records of the run file `path`, in file order, whatever its format:
/// one [`Record`] per line (blank lines skipped) and one [`Record::Bad`] per
/// damaged compact frame, where it was. An error (unreadable file, a cap
/// crossed) ends the iteration.
///
/// Plausibility checks (see `record::plausible`) are the caller's.
pub fn open_lines(path: &Path, limits: Limits) -> Result<RunLines<BufReader<File>>, InputError> {
    let (lines, damage) = open(path, limits)?;
    Ok(RunLines::new(lines, damage))
}

impl<R: BufRead> RunLines<R> {
    /// The records of lines from [`decode`].
    pub fn new(lines: Lines<RunInput<R>>, damage: DamageLog) -> RunLines<R> {
        RunLines {
            lines,
            damage,
            pending: Default::default(),
            buf: Vec::new(),
            done: false,
        }
    }

    fn next_line(&mut self) -> Result<Option<Record>, InputError> {
        loop {
            let more = self.lines.next_line(&mut self.buf)?;
            self.pending.extend(
                self.damage
                    .take()
                    .into_iter()
                    .map(|d| Record::Bad(d.line, damage_text(&d))),
            );
            if !more {
                return Ok(None);
            }
            if !self.buf.iter().all(u8::is_ascii_whitespace) {
                return Ok(Some(parse(self.lines.line_no(), &self.buf)));
            }
        }
    }
}

/// How a damaged frame is described in a bad-line note.
pub(crate) fn damage_text(d: &super::Damage) -> String {
    format!("compact file, byte {}: {}", d.offset, d.why)
}

/// The record of line `no`.
fn parse(no: u64, line: &[u8]) -> Record {
    match serde_json::from_slice::<Line>(line) {
        Ok(l) => Record::Line(no, l),
        Err(e) => match serde_json::from_slice::<serde_json::Value>(line) {
            Err(_) => Record::Bad(no, format!("not JSON: {e}")),
            Ok(v) => match v.get("type").and_then(|t| t.as_str()) {
                Some(t @ ("header" | "probe" | "duplicate" | "event" | "footer")) => {
                    Record::Bad(no, format!("bad {t} line: {e}"))
                }
                Some(t) => Record::Unknown(no, t.to_owned()),
                None => Record::Bad(no, "no \"type\" field".into()),
            },
        },
    }
}

impl<R: BufRead> Iterator for RunLines<R> {
    type Item = Result<Record, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(r) = self.pending.pop_front() {
                return Some(Ok(r));
            }
            if self.done {
                return None;
            }
            match self.next_line() {
                Ok(Some(r)) => self.pending.push_back(r),
                Ok(None) => self.done = true,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

/// The run file `path` names: `path` itself, or for a run directory the one
/// run file in it (`run.jsonl.zst` or `run.jsonl`). Err says why not, for
/// people.
pub fn resolve(path: &Path) -> Result<std::path::PathBuf, String> {
    if !path.is_dir() {
        return Ok(path.to_owned());
    }
    let names = [RunFormat::Compact, RunFormat::Jsonl].map(RunFormat::file_name);
    let found: Vec<_> = names
        .iter()
        .map(|n| path.join(n))
        .filter(|p| p.exists())
        .collect();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(format!(
            "{} is a directory without a run file ({} or {}); give the run file itself",
            path.display(),
            names[0],
            names[1]
        )),
        _ => Err(format!(
            "{} holds both {} and {}; give the one to read",
            path.display(),
            names[0],
            names[1]
        )),
    }
}
