//! Targets that did not answer reliably before the migration: their losses
//! during it are not all the guest's, and the report must say so rather than
//! let them read as unreachability.
//!
//! Rules: judged on the probes sent before the trigger (else in the first
//! warm-up window), at least [`MIN_SENT`] of them; a target that answered
//! fewer than [`MIN_ANSWERED`] of them gets a note naming its share, the
//! likely cause for its probe kind (a UDP port unreachable is rate-limited
//! by Linux to one a second per peer) and what to do. Pure.

use super::model::Baseline;
use migprobe_probe::record::TargetInfo;
use migprobe_probe::wire::ProbeKind;

/// Fewest probes in the window for a judgement.
pub const MIN_SENT: u64 = 20;
/// The share of answers below which a target is called unreliable.
pub const MIN_ANSWERED: f64 = 0.9;

/// One note per unreliable target, from the send counts of its baseline
/// window (counted by the per-target scan: [`Baseline::window_sent`]);
/// `after_trigger` says whether that window ended at the trigger or
/// `warmup_ns` after the target's first send.
pub fn notes(
    targets: &[TargetInfo],
    baselines: &[Baseline],
    after_trigger: bool,
    warmup_ns: i64,
) -> Vec<String> {
    let when = if after_trigger {
        "before the migration".to_owned()
    } else {
        format!("in its first {:.1} s", warmup_ns as f64 / 1e9)
    };
    targets
        .iter()
        .filter_map(|t| {
            let b = baselines.iter().find(|b| b.target_id == t.id)?;
            let (sent, answered) = (b.window_sent, b.window_answered);
            let share = answered as f64 / sent.max(1) as f64;
            (sent >= MIN_SENT && share < MIN_ANSWERED).then(|| note(t, sent, answered, &when))
        })
        .collect()
}

fn note(t: &TargetInfo, sent: u64, answered: u64, when: &str) -> String {
    let why = match t.probe_kind() {
        ProbeKind::Udp(_) => {
            "a Linux peer rate-limits ICMP port unreachables to one a second (net.ipv4.icmp_ratelimit); \
             probe it with tcp:PORT, or lift the limit on the guest"
        }
        _ => "the path or the target drops probes; a firewall or rate limit may be in the way",
    };
    format!(
        "Target {} answered only {answered} of {sent} probes ({:.0} %) {when}: its losses are not all \
         the guest's unreachability ({why}).",
        t.addr,
        100.0 * answered as f64 / sent as f64
    )
}

#[cfg(test)]
mod tests;
