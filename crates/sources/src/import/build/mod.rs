//! Turns one host of a parsed ping/fping log into probe lines ([`build`]).
//!
//! The stages, one module each, in the order [`build`] runs them:
//!
//! 1. `target`: which host of the log, at which address (`--target`);
//! 2. `sequence`: the host's observations merged per probe index, and the
//!    range of indices sent (first to last, the statistics included);
//! 3. `interval`: the probe interval, from the timestamps when there are any;
//! 4. `accounting`: the lines reconciled with the statistics — which probes
//!    without a line were lost, which are unknown (and get no line);
//! 5. `send_times` and `emit`: measured send times, planned ones counted in
//!    intervals from the nearest measured probe (or from time 0), and one
//!    probe line per index the log shows or the accounting counts lost;
//! 6. `notes`: what was assumed or is unknown, in words.
//!
//! Rules: those of [`super`] (identity, times, losses, errors, duplicates).
//! Pure: no I/O.

mod accounting;
mod emit;
mod interval;
mod notes;
mod send_times;
mod sequence;
mod target;

pub use accounting::{AbsentRule, Accounting};
pub use interval::{Interval, IntervalSource, TOLERANCE_PCT};
pub use notes::Note;

use super::log::PingLog;
use migprobe_probe::record::{ProbeLine, ProbeStatus, TargetInfo};
use migprobe_probe::types::{human_ns, RealNs};
use send_times::SendTimes;
use sequence::IndexRecord;
use std::net::IpAddr;
use thiserror::Error;

/// Most probes one import may produce (a guard against garbage sequence numbers).
pub(crate) const MAX_PROBES: u64 = 50_000_000;

/// Event kind of the notes written about an imported log.
pub const NOTE_KIND: migprobe_probe::record::EventKind = migprobe_probe::record::kinds::NOTE;

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
    /// The interval used and where it came from.
    pub interval: Interval,
    /// Send time of the first probe (the header's `start_ns`).
    pub start_ns: RealNs,
    /// Probes in index order: those the log shows, and those it counts lost.
    pub probes: Vec<ProbeLine>,
    /// The lines against the statistics: shown, lost without a line, unknown.
    pub accounting: Accounting,
    /// What a reader must know, in words.
    pub notes: Vec<Note>,
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
    /// `--interval` disagrees with the interval the timestamps show.
    #[error(
        "--interval {} disagrees with the log's -D timestamps, which show the probes {} apart \
         (more than {TOLERANCE_PCT} % off): drop --interval, or give the interval the tool ran with",
        human_ns(*flag_ns),
        human_ns(*measured_ns)
    )]
    IntervalDisagrees {
        /// `--interval`, ns.
        flag_ns: i64,
        /// Measured, ns.
        measured_ns: i64,
    },
}

/// Turns one host of a parsed log into probe lines (see the module docs for the rules).
pub fn build(log: &PingLog, opts: &BuildOptions) -> Result<Built, BuildError> {
    let (host, addr) = target::pick(log, opts.target)?;
    let (mut merged, c_disagree) = sequence::merge(host);
    let stats = sequence::stats_of(host);
    let (first, last) = sequence::range(log, stats.as_ref(), &merged)?;
    let interval = interval::choose(
        &merged,
        stats.as_ref(),
        log.command.interval_ns,
        opts.interval_ns,
    )?;
    let accounting = Accounting::new(
        &merged,
        (first, last),
        stats,
        log.shows_losses(),
        c_disagree,
    );
    let times = SendTimes::new(&merged, first, interval.ns);
    let mut probes =
        Vec::with_capacity(usize::try_from(accounting.shown + accounting.absent_lost).unwrap_or(0));
    for index in first..=last {
        let seen = match merged.remove(&index) {
            Some(seen) => seen,
            None if accounting.absent_is_lost(index) => IndexRecord::default(),
            None => continue,
        };
        probes.push(emit::probe_line(addr, index, seen, times.planned(index)));
    }
    if probes.is_empty() {
        return Err(BuildError::NoProbes);
    }
    let reconstructed = times.reconstructed();
    Ok(Built {
        target: target::info(host, addr),
        notes: notes::notes(log, &interval, &accounting, reconstructed),
        interval,
        start_ns: probes.first().map(|p| p.tx_ns).unwrap_or_default(),
        probes,
        accounting,
        reconstructed,
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
        assert_eq!(b.interval.source, IntervalSource::Flag);
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
