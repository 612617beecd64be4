//! report.json's per-target `probe` and `session`: which probe kind a
//! target used and, for `tcp-session:PORT`, the application's view of its
//! connection (see [`crate::analysis::sessions`]).

use super::units::ms_opt;
use crate::analysis::sessions::SessionView;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A `tcp-session:PORT` target's connection as the application saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SessionReport {
    /// Longest time the echoed byte stream stood still while written bytes
    /// were outstanding: the application's downtime (after a long network
    /// outage, longer than it by TCP's retransmission backoff); null when
    /// not recorded.
    pub longest_stall_ms: Option<f64>,
    /// When that stall began, realtime ns.
    pub longest_stall_start_ns: Option<i64>,
    /// True when no read ended that stall: the connection was lost or the
    /// run ended during it (its true end was not observed).
    pub longest_stall_open: bool,
    /// False when the connection was lost (reset, closed by the peer or
    /// failed); null when the run file does not say (cut short).
    pub survived: Option<bool>,
    /// When the connection was lost, realtime ns.
    pub lost_ns: Option<i64>,
    /// How: "reset", "fin" or "error".
    pub lost_how: Option<String>,
    /// The error's text.
    pub lost_error: Option<String>,
    /// Bytes the prober wrote.
    pub bytes_written: Option<u64>,
    /// Bytes that came back.
    pub bytes_echoed: Option<u64>,
}

impl From<&SessionView> for SessionReport {
    fn from(v: &SessionView) -> SessionReport {
        SessionReport {
            longest_stall_ms: ms_opt(v.longest_stall_ns),
            longest_stall_start_ns: v.longest_stall_start.map(|s| s.0),
            longest_stall_open: v.longest_stall_open,
            survived: v.survived,
            lost_ns: v.lost_at.map(|t| t.0),
            lost_how: v.lost_how.clone(),
            lost_error: v.lost_error.clone(),
            bytes_written: v.bytes.map(|b| b.0),
            bytes_echoed: v.bytes.map(|b| b.1),
        }
    }
}
