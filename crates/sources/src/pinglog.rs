//! Parsers for the text output of iputils `ping` and of `fping`, and their
//! conversion to run-file probe lines (`migprobe import ping|fping`).
//!
//! Two stages, both pure (no I/O):
//!
//! 1. [`parse_ping`] / [`parse_fping`] read the text line by line into
//!    [`Observation`]s per host. Nothing is fatal: lines that are not
//!    understood are counted with their line numbers.
//! 2. [`build`] turns one host's observations into [`ProbeLine`]s.
//!
//! # Rules
//!
//! - **Identity.** The probe index is the sequence number as printed (ping
//!   starts at 1, fping at 0). ping's `icmp_seq` is 16 bits and wraps; it is
//!   unwrapped monotonically (each number is placed within ±32 768 of the
//!   previous index). fping prints its own counter, which does not wrap.
//! - **Times.** With timestamps (`ping -D`, `fping -D`) a reply's receive time
//!   is the bracketed time and its send time is that minus the printed RTT
//!   (both clock `user`). Without timestamps the send times are
//!   *reconstructed*: `(index − first index) × interval` from time 0 (clock
//!   `planned`), and the receive time is send time + RTT (clock `planned`).
//!   Probes without a reply in a timestamped log get a planned send time
//!   counted in intervals from the nearest measured probe.
//! - **Losses.** Every index between the first and the last probe that has no
//!   reply is `lost`: seq gaps, `no answer yet` (ping -O), `Request timeout`
//!   (BSD ping) and fping `timed out`. The statistics footer (`N packets
//!   transmitted`, fping `xmt/rcv/%loss = N/...`) extends the range to the
//!   last probe sent. A reply printed after `no answer yet` wins.
//! - **Errors.** `From ADDR icmp_seq=N Destination Host Unreachable` and the
//!   like make the probe `error` with the ICMP kind, code (when the text names
//!   it) and `from`, unless a reply for it arrives too.
//! - **Duplicates.** The first reply is the probe; later `(DUP!)` /
//!   `duplicate for [N]` replies add to its `dup` count.

use migprobe_probe::record::{ProbeError, ProbeLine, ProbeStatus, StampClock, TargetInfo};
use migprobe_probe::types::{ProbeIndex, RealNs};
use migprobe_probe::wire::Family;
use std::collections::BTreeMap;
use std::net::IpAddr;
use thiserror::Error;

/// How many line numbers of not-understood lines a [`PingLog`] keeps.
pub const KEEP_BAD_LINES: usize = 5;

/// Most probes one import may produce (a guard against garbage sequence numbers).
pub const MAX_PROBES: u64 = 50_000_000;

/// Event kind of the note written when send times are reconstructed.
pub const NOTE_KIND: &str = migprobe_probe::record::kinds::NOTE;

/// Which program wrote the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    /// iputils `ping` (also `ping6`, and BSD `Request timeout` lines).
    Ping,
    /// `fping` in count (`-c`, `-C`) or loop (`-l`) mode.
    Fping,
}

/// What one line said about one probe.
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    /// An echo reply.
    Reply {
        /// Round-trip time as printed, ns (absent when ping had no room for a send time in the payload).
        rtt_ns: Option<i64>,
        /// TTL / hop limit.
        ttl: Option<u8>,
        /// Bytes as printed.
        bytes: Option<u32>,
        /// Marked as a duplicate by the tool.
        dup: bool,
    },
    /// An ICMP error instead of a reply.
    Error(ProbeError),
    /// No reply by the time the tool gave up or reported (`timed out`, `no answer yet`).
    NoReply,
}

/// One per-probe line.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// 1-based line number in the log.
    pub line_no: u64,
    /// Probe index (unwrapped sequence number).
    pub index: u64,
    /// The line's timestamp (`-D`), if any.
    pub at: Option<RealNs>,
    /// What happened.
    pub seen: Seen,
}

/// Everything a log says about one probed host.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostLog {
    /// Host as printed (name or address).
    pub name: String,
    /// Its address, when the log shows one.
    pub addr: Option<IpAddr>,
    /// Per-probe lines, in log order.
    pub observations: Vec<Observation>,
    /// Probes sent according to the statistics footer.
    pub transmitted: Option<u64>,
    /// Replies according to the statistics footer.
    pub received: Option<u64>,
    /// ICMP errors that name no sequence number (fping), not attributable to a probe.
    pub unattributed_errors: u64,
}

