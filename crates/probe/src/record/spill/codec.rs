//! One probe as bytes in the analysis' spill: fixed-width little-endian
//! fields behind a 16-bit length, nothing lost (the error's strings too).
//! Private to this process: the layout may change with any build.
//!
//! Layout: `len:u32` (bytes after it), `flags:u16`, `enums:u8` (tx clock,
//! rx clock, status), target address (4 or 16 bytes), `target_id:u32`,
//! `index:u64`, `seq:u16` (unless it is the index's low 16 bits),
//! `tx_ns:i64`, then when flagged `rx_ns:i64`, `rtt_ns:i64` (unless it is
//! `rx_ns − tx_ns`), `ttl:u8`, `bytes:u32`, then `dup:u32`, then when flagged
//! the error: `kind` (u32 length + UTF-8), `code:u8`, `from` (tag 4 or 6 +
//! address), `message` (u32 length + UTF-8).

use crate::record::schema::{ProbeError, ProbeLine, ProbeStatus, StampClock};
use crate::types::{ProbeIndex, RealNs};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const V6: u16 = 1;
const RX: u16 = 1 << 1;
const RX_CLOCK: u16 = 1 << 2;
const RTT: u16 = 1 << 3;
const TTL: u16 = 1 << 4;
const BYTES: u16 = 1 << 5;
const ERROR: u16 = 1 << 6;
const CODE: u16 = 1 << 7;
const FROM: u16 = 1 << 8;
const MESSAGE: u16 = 1 << 9;
/// `seq` is the index's low 16 bits (not stored).
const SEQ_OF_INDEX: u16 = 1 << 10;
/// `rtt_ns` is `rx_ns − tx_ns` (not stored).
const RTT_OF_RX: u16 = 1 << 11;

/// Bytes of the length in front of each record.
const LEN: usize = 4;

/// Appends `p`, length first, to `out`.
pub(super) fn encode(p: &ProbeLine, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0; LEN]);
    let flags_at = out.len();
    out.extend_from_slice(&[0, 0]);
    let rx_clock = p.rx_clock.map_or(0, clock_code);
    out.push(clock_code(p.tx_clock) | rx_clock << 2 | status_code(p.status) << 4);
    let mut flags = 0;
    flags |= put_ip(p.target, out, V6);
    out.extend_from_slice(&p.target_id.to_le_bytes());
    out.extend_from_slice(&p.index.0.to_le_bytes());
    if p.seq == p.index.0 as u16 {
        flags |= SEQ_OF_INDEX;
    } else {
        out.extend_from_slice(&p.seq.to_le_bytes());
    }
    out.extend_from_slice(&p.tx_ns.0.to_le_bytes());
    flags |= opt(p.rx_ns.map(|r| r.0.to_le_bytes()), out, RX);
    flags |= if p.rx_clock.is_some() { RX_CLOCK } else { 0 };
    let derived = p.rx_ns.and_then(|rx| rx.0.checked_sub(p.tx_ns.0));
    if p.rtt_ns.is_some() && p.rtt_ns == derived {
        flags |= RTT_OF_RX;
    } else {
        flags |= opt(p.rtt_ns.map(i64::to_le_bytes), out, RTT);
    }
    flags |= opt(p.ttl.map(|t| [t]), out, TTL);
    flags |= opt(p.bytes.map(u32::to_le_bytes), out, BYTES);
    out.extend_from_slice(&p.dup.to_le_bytes());
    if let Some(e) = &p.error {
        flags |= ERROR | put_error(e, out);
    }
    // A probe line is far shorter than 4 GB: the line cap keeps it so.
    let len = u32::try_from(out.len() - flags_at).unwrap_or(u32::MAX);
    out[start..flags_at].copy_from_slice(&len.to_le_bytes());
    out[flags_at..flags_at + 2].copy_from_slice(&flags.to_le_bytes());
}

/// Length of the record at the start of `buf` (its prefix included), when
/// `buf` holds its prefix.
pub(super) fn record_len(buf: &[u8]) -> Option<usize> {
    let b: [u8; LEN] = buf.get(..LEN)?.try_into().ok()?;
    Some(LEN + u32::from_le_bytes(b) as usize)
}

