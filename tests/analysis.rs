//! Analysis of synthetic runs built in memory: outages and their brackets
//! (measurement.md), phases from hypervisor events (libvirt-lab.md),
//! downtime attribution, and degenerate input.

use migprobe_analysis::analysis::model::{Analysis, OutageClass, PhaseName};
use migprobe_analysis::analysis::{analyze, campaign, per_migration, AnalysisOptions};
use migprobe_analysis::report::metrics::{self, MetricsLabels, ParsedSample};
use migprobe_analysis::report::{self, ReportMeta};
use migprobe_probe::record::{
    DuplicateLine, EventLine, Footer, Header, Origin, ProbeLine, ProbeStatus, RunData, StampClock,
    TargetInfo, SCHEMA_VERSION,
};
use migprobe_probe::types::{ProbeIndex, RealNs};
use migprobe_probe::wire::Family;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Instant;

const MS: i64 = 1_000_000;
const US: i64 = 1_000;
const S: i64 = 1_000_000_000;
/// A realistic realtime origin (2026-11-25).
const T0: i64 = 1_795_600_000 * S;

// ---------------------------------------------------------------- helpers

/// xorshift64*: a fixed-seed PRNG for the tests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [0, n).
    fn below(&mut self, n: i64) -> i64 {
        (self.unit() * n as f64) as i64
    }
}

fn addr(target: u32) -> IpAddr {
    format!("192.0.2.{}", 10 + target).parse().unwrap()
}

fn header(targets: u32, interval_ns: i64, min_loss_run: u32) -> Header {
    Header {
        schema_version: SCHEMA_VERSION,
        tool: "migprobe".into(),
        version: "test".into(),
        nonce: "00".into(),
        start_ns: RealNs(T0),
        interval_ns,
        targets: (0..targets)
            .map(|id| TargetInfo {
                id,
                addr: addr(id),
                name: format!("t{id}"),
                family: Family::V4,
                phase_ns: 0,
                probe: None,
                domain: None,
            })
            .collect(),
        hostname: "h".into(),
        kernel: "k".into(),
        socket: None,
        scheduling: "fifo".into(),
        spin_ns: 0,
        payload_bytes: 56,
        min_loss_run,
        drain_ns: 0,
        argv: vec![],
    }
}

fn probe(target: u32, index: u64, tx: i64, status: ProbeStatus, rtt: Option<i64>) -> ProbeLine {
    ProbeLine {
        target: addr(target),
        target_id: target,
        index: ProbeIndex(index),
        seq: (index & 0xffff) as u16,
        tx_ns: RealNs(tx),
        tx_clock: StampClock::Kernel,
        rx_ns: rtt.map(|r| RealNs(tx.saturating_add(r))),
        rx_clock: rtt.map(|_| StampClock::Kernel),
        rtt_ns: rtt,
        ttl: rtt.map(|_| 64),
        bytes: rtt.map(|_| 64),
        dup: 0,
        status,
        error: None,
    }
}

fn ok(target: u32, index: u64, tx: i64, rtt: i64) -> ProbeLine {
    probe(target, index, tx, ProbeStatus::Ok, Some(rtt))
}

fn lost(target: u32, index: u64, tx: i64) -> ProbeLine {
    probe(target, index, tx, ProbeStatus::Lost, None)
}

fn ev(origin: Origin, kind: &str, at: i64, source_ts: Option<i64>, detail: Value) -> EventLine {
    EventLine {
        at_ns: RealNs(at),
        source_ts_ns: source_ts.map(RealNs),
        origin,
        kind: kind.into(),
        detail,
        raw: None,
    }
}

fn run(header: Header, probes: Vec<ProbeLine>, events: Vec<EventLine>) -> RunData {
    let end = probes
        .iter()
        .map(|p| p.tx_ns.0)
        .max()
        .unwrap_or(T0)
        .saturating_add(S);
    RunData {
        header,
        probes,
        duplicates: vec![],
        events,
        footer: Some(Footer {
            end_ns: RealNs(end),
            reason: "duration".into(),
            sent: 0,
            foreign: 0,
        }),
        bad_lines: Default::default(),
        unknown_types: HashMap::new(),
    }
}

fn analyse(r: &RunData) -> Analysis {
    analyze(r, &AnalysisOptions::default())
}

/// What happens to requests arriving at the target in `[from, to)`.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// Dropped.
    Loss,
    /// Queued and answered at `to`, all of them.
    Freeze,
    /// The first `n` queued and answered at `to`, the rest dropped.
    Overflow(u64),
}

/// One target probed every `interval` from `T0 + phase`, base RTT 50 µs ± 3 µs
/// (one way: half), with one fault at the target in `[from, to)`.
fn simulate(n: u64, interval: i64, phase: i64, fault: Fault, from: i64, to: i64) -> Vec<ProbeLine> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (phase as u64));
    let base = 50 * US;
    let mut queued = 0u64;
    (0..n)
        .map(|i| {
            let tx = T0 + phase + i as i64 * interval;
            let arrive = tx + base / 2;
            if arrive < from || arrive >= to {
                return ok(0, i, tx, base + rng.below(6 * US + 1) - 3 * US);
            }
            let queue = match fault {
                Fault::Loss => false,
                Fault::Freeze => true,
                Fault::Overflow(q) => queued < q,
            };
            if !queue {
                return lost(0, i, tx);
            }
            // Flushed at resume, 2 µs apart, in order.
            let rx = to + queued as i64 * 2 * US + base / 2;
            queued += 1;
            ok(0, i, tx, rx - tx)
        })
        .collect()
}

// ---------------------------------------------------------------- outages

/// The classic 2014 case: ping at 1 s, "0 % loss", really a 4.7 s freeze.
#[test]
fn seed_case_is_one_freeze_of_4_7_s() {
    let rtts = [0.3, 4208.0, 3209.0, 2209.0, 1208.0, 209.0, 0.3];
    let probes = rtts
        .iter()
        .enumerate()
        .map(|(i, ms)| ok(0, i as u64, T0 + i as i64 * S, (ms * 1e6) as i64))
        .collect();
    let a = analyse(&run(header(1, S, 3), probes, vec![]));
    assert_eq!(a.outages.len(), 1, "{:#?}", a.outages);
    let o = &a.outages[0];
    assert_eq!(o.class, OutageClass::Freeze);
    assert_eq!((o.lost, o.queued), (0, 5));
    assert_eq!((o.first_index, o.last_index), (1, 5));
    // E = 4208 − 0.3 ms; D ∈ [E, E + 1 s), estimate E + 0.5 s. hdrhistogram
    // keeps 3 significant digits of the 0.3 ms baseline: allow 1 µs.
    let near = |got: i64, want: i64| (got - want).abs() <= US;
    assert!(near(o.bracket_lo_ns, 4_207_700 * US), "{o:?}");
    assert!(near(o.bracket_hi_ns, 5_207_700 * US), "{o:?}");
    assert!(near(o.estimate_ns, 4_707_700 * US), "{o:?}");
    assert!(
        near(o.end_ns.0 - T0, 5_207_700 * US),
        "ends at the flush: {o:?}"
    );
    assert_eq!(o.start_ns.0 - T0, S / 2, "midway between s_k and s_k+1");
    assert_eq!(a.summaries[0].lost, 0, "0 % packet loss, as ping said");
    let d = a
        .downtime
        .as_ref()
        .expect("the longest outage, without events");
    assert_eq!(d.network_ns, o.estimate_ns);
    assert!(a.phases.is_empty());
    assert!(a.notes.iter().any(|n| n.contains("No hypervisor events")));
}