/// A parsed log.
#[derive(Debug, Clone, PartialEq)]
pub struct PingLog {
    /// The program.
    pub kind: LogKind,
    /// Hosts in order of first appearance (ping: one).
    pub hosts: Vec<HostLog>,
    /// ping: a `PING ...` header line was seen (so the first sequence number is 1).
    pub header_seen: bool,
    /// ICMP payload bytes from the `PING` header.
    pub payload_bytes: Option<usize>,
    /// Probe interval, ns, from a command line echoed in the log (`ping -i 0.2`, `fping -p 200`).
    pub command_interval_ns: Option<i64>,
    /// Line number of a second `PING` header: everything from there on was ignored.
    pub restart_line: Option<u64>,
    /// Non-blank lines neither understood nor known to be harmless.
    pub bad_line_count: u64,
    /// Line numbers of the first [`KEEP_BAD_LINES`] such lines.
    pub bad_lines: Vec<u64>,
}

impl PingLog {
    fn new(kind: LogKind) -> PingLog {
        PingLog {
            kind,
            hosts: Vec::new(),
            header_seen: false,
            payload_bytes: None,
            command_interval_ns: None,
            restart_line: None,
            bad_line_count: 0,
            bad_lines: Vec::new(),
        }
    }

    fn note_bad(&mut self, line_no: u64) {
        self.bad_line_count += 1;
        if self.bad_lines.len() < KEEP_BAD_LINES {
            self.bad_lines.push(line_no);
        }
    }

    /// True if any per-probe line carried a timestamp.
    pub fn has_timestamps(&self) -> bool {
        self.hosts
            .iter()
            .flat_map(|h| &h.observations)
            .any(|o| o.at.is_some())
    }

    fn host_mut(&mut self, name: &str, addr: Option<IpAddr>) -> &mut HostLog {
        let pos = self
            .hosts
            .iter()
            .position(|h| h.name == name && (h.addr == addr || addr.is_none()));
        let i = match pos {
            Some(i) => i,
            None => {
                self.hosts.push(HostLog {
                    name: name.to_owned(),
                    addr,
                    ..HostLog::default()
                });
                self.hosts.len() - 1
            }
        };
        &mut self.hosts[i]
    }
}

/// Splits a byte text into (1-based number, trimmed line) pairs; tolerates CRLF and non-UTF-8.
fn lines(bytes: &[u8]) -> impl Iterator<Item = (u64, String)> + '_ {
    bytes.split(|b| *b == b'\n').enumerate().map(|(i, l)| {
        let s = String::from_utf8_lossy(l);
        let s = s.trim_matches(|c: char| c.is_whitespace() || c == '\u{7}');
        (i as u64 + 1, s.to_owned())
    })
}

/// A decimal number (`0.302`, `4208`, `1795634356.428328`) scaled by 10^`digits`, exactly.
/// At most `digits` fractional digits are kept (the rest truncated).
pub fn parse_decimal(s: &str, digits: u32) -> Option<i64> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if s.ends_with('.') {
        return None;
    }
    let scale = 10i64.checked_pow(digits)?;
    let int: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut f: i64 = 0;
    let mut place = scale;
    for b in frac.bytes().take(digits as usize) {
        place /= 10;
        f += i64::from(b - b'0') * place;
    }
    int.checked_mul(scale)?.checked_add(f)
}

/// Splits a leading `[1795634356.428328]` timestamp off a line.
/// Returns `Err(())` for a bracket that is not a Unix time (fping -Q `[12:34:56]`).
fn split_stamp(line: &str) -> Result<(Option<RealNs>, &str), ()> {
    let Some(rest) = line.strip_prefix('[') else {
        return Ok((None, line));
    };
    let Some((inner, after)) = rest.split_once(']') else {
        return Err(());
    };
    match parse_decimal(inner.trim(), 9) {
        Some(ns) => Ok((Some(RealNs(ns)), after.trim_start())),
        None => Err(()),
    }
}

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

