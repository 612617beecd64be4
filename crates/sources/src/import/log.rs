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

/// What the tool's own statistics say about one host (ping's `N packets
/// transmitted, M received, ... time Tms`, fping's `xmt/rcv/%loss = N/M/L%`,
/// or fping `-C`'s per-probe line).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// 1-based line number of the statistics line.
    pub line_no: u64,
    /// Probes sent.
    pub transmitted: u64,
    /// Probes answered (duplicates not counted).
    pub received: u64,
    /// The printed loss share, in millionths of a percent, if printed.
    pub loss_micro_pct: Option<i64>,
    /// ping's `time`: from the first send to the end, ns, if printed.
    pub time_ns: Option<i64>,
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
    /// The tool's statistics for this host.
    pub(crate) stats: Option<Stats>,
    /// fping `-C`: the per-probe RTTs of its summary line in index order
    /// (`None` for `-`), with that line's number.
    pub(crate) c_line: Option<(u64, Vec<Option<i64>>)>,
    /// ICMP errors that name no sequence number (fping), not attributable to a probe.
    pub(crate) unattributed_errors: u64,
}

/// What a command line echoed in the log says (`$ ping -D -O -i 0.2 host`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CommandLine {
    /// The interval flag's value (`ping -i`, `fping -p`), ns.
    pub(crate) interval_ns: Option<i64>,
    /// `ping -O`: a line for every probe still unanswered.
    pub(crate) report_outstanding: bool,
}

/// A parsed log.
#[derive(Debug, Clone, PartialEq)]
pub struct PingLog {
    /// The program.
    pub kind: LogKind,
    /// Hosts in order of first appearance (ping: one).
    pub(crate) hosts: Vec<HostLog>,
    /// ping: a `PING ...` header line was seen (so the first sequence number is known).
    pub(crate) header_seen: bool,
    /// ping: BusyBox's form (`seq=`, counting from 0) rather than iputils' (`icmp_seq=`, from 1).
    pub(crate) busybox: bool,
    /// ping: a `no answer yet` / `Request timeout` line was seen (the log shows losses).
    pub(crate) no_answer_lines: bool,
    /// ICMP payload bytes from the `PING` header.
    pub(crate) payload_bytes: Option<usize>,
    /// What a command line echoed in the log says (the last one seen).
    pub(crate) command: CommandLine,
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
            busybox: false,
            no_answer_lines: false,
            payload_bytes: None,
            command: CommandLine::default(),
            restart_line: None,
            bad_lines: BadLines::default(),
        }
    }

    /// The sequence number of the first probe the tool sends: iputils ping
    /// counts from 1, BusyBox ping and fping from 0.
    pub(crate) fn first_seq(&self) -> u64 {
        match self.kind {
            LogKind::Ping if !self.busybox => 1,
            _ => 0,
        }
    }

    /// True when the tool prints a line for every unanswered probe (fping,
    /// `ping -O`, BSD ping's `Request timeout`): a sequence number missing
    /// from such a log is a line missing from the log, not a lost probe.
    pub(crate) fn shows_losses(&self) -> bool {
        self.kind == LogKind::Fping || self.no_answer_lines || self.command.report_outstanding
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