#[test]
fn loss_windows_at_1ms_are_bracketed_within_one_interval() {
    let t = MS;
    let mut rng = Rng(42);
    for len_ms in [3, 7, 50, 250, 1000] {
        for _ in 0..10 {
            let phase = rng.below(t);
            let from = T0 + 2 * S + rng.below(t);
            let truth = len_ms * MS;
            let probes = simulate(5_000, t, phase, Fault::Loss, from, from + truth);
            let a = analyse(&run(header(1, t, 3), probes, vec![]));
            assert_eq!(a.outages.len(), 1, "{len_ms} ms: {:#?}", a.outages);
            let o = &a.outages[0];
            assert_eq!(o.class, OutageClass::Loss);
            assert_eq!(o.queued, 0);
            assert!(
                o.bracket_lo_ns <= truth && truth <= o.bracket_hi_ns,
                "{len_ms} ms: truth {truth} outside [{}, {}]",
                o.bracket_lo_ns,
                o.bracket_hi_ns
            );
            assert!((o.estimate_ns - truth).abs() < t, "{len_ms} ms: {o:?}");
            // The estimated window sits where the loss was (send-time terms).
            assert!((o.start_ns.0 - (from - 25 * US)).abs() < t, "{o:?}");
        }
    }
}

#[test]
fn freezes_at_1ms_are_estimated_within_half_an_interval() {
    let t = MS;
    let mut rng = Rng(7);
    for len_ms in [3, 5, 20, 250, 2000] {
        for _ in 0..10 {
            let phase = rng.below(t);
            let from = T0 + 2 * S + rng.below(t);
            let truth = len_ms * MS;
            let probes = simulate(6_000, t, phase, Fault::Freeze, from, from + truth);
            // K = 5: a 3 ms freeze (2–3 queued replies) still counts by its signature.
            let a = analyse(&run(header(1, t, 5), probes, vec![]));
            assert_eq!(a.outages.len(), 1, "{len_ms} ms: {:#?}", a.outages);
            let o = &a.outages[0];
            assert_eq!(o.class, OutageClass::Freeze, "{o:?}");
            assert_eq!(o.lost, 0);
            assert!(o.queued >= 2, "{o:?}");
            assert!(
                (o.estimate_ns - truth).abs() <= t / 2 + 5 * US,
                "{len_ms} ms: estimate {} vs truth {truth}",
                o.estimate_ns
            );
            assert!(o.bracket_lo_ns <= truth + 5 * US && truth <= o.bracket_hi_ns + 5 * US);
            assert!(
                (o.end_ns.0 - (from + truth - 25 * US)).abs() < 10 * US,
                "ends at resume (send-time terms): {o:?} {}",
                from + truth
            );
            assert_eq!(a.summaries[0].lost, 0);
        }
    }
}

#[test]
fn queue_overflow_is_mixed_and_bracketed_by_the_first_queued_reply() {
    let t = MS;
    let mut rng = Rng(99);
    for (q, len_ms) in [(1, 30), (4, 30), (10, 200), (100, 150)] {
        let phase = rng.below(t);
        let from = T0 + S + rng.below(t);
        let truth = len_ms * MS;
        let probes = simulate(3_000, t, phase, Fault::Overflow(q), from, from + truth);
        let a = analyse(&run(header(1, t, 3), probes, vec![]));
        assert_eq!(a.outages.len(), 1, "{:#?}", a.outages);
        let o = &a.outages[0];
        assert_eq!(o.class, OutageClass::Mixed, "{o:?}");
        assert_eq!(o.queued, q);
        assert!(o.lost > 0);
        assert!(
            o.bracket_hi_ns - o.bracket_lo_ns <= t,
            "one interval wide: {o:?}"
        );
        assert!(o.bracket_lo_ns <= truth + 5 * US && truth <= o.bracket_hi_ns + 5 * US);
        assert!((o.estimate_ns - truth).abs() <= t / 2 + 5 * US, "{o:?}");
    }
}

#[test]
fn random_two_percent_loss_makes_no_outage_at_k3() {
    // False outages ≈ probes × p^K: 100 000 × 0.02³ ≈ 0.8 expected, so the
    // seed matters; the test checks the rule against the generated data.
    let n = 100_000u64;
    let t = MS;
    let mut rng = Rng(2024);
    let mut longest = 0u64;
    let mut cur = 0u64;
    let probes: Vec<ProbeLine> = (0..n)
        .map(|i| {
            let tx = T0 + i as i64 * t;
            if rng.unit() < 0.02 {
                cur += 1;
                longest = longest.max(cur);
                lost(0, i, tx)
            } else {
                cur = 0;
                ok(0, i, tx, 50 * US + rng.below(20 * US))
            }
        })
        .collect();
    assert!((1..3).contains(&longest), "seed gives short runs only");
    let a = analyse(&run(header(1, t, 3), probes.clone(), vec![]));
    assert!(
        a.outages.is_empty(),
        "{:#?}",
        &a.outages[..a.outages.len().min(3)]
    );
    assert!(a.downtime.is_none());
    // With K = 1 every loss is an outage: the rule, not luck, keeps them out.
    let opts = AnalysisOptions {
        min_loss_run: Some(1),
        ..Default::default()
    };
    let a1 = analyze(&run(header(1, t, 3), probes, vec![]), &opts);
    assert!(a1.outages.len() > 1000);
    assert_eq!(a1.min_loss_run, 1);
}

#[test]
fn slow_path_without_loss_or_flush_is_not_an_outage() {
    // RTT steps from 50 µs to 5 ms for a second (longer path): late, not dark.
    let t = MS;
    let probes = (0..3_000u64)
        .map(|i| {
            let rtt = if (1_000..2_000).contains(&i) {
                5 * MS
            } else {
                50 * US
            };
            ok(0, i, T0 + i as i64 * t, rtt)
        })
        .collect();
    let a = analyse(&run(header(1, t, 3), probes, vec![]));
    assert!(a.outages.is_empty(), "{:#?}", a.outages.first());
}

