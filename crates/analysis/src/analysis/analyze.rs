//! From a run file's data to an [`Analysis`]: baseline, outages, phases,
//! downtime, summaries, migration result and notes. Pure: no I/O, no clock.

use super::answering;
use super::clocks::{self, HostClock};
use super::downtime::{self, detail_number, job_completed};
use super::marks;
use super::model::{
    Analysis, Baseline, Downtime, MigrationInfo, Outage, Phase, PhaseStats, TriggerInfo,
};
use super::outages::Detected;
use super::per_target::TargetPass;
pub use super::per_target::BASELINE_OUTLIER_NS;
use super::phases::{self, detail_str, event_time, Markers};
use super::tally::Tally;
use super::unobserved::{self, Unobserved};
use super::verdict::MigrationVerdict;
use migprobe_probe::record::kinds;
use migprobe_probe::record::{EventLine, Origin, ProbeIter, ProbeLine, Probes, RunData};
use migprobe_probe::types::{human_ns, RealNs};
use std::borrow::Cow;

/// K when neither the options nor the header say.
pub const DEFAULT_MIN_LOSS_RUN: u32 = 3;
/// Baseline window when there is no trigger event: the first 3 s of each target.
pub const DEFAULT_WARMUP_NS: i64 = 3_000_000_000;

/// How to analyse a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnalysisOptions {
    /// Consecutive misses that make a loss outage (K); default: the header's
    /// `min_loss_run`, else [`DEFAULT_MIN_LOSS_RUN`].
    pub min_loss_run: Option<u32>,
    /// Baseline window length without a `trigger_started` event ([`DEFAULT_WARMUP_NS`]).
    pub warmup_ns: Option<i64>,
    /// The hypervisor hosts' clocks, when estimated over a longer stretch
    /// than this run (a campaign's migrations use the whole run's); default:
    /// estimated from this run's events ([`clocks::estimate`]).
    pub clocks: Option<Vec<HostClock>>,
}

/// What every stage of [`analyze`] reads: the run, its probes in order, and
/// the figures settled first.
struct Input<'a> {
    run: &'a RunData,
    /// Probes in (target, index) order.
    probes: &'a dyn Probes,
    /// The targets that have probes, ascending.
    probed: Vec<u32>,
    events: &'a [EventLine],
    markers: Markers,
    /// The header's targets, plus any id seen only in probes, ascending.
    target_ids: Vec<u32>,
    /// Probe interval: the header's, else estimated from the probes.
    interval: i64,
    /// Misses that make a loss outage.
    k: u32,
    /// Baseline window without a trigger.
    warmup: i64,
    /// The figures of the first scan.
    tally: Tally,
}

impl<'a> Input<'a> {
    fn new(
        run: &'a RunData,
        probes: &'a dyn Probes,
        events: &'a [EventLine],
        opts: &AnalysisOptions,
    ) -> Input<'a> {
        let h = &run.header;
        let interval = if h.interval_ns > 0 {
            h.interval_ns
        } else {
            estimate_interval(probes.scan())
        };
        let k = opts
            .min_loss_run
            .filter(|k| *k > 0)
            .or(Some(h.min_loss_run).filter(|k| *k > 0))
            .unwrap_or(DEFAULT_MIN_LOSS_RUN);
        let warmup = opts
            .warmup_ns
            .filter(|w| *w > 0)
            .unwrap_or(DEFAULT_WARMUP_NS);
        let probed = probes.target_ids();
        let markers = Markers::from_events(events);
        let tally = Tally::scan(
            probes,
            (&h.targets, interval),
            &run.duplicates,
            (markers.trigger_started, warmup),
        );
        let mut target_ids: Vec<u32> = h.targets.iter().map(|t| t.id).collect();
        target_ids.extend(&probed);
        target_ids.sort_unstable();
        target_ids.dedup();
        Input {
            run,
            probes,
            probed,
            events,
            markers,
            target_ids,
            interval,
            k,
            warmup,
            tally,
        }
    }
}