/// The (target_id, index) of one whole record, without decoding the rest.
pub(super) fn key(rec: &[u8]) -> Option<(u32, u64)> {
    let flags = u16::from_le_bytes(rec.get(LEN..LEN + 2)?.try_into().ok()?);
    let at = LEN + 3 + if flags & V6 != 0 { 16 } else { 4 };
    let id = u32::from_le_bytes(rec.get(at..at + 4)?.try_into().ok()?);
    let index = u64::from_le_bytes(rec.get(at + 4..at + 12)?.try_into().ok()?);
    Some((id, index))
}

/// The probe of one whole record (as [`record_len`] measures it); `None`
/// when the bytes are not one.
pub(super) fn decode(rec: &[u8]) -> Option<ProbeLine> {
    let mut r = Reader {
        rest: rec.get(LEN..)?,
    };
    let flags = u16::from_le_bytes(r.take()?);
    let [enums] = r.take()?;
    let has = |f: u16| flags & f != 0;
    let target = r.ip(has(V6))?;
    let target_id = u32::from_le_bytes(r.take()?);
    let index = ProbeIndex(u64::from_le_bytes(r.take()?));
    let seq = if has(SEQ_OF_INDEX) {
        index.0 as u16
    } else {
        u16::from_le_bytes(r.take()?)
    };
    let tx_ns = RealNs(i64::from_le_bytes(r.take()?));
    let rx_ns = r.when(has(RX))?.map(|b| RealNs(i64::from_le_bytes(b)));
    let rtt_ns = if has(RTT_OF_RX) {
        Some(rx_ns?.0.checked_sub(tx_ns.0)?)
    } else {
        r.when(has(RTT))?.map(i64::from_le_bytes)
    };
    let ttl = r.when(has(TTL))?.map(|[t]| t);
    let bytes = r.when(has(BYTES))?.map(u32::from_le_bytes);
    let dup = u32::from_le_bytes(r.take()?);
    let error = if has(ERROR) {
        Some(Box::new(r.error(flags)?))
    } else {
        None
    };
    let rx_clock = if has(RX_CLOCK) {
        Some(clock_of((enums >> 2) & 3)?)
    } else {
        None
    };
    r.rest.is_empty().then_some(())?;
    Some(ProbeLine {
        target,
        target_id,
        index,
        seq,
        tx_ns,
        tx_clock: clock_of(enums & 3)?,
        rx_ns,
        rx_clock,
        rtt_ns,
        ttl,
        bytes,
        dup,
        status: status_of(enums >> 4)?,
        error,
    })
}

/// Appends an optional field; its flag when present.
fn opt<const N: usize>(v: Option<[u8; N]>, out: &mut Vec<u8>, flag: u16) -> u16 {
    v.map_or(0, |b| {
        out.extend_from_slice(&b);
        flag
    })
}

/// Appends an address; `v6` when it is IPv6.
fn put_ip(ip: IpAddr, out: &mut Vec<u8>, v6: u16) -> u16 {
    match ip {
        IpAddr::V4(a) => {
            out.extend_from_slice(&a.octets());
            0
        }
        IpAddr::V6(a) => {
            out.extend_from_slice(&a.octets());
            v6
        }
    }
}

/// Appends an error's fields; the flags of those present.
fn put_error(e: &ProbeError, out: &mut Vec<u8>) -> u16 {
    put_text(&e.kind, out);
    let mut flags = opt(e.code.map(|c| [c]), out, CODE);
    if let Some(from) = e.from {
        out.push(if from.is_ipv6() { 6 } else { 4 });
        put_ip(from, out, 0);
        flags |= FROM;
    }
    if let Some(m) = &e.message {
        put_text(m, out);
        flags |= MESSAGE;
    }
    flags
}

/// Appends a text, its length first.
fn put_text(t: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(&u32::try_from(t.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(t.as_bytes());
}

/// What is left of a record.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.rest.len() < n {
            return None;
        }
        let (b, rest) = self.rest.split_at(n);
        self.rest = rest;
        Some(b)
    }

    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.bytes(N)?.try_into().ok()
    }

    /// `Some(None)` when the field is absent, `None` when the record is short.
    fn when<const N: usize>(&mut self, present: bool) -> Option<Option<[u8; N]>> {
        if present {
            self.take().map(Some)
        } else {
            Some(None)
        }
    }

    fn ip(&mut self, v6: bool) -> Option<IpAddr> {
        Some(if v6 {
            IpAddr::V6(Ipv6Addr::from(self.take::<16>()?))
        } else {
            IpAddr::V4(Ipv4Addr::from(self.take::<4>()?))
        })
    }

    fn text(&mut self) -> Option<String> {
        let len = u32::from_le_bytes(self.take()?) as usize;
        String::from_utf8(self.bytes(len)?.to_vec()).ok()
    }

    fn error(&mut self, flags: u16) -> Option<ProbeError> {
        let kind = self.text()?;
        let code = self.when(flags & CODE != 0)?.map(|[c]| c);
        let from = if flags & FROM != 0 {
            let [tag] = self.take()?;
            Some(self.ip(tag == 6)?)
        } else {
            None
        };
        let message = if flags & MESSAGE != 0 {
            Some(self.text()?)
        } else {
            None
        };
        Some(ProbeError {
            kind,
            code,
            from,
            message,
        })
    }
}

