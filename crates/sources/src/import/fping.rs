//! Parser of `fping` output in count (`-c`, `-C`) or loop (`-l`) mode, with
//! or without `-D`.
//!
//! Rules: see [`super`]; fping prints its own probe counter (from 0), which
//! does not wrap. Several hosts may share a log: each gets its `HostLog`.
//! ICMP errors name no sequence number and are only counted per host. `-C`'s
//! summary line (`host : 0.05 - 0.04`) is kept as the host's per-probe record.

use super::log::{LineSays, LogKind, Observation, PingLog};
use super::stats::parse_fping_stats;
use super::text::{command_line, harmless, host_parts, lines, parse_decimal, split_stamp};

/// Parses `fping` output of count (`-c`, `-C`) or loop (`-l`) mode, with or without `-D`.
pub fn parse_fping(bytes: &[u8]) -> PingLog {
    let mut log = PingLog::new(LogKind::Fping);
    for (no, line) in lines(bytes) {
        if line.is_empty() || harmless(&line) {
            continue;
        }
        let (at, body) = match split_stamp(&line) {
            Ok(x) => x,
            Err(()) if line.starts_with('[') && line.contains(':') => continue, // -Q status time
            Err(()) => {
                log.bad_lines.note(no);
                continue;
            }
        };
        if let Some((host, rest)) = body.split_once(" : ") {
            let (name, addr) = host_parts(host);
            let rest = rest.trim();
            if let Some(counts) = rest.strip_prefix("xmt/rcv/%loss = ") {
                match parse_fping_stats(counts, no) {
                    Some(stats) => log.host_mut(&name, addr).stats = Some(stats),
                    None => log.bad_lines.note(no),
                }
                continue;
            }
            if let Some(values) = c_values(rest) {
                log.host_mut(&name, addr).c_line = Some((no, values));
                continue;
            }
            let (dup, rest) = match rest.strip_prefix("duplicate for ") {
                Some(r) => (true, r),
                None => (false, rest),
            };
            match fping_probe(rest, dup) {
                Some((index, seen)) => log.host_mut(&name, addr).observations.push(Observation {
                    line_no: no,
                    index,
                    at,
                    seen,
                }),
                None => log.bad_lines.note(no),
            }
        } else if body.starts_with("ICMP ") && body.contains(" for ICMP Echo sent to ") {
            let to = body
                .rsplit_once(" sent to ")
                .map(|(_, t)| t.trim())
                .unwrap_or_default();
            let (name, addr) = host_parts(to);
            log.host_mut(&name, addr).unattributed_errors += 1;
        } else if let Some(found) = command_line(body, LogKind::Fping) {
            log.command = found;
        } else {
            log.bad_lines.note(no);
        }
    }
    log
}

/// `-C`'s summary: `0.05 - 0.04` → the RTTs in probe order (`None` for `-`).
fn c_values(rest: &str) -> Option<Vec<Option<i64>>> {
    let values: Vec<Option<i64>> = rest
        .split_whitespace()
        .map(|v| match v {
            "-" => Some(None),
            v => parse_decimal(v, 6).map(Some),
        })
        .collect::<Option<_>>()?;
    (!values.is_empty()).then_some(values)
}

/// `[3], 64 bytes, 0.30 ms (0.30 avg, 0% loss)` / `[3], timed out (...)` → (index, what).
fn fping_probe(rest: &str, dup: bool) -> Option<(u64, LineSays)> {
    let rest = rest.strip_prefix('[')?;
    let (n, rest) = rest.split_once(']')?;
    let index = n.trim().parse::<u64>().ok()?;
    let rest = rest.trim_start_matches(',').trim();
    if rest.starts_with("timed out") {
        return Some((index, LineSays::NoReply));
    }
    let mut parts = rest.splitn(3, ", ");
    let bytes = parts
        .next()?
        .strip_suffix(" bytes")?
        .trim()
        .parse::<u32>()
        .ok()?;
    let time = parts.next()?;
    let (num, after) = time.split_once(" ms")?;
    let rtt_ns = parse_decimal(num.trim(), 6)?;
    let ttl = after
        .split_once("(TTL ")
        .and_then(|(_, t)| t.split(')').next())
        .and_then(|t| t.trim().parse::<u8>().ok());
    Some((
        index,
        LineSays::Reply {
            rtt_ns: Some(rtt_ns),
            ttl,
            bytes: Some(bytes),
            dup,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::build::{build, BuildOptions};
    use crate::import::testing::reply;
    use migprobe_probe::record::ProbeStatus;
    use migprobe_probe::types::RealNs;

    #[test]
    fn fping_line_forms() {
        let text = "[1795634356.42832] 192.0.2.10 : [0], 64 bytes, 0.30 ms (0.30 avg, 0% loss)\n\
            [1795634357.52832] 192.0.2.10 : [1], timed out (0.30 avg, 50% loss)\n\
            192.0.2.10 : [2], 84 bytes, 12.5 ms (6.40 avg, 33% loss)\n\
            192.0.2.10 : duplicate for [2], 84 bytes, 12.6 ms\n\
            guest (192.0.2.11) : [0], 64 bytes, 0.04 ms (0.04 avg, 0% loss)\n\
            ICMP Host Unreachable from 192.0.2.1 for ICMP Echo sent to 192.0.2.10\n\
            [12:34:56]\n\
            192.0.2.10 : xmt/rcv/%loss = 4/2/50%, min/avg/max = 0.30/6.40/12.5\n\
            192.0.2.99 : xmt/rcv/%loss = 2/0/100%, outage(ms) = 2000\n\
            192.0.2.10 is alive\n";
        let log = parse_fping(text.as_bytes());
        assert_eq!(log.bad_lines.examples(), [10]);
        let h = &log.hosts[0];
        assert_eq!(h.addr, "192.0.2.10".parse().ok());
        assert_eq!(h.stats.map(|s| (s.transmitted, s.received)), Some((4, 2)));
        assert_eq!(h.unattributed_errors, 1);
        let seen: Vec<(u64, &LineSays)> =
            h.observations.iter().map(|o| (o.index, &o.seen)).collect();
        assert_eq!(
            seen,
            [
                (0, &reply(Some(300_000), None, Some(64), false)),
                (1, &LineSays::NoReply),
                (2, &reply(Some(12_500_000), None, Some(84), false)),
                (2, &reply(Some(12_600_000), None, Some(84), true)),
            ]
        );
        assert_eq!(log.hosts[1].name, "guest");
        assert_eq!(log.hosts[1].addr, "192.0.2.11".parse().ok());
        let b = build(&log, &BuildOptions::default()).unwrap();
        let st: Vec<_> = b
            .probes
            .iter()
            .map(|p| (p.index.0, p.status, p.dup))
            .collect();
        assert_eq!(
            st,
            [
                (0, ProbeStatus::Ok, 0),
                (1, ProbeStatus::Lost, 0),
                (2, ProbeStatus::Ok, 1),
                (3, ProbeStatus::Lost, 0)
            ]
        );
        assert_eq!(b.other_host_lines, 1);
        assert_eq!(b.probes[1].tx_ns, RealNs(1_795_634_357_428_020_000));
        let guest = build(
            &log,
            &BuildOptions {
                interval_ns: None,
                target: "192.0.2.11".parse().ok(),
            },
        )
        .unwrap();
        assert_eq!(guest.probes.len(), 1);
        assert_eq!(guest.target.name, "guest");
    }
}
