//! Writing side: one data frame (index frame + zstd frame) from whole lines.

use super::{INDEX_FRAME, INDEX_LEN};
use std::io;
use zstd::bulk::Compressor;
use zstd::zstd_safe::{compress_bound, CParameter};

/// Compresses whole lines into data frames.
pub struct FrameEncoder {
    zstd: Compressor<'static>,
}

impl std::fmt::Debug for FrameEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FrameEncoder")
    }
}

impl FrameEncoder {
    /// An encoder at zstd `level`, writing each frame's checksum.
    pub fn new(level: i32) -> io::Result<FrameEncoder> {
        let mut zstd = Compressor::new(level)?;
        zstd.set_parameter(CParameter::ChecksumFlag(true))?;
        zstd.set_parameter(CParameter::ContentSizeFlag(true))?;
        Ok(FrameEncoder { zstd })
    }

    /// Appends the data frame of `lines` (whole lines, each ending in `\n`)
    /// to `out`.
    pub fn encode(&mut self, lines: &[u8], out: &mut Vec<u8>) -> io::Result<()> {
        let start = out.len();
        let body = start + INDEX_LEN;
        out.resize(body + compress_bound(lines.len()), 0);
        let n = self.zstd.compress_to_buffer(lines, &mut out[body..])?;
        out.truncate(body + n);
        let n = u32::try_from(n).map_err(io::Error::other)?;
        out[start..start + 4].copy_from_slice(&INDEX_FRAME.to_le_bytes());
        out[start + 4..start + 8].copy_from_slice(&4u32.to_le_bytes());
        out[start + 8..body].copy_from_slice(&n.to_le_bytes());
        Ok(())
    }
}
