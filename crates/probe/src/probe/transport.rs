//! How one run's probes go on the wire and how their answers are told apart
//! from everything else the sockets see. Pure: no I/O.
//!
//! - ICMP: the echo request carries the payload (magic, nonce, target, index).
//! - UDP: the datagram carries the same payload; an ICMP port unreachable
//!   quotes it, a UDP echo returns it.
//! - TCP: a SYN carries no payload. Its identity is in the header: the
//!   sequence number is the probe index (low 32 bits) masked by a per-run,
//!   per-target key, and the source port is one of a pool the prober holds
//!   (`index % pool`); an answer acknowledges sequence + 1 from the probed
//!   port to that pool port.
//! - TCP session: each probe is one message of the payload (as UDP's) written
//!   on the target's established connection; the echo returns it.

use crate::types::ProbeIndex;
use crate::wire::tcp::{encode_syn, Segment};
use crate::wire::{encode_echo_request, Family, ProbeKind, ProbePayload};
use std::net::IpAddr;

/// The per-run facts needed to encode probes and match answers.
#[derive(Debug, Clone)]
pub struct Transport {
    kind: ProbeKind,
    nonce: u64,
    /// TCP: the source ports held for the run, per family (IPv4, IPv6).
    ports: [Vec<u16>; 2],
    /// TCP: each target's local source address, for checksums computed here.
    sources: Vec<Option<IpAddr>>,
}

impl Transport {
    /// ICMP echo probes of the run with `nonce`.
    pub fn icmp(nonce: u64) -> Transport {
        Transport::new(ProbeKind::Icmp, nonce, [Vec::new(), Vec::new()], Vec::new())
    }

    /// Probes of `kind`. TCP probes use source ports from `ports` (per family:
    /// IPv4, IPv6) and compute the checksum from `sources` (per target) where
    /// given; the kernel fills it otherwise.
    pub fn new(
        kind: ProbeKind,
        nonce: u64,
        ports: [Vec<u16>; 2],
        sources: Vec<Option<IpAddr>>,
    ) -> Transport {
        Transport {
            kind,
            nonce,
            ports,
            sources,
        }
    }

    /// The kind of probe.
    pub fn kind(&self) -> ProbeKind {
        self.kind
    }

    /// Encodes probe `index` of `target` (at `dst`) into `out`: `payload_len`
    /// payload bytes for ICMP (after the header with `ident`) and UDP; a SYN for TCP.
    pub fn encode(
        &self,
        target: u32,
        dst: IpAddr,
        ident: u16,
        index: ProbeIndex,
        payload_len: usize,
        out: &mut Vec<u8>,
    ) {
        let payload = ProbePayload {
            target,
            nonce: self.nonce,
            index: index.0,
        };
        match self.kind {
            ProbeKind::Icmp => {
                let family = Family::of(&dst);
                encode_echo_request(family, ident, index.seq(), &payload, payload_len, out)
            }
            ProbeKind::Udp(_) | ProbeKind::TcpSession(_) => {
                out.clear();
                out.resize(payload_len, 0);
                payload.write(out);
            }
            ProbeKind::Tcp(port) => {
                let sport = self.source_port(Family::of(&dst), index.0 as u32);
                let seq = self.key(target) ^ index.0 as u32;
                let src = self.sources.get(target as usize).copied().flatten();
                encode_syn(sport, port, seq, src.map(|s| (s, dst)), out)
            }
        }
    }

    /// The TCP source port of the probe whose index ends in `low`.
    fn source_port(&self, family: Family, low: u32) -> u16 {
        let pool = &self.ports[family as usize];
        match pool.len() {
            0 => 0,
            n => pool[low as usize % n],
        }
    }

    /// The mask of `target`'s TCP sequence numbers in this run.
    fn key(&self, target: u32) -> u32 {
        let x = self.nonce ^ u64::from(target).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (x ^ (x >> 32)) as u32
    }

    /// The low 32 bits of the index of `target`'s SYN that `seg` answers, if
    /// it answers one: a SYN-ACK or RST from the probed port to the pool port
    /// of that probe, acknowledging its sequence number.
    pub fn syn_answered(&self, target: u32, family: Family, seg: &Segment) -> Option<u32> {
        let ProbeKind::Tcp(port) = self.kind else {
            return None;
        };
        if seg.src_port != port || !seg.answers_syn() {
            return None;
        }
        let low = seg.ack.wrapping_sub(1) ^ self.key(target);
        (self.ports[family as usize].contains(&seg.dst_port)
            && self.source_port(family, low) == seg.dst_port)
            .then_some(low)
    }
}

