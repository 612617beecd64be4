//! Turns one host of a parsed ping/fping log into probe lines ([`build`]).
//!
//! The stages, one module each, in the order [`build`] runs them:
//!
//! 1. `target`: which host of the log, at which address (`--target`);
//! 2. `sequence`: the host's observations merged per probe index, and the
//!    range of indices sent (first to last, the footer included);
//! 3. `send_times`: measured send times, and planned ones counted in
//!    intervals from the nearest measured probe (or from time 0);
//! 4. `emit`: one probe line per index of the range.
//!
//! Rules: those of [`super`] (identity, times, losses, errors, duplicates).
//! Pure: no I/O.

mod emit;
mod send_times;
mod sequence;
mod target;

use super::log::PingLog;
use migprobe_probe::record::{ProbeLine, ProbeStatus, TargetInfo};
use migprobe_probe::types::RealNs;
use send_times::SendTimes;
use std::net::IpAddr;
use thiserror::Error;

/// Most probes one import may produce (a guard against garbage sequence numbers).
pub(crate) const MAX_PROBES: u64 = 50_000_000;

/// Event kind of the note written when send times are reconstructed.
pub const NOTE_KIND: migprobe_probe::record::EventKind = migprobe_probe::record::kinds::NOTE;

/// Default interval of ping and fping: 1 s.
pub(crate) const DEFAULT_INTERVAL_NS: i64 = 1_000_000_000;

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
#[derive(Debug, Clone, Default, PartialEq)]
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

/// Turns one host of a parsed log into probe lines (see the module docs for the rules).
pub fn build(log: &PingLog, opts: &BuildOptions) -> Result<Built, BuildError> {
    let (host, addr) = target::pick(log, opts.target)?;
    let (interval_ns, interval_source) = match (opts.interval_ns, log.command_interval_ns) {
        (Some(i), _) => (i, IntervalSource::Flag),
        (None, Some(i)) => (i, IntervalSource::Log),
        (None, None) => (DEFAULT_INTERVAL_NS, IntervalSource::Default),
    };
    let mut merged = sequence::merge(&host.observations);
    let (first, last) = sequence::range(log, host, &merged)?;
    let times = SendTimes::new(&merged, first, interval_ns);
    let mut probes = Vec::with_capacity(usize::try_from(last - first + 1).unwrap_or(0));
    for index in first..=last {
        let seen = merged.remove(&index).unwrap_or_default();
        probes.push(emit::probe_line(addr, index, seen, times.planned(index)));
    }
    Ok(Built {
        target: target::info(host, addr),
        interval_ns,
        interval_source,
        log_interval_ns: log.command_interval_ns.filter(|i| *i != interval_ns),
        start_ns: probes.first().map(|p| p.tx_ns).unwrap_or_default(),
        probes,
        reconstructed: times.reconstructed(),
        other_host_lines: target::other_host_lines(log, host),
        unattributed_errors: host.unattributed_errors,
        payload_bytes: log.payload_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::fping::parse_fping;
    use crate::import::ping::parse_ping;
    use crate::import::testing::built_ping;
    use migprobe_probe::record::StampClock;

    #[test]
    fn late_reply_after_no_answer_wins_and_dups_count() {
        let b = built_ping("PING 192.0.2.10 (192.0.2.10) 56(84) bytes of data.\n\
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