#[test]
fn reordered_input_duplicates_and_two_independent_targets() {
    let t = 10 * MS;
    let mut probes = Vec::new();
    for i in 0..1_000u64 {
        let tx = T0 + i as i64 * t;
        // Target 0: loss of probes 100..=119; target 1: freeze over probes 500..=509.
        probes.push(if (100..120).contains(&i) {
            lost(0, i, tx)
        } else {
            ok(0, i, tx, 100 * US)
        });
        let tx1 = tx + 5 * MS;
        probes.push(if (500..510).contains(&i) {
            let resume = T0 + 510 * t + MS;
            ok(1, i, tx1, resume - tx1)
        } else {
            ok(1, i, tx1, 200 * US)
        });
    }
    // File order is not index order; a stale pending line precedes the final one.
    let mut rng = Rng(5);
    for i in (1..probes.len()).rev() {
        probes.swap(i, rng.below(i as i64 + 1) as usize);
    }
    let mut r = run(header(2, t, 3), probes, vec![]);
    r.duplicates = vec![
        DuplicateLine {
            target: addr(1),
            target_id: 1,
            index: ProbeIndex(3),
            rx_ns: RealNs(T0 + 35 * MS),
        };
        2
    ];
    let a = analyse(&r);
    assert_eq!(a.outages.len(), 2, "{:#?}", a.outages);
    let (o0, o1) = (&a.outages[0], &a.outages[1]);
    assert!(o0.start_ns < o1.start_ns, "sorted by start");
    assert_eq!(
        (o0.target_id, o0.class, o0.lost),
        (0, OutageClass::Loss, 20)
    );
    assert_eq!((o0.first_index, o0.last_index), (100, 119));
    assert!(o0.bracket_lo_ns <= 200 * MS && 200 * MS <= o0.bracket_hi_ns);
    assert_eq!(
        (o1.target_id, o1.class, o1.queued),
        (1, OutageClass::Freeze, 10)
    );
    assert_eq!(a.baseline.len(), 2);
    assert_eq!(a.baseline[1].rtt_p50_ns / US, 200);
    assert_eq!(a.summaries[1].duplicates, 2);
    // The longest (200 ms loss vs ~104 ms freeze) is the headline without events.
    assert_eq!(a.downtime.as_ref().unwrap().target_id, 0);
}

#[test]
fn indices_past_the_16_bit_sequence_wrap() {
    let t = MS;
    let first = 65_000u64;
    let probes: Vec<ProbeLine> = (first..first + 2_000)
        .map(|i| {
            let tx = T0 + (i - first) as i64 * t;
            if (65_530..65_580).contains(&i) {
                lost(0, i, tx)
            } else {
                ok(0, i, tx, 60 * US)
            }
        })
        .collect();
    assert_eq!(
        probes[536].seq, 0,
        "the ICMP sequence wrapped inside the outage"
    );
    let a = analyse(&run(header(1, t, 3), probes, vec![]));
    assert_eq!(a.outages.len(), 1, "{:#?}", a.outages);
    let o = &a.outages[0];
    assert_eq!((o.first_index, o.last_index, o.lost), (65_530, 65_579, 50));
    assert!(o.bracket_lo_ns <= 50 * MS && 50 * MS <= o.bracket_hi_ns);
}

#[test]
fn outages_at_the_edges_of_the_run_are_kept_and_noted() {
    let t = MS;
    let probes: Vec<ProbeLine> = (0..1_000u64)
        .map(|i| {
            let tx = T0 + i as i64 * t;
            if !(20..950).contains(&i) || i == 500 {
                probe(0, i, tx, ProbeStatus::Pending, None)
            } else {
                ok(0, i, tx, 60 * US)
            }
        })
        .collect();
    let mut r = run(header(1, t, 3), probes, vec![]);
    r.footer = None;
    let a = analyse(&r);
    assert_eq!(a.outages.len(), 2, "{:#?}", a.outages);
    assert_eq!((a.outages[0].first_index, a.outages[0].lost), (0, 20));
    assert_eq!((a.outages[1].last_index, a.outages[1].lost), (999, 50));
    assert!(a.outages[1].estimate_ns >= 49 * MS);
    // Only the last one was still dark when probing stopped: no upper bound.
    assert_eq!(
        (a.outages[0].open_end, a.outages[1].open_end),
        (false, true)
    );
    assert!(a.truncated);
    for want in ["begun earlier", "open-ended", "cut short", "unsettled"] {
        assert!(
            a.notes.iter().any(|n| n.contains(want)),
            "{want}: {:?}",
            a.notes
        );
    }
}

// ---------------------------------------------------------------- events

