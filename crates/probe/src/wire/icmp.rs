//! ICMP echo request encoding and reply / error decoding for IPv4 and IPv6.

use super::ip::{v4_header, WireError};
use super::payload::ProbePayload;
use pnet_packet::icmp::{self, echo_request::MutableEchoRequestPacket, IcmpPacket};
use pnet_packet::ipv6::Ipv6Packet;
use pnet_packet::Packet;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// IP version of a socket, target or packet.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// IPv4 / ICMP.
    V4,
    /// IPv6 / ICMPv6.
    V6,
}

impl Family {
    /// The family of an address.
    pub fn of(addr: &IpAddr) -> Family {
        match addr {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }
    fn echo_request_type(self) -> u8 {
        match self {
            Family::V4 => 8,
            Family::V6 => 128,
        }
    }
    fn echo_reply_type(self) -> u8 {
        match self {
            Family::V4 => 0,
            Family::V6 => 129,
        }
    }
}

/// The ICMP errors recorded against a probe.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IcmpErrorKind {
    /// Destination (network, host, port, ...) unreachable; the code tells which.
    DestinationUnreachable,
    /// TTL / hop limit exceeded in transit or reassembly time exceeded.
    TimeExceeded,
    /// ICMPv6 packet too big.
    PacketTooBig,
    /// Parameter problem.
    ParameterProblem,
    /// ICMPv4 source quench (obsolete, still recorded).
    SourceQuench,
}

/// A decoded ICMP message, as far as the prober cares.
#[derive(Debug, PartialEq, Eq)]
pub enum Message<'a> {
    /// An echo reply with its identifier, sequence and payload.
    EchoReply {
        /// ICMP identifier.
        ident: u16,
        /// ICMP sequence number.
        seq: u16,
        /// Echo payload.
        payload: &'a [u8],
    },
    /// An ICMP error that quotes an echo request (possibly truncated).
    Error {
        /// What kind of error.
        kind: IcmpErrorKind,
        /// The ICMP code.
        code: u8,
        /// Destination of the quoted request.
        original_dst: IpAddr,
        /// Identifier of the quoted request.
        ident: u16,
        /// Sequence of the quoted request.
        seq: u16,
        /// Whatever part of the quoted payload was included.
        payload: &'a [u8],
    },
    /// Any other ICMP message (echo requests, errors about other traffic, ...).
    Other {
        /// ICMP type.
        icmp_type: u8,
    },
}

/// A decoded packet: the message and, when known, the TTL / hop limit it arrived with.
#[derive(Debug, PartialEq, Eq)]
pub struct Decoded<'a> {
    /// TTL from the IPv4 header (raw sockets only); `None` when not in the buffer.
    pub ttl: Option<u8>,
    /// The ICMP message.
    pub message: Message<'a>,
}

/// Builds an echo request into `out` (cleared first): 8-byte header plus `payload_len` bytes.
///
/// The ICMPv4 checksum is computed here; the ICMPv6 checksum is left zero
/// because the kernel fills it (it needs the pseudo-header). `payload_len`
/// below [`super::MIN_PAYLOAD`] truncates the identity, which the caller's config prevents.
pub fn encode_echo_request(
    family: Family,
    ident: u16,
    seq: u16,
    payload: &ProbePayload,
    payload_len: usize,
    out: &mut Vec<u8>,
) {
    out.clear();
    out.resize(8 + payload_len, 0);
    out[0] = family.echo_request_type();
    out[4..6].copy_from_slice(&ident.to_be_bytes());
    out[6..8].copy_from_slice(&seq.to_be_bytes());
    payload.write(&mut out[8..]);
    if family == Family::V4 {
        if let Some(mut pkt) = MutableEchoRequestPacket::new(out) {
            let sum = icmp::checksum(&IcmpPacket::new(pkt.packet()).expect("8+ bytes"));
            pkt.set_checksum(sum);
        }
    }
}

