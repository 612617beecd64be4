//! The parsed form of a ping or fping log: per host, what each per-probe line
//! said, plus what the header, footer and an echoed command line said.
//!
//! Rules: nothing here interprets the lines (that is [`super::build()`]); the
//! observations stay in log order, duplicates and contradictions included, and
//! not-understood lines are only counted ([`BadLines`]).

use migprobe_probe::record::{BadLines, ProbeError};
use migprobe_probe::types::RealNs;
use std::net::IpAddr;

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
pub(crate) enum LineSays {
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
pub(crate) struct Observation {
    /// 1-based line number in the log.
    pub(crate) line_no: u64,
    /// Probe index (unwrapped sequence number).
    pub(crate) index: u64,
    /// The line's timestamp (`-D`), if any.
    pub(crate) at: Option<RealNs>,
    /// What happened.
    pub(crate) seen: LineSays,
}

/// Everything a log says about one probed host.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct HostLog {
    /// Host as printed (name or address).
    pub(crate) name: String,
    /// Its address, when the log shows one.
    pub(crate) addr: Option<IpAddr>,
    /// Per-probe lines, in log order.
    pub(crate) observations: Vec<Observation>,
    /// Probes sent according to the statistics footer.
    pub(crate) transmitted: Option<u64>,
    /// Replies according to the statistics footer.
    pub(crate) received: Option<u64>,
    /// ICMP errors that name no sequence number (fping), not attributable to a probe.
    pub(crate) unattributed_errors: u64,
}

/// A parsed log.
#[derive(Debug, Clone, PartialEq)]
pub struct PingLog {
    /// The program.
    pub kind: LogKind,
    /// Hosts in order of first appearance (ping: one).
    pub(crate) hosts: Vec<HostLog>,
    /// ping: a `PING ...` header line was seen (so the first sequence number is 1).
    pub(crate) header_seen: bool,
    /// ICMP payload bytes from the `PING` header.
    pub(crate) payload_bytes: Option<usize>,
    /// Probe interval, ns, from a command line echoed in the log (`ping -i 0.2`, `fping -p 200`).
    pub(crate) command_interval_ns: Option<i64>,
    /// Line number of a second `PING` header: everything from there on was ignored.
    pub restart_line: Option<u64>,
    /// Non-blank lines neither understood nor known to be harmless (line numbers).
    pub bad_lines: BadLines,
}

impl PingLog {
    /// An empty log of `kind`.
    pub(crate) fn new(kind: LogKind) -> PingLog {
        PingLog {
            kind,
            hosts: Vec::new(),
            header_seen: false,
            payload_bytes: None,
            command_interval_ns: None,
            restart_line: None,
            bad_lines: BadLines::default(),
        }
    }

    /// The host `name` (with `addr`, when given), added if new.
    pub(crate) fn host_mut(&mut self, name: &str, addr: Option<IpAddr>) -> &mut HostLog {
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
