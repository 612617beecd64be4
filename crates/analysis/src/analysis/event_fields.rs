//! The two readings of an event every analysis makes: when it happened and a
//! text field of its detail. Depends on nothing else in the analysis.

use migprobe_probe::record::EventLine;
use migprobe_probe::types::RealNs;

/// When an event happened: its source's timestamp if any, else when it was received.
pub fn event_time(e: &EventLine) -> RealNs {
    e.source_ts_ns.unwrap_or(e.at_ns)
}

/// A string field of an event's detail.
pub fn detail_str<'a>(e: &'a EventLine, key: &str) -> Option<&'a str> {
    e.detail.get(key).and_then(|v| v.as_str())
}
