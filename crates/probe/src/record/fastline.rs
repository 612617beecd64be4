//! A fast path for the probe lines migprobe writes: the exact shape of
//! `serde_json::to_string(&Line::Probe(..))` (fields in declaration order,
//! no spaces, no `error` object), read without building a JSON tree.
//!
//! It is never less strict than the general parser: it only answers for a
//! line it reads completely, and then with the very value serde would give;
//! anything else (spaces, another field order, escapes, numbers with a sign
//! or a leading zero where serde would say no, an `error` field, trailing
//! bytes) is `None`, and the caller takes the general path, which also
//! explains what is wrong.

use super::schema::{ProbeLine, ProbeStatus, StampClock};
use crate::types::{ProbeIndex, RealNs};
use std::net::{IpAddr, Ipv4Addr};

/// The probe line `line` (without its `\n`), when it has the writer's exact
/// shape; `None` for anything else.
pub(crate) fn probe_line(line: &[u8]) -> Option<ProbeLine> {
    let mut c = Cursor { rest: line };
    c.eat(br#"{"type":"probe","target":""#)?;
    let target = c.ip()?;
    c.key(b"target_id")?;
    let target_id = u32::try_from(c.unsigned()?).ok()?;
    c.key(b"index")?;
    let index = ProbeIndex(c.unsigned()?);
    c.key(b"seq")?;
    let seq = u16::try_from(c.unsigned()?).ok()?;
    c.key(b"tx_ns")?;
    let tx_ns = RealNs(c.signed()?);
    c.key(b"tx_clock")?;
    let tx_clock = c.clock()?;
    c.key(b"rx_ns")?;
    let rx_ns = c.nullable(Cursor::signed)?.map(RealNs);
    let rx_clock = c.optional(b"rx_clock", Cursor::clock)?;
    c.key(b"rtt_ns")?;
    let rtt_ns = c.nullable(Cursor::signed)?;
    c.key(b"ttl")?;
    let ttl = c
        .nullable(Cursor::unsigned)?
        .map(u8::try_from)
        .transpose()
        .ok()?;
    let bytes = c
        .optional(b"bytes", Cursor::unsigned)?
        .map(u32::try_from)
        .transpose()
        .ok()?;
    c.key(b"dup")?;
    let dup = u32::try_from(c.unsigned()?).ok()?;
    c.key(b"status")?;
    let status = c.status()?;
    (c.rest == b"}").then_some(ProbeLine {
        target,
        target_id,
        index,
        seq,
        tx_ns,
        tx_clock,
        rx_ns,
        rx_clock,
        rtt_ns,
        ttl,
        bytes,
        dup,
        status,
        error: None,
    })
}

/// What is left of the line; every step consumes a token or gives up.
struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    /// Consumes `lit`, or gives up. (Of a size known when compiled, so the
    /// comparison is a few loads, not a call.)
    fn eat<const N: usize>(&mut self, lit: &[u8; N]) -> Option<()> {
        let (head, rest) = self.rest.split_first_chunk::<N>()?;
        (head == lit).then_some(())?;
        self.rest = rest;
        Some(())
    }

    /// Consumes `,"name":`.
    fn key<const N: usize>(&mut self, name: &[u8; N]) -> Option<()> {
        self.eat(b",\"")?;
        self.eat(name)?;
        self.eat(b"\":")
    }

    /// A field that may be absent (serde's `skip_serializing_if`): its value
    /// when the next key is `name`, `Some(None)` when it is another key.
    fn optional<T, const N: usize>(
        &mut self,
        name: &[u8; N],
        value: fn(&mut Self) -> Option<T>,
    ) -> Option<Option<T>> {
        let before = self.rest;
        if self.key(name).is_none() {
            self.rest = before;
            return Some(None);
        }
        value(self).map(Some)
    }

    /// `null`, or a value.
    fn nullable<T>(&mut self, value: fn(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.eat(b"null").is_some() {
            return Some(None);
        }
        value(self).map(Some)
    }

    /// The characters of a string without escapes, after its opening quote;
    /// consumes the closing quote.
    fn string_body(&mut self) -> Option<&'a [u8]> {
        let end = self.rest.iter().position(|&b| b == b'"')?;
        let (body, rest) = self.rest.split_at(end);
        if body.iter().any(|&b| b == b'\\' || b < 0x20) {
            return None;
        }
        self.rest = rest.get(1..)?;
        Some(body)
    }

    /// A quoted string's contents.
    fn string(&mut self) -> Option<&'a [u8]> {
        self.eat(b"\"")?;
        self.string_body()
    }

    /// The target address, after its opening quote.
    fn ip(&mut self) -> Option<IpAddr> {
        let body = self.string_body()?;
        if let Some(v4) = dotted_quad(body) {
            return Some(IpAddr::V4(v4));
        }
        std::str::from_utf8(body).ok()?.parse().ok()
    }

    /// A JSON integer without sign and without a leading zero (serde's
    /// grammar), followed by `,` or `}`: no fraction, no exponent.
    fn unsigned(&mut self) -> Option<u64> {
        let (n, len) = digits(self.rest)?;
        let rest = &self.rest[len..];
        let ok_end = matches!(rest.first(), Some(b',' | b'}'));
        if len == 0 || (self.rest[0] == b'0' && len > 1) || !ok_end {
            return None;
        }
        self.rest = rest;
        Some(n)
    }

    /// A JSON integer that fits an i64 (`-0` is left to the general path).
    fn signed(&mut self) -> Option<i64> {
        if self.eat(b"-").is_some() {
            if self.rest.first() == Some(&b'0') {
                return None;
            }
            let n = self.unsigned()?;
            return 0i64.checked_sub_unsigned(n);
        }
        i64::try_from(self.unsigned()?).ok()
    }

    /// A [`StampClock`] by its serde name.
    fn clock(&mut self) -> Option<StampClock> {
        match self.string()? {
            b"kernel" => Some(StampClock::Kernel),
            b"user" => Some(StampClock::User),
            b"planned" => Some(StampClock::Planned),
            _ => None,
        }
    }

    /// A [`ProbeStatus`] by its serde name.
    fn status(&mut self) -> Option<ProbeStatus> {
        match self.string()? {
            b"ok" => Some(ProbeStatus::Ok),
            b"lost" => Some(ProbeStatus::Lost),
            b"skipped" => Some(ProbeStatus::Skipped),
            b"error" => Some(ProbeStatus::Error),
            b"pending" => Some(ProbeStatus::Pending),
            _ => None,
        }
    }
}

