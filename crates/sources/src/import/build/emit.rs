//! Build stage 4: one probe line from what the log said about its index.
//!
//! Rules: a reply makes the probe `ok` (a later error or "no answer yet" does
//! not count); with its timestamp and RTT both times are measured (clock
//! `user`), otherwise the send time is planned and the receive time is what
//! can be known. Else an ICMP error makes it `error`; else it is `lost`.

use super::sequence::IndexRecord;
use migprobe_probe::record::{ProbeLine, ProbeStatus, StampClock};
use migprobe_probe::types::{ProbeIndex, RealNs};
use std::net::IpAddr;

/// The probe line of `index` to `addr`, planned to be sent at `tx_planned`.
pub(super) fn probe_line(
    addr: IpAddr,
    index: u64,
    a: IndexRecord,
    tx_planned: RealNs,
) -> ProbeLine {
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
    p
}