/// One event as (origin, kind, ms after T0, QEMU's own stamp in ms after T0, detail).
type EventRow = (Origin, &'static str, i64, Option<i64>, Value);

fn events_of(rows: Vec<EventRow>) -> Vec<EventLine> {
    let at = |ms: i64| T0 + ms * MS;
    rows.into_iter()
        .map(|(o, kind, ms, src, detail)| ev(o, kind, at(ms), src.map(at), detail))
        .collect()
}

/// A block live migration per libvirt-lab.md, both origins (times: ms after T0).
fn block_migration_events() -> Vec<EventLine> {
    use Origin::{Dst, Local, Src};
    let mut rows: Vec<EventRow> = vec![
        (Local, "capture_started", 200, None, json!({"uri": "src"})),
        (
            Local,
            "trigger_started",
            1000,
            None,
            json!({"argv": ["virsh", "migrate", "--live", "--copy-storage-all", "migvm"]}),
        ),
        (Dst, "started", 1500, None, json!({"reason": "migrated"})),
        (
            Src,
            "block_job",
            6000,
            None,
            json!({"disk": "vda", "job": "copy", "status": "ready"}),
        ),
    ];
    for (i, ms) in [6_010, 7_000, 7_600].into_iter().enumerate() {
        rows.push((
            Src,
            "migration_iteration",
            ms,
            None,
            json!({"iteration": i + 1}),
        ));
    }
    for i in 0..12 {
        let rem = 1_000_000u64 - i * 80_000;
        let detail = json!({"completed": false, "memory_remaining": rem, "disk_remaining": 0, "data_remaining": rem});
        rows.push((Src, "job_stats", 2_000 + i as i64 * 500, None, detail));
    }
    rows.extend(switchover_rows());
    let mut v = events_of(rows);
    // The events file is not in time order (two sources, two connections).
    v.swap(3, 9);
    v
}

/// The switchover and after: QEMU's STOP at 8.000 000 (received 2 ms later),
/// libvirt's Suspended after it, the destination's RESUME, the job's end.
fn switchover_rows() -> Vec<EventRow> {
    use Origin::{Dst, Local, Src};
    let migrated = || json!({"reason": "migrated"});
    vec![
        (Src, "qemu_stop", 8002, Some(8000), json!({})),
        (Src, "suspended", 8003, None, migrated()),
        (
            Src,
            "block_job",
            8050,
            None,
            json!({"disk": "vda", "job": "copy", "status": "completed"}),
        ),
        (Dst, "qemu_resume", 8121, Some(8120), json!({})),
        (Dst, "resumed", 8125, None, migrated()),
        (
            Src,
            "qemu_migration",
            8126,
            Some(8126),
            json!({"status": "completed"}),
        ),
        (Src, "stopped", 8130, None, migrated()),
        (
            Src,
            "job_completed",
            9700,
            None,
            json!({"downtime": 118, "time_elapsed": 8700, "operation": 5}),
        ),
        (
            Src,
            "job_stats",
            9750,
            None,
            json!({"completed": true, "downtime": 118}),
        ),
        (Local, "trigger_exited", 9800, None, json!({"code": 0})),
    ]
}

/// Probes at 10 ms for 12 s; loss 3.0–3.5 s (unrelated, longer) and 8.0–8.3 s
/// (switchover + convergence).
fn probes_around_migration() -> Vec<ProbeLine> {
    probes_with_switchover_loss(300 * MS)
}

/// As [`probes_around_migration`], the loss at the switchover `loss` long.
fn probes_with_switchover_loss(loss: i64) -> Vec<ProbeLine> {
    let t = 10 * MS;
    (0..1_200u64)
        .map(|i| {
            let tx = T0 + 3 * MS + i as i64 * t;
            let s = tx - T0;
            if (3 * S..3 * S + 500 * MS).contains(&s) || (8 * S..8 * S + loss).contains(&s) {
                lost(0, i, tx)
            } else {
                ok(0, i, tx, 300 * US)
            }
        })
        .collect()
}

#[test]
fn block_migration_phases_downtime_and_attribution() {
    let a = analyse(&run(
        header(1, 10 * MS, 3),
        probes_around_migration(),
        block_migration_events(),
    ));
    let names: Vec<&str> = a.phases.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "preparation",
            "storage_copy",
            "memory_precopy",
            "switchover",
            "network_convergence",
            "completion"
        ]
    );
    let s = |p: usize| (a.phases[p].start_ns.0 - T0, a.phases[p].end_ns.0 - T0);
    assert_eq!(s(0), (S, 1_500 * MS));
    assert_eq!(s(1), (1_500 * MS, 6 * S));
    assert_eq!(
        s(2),
        (6 * S, 8 * S),
        "ends at QEMU's STOP, not libvirt's Suspended"
    );
    assert_eq!(a.phases[2].iterations, Some(3));
    assert_eq!(s(3), (8 * S, 8_120 * MS), "QEMU STOP → RESUME");
    let conv_end = s(4).1;
    assert!((8_295 * MS..=8_315 * MS).contains(&conv_end), "{conv_end}");
    assert_eq!(s(5), (conv_end, 9_800 * MS), "until the trigger exited");
    for w in a.phases.windows(2) {
        assert!(w[0].end_ns <= w[1].start_ns);
    }
    for p in &a.phases {
        assert!(p.start_ns < p.end_ns);
    }

    assert_eq!(a.outages.len(), 2);
    assert_eq!(a.outages[0].phase.map(|p| p.as_str()), Some("storage_copy"));
    let d = a.downtime.as_ref().expect("downtime");
    // The outage overlapping the switchover, not the longer one at 3 s.
    assert!((290 * MS..=310 * MS).contains(&d.network_ns), "{d:?}");
    assert_eq!(d.class, OutageClass::Loss);
    assert_eq!(d.hypervisor_ns, Some(118 * MS));
    assert_eq!(d.qemu_pause_ns, Some(120 * MS));
    assert_eq!(
        d.difference_ns,
        Some(d.network_ns - 120 * MS),
        "QEMU pause preferred"
    );
    assert_eq!(d.pause_part_ns, Some(120 * MS));
    let conv = d.convergence_part_ns.unwrap();
    assert!((170 * MS..=190 * MS).contains(&conv), "{conv}");
    assert_eq!(conv_end.checked_sub(8_120 * MS), Some(conv));

    // Per-phase stats: 10 ms probes, the switchover all lost.
    let sw = a
        .per_phase
        .iter()
        .find(|p| p.phase.as_str() == "switchover")
        .unwrap();
    assert_eq!((sw.sent, sw.lost), (12, 12));
    assert_eq!(sw.rtt_p50_ns, None);
    let sc = a
        .per_phase
        .iter()
        .find(|p| p.phase.as_str() == "storage_copy")
        .unwrap();
    assert_eq!((sc.sent, sc.lost), (450, 50));
    assert_eq!(sc.rtt_p50_ns.map(|r| r / US), Some(300));
    assert_eq!(a.per_phase.len(), 6);

    let m = a.migration.as_ref().unwrap();
    assert_eq!(m.result.as_str(), "completed");
    assert_eq!(m.stats.as_ref().unwrap()["downtime"], json!(118));
    let tr = a.trigger.as_ref().unwrap();
    assert_eq!(tr.argv[0], "virsh");
    assert_eq!(
        (tr.exit_code, tr.started_ns.map(|t| t.0 - T0)),
        (Some(0), Some(S))
    );
    assert_eq!(a.progress.len(), 12, "completed samples skipped");
    assert_eq!(a.progress[0].memory_remaining, Some(1_000_000));
    assert!(a.events.iter().all(|e| e.kind != "job_stats"));
    assert_eq!(a.events.len(), 16);
    assert!(a.events.windows(2).all(|w| w[0].at_ns <= w[1].at_ns));
    assert!(a.events.iter().any(|e| e.label == "suspended migrated"));
    assert!(a.events.iter().any(|e| e.label == "migration_iteration 2"));
    assert!(a.events.iter().any(|e| e.label == "block_job ready"));
    assert_eq!(a.baseline[0].rtt_p50_ns / US, 300);
    assert_eq!(
        a.baseline[0].samples, 100,
        "the 100 probes before the trigger"
    );
    assert!(a.notes.is_empty(), "{:?}", a.notes);
}

#[test]
fn libvirt_only_and_postcopy_events_still_give_phases() {
    let at = |ms: i64| T0 + ms * MS;
    let events = vec![
        ev(
            Origin::Dst,
            "started",
            at(1500),
            None,
            json!({"reason": "migrated"}),
        ),
        ev(
            Origin::Src,
            "suspended",
            at(8000),
            None,
            json!({"reason": "postcopy"}),
        ),
        ev(
            Origin::Dst,
            "resumed",
            at(8100),
            None,
            json!({"reason": "postcopy"}),
        ),
        ev(
            Origin::Dst,
            "resumed",
            at(9000),
            None,
            json!({"reason": "migrated"}),
        ),
        ev(
            Origin::Src,
            "stopped",
            at(9100),
            None,
            json!({"reason": "migrated"}),
        ),
    ];
    let a = analyse(&run(
        header(1, 10 * MS, 3),
        probes_around_migration(),
        events,
    ));
    let names: Vec<&str> = a.phases.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "memory_precopy",
            "switchover",
            "network_convergence",
            "completion"
        ]
    );
    assert_eq!(a.phases[1].end_ns.0 - T0, 8_100 * MS);
    let d = a.downtime.as_ref().unwrap();
    assert_eq!(
        (d.hypervisor_ns, d.qemu_pause_ns, d.difference_ns),
        (None, None, None)
    );
    assert_eq!(d.pause_part_ns, Some(100 * MS));
    assert_eq!(a.migration.as_ref().unwrap().result.as_str(), "completed");
}

