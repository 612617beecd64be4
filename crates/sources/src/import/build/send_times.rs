//! Build stage 3: the planned send time of every probe index.
//!
//! Rules: a reply with a timestamp and an RTT was sent at time − RTT: such
//! probes are the anchors. Any other index is planned a whole number of
//! intervals from the nearest anchor before it (the first anchor for indices
//! before all anchors); with no anchor, from any timestamped line; with no
//! timestamp at all, from time 0 at the first index (the send times are then
//! *reconstructed*).

use super::sequence::IndexRecord;
use migprobe_probe::types::RealNs;
use std::collections::BTreeMap;

/// What planned send times are counted from.
pub(super) struct SendTimes {
    /// (index, measured send time), in index order.
    anchors: Vec<(u64, i64)>,
    /// Some timestamped line: (index, its time).
    any_stamp: Option<(u64, i64)>,
    /// The first index sent.
    first: u64,
    /// The probe interval, ns.
    interval_ns: i64,
}

impl SendTimes {
    /// The anchors of the merged observations.
    pub(super) fn new(acc: &BTreeMap<u64, IndexRecord>, first: u64, interval_ns: i64) -> SendTimes {
        let anchors = acc
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
        SendTimes {
            anchors,
            any_stamp,
            first,
            interval_ns,
        }
    }

    /// True when the log has no timestamp at all.
    pub(super) fn reconstructed(&self) -> bool {
        self.anchors.is_empty() && self.any_stamp.is_none()
    }

    /// The planned send time of `index`.
    pub(super) fn planned(&self, index: u64) -> RealNs {
        let anchors = &self.anchors;
        let anchor = match anchors.binary_search_by_key(&index, |a| a.0) {
            Ok(i) => Some(anchors[i]),
            Err(0) => anchors.first().copied(),
            Err(i) => Some(anchors[i - 1]),
        };
        RealNs(match anchor.or(self.any_stamp) {
            Some((ai, at)) => at.saturating_add(self.step(ai, index)),
            None => self.step(self.first, index),
        })
    }

    /// Signed time from index `from` to index `to`, saturating.
    fn step(&self, from: u64, to: u64) -> i64 {
        let d = i64::try_from(to.abs_diff(from)).unwrap_or(i64::MAX);
        let ns = d.saturating_mul(self.interval_ns);
        if to >= from {
            ns
        } else {
            -ns
        }
    }
}