/// The 64-bit index whose low 32 bits are `low`, nearest to `near` (the
/// newest index sent): indices wrap their 32 bits after 49 days at 1 kHz.
pub fn widen(low: u32, near: u64) -> u64 {
    const SPAN: i128 = 1 << 32;
    let base = i128::from(near) & !(SPAN - 1);
    let c = base | i128::from(low);
    let best = [c - SPAN, c, c + SPAN]
        .into_iter()
        .filter(|&x| x >= 0 && x <= i128::from(u64::MAX))
        .min_by_key(|&x| (x - i128::from(near)).abs())
        .unwrap_or(c);
    u64::try_from(best).unwrap_or(u64::from(low))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::tcp::decode_segment;
    use pnet_packet::tcp::TcpFlags;

    const V4: &str = "192.0.2.2";

    fn tcp() -> Transport {
        Transport::new(
            ProbeKind::Tcp(9),
            0x0123_4567_89ab_cdef,
            [vec![40_000, 40_001, 40_002], vec![50_000]],
            vec![Some("192.0.2.1".parse().unwrap())],
        )
    }

    /// The answer a target's stack gives to `syn`.
    fn answer(syn: &[u8], flags: u8) -> Segment {
        let s = decode_segment(Family::V6, false, syn).unwrap();
        let seq = u32::from_be_bytes([syn[4], syn[5], syn[6], syn[7]]);
        Segment {
            ttl: None,
            src_port: s.dst_port,
            dst_port: s.src_port,
            ack: seq.wrapping_add(1),
            flags,
            len: 20,
        }
    }

    #[test]
    fn a_syn_is_answered_by_its_syn_ack_or_reset_only() {
        let t = tcp();
        let dst = V4.parse().unwrap();
        let mut syn = Vec::new();
        for index in [0u64, 1, 2, 3, 70_000, (1 << 32) + 5] {
            t.encode(0, dst, 0, ProbeIndex(index), 56, &mut syn);
            assert_eq!(syn.len(), 24, "a SYN whatever the payload size");
            for flags in [TcpFlags::SYN | TcpFlags::ACK, TcpFlags::RST | TcpFlags::ACK] {
                let a = answer(&syn, flags);
                assert_eq!(t.syn_answered(0, Family::V4, &a), Some(index as u32));
                assert_eq!(
                    t.syn_answered(0, Family::V6, &a),
                    None,
                    "other family's pool"
                );
            }
            let a = answer(&syn, TcpFlags::SYN | TcpFlags::ACK);
            let cases = [
                (
                    "bare ACK",
                    Segment {
                        flags: TcpFlags::ACK,
                        ..a
                    },
                ),
                ("other port", Segment { src_port: 10, ..a }),
                (
                    "other pool port",
                    Segment {
                        dst_port: a.dst_port ^ 3,
                        ..a
                    },
                ),
                (
                    "acks another sequence",
                    Segment {
                        ack: a.ack.wrapping_add(1),
                        ..a
                    },
                ),
            ];
            for (name, seg) in cases {
                assert_eq!(t.syn_answered(0, Family::V4, &seg), None, "{name}");
            }
        }
    }

    #[test]
    fn other_kinds_encode_their_payload_and_never_match_segments() {
        let dst: IpAddr = "2001:db8::2".parse().unwrap();
        let mut out = Vec::new();
        let udp = Transport::new(ProbeKind::Udp(9), 7, Default::default(), Vec::new());
        udp.encode(3, dst, 0, ProbeIndex(5), 30, &mut out);
        assert_eq!(out.len(), 30);
        let p = ProbePayload::parse(&out).unwrap();
        assert_eq!((p.target, p.nonce, p.index), (3, 7, 5));
        let icmp = Transport::icmp(7);
        icmp.encode(3, dst, 0x1234, ProbeIndex(5), 30, &mut out);
        assert_eq!((out.len(), out[0]), (38, 128));
        let seg = answer(
            &{
                tcp().encode(0, dst, 0, ProbeIndex(1), 0, &mut out);
                out.clone()
            },
            TcpFlags::RST | TcpFlags::ACK,
        );
        assert_eq!(udp.syn_answered(0, Family::V6, &seg), None);
        assert_eq!(icmp.syn_answered(0, Family::V6, &seg), None);
    }

    #[test]
    fn an_empty_pool_gives_port_zero_and_matches_nothing() {
        let t = Transport::new(ProbeKind::Tcp(9), 1, Default::default(), Vec::new());
        let mut out = Vec::new();
        t.encode(0, V4.parse().unwrap(), 0, ProbeIndex(1), 0, &mut out);
        assert_eq!(&out[..2], &[0, 0]);
        assert_eq!(
            t.syn_answered(0, Family::V4, &answer(&out, TcpFlags::RST | TcpFlags::ACK)),
            None
        );
    }

    #[test]
    fn widen_finds_the_nearest_index() {
        const W: u64 = 1 << 32;
        for (low, near, want) in [
            (5u32, 3u64, 5u64),
            (5, 0, 5),
            (u32::MAX, 2, u64::from(u32::MAX)),
            (3, W - 2, W + 3),
            (u32::MAX - 1, W + 3, W - 2),
            (7, 5 * W + 100, 5 * W + 7),
            (7, u64::MAX, 0xffff_ffff_0000_0007),
        ] {
            assert_eq!(widen(low, near), want, "{low} near {near}");
        }
    }
}
