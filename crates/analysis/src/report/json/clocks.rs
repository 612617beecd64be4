//! report.json's `clocks`: each hypervisor host's clock against the
//! prober's (see [`crate::analysis::clocks`]), and what QEMU's pause gains in
//! uncertainty from the correction.

use super::units::ms;
use crate::analysis::clocks::{pause_uncertainty_ns, HostClock};
use crate::analysis::model::Analysis;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One host's clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClockReport {
    /// "src" or "dst".
    pub host: String,
    /// Host clock − prober clock (positive: the host is ahead), from the
    /// host's QEMU event stamps against their arrival.
    pub offset_ms: f64,
    /// The offset is within ± this; absent when no round trip on the host's
    /// libvirt connection was timed (then `offset_ms` is only a lower bound).
    pub uncertainty_ms: Option<f64>,
    /// The fastest round trip on the host's libvirt connection.
    pub rtt_ms: Option<f64>,
    /// Events that carried the host's own stamp.
    pub stamped_events: usize,
    /// True when QEMU's times from this host were moved onto the prober's
    /// clock (only an offset told apart from zero is corrected).
    pub corrected: bool,
}

impl From<&HostClock> for ClockReport {
    fn from(c: &HostClock) -> ClockReport {
        ClockReport {
            host: c.origin.as_str().into(),
            offset_ms: ms(c.offset_ns),
            uncertainty_ms: c.uncertainty_ns.map(ms),
            rtt_ms: c.rtt_ns.map(ms),
            stamped_events: c.stamped_events,
            corrected: c.corrected,
        }
    }
}

/// The `clocks` section of `a`.
pub(crate) fn clocks(a: &Analysis) -> Vec<ClockReport> {
    a.clocks.iter().map(ClockReport::from).collect()
}

/// [`pause_uncertainty_ns`] of `a`'s clocks in ms; `None` when no host was corrected.
pub(crate) fn pause_uncertainty_ms(a: &Analysis) -> Option<f64> {
    let sum = pause_uncertainty_ns(&a.clocks);
    (sum > 0).then(|| ms(sum))
}