#[test]
fn failed_migration_is_reported() {
    let at = |ms: i64| T0 + ms * MS;
    let events = vec![
        ev(
            Origin::Local,
            "trigger_started",
            at(1000),
            None,
            json!({"argv": ["virsh"]}),
        ),
        ev(
            Origin::Dst,
            "started",
            at(1500),
            None,
            json!({"reason": "migrated"}),
        ),
        ev(
            Origin::Src,
            "suspended",
            at(8000),
            None,
            json!({"reason": "migrated"}),
        ),
        ev(
            Origin::Src,
            "qemu_migration",
            at(8200),
            None,
            json!({"status": "failed"}),
        ),
        ev(
            Origin::Src,
            "resumed",
            at(8250),
            None,
            json!({"reason": "unpaused"}),
        ),
        ev(
            Origin::Dst,
            "stopped",
            at(8300),
            None,
            json!({"reason": "failed"}),
        ),
        ev(
            Origin::Local,
            "clock_step",
            at(9000),
            None,
            json!({"step_ns": 2_000_000}),
        ),
        ev(
            Origin::Local,
            "trigger_exited",
            at(9500),
            None,
            json!({"code": 1}),
        ),
    ];
    let a = analyse(&run(
        header(1, 10 * MS, 3),
        probes_around_migration(),
        events,
    ));
    assert_eq!(a.migration.as_ref().unwrap().result.as_str(), "failed");
    assert_eq!(a.trigger.as_ref().unwrap().exit_code, Some(1));
    for want in ["code 1", "migration failed", "clock stepped"] {
        assert!(
            a.notes.iter().any(|n| n.contains(want)),
            "{want}: {:?}",
            a.notes
        );
    }
    // The guest paused and ran again on the source: that outage is still the headline.
    let d = a.downtime.as_ref().unwrap();
    assert!((290 * MS..=310 * MS).contains(&d.network_ns));
    assert!(
        a.phases.iter().all(|p| p.name.as_str() != "switchover"),
        "no destination resume"
    );
}

#[test]
fn without_events_downtime_is_the_longest_outage() {
    let a = analyse(&run(
        header(1, 10 * MS, 3),
        probes_around_migration(),
        vec![],
    ));
    assert!(a.phases.is_empty() && a.per_phase.is_empty());
    let d = a.downtime.as_ref().unwrap();
    assert!((490 * MS..=510 * MS).contains(&d.network_ns), "{d:?}");
    assert_eq!((d.hypervisor_ns, d.pause_part_ns), (None, None));
    assert!(a.migration.is_none() && a.trigger.is_none());
    assert!(a.notes.iter().any(|n| n.contains("No hypervisor events")));
}

// ---------------------------------------------------------------- degenerate input

#[test]
fn degenerate_runs_do_not_panic() {
    let t = MS;
    let all_lost: Vec<ProbeLine> = (0..100).map(|i| lost(0, i, T0 + i as i64 * t)).collect();
    let all_skipped: Vec<ProbeLine> = (0..100)
        .map(|i| probe(0, i, T0 + i as i64 * t, ProbeStatus::Skipped, None))
        .collect();
    let odd: Vec<ProbeLine> = vec![
        ok(0, 5, T0 - 3 * S, -7),
        ok(7, u64::MAX, i64::MAX, i64::MAX),
        probe(0, 6, i64::MIN, ProbeStatus::Error, None),
        probe(3, 0, 0, ProbeStatus::Ok, None),
        ok(0, 5, T0, 50 * US),
    ];
    let weird_events = vec![
        ev(
            Origin::Dst,
            "resumed",
            0,
            None,
            json!({"reason": "migrated"}),
        ),
        ev(
            Origin::Src,
            "qemu_stop",
            i64::MAX,
            Some(i64::MAX),
            json!(null),
        ),
        ev(
            Origin::Src,
            "job_completed",
            5,
            None,
            json!({"downtime": "lots"}),
        ),
        ev(
            Origin::Local,
            "trigger_exited",
            5,
            None,
            json!({"code": "x", "argv": 3}),
        ),
    ];
    let cases: Vec<(&str, Header, Vec<ProbeLine>, Vec<EventLine>)> = vec![
        ("empty", header(1, t, 3), vec![], vec![]),
        (
            "no targets",
            header(0, 0, 0),
            vec![],
            block_migration_events(),
        ),
        (
            "single probe",
            header(1, t, 3),
            vec![ok(0, 0, T0, 50 * US)],
            vec![],
        ),
        ("single lost", header(1, t, 3), vec![lost(0, 0, T0)], vec![]),
        ("all lost", header(1, t, 3), all_lost.clone(), vec![]),
        ("all lost, zero interval", header(1, 0, 0), all_lost, vec![]),
        ("all skipped", header(1, t, 3), all_skipped, vec![]),
        ("odd data", header(1, 0, 3), odd, weird_events),
    ];
    for (name, h, probes, events) in cases {
        let mut r = run(h, probes, events);
        r.footer = None;
        let a = analyse(&r);
        for o in &a.outages {
            assert!(
                o.bracket_lo_ns <= o.estimate_ns && o.estimate_ns <= o.bracket_hi_ns,
                "{name}"
            );
        }
        for p in &a.phases {
            assert!(p.start_ns <= p.end_ns, "{name}");
        }
        if name == "all lost" {
            assert_eq!(a.outages.len(), 1);
            assert_eq!(a.baseline[0].samples, 0);
        }
    }
}

// ---------------------------------------------------------------- performance

/// An hour at 1 kHz (3.6 M probes) in release mode; 10 % of that in debug.
/// Bound: generous (the analysis is linear; this catches accidental O(n²)).
#[test]
fn an_hour_at_1khz_analyses_in_seconds() {
    let n: u64 = if cfg!(debug_assertions) {
        360_000
    } else {
        3_600_000
    };
    let t = MS;
    let from = T0 + (n as i64 / 2) * t;
    let mut probes = simulate(n, t, 123 * US, Fault::Freeze, from, from + 180 * MS);
    for p in probes.iter_mut().skip(1_000).step_by(50_000) {
        *p = lost(0, p.index.0, p.tx_ns.0);
    }
    let r = run(header(1, t, 3), probes, block_migration_events());
    let t0 = Instant::now();
    let a = analyse(&r);
    let took = t0.elapsed();
    eprintln!("analysed {n} probes in {took:?}");
    assert_eq!(a.outages.len(), 1);
    assert!(took.as_secs() < 30, "{took:?}");
}

/// Regression (seen in the lab demo): after a freeze's flush the resumed guest
/// stayed slow (RTT 90–200 ms for a second). Those late replies were sent after
/// the target was back and must not be counted as queued in the outage.
#[test]
fn slow_replies_after_the_flush_are_not_part_of_the_outage() {
    let t = MS;
    let mut probes = Vec::new();
    let (freeze_from, freeze_to) = (1_000u64, 1_100u64); // 100 ms frozen
    let resume = T0 + freeze_to as i64 * t;
    for i in 0..3_000u64 {
        let tx = T0 + i as i64 * t;
        let p = if (freeze_from..freeze_to).contains(&i) {
            ok(0, i, tx, resume - tx + 20 * US)
        } else if (freeze_to..freeze_to + 500).contains(&i) {
            ok(0, i, tx, 90 * MS) // slow, not queued
        } else {
            ok(0, i, tx, 200 * US)
        };
        probes.push(p);
    }
    let a = analyse(&run(header(1, t, 3), probes, vec![]));
    let o = a
        .outages
        .iter()
        .max_by_key(|o| o.estimate_ns)
        .expect("the freeze");
    assert_eq!(o.class, OutageClass::Freeze, "{o:?}");
    assert!((o.estimate_ns - 100 * MS).abs() <= t, "{o:?}");
    assert!(o.queued <= 101, "only the frozen probes are queued: {o:?}");
    assert!(o.last_index < freeze_to + 2, "{o:?}");
}

