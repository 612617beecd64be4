//! TCP SYN probes: the SYN sent, and the segment that answers it (SYN-ACK
//! from an open port, RST from a closed one).

use super::icmp::Family;
use super::ip::{v4_header, WireError};
use pnet_packet::tcp::{self, MutableTcpPacket, TcpFlags, TcpPacket};
use std::net::IpAddr;

/// Bytes of the SYN: a 20-byte header and the MSS option.
pub const SYN_LEN: usize = 24;
/// MSS the SYN announces (only its presence matters: some stacks drop option-less SYNs).
const MSS: u16 = 1460;
/// Receive window the SYN announces.
const WINDOW: u16 = 64_240;

/// The parts of a received TCP segment that identify the probe it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// TTL from the IPv4 header (raw IPv4 sockets); `None` when not in the buffer.
    pub ttl: Option<u8>,
    /// The target's port.
    pub src_port: u16,
    /// Our port.
    pub dst_port: u16,
    /// Acknowledgment number (our SYN's sequence + 1 when it answers a SYN).
    pub ack: u32,
    /// TCP flags.
    pub flags: u8,
    /// Bytes of the TCP segment.
    pub len: usize,
}

impl Segment {
    /// True for a SYN-ACK or an RST with ACK: what a SYN is answered with.
    pub fn answers_syn(&self) -> bool {
        let syn_ack = TcpFlags::SYN | TcpFlags::ACK;
        let rst_ack = TcpFlags::RST | TcpFlags::ACK;
        self.flags & syn_ack == syn_ack || self.flags & rst_ack == rst_ack
    }

    /// True for an RST (a closed port); false for a SYN-ACK (an open one).
    pub fn is_reset(&self) -> bool {
        self.flags & TcpFlags::RST != 0
    }
}

/// Builds a SYN from `sport` to `dport` with sequence `seq` into `out` (cleared first).
///
/// The checksum needs the pseudo-header: with `addrs` = (source, destination)
/// of one family it is computed here; without, it is left zero for the kernel
/// (IPv6 raw sockets with `IPV6_CHECKSUM`).
pub fn encode_syn(
    sport: u16,
    dport: u16,
    seq: u32,
    addrs: Option<(IpAddr, IpAddr)>,
    out: &mut Vec<u8>,
) {
    out.clear();
    out.resize(SYN_LEN, 0);
    let Some(mut p) = MutableTcpPacket::new(out) else {
        return;
    };
    p.set_source(sport);
    p.set_destination(dport);
    p.set_sequence(seq);
    p.set_data_offset((SYN_LEN / 4) as u8);
    p.set_flags(TcpFlags::SYN);
    p.set_window(WINDOW);
    let [hi, lo] = MSS.to_be_bytes();
    out[20..24].copy_from_slice(&[2, 4, hi, lo]);
    if let Some(sum) = addrs.and_then(|(s, d)| checksum(out, s, d)) {
        out[16..18].copy_from_slice(&sum.to_be_bytes());
    }
}

/// The TCP checksum of `segment` between `src` and `dst`; `None` when the
/// families differ or the segment is shorter than a header.
fn checksum(segment: &[u8], src: IpAddr, dst: IpAddr) -> Option<u16> {
    let p = TcpPacket::new(segment)?;
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => Some(tcp::ipv4_checksum(&p, &s, &d)),
        (IpAddr::V6(s), IpAddr::V6(d)) => Some(tcp::ipv6_checksum(&p, &s, &d)),
        _ => None,
    }
}