/// Decodes one received datagram.
///
/// `with_ip_header` is true for raw IPv4 sockets (the kernel hands over the IP
/// header); IPv6 raw sockets and ICMP datagram sockets deliver the ICMP message alone.
pub fn decode(family: Family, with_ip_header: bool, buf: &[u8]) -> Result<Decoded<'_>, WireError> {
    let (ttl, icmp_bytes) = if with_ip_header && family == Family::V4 {
        let ip = v4_header(buf, 1)?;
        (Some(ip.ttl), &buf[ip.len..])
    } else {
        (None, buf)
    };
    if icmp_bytes.len() < 8 {
        return Err(WireError::Truncated(buf.len()));
    }
    if family == Family::V4 && with_ip_header {
        let pkt = IcmpPacket::new(icmp_bytes).ok_or(WireError::Truncated(buf.len()))?;
        if icmp::checksum(&pkt) != pkt.get_checksum() {
            return Err(WireError::Checksum);
        }
    }
    let (icmp_type, code) = (icmp_bytes[0], icmp_bytes[1]);
    let ident = u16::from_be_bytes([icmp_bytes[4], icmp_bytes[5]]);
    let seq = u16::from_be_bytes([icmp_bytes[6], icmp_bytes[7]]);
    let message = if icmp_type == family.echo_reply_type() {
        Message::EchoReply {
            ident,
            seq,
            payload: &icmp_bytes[8..],
        }
    } else if let Some(kind) = error_kind(family, icmp_type) {
        quoted_echo(family, kind, code, &icmp_bytes[8..]).unwrap_or(Message::Other { icmp_type })
    } else {
        Message::Other { icmp_type }
    };
    Ok(Decoded { ttl, message })
}

fn error_kind(family: Family, icmp_type: u8) -> Option<IcmpErrorKind> {
    use IcmpErrorKind::*;
    match (family, icmp_type) {
        (Family::V4, 3) | (Family::V6, 1) => Some(DestinationUnreachable),
        (Family::V4, 11) | (Family::V6, 3) => Some(TimeExceeded),
        (Family::V4, 12) | (Family::V6, 4) => Some(ParameterProblem),
        (Family::V4, 4) => Some(SourceQuench),
        (Family::V6, 2) => Some(PacketTooBig),
        _ => None,
    }
}

