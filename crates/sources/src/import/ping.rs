//! Parser of iputils `ping` output (also `ping6`, BusyBox `ping` and BSD
//! `Request timeout` lines), with or without `-D` and `-O`, IPv4 and IPv6.
//!
//! Rules: see [`super`]; `icmp_seq` is 16 bits and is unwrapped here, each
//! number placed within ±32 768 of the previous index. A second `PING` header
//! ends the log (its line is noted in [`PingLog::restart_line`]). BusyBox is
//! told by its `seq=` replies or its header's `(addr): N data bytes`; it
//! counts from 0. The statistics lines of both are parsed by `stats`.

use super::log::{HostLog, LineSays, LogKind, Observation, PingLog};
use super::stats::parse_ping_stats;
use super::text::{command_line, harmless, host_parts, lines, parse_decimal, split_stamp};
use migprobe_probe::record::ProbeError;
use std::net::IpAddr;

/// Places a printed 16-bit sequence number next to the previous index.
fn unwrap16(raw: u64, last: Option<u64>) -> u64 {
    let Some(last) = last else { return raw };
    let base = last & !0xffff;
    [
        base.checked_sub(0x1_0000),
        Some(base),
        base.checked_add(0x1_0000),
    ]
    .into_iter()
    .flatten()
    .map(|b| b | raw)
    .min_by_key(|c| c.abs_diff(last))
    .unwrap_or(raw)
}

/// The first `(...)` group (innermost) whose content is an IP address.
fn paren_addr(s: &str) -> Option<IpAddr> {
    let mut rest = s;
    while let Some(open) = rest.find('(') {
        let after = &rest[open + 1..];
        let close = after.find(')')?;
        let inner = &after[..close];
        if let Some(i) = inner.rfind('(') {
            if let Ok(a) = inner[i + 1..].trim().parse() {
                return Some(a);
            }
        } else if let Ok(a) = inner.trim().parse() {
            return Some(a);
        }
        rest = &after[close + 1..];
    }
    None
}

fn icmp_error_from_text(text: &str, from: Option<IpAddr>) -> Option<ProbeError> {
    let t = text.to_ascii_lowercase();
    if t.starts_with("redirect") {
        return None;
    }
    let v6 = matches!(from, Some(IpAddr::V6(_)));
    let pick = |table: &[(&str, u8)]| table.iter().find(|(p, _)| t.contains(p)).map(|x| x.1);
    let (kind, code) = if t.contains("unreachable")
        || t.contains("filtered")
        || t.contains("prohibited")
        || t.contains("no route")
        || t.contains("beyond scope")
        || t.contains("frag needed")
        || t.contains("source route failed")
    {
        let code = if v6 {
            pick(&[
                ("no route", 0),
                ("prohibited", 1),
                ("beyond scope", 2),
                ("address unreachable", 3),
                ("port unreachable", 4),
            ])
        } else {
            pick(&[
                ("net unreachable", 0),
                ("host unreachable", 1),
                ("protocol unreachable", 2),
                ("port unreachable", 3),
                ("frag needed", 4),
                ("source route failed", 5),
                ("packet filtered", 13),
            ])
        };
        ("destination_unreachable", code)
    } else if t.contains("exceeded") {
        let code = if t.contains("reassembly") { 1 } else { 0 };
        ("time_exceeded", Some(code))
    } else if t.contains("too big") {
        ("packet_too_big", Some(0))
    } else if t.contains("parameter problem") {
        ("parameter_problem", None)
    } else if t.contains("source quench") {
        ("source_quench", Some(0))
    } else {
        ("icmp_error", None)
    };
    Some(ProbeError {
        kind: kind.into(),
        code,
        from,
        message: Some(text.trim().to_owned()),
    })
}