/// When the migration happened, from the outages and the events.
struct Timeline {
    downtime: Option<Downtime>,
    /// The guest's pause to the end of the network outage around it.
    switchover: Option<(RealNs, RealNs)>,
    phases: Vec<Phase>,
    per_phase: Vec<PhaseStats>,
}

/// Analyses a run. Linear in the number of probes (plus a sort if the probes
/// are not in (target, index) order); never panics, whatever the data.
///
/// Stages: parameters ([`Input`]), baseline and outages per target, downtime
/// and phases, summaries, trigger and migration, notes, end of the run.
pub fn analyze(run: &RunData, opts: &AnalysisOptions) -> Analysis {
    let probes = sorted_probes(&run.probes);
    let slice: &[ProbeLine] = &probes;
    analyze_probes(run, &slice, opts)
}

/// [`analyze`] with the probes kept elsewhere (`run.probes` is not read):
/// `probes` in (target, index) order, one per key, such as a reduced run
/// file's [`migprobe_probe::record::ProbeStore`]. The probes are scanned a
/// few times; memory does not grow with their number (but for the probes of
/// the longest candidate outage of a target, see [`Detector`]).
pub fn analyze_probes(run: &RunData, probes: &dyn Probes, opts: &AnalysisOptions) -> Analysis {
    let clocks = opts
        .clocks
        .clone()
        .unwrap_or_else(|| clocks::estimate(&run.events));
    let events = on_prober_clock(&run.events, &clocks);
    let mut x = Input::new(run, probes, &events, opts);
    let end = end_of_run(&x);
    let (baseline, found, blind) = per_target(&x, end);
    let mut notes = open_outage_notes(&found);
    let mut outages: Vec<Outage> = found.into_iter().map(|d| d.outage).collect();
    let timeline = timeline(&x, &mut outages, &mut notes);
    let blind = unobserved_windows(&x, blind, &outages, timeline.switchover);
    let trigger = trigger_info(x.events);
    let migration = migration_info(x.events);
    notes.extend(run_notes(&x, trigger.as_ref(), migration.as_ref()));
    notes.extend(clocks::notes(&clocks, x.interval));
    notes.extend(answering::notes(
        &run.header.targets,
        &baseline,
        x.markers.trigger_started.is_some(),
        x.warmup,
    ));
    let h = &run.header;
    Analysis {
        start_ns: h.start_ns,
        end_ns: end,
        interval_ns: x.interval,
        min_loss_run: x.k,
        targets: h.targets.clone(),
        baseline,
        outages,
        phases: timeline.phases,
        per_phase: timeline.per_phase,
        downtime: timeline.downtime,
        inconclusive: unobserved::inconclusive(&blind, timeline.switchover.is_some()),
        unobserved: blind,
        summaries: std::mem::take(&mut x.tally.summaries),
        migration,
        trigger,
        progress: marks::progress(x.events),
        events: marks::event_marks(x.events),
        truncated: run.footer.is_none(),
        end_reason: run.footer.as_ref().map(|f| f.reason.clone()),
        notes,
        clocks,
        campaign: None,
        sessions: super::sessions::sessions(&h.targets, &run.events),
        nova: super::nova::view(&run.events),
    }
}

/// The events with every corrected host's QEMU stamps on the prober's clock
/// (borrowed as they are when no host needed it).
fn on_prober_clock<'e>(events: &'e [EventLine], clocks: &[HostClock]) -> Cow<'e, [EventLine]> {
    if clocks.iter().any(|c| c.corrected) {
        let mut moved = events.to_vec();
        clocks::correct(&mut moved, clocks);
        Cow::Owned(moved)
    } else {
        Cow::Borrowed(events)
    }
}