/// Decodes one segment from a raw TCP socket.
///
/// `with_ip_header` is true for raw IPv4 sockets: the IPv4 header comes
/// first. IPv6 raw sockets deliver the segment alone.
///
/// The checksum is not verified: a segment from a local sender (a veth
/// peer, a guest's tap device with checksum offload) reaches a raw socket
/// with only the pseudo-header sum filled in (CHECKSUM_PARTIAL), which the
/// kernel rightly trusts. The acknowledgment number and ports identify an
/// answer; a corrupted one does not match.
pub fn decode_segment(
    family: Family,
    with_ip_header: bool,
    buf: &[u8],
) -> Result<Segment, WireError> {
    let (ttl, seg) = if with_ip_header && family == Family::V4 {
        let ip = v4_header(buf, 6)?;
        (Some(ip.ttl), &buf[ip.len..])
    } else {
        (None, buf)
    };
    let p = TcpPacket::new(seg).ok_or(WireError::Truncated(buf.len()))?;
    Ok(Segment {
        ttl,
        src_port: p.get_source(),
        dst_port: p.get_destination(),
        ack: p.get_acknowledgement(),
        flags: p.get_flags(),
        len: seg.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Fixtures computed independently (Python struct + RFC 1071 checksum).
    /// SYN 192.0.2.1:40000 → 192.0.2.2:9, seq 0x01020304, MSS 1460.
    const SYN4: &str = "9c40000901020304000000006002faf078e20000020405b4";
    /// SYN [2001:db8::1]:40000 → [2001:db8::2]:9, seq 0x01020304, MSS 1460.
    const SYN6: &str = "9c40000901020304000000006002faf0a1710000020405b4";
    /// RST+ACK 192.0.2.2:9 → 192.0.2.1:40000, ack 0x01020305, TTL 64, with its IPv4 header.
    const RST4_IP: &str =
        "450000280000400040060000c0000202c000020100099c400000000001020305501400008b7c0000";

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn encodes_syns_byte_for_byte() {
        let mut out = Vec::new();
        let cases = [
            (("192.0.2.1", "192.0.2.2"), &hex(SYN4)[16..18], "IPv4"),
            (("2001:db8::1", "2001:db8::2"), &hex(SYN6)[16..18], "IPv6"),
            (
                ("192.0.2.1", "2001:db8::2"),
                &[0, 0][..],
                "mixed families: no checksum",
            ),
        ];
        for ((src, dst), sum, name) in cases {
            encode_syn(40_000, 9, 0x0102_0304, Some((ip(src), ip(dst))), &mut out);
            assert_eq!(&out[16..18], sum, "{name}");
            assert_eq!(
                (&out[..16], &out[18..]),
                (&hex(SYN4)[..16], &hex(SYN4)[18..]),
                "{name}"
            );
        }
        encode_syn(40_000, 9, 0x0102_0304, None, &mut out);
        assert_eq!(&out[16..18], &[0, 0], "left to the kernel");
    }

    #[test]
    fn decodes_a_reset_with_its_ip_header() {
        let buf = hex(RST4_IP);
        let s = decode_segment(Family::V4, true, &buf).unwrap();
        assert_eq!(
            s,
            Segment {
                ttl: Some(64),
                src_port: 9,
                dst_port: 40_000,
                ack: 0x0102_0305,
                flags: TcpFlags::RST | TcpFlags::ACK,
                len: 20,
            }
        );
        assert!(s.answers_syn() && s.is_reset());
        let v6 = decode_segment(Family::V6, false, &buf[20..]).unwrap();
        assert_eq!(v6.ttl, None);
        assert_eq!(v6.ack, 0x0102_0305);
    }

    #[test]
    fn recognises_what_answers_a_syn() {
        let seg = |flags| Segment {
            ttl: None,
            src_port: 9,
            dst_port: 1,
            ack: 0,
            flags,
            len: 20,
        };
        use TcpFlags::*;
        assert!(seg(SYN | ACK).answers_syn() && !seg(SYN | ACK).is_reset());
        assert!(seg(RST | ACK).answers_syn());
        for f in [SYN, ACK, RST, FIN | ACK, ACK | PSH] {
            assert!(!seg(f).answers_syn(), "{f:#x}");
        }
    }

    /// Found on veth: the peer's SYN-ACK carries a partial checksum, and must still count.
    #[test]
    fn checksums_are_not_verified() {
        let mut partial = hex(RST4_IP);
        partial[36] ^= 0xff;
        assert_eq!(
            decode_segment(Family::V4, true, &partial).unwrap().ack,
            0x0102_0305
        );
    }

    #[test]
    fn malformed_segments_error_without_panic() {
        let good = hex(RST4_IP);
        let mut udp = good.clone();
        udp[9] = 17;
        for (name, buf, want) in [
            ("not tcp", udp, WireError::BadIpHeader),
            ("ip only", good[..20].to_vec(), WireError::Truncated(20)),
            ("empty", vec![], WireError::Truncated(0)),
        ] {
            assert_eq!(
                decode_segment(Family::V4, true, &buf).unwrap_err(),
                want,
                "{name}"
            );
        }
        assert_eq!(
            decode_segment(Family::V6, false, &good[20..39]).unwrap_err(),
            WireError::Truncated(19)
        );
        for n in 0..=good.len() {
            let _ = decode_segment(Family::V4, true, &good[..n]);
            let _ = decode_segment(Family::V6, false, &good[..n]);
        }
    }
}
