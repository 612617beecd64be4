//! Build stage 2: what the log said about each probe index, and which indices
//! were sent.
//!
//! Rules: the first reply to an index is its reply, later ones count as
//! duplicates; the first error and the first "no reply" line are kept. The
//! range runs from the first index sent (ping: 1 once a header or footer is
//! seen; fping: 0 once a footer is seen) or seen, to the last seen or, by the
//! footer's count, sent; it may hold at most [`MAX_PROBES`] indices.

use super::{BuildError, MAX_PROBES};
use crate::import::log::{HostLog, LineSays, LogKind, Observation, PingLog};
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
}

/// The observations merged per probe index.
pub(super) fn merge(observations: &[Observation]) -> BTreeMap<u64, IndexRecord> {
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
    host: &HostLog,
    acc: &BTreeMap<u64, IndexRecord>,
) -> Result<(u64, u64), BuildError> {
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
    Ok((first, last))
}