/// Baseline, outages and unobserved windows of each target (a target
/// without probes is blind from the run's start to `end`); the outages in
/// (start, target) order, the windows not yet judged.
fn per_target(x: &Input, end: RealNs) -> (Vec<Baseline>, Vec<Detected>, Vec<Unobserved>) {
    let pass = TargetPass {
        probes: x.probes,
        trigger: x.markers.trigger_started,
        warmup: x.warmup,
        interval: x.interval,
        k: x.k,
    };
    let start = x.run.header.start_ns;
    let (mut baseline, mut found, mut blind) = (Vec::new(), Vec::new(), Vec::new());
    for &id in &x.target_ids {
        if x.probed.binary_search(&id).is_err() {
            baseline.push(Baseline {
                target_id: id,
                samples: 0,
                rtt_p50_ns: 0,
                rtt_p99_ns: 0,
                window_sent: 0,
                window_answered: 0,
            });
            blind.push(unobserved::never_probed(id, start, end, x.interval));
            continue;
        }
        let f = pass.target(id, x.tally.mins.get(&id).copied());
        baseline.push(f.baseline);
        found.extend(f.outages);
        blind.extend(f.blind);
    }
    found.sort_by_key(|d| (d.outage.start_ns, d.outage.target_id));
    (baseline, found, blind)
}

/// Every target's unobserved windows (see [`unobserved`]), judged against the
/// outages and the switchover widened by one interval each side.
fn unobserved_windows(
    x: &Input,
    mut out: Vec<Unobserved>,
    outages: &[Outage],
    switchover: Option<(RealNs, RealNs)>,
) -> Vec<Unobserved> {
    let widened = switchover.map(|(s, e)| (s.plus(-x.interval), e.plus(x.interval)));
    unobserved::judge(&mut out, outages, x.k, widened);
    out.sort_by_key(|w| (w.start_ns, w.target_id));
    out
}

/// A note for each outage cut by the start or the end of probing.
fn open_outage_notes(found: &[Detected]) -> Vec<String> {
    let mut notes = Vec::new();
    for d in found {
        let o = &d.outage;
        if d.open_start {
            notes.push(format!(
                "Target {} was not answering when probing started (probe {}): that outage may have begun earlier; its length ({}) counts from one interval before the first probe.",
                o.target_id, o.first_index, human_ns(o.estimate_ns)
            ));
        }
        if o.open_end {
            notes.push(format!(
                "Target {} was still not answering when the run ended (since probe {}): that outage is open-ended; {} is a lower estimate.",
                o.target_id, o.first_index, human_ns(o.estimate_ns)
            ));
        }
    }
    notes
}

/// Downtime, then phases (network convergence ends with the downtime outage);
/// names each outage's phase. Notes when the switchover shows no outage or
/// the two hypervisors' clocks disagree.
fn timeline(x: &Input, outages: &mut [Outage], notes: &mut Vec<String>) -> Timeline {
    let mk = &x.markers;
    let window = mk.switchover();
    let chosen = downtime::pick(outages, window, downtime::slack_ns(x.interval));
    let network_end = window.and(chosen).map(|o| o.end_ns);
    let dt = chosen.map(|o| downtime::downtime(o, mk, x.events));
    if window.is_some() && dt.is_none() && !x.probes.is_empty() {
        notes.push(
            "No outage was seen around the switchover: the network gap was shorter than the probes can resolve.".into(),
        );
    }
    if let (Some(s), Some(r)) = (mk.suspend, mk.resume) {
        if r < s {
            notes.push(format!(
                "The destination resumed {} before the source paused: the two hypervisors' clocks disagree; the switchover is shown as zero length.",
                human_ns(s.since(r))
            ));
        }
    }
    let phases = phases::build_phases(mk, network_end);
    for o in outages.iter_mut() {
        o.phase = phases::phase_of(&phases, o.start_ns, o.end_ns);
    }
    let per_phase = phases::phase_stats(&phases, x.probes.scan(), &x.target_ids);
    Timeline {
        downtime: dt,
        switchover: window.map(|(s, e)| (s, network_end.map_or(e, |n| n.max(e)))),
        phases,
        per_phase,
    }
}

