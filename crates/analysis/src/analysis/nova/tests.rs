use super::*;
use migprobe_probe::record::{EventKind, Origin};
use serde_json::json;

fn ev(kind: EventKind, ts: i64, detail: serde_json::Value) -> EventLine {
    EventLine {
        at_ns: RealNs(ts + 500_000_000),
        source_ts_ns: Some(RealNs(ts)),
        origin: Origin::Local,
        kind,
        detail,
        raw: None,
    }
}

const S: i64 = 1_000_000_000;

fn run() -> Vec<EventLine> {
    let step = |t: i64, event: &str, phase: &str, result: Option<&str>| {
        ev(
            EventKind::NovaActionEvent,
            t * S,
            json!({"action": "live-migration", "request_id": "req-1",
            "event": event, "phase": phase, "result": result, "host": "node01"}),
        )
    };
    vec![
        ev(
            EventKind::NovaServer,
            S,
            json!({"status": "ACTIVE", "host": "node01", "instance_name": "instance-00000001"}),
        ),
        ev(EventKind::Started, 2 * S, json!({})),
        ev(
            EventKind::NovaAction,
            3 * S,
            json!({"action": "live-migration", "request_id": "req-1"}),
        ),
        ev(EventKind::NovaMigration, 3 * S, json!({"status": "queued"})),
        step(3, "conductor_live_migrate_instance", "start", None),
        step(14, "compute_live_migration", "start", None),
        ev(
            EventKind::NovaMigration,
            14 * S,
            json!({"status": "running"}),
        ),
        step(
            13,
            "conductor_live_migrate_instance",
            "finish",
            Some("Success"),
        ),
        step(21, "compute_live_migration", "finish", Some("Success")),
        ev(
            EventKind::NovaMigration,
            22 * S,
            json!({"status": "completed"}),
        ),
        ev(
            EventKind::NovaServer,
            22 * S,
            json!({"status": "ACTIVE", "host": "node02"}),
        ),
        ev(
            EventKind::NovaNotification,
            20 * S + 123_456_000,
            json!({"event_type": "instance.live_migration_post.end", "publisher_id": "nova-compute:node01"}),
        ),
        ev(
            EventKind::NovaNotification,
            14 * S + 5_000,
            json!({"event_type": "instance.live_migration_pre.end", "publisher_id": "nova-compute:node02"}),
        ),
    ]
}

#[test]
fn steps_pair_start_with_finish_and_the_host_moves() {
    let v = view(&run()).unwrap();
    assert_eq!(
        (v.host_before.as_deref(), v.host_after.as_deref()),
        (Some("node01"), Some("node02"))
    );
    assert_eq!(v.instance_name.as_deref(), Some("instance-00000001"));
    let steps: Vec<_> = v
        .steps
        .iter()
        .map(|s| {
            (
                s.event.as_str(),
                s.start_ns.0 / S,
                s.end_ns.map(|e| e.0 / S),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("conductor_live_migrate_instance", 3, Some(13)),
            ("compute_live_migration", 14, Some(21))
        ]
    );
    assert_eq!(v.steps[1].result.as_deref(), Some("Success"));
    let st: Vec<_> = v.statuses.iter().map(|s| s.status.as_str()).collect();
    assert_eq!(st, ["queued", "running", "completed"]);
    assert!(v.whole_seconds, "notifications' microseconds do not count");
    let n: Vec<_> = v
        .notifications
        .iter()
        .map(|n| n.event_type.as_str())
        .collect();
    assert_eq!(
        n,
        [
            "instance.live_migration_pre.end",
            "instance.live_migration_post.end"
        ]
    );
}

#[test]
fn no_nova_events_no_view_and_an_unfinished_step_stays_open() {
    assert!(view(&[ev(EventKind::Started, 0, json!({}))]).is_none());
    let mut events = run();
    events.retain(|e| {
        !(e.kind == kinds::NOVA_ACTION_EVENT
            && e.detail["phase"] == "finish"
            && e.detail["event"] == "compute_live_migration")
    });
    events.push(ev(
        EventKind::NovaMigration,
        30 * S + 250_000_000,
        json!({"status": "failed"}),
    ));
    let v = view(&events).unwrap();
    assert_eq!(v.steps[1].end_ns, None);
    assert!(!v.whole_seconds);
}
