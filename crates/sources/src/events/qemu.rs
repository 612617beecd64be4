//! QEMU monitor (QMP) events: the mapping to run-file kinds, shared by the live
//! libvirt source and the parser of `virsh qemu-monitor-event --loop` output.
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

use super::virsh::{split_domain, split_event_prefix, ParsedText};
use migprobe_probe::record::kinds;
use migprobe_probe::record::{EventLine, Origin};
use migprobe_probe::types::RealNs;
use serde_json::{Map, Value};

/// Kind and detail of a QMP event `name` with its `data` member.
///
/// `data` may also be the whole event object (`{"event":..,"data":..,"timestamp":..}`),
/// as libvirt's monitor-event callback hands it over: its `data` is used then.
/// The detail is always a JSON object: QEMU's data (or `{}`), with `status` /
/// `pass` / `id` guaranteed present (possibly `null`) for the kinds documented
/// with them; unknown MIGRATION status strings are kept as given. An unknown
/// event becomes [`kinds::OTHER`] with `{"qemu_event": name, "data": data}`.
pub fn qemu_event(name: &str, data: &Value) -> (&'static str, Value) {
    let data = unwrap_event(data);
    let (kind, required): (&'static str, &[&str]) = match name.to_ascii_uppercase().as_str() {
        "STOP" => (kinds::QEMU_STOP, &[]),
        "RESUME" => (kinds::QEMU_RESUME, &[]),
        "MIGRATION" => (kinds::QEMU_MIGRATION, &["status"]),
        "MIGRATION_PASS" => (kinds::QEMU_MIGRATION_PASS, &["pass"]),
        "BLOCK_JOB_READY" => (kinds::QEMU_BLOCK_JOB_READY, &[]),
        "BLOCK_JOB_COMPLETED" => (kinds::QEMU_BLOCK_JOB_COMPLETED, &[]),
        "JOB_STATUS_CHANGE" => (kinds::QEMU_JOB_STATUS_CHANGE, &["id", "status"]),
        _ => {
            let mut d = Map::new();
            d.insert("qemu_event".into(), Value::String(name.to_owned()));
            d.insert("data".into(), data.clone());
            return (kinds::OTHER, Value::Object(d));
        }
    };
    let mut d = match data {
        Value::Object(m) => m.clone(),
        Value::Null => Map::new(),
        other => {
            let mut m = Map::new();
            m.insert("data".into(), other.clone());
            m
        }
    };
    for key in required {
        d.entry(*key).or_insert(Value::Null);
    }
    (kind, Value::Object(d))
}

/// The `data` of a QMP event from libvirt's `details` text: `<null>`, empty or
/// `null` → `Null`; JSON → its value (the `data` member if it is a whole event);
/// text that is not JSON → a JSON string of it.
pub fn details_data(details: &str) -> Value {
    let t = details.trim();
    if t.is_empty() || t == "<null>" {
        return Value::Null;
    }
    match serde_json::from_str::<Value>(t) {
        Ok(v) => unwrap_event(&v).clone(),
        Err(_) => Value::String(t.to_owned()),
    }
}

/// Kind and detail straight from libvirt's monitor-event callback arguments.
pub fn qemu_event_from_details(name: &str, details: Option<&str>) -> (&'static str, Value) {
    qemu_event(name, &details.map_or(Value::Null, details_data))
}

/// `{"event":"X","data":{..},"timestamp":{..}}` → `{..}`; anything else as is.
fn unwrap_event(v: &Value) -> &Value {
    match v {
        Value::Object(m)
            if m.get("event").is_some_and(Value::is_string)
                && (m.contains_key("data") || m.contains_key("timestamp")) =>
        {
            m.get("data").unwrap_or(&Value::Null)
        }
        _ => v,
    }
}