/// Parses iputils `ping` output (with or without `-D`, `-O`; IPv4 and IPv6).
pub fn parse_ping(bytes: &[u8]) -> PingLog {
    let mut log = PingLog::new(LogKind::Ping);
    let mut last: Option<u64> = None;
    for (no, line) in lines(bytes) {
        if line.is_empty() || harmless(&line) {
            continue;
        }
        if log.restart_line.is_some() {
            continue;
        }
        let Ok((at, body)) = split_stamp(&line) else {
            log.bad_lines.note(no);
            continue;
        };
        if let Some(rest) = body.strip_prefix("PING ") {
            if log.header_seen {
                log.restart_line = Some(no);
                continue;
            }
            ping_header(&mut log, rest);
            continue;
        }
        let seq_seen = |log: &mut PingLog, raw: u64, seen: LineSays, last: &mut Option<u64>| {
            let index = unwrap16(raw, *last);
            *last = Some(index);
            if log.hosts.is_empty() {
                log.hosts.push(HostLog::default());
            }
            log.hosts[0].observations.push(Observation {
                line_no: no,
                index,
                at,
                seen,
            });
        };
        if let Some((raw, seen, from, busybox)) = ping_reply(body) {
            log.busybox |= busybox;
            seq_seen(&mut log, raw, seen, &mut last);
            // Without a PING header, the first replier names the target.
            let h = &mut log.hosts[0];
            if !log.header_seen && h.addr.is_none() {
                (h.name, h.addr) = host_parts(from);
            }
        } else if let Some(rest) = body.strip_prefix("From ") {
            match ping_error(rest) {
                Some((raw, Some(err))) => seq_seen(&mut log, raw, LineSays::Error(err), &mut last),
                Some((_, None)) => {} // redirect: the probe still goes through
                None => log.bad_lines.note(no),
            }
        } else if let Some(n) = body
            .strip_prefix("no answer yet for icmp_seq=")
            .or_else(|| body.strip_prefix("Request timeout for icmp_seq "))
            .or_else(|| body.strip_prefix("Request timeout for icmp_seq="))
        {
            match n.trim().parse::<u64>() {
                Ok(raw) if raw <= 0xffff => {
                    log.no_answer_lines = true;
                    seq_seen(&mut log, raw, LineSays::NoReply, &mut last);
                }
                _ => log.bad_lines.note(no),
            }
        } else if body.starts_with("--- ") && body.ends_with("statistics ---") {
        } else if body.contains(" packets transmitted, ") {
            match parse_ping_stats(body, no) {
                Some(stats) => {
                    if log.hosts.is_empty() {
                        log.hosts.push(HostLog::default());
                    }
                    log.hosts[0].stats = Some(stats);
                }
                None => log.bad_lines.note(no),
            }
        } else if body.starts_with("rtt ") || body.starts_with("round-trip ") {
        } else if let Some(found) = command_line(body, LogKind::Ping) {
            log.command = found;
        } else {
            log.bad_lines.note(no);
        }
    }
    log
}

fn ping_header(log: &mut PingLog, rest: &str) {
    log.header_seen = true;
    // BusyBox: `PING 192.0.2.2 (192.0.2.2): 56 data bytes`; iputils has no colon there.
    log.busybox |= rest.contains("): ") && rest.trim_end().ends_with("data bytes");
    let name_end = rest.find([' ', '(']).unwrap_or(rest.len());
    let name = rest[..name_end].to_owned();
    let addr = paren_addr(&rest[name_end..]).or_else(|| name.parse().ok());
    let toks: Vec<&str> = rest.split_whitespace().collect();
    log.payload_bytes = toks
        .iter()
        .position(|t| *t == "bytes" || *t == "data")
        .and_then(|p| p.checked_sub(1))
        .and_then(|p| toks.get(p))
        .and_then(|t| {
            let d: String = t.chars().take_while(char::is_ascii_digit).collect();
            d.parse().ok()
        });
    let host = HostLog {
        name,
        addr,
        ..HostLog::default()
    };
    match log.hosts.first_mut() {
        // Lines before the header (unlikely) keep their observations.
        Some(h) => {
            h.name = host.name;
            h.addr = host.addr;
        }
        None => log.hosts.push(host),
    }
}

