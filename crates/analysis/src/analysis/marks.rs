//! What the chart draws besides the probes: the hypervisors' job progress
//! series and a labelled mark per event (job statistics left out).

use super::model::{EventMark, Progress};
use super::phases::event_time;
use migprobe_probe::record::kinds;
use migprobe_probe::record::EventLine;

/// The source's job statistics (not the final one) as a progress series, by time.
pub(super) fn progress(events: &[EventLine]) -> Vec<Progress> {
    let n = |e: &EventLine, k: &str| {
        let v = e.detail.get(k)?;
        v.as_u64()
            .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
    };
    let mut out: Vec<Progress> = events
        .iter()
        .filter(|e| {
            e.kind == kinds::JOB_STATS
                && e.detail.get("completed").and_then(|c| c.as_bool()) != Some(true)
        })
        .map(|e| Progress {
            at_ns: event_time(e),
            memory_remaining: n(e, "memory_remaining"),
            disk_remaining: n(e, "disk_remaining"),
            data_remaining: n(e, "data_remaining"),
            migration: None,
        })
        .collect();
    out.sort_by_key(|p| p.at_ns);
    out
}

/// Label: kind plus reason / status / iteration / pass / code when present.
fn label(e: &EventLine) -> String {
    let extra = ["reason", "status", "iteration", "pass", "code"]
        .iter()
        .find_map(|k| match e.detail.get(*k)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
    match extra {
        Some(x) => format!("{} {x}", e.kind),
        None => e.kind.to_string(),
    }
}

/// Every event but job statistics, labelled, by time.
pub(super) fn event_marks(events: &[EventLine]) -> Vec<EventMark> {
    let mut out: Vec<EventMark> = events
        .iter()
        .filter(|e| e.kind != kinds::JOB_STATS)
        .map(|e| EventMark {
            at_ns: event_time(e),
            origin: e.origin,
            kind: e.kind.clone(),
            label: label(e),
        })
        .collect();
    out.sort_by_key(|m| m.at_ns);
    out
}
