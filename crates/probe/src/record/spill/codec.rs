//! One probe as bytes in the analysis' spill: little-endian fields behind a
//! length, nothing lost (the error's strings too), the common values in
//! fewer bytes (an answered IPv4 probe as migprobe writes it is 29 bytes). Private to this
//! process: the layout may change with any build.
//!
//! Layout: the length of what follows (`u8` below 255; else 255 then
//! `u32`), `flags:u16`, `enums:u8` (tx clock, rx clock, status), target
//! address (4 or 16 bytes), `target_id:u32`, `index` (`u32` when flagged,
//! else `u64`), `seq:u16` (unless it is the index's low 16 bits),
//! `tx_ns:i64`, then when flagged `rx_ns` (`u32` after `tx_ns` when flagged,
//! else `i64`), `rtt_ns:i64` (unless it is `rx_ns − tx_ns`), `ttl:u8`,
//! `bytes:u32`, `dup:u32` (when not 0), then the error: `kind` (u32 length +
//! UTF-8), `code:u8`, `from` (tag 4 or 6 + address), `message` (u32 length
//! + UTF-8).

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
/// `index` fits a u32 (stored so).
const INDEX32: u16 = 1 << 12;
/// `rx_ns` is `tx_ns` plus a u32 (stored so).
const RX_AFTER_TX: u16 = 1 << 13;
/// `dup` is not 0 (stored).
const DUP: u16 = 1 << 14;

/// The one-byte length that says a `u32` length follows.
const LONG: u8 = u8::MAX;

/// Appends `p`, length first, to `out`.
pub(super) fn encode(p: &ProbeLine, out: &mut Vec<u8>) {
    let start = out.len();
    out.push(0);
    let flags_at = out.len();
    out.extend_from_slice(&[0, 0]);
    let rx_clock = p.rx_clock.map_or(0, clock_code);
    out.push(clock_code(p.tx_clock) | rx_clock << 2 | status_code(p.status) << 4);
    let mut flags = put_ip(p.target, out, V6);
    out.extend_from_slice(&p.target_id.to_le_bytes());
    flags |= put_index(p.index.0, out);
    if p.seq == p.index.0 as u16 {
        flags |= SEQ_OF_INDEX;
    } else {
        out.extend_from_slice(&p.seq.to_le_bytes());
    }
    out.extend_from_slice(&p.tx_ns.0.to_le_bytes());
    flags |= p.rx_ns.map_or(0, |rx| RX | put_rx(p.tx_ns.0, rx.0, out));
    flags |= if p.rx_clock.is_some() { RX_CLOCK } else { 0 };
    let derived = p.rx_ns.and_then(|rx| rx.0.checked_sub(p.tx_ns.0));
    if p.rtt_ns.is_some() && p.rtt_ns == derived {
        flags |= RTT_OF_RX;
    } else {
        flags |= opt(p.rtt_ns.map(i64::to_le_bytes), out, RTT);
    }
    flags |= opt(p.ttl.map(|t| [t]), out, TTL);
    flags |= opt(p.bytes.map(u32::to_le_bytes), out, BYTES);
    flags |= opt((p.dup != 0).then_some(p.dup.to_le_bytes()), out, DUP);
    if let Some(e) = &p.error {
        flags |= ERROR | put_error(e, out);
    }
    out[flags_at..flags_at + 2].copy_from_slice(&flags.to_le_bytes());
    put_len(out, start);
}

/// `index` as a u32 when it fits (flagged), else as a u64.
fn put_index(index: u64, out: &mut Vec<u8>) -> u16 {
    match u32::try_from(index) {
        Ok(short) => {
            out.extend_from_slice(&short.to_le_bytes());
            INDEX32
        }
        Err(_) => {
            out.extend_from_slice(&index.to_le_bytes());
            0
        }
    }
}

/// `rx` as a u32 after `tx` when it fits (flagged), else as an i64.
fn put_rx(tx: i64, rx: i64, out: &mut Vec<u8>) -> u16 {
    match rx.checked_sub(tx).and_then(|d| u32::try_from(d).ok()) {
        Some(after) => {
            out.extend_from_slice(&after.to_le_bytes());
            RX_AFTER_TX
        }
        None => {
            out.extend_from_slice(&rx.to_le_bytes());
            0
        }
    }
}

/// Fills in the length byte at `start` of the record ending `out`, or makes
/// it [`LONG`] and inserts a u32 length after it (a record with long error
/// texts).
fn put_len(out: &mut Vec<u8>, start: usize) {
    let body = out.len() - start - 1;
    match u8::try_from(body).ok().filter(|&b| b != LONG) {
        Some(b) => out[start] = b,
        None => {
            out[start] = LONG;
            // A probe line is far shorter than 4 GB: the line cap keeps it so.
            let len = u32::try_from(body).unwrap_or(u32::MAX);
            out.splice(start + 1..start + 1, len.to_le_bytes());
        }
    }
}