/// `64 bytes from 192.0.2.10: icmp_seq=1 ttl=64 time=0.302 ms (DUP!)` → (seq,
/// reply, who replied, BusyBox's `seq=` form).
fn ping_reply(body: &str) -> Option<(u64, LineSays, &str, bool)> {
    let (head, rest) = body.split_once(" bytes from ")?;
    let bytes = head.trim().parse::<u32>().ok();
    let iputils = rest.find(" icmp_seq=").or_else(|| rest.find(" icmp_req="));
    let busybox = iputils.is_none();
    let seq_at = iputils.or_else(|| rest.find(" seq="))?;
    let fields: Vec<&str> = rest[seq_at..].split_whitespace().collect();
    let mut seq = None;
    let mut ttl = None;
    let mut rtt_ns = None;
    let mut dup = false;
    let mut time_seen = false;
    let mut i = 0;
    while i < fields.len() {
        let f = fields[i];
        if let Some(v) = f
            .strip_prefix("icmp_seq=")
            .or_else(|| f.strip_prefix("icmp_req="))
            .or_else(|| f.strip_prefix("seq="))
        {
            seq = Some(v.parse::<u64>().ok().filter(|s| *s <= 0xffff)?);
        } else if let Some(v) = f.strip_prefix("ttl=").or_else(|| f.strip_prefix("hlim=")) {
            ttl = Some(v.parse::<u8>().ok()?);
        } else if let Some(v) = f.strip_prefix("time=") {
            time_seen = true;
            let (num, unit) = match v.strip_suffix("ms") {
                Some(n) => (n, Some("ms")),
                None => {
                    i += 1;
                    (v, fields.get(i).copied())
                }
            };
            if unit != Some("ms") {
                return None; // cut off, or a unit we do not know
            }
            rtt_ns = Some(parse_decimal(num, 6)?);
        } else if f == "(DUP!)" {
            dup = true;
        }
        i += 1;
    }
    if rest[seq_at..].contains("time") && !time_seen {
        return None;
    }
    Some((
        seq?,
        LineSays::Reply {
            rtt_ns,
            ttl,
            bytes,
            dup,
        },
        rest[..seq_at].trim().trim_end_matches(':'),
        busybox,
    ))
}

