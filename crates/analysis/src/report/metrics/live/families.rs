//! The live families, rendered at each scrape: the targets' counters,
//! pending probes, RTT histograms and current outages, the migration phase
//! (for `run`), and once the session is over the report's final figures.

use super::super::text::{family, with, write, Family, Labels, MetricType, Sample};
use super::super::{families::families, MetricsLabels};
use super::{LiveTally, TargetLive};
use crate::report::json::Report;

/// The phases of a migration session as `migprobe_live_migration_phase`
/// names them (the live line's, "migration 2/5" counted as "migrating").
pub const PHASES: [&str; 7] = [
    "warm-up",
    "migrating",
    "copying",
    "switchover",
    "resumed on destination",
    "cool-down",
    "done",
];

/// The phase of a `run` session, as the live line shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LivePhase<'a>(pub &'a str);

impl LivePhase<'_> {
    /// Its name among [`PHASES`] ("other" for one not listed).
    pub fn name(self) -> &'static str {
        let p = if self.0.starts_with("migration ") {
            "migrating"
        } else {
            self.0
        };
        PHASES.into_iter().find(|&k| k == p).unwrap_or("other")
    }
}

/// A family of one sample per target.
fn per_target(
    t: &LiveTally,
    name: &'static str,
    help: &'static str,
    kind: MetricType,
    unit: Option<&'static str>,
    value: impl Fn(&TargetLive) -> f64,
) -> Family {
    let samples = t
        .targets
        .iter()
        .map(|x| Sample::new(labels(x), value(x)))
        .collect();
    Family {
        kind,
        ..family(name, help, unit, samples)
    }
}

/// The labels of a target's samples.
fn labels(x: &TargetLive) -> Labels {
    vec![("target", x.addr.clone()), ("probe", "icmp".into())]
}

/// The per-target counters.
fn counters(t: &LiveTally) -> Vec<Family> {
    type Count = fn(&TargetLive) -> u64;
    const COUNTERS: [(&str, &str, Count); 6] = [
        (
            "migprobe_live_probes_sent_total",
            "Probes sent to the target (not skipped, not failed to send).",
            TargetLive::sent,
        ),
        (
            "migprobe_live_probes_answered_total",
            "Probes answered.",
            |x| x.answered,
        ),
        (
            "migprobe_live_probes_lost_total",
            "Probes never answered (counted when the run ends and its drain is over).",
            |x| x.lost,
        ),
        (
            "migprobe_live_probes_late_total",
            "Probes answered after more than 10 intervals.",
            |x| x.late,
        ),
        (
            "migprobe_live_probes_skipped_total",
            "Slots skipped because the sender was late (unobserved time).",
            |x| x.skipped,
        ),
        (
            "migprobe_live_probes_errors_total",
            "Send failures and ICMP errors.",
            |x| x.errors,
        ),
    ];
    COUNTERS
        .iter()
        .map(|&(name, help, count)| {
            per_target(t, name, help, MetricType::Counter, None, |x| {
                count(x) as f64
            })
        })
        .collect()
}

/// A per-target gauge: of the target, realtime now (ns) and `min_loss_run`.
type Gauge = fn(&TargetLive, i64, u64) -> f64;

/// The per-target gauges: name, help, unit, value.
const GAUGES: [(&str, &str, Option<&str>, Gauge); 3] = [
    (
        "migprobe_live_probes_pending",
        "Probes sent and not answered past the pending threshold, not yet lost.",
        None,
        |x, _, _| x.pending.len() as f64,
    ),
    (
        "migprobe_live_last_rtt_seconds",
        "Round-trip time of the latest probe answered (0 before the first reply).",
        Some("seconds"),
        |x, _, _| x.last_rtt_ns.unwrap_or(0) as f64 / 1e9,
    ),
    (
        "migprobe_live_outage_seconds",
        "The target's current outage: since the first of at least --min-loss-run unanswered \
         probes after the last answered one (0 when none).",
        Some("seconds"),
        |x, now, k| x.outage_ns(now, k) as f64 / 1e9,
    ),
];

/// The gauges and histogram of targets at realtime `now_ns`.
fn gauges(t: &LiveTally, now_ns: i64) -> Vec<Family> {
    let k = t.min_loss_run;
    let mut out: Vec<Family> = GAUGES
        .iter()
        .map(|&(name, help, unit, value)| {
            per_target(t, name, help, MetricType::Gauge, unit, |x| {
                value(x, now_ns, k)
            })
        })
        .collect();
    let rtt = t
        .targets
        .iter()
        .flat_map(|x| x.rtt.samples(&labels(x)))
        .collect();
    out.push(Family {
        kind: MetricType::Histogram,
        ..family(
            "migprobe_live_rtt_seconds",
            "Round-trip times of the answered probes.",
            Some("seconds"),
            rtt,
        )
    });
    out
}

/// The session's phase and whether it is over.
fn session(t: &LiveTally, phase: Option<LivePhase>) -> Vec<Family> {
    let mut out = vec![family(
        "migprobe_live_finished",
        "1 once the session has ended: the figures are final.",
        None,
        vec![Sample::new(Vec::new(), f64::from(u8::from(t.finished())))],
    )];
    if let Some(p) = phase {
        let own = if t.finished() { "done" } else { p.name() };
        let samples = PHASES
            .iter()
            .chain(&["other"])
            .map(|&k| Sample::new(with(&[], "phase", k), f64::from(u8::from(k == own))))
            .collect();
        out.push(family(
            "migprobe_live_migration_phase",
            "The phase the migration session is in: 1 for the current one, 0 for the others.",
            None,
            samples,
        ));
    }
    out
}

/// The `/metrics` text of tally `t` at realtime `now_ns`: its families, the
/// session's `phase` (for `run`), and the report's final families when the
/// session is over and a report is given.
pub fn render_live(
    t: &LiveTally,
    now_ns: i64,
    phase: Option<LivePhase>,
    report: Option<(&Report, &MetricsLabels)>,
) -> Vec<u8> {
    let mut all = counters(t);
    all.extend(gauges(t, now_ns));
    all.extend(session(t, phase));
    if let Some((r, l)) = report {
        all.extend(families(r, l));
    }
    write(&all)
}