/// Bytes of the length in front of the record starting `buf`, and the
/// length of what follows it; `None` when `buf` does not hold the length.
fn prefix(buf: &[u8]) -> Option<(usize, usize)> {
    match *buf.first()? {
        LONG => {
            let b: [u8; 4] = buf.get(1..5)?.try_into().ok()?;
            Some((5, u32::from_le_bytes(b) as usize))
        }
        short => Some((1, usize::from(short))),
    }
}

/// Length of the record at the start of `buf` (its prefix included), when
/// `buf` holds its prefix.
pub(super) fn record_len(buf: &[u8]) -> Option<usize> {
    prefix(buf).map(|(at, len)| at + len)
}

/// The (target_id, index) of one whole record, without decoding the rest.
pub(super) fn key(rec: &[u8]) -> Option<(u32, u64)> {
    let (body, _) = prefix(rec)?;
    let flags = u16::from_le_bytes(rec.get(body..body + 2)?.try_into().ok()?);
    let at = body + 3 + if flags & V6 != 0 { 16 } else { 4 };
    let id = u32::from_le_bytes(rec.get(at..at + 4)?.try_into().ok()?);
    let index = if flags & INDEX32 != 0 {
        u64::from(u32::from_le_bytes(
            rec.get(at + 4..at + 8)?.try_into().ok()?,
        ))
    } else {
        u64::from_le_bytes(rec.get(at + 4..at + 12)?.try_into().ok()?)
    };
    Some((id, index))
}

/// The probe of one whole record (as [`record_len`] measures it); `None`
/// when the bytes are not one.
pub(super) fn decode(rec: &[u8]) -> Option<ProbeLine> {
    let (body, len) = prefix(rec)?;
    let mut r = Reader {
        rest: rec.get(body..).filter(|rest| rest.len() == len)?,
    };
    let flags = u16::from_le_bytes(r.take()?);
    let [enums] = r.take()?;
    let has = |f: u16| flags & f != 0;
    let target = r.ip(has(V6))?;
    let target_id = u32::from_le_bytes(r.take()?);
    let index = ProbeIndex(if has(INDEX32) {
        u64::from(u32::from_le_bytes(r.take()?))
    } else {
        u64::from_le_bytes(r.take()?)
    });
    let seq = if has(SEQ_OF_INDEX) {
        index.0 as u16
    } else {
        u16::from_le_bytes(r.take()?)
    };
    let tx_ns = RealNs(i64::from_le_bytes(r.take()?));
    let rx_ns = if !has(RX) {
        None
    } else if has(RX_AFTER_TX) {
        let after = u32::from_le_bytes(r.take()?);
        Some(RealNs(tx_ns.0.checked_add(i64::from(after))?))
    } else {
        Some(RealNs(i64::from_le_bytes(r.take()?)))
    };
    let rtt_ns = if has(RTT_OF_RX) {
        Some(rx_ns?.0.checked_sub(tx_ns.0)?)
    } else {
        r.when(has(RTT))?.map(i64::from_le_bytes)
    };
    let ttl = r.when(has(TTL))?.map(|[t]| t);
    let bytes = r.when(has(BYTES))?.map(u32::from_le_bytes);
    let dup = r.when(has(DUP))?.map_or(0, u32::from_le_bytes);
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
    fn wide_values_survive() {
        let tx = probe().tx_ns.0;
        let rxs = [
            tx,
            tx + i64::from(u32::MAX),
            tx + i64::from(u32::MAX) + 1,
            tx - 1,
            i64::MIN,
        ];
        for (i, rx) in rxs.into_iter().enumerate() {
            let p = ProbeLine {
                index: ProbeIndex(
                    [0, u64::from(u32::MAX), u64::from(u32::MAX) + 1, u64::MAX][i % 4],
                ),
                rx_ns: Some(RealNs(rx)),
                rtt_ns: rx.checked_sub(tx),
                dup: u32::MAX,
                status: ProbeStatus::Ok,
                ..probe()
            };
            assert_eq!(round_trip(&p), p, "rx {rx}");
        }
    }

    #[test]
    fn a_written_answer_takes_29_bytes() {
        let tx = probe().tx_ns.0;
        let p = ProbeLine {
            rx_ns: Some(RealNs(tx + 61_000)),
            rtt_ns: Some(61_000),
            ttl: Some(64),
            status: ProbeStatus::Ok,
            ..probe()
        };
        let mut buf = Vec::new();
        encode(&p, &mut buf);
        assert_eq!(buf.len(), 29);
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
        let mut buf = Vec::new();
        encode(&huge, &mut buf);
        assert_eq!(buf[0], LONG);
        for cut in [0, 1, 4, 5, buf.len() - 1] {
            assert_eq!(decode(&buf[..cut]), None, "cut at {cut}");
        }
    }
}