/// The block migration of [`block_migration_events`] twice, 12 s apart; the
/// second one's libvirt downtime is 300 ms, and its network outage at the
/// switchover 450 ms (the first one's: 300 ms).
fn two_migrations() -> RunData {
    let shift = |mut e: EventLine| {
        e.at_ns = RealNs(e.at_ns.0 + 12 * S);
        e.source_ts_ns = e.source_ts_ns.map(|t| RealNs(t.0 + 12 * S));
        if let Some(d) = e.detail.get_mut("downtime") {
            *d = json!(300);
        }
        e
    };
    let mut events = block_migration_events();
    events.extend(
        block_migration_events()
            .into_iter()
            .filter(|e| e.kind != "capture_started")
            .map(shift),
    );
    let mut probes = probes_around_migration();
    let n = probes.len() as u64;
    probes.extend(
        probes_with_switchover_loss(450 * MS)
            .into_iter()
            .map(|mut p| {
                p.index = ProbeIndex(p.index.0 + n);
                p.tx_ns = RealNs(p.tx_ns.0 + 12 * S);
                p.rx_ns = p.rx_ns.map(|t| RealNs(t.0 + 12 * S));
                p
            }),
    );
    run(header(1, 10 * MS, 3), probes, events)
}

#[test]
fn a_campaign_headline_takes_its_own_migrations_hypervisor_downtime() {
    let r = two_migrations();
    let a = analyse(&r);
    let d = a.downtime.as_ref().expect("downtime");
    assert_eq!(
        d.hypervisor_ns,
        Some(118 * MS),
        "the first switchover's job"
    );
    let per = per_migration(&r, &AnalysisOptions::default());
    assert_eq!(per.len(), 2);
    let hyp: Vec<Option<i64>> = per
        .iter()
        .map(|m| m.downtime.as_ref().and_then(|d| d.hypervisor_ns))
        .collect();
    assert_eq!(hyp, [Some(118 * MS), Some(300 * MS)]);
}

#[test]
fn each_migration_keeps_its_own_trigger_exit_when_the_cool_down_is_short() {
    // Three triggers without hypervisor events, 0.5 s of cool-down (shorter
    // than LEAD_NS): each trigger ran 500 ms and exited 0; its exit once fell
    // into the next migration's window (no exit for the first migration, a
    // negative total time for the second).
    let probes = (0..500)
        .map(|i| ok(0, i, T0 + i as i64 * 10 * MS, MS))
        .collect();
    let mut events = Vec::new();
    for k in 0..3 {
        let start = T0 + (500 + k * 1000) * MS;
        let argv = json!({ "argv": ["true"], "migration": k });
        events.push(ev(Origin::Local, "trigger_started", start, None, argv));
        let exit = json!({ "code": 0, "signal": null, "output": [], "migration": k });
        events.push(ev(
            Origin::Local,
            "trigger_exited",
            start + 500 * MS,
            None,
            exit,
        ));
    }
    let per = per_migration(
        &run(header(1, 10 * MS, 3), probes, events),
        &AnalysisOptions::default(),
    );
    let triggers: Vec<(Option<i64>, Option<i64>, Option<i32>)> = per
        .iter()
        .map(|m| {
            let t = m.trigger.as_ref().expect("a trigger per migration");
            (
                t.started_ns.map(|x| x.0 - T0),
                t.exited_ns.map(|x| x.0 - T0),
                t.exit_code,
            )
        })
        .collect();
    assert_eq!(
        triggers,
        [
            (Some(500 * MS), Some(1000 * MS), Some(0)),
            (Some(1500 * MS), Some(2000 * MS), Some(0)),
            (Some(2500 * MS), Some(3000 * MS), Some(0)),
        ]
    );
}

/// The whole run `r` seen migration by migration, and its migrations.
fn campaign_of(r: &RunData) -> (Analysis, Vec<Analysis>) {
    let per = per_migration(r, &AnalysisOptions::default());
    (campaign::merge(&analyse(r), &per), per)
}

/// (migration, phase) of each outage starting after `after_s` s into the run.
fn attribution(a: &Analysis, after_s: i64) -> Vec<(Option<u32>, Option<&'static str>)> {
    a.outages
        .iter()
        .filter(|o| o.start_ns.0 > T0 + after_s * S)
        .map(|o| (o.migration, o.phase.map(PhaseName::as_str)))
        .collect()
}

#[test]
fn a_campaigns_later_outages_belong_to_their_own_migration_and_phase() {
    let r = two_migrations();
    // Seen as one migration, the second one's outages fall into the first one's completion.
    let whole = analyse(&r);
    assert_eq!(
        attribution(&whole, 12),
        [(None, Some("completion")), (None, Some("completion"))]
    );
    let (a, _) = campaign_of(&r);
    assert_eq!(
        attribution(&a, 0),
        [
            (Some(0), Some("storage_copy")),
            (Some(0), Some("switchover")),
            (Some(1), Some("storage_copy")),
            (Some(1), Some("switchover")),
        ],
        "each outage in its own migration's phases (the switchover's, although it starts just before QEMU's STOP)"
    );
    // Each migration's own six phases, in order; the first one's completion
    // ends when its own trigger exited, not at the second one's.
    let phases: Vec<(Option<u32>, &str)> = a
        .phases
        .iter()
        .map(|p| (p.migration, p.name.as_str()))
        .collect();
    assert_eq!(phases.len(), 12, "{phases:?}");
    assert!(phases[..6].iter().all(|p| p.0 == Some(0)), "{phases:?}");
    assert!(phases[6..].iter().all(|p| p.0 == Some(1)), "{phases:?}");
    let completion = |m: u32| {
        a.phases
            .iter()
            .find(|p| p.migration == Some(m) && p.name == PhaseName::Completion)
            .map(|p| p.end_ns.0 - T0)
    };
    assert_eq!(completion(0), Some(9_800 * MS));
    assert_eq!(completion(1), Some(21_800 * MS));
    assert!(a.phases.windows(2).all(|w| w[0].end_ns <= w[1].start_ns));
    assert_eq!(a.per_phase.len(), 12);
    assert!(a.per_phase.iter().all(|p| p.migration.is_some()));
}

#[test]
fn a_campaigns_headline_is_its_worst_migration_with_the_median() {
    let (a, per) = campaign_of(&two_migrations());
    let c = a.campaign.as_ref().expect("a campaign");
    assert_eq!((c.migrations, c.shown, c.measured), (2, Some(1), 2));
    let network: Vec<i64> = per
        .iter()
        .map(|m| m.downtime.as_ref().unwrap().network_ns)
        .collect();
    assert!(network[1] > network[0], "{network:?}");
    assert_eq!(a.downtime, per[1].downtime, "the worse one's headline");
    assert_eq!(c.median_network_ns, Some((network[0] + network[1]) / 2));
    let d = a.downtime.as_ref().unwrap();
    assert!((440 * MS..=460 * MS).contains(&d.network_ns), "{d:?}");
    assert_eq!(d.hypervisor_ns, Some(300 * MS), "its own job's figure");
    // One migration is no campaign: the whole run as it is.
    assert_eq!(campaign::merge(&a, &per[..1]), a);
}

#[test]
fn a_campaigns_progress_samples_carry_their_migration() {
    let (a, _) = campaign_of(&two_migrations());
    let tags: Vec<Option<u32>> = a.progress.iter().map(|p| p.migration).collect();
    assert_eq!(tags.len(), 24);
    assert!(tags[..12].iter().all(|t| *t == Some(0)), "{tags:?}");
    assert!(tags[12..].iter().all(|t| *t == Some(1)), "{tags:?}");
}

