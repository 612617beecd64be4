use super::*;
use serde_json::json;

fn server(task: Option<&str>, host: &str, updated: &str) -> Value {
    json!({"server": {
        "id": "9e0c2a3f-6c1b-4a53-9a0e-2f1c3b4d5e6f", "status": if task.is_some() { "MIGRATING" } else { "ACTIVE" },
        "OS-EXT-STS:task_state": task, "OS-EXT-STS:vm_state": "active", "OS-EXT-STS:power_state": 1,
        "OS-EXT-SRV-ATTR:host": host, "OS-EXT-SRV-ATTR:instance_name": "instance-00000001",
        "updated": updated
    }})
}

fn kinds(events: &[EventLine]) -> Vec<String> {
    events.iter().map(|e| e.kind.as_str().to_owned()).collect()
}

#[test]
fn the_server_is_reported_first_then_only_when_it_changes() {
    let mut t = Tracker::new();
    let first = t
        .server(&server(None, "node01", "2026-11-30T15:49:00Z"), RealNs(1))
        .unwrap();
    assert_eq!(first.detail["host"], "node01");
    assert_eq!(first.detail["instance_name"], "instance-00000001");
    assert!(t
        .server(&server(None, "node01", "2026-11-30T15:49:00Z"), RealNs(2))
        .is_none());
    let moving = t
        .server(
            &server(Some("migrating"), "node01", "2026-11-30T15:49:10Z"),
            RealNs(3),
        )
        .unwrap();
    assert_eq!(
        (
            moving.detail["status"].as_str(),
            moving.detail["task_state"].as_str()
        ),
        (Some("MIGRATING"), Some("migrating"))
    );
    assert_eq!(moving.source_ts_ns, parse_timestamp("2026-11-30T15:49:10Z"));
    assert_eq!(moving.at_ns, RealNs(3));
    assert_eq!(
        t.server(&server(None, "node02", "2026-11-30T15:49:30Z"), RealNs(4))
            .unwrap()
            .detail["host"],
        "node02"
    );
}

#[test]
fn actions_before_the_run_are_history_and_new_ones_are_followed() {
    let mut t = Tracker::new();
    let before = json!({"instanceActions": [{"request_id": "req-old", "action": "create"}]});
    assert!(t.actions_to_fetch(&before).is_empty());
    t.first_poll_done();
    let after = json!({"instanceActions": [
        {"request_id": "req-new", "action": "live-migration"},
        {"request_id": "req-old", "action": "create"}
    ]});
    assert_eq!(t.actions_to_fetch(&after), vec!["req-new".to_owned()]);
}

fn action(events: Value) -> Value {
    json!({"instanceAction": {
        "request_id": "req-1", "action": "live-migration", "start_time": "2026-11-30T15:49:02.000000",
        "message": null, "events": events
    }})
}

#[test]
fn each_action_event_starts_and_finishes_once() {
    let mut t = Tracker::new();
    t.first_poll_done();
    let running = action(json!([
        {"event": "compute_live_migration", "start_time": "2026-11-30T15:49:14.000000", "finish_time": null, "result": null, "host": "node01"},
        {"event": "conductor_live_migrate_instance", "start_time": "2026-11-30T15:49:02.000000",
         "finish_time": "2026-11-30T15:49:13.000000", "result": "Success", "host": "controller"}
    ]));
    let first = t.action(&running, RealNs(10));
    assert_eq!(
        kinds(&first),
        [
            "nova_action",
            "nova_action_event",
            "nova_action_event",
            "nova_action_event"
        ]
    );
    let phases: Vec<_> = first[1..]
        .iter()
        .map(|e| {
            (
                e.detail["event"].as_str().unwrap(),
                e.detail["phase"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        phases,
        [
            ("conductor_live_migrate_instance", "start"),
            ("conductor_live_migrate_instance", "finish"),
            ("compute_live_migration", "start"),
        ]
    );
    assert!(
        t.action(&running, RealNs(11)).is_empty(),
        "nothing new, nothing said"
    );
    let done = action(json!([
        {"event": "compute_live_migration", "start_time": "2026-11-30T15:49:14.000000",
         "finish_time": "2026-11-30T15:49:21.000000", "result": "Success", "host": "node01"}
    ]));
    let last = t.action(&done, RealNs(12));
    assert_eq!(kinds(&last), ["nova_action_event"]);
    assert_eq!(last[0].detail["result"], "Success");
    assert_eq!(
        last[0].source_ts_ns,
        parse_timestamp("2026-11-30T15:49:21Z")
    );
}

fn migration(status: &str, updated: &str) -> Value {
    json!({"migrations": [
        {"id": 7, "uuid": "u-7", "status": status, "migration_type": "live-migration",
         "source_compute": "node01", "dest_compute": "node02",
         "created_at": "2026-11-30T15:49:02.000000", "updated_at": updated},
        {"id": 3, "status": "completed", "migration_type": "live-migration",
         "created_at": "2026-11-29T10:00:00.000000", "updated_at": "2026-11-29T10:01:00.000000"}
    ]})
}

#[test]
fn a_migration_record_is_reported_at_each_status_and_old_ones_are_not() {
    let mut t = Tracker::new();
    let first = t.migrations(
        &migration("preparing", "2026-11-30T15:49:03.000000"),
        RealNs(1),
    );
    assert_eq!(
        first.len(),
        1,
        "the finished record of yesterday is history"
    );
    assert_eq!(first[0].detail["status"], "preparing");
    assert!(first[0].detail["previous"].is_null());
    t.first_poll_done();
    assert!(t
        .migrations(
            &migration("preparing", "2026-11-30T15:49:03.000000"),
            RealNs(2)
        )
        .is_empty());
    let running = t.migrations(
        &migration("running", "2026-11-30T15:49:14.000000"),
        RealNs(3),
    );
    assert_eq!(
        (
            running[0].detail["status"].as_str(),
            running[0].detail["previous"].as_str()
        ),
        (Some("running"), Some("preparing"))
    );
    assert_eq!(
        running[0].source_ts_ns,
        parse_timestamp("2026-11-30T15:49:14Z")
    );
    let done = t.migrations(
        &migration("completed", "2026-11-30T15:49:22.000000"),
        RealNs(4),
    );
    assert_eq!(done[0].detail["status"], "completed");
    assert_eq!(done[0].detail["dest_compute"], "node02");
}

#[test]
fn junk_from_nova_is_no_event_and_no_panic() {
    let mut t = Tracker::new();
    for junk in [
        json!(null),
        json!([]),
        json!({"migrations": "x"}),
        json!({"instanceAction": {"events": 3}}),
        json!({"migrations": [{"status": 1}]}),
    ] {
        let _ = t.server(&junk, RealNs(0));
        assert!(t.action(&junk, RealNs(0)).is_empty());
        assert!(t.migrations(&junk, RealNs(0)).is_empty());
        assert!(t.actions_to_fetch(&junk).is_empty());
    }
}
