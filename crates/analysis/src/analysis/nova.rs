//! nova's view of the run (`run --openstack-server`), from its `nova_*`
//! events: the steps nova recorded (instance action events with their start
//! and finish), the migration record's statuses, and where the server ran
//! before and after.
//!
//! Every time is nova's own (`source_ts_ns`), else when the poll saw it.
//! nova keeps its times in whole seconds on most databases (MySQL DATETIME):
//! [`NovaView::whole_seconds`] says so, and readers must not read a step's
//! length closer than a second then.

use super::event_fields::{detail_str, event_time};
use migprobe_probe::record::kinds;
use migprobe_probe::record::EventLine;
use migprobe_probe::types::RealNs;
use serde::Serialize;

/// One step nova recorded: an instance action event, from start to finish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NovaStep {
    /// The instance action, e.g. `live-migration`.
    pub action: String,
    /// The event, e.g. `compute_live_migration`.
    pub event: String,
    /// When it started (nova's time).
    pub start_ns: RealNs,
    /// When it finished; `None` when not seen finished.
    pub end_ns: Option<RealNs>,
    /// `Success`, `Error`, or `None` while running.
    pub result: Option<String>,
    /// The host that did it, when nova says.
    pub host: Option<String>,
}

/// A status of the migration record, and when nova saved it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NovaStatus {
    /// queued, preparing, running, post-migrating, completed, failed, ...
    pub status: String,
    /// When (nova's `updated_at`, else when seen).
    pub at_ns: RealNs,
}

/// A versioned notification of nova about the server (from the message bus).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NovaNotice {
    /// e.g. `instance.live_migration_pre.start`.
    pub event_type: String,
    /// nova's timestamp (microseconds), else when it arrived.
    pub at_ns: RealNs,
    /// The service that sent it, e.g. `nova-compute:node02`.
    pub publisher: Option<String>,
}

/// nova's view of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NovaView {
    /// The libvirt domain nova named.
    pub instance_name: Option<String>,
    /// The compute host at the first poll.
    pub host_before: Option<String>,
    /// The compute host at the last poll.
    pub host_after: Option<String>,
    /// The instance action events, by start.
    pub steps: Vec<NovaStep>,
    /// The migration record's statuses, in order.
    pub statuses: Vec<NovaStatus>,
    /// nova's notifications of the server, by time (with `--openstack-notifications`).
    pub notifications: Vec<NovaNotice>,
    /// True when every time nova's API gave was a whole second.
    pub whole_seconds: bool,
}

/// nova's view, when the run has `nova_*` events.
pub fn view(events: &[EventLine]) -> Option<NovaView> {
    let nova: Vec<&EventLine> = events.iter().filter(|e| is_nova(e)).collect();
    if nova.is_empty() {
        return None;
    }
    let servers: Vec<&&EventLine> = nova
        .iter()
        .filter(|e| e.kind == kinds::NOVA_SERVER)
        .collect();
    let host = |e: Option<&&&EventLine>| e.and_then(|e| detail_str(e, "host")).map(str::to_owned);
    let mut statuses: Vec<NovaStatus> = nova
        .iter()
        .filter(|e| e.kind == kinds::NOVA_MIGRATION)
        .filter_map(|e| {
            let status = detail_str(e, "status")?.to_owned();
            Some(NovaStatus {
                status,
                at_ns: event_time(e),
            })
        })
        .collect();
    statuses.sort_by_key(|s| s.at_ns);
    Some(NovaView {
        instance_name: servers
            .iter()
            .find_map(|e| detail_str(e, "instance_name"))
            .map(str::to_owned),
        host_before: host(servers.first()),
        host_after: host(servers.last()),
        steps: steps(&nova),
        statuses,
        notifications: notices(&nova),
        whole_seconds: nova
            .iter()
            .filter(|e| e.kind != kinds::NOVA_NOTIFICATION)
            .filter_map(|e| e.source_ts_ns)
            .all(|t| t.0 % 1_000_000_000 == 0),
    })
}

fn notices(nova: &[&EventLine]) -> Vec<NovaNotice> {
    let mut out: Vec<NovaNotice> = nova
        .iter()
        .filter(|e| e.kind == kinds::NOVA_NOTIFICATION)
        .map(|e| NovaNotice {
            event_type: detail_str(e, "event_type").unwrap_or("").to_owned(),
            at_ns: event_time(e),
            publisher: detail_str(e, "publisher_id").map(str::to_owned),
        })
        .collect();
    out.sort_by_key(|n| n.at_ns);
    out
}

fn is_nova(e: &EventLine) -> bool {
    [
        kinds::NOVA_SERVER,
        kinds::NOVA_ACTION,
        kinds::NOVA_ACTION_EVENT,
        kinds::NOVA_MIGRATION,
        kinds::NOVA_NOTIFICATION,
    ]
    .contains(&e.kind)
}

/// Action events paired start with finish (by request and event name).
fn steps(nova: &[&EventLine]) -> Vec<NovaStep> {
    let mut steps: Vec<(String, NovaStep)> = Vec::new();
    for e in nova.iter().filter(|e| e.kind == kinds::NOVA_ACTION_EVENT) {
        let key = format!(
            "{}/{}",
            detail_str(e, "request_id").unwrap_or(""),
            detail_str(e, "event").unwrap_or("")
        );
        let at = event_time(e);
        let text = |k: &str| detail_str(e, k).map(str::to_owned);
        let i = steps
            .iter()
            .position(|(k, _)| *k == key)
            .unwrap_or_else(|| {
                let step = NovaStep {
                    action: text("action").unwrap_or_default(),
                    event: text("event").unwrap_or_default(),
                    start_ns: at,
                    end_ns: None,
                    result: None,
                    host: None,
                };
                steps.push((key, step));
                steps.len() - 1
            });
        let step = &mut steps[i].1;
        match detail_str(e, "phase") {
            Some("finish") => {
                step.end_ns = Some(at);
                step.result = text("result");
            }
            _ => step.start_ns = at,
        }
        step.host = step.host.take().or_else(|| text("host"));
    }
    let mut out: Vec<NovaStep> = steps.into_iter().map(|(_, s)| s).collect();
    out.sort_by(|a, b| (a.start_ns, &a.event).cmp(&(b.start_ns, &b.event)));
    out
}

#[cfg(test)]
mod tests;
