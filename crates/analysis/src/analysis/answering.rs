//! Targets that did not answer reliably before the migration: their losses
//! during it are not all the guest's, and the report must say so rather than
//! let them read as unreachability.
//!
//! Rules: judged on the probes sent before the trigger (else in the first
//! warm-up window), at least [`MIN_SENT`] of them; a target that answered
//! fewer than [`MIN_ANSWERED`] of them gets a note naming its share, the
//! likely cause for its probe kind (a UDP port unreachable is rate-limited
//! by Linux to one a second per peer) and what to do. Pure.

use migprobe_probe::record::{ProbeIter, ProbeStatus, Probes, TargetInfo};
use migprobe_probe::types::RealNs;
use migprobe_probe::wire::ProbeKind;

/// Fewest probes in the window for a judgement.
pub const MIN_SENT: u64 = 20;
/// The share of answers below which a target is called unreliable.
pub const MIN_ANSWERED: f64 = 0.9;

/// One note per unreliable target, from one scan of its probes (in index
/// order); the window ends at `trigger`, else `warmup_ns` after the target's
/// first probe.
pub fn notes(
    targets: &[TargetInfo],
    probes: &dyn Probes,
    trigger: Option<RealNs>,
    warmup_ns: i64,
) -> Vec<String> {
    targets
        .iter()
        .filter_map(|t| {
            let (sent, answered) = tally(probes.of_target(t.id), trigger, warmup_ns);
            let share = answered as f64 / sent.max(1) as f64;
            let when = match trigger {
                Some(_) => "before the migration".to_owned(),
                None => format!("in its first {:.1} s", warmup_ns as f64 / 1e9),
            };
            (sent >= MIN_SENT && share < MIN_ANSWERED).then(|| note(t, sent, answered, &when))
        })
        .collect()
}

/// (sent, answered) in the window before the migration.
fn tally(mut ps: ProbeIter<'_>, trigger: Option<RealNs>, warmup_ns: i64) -> (u64, u64) {
    let Some(first) = ps.next() else {
        return (0, 0);
    };
    let end = trigger.unwrap_or_else(|| first.tx_ns.plus(warmup_ns));
    std::iter::once(first)
        .chain(ps)
        .filter(|p| p.was_sent() && p.tx_ns < end)
        .fold((0, 0), |(s, a), p| {
            (s + 1, a + u64::from(p.status == ProbeStatus::Ok))
        })
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
