//! What changed in nova since the last poll, as run-file events. Pure: the
//! [`Tracker`] is fed nova's JSON and the time of the poll.
//!
//! - `nova_server`: the first poll, then each change of status, task state,
//!   VM state, power state or host; `source_ts_ns` = the server's `updated`.
//! - `nova_action`: an instance action not seen at the first poll (earlier
//!   ones are history), once; `source_ts_ns` = its `start_time`.
//! - `nova_action_event`: each event of a tracked action, once when it
//!   starts and once when it finishes; `source_ts_ns` = that time.
//! - `nova_migration`: each migration record of the server not already
//!   finished at the first poll, when first seen and at each status change;
//!   `source_ts_ns` = its `updated_at` (else `created_at`), the time nova
//!   saved that status.
//!
//! `at_ns` is the poll that saw it: nova's clock and the prober's may differ,
//! and nova's times are often whole seconds.

use crate::import::parse_timestamp;
use migprobe_probe::record::{EventKind, EventLine};
use migprobe_probe::types::RealNs;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};

/// The server fields whose change is an event, with their names in events.
const SERVER_FIELDS: &[(&str, &str)] = &[
    ("status", "status"),
    ("OS-EXT-STS:task_state", "task_state"),
    ("OS-EXT-STS:vm_state", "vm_state"),
    ("OS-EXT-STS:power_state", "power_state"),
    ("OS-EXT-SRV-ATTR:host", "host"),
];

/// Migration statuses after which a record no longer changes.
const FINAL: &[&str] = &[
    "completed",
    "failed",
    "error",
    "cancelled",
    "done",
    "reverted",
    "confirmed",
];

/// The state of what has been reported so far.
#[derive(Debug, Default)]
pub struct Tracker {
    first_poll_done: bool,
    server: Option<Map<String, Value>>,
    /// Actions present at the first poll (history), by request ID.
    old_actions: HashSet<String>,
    /// Tracked actions and their events already reported ((event, phase)).
    actions: HashMap<String, HashSet<(String, &'static str)>>,
    /// Migration records: last status reported, by ID.
    migrations: HashMap<String, String>,
    /// nova refused the migration records once: they are not asked for again.
    migrations_refused: bool,
}

fn event(kind: EventKind, at: RealNs, ts: Option<RealNs>, detail: Value) -> EventLine {
    EventLine {
        source_ts_ns: ts,
        ..EventLine::local(at, kind, detail)
    }
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn stamp(v: &Value, key: &str) -> Option<RealNs> {
    text(v, key).and_then(parse_timestamp)
}

impl Tracker {
    /// A tracker that has seen nothing yet.
    pub fn new() -> Tracker {
        Tracker::default()
    }

    /// Marks the end of the first poll: from now on, actions and finished
    /// migrations not seen before are new.
    pub fn first_poll_done(&mut self) {
        self.first_poll_done = true;
    }

    /// True once [`Tracker::refuse_migrations`] was called.
    pub fn migrations_refused(&self) -> bool {
        self.migrations_refused
    }

    /// Remembers that nova does not show this user its migration records.
    pub fn refuse_migrations(&mut self) {
        self.migrations_refused = true;
    }

    /// The server (`{"server": {...}}` or the object itself) at `now`.
    pub fn server(&mut self, body: &Value, now: RealNs) -> Option<EventLine> {
        let s = body.get("server").unwrap_or(body);
        let mut fields = Map::new();
        for (key, name) in SERVER_FIELDS {
            fields.insert(
                (*name).to_owned(),
                s.get(*key).cloned().unwrap_or(Value::Null),
            );
        }
        if self.server.as_ref() == Some(&fields) {
            return None;
        }
        self.server = Some(fields.clone());
        if let Some(i) = s.get("OS-EXT-SRV-ATTR:instance_name") {
            fields.insert("instance_name".into(), i.clone());
        }
        Some(event(
            EventKind::NovaServer,
            now,
            stamp(s, "updated"),
            Value::Object(fields),
        ))
    }

    /// The request IDs of the actions to fetch in detail, from the list
    /// (`{"instanceActions": [...]}`): those not seen at the first poll.
    pub fn actions_to_fetch(&mut self, list: &Value) -> Vec<String> {
        let ids = list
            .get("instanceActions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| text(a, "request_id").map(str::to_owned));
        let mut fetch = Vec::new();
        for id in ids {
            if !self.first_poll_done {
                self.old_actions.insert(id);
            } else if !self.old_actions.contains(&id) {
                fetch.push(id);
            }
        }
        fetch
    }

    /// One action in detail (`{"instanceAction": {..., "events": [...]}}`).
    pub fn action(&mut self, body: &Value, now: RealNs) -> Vec<EventLine> {
        let a = body.get("instanceAction").unwrap_or(body);
        let Some(id) = text(a, "request_id") else {
            return Vec::new();
        };
        let action = text(a, "action").unwrap_or("").to_owned();
        let mut out = Vec::new();
        let seen = self.actions.entry(id.to_owned()).or_insert_with(|| {
            let detail = json!({
                "action": action, "request_id": id,
                "start_time": a.get("start_time"), "message": a.get("message"),
            });
            out.push(event(
                EventKind::NovaAction,
                now,
                stamp(a, "start_time"),
                detail,
            ));
            HashSet::new()
        });
        let mut events: Vec<&Value> = a
            .get("events")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .collect();
        events.sort_by_key(|e| (stamp(e, "start_time"), text(e, "event").map(str::to_owned)));
        for e in events {
            let name = text(e, "event").unwrap_or("").to_owned();
            for (phase, key) in [("start", "start_time"), ("finish", "finish_time")] {
                let Some(ts) = stamp(e, key) else { continue };
                if seen.insert((name.clone(), phase)) {
                    let detail = json!({
                        "action": action, "request_id": id, "event": name, "phase": phase,
                        "result": e.get("result"), "host": e.get("host"),
                    });
                    out.push(event(EventKind::NovaActionEvent, now, Some(ts), detail));
                }
            }
        }
        out
    }

    /// The server's migration records (`{"migrations": [...]}`).
    pub fn migrations(&mut self, body: &Value, now: RealNs) -> Vec<EventLine> {
        let mut list: Vec<&Value> = body
            .get("migrations")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .collect();
        list.sort_by_key(|m| (stamp(m, "created_at"), m.get("id").map(Value::to_string)));
        let mut out = Vec::new();
        for m in list {
            let Some(id) = m
                .get("id")
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            else {
                continue;
            };
            let status = text(m, "status").unwrap_or("").to_owned();
            let before = self.migrations.insert(id.clone(), status.clone());
            let history = !self.first_poll_done && FINAL.contains(&status.as_str());
            if history || before.as_deref() == Some(status.as_str()) {
                continue;
            }
            let detail = json!({
                "id": m.get("id"), "uuid": m.get("uuid"), "status": status,
                "previous": before, "migration_type": m.get("migration_type"),
                "source_compute": m.get("source_compute"), "dest_compute": m.get("dest_compute"),
                "created_at": m.get("created_at"), "updated_at": m.get("updated_at"),
            });
            let ts = stamp(m, "updated_at").or_else(|| stamp(m, "created_at"));
            out.push(event(EventKind::NovaMigration, now, ts, detail));
        }
        out
    }
}

#[cfg(test)]
mod tests;