#[test]
fn a_campaigns_reports_name_the_migration_shown() {
    let r = two_migrations();
    let per = per_migration(&r, &AnalysisOptions::default());
    let out = report::render_campaign(&analyse(&r), &per, &r, &ReportMeta::default(), 1200);
    let md = &out.markdown;
    let first = md.lines().next().unwrap();
    assert!(
        first.starts_with("**In migration 2 of 2, the worst by network downtime (median 375 ms), the guest was unreachable for 450 ms"),
        "{first}"
    );
    for want in [
        "| Migration shown | 2 of 2, the worst by network downtime (median 375 ms) |",
        "| Migration | Phase | Start | Duration |",
        "| Lost | Queued | Migration | Phase |",
        "| 2 | storage_copy |\n",
        "| Across migrations | n | median (p50) | max |",
        "The p95 is shown from 20 migrations on",
    ] {
        assert!(md.contains(want), "{want:?} in\n{md}");
    }
    assert!(!md.contains("p95 ("), "no p95 of two values: {md}");
    let v: Value = serde_json::from_slice(&out.json).unwrap();
    assert_eq!(v["downtime"]["migration"], json!(1));
    assert_eq!(v["outages"][3]["migration"], json!(1));
    assert_eq!(v["outages"][3]["phase"], json!("switchover"));
    assert_eq!(v["phases"][6]["migration"], json!(1));
    assert_eq!(v["distribution"]["network_ms"]["p95_is_max"], json!(true));
    assert_eq!(v["migrations"][0]["downtime"].get("migration"), None);
    let svg = String::from_utf8(out.svg).unwrap();
    assert!(
        svg.contains("Migration 2 of 2 (worst; median 375 ms): Unreachable 450 ms"),
        "title"
    );
    assert!(svg.contains("network median 375 ms, max 450 ms"));
}

#[test]
fn a_qemu_pause_with_one_virsh_timestamp_is_shown_with_its_resolution() {
    let mut events = block_migration_events();
    // The destination's RESUME as `virsh qemu-monitor-event --timestamp`
    // prints it: received at 8.121 s, no QEMU stamp.
    for e in events.iter_mut().filter(|e| e.kind == "qemu_resume") {
        e.source_ts_ns = None;
    }
    let a = analyse(&run(
        header(1, 10 * MS, 3),
        probes_around_migration(),
        events,
    ));
    let d = a.downtime.as_ref().expect("downtime");
    assert_eq!(d.qemu_pause_ns, Some(121 * MS), "as the switchover phase");
    assert_eq!(d.qemu_pause_resolution_ns, Some(MS));
    let sw = a
        .phases
        .iter()
        .find(|p| p.name == PhaseName::Switchover)
        .unwrap();
    assert_eq!(sw.end_ns.since(sw.start_ns), 121 * MS);
    assert_eq!(d.difference_ns, Some(d.network_ns - 121 * MS));
    let md = report::markdown::render(&a, &ReportMeta::default());
    assert!(
        md.contains("| QEMU pause (source STOP → destination RESUME) | 121 ms (± 1 ms): one side's time is when the event was received, to 1 ms |"),
        "{md}"
    );
    assert!(
        md.lines()
            .next()
            .unwrap()
            .contains("than the 121 ms (± 1 ms) QEMU kept it paused"),
        "{md}"
    );
    let v: Value = serde_json::from_slice(&report::json::render(&report::json::build(
        &a,
        &ReportMeta::default(),
    )))
    .unwrap();
    assert_eq!(v["downtime"]["qemu_pause_ms"], json!(121.0));
    assert_eq!(v["downtime"]["qemu_pause_resolution_ms"], json!(1.0));
}

#[test]
fn the_headline_parts_add_up_naming_the_time_before_the_pause() {
    // QEMU stops the guest 50 ms after the target stopped answering (8.0 s).
    let mut events = block_migration_events();
    for e in events
        .iter_mut()
        .filter(|e| e.kind == "qemu_stop" || e.kind == "suspended")
    {
        e.at_ns = RealNs(e.at_ns.0 + 50 * MS);
        e.source_ts_ns = e.source_ts_ns.map(|t| RealNs(t.0 + 50 * MS));
    }
    let a = analyse(&run(
        header(1, 10 * MS, 3),
        probes_around_migration(),
        events,
    ));
    let d = a.downtime.as_ref().expect("downtime");
    let (before, paused, after) = (
        d.before_pause_part_ns.unwrap(),
        d.pause_part_ns.unwrap(),
        d.convergence_part_ns.unwrap(),
    );
    assert_eq!(before + paused + after, d.network_ns, "{d:?}");
    assert_eq!(paused, 70 * MS);
    assert!((45 * MS..=55 * MS).contains(&before), "{d:?}");
    let md = report::markdown::render(&a, &ReportMeta::default());
    let want = format!(
        ": {} ms unresponsive before the pause + 70 ms paused + {} ms network convergence.",
        before / MS,
        after / MS
    );
    assert!(md.lines().next().unwrap().contains(&want), "{want}\n{md}");
    assert!(
        md.contains(
            "| of which unresponsive before the pause / guest paused / network convergence |"
        ),
        "{md}"
    );
    // Within the estimate's ± it is not named (the showcase: 2 ms at 10 ms probes).
    let plain = analyse(&run(
        header(1, 10 * MS, 3),
        probes_around_migration(),
        block_migration_events(),
    ));
    let md = report::markdown::render(&plain, &ReportMeta::default());
    assert!(!md.contains("before the pause"), "{md}");
    assert!(
        md.contains("| of which guest paused / network convergence |"),
        "{md}"
    );
}

/// libvirt 11 on the source says `shutdown` (reason host) right before
/// `stopped` (migrated): the source QEMU's normal exit, not the guest's fate.
#[test]
fn libvirt_11s_shutdown_before_stopped_migrated_is_no_guest_note() {
    let mut events = block_migration_events();
    let stopped = events
        .iter()
        .find(|e| {
            e.origin == Origin::Src
                && e.kind == "stopped"
                && e.detail.get("reason").and_then(|r| r.as_str()) == Some("migrated")
        })
        .map(|e| e.at_ns.0)
        .expect("the source stops (migrated)");
    events.push(ev(
        Origin::Src,
        "shutdown",
        stopped - MS,
        None,
        json!({"reason": "host"}),
    ));
    let a = analyse(&run(
        header(1, 10 * MS, 3),
        probes_around_migration(),
        events,
    ));
    assert!(
        !a.notes.iter().any(|n| n.contains("The guest")),
        "{:?}",
        a.notes
    );
}

