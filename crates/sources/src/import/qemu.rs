//! Parser of `virsh qemu-monitor-event --loop [--timestamp]` output.
//!
//! virsh prints (libvirt 9, `tools/virsh-domain.c`):
//!
//! ```text
//! event RESUME at 1795634356.428328 for domain 'migvm': <null>
//! event MIGRATION at 1795634356.413580 for domain 'migvm': {"status":"completed"}
//! 2026-11-25 19:19:16.428+0000: event RESUME for domain 'migvm': <null>
//! ```
//!
//! Without `--timestamp` the time is QEMU's own (µs): it becomes both `at_ns`
//! and `source_ts_ns` — the best clock available. With `--timestamp` virsh
//! prints its receive time instead (`at_ns`; `source_ts_ns` is then `None`).
//! A line with neither gets the caller's fallback, or is skipped and counted.
//! The event itself is mapped by [`crate::events::qemu`].

use super::event_text::{split_domain, split_event_prefix, ParsedText};
use super::terminal::without_escapes;
use crate::events::qemu::{details_data, qemu_event};
use migprobe_probe::record::{EventLine, Origin};
use migprobe_probe::types::RealNs;
use serde_json::Value;

/// What one line of `virsh qemu-monitor-event` output is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum QemuLine {
    /// An event.
    Event(EventLine),
    /// An event line without any timestamp, and no fallback was given.
    NoTimestamp,
    /// A blank line.
    Blank,
    /// Anything else (prompt, noise, a cut line).
    NotUnderstood,
}

/// Parses one line of `virsh qemu-monitor-event [--timestamp]` output.
pub(crate) fn parse_qemu_line(line: &str, origin: Origin, fallback: Option<RealNs>) -> QemuLine {
    let line = line.trim_end_matches(['\n', '\r']);
    if line.trim().is_empty() {
        return QemuLine::Blank;
    }
    let Some((virsh_ts, rest)) = split_event_prefix(line) else {
        return QemuLine::NotUnderstood;
    };
    let Some(rest) = rest.strip_prefix("event ") else {
        return QemuLine::NotUnderstood;
    };
    let Some((name, rest)) = rest.split_once(' ') else {
        return QemuLine::NotUnderstood;
    };
    if name.is_empty() || name.starts_with('\'') {
        return QemuLine::NotUnderstood;
    }
    let (qemu_ts, rest) = match rest.strip_prefix("at ") {
        Some(r) => {
            let Some((ts, r)) = r.split_once(' ') else {
                return QemuLine::NotUnderstood;
            };
            match parse_qemu_time(ts) {
                Some(t) => (t, r),
                None => return QemuLine::NotUnderstood,
            }
        }
        None => (None, rest),
    };
    let Some(rest) = rest.strip_prefix("for domain ") else {
        return QemuLine::NotUnderstood;
    };
    let Some((domain, after)) = split_domain(rest) else {
        return QemuLine::NotUnderstood;
    };
    let details = match after.strip_prefix(':') {
        Some(d) => d,
        None if after.trim().is_empty() => "",
        None => return QemuLine::NotUnderstood,
    };
    let Some(at_ns) = virsh_ts.or(qemu_ts).or(fallback) else {
        return QemuLine::NoTimestamp;
    };
    let (kind, mut detail) = qemu_event(name, &details_data(details));
    if let Value::Object(m) = &mut detail {
        m.insert("domain".into(), Value::String(domain));
    }
    QemuLine::Event(EventLine {
        at_ns,
        source_ts_ns: qemu_ts,
        origin,
        kind,
        detail,
        raw: Some(line.to_owned()),
    })
}