fn clock_code(c: StampClock) -> u8 {
    match c {
        StampClock::Kernel => 0,
        StampClock::User => 1,
        StampClock::Planned => 2,
    }
}

fn clock_of(c: u8) -> Option<StampClock> {
    [StampClock::Kernel, StampClock::User, StampClock::Planned]
        .get(usize::from(c))
        .copied()
}

fn status_code(s: ProbeStatus) -> u8 {
    match s {
        ProbeStatus::Ok => 0,
        ProbeStatus::Lost => 1,
        ProbeStatus::Skipped => 2,
        ProbeStatus::Error => 3,
        ProbeStatus::Pending => 4,
    }
}

fn status_of(s: u8) -> Option<ProbeStatus> {
    [
        ProbeStatus::Ok,
        ProbeStatus::Lost,
        ProbeStatus::Skipped,
        ProbeStatus::Error,
        ProbeStatus::Pending,
    ]
    .get(usize::from(s))
    .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe() -> ProbeLine {
        ProbeLine::without_reply(
            "192.0.2.10".parse().unwrap(),
            7,
            ProbeIndex(123_456_789),
            (RealNs(1_795_651_200_123_456_789), StampClock::Kernel),
            ProbeStatus::Lost,
        )
    }

    fn round_trip(p: &ProbeLine) -> ProbeLine {
        let mut buf = vec![9];
        encode(p, &mut buf);
        assert_eq!(record_len(&buf[1..]), Some(buf.len() - 1));
        assert_eq!(key(&buf[1..]), Some((p.target_id, p.index.0)));
        decode(&buf[1..]).expect("decodes")
    }

    #[test]
    fn every_field_survives() {
        let plain = probe();
        assert_eq!(round_trip(&plain), plain);
        let answered = ProbeLine {
            seq: 3,
            rx_ns: Some(RealNs(plain.tx_ns.0 + 61_000)),
            rtt_ns: Some(61_000),
            status: ProbeStatus::Ok,
            ..probe()
        };
        assert_eq!(round_trip(&answered), answered);
        let odd = ProbeLine {
            rtt_ns: Some(60_999),
            ..answered.clone()
        };
        assert_eq!(round_trip(&odd), odd);
        let full = ProbeLine {
            target: "2001:db8::1".parse().unwrap(),
            rx_ns: Some(RealNs(-5)),
            rx_clock: Some(StampClock::User),
            rtt_ns: Some(i64::MAX),
            ttl: Some(64),
            bytes: Some(64),
            dup: 3,
            status: ProbeStatus::Error,
            error: Some(Box::new(ProbeError {
                kind: "send".into(),
                code: Some(3),
                from: Some("198.51.100.1".parse().unwrap()),
                message: Some("Network is unreachable ✓".into()),
            })),
            ..probe()
        };
        assert_eq!(round_trip(&full), full);
        for status in [ProbeStatus::Ok, ProbeStatus::Skipped, ProbeStatus::Pending] {
            let p = ProbeLine {
                status,
                tx_clock: StampClock::Planned,
                ..probe()
            };
            assert_eq!(round_trip(&p), p);
        }
    }

    #[test]
    fn damaged_records_are_refused() {
        let mut buf = Vec::new();
        encode(&probe(), &mut buf);
        for cut in 0..buf.len() {
            assert_eq!(decode(&buf[..cut]), None, "cut at {cut}");
        }
        buf.push(0);
        assert_eq!(decode(&buf), None, "a byte too many");
    }

    #[test]
    fn long_error_texts_fit() {
        let huge = ProbeLine {
            status: ProbeStatus::Error,
            error: Some(Box::new(ProbeError {
                kind: "send".into(),
                code: None,
                from: None,
                message: Some("x".repeat(70_000)),
            })),
            ..probe()
        };
        assert_eq!(round_trip(&huge), huge);
    }
}