/// Parses `host` as printed by fping/ping: `addr`, `name (addr)`, or `name`.
fn host_parts(s: &str) -> (String, Option<IpAddr>) {
    let s = s.trim();
    if let Ok(a) = s.parse::<IpAddr>() {
        return (s.to_owned(), Some(a));
    }
    if let Some((name, rest)) = s.split_once('(') {
        let inner = rest.trim_end().trim_end_matches(')');
        if let Ok(a) = inner.trim().parse::<IpAddr>() {
            return (name.trim().to_owned(), Some(a));
        }
    }
    (s.to_owned(), None)
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

/// Interval from a command line echoed in the log (`$ ping -D -i 0.2 host`, `+ fping -p 200 -l host`).
fn command_interval(line: &str, kind: LogKind) -> Option<Option<i64>> {
    let toks: Vec<&str> = line.split_whitespace().collect();
    let prog = toks.iter().position(|t| {
        let base = t.rsplit('/').next().unwrap_or(t);
        match kind {
            LogKind::Ping => matches!(base, "ping" | "ping6" | "ping4"),
            LogKind::Fping => matches!(base, "fping" | "fping6"),
        }
    })?;
    let args = &toks[prog + 1..];
    // Only a line whose other words look like options and operands counts.
    let mut found = None;
    let mut i = 0;
    while i < args.len() {
        let t = args[i];
        let value = |flag: char, no_arg: &str| -> Option<Option<&str>> {
            let body = t.strip_prefix('-')?;
            if body.starts_with('-') || body.is_empty() {
                return None;
            }
            let pos = body.find(flag)?;
            if !body[..pos].chars().all(|c| no_arg.contains(c)) {
                return None;
            }
            let rest = &body[pos + 1..];
            Some(if rest.is_empty() { None } else { Some(rest) })
        };
        let (flag, no_arg, digits) = match kind {
            LogKind::Ping => ('i', "46aAbBdDfLnOqrRUv", 9u32),
            LogKind::Fping => ('p', "46aAdDeflmnNoqrRsuxX", 6u32),
        };
        let long = match kind {
            LogKind::Ping => None,
            LogKind::Fping => t
                .strip_prefix("--period=")
                .map(Some)
                .or_else(|| (t == "--period").then_some(None)),
        };
        let hit = long.or_else(|| value(flag, no_arg));
        if let Some(v) = hit {
            let v = match v {
                Some(v) => Some(v),
                None => {
                    i += 1;
                    args.get(i).copied()
                }
            };
            found = v.and_then(|v| parse_decimal(v, digits)).filter(|n| *n > 0);
        }
        i += 1;
    }
    Some(found)
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
        if line.is_empty() {
            continue;
        }
        if log.restart_line.is_some() {
            continue;
        }
        let Ok((at, body)) = split_stamp(&line) else {
            log.note_bad(no);
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
        let seq_seen = |log: &mut PingLog, raw: u64, seen: Seen, last: &mut Option<u64>| {
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
        if let Some((raw, seen, from)) = ping_reply(body) {
            seq_seen(&mut log, raw, seen, &mut last);
            // Without a PING header, the first replier names the target.
            let h = &mut log.hosts[0];
            if !log.header_seen && h.addr.is_none() {
                (h.name, h.addr) = host_parts(from);
            }
        } else if let Some(rest) = body.strip_prefix("From ") {
            match ping_error(rest) {
                Some((raw, Some(err))) => seq_seen(&mut log, raw, Seen::Error(err), &mut last),
                Some((_, None)) => {} // redirect: the probe still goes through
                None => log.note_bad(no),
            }
        } else if let Some(n) = body
            .strip_prefix("no answer yet for icmp_seq=")
            .or_else(|| body.strip_prefix("Request timeout for icmp_seq "))
            .or_else(|| body.strip_prefix("Request timeout for icmp_seq="))
        {
            match n.trim().parse::<u64>() {
                Ok(raw) if raw <= 0xffff => seq_seen(&mut log, raw, Seen::NoReply, &mut last),
                _ => log.note_bad(no),
            }
        } else if body.starts_with("--- ") && body.ends_with("statistics ---") {
        } else if body.contains(" packets transmitted, ") {
            match footer_counts(body) {
                Some((tx, rx)) => {
                    if log.hosts.is_empty() {
                        log.hosts.push(HostLog::default());
                    }
                    log.hosts[0].transmitted = Some(tx);
                    log.hosts[0].received = Some(rx);
                }
                None => log.note_bad(no),
            }
        } else if body.starts_with("rtt ") || body.starts_with("round-trip ") {
        } else if let Some(found) = command_interval(body, LogKind::Ping) {
            if found.is_some() {
                log.command_interval_ns = found;
            }
        } else {
            log.note_bad(no);
        }
    }
    log
}

fn ping_header(log: &mut PingLog, rest: &str) {
    log.header_seen = true;
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

/// `64 bytes from 192.0.2.10: icmp_seq=1 ttl=64 time=0.302 ms (DUP!)` → (seq, reply, who replied).
fn ping_reply(body: &str) -> Option<(u64, Seen, &str)> {
    let (head, rest) = body.split_once(" bytes from ")?;
    let bytes = head.trim().parse::<u32>().ok();
    let seq_at = rest
        .find(" icmp_seq=")
        .or_else(|| rest.find(" icmp_req="))?;
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
        Seen::Reply {
            rtt_ns,
            ttl,
            bytes,
            dup,
        },
        rest[..seq_at].trim().trim_end_matches(':'),
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

/// `7 packets transmitted, 7 received, +1 duplicates, 0% packet loss, time 6012ms`.
fn footer_counts(body: &str) -> Option<(u64, u64)> {
    let (tx, rest) = body.split_once(" packets transmitted, ")?;
    let rx = rest.split_whitespace().next()?;
    Some((tx.trim().parse().ok()?, rx.parse().ok()?))
}

/// Parses `fping` output of count (`-c`, `-C`) or loop (`-l`) mode, with or without `-D`.
pub fn parse_fping(bytes: &[u8]) -> PingLog {
    let mut log = PingLog::new(LogKind::Fping);
    for (no, line) in lines(bytes) {
        if line.is_empty() {
            continue;
        }
        let (at, body) = match split_stamp(&line) {
            Ok(x) => x,
            Err(()) if line.starts_with('[') && line.contains(':') => continue, // -Q status time
            Err(()) => {
                log.note_bad(no);
                continue;
            }
        };
        if let Some((host, rest)) = body.split_once(" : ") {
            let (name, addr) = host_parts(host);
            let rest = rest.trim();
            if let Some(counts) = rest.strip_prefix("xmt/rcv/%loss = ") {
                let mut it = counts.split(['/', ',']);
                let tx = it.next().and_then(|s| s.trim().parse::<u64>().ok());
                let rx = it.next().and_then(|s| s.trim().parse::<u64>().ok());
                match (tx, rx) {
                    (Some(tx), Some(rx)) => {
                        let h = log.host_mut(&name, addr);
                        h.transmitted = Some(tx);
                        h.received = Some(rx);
                    }
                    _ => log.note_bad(no),
                }
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
                None => log.note_bad(no),
            }
        } else if body.starts_with("ICMP ") && body.contains(" for ICMP Echo sent to ") {
            let to = body
                .rsplit_once(" sent to ")
                .map(|(_, t)| t.trim())
                .unwrap_or_default();
            let (name, addr) = host_parts(to);
            log.host_mut(&name, addr).unattributed_errors += 1;
        } else if let Some(found) = command_interval(body, LogKind::Fping) {
            if found.is_some() {
                log.command_interval_ns = found;
            }
        } else {
            log.note_bad(no);
        }
    }
    log
}

/// `[3], 64 bytes, 0.30 ms (0.30 avg, 0% loss)` / `[3], timed out (...)` → (index, what).
fn fping_probe(rest: &str, dup: bool) -> Option<(u64, Seen)> {
    let rest = rest.strip_prefix('[')?;
    let (n, rest) = rest.split_once(']')?;
    let index = n.trim().parse::<u64>().ok()?;
    let rest = rest.trim_start_matches(',').trim();
    if rest.starts_with("timed out") {
        return Some((index, Seen::NoReply));
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
        Seen::Reply {
            rtt_ns: Some(rtt_ns),
            ttl,
            bytes: Some(bytes),
            dup,
        },
    ))
}

/// Where the probe interval came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalSource {
    /// `--interval`.
    Flag,
    /// A command line echoed in the log.
    Log,
    /// The tool's default (1 s).
    Default,
}

/// Choices for [`build`].
#[derive(Debug, Clone, PartialEq)]
pub struct BuildOptions {
    /// `--interval`, ns.
    pub interval_ns: Option<i64>,
    /// `--target`.
    pub target: Option<IpAddr>,
}

/// Probe lines made from a log, with what the import report needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Built {
    /// The target (id 0).
    pub target: TargetInfo,
    /// Interval used, ns.
    pub interval_ns: i64,
    /// Where it came from.
    pub interval_source: IntervalSource,
    /// The interval a command line in the log showed, if it differs from `--interval`.
    pub log_interval_ns: Option<i64>,
    /// Send time of the first probe (the header's `start_ns`).
    pub start_ns: RealNs,
    /// Probes in index order.
    pub probes: Vec<ProbeLine>,
    /// True when the log had no timestamps: every send time is index × interval from 0.
    pub reconstructed: bool,
    /// Lines about other hosts (fping with several targets), skipped.
    pub other_host_lines: u64,
    /// ICMP errors that could not be tied to a probe.
    pub unattributed_errors: u64,
    /// Payload bytes from the ping header.
    pub payload_bytes: Option<usize>,
}

impl Built {
    /// Count of probes with `status`.
    pub fn count(&self, status: ProbeStatus) -> u64 {
        self.probes.iter().filter(|p| p.status == status).count() as u64
    }

    /// Duplicate replies, all probes together.
    pub fn duplicates(&self) -> u64 {
        self.probes.iter().map(|p| u64::from(p.dup)).sum()
    }
}

/// Why a log cannot become probe lines.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum BuildError {
    /// No per-probe line at all.
    #[error(
        "no per-probe lines found (ping -q and fping without -c/-l/-C print none): \
         is this the right FORMAT?"
    )]
    NoProbes,
    /// The log does not show the target's address.
    #[error(
        "the log does not show the target's address (host {name:?}): give it with --target ADDR"
    )]
    NoTarget {
        /// The host as printed.
        name: String,
    },
    /// `--target` names an address the log did not probe.
    #[error(
        "--target {want} is not in the log (it probed {found}); give the address the log shows"
    )]
    TargetMismatch {
        /// `--target`.
        want: IpAddr,
        /// What the log shows.
        found: String,
    },
    /// The sequence numbers span an implausible number of probes.
    #[error(
        "the log's sequence numbers span {span} probes (limit {MAX_PROBES}): is the log garbled?"
    )]
    TooMany {
        /// The span.
        span: u64,
    },
}

