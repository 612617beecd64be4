//! The application's view of each `tcp-session:PORT` target, read from the
//! run's `tcp_session` events (one per target at the end of the run) and
//! `tcp_session_lost` events (when a connection ended): the longest stall of
//! the byte stream and whether the connection survived. A run cut short has
//! no `tcp_session` event: what its lost events say is kept, the stall is
//! unobserved (`None`). Pure.

use migprobe_probe::record::{kinds, EventLine, TargetInfo};
use migprobe_probe::types::RealNs;
use migprobe_probe::wire::ProbeKind;
use serde::Serialize;
use serde_json::Value;

/// One target's TCP session as the application saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionView {
    /// Target id.
    pub target_id: u32,
    /// Longest time the byte stream stood still while bytes were outstanding, ns;
    /// `None` when not recorded (the run was cut short).
    pub longest_stall_ns: Option<i64>,
    /// When that stall began.
    pub longest_stall_start: Option<RealNs>,
    /// True when no read ended that stall (the connection was lost or the run ended during it).
    pub longest_stall_open: bool,
    /// False when the connection was lost (reset, closed or failed); `None` when unknown.
    pub survived: Option<bool>,
    /// When the connection was lost.
    pub lost_at: Option<RealNs>,
    /// How: `reset`, `fin` or `error`.
    pub lost_how: Option<String>,
    /// The error's text.
    pub lost_error: Option<String>,
    /// Bytes written and bytes echoed back.
    pub bytes: Option<(u64, u64)>,
}

/// One view per `tcp-session` target of `targets`, in target order.
pub fn sessions(targets: &[TargetInfo], events: &[EventLine]) -> Vec<SessionView> {
    targets
        .iter()
        .filter(|t| matches!(t.probe_kind(), ProbeKind::TcpSession(_)))
        .map(|t| view(t.id, events))
        .collect()
}

/// The view of target `id` from its events.
fn view(id: u32, events: &[EventLine]) -> SessionView {
    let of = |kind| {
        events
            .iter()
            .filter(move |e| e.kind == kind && u64_at(&e.detail, "target") == Some(u64::from(id)))
    };
    let lost = of(kinds::TCP_SESSION_LOST).next();
    let mut v = SessionView {
        target_id: id,
        longest_stall_ns: None,
        longest_stall_start: None,
        longest_stall_open: false,
        survived: lost.map(|_| false),
        lost_at: lost.map(|e| e.at_ns),
        lost_how: lost.and_then(|e| str_at(&e.detail, "how")),
        lost_error: lost.and_then(|e| str_at(&e.detail, "error")),
        bytes: None,
    };
    if let Some(s) = of(kinds::TCP_SESSION).next_back() {
        let d = &s.detail;
        v.longest_stall_ns = d.get("longest_stall_ns").and_then(Value::as_i64);
        v.longest_stall_start = d
            .get("longest_stall_start_ns")
            .and_then(Value::as_i64)
            .map(RealNs);
        v.longest_stall_open = d.get("longest_stall_open").and_then(Value::as_bool) == Some(true);
        v.survived = d
            .get("survived")
            .and_then(Value::as_bool)
            .map(|s| s && lost.is_none());
        v.bytes = u64_at(d, "bytes_written").zip(u64_at(d, "bytes_echoed"));
    }
    v
}

fn u64_at(d: &Value, key: &str) -> Option<u64> {
    d.get(key).and_then(Value::as_u64)
}

fn str_at(d: &Value, key: &str) -> Option<String> {
    d.get(key).and_then(Value::as_str).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use migprobe_probe::record::Origin;
    use migprobe_probe::wire::Family;
    use serde_json::json;

    fn target(id: u32, probe: Option<ProbeKind>) -> TargetInfo {
        TargetInfo {
            id,
            addr: "192.0.2.2".parse().unwrap(),
            name: "g".into(),
            family: Family::V4,
            phase_ns: 0,
            probe,
            domain: None,
        }
    }

    fn ev(kind: migprobe_probe::record::EventKind, at: i64, detail: Value) -> EventLine {
        EventLine {
            at_ns: RealNs(at),
            source_ts_ns: None,
            origin: Origin::Local,
            kind,
            detail,
            raw: None,
        }
    }

    #[test]
    fn each_session_target_gets_its_stall_and_fate() {
        let targets = [
            target(0, Some(ProbeKind::TcpSession(7))),
            target(1, None),
            target(2, Some(ProbeKind::TcpSession(7))),
        ];
        let events = [
            ev(
                kinds::TCP_SESSION_LOST,
                500,
                json!({"target": 2, "how": "reset", "error": "reset by peer"}),
            ),
            ev(
                kinds::TCP_SESSION,
                900,
                json!({"target": 0, "longest_stall_ns": 1_000, "longest_stall_start_ns": 100,
                "longest_stall_open": false, "survived": true, "bytes_written": 48, "bytes_echoed": 48}),
            ),
            ev(
                kinds::TCP_SESSION,
                900,
                json!({"target": 2, "longest_stall_ns": 300, "longest_stall_start_ns": 200,
                "longest_stall_open": true, "survived": false, "bytes_written": 96, "bytes_echoed": 24}),
            ),
        ];
        let v = sessions(&targets, &events);
        assert_eq!(v.len(), 2);
        assert_eq!(
            (v[0].target_id, v[0].longest_stall_ns, v[0].survived),
            (0, Some(1_000), Some(true))
        );
        assert_eq!(
            (v[0].longest_stall_start, v[0].bytes),
            (Some(RealNs(100)), Some((48, 48)))
        );
        assert_eq!(
            (v[1].target_id, v[1].survived, v[1].lost_at),
            (2, Some(false), Some(RealNs(500)))
        );
        assert_eq!(
            (v[1].lost_how.as_deref(), v[1].longest_stall_open),
            (Some("reset"), true)
        );
    }

    #[test]
    fn a_run_cut_short_leaves_the_stall_unobserved_and_garbage_is_no_panic() {
        let targets = [target(0, Some(ProbeKind::TcpSession(7)))];
        let v = sessions(&targets, &[]);
        assert_eq!(
            (v[0].longest_stall_ns, v[0].survived, v[0].bytes),
            (None, None, None)
        );
        let odd = [
            ev(kinds::TCP_SESSION, 1, json!("not an object")),
            ev(kinds::TCP_SESSION_LOST, 2, json!({"target": "0"})),
            ev(
                kinds::TCP_SESSION,
                3,
                json!({"target": 0, "longest_stall_ns": "x", "survived": 1}),
            ),
        ];
        let v = sessions(&targets, &odd);
        assert_eq!(
            (v[0].longest_stall_ns, v[0].survived, v[0].lost_at),
            (None, None, None)
        );
    }
}
