//! The `unobserved` section of report.json: what the prober could not see
//! (see [`crate::analysis::unobserved`] for the rules). Read leniently: a
//! report written before this section existed reads as "nothing unobserved
//! recorded", and `gate` says so.

use super::sections::{addr_of, ms};
use crate::analysis::model::{Analysis, Unobserved};
use crate::analysis::unobserved::per_target;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// At most this many windows are listed (those that can hide an outage first);
/// `windows_total` counts them all.
pub const MAX_LISTED_WINDOWS: usize = 1000;

/// What the prober could not observe, over the whole run (or one migration).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct UnobservedReport {
    /// Unobserved time summed over every target's windows.
    pub total_ms: f64,
    /// Unobserved slots summed over every target.
    pub slots: u64,
    /// Unobserved slots over all slots (sent + unobserved), 0 to 1.
    pub fraction: f64,
    /// A window that can hide an outage overlaps the switchover (or, without
    /// one, exists at all): no verdict can be drawn from the probes alone.
    pub inconclusive: bool,
    /// Unobserved time of each target that had any.
    pub targets: Vec<TargetUnobserved>,
    /// Windows, by start: those that can hide an outage, then the others; at
    /// most [`MAX_LISTED_WINDOWS`].
    pub windows: Vec<WindowReport>,
    /// All windows, listed or not.
    pub windows_total: u64,
}

/// One target's unobserved time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct TargetUnobserved {
    /// Target id.
    pub target: u32,
    /// Address.
    pub addr: String,
    /// Unobserved time.
    pub ms: f64,
    /// Unobserved slots.
    pub slots: u64,
}

/// One unobserved window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct WindowReport {
    /// Target id.
    pub target: u32,
    /// Address.
    pub addr: String,
    /// First unobserved probe index.
    pub first_index: u64,
    /// Unobserved slots.
    pub slots: u64,
    /// Start (realtime ns).
    pub start_ns: i64,
    /// End (realtime ns).
    pub end_ns: i64,
    /// Length.
    pub duration_ms: f64,
    /// "skipped", "send_failed", "not_recorded" or "never_probed".
    pub cause: String,
    /// Long enough to hide an outage, and not inside one already seen.
    pub can_hide_outage: bool,
    /// Meets the switchover.
    pub overlaps_switchover: bool,
}

impl WindowReport {
    fn new(a: &Analysis, w: &Unobserved) -> WindowReport {
        WindowReport {
            target: w.target_id,
            addr: addr_of(a, w.target_id),
            first_index: w.first_index,
            slots: w.slots,
            start_ns: w.start_ns.0,
            end_ns: w.end_ns.0,
            duration_ms: ms(w.duration_ns()),
            cause: w.cause.as_str().into(),
            can_hide_outage: w.can_hide_outage,
            overlaps_switchover: w.overlaps_switchover,
        }
    }
}

impl UnobservedReport {
    /// The section for analysis `a`.
    pub fn new(a: &Analysis) -> UnobservedReport {
        let per = per_target(&a.unobserved);
        let total = per.values().fold(0i64, |s, t| s.saturating_add(t.ns));
        let slots = per.values().fold(0u64, |s, t| s.saturating_add(t.slots));
        let sent = a
            .summaries
            .iter()
            .fold(0u64, |s, t| s.saturating_add(t.sent));
        let all = sent.saturating_add(slots);
        let targets = per
            .into_iter()
            .map(|(id, t)| TargetUnobserved {
                target: id,
                addr: addr_of(a, id),
                ms: ms(t.ns),
                slots: t.slots,
            })
            .collect();
        let (hiding, other): (Vec<&Unobserved>, Vec<&Unobserved>) =
            a.unobserved.iter().partition(|w| w.can_hide_outage);
        let windows = hiding
            .into_iter()
            .chain(other)
            .take(MAX_LISTED_WINDOWS)
            .map(|w| WindowReport::new(a, w))
            .collect();
        UnobservedReport {
            total_ms: ms(total),
            slots,
            fraction: if all == 0 {
                0.0
            } else {
                slots as f64 / all as f64
            },
            inconclusive: a.inconclusive,
            targets,
            windows,
            windows_total: a.unobserved.len() as u64,
        }
    }
}