/// Notes on what is missing or went wrong: lines of the run file skipped, no
/// events, no footer, the trigger, the migration, the guest, clock steps,
/// unsettled probes.
fn run_notes(
    x: &Input,
    trigger: Option<&TriggerInfo>,
    migration: Option<&MigrationInfo>,
) -> Vec<String> {
    let mut notes: Vec<String> = x.run.skipped_lines().into_iter().collect();
    notes.extend(recorded_notes(x.events));
    if x.events.iter().all(|e| e.origin == Origin::Local) {
        notes.push(
            "No hypervisor events were captured: phases and the hypervisor's downtime figures are unavailable; the downtime shown is the longest outage.".into(),
        );
    }
    if x.run.footer.is_none() {
        notes.push(
            "The run was cut short (no footer): the last probes may be unsettled and the migration may not have finished.".into(),
        );
    }
    notes.extend(trigger.and_then(trigger_note));
    if let Some(m) = migration {
        if m.result.is_failure() {
            notes.push(format!("The migration {}.", m.result));
        }
    }
    notes.extend(guest_fate(x.events, &x.markers));
    for e in x.events.iter().filter(|e| e.kind == kinds::CLOCK_STEP) {
        let step = detail_number(e, "step_ns")
            .map_or(String::new(), |s| format!(" by {}", human_ns(s as i64)));
        notes.push(format!(
            "The realtime clock stepped{step} during the run: times around it may be off."
        ));
    }
    let unsettled = x.tally.unsettled;
    if unsettled > 0 {
        notes.push(format!(
            "{unsettled} probe(s) were still unsettled when the run file ends; they count as lost."
        ));
    }
    notes
}

/// The messages of the run file's own `note` events, in file order: what
/// the writer of the file said a reader must know (an imported log's
/// reconstructed send times, probes not in the log, contradictions).
fn recorded_notes(events: &[EventLine]) -> impl Iterator<Item = String> + '_ {
    events
        .iter()
        .filter(|e| e.kind == kinds::NOTE)
        .filter_map(|e| detail_str(e, "message").map(str::to_owned))
}

/// What the trigger's exit says, when it is not a plain success.
fn trigger_note(t: &TriggerInfo) -> Option<String> {
    if t.exited_ns.is_some() {
        match t.exit_code {
            Some(0) => None,
            Some(c) => Some(format!("The trigger command exited with code {c}.")),
            None => Some("The trigger command was killed by a signal.".into()),
        }
    } else if t.started_ns.is_some() {
        Some("The trigger command had not exited when the run ended.".into())
    } else {
        None
    }
}

/// The last moment the run file knows of: the footer, the last send, reply
/// or event; never before the header's start.
fn end_of_run(x: &Input) -> RealNs {
    let start = x.run.header.start_ns;
    [
        x.run.footer.as_ref().map(|f| f.end_ns),
        x.tally.tx_max,
        x.tally.rx_max,
        x.events.iter().map(event_time).max(),
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(start)
    .max(start)
}

/// Probes in (target, index) order, one per key (the last wins), as the reader gives them;
/// borrowed when they already are.
pub(crate) fn sorted_probes(p: &[ProbeLine]) -> Cow<'_, [ProbeLine]> {
    let ok = p
        .windows(2)
        .all(|w| (w[0].target_id, w[0].index) < (w[1].target_id, w[1].index));
    if ok {
        return Cow::Borrowed(p);
    }
    let mut v = p.to_vec();
    v.sort_by_key(|p| (p.target_id, p.index));
    let mut out: Vec<ProbeLine> = Vec::with_capacity(v.len());
    for p in v {
        match out.last_mut() {
            Some(l) if l.target_id == p.target_id && l.index == p.index => *l = p,
            _ => out.push(p),
        }
    }
    Cow::Owned(out)
}

/// Median spacing of consecutive probes' send times per index step (for files
/// whose header has no interval); 0 when it cannot be told.
fn estimate_interval(probes: ProbeIter) -> i64 {
    let mut prev: Option<(u32, u64, i64)> = None;
    let pairs = probes.filter_map(|p| {
        let here = (p.target_id, p.index.0, p.tx_ns.0);
        let pair = prev.map(|a| (a, here));
        prev = Some(here);
        pair
    });
    let mut d: Vec<i64> = pairs
        .filter(|(a, b)| a.0 == b.0 && b.1 > a.1)
        .take(10_001)
        .filter_map(|(a, b)| {
            let steps = i64::try_from(b.1 - a.1).ok()?;
            Some(b.2.saturating_sub(a.2) / steps)
        })
        .filter(|x| *x > 0)
        .collect();
    if d.is_empty() {
        return 0;
    }
    let mid = d.len() / 2;
    *d.select_nth_unstable(mid).1
}

