//! The probe payload: magic, target slot, per-run nonce and the 64-bit probe index.
//!
//! Layout (big endian): `b"MGPB"` | target u32 | nonce u64 | index u64 | fill.
//! Nothing without the right magic and nonce counts as a reply.

/// The four magic bytes that open every probe payload.
pub(crate) const MAGIC: [u8; 4] = *b"MGPB";
/// Bytes of the payload that carry identity; the rest is fill.
pub const MIN_PAYLOAD: usize = 24;

/// The identity carried in every probe.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ProbePayload {
    /// Position of the target in the run's target list.
    pub target: u32,
    /// Random per-run value; replies to other runs are ignored.
    pub nonce: u64,
    /// The probe index within its target.
    pub index: u64,
}

impl ProbePayload {
    /// Writes the payload into `buf`: identity first, then a fill pattern.
    /// `buf` shorter than [`MIN_PAYLOAD`] gets a truncated identity (never panics).
    pub fn write(&self, buf: &mut [u8]) {
        let mut head = [0u8; MIN_PAYLOAD];
        head[..4].copy_from_slice(&MAGIC);
        head[4..8].copy_from_slice(&self.target.to_be_bytes());
        head[8..16].copy_from_slice(&self.nonce.to_be_bytes());
        head[16..24].copy_from_slice(&self.index.to_be_bytes());
        let n = buf.len().min(MIN_PAYLOAD);
        buf[..n].copy_from_slice(&head[..n]);
        for (i, b) in buf.iter_mut().enumerate().skip(MIN_PAYLOAD) {
            *b = (i & 0xff) as u8;
        }
    }

    /// Reads a payload; `None` when it is too short or the magic is wrong.
    pub fn parse(buf: &[u8]) -> Option<ProbePayload> {
        if buf.len() < MIN_PAYLOAD || buf[..4] != MAGIC {
            return None;
        }
        let u32_at = |o: usize| u32::from_be_bytes(buf[o..o + 4].try_into().unwrap_or([0; 4]));
        let u64_at = |o: usize| u64::from_be_bytes(buf[o..o + 8].try_into().unwrap_or([0; 8]));
        Some(ProbePayload {
            target: u32_at(4),
            nonce: u64_at(8),
            index: u64_at(16),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_fill() {
        let p = ProbePayload {
            target: 3,
            nonce: 0x0102_0304_0506_0708,
            index: 70_000,
        };
        let mut buf = [0u8; 28];
        p.write(&mut buf);
        assert_eq!(&buf[..4], b"MGPB");
        assert_eq!(&buf[4..8], &[0, 0, 0, 3]);
        assert_eq!(&buf[8..16], &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(&buf[16..24], &70_000u64.to_be_bytes());
        assert_eq!(&buf[24..], &[24, 25, 26, 27]);
        assert_eq!(ProbePayload::parse(&buf), Some(p));
    }

    #[test]
    fn rejects_short_and_foreign() {
        let p = ProbePayload {
            target: 0,
            nonce: 1,
            index: 2,
        };
        let mut buf = [0u8; 24];
        p.write(&mut buf);
        assert!(ProbePayload::parse(&buf[..23]).is_none());
        let mut foreign = buf;
        foreign[0] = b'X';
        assert!(ProbePayload::parse(&foreign).is_none());
        let mut tiny = [0u8; 3];
        p.write(&mut tiny); // must not panic
        assert_eq!(&tiny, b"MGP");
    }
}