/// What one line of `virsh qemu-monitor-event` output is.
#[derive(Debug, Clone, PartialEq)]
pub enum QemuLine {
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
pub fn parse_qemu_line(line: &str, origin: Origin, fallback: Option<RealNs>) -> QemuLine {
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
        kind: kind.to_owned(),
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
/// output (bytes decoded lossily, CRLF accepted); `fallback` as in [`parse_qemu_line`].
pub fn parse_qemu_monitor_events(
    bytes: &[u8],
    origin: Origin,
    fallback: Option<RealNs>,
) -> ParsedText {
    let text = String::from_utf8_lossy(bytes);
    let mut out = ParsedText::default();
    for (i, line) in text.split('\n').enumerate() {
        match parse_qemu_line(line, origin, fallback) {
            QemuLine::Event(e) => out.events.push(e),
            QemuLine::NoTimestamp => out.no_timestamp += 1,
            QemuLine::Blank => {}
            QemuLine::NotUnderstood => out.note_bad(i as u64 + 1),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const T: i64 = 1_795_634_356_428_328_000;

    fn one(line: &str) -> EventLine {
        match parse_qemu_line(line, Origin::Dst, None) {
            QemuLine::Event(e) => e,
            other => panic!("{line:?}: {other:?}"),
        }
    }

    #[test]
    fn mapping_of_every_known_event() {
        let cases = [
            ("STOP", json!(null), kinds::QEMU_STOP, json!({})),
            ("RESUME", json!({}), kinds::QEMU_RESUME, json!({})),
            (
                "MIGRATION",
                json!({"status": "completed"}),
                kinds::QEMU_MIGRATION,
                json!({"status": "completed"}),
            ),
            (
                "MIGRATION",
                json!({"status": "wait-unplug"}),
                kinds::QEMU_MIGRATION,
                json!({"status": "wait-unplug"}),
            ),
            (
                "MIGRATION",
                json!({"status": "brand-new-state"}),
                kinds::QEMU_MIGRATION,
                json!({"status": "brand-new-state"}),
            ),
            (
                "MIGRATION",
                json!(null),
                kinds::QEMU_MIGRATION,
                json!({"status": null}),
            ),
            (
                "MIGRATION_PASS",
                json!({"pass": 3}),
                kinds::QEMU_MIGRATION_PASS,
                json!({"pass": 3}),
            ),
            (
                "BLOCK_JOB_READY",
                json!({"device": "drive-virtio-disk0", "len": 5, "offset": 5, "speed": 0, "type": "mirror"}),
                kinds::QEMU_BLOCK_JOB_READY,
                json!({"device": "drive-virtio-disk0", "len": 5, "offset": 5, "speed": 0, "type": "mirror"}),
            ),
            (
                "BLOCK_JOB_COMPLETED",
                json!({"device": "d"}),
                kinds::QEMU_BLOCK_JOB_COMPLETED,
                json!({"device": "d"}),
            ),
            (
                "JOB_STATUS_CHANGE",
                json!({"id": "j", "status": "ready"}),
                kinds::QEMU_JOB_STATUS_CHANGE,
                json!({"id": "j", "status": "ready"}),
            ),
            (
                "JOB_STATUS_CHANGE",
                json!({"status": "ready"}),
                kinds::QEMU_JOB_STATUS_CHANGE,
                json!({"id": null, "status": "ready"}),
            ),
            ("STOP", json!(7), kinds::QEMU_STOP, json!({"data": 7})),
            ("stop", json!(null), kinds::QEMU_STOP, json!({})),
            (
                "NIC_RX_FILTER_CHANGED",
                json!({"path": "/x"}),
                kinds::OTHER,
                json!({"qemu_event": "NIC_RX_FILTER_CHANGED", "data": {"path": "/x"}}),
            ),
            (
                "",
                json!(null),
                kinds::OTHER,
                json!({"qemu_event": "", "data": null}),
            ),
        ];
        for (name, data, kind, detail) in cases {
            assert_eq!(qemu_event(name, &data), (kind, detail), "{name} {data}");
        }
    }

    #[test]
    fn details_in_every_shape() {
        assert_eq!(details_data("<null>"), json!(null));
        assert_eq!(details_data(""), json!(null));
        assert_eq!(details_data(" null "), json!(null));
        assert_eq!(
            details_data(r#"{"status":"completed"}"#),
            json!({"status": "completed"})
        );
        let whole = r#"{"event":"MIGRATION","data":{"status":"active"},"timestamp":{"seconds":1,"microseconds":2}}"#;
        assert_eq!(details_data(whole), json!({"status": "active"}));
        assert_eq!(
            details_data(r#"{"event":"STOP","timestamp":{"seconds":1,"microseconds":2}}"#),
            json!(null)
        );
        assert_eq!(details_data("{not json"), json!("{not json"));
        assert_eq!(
            qemu_event_from_details("MIGRATION", Some(whole)),
            (kinds::QEMU_MIGRATION, json!({"status": "active"}))
        );
        assert_eq!(
            qemu_event_from_details("RESUME", None),
            (kinds::QEMU_RESUME, json!({}))
        );
        assert_eq!(
            qemu_event("MIGRATION", &serde_json::from_str(whole).unwrap()),
            (kinds::QEMU_MIGRATION, json!({"status": "active"}))
        );
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
            (p.bad_line_count, p.bad_lines.clone(), p.no_timestamp),
            (2, vec![1, 6], 1)
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