fn trigger_info(events: &[EventLine]) -> Option<TriggerInfo> {
    let started = events
        .iter()
        .filter(|e| e.kind == kinds::TRIGGER_STARTED)
        .min_by_key(|e| event_time(e));
    let exited = events
        .iter()
        .filter(|e| e.kind == kinds::TRIGGER_EXITED)
        .max_by_key(|e| event_time(e));
    if started.is_none() && exited.is_none() {
        return None;
    }
    let argv = started
        .or(exited)
        .and_then(|e| e.detail.get("argv"))
        .and_then(|a| a.as_array())
        .map(|a| {
            a.iter()
                .map(|s| s.as_str().map_or_else(|| s.to_string(), str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Some(TriggerInfo {
        argv,
        started_ns: started.map(event_time),
        exited_ns: exited.map(event_time),
        exit_code: exited
            .and_then(|e| e.detail.get("code"))
            .and_then(|c| c.as_i64())
            .and_then(|c| i32::try_from(c).ok()),
    })
}

/// How the migration ended (see [`verdict`](super::verdict)) and the
/// completed job's statistics; `None` without events.
fn migration_info(events: &[EventLine]) -> Option<MigrationInfo> {
    if events.is_empty() {
        return None;
    }
    Some(MigrationInfo {
        result: MigrationVerdict::of(events).outcome(),
        stats: job_completed(events).map(|e| e.detail.clone()),
    })
}

/// A note for each time the guest shut down, crashed or stopped for a reason
/// other than the migration itself (a migration that "completed" but left a
/// guest that reset right after resuming is not a success).
fn guest_fate(events: &[EventLine], mk: &Markers) -> Vec<String> {
    events
        .iter()
        .filter(|e| match e.kind {
            kinds::SHUTDOWN => !ends_a_migration(e, events),
            kinds::CRASHED => true,
            // A stop "shutdown" follows the "shutdown" event of the same end: one note each end.
            kinds::STOPPED => !matches!(
                detail_str(e, "reason"),
                Some("migrated" | "saved" | "shutdown")
            ),
            _ => false,
        })
        .map(|e| {
            let side = match e.origin {
                Origin::Src => "on the source",
                Origin::Dst => "on the destination",
                Origin::Local => "",
            };
            let reason =
                detail_str(e, "reason").map_or(String::new(), |r| format!(" (reason {r})"));
            let when = match mk.resume {
                Some(r) if event_time(e) >= r => {
                    format!(" {} after it resumed", human_ns(event_time(e).since(r)))
                }
                _ => String::new(),
            };
            format!(
                "The guest {}{} {side}{when}{reason}: check that it survived the migration.",
                if e.kind == kinds::CRASHED {
                    "crashed"
                } else {
                    "stopped"
                },
                if e.kind == kinds::SHUTDOWN {
                    " (shut down or reset)"
                } else {
                    ""
                },
            )
            .replace("  ", " ")
        })
        .collect()
}

/// A `shutdown` that the same side follows with `stopped` (migrated) within
/// [`SHUTDOWN_BEFORE_STOP_NS`]: libvirt 11 announces the source QEMU's
/// normal exit after a migration that way (reason `host`); the guest lives on
/// at the destination.
fn ends_a_migration(shutdown: &EventLine, events: &[EventLine]) -> bool {
    let t = event_time(shutdown);
    events.iter().any(|e| {
        e.kind == kinds::STOPPED
            && e.origin == shutdown.origin
            && detail_str(e, "reason") == Some("migrated")
            && (0..=SHUTDOWN_BEFORE_STOP_NS).contains(&event_time(e).since(t))
    })
}

/// How long before its `stopped` (migrated) a source's `shutdown` belongs to the migration.
const SHUTDOWN_BEFORE_STOP_NS: i64 = 5_000_000_000;