/// QEMU's `seconds.micros` → `Some(Some(t))`; a negative time (QEMU had none)
/// → `Some(None)`; not a time (or out of range) → `None`.
fn parse_qemu_time(s: &str) -> Option<Option<RealNs>> {
    let (secs, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs: i64 = secs.parse().ok()?;
    if secs < 0 {
        return Some(None);
    }
    let frac_ns = if frac.is_empty() {
        0
    } else {
        frac.parse::<i64>().ok()? * 10i64.pow(9 - frac.len() as u32)
    };
    let ns = secs.checked_mul(1_000_000_000)?.checked_add(frac_ns)?;
    Some(Some(RealNs(ns)))
}

/// Parses a whole capture of `virsh qemu-monitor-event --loop [--timestamp]`
/// output (bytes decoded lossily, CRLF accepted). `fallback` is the time given
/// to events printed with no timestamp at all; with `None` they are skipped
/// and counted.
pub fn parse_qemu_monitor_events(
    bytes: &[u8],
    origin: Origin,
    fallback: Option<RealNs>,
) -> ParsedText {
    let text = String::from_utf8_lossy(bytes);
    let mut out = ParsedText::default();
    for (i, line) in text.split('\n').enumerate() {
        match parse_qemu_line(&without_escapes(line), origin, fallback) {
            QemuLine::Event(e) => out.events.push(e),
            QemuLine::NoTimestamp => out.no_timestamp += 1,
            QemuLine::Blank => {}
            QemuLine::NotUnderstood => out.bad_lines.note(i as u64 + 1),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use migprobe_probe::record::kinds;
    use serde_json::json;

    const T: i64 = 1_795_634_356_428_328_000;

    fn one(line: &str) -> EventLine {
        match parse_qemu_line(line, Origin::Dst, None) {
            QemuLine::Event(e) => e,
            other => panic!("{line:?}: {other:?}"),
        }
    }

    #[test]
    fn lines_without_virsh_timestamp_carry_qemu_time() {
        let e = one("event RESUME at 1795634356.428328 for domain 'migvm': <null>");
        assert_eq!(e.kind, kinds::QEMU_RESUME);
        assert_eq!(e.at_ns, RealNs(T));
        assert_eq!(e.source_ts_ns, Some(RealNs(T)));
        assert_eq!(e.detail, json!({"domain": "migvm"}));
        assert_eq!(e.origin, Origin::Dst);
        let e = one(
            "event MIGRATION at 1795634356.413580 for domain 'migvm': {\"status\":\"completed\"}\r",
        );
        assert_eq!(e.kind, kinds::QEMU_MIGRATION);
        assert_eq!(e.source_ts_ns, Some(RealNs(1_795_634_356_413_580_000)));
        assert_eq!(e.detail, json!({"domain": "migvm", "status": "completed"}));
        assert_eq!(
            e.raw.as_deref(),
            Some("event MIGRATION at 1795634356.413580 for domain 'migvm': {\"status\":\"completed\"}")
        );
        let e = one("event MIGRATION_PASS at 1795634356.000001 for domain 'migvm': {\"pass\":2}");
        assert_eq!(
            (e.at_ns, e.detail),
            (
                RealNs(1_795_634_356_000_001_000),
                json!({"domain": "migvm", "pass": 2})
            )
        );
    }

    #[test]
    fn lines_with_virsh_timestamp() {
        let e = one("2026-11-25 19:19:16.428+0000: event RESUME for domain 'migvm': <null>");
        assert_eq!(e.at_ns, RealNs(1_795_634_356_428_000_000));
        assert_eq!(e.source_ts_ns, None);
        assert_eq!(e.kind, kinds::QEMU_RESUME);
        let e = one("2026-11-25 19:19:16.414+0000: event MIGRATION for domain 'migvm': {\"status\":\"postcopy-recover-setup\"}");
        assert_eq!(
            e.detail,
            json!({"domain": "migvm", "status": "postcopy-recover-setup"})
        );
        let e = one("2026-11-25 19:19:16.414+0000: event SHUTDOWN for domain 'migvm': {\"guest\":true,\"reason\":\"guest-shutdown\"}");
        assert_eq!(e.kind, kinds::OTHER);
        assert_eq!(
            e.detail,
            json!({"domain": "migvm", "qemu_event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-shutdown"}})
        );
    }

    #[test]
    fn no_timestamp_garbage_and_odd_times() {
        assert_eq!(
            parse_qemu_line("event STOP for domain 'migvm': <null>", Origin::Src, None),
            QemuLine::NoTimestamp
        );
        match parse_qemu_line(
            "event STOP for domain 'migvm': <null>",
            Origin::Src,
            Some(RealNs(9)),
        ) {
            QemuLine::Event(e) => assert_eq!((e.at_ns, e.source_ts_ns), (RealNs(9), None)),
            other => panic!("{other:?}"),
        }
        match parse_qemu_line(
            "event STOP at -1.000000 for domain 'migvm': <null>",
            Origin::Src,
            None,
        ) {
            QemuLine::NoTimestamp => {}
            other => panic!("{other:?}"),
        }
        for bad in [
            "event",
            "event STOP",
            "event STOP at x.1 for domain 'migvm': <null>",
            "event STOP at 1.1234567890 for domain 'migvm': <null>",
            "event STOP at 1.1 for dom 'migvm': <null>",
            "event STOP at 1.1 for domain '': <null>",
            "event 'lifecycle' for domain 'migvm': Suspended Paused",
            "virsh # qemu-monitor-event --loop",
            "junk event STOP at 1.1 for domain 'migvm': <null>",
            "event STOP at 99999999999999.0 for domain 'migvm': <null>",
        ] {
            assert_eq!(
                parse_qemu_line(bad, Origin::Src, None),
                QemuLine::NotUnderstood,
                "{bad}"
            );
        }
        assert_eq!(parse_qemu_line(" \r", Origin::Src, None), QemuLine::Blank);
    }

    #[test]
    fn whole_text_counts_and_never_panics() {
        let mut bytes = b"virsh # qemu-monitor-event --loop\r\n\
            event STOP at 1795634356.100000 for domain 'migvm': <null>\r\n\
            \r\n\
            event MIGRATION at 1795634356.2 for domain 'm\xffvm': {\"status\":\"completed\"}\r\n\
            event STOP for domain 'migvm': <null>\n\
            \xfe\xff\n"
            .to_vec();
        let p = parse_qemu_monitor_events(&bytes, Origin::Src, None);
        assert_eq!(p.events.len(), 2);
        assert_eq!(p.events[1].detail["domain"], json!("m\u{fffd}vm"));
        assert_eq!(p.events[1].at_ns, RealNs(1_795_634_356_200_000_000));
        assert_eq!(
            (p.bad_lines.count(), p.bad_lines.examples(), p.no_timestamp),
            (2, &[1, 6][..], 1)
        );
        bytes.extend_from_slice(b"2026-11-25 19:19:16.428+0000: event RESUME for domain 'migvm': {\"a\":[1,{\"b\":null}]}");
        for n in 0..=bytes.len() {
            parse_qemu_monitor_events(&bytes[..n], Origin::Src, None);
        }
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..3000 {
            let len = (seed % 100) as usize;
            let alphabet = b"event at for domain '\":{}<null>0123456789. \n\r\xff";
            let v: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    alphabet[(seed % alphabet.len() as u64) as usize]
                })
                .collect();
            parse_qemu_monitor_events(&v, Origin::Src, Some(RealNs(1)));
        }
    }
}