#[test]
fn a_guest_that_resets_after_resuming_is_noted() {
    let mut events = block_migration_events();
    let resumed = events
        .iter()
        .find(|e| e.origin == Origin::Dst && e.kind == "resumed")
        .map(|e| e.at_ns.0)
        .expect("a resume on the destination");
    events.push(ev(
        Origin::Dst,
        "shutdown",
        resumed + 62 * MS,
        None,
        json!({"reason": "guest"}),
    ));
    events.push(ev(
        Origin::Dst,
        "stopped",
        resumed + 70 * MS,
        None,
        json!({"reason": "shutdown"}),
    ));
    let a = analyse(&run(
        header(1, 10 * MS, 3),
        probes_around_migration(),
        events,
    ));
    let notes: Vec<&String> = a.notes.iter().filter(|n| n.contains("The guest")).collect();
    assert_eq!(notes.len(), 1, "{:?}", a.notes);
    assert!(
        notes[0].starts_with("The guest stopped (shut down or reset) on the destination")
            && notes[0].contains("(reason guest)")
            && notes[0].contains("after it resumed"),
        "{}",
        notes[0]
    );
    // An ordinary migration gets no such note.
    let plain = analyse(&run(
        header(1, 10 * MS, 3),
        probes_around_migration(),
        block_migration_events(),
    ));
    assert!(
        !plain.notes.iter().any(|n| n.contains("The guest")),
        "{:?}",
        plain.notes
    );
}

/// A target that answers one request per `service` ns in arrival order (a
/// FIFO queue) and not at all inside the `freezes` windows (ns from T0):
/// after a long freeze at a fast rate it takes a while to catch up.
fn fifo_target(n: u64, interval: i64, service: i64, freezes: &[(i64, i64)]) -> Vec<ProbeLine> {
    let base = 50 * US;
    let available = |mut t: i64| {
        while let Some(&(_, to)) = freezes.iter().find(|(a, b)| t >= T0 + a && t < T0 + b) {
            t = T0 + to;
        }
        t
    };
    let mut free = T0;
    (0..n)
        .map(|i| {
            let tx = T0 + i as i64 * interval;
            let start = available((tx + base / 2).max(free));
            free = start + service;
            let rx = free + base / 2;
            ok(0, i, tx, rx - tx)
        })
        .collect()
}

#[test]
fn a_freeze_while_the_queue_of_an_earlier_one_drains_is_found() {
    // At 100 µs, freezes of 400 ms and 300 ms only 20 ms apart: answering the
    // first queue (4 000 requests, 20 µs each) takes ~90 ms, so no probe is on
    // time between the two freezes.
    let t = 100 * US;
    let freezes = [(200 * MS, 600 * MS), (620 * MS, 920 * MS)];
    let probes = fifo_target(15_000, t, 20 * US, &freezes);
    let a = analyse(&run(header(1, t, 3), probes, vec![]));
    let big: Vec<_> = a
        .outages
        .iter()
        .filter(|o| o.estimate_ns > 50 * MS)
        .collect();
    assert_eq!(big.len(), 2, "{:#?}", a.outages);
    for (o, (from, to)) in big.iter().zip(freezes) {
        let truth = to - from;
        assert!(
            o.bracket_lo_ns <= truth + t && truth - t <= o.bracket_hi_ns,
            "truth {truth} outside [{}, {}]",
            o.bracket_lo_ns,
            o.bracket_hi_ns
        );
        assert!((o.estimate_ns - truth).abs() <= t, "{o:?}");
        assert_eq!(o.class, OutageClass::Freeze);
        assert!((o.start_ns.0 - (T0 + from)).abs() <= 2 * t, "{o:?}");
    }
    // The probes of the second are not the first's.
    assert!(big[1].first_index > big[0].last_index);
}

// ---------------------------------------------------------------- metrics.prom

/// `ms` (report.json's, 3 decimals) and `s` (the exposition's) in µs.
fn same_us(ms: f64, s: f64) -> bool {
    (ms * 1e3).round() == (s * 1e6).round()
}

/// Checks every per-migration sample of `samples` against report.json's
/// figure of the migration `m`, number by number.
fn metrics_match(samples: &[ParsedSample], m: &Value) {
    let index = m["index"].as_u64().unwrap_or(0).to_string();
    let of = |name: &str, extra: Option<(&str, &str)>| -> Vec<f64> {
        samples
            .iter()
            .filter(|s| s.name == name && s.labels.get("migration") == Some(&index))
            .filter(|s| extra.is_none_or(|(k, v)| s.labels.get(k).map(String::as_str) == Some(v)))
            .map(|s| s.value)
            .collect()
    };
    let d = &m["downtime"];
    let storage = m["phases"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["name"] == "storage_copy"))
        .map(|p| p["duration_ms"].clone())
        .unwrap_or(Value::Null);
    let sum = |k: &str| -> f64 {
        m["outages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o[k].as_f64().unwrap())
            .sum()
    };
    let seconds = [
        ("network_downtime", &d["network_ms"], None),
        (
            "network_downtime_bracket",
            &d["bracket_ms"][0],
            Some(("bound", "lo")),
        ),
        (
            "network_downtime_bracket",
            &d["bracket_ms"][1],
            Some(("bound", "hi")),
        ),
        ("hypervisor_downtime", &d["hypervisor_ms"], None),
        ("qemu_pause", &d["qemu_pause_ms"], None),
        ("downtime_difference", &d["difference_ms"], None),
        ("storage_copy", &storage, None),
        ("duration", &m["trigger"]["duration_ms"], None),
        ("unobserved", &m["unobserved"]["total_ms"], None),
    ];
    for (what, want, extra) in seconds {
        let got = of(&format!("migprobe_migration_{what}_seconds"), extra);
        let want = want.as_f64().expect(what);
        assert!(
            got.len() == 1 && same_us(want, got[0]),
            "{what} #{index}: {got:?} s, report.json {want} ms"
        );
    }
    assert_eq!(of("migprobe_migration_lost_probes", None), [sum("lost")]);
    assert_eq!(
        of("migprobe_migration_queued_probes", None),
        [sum("queued")]
    );
    let result = m["migration"]["result"].as_str().unwrap();
    assert_eq!(
        of("migprobe_migration_result", Some(("result", result))),
        [1.0]
    );
    assert_eq!(
        of("migprobe_migration_result", None).iter().sum::<f64>(),
        1.0
    );
}

#[test]
fn metrics_are_report_jsons_figures_in_seconds() {
    let labels = MetricsLabels::icmp("c1");
    let one = run(
        header(1, 10 * MS, 3),
        probes_around_migration(),
        block_migration_events(),
    );
    let campaign = two_migrations();
    let per = per_migration(&campaign, &AnalysisOptions::default());
    for (r, per) in [(&one, Vec::new()), (&campaign, per)] {
        let out = report::render_campaign(&analyse(r), &per, r, &ReportMeta::default(), 1200);
        let text = String::from_utf8(metrics::render(&out.report, &labels)).unwrap();
        let samples = metrics::check(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert!(samples
            .iter()
            .all(|s| s.labels["campaign"] == "c1" && s.labels["probe"] == "icmp"));
        let v: Value = serde_json::from_slice(&out.json).unwrap();
        let entries = match v["migrations"].as_array() {
            Some(m) => m.clone(),
            None => vec![v.clone()],
        };
        assert_eq!(entries.len(), per.len().max(1));
        for m in &entries {
            metrics_match(&samples, m);
        }
        let sent = samples
            .iter()
            .find(|s| s.name == "migprobe_target_sent_probes")
            .unwrap();
        assert_eq!(Some(sent.value), v["targets"][0]["sent"].as_f64());
    }
}
