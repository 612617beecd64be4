//! The compact run file: the JSON Lines of the run file in zstd frames, one
//! frame per flush (at most every 100 ms), so a file that is still being
//! written, or was cut by `kill -9`, reads back up to its last whole frame.
//!
//! Layout (format version [`FORMAT_VERSION`]; docs/run-file.md is the
//! reference, and the file is a valid zstd stream: `zstdcat` prints its JSONL):
//!
//! ```text
//! file       = magic data_frame*
//! magic      = u32le 0x184D2A5E, u32le 12, "MIGPROBE", u32le format_version
//! data_frame = u32le 0x184D2A5F, u32le 4, u32le n, zstd_frame (n bytes)
//! zstd_frame = one zstd frame (RFC 8878) with its content size and checksum;
//!              its content is whole lines, each ending in "\n", exactly as
//!              the `jsonl` format writes them
//! ```
//!
//! Rules:
//! - the first line (in the first data frame) is the header, as in JSONL;
//!   `schema_version` is in it, and `format_version` is in the magic;
//! - readers skip any other zstd skippable frame (a later version may add
//!   some), and read a frame's lines with the JSONL rules (unknown line types
//!   and fields are skipped, as in JSONL);
//! - a frame cut short (the writer was killed, or is still writing it) or
//!   damaged is reported as [`Damage`], never used, and reading goes on at
//!   the next frame when its start can be found.

mod decode;
mod encode;
mod open;
#[cfg(test)]
mod tests;

pub use decode::{Damage, DamageLog, Decoded};
pub use encode::FrameEncoder;
pub(crate) use open::damage_text;
pub use open::{decode, open, open_lines, resolve, FileLines, Record, RunInput, RunLines};

use std::path::Path;

/// Version of the compact layout (the magic's last field); bumped on
/// incompatible changes of the framing (the lines' schema has its own
/// `schema_version`).
pub const FORMAT_VERSION: u32 = 1;

/// The 8 bytes that follow the skippable-frame header at the start of a file.
pub const MAGIC: &[u8; 8] = b"MIGPROBE";

/// zstd skippable-frame magic of the file's magic frame.
const MAGIC_FRAME: u32 = 0x184D_2A5E;
/// zstd skippable-frame magic of the index before each data frame.
const INDEX_FRAME: u32 = 0x184D_2A5F;
/// Bytes of the magic frame: skippable header (8), "MIGPROBE", version.
pub const MAGIC_LEN: usize = 20;
/// Bytes of an index frame: skippable header (8) and the data frame's length.
const INDEX_LEN: usize = 12;

/// A frame's content is sent once it reaches this many bytes (besides
/// every flush), so a busy run's frames stay small.
pub const MAX_FRAME_CONTENT: usize = 1 << 20;
/// Largest frame content a reader accepts (a larger one is damage).
const READ_CAP: usize = 64 << 20;

/// The zstd level the writer uses: on frames of 100 ms, level 1 is both
/// smaller and faster than 3 or 9 (reports/bench/runfile.md).
pub const LEVEL: i32 = 1;

/// How a run file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RunFormat {
    /// zstd frames of JSON Lines (this module), `run.jsonl.zst`.
    #[default]
    Compact,
    /// Plain JSON Lines, `run.jsonl`.
    Jsonl,
}

impl RunFormat {
    /// The run file's name in a run directory.
    pub fn file_name(self) -> &'static str {
        match self {
            RunFormat::Compact => "run.jsonl.zst",
            RunFormat::Jsonl => "run.jsonl",
        }
    }

    /// The format a file name asks for: JSONL for a name ending in `.jsonl`,
    /// else compact.
    pub fn for_path(path: &Path) -> RunFormat {
        match path.extension() {
            Some(e) if e == "jsonl" => RunFormat::Jsonl,
            _ => RunFormat::Compact,
        }
    }
}

/// The first [`MAGIC_LEN`] bytes of every compact file (format version
/// [`FORMAT_VERSION`]).
pub fn magic() -> [u8; MAGIC_LEN] {
    let mut m = [0; MAGIC_LEN];
    m[..4].copy_from_slice(&MAGIC_FRAME.to_le_bytes());
    m[4..8].copy_from_slice(&12u32.to_le_bytes());
    m[8..16].copy_from_slice(MAGIC);
    m[16..].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    m
}