/// `192.0.2.1 icmp_seq=3 Destination Host Unreachable` (after `From `) → (seq, error or None for a redirect).
fn ping_error(rest: &str) -> Option<(u64, Option<ProbeError>)> {
    let at = rest.find("icmp_seq=").or_else(|| rest.find("icmp_req="))?;
    let who = rest[..at].trim();
    let after = &rest[at + "icmp_seq=".len()..];
    let (num, text) = after.split_once(' ').unwrap_or((after, ""));
    let seq = num.parse::<u64>().ok().filter(|s| *s <= 0xffff)?;
    let (_, from) = host_parts(who.trim_end_matches(':'));
    Some((seq, icmp_error_from_text(text, from)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::build::{build, BuildOptions};
    use crate::import::fping::parse_fping;
    use crate::import::testing::{built_ping, reply};
    use migprobe_probe::record::ProbeStatus;
    use migprobe_probe::types::RealNs;

    fn one(text: &str) -> Vec<Observation> {
        let log = parse_ping(text.as_bytes());
        assert_eq!(
            log.bad_lines.count(),
            0,
            "{text:?}: {:?}",
            log.bad_lines.examples()
        );
        log.hosts.into_iter().flat_map(|h| h.observations).collect()
    }

    #[test]
    fn ping_line_forms() {
        let cases: Vec<(&str, u64, Option<RealNs>, LineSays)> =
            vec![
            (
                "64 bytes from 192.0.2.10: icmp_seq=1 ttl=64 time=0.302 ms",
                1,
                None,
                reply(Some(302_000), Some(64), Some(64), false),
            ),
            (
                "64 bytes from 192.0.2.10: icmp_seq=2 ttl=64 time=4208 ms",
                2,
                None,
                reply(Some(4_208_000_000), Some(64), Some(64), false),
            ),
            (
                "[1795634356.428328] 64 bytes from 192.0.2.10: icmp_seq=3 ttl=63 time=0.302 ms",
                3,
                Some(RealNs(1_795_634_356_428_328_000)),
                reply(Some(302_000), Some(63), Some(64), false),
            ),
            (
                "64 bytes from guest.example (192.0.2.10): icmp_seq=4 ttl=64 time=1.05 ms (DUP!)",
                4,
                None,
                reply(Some(1_050_000), Some(64), Some(64), true),
            ),
            (
                "64 bytes from 2001:db8::10: icmp_seq=5 ttl=64 time=0.045 ms",
                5,
                None,
                reply(Some(45_000), Some(64), Some(64), false),
            ),
            (
                "64 bytes from 2001:db8::10: icmp_seq=6 hlim=64 time=0.045 ms",
                6,
                None,
                reply(Some(45_000), Some(64), Some(64), false),
            ),
            (
                "64 bytes from 192.0.2.10: icmp_req=7 ttl=64 time=0.302 ms",
                7,
                None,
                reply(Some(302_000), Some(64), Some(64), false),
            ),
            (
                "16 bytes from 127.0.0.1: icmp_seq=8 ttl=64",
                8,
                None,
                reply(None, Some(64), Some(16), false),
            ),
            (
                "64 bytes from 192.0.2.10: icmp_seq=9 ttl=64 time=0.302 ms\r",
                9,
                None,
                reply(Some(302_000), Some(64), Some(64), false),
            ),
            ("no answer yet for icmp_seq=10", 10, None, LineSays::NoReply),
            (
                "[1795634356.5] no answer yet for icmp_seq=11",
                11,
                Some(RealNs(1_795_634_356_500_000_000)),
                LineSays::NoReply,
            ),
            ("Request timeout for icmp_seq 12", 12, None, LineSays::NoReply),
        ];
        for (text, index, at, seen) in cases {
            let got = one(text);
            assert_eq!(got.len(), 1, "{text}");
            assert_eq!(
                (got[0].index, got[0].at, &got[0].seen),
                (index, at, &seen),
                "{text}"
            );
        }
    }

    #[test]
    fn ping_errors() {
        let from: IpAddr = "192.0.2.1".parse().unwrap();
        let from6: IpAddr = "2001:db8::1".parse().unwrap();
        for (text, kind, code, who) in [
            (
                "From 192.0.2.1 icmp_seq=3 Destination Host Unreachable",
                "destination_unreachable",
                Some(1),
                Some(from),
            ),
            (
                "From gw.example (192.0.2.1) icmp_seq=3 Destination Net Unreachable",
                "destination_unreachable",
                Some(0),
                Some(from),
            ),
            (
                "From 192.0.2.1 icmp_seq=3 Packet filtered",
                "destination_unreachable",
                Some(13),
                Some(from),
            ),
            (
                "From 2001:db8::1 icmp_seq=3 Destination unreachable: Address unreachable",
                "destination_unreachable",
                Some(3),
                Some(from6),
            ),
            (
                "From 192.0.2.1 icmp_seq=3 Time to live exceeded",
                "time_exceeded",
                Some(0),
                Some(from),
            ),
            (
                "[1795634356.1] From 192.0.2.1 icmp_seq=3 Frag needed and DF set (mtu = 1400)",
                "destination_unreachable",
                Some(4),
                Some(from),
            ),
        ] {
            let got = one(text);
            assert_eq!(got.len(), 1, "{text}");
            assert_eq!(got[0].index, 3);
            let LineSays::Error(e) = &got[0].seen else {
                panic!("{text}: {:?}", got[0].seen)
            };
            assert_eq!(
                (e.kind.as_str(), e.code, e.from),
                (kind, code, who),
                "{text}"
            );
        }
        // A redirect is not an error for the probe.
        assert!(one("From 192.0.2.1 icmp_seq=3 Redirect Host(New nexthop: 192.0.2.2)").is_empty());
    }

    #[test]
    fn ping_header_footer_and_command() {
        for (text, name, addr, payload) in [
            (
                "PING 192.0.2.10 (192.0.2.10) 56(84) bytes of data.",
                "192.0.2.10",
                "192.0.2.10",
                56,
            ),
            (
                "PING guest.example (192.0.2.10) 56(84) bytes of data.",
                "guest.example",
                "192.0.2.10",
                56,
            ),
            (
                "PING 2001:db8::10(2001:db8::10) 56 data bytes",
                "2001:db8::10",
                "2001:db8::10",
                56,
            ),
            (
                "PING 2001:db8::10 (2001:db8::10) 1400 data bytes",
                "2001:db8::10",
                "2001:db8::10",
                1400,
            ),
            (
                "PING guest(guest.example (2001:db8::10)) 56 data bytes",
                "guest",
                "2001:db8::10",
                56,
            ),
        ] {
            let log = parse_ping(text.as_bytes());
            assert!(log.header_seen);
            assert_eq!(log.hosts[0].name, name, "{text}");
            assert_eq!(log.hosts[0].addr, addr.parse().ok(), "{text}");
            assert_eq!(log.payload_bytes, Some(payload), "{text}");
        }
        let log = parse_ping(
            b"$ ping -D -O -i 0.2 192.0.2.10\n\
              PING 192.0.2.10 (192.0.2.10) 56(84) bytes of data.\n\
              \n\
              --- 192.0.2.10 ping statistics ---\n\
              7 packets transmitted, 6 received, +1 duplicates, 14% packet loss, time 6012ms\n\
              rtt min/avg/max/mdev = 0.302/1.800/4208.000/1.500 ms, pipe 5\n\
              PING 192.0.2.10 (192.0.2.10) 56(84) bytes of data.\n\
              64 bytes from 192.0.2.10: icmp_seq=1 ttl=64 time=0.302 ms\n",
        );
        assert_eq!(log.bad_lines.count(), 0, "{:?}", log.bad_lines.examples());
        assert_eq!(log.command.interval_ns, Some(200_000_000));
        assert_eq!(
            log.hosts[0].stats.map(|s| (s.transmitted, s.received)),
            Some((7, 6))
        );
        assert_eq!(log.restart_line, Some(7));
        assert!(log.hosts[0].observations.is_empty());
        for (cmd, want) in [
            ("# ping -i0.5 host", Some(500_000_000)),
            ("+ /usr/bin/ping -Di 2 host", Some(2_000_000_000)),
            ("$ ping -c 5 host", None),
        ] {
            assert_eq!(
                parse_ping(cmd.as_bytes()).command.interval_ns,
                want,
                "{cmd}"
            );
        }
        let f = parse_fping(b"$ fping -D -l -p 200 192.0.2.10\n");
        assert_eq!(f.command.interval_ns, Some(200_000_000));
        let f = parse_fping(b"fping -D --period=20 -c 5 192.0.2.10\n");
        assert_eq!(f.command.interval_ns, Some(20_000_000));
    }

    #[test]
    fn garbage_truncated_and_non_utf8_lines_are_counted_not_fatal() {
        let mut text: Vec<u8> = b"PING 192.0.2.10 (192.0.2.10) 56(84) bytes of data.\n\
              64 bytes from 192.0.2.10: icmp_seq=1 ttl=64 time=0.302 ms\n\
              hello world\n\
              64 bytes from 192.0.2.10: icmp_seq=2 ttl=64 time=0.\n\
              64 bytes from 192.0.2.10: icmp_seq=3 ttl=64 time=0.3\n\
              64 bytes from 192.0.2.10: icmp_seq=99999 ttl=64 time=0.3 ms\n\
              [17956343\n\
              \xff\xfe\x00garbage\n"
            .to_vec();
        text.extend_from_slice(
            b"64 bytes from 192.0.2.10: icmp_seq=4 ttl=64 time=0.5 ms\n64 bytes fr",
        );
        let log = parse_ping(&text);
        assert_eq!(log.bad_lines.count(), 7, "{:?}", log.bad_lines.examples());
        assert_eq!(log.bad_lines.examples(), [3, 4, 5, 6, 7]);
        let b = build(&log, &BuildOptions::default()).unwrap();
        let st: Vec<_> = b.probes.iter().map(|p| (p.index.0, p.status)).collect();
        assert_eq!(
            st,
            [
                (1, ProbeStatus::Ok),
                (2, ProbeStatus::Lost),
                (3, ProbeStatus::Lost),
                (4, ProbeStatus::Ok)
            ]
        );
        // Arbitrary bytes never panic.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200 {
            let mut junk = Vec::new();
            for _ in 0..300 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                junk.push(
                    b"0123456789[]().:= \nPINGFromicmp_seqtime=ms bytes from"[(x % 52) as usize],
                );
            }
            let _ = build(&parse_ping(&junk), &BuildOptions::default());
            let _ = build(&parse_fping(&junk), &BuildOptions::default());
        }
    }

    #[test]
    fn seq_wrap_is_unwrapped() {
        assert_eq!(unwrap16(0, Some(65_535)), 65_536);
        assert_eq!(unwrap16(65_535, Some(65_536)), 65_535);
        assert_eq!(unwrap16(5, Some(131_070)), 131_077);
        assert_eq!(unwrap16(7, None), 7);
        let text = "64 bytes from 192.0.2.10: icmp_seq=65534 ttl=64 time=0.3 ms\n\
                    64 bytes from 192.0.2.10: icmp_seq=0 ttl=64 time=0.3 ms\n\
                    64 bytes from 192.0.2.10: icmp_seq=1 ttl=64 time=0.3 ms\n";
        let b = built_ping(text);
        let idx: Vec<(u64, u16, ProbeStatus)> = b
            .probes
            .iter()
            .map(|p| (p.index.0, p.seq, p.status))
            .collect();
        assert_eq!(
            idx,
            [
                (65_534, 65_534, ProbeStatus::Ok),
                (65_535, 65_535, ProbeStatus::Lost),
                (65_536, 0, ProbeStatus::Ok),
                (65_537, 1, ProbeStatus::Ok)
            ]
        );
    }
}
