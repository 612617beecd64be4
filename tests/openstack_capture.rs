//! nova's real answers, recorded every second during a block live migration
//! of the OpenStack lab's server (tests/fixtures/openstack/, made by
//! scripts/openstack/capture-api.sh), replayed through the watcher's tracker
//! as `run --openstack-server` polls them, then through the report's view.
//!
//! Ground truth, from the same recording: the migration record 2 went
//! accepted → preparing → running → completed, node02 → node01 (the
//! `openstack server migrate` beside it: live-migration-migrate.log); nova's
//! own final record of the action (the last poll) lists every event with its
//! start and finish; the server's create and an earlier live migration (record
//! 1, completed) were there before the first poll.

use migprobe_analysis::analysis::nova;
use migprobe_probe::record::EventLine;
use migprobe_probe::types::RealNs;
use migprobe_sources::openstack::track::Tracker;
use serde_json::Value;
use std::collections::BTreeMap;

const API: &str = "tests/fixtures/openstack/live-migration-api.jsonl.zst";

/// The answers by poll, each (path, body), in the order they were asked.
fn polls() -> BTreeMap<u64, Vec<(String, Value)>> {
    let bytes = zstd::decode_all(std::fs::File::open(API).unwrap()).unwrap();
    let mut polls: BTreeMap<u64, Vec<(String, Value)>> = BTreeMap::new();
    for line in String::from_utf8(bytes).unwrap().lines() {
        let l: Value = serde_json::from_str(line).unwrap();
        let body = serde_json::from_str(l["body"].as_str().unwrap()).unwrap();
        let path = l["path"].as_str().unwrap().to_owned();
        polls
            .entry(l["poll"].as_u64().unwrap())
            .or_default()
            .push((path, body));
    }
    polls
}

/// The events the watcher writes, poll by poll (as `watch::poll_once`).
fn replay(polls: &BTreeMap<u64, Vec<(String, Value)>>) -> Vec<EventLine> {
    let mut t = Tracker::new();
    let mut events = Vec::new();
    for (&n, answers) in polls {
        let now = RealNs(1_796_000_000_000_000_000 + i64::try_from(n).unwrap() * 1_000_000_000);
        let find = |suffix: &str| {
            answers
                .iter()
                .find(|(p, _)| p.ends_with(suffix))
                .map(|(_, b)| b)
        };
        let server = answers
            .iter()
            .find(|(p, _)| p.starts_with("/servers/") && p.matches('/').count() == 2)
            .unwrap();
        events.extend(t.server(&server.1, now));
        for req in t.actions_to_fetch(find("/os-instance-actions").unwrap()) {
            events.extend(t.action(find(&format!("/os-instance-actions/{req}")).unwrap(), now));
        }
        events.extend(
            t.migrations(
                answers
                    .iter()
                    .find(|(p, _)| p.starts_with("/os-migrations"))
                    .map(|(_, b)| b)
                    .unwrap(),
                now,
            ),
        );
        t.first_poll_done();
    }
    events
}

#[test]
fn a_recorded_migration_reads_as_nova_recorded_it() {
    let polls = polls();
    assert!(polls.len() > 30, "{} polls", polls.len());
    let events = replay(&polls);
    let v = nova::view(&events).unwrap();
    assert_eq!(
        (v.host_before.as_deref(), v.host_after.as_deref()),
        (Some("node02"), Some("node01"))
    );
    let statuses: Vec<&str> = v.statuses.iter().map(|s| s.status.as_str()).collect();
    assert_eq!(statuses, ["accepted", "preparing", "running", "completed"]);
    assert!(
        events.iter().all(|e| e.detail["id"] != 1),
        "record 1 was history"
    );
    let actions: Vec<&EventLine> = events
        .iter()
        .filter(|e| e.kind.as_str() == "nova_action")
        .collect();
    assert_eq!(actions.len(), 1, "only the new live-migration action");
    assert_eq!(actions[0].detail["action"], "live-migration");
    // nova's final record of that action: every event, started and finished, once each.
    let req = actions[0].detail["request_id"].as_str().unwrap();
    let last = polls.values().last().unwrap();
    let truth = &last.iter().find(|(p, _)| p.ends_with(req)).unwrap().1["instanceAction"]["events"];
    let truth = truth.as_array().unwrap();
    assert!(truth.len() >= 5, "{truth:?}");
    assert_eq!(v.steps.len(), truth.len());
    for t in truth {
        let name = t["event"].as_str().unwrap();
        let step = v
            .steps
            .iter()
            .find(|s| s.event == name)
            .unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(step.result.as_deref(), t["result"].as_str(), "{name}");
        assert!(step.end_ns.is_some(), "{name} finished");
        let phases = events.iter().filter(|e| e.detail["event"] == name).count();
        assert_eq!(phases, 2, "{name}: one start and one finish");
    }
    assert!(v.whole_seconds, "nova's database keeps whole seconds");
}