/// Reads the echo request quoted inside an ICMP error; `None` if it quotes something else.
fn quoted_echo(family: Family, kind: IcmpErrorKind, code: u8, body: &[u8]) -> Option<Message<'_>> {
    let (dst, inner): (IpAddr, &[u8]) = match family {
        Family::V4 => {
            let ip = v4_header(body, 1).ok()?;
            (IpAddr::V4(ip.dst), &body[ip.len..])
        }
        Family::V6 => {
            let ip = Ipv6Packet::new(body)?;
            if ip.get_version() != 6 || ip.get_next_header().0 != 58 {
                return None;
            }
            // The quote is often cut short: take what is there, not what the header claims.
            (IpAddr::V6(ip.get_destination()), body.get(40..)?)
        }
    };
    if inner.len() < 8 || inner[0] != family.echo_request_type() {
        return None;
    }
    Some(Message::Error {
        kind,
        code,
        original_dst: dst,
        ident: u16::from_be_bytes([inner[4], inner[5]]),
        seq: u16::from_be_bytes([inner[6], inner[7]]),
        payload: &inner[8..],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    // Fixtures computed independently (Python struct + RFC 1071 checksum).
    const REQ4: &str = "0800e317123411704d475042000000010102030405060708000000000001117018191a1b";
    const REP4_IP: &str = "45000038beef00003f0138cac000020ac00002010000eb17123411704d475042000000010102030405060708000000000001117018191a1b";
    const REQ6: &str = "80000000123411704d475042000000010102030405060708000000000001117018191a1b";
    const REP6: &str = "8100abcd123411704d475042000000010102030405060708000000000001117018191a1b";
    const UNREACH4: &str = "45c000540002000040010000c0000201c00002020301f35d00000000450000380001000040010000c0000202c00002630800e317123411704d475042000000010102030405060708000000000001117018191a1b";
    const TEXC6: &str = "03005555000000006000000000243a4020010db800000000000000000000000220010db80000000000000000000000998000000012341170";

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn payload() -> ProbePayload {
        ProbePayload {
            target: 1,
            nonce: 0x0102_0304_0506_0708,
            index: 70_000,
        }
    }

    #[test]
    fn encodes_requests_byte_for_byte() {
        let mut out = Vec::new();
        for (family, want) in [(Family::V4, REQ4), (Family::V6, REQ6)] {
            encode_echo_request(family, 0x1234, 0x1170, &payload(), 28, &mut out);
            assert_eq!(out, hex(want), "{family:?}");
        }
    }

    #[test]
    fn decodes_replies() {
        let v4 = hex(REP4_IP);
        let d = decode(Family::V4, true, &v4).unwrap();
        assert_eq!(d.ttl, Some(63));
        let Message::EchoReply {
            ident,
            seq,
            payload: p,
        } = d.message
        else {
            panic!("{d:?}")
        };
        assert_eq!((ident, seq), (0x1234, 0x1170));
        assert_eq!(ProbePayload::parse(p), Some(payload()));

        let v6 = hex(REP6);
        let d = decode(Family::V6, false, &v6).unwrap();
        assert_eq!(d.ttl, None);
        assert!(matches!(
            d.message,
            Message::EchoReply {
                ident: 0x1234,
                seq: 0x1170,
                ..
            }
        ));
        // A datagram socket hands over the ICMPv4 message without the IP header.
        let d = decode(Family::V4, false, &v4[20..]).unwrap();
        assert!(matches!(
            d.message,
            Message::EchoReply { ident: 0x1234, .. }
        ));
    }

    #[test]
    fn decodes_errors_with_quoted_request() {
        let buf = hex(UNREACH4);
        let d = decode(Family::V4, true, &buf).unwrap();
        let Message::Error {
            kind,
            code,
            original_dst,
            ident,
            seq,
            payload: p,
        } = d.message
        else {
            panic!("{d:?}")
        };
        assert_eq!(kind, IcmpErrorKind::DestinationUnreachable);
        assert_eq!(code, 1);
        assert_eq!(original_dst, IpAddr::V4(Ipv4Addr::new(192, 0, 2, 99)));
        assert_eq!((ident, seq), (0x1234, 0x1170));
        assert_eq!(ProbePayload::parse(p), Some(payload()));

        let buf = hex(TEXC6);
        let d = decode(Family::V6, false, &buf).unwrap();
        let Message::Error {
            kind,
            original_dst,
            payload: p,
            ..
        } = d.message
        else {
            panic!("{d:?}")
        };
        assert_eq!(kind, IcmpErrorKind::TimeExceeded);
        assert_eq!(
            original_dst,
            IpAddr::V6("2001:db8::99".parse::<Ipv6Addr>().unwrap())
        );
        assert!(p.is_empty(), "quote cut after the ICMP header");
    }

    #[test]
    fn own_requests_and_foreign_types_are_other() {
        let buf = hex(REQ6);
        let d = decode(Family::V6, false, &buf).unwrap();
        assert_eq!(d.message, Message::Other { icmp_type: 128 });
        let buf = hex(REQ4);
        let d = decode(Family::V4, false, &buf).unwrap();
        assert_eq!(d.message, Message::Other { icmp_type: 8 });
    }

    #[test]
    fn malformed_inputs_error_without_panic() {
        let v4 = hex(REP4_IP);
        let mut bad_sum = v4.clone();
        bad_sum[30] ^= 0xff;
        let mut not_icmp = v4.clone();
        not_icmp[9] = 6;
        let mut bad_ihl = v4.clone();
        bad_ihl[0] = 0x4f;
        let cases: Vec<(&str, Vec<u8>, WireError)> = vec![
            ("empty", vec![], WireError::Truncated(0)),
            ("ip only", v4[..20].to_vec(), WireError::Truncated(20)),
            ("checksum", bad_sum, WireError::Checksum),
            ("tcp", not_icmp, WireError::BadIpHeader),
            (
                "ihl past end",
                bad_ihl[..40].to_vec(),
                WireError::BadIpHeader,
            ),
        ];
        for (name, buf, want) in cases {
            assert_eq!(decode(Family::V4, true, &buf).unwrap_err(), want, "{name}");
        }
        assert_eq!(
            decode(Family::V6, false, &[129, 0, 0]).unwrap_err(),
            WireError::Truncated(3)
        );
    }

    #[test]
    fn every_prefix_of_every_fixture_is_safe() {
        for (family, ip, fx) in [
            (Family::V4, true, REP4_IP),
            (Family::V4, true, UNREACH4),
            (Family::V6, false, TEXC6),
            (Family::V6, false, REP6),
        ] {
            let full = hex(fx);
            for n in 0..=full.len() {
                let _ = decode(family, ip, &full[..n]);
                let mut flipped = full[..n].to_vec();
                for b in flipped.iter_mut() {
                    *b = b.wrapping_mul(31).wrapping_add(7);
                }
                let _ = decode(family, ip, &flipped);
            }
        }
    }
}
