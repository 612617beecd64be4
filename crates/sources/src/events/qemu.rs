//! QEMU monitor (QMP) events: the mapping to run-file kinds, shared by the live
//! libvirt source and the parser of `virsh qemu-monitor-event --loop` output
//! ([`crate::import`]).
//!
//! Rules: pure; the detail is always a JSON object, QEMU's data kept as given.

use migprobe_probe::record::kinds::{self, EventKind};
use serde_json::{Map, Value};

/// Kind and detail of a QMP event `name` with its `data` member.
///
/// `data` may also be the whole event object (`{"event":..,"data":..,"timestamp":..}`),
/// as libvirt's monitor-event callback hands it over: its `data` is used then.
/// The detail is always a JSON object: QEMU's data (or `{}`), with `status` /
/// `pass` / `id` guaranteed present (possibly `null`) for the kinds documented
/// with them; unknown MIGRATION status strings are kept as given. An unknown
/// event becomes [`kinds::OTHER`] with `{"qemu_event": name, "data": data}`.
pub(crate) fn qemu_event(name: &str, data: &Value) -> (EventKind, Value) {
    let data = unwrap_event(data);
    let (kind, required): (EventKind, &[&str]) = match name.to_ascii_uppercase().as_str() {
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
pub(crate) fn details_data(details: &str) -> Value {
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
#[cfg_attr(
    not(feature = "libvirt"),
    allow(
        dead_code,
        reason = "only the live capture (feature `libvirt`) has the callback"
    )
)]
pub(crate) fn qemu_event_from_details(name: &str, details: Option<&str>) -> (EventKind, Value) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
}
