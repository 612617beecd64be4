//! report.json's `nova`: nova's view of a `run --openstack-server` (see
//! [`crate::analysis::nova`]).

use super::units::ms;
use crate::analysis::nova::{NovaNotice, NovaStatus, NovaStep, NovaView};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One instance action event nova recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NovaStepReport {
    /// The instance action, e.g. `live-migration`.
    pub action: String,
    /// The event, e.g. `compute_live_migration`.
    pub event: String,
    /// When it started, nova's time, realtime ns.
    pub start_ns: i64,
    /// When it finished; null when not seen finished.
    pub end_ns: Option<i64>,
    /// Its length by nova's times; null when not seen finished.
    pub duration_ms: Option<f64>,
    /// `Success`, `Error`; null while running.
    pub result: Option<String>,
    /// The host that did it, when nova says.
    pub host: Option<String>,
}

/// A status of the migration record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NovaStatusReport {
    /// queued, preparing, running, post-migrating, completed, failed, ...
    pub status: String,
    /// When nova saved it (its `updated_at`), else when it was seen, realtime ns.
    pub at_ns: i64,
}

/// A versioned notification of nova about the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NovaNotificationReport {
    /// e.g. `instance.live_migration_pre.start`.
    pub event_type: String,
    /// nova's timestamp (microseconds), realtime ns.
    pub at_ns: i64,
    /// The service that sent it, e.g. `nova-compute:node02`.
    pub publisher: Option<String>,
}

/// nova's view of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NovaReport {
    /// The libvirt domain nova named.
    pub instance_name: Option<String>,
    /// The compute host at the start of the run.
    pub host_before: Option<String>,
    /// The compute host at the end.
    pub host_after: Option<String>,
    /// The migration record's last status.
    pub migration_status: Option<String>,
    /// Instance action events, by start.
    pub steps: Vec<NovaStepReport>,
    /// The migration record's statuses, in order.
    pub statuses: Vec<NovaStatusReport>,
    /// nova's notifications of the server from the message bus
    /// (`--openstack-notifications`), by time; empty without.
    #[serde(default)]
    pub notifications: Vec<NovaNotificationReport>,
    /// True when every time of nova's API was a whole second (nova's database keeps no
    /// fraction): its steps' lengths are then good to a second only.
    pub whole_seconds: bool,
}

impl From<&NovaStep> for NovaStepReport {
    fn from(s: &NovaStep) -> Self {
        NovaStepReport {
            action: s.action.clone(),
            event: s.event.clone(),
            start_ns: s.start_ns.0,
            end_ns: s.end_ns.map(|e| e.0),
            duration_ms: s.end_ns.map(|e| ms(e.since(s.start_ns))),
            result: s.result.clone(),
            host: s.host.clone(),
        }
    }
}

impl From<&NovaStatus> for NovaStatusReport {
    fn from(s: &NovaStatus) -> Self {
        NovaStatusReport {
            status: s.status.clone(),
            at_ns: s.at_ns.0,
        }
    }
}

impl From<&NovaNotice> for NovaNotificationReport {
    fn from(n: &NovaNotice) -> Self {
        NovaNotificationReport {
            event_type: n.event_type.clone(),
            at_ns: n.at_ns.0,
            publisher: n.publisher.clone(),
        }
    }
}

impl From<&NovaView> for NovaReport {
    fn from(v: &NovaView) -> Self {
        NovaReport {
            instance_name: v.instance_name.clone(),
            host_before: v.host_before.clone(),
            host_after: v.host_after.clone(),
            migration_status: v.statuses.last().map(|s| s.status.clone()),
            steps: v.steps.iter().map(NovaStepReport::from).collect(),
            statuses: v.statuses.iter().map(NovaStatusReport::from).collect(),
            notifications: v
                .notifications
                .iter()
                .map(NovaNotificationReport::from)
                .collect(),
            whole_seconds: v.whole_seconds,
        }
    }
}
