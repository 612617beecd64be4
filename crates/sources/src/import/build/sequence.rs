//! Build stage 2: what the log said about each probe index, and which indices
//! were sent.
//!
//! Rules: the first reply to an index is its reply, later ones count as
//! duplicates; the first error and the first "no reply" line are kept. fping
//! `-C`'s summary line fills the indices no per-probe line speaks of (and
//! stands for the statistics when there are none); where both speak, they
//! should agree on answered or not, and disagreements are counted. The range
//! runs from the first index sent (the tool's first sequence number once a
//! header or statistics are seen) or seen, to the last seen or, by the
//! statistics' count, sent; it may hold at most [`MAX_PROBES`] indices.

use super::{BuildError, MAX_PROBES};
use crate::import::log::{HostLog, LineSays, LogKind, Observation, PingLog, Stats};
use migprobe_probe::record::ProbeError;
use migprobe_probe::types::RealNs;
use std::collections::BTreeMap;

/// A reply as kept while building: (time, RTT, TTL, bytes).
pub(super) type FirstReply = (Option<RealNs>, Option<i64>, Option<u8>, Option<u32>);

/// Everything the log said about one probe index.
#[derive(Default)]
pub(super) struct IndexRecord {
    /// The first reply.
    pub(super) reply: Option<FirstReply>,
    /// Replies after the first.
    pub(super) dup: u32,
    /// The first ICMP error, with its time.
    pub(super) error: Option<(Option<RealNs>, ProbeError)>,
    /// The time of the first "no reply yet" line.
    pub(super) no_reply_at: Option<RealNs>,
    /// A "no reply" line was seen (with or without a time).
    pub(super) no_reply_line: bool,
}

impl IndexRecord {
    /// The log shows this probe unanswered: an error or a "no reply" line, and no reply.
    pub(super) fn unanswered(&self) -> bool {
        self.reply.is_none() && (self.error.is_some() || self.no_reply_line)
    }
}

/// What the log says per probe index, and how many of the `-C` summary's
/// values disagree with the per-probe lines.
pub(super) fn merge(host: &HostLog) -> (BTreeMap<u64, IndexRecord>, u64) {
    let mut acc = merge_lines(&host.observations);
    let mut disagree = 0;
    if let Some((_, values)) = &host.c_line {
        for (index, rtt) in (0u64..).zip(values) {
            match acc.get(&index) {
                Some(r) => disagree += u64::from(r.reply.is_some() != rtt.is_some()),
                None => {
                    let r = acc.entry(index).or_default();
                    r.reply = rtt.map(|rtt| (None, Some(rtt), None, None));
                    r.no_reply_line = rtt.is_none();
                }
            }
        }
    }
    (acc, disagree)
}

/// The tool's statistics for `host`, or what fping `-C`'s summary line counts.
pub(super) fn stats_of(host: &HostLog) -> Option<Stats> {
    host.stats.or_else(|| {
        let (line_no, values) = host.c_line.as_ref()?;
        Some(Stats {
            line_no: *line_no,
            transmitted: values.len() as u64,
            received: values.iter().filter(|v| v.is_some()).count() as u64,
            ..Stats::default()
        })
    })
}

/// The per-probe lines merged per probe index.
fn merge_lines(observations: &[Observation]) -> BTreeMap<u64, IndexRecord> {
    let mut acc: BTreeMap<u64, IndexRecord> = BTreeMap::new();
    for o in observations {
        let a = acc.entry(o.index).or_default();
        match &o.seen {
            LineSays::Reply {
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
            LineSays::Error(e) => {
                if a.error.is_none() {
                    a.error = Some((o.at, e.clone()));
                }
            }
            LineSays::NoReply => {
                a.no_reply_line = true;
                if a.no_reply_at.is_none() {
                    a.no_reply_at = o.at;
                }
            }
        }
    }
    acc
}

/// The first and the last probe index sent.
pub(super) fn range(
    log: &PingLog,
    stats: Option<&Stats>,
    acc: &BTreeMap<u64, IndexRecord>,
) -> Result<(u64, u64), BuildError> {
    let known_start = stats.is_some() || (log.kind == LogKind::Ping && log.header_seen);
    let first_sent = known_start.then(|| log.first_seq());
    let min_seen = acc.keys().next().copied();
    let max_seen = acc.keys().next_back().copied();
    let first = match (first_sent, min_seen) {
        (Some(f), Some(m)) => f.min(m),
        (Some(f), None) => f,
        (None, Some(m)) => m,
        (None, None) => return Err(BuildError::NoProbes),
    };
    let last_by_footer = match (first_sent, stats.map(|s| s.transmitted)) {
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
    Ok((first, last))
}
