//! The byte stream of a `tcp-session:PORT` probe cut back into probe
//! messages. The prober writes every probe as one message of the run's
//! payload size (magic, target, nonce, index, fill, see [`ProbePayload`]);
//! the echo returns the same bytes, but TCP keeps no message boundaries: a
//! read may hold half a message or several. The parser keeps the unfinished
//! tail between reads and, when the stream does not start with the magic
//! where a message should begin (bytes not ours), skips to the next magic.
//!
//! Pure and total: any input, any split, never a panic.

use super::payload::MAGIC;
use super::{ProbePayload, MIN_PAYLOAD};

/// Cuts a received byte stream into probe messages of a fixed length.
#[derive(Debug, Clone)]
pub struct StreamParser {
    len: usize,
    buf: Vec<u8>,
    skipped: u64,
}

impl StreamParser {
    /// A parser of messages `len` bytes long (at least [`MIN_PAYLOAD`]).
    pub fn new(len: usize) -> StreamParser {
        StreamParser {
            len: len.max(MIN_PAYLOAD),
            buf: Vec::with_capacity(2 * len.max(MIN_PAYLOAD)),
            skipped: 0,
        }
    }

    /// Adds the bytes of one read; every message they complete is appended
    /// to `out` (its identity, as written).
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<ProbePayload>) {
        self.buf.extend_from_slice(bytes);
        let mut at = 0;
        while self.buf.len() - at >= self.len {
            match ProbePayload::parse(&self.buf[at..at + self.len]) {
                Some(p) => {
                    out.push(p);
                    at += self.len;
                }
                None => {
                    let next =
                        next_magic(&self.buf[at + 1..]).map_or(self.buf.len(), |i| at + 1 + i);
                    self.skipped += (next - at) as u64;
                    at = next;
                }
            }
        }
        // A tail that cannot begin a message is skipped at once.
        let keep = match next_magic(&self.buf[at..]) {
            Some(k) => at + k,
            None => self.buf.len() - partial_magic(&self.buf[at..]),
        };
        self.skipped += (keep - at) as u64;
        self.buf.drain(..keep);
    }

    /// Bytes skipped because they were not part of a probe message.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Bytes of an unfinished message held for the next read.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }
}

/// Where the magic starts in `b`, if it does (whole).
fn next_magic(b: &[u8]) -> Option<usize> {
    b.windows(MAGIC.len()).position(|w| w == MAGIC)
}

/// How many bytes at the end of `b` are a beginning of the magic (0-3):
/// a message may start there.
fn partial_magic(b: &[u8]) -> usize {
    (1..MAGIC.len())
        .rev()
        .find(|&n| b.len() >= n && b[b.len() - n..] == MAGIC[..n])
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEN: usize = 32;

    fn message(index: u64) -> Vec<u8> {
        let mut m = vec![0u8; LEN];
        ProbePayload {
            target: 1,
            nonce: 0xfeed,
            index,
        }
        .write(&mut m);
        m
    }

    fn stream(n: u64) -> Vec<u8> {
        (0..n).flat_map(message).collect()
    }

    fn indices(out: &[ProbePayload]) -> Vec<u64> {
        out.iter().map(|p| p.index).collect()
    }

    #[test]
    fn every_split_of_the_stream_gives_every_message_once() {
        let s = stream(5);
        for chunk in 1..=s.len() {
            let mut p = StreamParser::new(LEN);
            let mut out = Vec::new();
            for c in s.chunks(chunk) {
                p.feed(c, &mut out);
            }
            assert_eq!(indices(&out), vec![0, 1, 2, 3, 4], "chunks of {chunk}");
            assert_eq!((p.skipped(), p.pending()), (0, 0));
        }
    }

    #[test]
    fn coalesced_messages_come_out_in_order_and_a_tail_waits() {
        let s = stream(3);
        let mut p = StreamParser::new(LEN);
        let mut out = Vec::new();
        p.feed(&s[..LEN * 2 + 5], &mut out);
        assert_eq!(indices(&out), vec![0, 1]);
        assert_eq!(p.pending(), 5);
        p.feed(&s[LEN * 2 + 5..], &mut out);
        assert_eq!(indices(&out), vec![0, 1, 2]);
    }

    #[test]
    fn garbage_is_skipped_and_the_stream_resynchronises() {
        let mut s = b"hello\r\nMGP".to_vec();
        s.extend(message(7));
        s.extend(b"MG");
        s.extend(message(8));
        let mut p = StreamParser::new(LEN);
        let mut out = Vec::new();
        for c in s.chunks(3) {
            p.feed(c, &mut out);
        }
        assert_eq!(indices(&out), vec![7, 8]);
        assert_eq!(p.skipped(), 12);
        assert_eq!(p.pending(), 0);
    }

    #[test]
    fn arbitrary_bytes_never_panic_nor_grow_the_buffer() {
        let mut p = StreamParser::new(LEN);
        let mut out = Vec::new();
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for round in 0..2_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let n = (x % 97) as usize;
            let bytes: Vec<u8> = (0..n)
                .map(|i| (x >> (i % 8 * 8)) as u8 | (round & 1) as u8)
                .collect();
            p.feed(&bytes, &mut out);
            p.feed(b"MGPB", &mut out);
            assert!(p.pending() < 2 * LEN, "round {round}: {}", p.pending());
        }
        // A message after all that still comes out.
        p.feed(&[0; LEN], &mut out);
        let before = out.len();
        p.feed(&message(99), &mut out);
        assert_eq!(out.len() - before, 1);
        assert_eq!(out.last().map(|p| p.index), Some(99));
        assert_eq!(StreamParser::new(0).len, MIN_PAYLOAD);
    }
}