/// The value and length of the decimal digits `text` starts with; `None`
/// when they overflow a u64. One pass: 19 digits always fit, so only a
/// 20th is checked.
fn digits(text: &[u8]) -> Option<(u64, usize)> {
    let mut n: u64 = 0;
    let mut len = 0;
    while let Some(d) = text
        .get(len)
        .map(|b| b.wrapping_sub(b'0'))
        .filter(|d| *d < 10)
    {
        n = if len < 19 {
            n * 10 + u64::from(d)
        } else {
            n.checked_mul(10)?.checked_add(u64::from(d))?
        };
        len += 1;
    }
    Some((n, len))
}

/// An IPv4 address in its canonical form (four octets of 1–3 digits, no
/// leading zero, each ≤ 255), the only form this fast path reads itself;
/// `None` sends anything else to the standard parser.
fn dotted_quad(text: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut rest = text;
    for (i, octet) in octets.iter_mut().enumerate() {
        let (n, len) = digits(rest)?;
        if len == 0 || len > 3 || (rest[0] == b'0' && len > 1) {
            return None;
        }
        *octet = u8::try_from(n).ok()?;
        rest = &rest[len..];
        if i < 3 {
            rest = rest.strip_prefix(b".")?;
        }
    }
    rest.is_empty().then_some(Ipv4Addr::from(octets))
}

#[cfg(test)]
mod tests;