/// A reply as kept while building: (time, RTT, TTL, bytes).
type ReplyAcc = (Option<RealNs>, Option<i64>, Option<u8>, Option<u32>);

#[derive(Default)]
struct Acc {
    reply: Option<ReplyAcc>,
    dup: u32,
    error: Option<(Option<RealNs>, ProbeError)>,
    no_reply_at: Option<RealNs>,
}

/// Default interval of ping and fping: 1 s.
pub const DEFAULT_INTERVAL_NS: i64 = 1_000_000_000;

/// Turns one host of a parsed log into probe lines (see the module docs for the rules).
pub fn build(log: &PingLog, opts: &BuildOptions) -> Result<Built, BuildError> {
    let with_probes = |h: &&HostLog| !h.observations.is_empty() || h.transmitted.is_some();
    let host = match opts.target {
        Some(want) => {
            let hit = log
                .hosts
                .iter()
                .filter(with_probes)
                .find(|h| h.addr == Some(want));
            let only_unnamed = log
                .hosts
                .iter()
                .filter(with_probes)
                .find(|h| h.addr.is_none());
            match (hit, only_unnamed) {
                (Some(h), _) => h,
                (None, Some(h)) => h,
                (None, None) => {
                    let found = log
                        .hosts
                        .iter()
                        .filter(with_probes)
                        .map(|h| h.addr.map(|a| a.to_string()).unwrap_or(h.name.clone()))
                        .collect::<Vec<_>>()
                        .join(", ");
                    if found.is_empty() {
                        return Err(BuildError::NoProbes);
                    }
                    return Err(BuildError::TargetMismatch { want, found });
                }
            }
        }
        None => log
            .hosts
            .iter()
            .find(with_probes)
            .ok_or(BuildError::NoProbes)?,
    };
    let addr = match (opts.target, host.addr) {
        (Some(a), _) | (None, Some(a)) => a,
        (None, None) => {
            return Err(BuildError::NoTarget {
                name: host.name.clone(),
            })
        }
    };
    let other_host_lines = log
        .hosts
        .iter()
        .filter(|h| !std::ptr::eq(*h, host))
        .map(|h| h.observations.len() as u64)
        .sum();

    let (interval_ns, interval_source) = match (opts.interval_ns, log.command_interval_ns) {
        (Some(i), _) => (i, IntervalSource::Flag),
        (None, Some(i)) => (i, IntervalSource::Log),
        (None, None) => (DEFAULT_INTERVAL_NS, IntervalSource::Default),
    };
    let log_interval_ns = log.command_interval_ns.filter(|i| *i != interval_ns);

    let mut acc: BTreeMap<u64, Acc> = BTreeMap::new();
    for o in &host.observations {
        let a = acc.entry(o.index).or_default();
        match &o.seen {
            Seen::Reply {
                rtt_ns,
                ttl,
                bytes,
                dup: _,
            } => {
                if a.reply.is_none() {
                    a.reply = Some((o.at, *rtt_ns, *ttl, *bytes));
                } else {
                    a.dup = a.dup.saturating_add(1);
                }
            }
            Seen::Error(e) => {
                if a.error.is_none() {
                    a.error = Some((o.at, e.clone()));
                }
            }
            Seen::NoReply => {
                if a.no_reply_at.is_none() {
                    a.no_reply_at = o.at;
                }
            }
        }
    }
    let first_sent = match log.kind {
        LogKind::Ping if log.header_seen || host.transmitted.is_some() => Some(1),
        LogKind::Fping if host.transmitted.is_some() => Some(0),
        _ => None,
    };
    let min_seen = acc.keys().next().copied();
    let max_seen = acc.keys().next_back().copied();
    let first = match (first_sent, min_seen) {
        (Some(f), Some(m)) => f.min(m),
        (Some(f), None) => f,
        (None, Some(m)) => m,
        (None, None) => return Err(BuildError::NoProbes),
    };
    let last_by_footer = match (first_sent, host.transmitted) {
        (Some(f), Some(n)) if n > 0 => Some(f.saturating_add(n - 1)),
        _ => None,
    };
    let last = match (max_seen, last_by_footer) {
        (Some(a), Some(b)) => a.max(b),
        (Some(a), None) => a,
        (None, Some(b)) => b,
        (None, None) => return Err(BuildError::NoProbes),
    };
    let span = last - first + 1;
    if span > MAX_PROBES {
        return Err(BuildError::TooMany { span });
    }

    // Measured send times anchor the planned ones.
    let anchors: Vec<(u64, i64)> = acc
        .iter()
        .filter_map(|(i, a)| match a.reply {
            Some((Some(at), Some(rtt), _, _)) => Some((*i, at.0.saturating_sub(rtt))),
            _ => None,
        })
        .collect();
    let any_stamp = acc.iter().find_map(|(i, a)| {
        a.reply
            .and_then(|r| r.0)
            .or(a.error.as_ref().and_then(|e| e.0))
            .or(a.no_reply_at)
            .map(|at| (*i, at.0))
    });
    let reconstructed = anchors.is_empty() && any_stamp.is_none();
    let step = |from: u64, to: u64| -> i64 {
        let d = i64::try_from(to.abs_diff(from)).unwrap_or(i64::MAX);
        let ns = d.saturating_mul(interval_ns);
        if to >= from {
            ns
        } else {
            -ns
        }
    };
    let planned = |index: u64| -> i64 {
        let anchor = match anchors.binary_search_by_key(&index, |a| a.0) {
            Ok(i) => Some(anchors[i]),
            Err(0) => anchors.first().copied(),
            Err(i) => Some(anchors[i - 1]),
        };
        match anchor.or(any_stamp) {
            Some((ai, at)) => at.saturating_add(step(ai, index)),
            None => step(first, index),
        }
    };

    let mut probes = Vec::with_capacity(usize::try_from(span).unwrap_or(0));
    for index in first..=last {
        let a = acc.remove(&index).unwrap_or_default();
        let tx_planned = RealNs(planned(index));
        let mut p = ProbeLine::without_reply(
            addr,
            0,
            ProbeIndex(index),
            (tx_planned, StampClock::Planned),
            ProbeStatus::Lost,
        );
        p.dup = a.dup;
        if let Some((at, rtt, ttl, bytes)) = a.reply {
            p.status = ProbeStatus::Ok;
            p.ttl = ttl;
            p.bytes = bytes;
            p.rtt_ns = rtt;
            match (at, rtt) {
                (Some(at), Some(rtt)) => {
                    p.tx_ns = RealNs(at.0.saturating_sub(rtt));
                    p.tx_clock = StampClock::User;
                    p.rx_ns = Some(at);
                    p.rx_clock = Some(StampClock::User);
                }
                (Some(at), None) => {
                    p.rx_ns = Some(at);
                    p.rx_clock = Some(StampClock::User);
                }
                (None, Some(rtt)) => {
                    p.rx_ns = Some(tx_planned.plus(rtt));
                    p.rx_clock = Some(StampClock::Planned);
                }
                (None, None) => {}
            }
        } else if let Some((at, e)) = a.error {
            p.status = ProbeStatus::Error;
            p.error = Some(Box::new(e));
            p.rx_ns = at;
            p.rx_clock = at.map(|_| StampClock::User);
        }
        probes.push(p);
    }
    let start_ns = probes.first().map(|p| p.tx_ns).unwrap_or_default();
    Ok(Built {
        target: TargetInfo {
            id: 0,
            addr,
            name: if host.name.is_empty() {
                addr.to_string()
            } else {
                host.name.clone()
            },
            family: Family::of(&addr),
            phase_ns: 0,
        },
        interval_ns,
        interval_source,
        log_interval_ns,
        start_ns,
        probes,
        reconstructed,
        other_host_lines,
        unattributed_errors: host.unattributed_errors,
        payload_bytes: log.payload_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Vec<Observation> {
        let log = parse_ping(text.as_bytes());
        assert_eq!(log.bad_line_count, 0, "{text:?}: {:?}", log.bad_lines);
        log.hosts.into_iter().flat_map(|h| h.observations).collect()
    }

    fn reply(rtt_ns: Option<i64>, ttl: Option<u8>, bytes: Option<u32>, dup: bool) -> Seen {
        Seen::Reply {
            rtt_ns,
            ttl,
            bytes,
            dup,
        }
    }

    fn ok(text: &str) -> Built {
        build(
            &parse_ping(text.as_bytes()),
            &BuildOptions {
                interval_ns: None,
                target: None,
            },
        )
        .unwrap()
    }

    #[test]
    fn decimals_are_exact() {
        for (s, d, want) in [
            ("0.302", 6, Some(302_000)),
            ("4208", 6, Some(4_208_000_000)),
            ("0.3", 6, Some(300_000)),
            ("1795634356.428328", 9, Some(1_795_634_356_428_328_000)),
            ("1795634356.42832", 9, Some(1_795_634_356_428_320_000)),
            ("1.23456789", 6, Some(1_234_567)),
            ("", 6, None),
            (".", 6, None),
            ("0.", 6, None),
            ("-1", 6, None),
            ("1e3", 6, None),
            ("99999999999999999999", 6, None),
        ] {
            assert_eq!(parse_decimal(s, d), want, "{s}");
        }
    }

    #[test]
    fn ping_line_forms() {
        let cases: Vec<(&str, u64, Option<RealNs>, Seen)> = vec![
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
            ("no answer yet for icmp_seq=10", 10, None, Seen::NoReply),
            (
                "[1795634356.5] no answer yet for icmp_seq=11",
                11,
                Some(RealNs(1_795_634_356_500_000_000)),
                Seen::NoReply,
            ),
            ("Request timeout for icmp_seq 12", 12, None, Seen::NoReply),
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
            let Seen::Error(e) = &got[0].seen else {
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
        assert_eq!(log.bad_line_count, 0, "{:?}", log.bad_lines);
        assert_eq!(log.command_interval_ns, Some(200_000_000));
        assert_eq!(log.hosts[0].transmitted, Some(7));
        assert_eq!(log.hosts[0].received, Some(6));
        assert_eq!(log.restart_line, Some(7));
        assert!(log.hosts[0].observations.is_empty());
        for (cmd, want) in [
            ("# ping -i0.5 host", Some(500_000_000)),
            ("+ /usr/bin/ping -Di 2 host", Some(2_000_000_000)),
            ("$ ping -c 5 host", None),
        ] {
            assert_eq!(
                parse_ping(cmd.as_bytes()).command_interval_ns,
                want,
                "{cmd}"
            );
        }
        let f = parse_fping(b"$ fping -D -l -p 200 192.0.2.10\n");
        assert_eq!(f.command_interval_ns, Some(200_000_000));
        let f = parse_fping(b"fping -D --period=20 -c 5 192.0.2.10\n");
        assert_eq!(f.command_interval_ns, Some(20_000_000));
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
        assert_eq!(log.bad_line_count, 7, "{:?}", log.bad_lines);
        assert_eq!(log.bad_lines, vec![3, 4, 5, 6, 7]);
        let b = build(
            &log,
            &BuildOptions {
                interval_ns: None,
                target: None,
            },
        )
        .unwrap();
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
            let _ = build(
                &parse_ping(&junk),
                &BuildOptions {
                    interval_ns: None,
                    target: None,
                },
            );
            let _ = build(
                &parse_fping(&junk),
                &BuildOptions {
                    interval_ns: None,
                    target: None,
                },
            );
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
        let b = ok(text);
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

    #[test]
    fn late_reply_after_no_answer_wins_and_dups_count() {
        let b = ok("PING 192.0.2.10 (192.0.2.10) 56(84) bytes of data.\n\
             [1000.000100] 64 bytes from 192.0.2.10: icmp_seq=1 ttl=64 time=0.100 ms\n\
             [1002.000000] no answer yet for icmp_seq=2\n\
             [1003.000000] From 192.0.2.1 icmp_seq=3 Destination Host Unreachable\n\
             [1004.500000] 64 bytes from 192.0.2.10: icmp_seq=2 ttl=64 time=3500 ms\n\
             [1004.500010] 64 bytes from 192.0.2.10: icmp_seq=2 ttl=64 time=3500.01 ms (DUP!)\n\
             \n--- 192.0.2.10 ping statistics ---\n\
             5 packets transmitted, 2 received, +1 duplicates, +1 errors, 60% packet loss, time 4000ms\n");
        let p = &b.probes;
        assert_eq!(p.len(), 5);
        assert!(!b.reconstructed);
        assert_eq!(p[0].tx_ns, RealNs(1_000_000_000_000));
        assert_eq!(p[0].tx_clock, StampClock::User);
        assert_eq!((p[1].status, p[1].dup), (ProbeStatus::Ok, 1));
        assert_eq!(p[1].tx_ns, RealNs(1_001_000_000_000));
        assert_eq!(p[1].rtt_ns, Some(3_500_000_000));
        assert_eq!(p[2].status, ProbeStatus::Error);
        assert_eq!(p[2].tx_clock, StampClock::Planned);
        assert_eq!(p[2].tx_ns, RealNs(1_002_000_000_000));
        assert_eq!(p[2].rx_ns, Some(RealNs(1_003_000_000_000)));
        let e = p[2].error.as_ref().unwrap();
        assert_eq!(e.kind, "destination_unreachable");
        assert_eq!(e.from, "192.0.2.1".parse().ok());
        // The footer says 5 were sent: 4 and 5 are lost, at planned times.
        assert_eq!(
            (p[3].status, p[4].status),
            (ProbeStatus::Lost, ProbeStatus::Lost)
        );
        assert_eq!(p[4].tx_ns, RealNs(1_004_000_000_000));
        assert_eq!(b.start_ns, RealNs(1_000_000_000_000));
    }

    #[test]
    fn without_timestamps_times_are_reconstructed() {
        let b = build(
            &parse_ping(
                b"PING guest (192.0.2.10) 56(84) bytes of data.\n\
                  64 bytes from guest (192.0.2.10): icmp_seq=2 ttl=64 time=0.3 ms\n\
                  64 bytes from guest (192.0.2.10): icmp_seq=4 ttl=64 time=4208 ms\n",
            ),
            &BuildOptions {
                interval_ns: Some(200_000_000),
                target: None,
            },
        )
        .unwrap();
        assert!(b.reconstructed);
        assert_eq!(b.interval_source, IntervalSource::Flag);
        assert_eq!(b.target.name, "guest");
        let t: Vec<(u64, i64, ProbeStatus, StampClock)> = b
            .probes
            .iter()
            .map(|p| (p.index.0, p.tx_ns.0, p.status, p.tx_clock))
            .collect();
        assert_eq!(
            t,
            [
                (1, 0, ProbeStatus::Lost, StampClock::Planned),
                (2, 200_000_000, ProbeStatus::Ok, StampClock::Planned),
                (3, 400_000_000, ProbeStatus::Lost, StampClock::Planned),
                (4, 600_000_000, ProbeStatus::Ok, StampClock::Planned),
            ]
        );
        assert_eq!(b.probes[3].rx_ns, Some(RealNs(4_808_000_000)));
        assert_eq!(b.probes[3].rx_clock, Some(StampClock::Planned));
    }

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
        assert_eq!(log.bad_lines, vec![10]);
        let h = &log.hosts[0];
        assert_eq!(h.addr, "192.0.2.10".parse().ok());
        assert_eq!(h.transmitted, Some(4));
        assert_eq!(h.unattributed_errors, 1);
        let seen: Vec<(u64, &Seen)> = h.observations.iter().map(|o| (o.index, &o.seen)).collect();
        assert_eq!(
            seen,
            [
                (0, &reply(Some(300_000), None, Some(64), false)),
                (1, &Seen::NoReply),
                (2, &reply(Some(12_500_000), None, Some(84), false)),
                (2, &reply(Some(12_600_000), None, Some(84), true)),
            ]
        );
        assert_eq!(log.hosts[1].name, "guest");
        assert_eq!(log.hosts[1].addr, "192.0.2.11".parse().ok());
        let b = build(
            &log,
            &BuildOptions {
                interval_ns: None,
                target: None,
            },
        )
        .unwrap();
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

    #[test]
    fn target_rules() {
        let opts = |t: Option<&str>| BuildOptions {
            interval_ns: None,
            target: t.map(|t| t.parse().unwrap()),
        };
        let named = parse_fping(b"guest : [0], 64 bytes, 0.04 ms (0.04 avg, 0% loss)\n");
        assert_eq!(
            build(&named, &opts(None)).unwrap_err(),
            BuildError::NoTarget {
                name: "guest".into()
            }
        );
        let b = build(&named, &opts(Some("192.0.2.10"))).unwrap();
        assert_eq!(b.target.addr, "192.0.2.10".parse::<IpAddr>().unwrap());
        assert_eq!(b.target.name, "guest");
        let ping = parse_ping(
            b"PING 192.0.2.10 (192.0.2.10) 56(84) bytes of data.\n\
              64 bytes from 192.0.2.10: icmp_seq=1 ttl=64 time=0.3 ms\n",
        );
        assert!(matches!(
            build(&ping, &opts(Some("192.0.2.11"))),
            Err(BuildError::TargetMismatch { .. })
        ));
        assert_eq!(
            build(&parse_ping(b"hello\n"), &opts(None)).unwrap_err(),
            BuildError::NoProbes
        );
        assert_eq!(
            build(
                &parse_fping(b"x : [4000000000], timed out\n"),
                &opts(Some("192.0.2.1"))
            )
            .map(|b| b.probes.len()),
            Ok(1)
        );
        let huge =
            parse_fping(b"192.0.2.10 : [0], timed out\n192.0.2.10 : [4000000000], timed out\n");
        assert!(matches!(
            build(&huge, &opts(None)),
            Err(BuildError::TooMany { .. })
        ));
    }
}
