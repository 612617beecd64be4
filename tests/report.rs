//! Renderers (report.json, summary.md, chart.svg) on hand-built analyses and
//! run data: a block migration with a freeze at the switchover, a loss outage,
//! no outage, a probe-only run, a failed trigger, a run cut short, an empty
//! run, extreme values, and an hour at 1 kHz.

mod schema_check;

use migprobe_analysis::analysis::model::{
    Analysis, Baseline, CampaignHeadline, Downtime, EventMark, MigrationInfo, Outage, OutageClass,
    Phase, PhaseName, PhaseStats, Progress, TriggerInfo,
};
use migprobe_analysis::analysis::verdict::Outcome;
use migprobe_analysis::analysis::TargetSummary;
use migprobe_analysis::report::{
    self, json, markdown, svg, Format, ReportMeta, REPORT_SCHEMA_VERSION,
};
use migprobe_probe::record::{
    EventLine, Footer, Header, Origin, ProbeLine, ProbeStatus, RunData, StampClock, TargetInfo,
    SCHEMA_VERSION,
};
use migprobe_probe::types::{ProbeIndex, RealNs};
use migprobe_probe::wire::Family;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::path::Path;
use std::time::Instant;

const US: i64 = 1_000;
const MS: i64 = 1_000_000;
const S: i64 = 1_000_000_000;
/// A realistic realtime origin (2026-11-25).
const T0: i64 = 1_795_600_000 * S;

// ---------------------------------------------------------------- fixtures

fn addr(id: u32) -> IpAddr {
    format!("192.0.2.{}", 10 + id).parse().unwrap()
}

fn target(id: u32) -> TargetInfo {
    TargetInfo {
        id,
        addr: addr(id),
        name: format!("guest{id}"),
        family: Family::V4,
        phase_ns: 0,
        probe: None,
        domain: None,
    }
}

fn header(interval_ns: i64, targets: u32) -> Header {
    Header {
        schema_version: SCHEMA_VERSION,
        tool: "migprobe".into(),
        version: "0.1.0".into(),
        nonce: "00".into(),
        start_ns: RealNs(T0),
        interval_ns,
        targets: (0..targets).map(target).collect(),
        hostname: "prober1".into(),
        kernel: "6.1.0-test".into(),
        socket: None,
        scheduling: "fifo".into(),
        spin_ns: 0,
        payload_bytes: 56,
        min_loss_run: 3,
        drain_ns: 0,
        argv: vec!["migprobe".into(), "run".into(), "192.0.2.10".into()],
    }
}

fn probe(id: u32, index: u64, tx: i64, rtt: Option<i64>) -> ProbeLine {
    ProbeLine {
        target: addr(id),
        target_id: id,
        index: ProbeIndex(index),
        seq: (index & 0xffff) as u16,
        tx_ns: RealNs(tx),
        tx_clock: StampClock::Kernel,
        rx_ns: rtt.map(|r| RealNs(tx + r)),
        rx_clock: rtt.map(|_| StampClock::Kernel),
        rtt_ns: rtt,
        ttl: rtt.map(|_| 64),
        bytes: None,
        dup: 0,
        status: if rtt.is_some() {
            ProbeStatus::Ok
        } else {
            ProbeStatus::Lost
        },
        error: None,
    }
}

/// What happens to probes sent in `[from, to)`.
#[derive(Clone, Copy, PartialEq)]
enum Fault {
    None,
    /// Replies queued until `to`.
    Freeze,
    /// No replies.
    Loss,
}

/// `n` probes every `interval` from T0, with deterministic jitter.
fn probes(id: u32, n: u64, interval: i64, fault: Fault, from: i64, to: i64) -> Vec<ProbeLine> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15 ^ u64::from(id);
    (0..n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let tx = T0 + i as i64 * interval;
            let base = 45 * US + (x % 30_000) as i64 + if x % 997 == 0 { 900 * US } else { 0 };
            let rtt = if fault != Fault::None && tx >= from && tx < to {
                match fault {
                    Fault::Freeze => Some(to - tx + base),
                    _ => None,
                }
            } else {
                Some(base)
            };
            probe(id, i, tx, rtt)
        })
        .collect()
}

fn ev(at: i64, origin: Origin, kind: &str, detail: serde_json::Value) -> EventLine {
    EventLine {
        at_ns: RealNs(at),
        source_ts_ns: None,
        origin,
        kind: kind.into(),
        detail,
        raw: None,
    }
}

fn run_data(h: Header, probes: Vec<ProbeLine>, events: Vec<EventLine>, footer: bool) -> RunData {
    let end = probes
        .iter()
        .map(|p| p.tx_ns.0 + p.rtt_ns.unwrap_or(0))
        .max()
        .unwrap_or(T0);
    RunData {
        header: h,
        probes,
        duplicates: vec![],
        events,
        footer: footer.then(|| Footer {
            end_ns: RealNs(end),
            reason: "duration".into(),
            sent: 0,
            foreign: 0,
        }),
        bad_lines: Default::default(),
        unknown_types: HashMap::new(),
    }
}

fn summary(id: u32, sent: u64, lost: u64) -> TargetSummary {
    TargetSummary {
        target_id: id,
        addr: addr(id),
        sent,
        answered: sent - lost,
        late: 0,
        lost,
        unsettled: 0,
        duplicates: 0,
        errors: 0,
        skipped: 0,
        rtt_min_ns: Some(45 * US),
        rtt_p50_ns: Some(60 * US),
        rtt_p99_ns: Some(74 * US),
        rtt_p999_ns: Some(945 * US),
        rtt_max_ns: Some(182 * MS),
        longest_reply_gap_ns: Some(182 * MS),
        longest_unanswered_run: lost,
    }
}

/// Events of a block migration with the switchover at 40 s.
fn migration_events() -> Vec<EventLine> {
    let t = |s: f64| T0 + (s * 1e9) as i64;
    let mut e = vec![
        ev(
            t(5.0),
            Origin::Local,
            "trigger_started",
            json!({"argv": ["virsh", "migrate", "--live", "--copy-storage-all", "vm1", "qemu+ssh://dst/system"]}),
        ),
        ev(
            t(5.0),
            Origin::Src,
            "capture_started",
            json!({"hostname": "src-host", "libvirt_version": "9.0.0", "hypervisor_version": "7.2.0"}),
        ),
        ev(
            t(5.0),
            Origin::Dst,
            "capture_started",
            json!({"hostname": "dst-host", "libvirt_version": "9.0.0", "hypervisor_version": "7.2.0"}),
        ),
        ev(
            t(5.4),
            Origin::Dst,
            "started",
            json!({"reason": "migrated"}),
        ),
        ev(
            t(25.0),
            Origin::Src,
            "block_job",
            json!({"disk": "vda", "job": "copy", "status": "ready"}),
        ),
        ev(
            t(40.0),
            Origin::Src,
            "suspended",
            json!({"reason": "migrated"}),
        ),
        ev(t(40.0001), Origin::Src, "qemu_stop", json!({})),
        ev(t(40.15), Origin::Dst, "qemu_resume", json!({})),
        ev(
            t(40.1501),
            Origin::Dst,
            "resumed",
            json!({"reason": "migrated"}),
        ),
        ev(
            t(40.2),
            Origin::Src,
            "stopped",
            json!({"reason": "migrated"}),
        ),
        ev(
            t(40.3),
            Origin::Src,
            "job_completed",
            json!({"downtime": 144, "time_elapsed": 35300}),
        ),
        ev(t(41.0), Origin::Local, "trigger_exited", json!({"code": 0})),
    ];
    for (i, s) in [25.0, 33.0, 37.0, 39.0].iter().enumerate() {
        e.push(ev(
            t(*s),
            Origin::Src,
            "migration_iteration",
            json!({"iteration": i + 1}),
        ));
    }
    for k in 0..35 {
        e.push(ev(t(5.5 + k as f64), Origin::Src, "job_stats", json!({})));
    }
    e.sort_by_key(|e| e.at_ns);
    e
}

fn marks(events: &[EventLine]) -> Vec<EventMark> {
    events
        .iter()
        .filter(|e| e.kind != "job_stats")
        .map(|e| EventMark {
            at_ns: e.at_ns,
            origin: e.origin,
            kind: e.kind.clone(),
            label: match e.detail.get("reason").or(e.detail.get("status")) {
                Some(r) => format!("{} {}", e.kind, r.as_str().unwrap_or("")),
                None => e.kind.to_string(),
            },
        })
        .collect()
}

fn phase(name: PhaseName, from: f64, to: f64, iterations: Option<u32>) -> Phase {
    Phase {
        name,
        start_ns: RealNs(T0 + (from * 1e9) as i64),
        end_ns: RealNs(T0 + (to * 1e9) as i64),
        iterations,
        migration: None,
    }
}

fn outage(class: OutageClass, start: i64, len: i64, lost: u64, queued: u64) -> Outage {
    Outage {
        target_id: 0,
        first_index: ((start - T0) / MS) as u64,
        last_index: ((start - T0 + len) / MS) as u64,
        start_ns: RealNs(start),
        end_ns: RealNs(start + len),
        estimate_ns: len,
        bracket_lo_ns: len - 500 * US,
        bracket_hi_ns: len + 500 * US,
        open_end: false,
        lost,
        queued,
        class,
        phase: None,
        migration: None,
    }
}

/// The showcase: 60 s at 1 kHz, block migration, a 182 ms freeze at the
/// switchover (150 ms paused + 32 ms network convergence), libvirt says 144 ms.
fn switchover() -> (Analysis, RunData) {
    let (from, to) = (T0 + 40 * S, T0 + 40 * S + 182 * MS);
    let p = probes(0, 60_000, MS, Fault::Freeze, from, to);
    let events = migration_events();
    let run = run_data(header(MS, 1), p, events.clone(), true);
    let mut o = outage(OutageClass::Freeze, from, 182 * MS, 0, 182);
    o.phase = Some(PhaseName::Switchover);
    let phases = switchover_phases();
    let per_phase = switchover_phase_stats(&phases);
    let progress = switchover_progress();
    let a = Analysis {
        start_ns: RealNs(T0),
        end_ns: RealNs(T0 + 60 * S),
        interval_ns: MS,
        min_loss_run: 3,
        targets: vec![target(0)],
        baseline: vec![Baseline {
            target_id: 0,
            samples: 5_000,
            rtt_p50_ns: 60 * US,
            rtt_p99_ns: 74 * US,
            window_sent: 0,
            window_answered: 0,
        }],
        outages: vec![o],
        phases,
        per_phase,
        downtime: Some(Downtime {
            target_id: 0,
            network_ns: 182 * MS,
            bracket_lo_ns: 181_500 * US,
            bracket_hi_ns: 182_500 * US,
            open_end: false,
            class: OutageClass::Freeze,
            hypervisor_ns: Some(144 * MS),
            qemu_pause_ns: Some(150 * MS),
            qemu_pause_resolution_ns: None,
            difference_ns: Some(32 * MS),
            before_pause_part_ns: Some(0),
            pause_part_ns: Some(150 * MS),
            convergence_part_ns: Some(32 * MS),
        }),
        unobserved: vec![],
        inconclusive: false,
        summaries: vec![summary(0, 60_000, 0)],
        migration: Some(MigrationInfo {
            result: Outcome::Completed,
            stats: Some(
                json!({"downtime": 144, "time_elapsed": 35300, "memory_total": 4294967296u64}),
            ),
        }),
        trigger: Some(TriggerInfo {
            argv: vec![
                "virsh".into(),
                "migrate".into(),
                "--live".into(),
                "vm1".into(),
            ],
            started_ns: Some(RealNs(T0 + 5 * S)),
            exited_ns: Some(RealNs(T0 + 41 * S)),
            exit_code: Some(0),
        }),
        progress,
        events: marks(&events),
        truncated: false,
        end_reason: Some("duration".into()),
        notes: vec![],
        clocks: vec![],
        sessions: vec![],
        nova: None,
        campaign: None,
    };
    (a, run)
}

/// The showcase's phases: a block migration with four memory passes.
fn switchover_phases() -> Vec<Phase> {
    vec![
        phase(PhaseName::Preparation, 5.0, 5.4, None),
        phase(PhaseName::StorageCopy, 5.4, 25.0, None),
        phase(PhaseName::MemoryPrecopy, 25.0, 40.0, Some(4)),
        phase(PhaseName::Switchover, 40.0, 40.15, None),
        phase(PhaseName::NetworkConvergence, 40.15, 40.182, None),
        phase(PhaseName::Completion, 40.182, 41.0, None),
    ]
}

/// The showcase's per-phase RTTs: 60 µs, 180 ms at the switchover.
fn switchover_phase_stats(phases: &[Phase]) -> Vec<PhaseStats> {
    phases
        .iter()
        .map(|p| PhaseStats {
            phase: p.name,
            target_id: 0,
            sent: (p.end_ns.since(p.start_ns) / MS) as u64,
            lost: 0,
            rtt_p50_ns: Some(60 * US),
            rtt_p99_ns: Some(if p.name == PhaseName::Switchover {
                180 * MS
            } else {
                74 * US
            }),
            rtt_max_ns: Some(if p.name == PhaseName::Switchover {
                182 * MS
            } else {
                900 * US
            }),
            migration: None,
        })
        .collect()
}

/// The showcase's job progress: 10 GiB of disk, then 4 GiB of memory.
fn switchover_progress() -> Vec<Progress> {
    (0..35)
        .map(|k| {
            let s = 5.5 + k as f64;
            let disk = (10_240.0 * (1.0 - (s - 5.4) / 19.6)).max(0.0);
            let mem = if s < 25.0 {
                4_096.0
            } else {
                4_096.0 * (40.0 - s) / 15.0
            };
            Progress {
                at_ns: RealNs(T0 + (s * 1e9) as i64),
                memory_remaining: Some((mem * 1_048_576.0) as u64),
                disk_remaining: Some((disk * 1_048_576.0) as u64),
                data_remaining: None,
                migration: None,
            }
        })
        .collect()
}

/// Probes only (no events): `fault` in [20 s, 20.25 s) of a 30 s run.
fn probe_only(fault: Fault) -> (Analysis, RunData) {
    let (from, to) = (T0 + 20 * S, T0 + 20 * S + 250 * MS);
    let run = run_data(
        header(MS, 1),
        probes(0, 30_000, MS, fault, from, to),
        vec![],
        true,
    );
    let (class, lost, queued) = match fault {
        Fault::Loss => (OutageClass::Loss, 250, 0),
        _ => (OutageClass::Freeze, 0, 250),
    };
    let o = outage(class, from, 250 * MS, lost, queued);
    let a = Analysis {
        start_ns: RealNs(T0),
        end_ns: RealNs(T0 + 30 * S),
        interval_ns: MS,
        min_loss_run: 3,
        targets: vec![target(0)],
        baseline: vec![],
        outages: vec![o.clone()],
        phases: vec![],
        per_phase: vec![],
        downtime: Some(Downtime {
            target_id: 0,
            network_ns: o.estimate_ns,
            bracket_lo_ns: o.bracket_lo_ns,
            bracket_hi_ns: o.bracket_hi_ns,
            open_end: o.open_end,
            class,
            hypervisor_ns: None,
            qemu_pause_ns: None,
            qemu_pause_resolution_ns: None,
            difference_ns: None,
            before_pause_part_ns: None,
            pause_part_ns: None,
            convergence_part_ns: None,
        }),
        unobserved: vec![],
        inconclusive: false,
        summaries: vec![summary(0, 30_000, lost)],
        migration: None,
        trigger: None,
        progress: vec![],
        events: vec![],
        truncated: false,
        end_reason: Some("duration".into()),
        notes: vec!["No hypervisor events were captured.".into()],
        clocks: vec![],
        sessions: vec![],
        nova: None,
        campaign: None,
    };
    (a, run)
}

fn meta() -> ReportMeta {
    let mut hypervisors = BTreeMap::new();
    hypervisors.insert(
        "src".into(),
        json!({"hostname": "src-host", "libvirt_version": "9.0.0"}),
    );
    ReportMeta {
        tool_version: "0.1.0".into(),
        host: "prober1".into(),
        kernel: "6.1.0-test".into(),
        socket: Some("raw".into()),
        run_argv: vec!["migprobe".into(), "run".into()],
        argv: vec!["migprobe".into(), "report".into(), "run.jsonl".into()],
        run_dir: Some("/tmp/run1".into()),
        hypervisors,
    }
}

fn first_line(md: &str) -> &str {
    md.lines().next().unwrap_or("")
}

fn svg_text(a: &Analysis, run: &RunData) -> String {
    let bytes = svg::render(a, run, None, 1000);
    let s = String::from_utf8(bytes).expect("SVG is UTF-8");
    assert!(s.starts_with("<svg"), "{}", &s[..s.len().min(200)]);
    assert!(s.trim_end().ends_with("</svg>"));
    s
}

// ---------------------------------------------------------------- report.json

#[test]
fn report_json_round_trips() {
    for (a, _) in [
        switchover(),
        probe_only(Fault::Loss),
        probe_only(Fault::Freeze),
    ] {
        let r = json::build(&a, &meta());
        let bytes = json::render(&r);
        schema_check::assert_valid(&bytes);
        assert_eq!(bytes.last(), Some(&b'\n'));
        let back = json::parse(&bytes).expect("parses back");
        assert_eq!(back, r);
        assert_eq!(back.schema_version, REPORT_SCHEMA_VERSION);
    }
}

#[test]
fn report_json_has_the_documented_field_names() {
    let (a, _) = switchover();
    let text = String::from_utf8(json::render(&json::build(&a, &meta()))).unwrap();
    for want in [
        "\"schema_version\": 1",
        "\"network_ms\": 182.0",
        "\"bracket_ms\": [\n      181.5,\n      182.5\n    ]",
        "\"hypervisor_ms\": 144.0",
        "\"qemu_pause_ms\": 150.0",
        "\"difference_ms\": 32.0",
        "\"pause_part_ms\": 150.0",
        "\"convergence_part_ms\": 32.0",
        "\"class\": \"freeze\"",
        "\"estimate_ms\": 182.0",
        "\"queued\": 182",
        "\"phase\": \"switchover\"",
        "\"start_ns\": ",
        "\"duration_ms\": 150.0",
        "\"iterations\": 4",
        "\"per_phase\": [",
        "\"rtt_p99_ms\": 0.074",
        "\"truncated\": false",
        "\"end_reason\": \"duration\"",
        "\"libvirt_version\": \"9.0.0\"",
        "\"exit_code\": 0",
        "\"result\": \"completed\"",
        "\"statistics\": {",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    // No downtime: null, not missing.
    let (mut a, _) = probe_only(Fault::Loss);
    a.downtime = None;
    let text = String::from_utf8(json::render(&json::build(&a, &meta()))).unwrap();
    assert!(text.contains("\"downtime\": null"), "{text}");
}

#[test]
fn report_json_rejects_other_files_and_versions() {
    let (a, _) = switchover();
    let mut v: serde_json::Value =
        serde_json::from_slice(&json::render(&json::build(&a, &meta()))).unwrap();
    v["schema_version"] = json!(2);
    let e = json::parse(v.to_string().as_bytes()).unwrap_err();
    assert!(matches!(e, json::ReportError::Version { found: 2 }), "{e}");
    assert!(e.to_string().contains("version 2"), "{e}");
    for (bytes, want) in [
        (&b"not json"[..], "not JSON"),
        (b"[1, 2]", "not an object"),
        (b"{\"a\": 1}", "schema_version"),
        (
            br#"{"type":"header","schema_version":1,"tool":"migprobe"}"#,
            "invalid",
        ),
        (br#"{"type":"header","tool":"migprobe"}"#, "run file"),
        (br#"{"schema_version":1,"tool":"other"}"#, "other"),
        (br#"{"schema_version":"1"}"#, "not a number"),
    ] {
        let e = json::parse(bytes).unwrap_err().to_string();
        assert!(e.contains(want), "{}: {e}", String::from_utf8_lossy(bytes));
    }
}

// ---------------------------------------------------------------- summary.md

#[test]
fn verdict_for_a_switchover_freeze_with_hypervisor_figures() {
    let (a, _) = switchover();
    let md = markdown::render(&a, &meta());
    assert_eq!(
        first_line(&md),
        "**The guest was unreachable for 182 ms (± 0.5 ms), 32 ms longer than the 150 ms QEMU kept it paused (libvirt reported 144 ms): 150 ms paused + 32 ms network convergence. Replies were queued and flushed on resume: a freeze, 0 probes lost.**"
    );
    for want in [
        "| Network-observed downtime | **182 ms** (between 181.5 ms and 182.5 ms), freeze |",
        "| Hypervisor-reported downtime (libvirt) | 144 ms |",
        "| QEMU pause (source STOP → destination RESUME) | 150 ms |",
        "| Difference (network − hypervisor) | +32 ms |",
        "| memory_precopy (4 passes) | 25.000 s | 15 s |",
        "| switchover | 40.000 s | 150 ms | 60 µs | 180 ms | 182 ms | 0 of 150 |",
        "| 1 | 40.000 s | 182 ms (± 0.5 ms) | 181.5 ms – 182.5 ms | freeze | 0 | 182 | switchover |",
        "- Trigger: `virsh migrate --live vm1` exited with code 0 after 36 s.",
        "- Migration: completed.",
        "- src: src-host, libvirt 9.0.0.",
        "## Targets",
    ] {
        assert!(md.contains(want), "missing {want:?} in\n{md}");
    }
}

#[test]
fn verdict_for_an_outage_still_open_when_probing_stopped() {
    let (mut a, _) = switchover();
    a.downtime.as_mut().unwrap().open_end = true;
    a.outages[0].open_end = true;
    let md = markdown::render(&a, &meta());
    assert_eq!(
        first_line(&md),
        "**The guest was unreachable for at least 181.5 ms (still not answering when probing stopped), at least 32 ms longer than the 150 ms QEMU kept it paused (libvirt reported 144 ms): 150 ms paused + at least 32 ms network convergence. Replies were queued and flushed on resume: a freeze, 0 probes lost.**"
    );
    for want in [
        "| Network-observed downtime | **at least 181.5 ms** (open-ended: still not answering when probing stopped), freeze |",
        "| 1 | 40.000 s | at least 181.5 ms (still not answering when probing stopped) | 181.5 ms – open | freeze |",
    ] {
        assert!(md.contains(want), "missing {want:?} in\n{md}");
    }
    assert!(!md.contains("± 0.5 ms"), "{md}");
}

#[test]
fn verdict_for_a_loss_outage() {
    let (mut a, _) = switchover();
    let d = a.downtime.as_mut().unwrap();
    d.class = OutageClass::Loss;
    d.qemu_pause_ns = None;
    d.difference_ns = Some(38 * MS);
    a.outages[0].class = OutageClass::Loss;
    a.outages[0].lost = 182;
    a.outages[0].queued = 0;
    let md = markdown::render(&a, &meta());
    assert_eq!(
        first_line(&md),
        "**The guest was unreachable for 182 ms (± 0.5 ms), 38 ms longer than the 144 ms the hypervisor reported: 150 ms paused + 32 ms network convergence. 182 probes got no reply at all: a loss.**"
    );
}

#[test]
fn verdict_without_an_outage() {
    let (mut a, _) = switchover();
    a.outages.clear();
    a.downtime = None;
    let md = markdown::render(&a, &meta());
    assert_eq!(
        first_line(&md),
        "**The guest stayed reachable: no outage in 60\u{202f}000 probes (0 lost), although the hypervisor reported 144 ms of downtime (shorter than the probes can resolve).**"
    );
    assert!(md.contains("## Outages\n\nNone"), "{md}");
}

#[test]
fn verdict_for_a_probe_only_run() {
    let (a, _) = probe_only(Fault::Freeze);
    let md = markdown::render(&a, &meta());
    assert_eq!(
        first_line(&md),
        "**The longest outage: the guest was unreachable for 250 ms (± 0.5 ms), 20 s into the run; no hypervisor events were recorded to compare it with. Replies were queued and flushed on resume: a freeze, 0 probes lost.**"
    );
    assert!(md.contains("| Longest outage (network-observed) |"), "{md}");
    assert!(!md.contains("## Phases"), "{md}");
}

/// `run` without libvirt: a trigger but no hypervisor events. Its longest
/// outage is not a switchover's downtime, and the verdict says so.
#[test]
fn verdict_for_a_run_without_hypervisor_events() {
    let (from, to) = (T0 + 20 * S, T0 + 20 * S + 250 * MS);
    let trigger = vec![
        ev(
            T0 + S,
            Origin::Local,
            "trigger_started",
            json!({"argv": ["sleep", "30"]}),
        ),
        ev(
            T0 + 29 * S,
            Origin::Local,
            "trigger_exited",
            json!({"code": 0}),
        ),
    ];
    let run = run_data(
        header(MS, 1),
        probes(0, 30_000, MS, Fault::Freeze, from, to),
        trigger,
        true,
    );
    let a = migprobe_analysis::analysis::analyze(&run, &Default::default());
    let md = markdown::render(&a, &meta());
    assert!(
        first_line(&md).starts_with("**The longest outage: the guest was unreachable for 250"),
        "{md}"
    );
    assert!(
        first_line(&md).contains("no hypervisor events were recorded to compare it with"),
        "{md}"
    );
    assert!(md.contains("No hypervisor events were captured"), "{md}");
}

#[test]
fn verdict_for_a_failed_trigger() {
    let (mut a, _) = switchover();
    a.outages.clear();
    a.downtime = None;
    a.phases.truncate(2);
    a.migration = Some(MigrationInfo {
        result: Outcome::Failed,
        stats: None,
    });
    a.trigger.as_mut().unwrap().exit_code = Some(1);
    let md = markdown::render(&a, &meta());
    assert_eq!(
        first_line(&md),
        "**The migration failed (the trigger command exited with code 1). The guest stayed reachable: no outage in 60\u{202f}000 probes (0 lost).**"
    );
    assert!(md.contains("exited with code 1 after 36 s."), "{md}");
    // Killed by a signal, migration result unknown.
    a.migration = None;
    a.trigger.as_mut().unwrap().exit_code = None;
    let md = markdown::render(&a, &meta());
    assert!(
        first_line(&md).starts_with("**The trigger command was killed by a signal. "),
        "{md}"
    );
}

#[test]
fn verdict_for_a_truncated_run() {
    let (mut a, _) = switchover();
    a.truncated = true;
    a.end_reason = None;
    a.notes.push("The run was cut short (no footer).".into());
    let md = markdown::render(&a, &meta());
    assert!(
        first_line(&md).starts_with(
            "**The run was cut short (no footer), so this is partial. The guest was unreachable for 182 ms (± 0.5 ms)"
        ),
        "{}",
        first_line(&md)
    );
    assert!(md.contains("- Ended: cut short (no footer)."), "{md}");
    assert!(md.contains("## Notes\n\n- The run was cut short"), "{md}");
}

#[test]
fn verdict_for_an_empty_run() {
    let a = empty_analysis();
    let md = markdown::render(&a, &meta());
    assert_eq!(
        first_line(&md),
        "**The run was cut short (no footer), so this is partial. No probes were recorded, so there is nothing to measure.**"
    );
}

// ---------------------------------------------------------------- chart.svg

fn empty_analysis() -> Analysis {
    Analysis {
        start_ns: RealNs(T0),
        end_ns: RealNs(T0),
        interval_ns: 0,
        min_loss_run: 3,
        targets: vec![],
        baseline: vec![],
        outages: vec![],
        phases: vec![],
        per_phase: vec![],
        downtime: None,
        unobserved: vec![],
        inconclusive: false,
        summaries: vec![],
        migration: None,
        trigger: None,
        progress: vec![],
        events: vec![],
        truncated: true,
        end_reason: None,
        notes: vec![],
        clocks: vec![],
        sessions: vec![],
        nova: None,
        campaign: None,
    }
}

#[test]
fn chart_of_an_empty_run_says_no_data() {
    let run = run_data(header(MS, 0), vec![], vec![], false);
    let s = svg_text(&empty_analysis(), &run);
    assert!(s.contains("no data"), "{s}");
    assert!(s.contains("<text"), "text renders without system fonts");
}

#[test]
fn chart_of_a_tiny_run() {
    // One probe, then three.
    for n in [1u64, 3] {
        let run = run_data(
            header(MS, 1),
            probes(0, n, MS, Fault::None, 0, 0),
            vec![],
            true,
        );
        let mut a = empty_analysis();
        a.targets = vec![target(0)];
        a.summaries = vec![summary(0, n, 0)];
        a.end_ns = RealNs(T0 + (n as i64 - 1) * MS);
        a.interval_ns = MS;
        let s = svg_text(&a, &run);
        assert!(s.contains("<circle"), "the probe is drawn: {s}");
        assert!(!s.contains("NaN") && !s.contains("inf"), "{s}");
    }
}

#[test]
fn chart_shows_phases_outage_and_zoom() {
    let (a, run) = switchover();
    let s = svg_text(&a, &run);
    for want in [
        "storage_copy",
        "memory_precopy ×4",
        "switchover",
        "network_convergence",
        "completion",
        "182 ms freeze",
        "Zoom: 182 ms (± 0.5 ms) freeze outage",
        "src suspended",
        "dst resumed",
        "Migration progress",
        "memory remaining",
        "disk remaining",
        "Unreachable 182 ms (± 0.5 ms) freeze",
    ] {
        assert!(s.contains(want), "missing {want:?}");
    }
    assert!(!s.contains("NaN"), "no NaN coordinates");
    // Probe-only: zoom on the longest outage, no progress panel.
    let (a, run) = probe_only(Fault::Loss);
    let s = svg_text(&a, &run);
    assert!(s.contains("Zoom: 250 ms (± 0.5 ms) loss outage"), "zoom");
    assert!(!s.contains("Migration progress"));
    // No outage, no switchover: no zoom.
    let (mut a, run) = probe_only(Fault::None);
    a.outages.clear();
    a.downtime = None;
    assert!(!svg_text(&a, &run).contains("Zoom"));
}

#[test]
fn chart_survives_extreme_values() {
    let (mut a, mut run) = switchover();
    a.end_ns = RealNs(i64::MIN);
    a.outages[0].start_ns = RealNs(i64::MAX);
    a.outages[0].estimate_ns = i64::MIN;
    a.phases[0].end_ns = RealNs(i64::MIN);
    a.progress[0].memory_remaining = Some(u64::MAX);
    a.events[0].at_ns = RealNs(i64::MAX);
    run.probes[0].rtt_ns = Some(i64::MAX);
    run.probes[1].rtt_ns = Some(-5);
    run.probes[2].tx_ns = RealNs(i64::MIN);
    let s = svg_text(&a, &run);
    assert!(!s.contains("NaN"));
    let md = markdown::render(&a, &meta());
    assert!(md.starts_with("**"));
    // The report is written; reading it back refuses the impossible figure.
    let back = json::parse(&json::render(&json::build(&a, &meta()))).unwrap_err();
    assert!(
        back.to_string()
            .contains("outages[0].estimate_ms is -9223372036854.775"),
        "{back}"
    );
    // Width extremes.
    for w in [0, 1, u32::MAX] {
        assert!(svg::render(&a, &run, None, w).starts_with(b"<svg"));
    }
}

/// An hour at 1 kHz (3.6 M probes) in release; a tenth of that in debug.
#[test]
fn chart_of_an_hour_at_1khz_is_fast_and_small() {
    let n: u64 = if cfg!(debug_assertions) {
        360_000
    } else {
        3_600_000
    };
    let (from, to) = (
        T0 + (n as i64 / 2) * MS,
        T0 + (n as i64 / 2) * MS + 182 * MS,
    );
    let mut p = probes(0, n, MS, Fault::Freeze, from, to);
    for q in p.iter_mut().skip(777).step_by(9_973) {
        *q = probe(0, q.index.0, q.tx_ns.0, None);
    }
    let run = run_data(header(MS, 1), p, vec![], true);
    let (mut a, _) = probe_only(Fault::Freeze);
    a.end_ns = RealNs(T0 + n as i64 * MS);
    a.outages = vec![outage(OutageClass::Freeze, from, 182 * MS, 0, 182)];
    let d = a.downtime.as_mut().unwrap();
    d.network_ns = 182 * MS;
    d.bracket_lo_ns = 181_500 * US;
    d.bracket_hi_ns = 182_500 * US;
    a.summaries = vec![summary(0, n, n / 9_973)];
    let t = Instant::now();
    let s = svg::render(&a, &run, None, 1000);
    let took = t.elapsed();
    eprintln!("chart of {n} probes: {took:?}, {} bytes", s.len());
    assert!(s.len() < 2_000_000, "{} bytes", s.len());
    assert!(took.as_secs() < 10, "{took:?}");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("report-example-hour.svg"), &s).unwrap();
    let s = String::from_utf8(s).unwrap();
    assert!(s.contains("182 ms freeze"));
    assert!(s.contains("Zoom"));
}

/// The box of one `<text>` of a chart: left, top, right, bottom (px) and the text.
type TextBox = (f64, f64, f64, f64, String);

/// The boxes of the unrotated `<text>` elements of an SVG written by
/// plotters: the font size it wrote, DejaVu Sans's 0.6 em per character on
/// average, the anchor (start, middle, end) and the top (`dy="0.76em"`) or
/// baseline it was placed by; shrunk by a pixel each side, so touching is
/// not overlapping.
fn text_boxes(svg: &str) -> Vec<TextBox> {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let i = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[i..i + tag[i..].find('"')?].to_owned())
    };
    let mut out = Vec::new();
    for piece in svg.split("<text").skip(1) {
        let (tag, rest) = piece.split_once('>').unwrap();
        let body = rest.split("</text>").next().unwrap().trim();
        if body.is_empty() || tag.contains("transform") {
            continue;
        }
        let num = |n: &str| attr(tag, n).unwrap().parse::<f64>().unwrap();
        let (x, y, size) = (num("x"), num("y"), num("font-size"));
        let chars = body
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .chars()
            .count();
        let w = chars as f64 * size * 0.6;
        let left = match attr(tag, "text-anchor").as_deref() {
            Some("middle") => x - w / 2.0,
            Some("end") => x - w,
            _ => x,
        };
        let top = if tag.contains("dy=\"0.76em\"") {
            y
        } else {
            y - 0.76 * size
        };
        out.push((
            left + 1.0,
            top + 1.0,
            left + w - 1.0,
            top + size - 1.0,
            body.to_owned(),
        ));
    }
    out
}

/// Every pair of texts of `svg` whose boxes overlap.
fn overlapping_texts(svg: &str) -> Vec<(String, String)> {
    let b = text_boxes(svg);
    let mut out = Vec::new();
    for (i, p) in b.iter().enumerate() {
        for q in &b[i + 1..] {
            if p.0 < q.2 && q.0 < p.2 && p.1 < q.3 && q.1 < p.3 {
                out.push((p.4.clone(), q.4.clone()));
            }
        }
    }
    out
}

#[test]
fn the_overlap_check_finds_overlaps() {
    let t = |x: i32, y: i32, s: &str| {
        format!("<text x=\"{x}\" y=\"{y}\" dy=\"0.76em\" font-size=\"10.9\">\n{s}\n</text>")
    };
    let clash = format!(
        "<svg>{}{}</svg>",
        t(10, 10, "src suspended"),
        t(60, 14, "dst resumed")
    );
    assert_eq!(
        overlapping_texts(&clash),
        vec![("src suspended".to_owned(), "dst resumed".to_owned())]
    );
    let apart = format!(
        "<svg>{}{}</svg>",
        t(10, 10, "src suspended"),
        t(10, 26, "dst resumed")
    );
    assert!(overlapping_texts(&apart).is_empty());
}

/// Adds target 1 with the very same probes as target 0 (the lines coincide).
fn add_a_twin_target(a: &mut Analysis, run: &mut RunData) {
    a.targets.push(target(1));
    let mut second = run.probes.clone();
    for p in &mut second {
        p.target_id = 1;
    }
    run.probes.extend(second);
}

/// A campaign of `n` copies of the switchover, a minute apart, the first
/// (whose outage the analysis has) the headline.
fn campaign_of(n: u32) -> (Analysis, RunData) {
    let (mut a, run) = switchover();
    let one = (a.phases.clone(), a.events.clone());
    a.phases.clear();
    a.events.clear();
    for k in 0..n {
        let shift = i64::from(k) * 60 * S;
        a.phases.extend(one.0.iter().map(|p| Phase {
            start_ns: RealNs(p.start_ns.0 + shift),
            end_ns: RealNs(p.end_ns.0 + shift),
            migration: Some(k),
            ..p.clone()
        }));
        a.events.extend(one.1.iter().map(|e| EventMark {
            at_ns: RealNs(e.at_ns.0 + shift),
            ..e.clone()
        }));
    }
    a.end_ns = RealNs(a.end_ns.0 + i64::from(n - 1) * 60 * S);
    a.campaign = Some(CampaignHeadline {
        migrations: n,
        shown: Some(0),
        measured: n,
        median_network_ns: Some(182 * MS),
    });
    (a, run)
}

#[test]
fn chart_labels_do_not_overlap() {
    let (a, run) = switchover();
    let two = {
        let (mut a, mut run) = switchover();
        add_a_twin_target(&mut a, &mut run);
        (a, run)
    };
    let (ca, crun) = campaign_of(16);
    for (name, a, run) in [
        ("switchover", &a, &run),
        ("two targets", &two.0, &two.1),
        ("campaign", &ca, &crun),
    ] {
        for width in [800, 1000, 1400] {
            let s = String::from_utf8(svg::render(a, run, None, width)).unwrap();
            assert!(text_boxes(&s).len() > 20, "{name}: texts found");
            let o = overlapping_texts(&s);
            assert!(
                o.is_empty(),
                "{name} at {width} px: overlapping labels {o:?}"
            );
        }
    }
}

/// In a run of several migrations only the headline migration's phases and
/// events are labelled: each label once, not once per migration.
#[test]
fn a_campaign_labels_the_headline_migration_only() {
    let (a, run) = campaign_of(16);
    let s = String::from_utf8(svg::render(&a, &run, None, 1400)).unwrap();
    let texts: Vec<String> = text_boxes(&s).into_iter().map(|b| b.4).collect();
    for want in ["src suspended", "dst resumed"] {
        let n = texts.iter().filter(|t| *t == want).count();
        assert!(
            (1..=2).contains(&n),
            "{want:?} labelled {n} times (overview and zoom)"
        );
    }
    let n = texts
        .iter()
        .filter(|t| t.starts_with("storage_copy"))
        .count();
    assert!((1..=2).contains(&n), "storage_copy labelled {n} times");
}

/// Real run files, when `MIGPROBE_CHART_RUNS` names them (colon-separated;
/// e.g. the lab's 16-migration campaigns): `migprobe report` draws each
/// chart with no overlapping labels.
#[test]
fn lab_charts_have_no_overlapping_labels() {
    let Ok(runs) = std::env::var("MIGPROBE_CHART_RUNS") else {
        eprintln!("MIGPROBE_CHART_RUNS not set: skipped");
        return;
    };
    for run in runs.split(':').filter(|r| !r.is_empty()) {
        let out = tempfile::tempdir().unwrap();
        let st = std::process::Command::new(env!("CARGO_BIN_EXE_migprobe"))
            .args(["report", run, "--quiet", "--out"])
            .arg(out.path())
            .status()
            .unwrap();
        assert!(st.success(), "report {run}");
        let s = std::fs::read_to_string(out.path().join("chart.svg")).unwrap();
        let o = overlapping_texts(&s);
        assert!(o.is_empty(), "{run}: overlapping labels {o:?}");
    }
}

/// Progress samples with nothing left to copy (or no figures) draw no panel.
#[test]
fn an_empty_progress_panel_is_omitted() {
    let (mut a, run) = switchover();
    assert!(svg_text(&a, &run).contains("Migration progress"));
    for p in &mut a.progress {
        p.memory_remaining = Some(0);
        p.disk_remaining = None;
        p.data_remaining = None;
    }
    assert!(
        !svg_text(&a, &run).contains("Migration progress"),
        "all zero"
    );
    for p in &mut a.progress {
        p.memory_remaining = None;
    }
    assert!(
        !svg_text(&a, &run).contains("Migration progress"),
        "no figures"
    );
}

/// The polylines of `svg` drawn in `colour`, as their stroke widths.
fn stroke_widths(svg: &str, colour: &str) -> Vec<u32> {
    svg.split("<polyline")
        .skip(1)
        .filter(|p| p.contains(&format!("stroke=\"{colour}\"")))
        .filter_map(|p| {
            p.split("stroke-width=\"")
                .nth(1)?
                .split('"')
                .next()?
                .parse()
                .ok()
        })
        .collect()
}

/// Two targets with the same RTT both stay visible: the first wide, the second thin on top.
#[test]
fn two_targets_get_distinct_strokes() {
    let (mut a, mut run) = switchover();
    let one = svg_text(&a, &run);
    assert!(
        !stroke_widths(&one, "#1F77B4").contains(&3),
        "a lone target is not drawn wide"
    );
    add_a_twin_target(&mut a, &mut run);
    let s = svg_text(&a, &run);
    // The first target's colour is the memory line's too (2 px) and the
    // envelope's outline (1 px): its RTT lines are the 3 px ones.
    let (first, other) = (stroke_widths(&s, "#1F77B4"), stroke_widths(&s, "#2CA02C"));
    assert!(first.contains(&3), "{first:?}");
    assert!(
        !other.is_empty() && other.iter().all(|w| *w == 1),
        "{other:?}"
    );
    let (p1, p2) = (
        s.find("stroke=\"#1F77B4\" stroke-width=\"3\"").unwrap(),
        s.find("stroke=\"#2CA02C\"").unwrap(),
    );
    assert!(p1 < p2, "the wide line is drawn first, under the thin one");
}

/// The outage is shaded in a colour no phase band has (the switchover is orange).
#[test]
fn the_outage_shade_differs_from_the_switchover() {
    let (a, run) = switchover();
    let s = svg_text(&a, &run);
    let fills = |opacity: &str| -> Vec<String> {
        s.split("<rect")
            .skip(1)
            .filter(|r| r.contains(&format!("opacity=\"{opacity}\"")))
            .filter_map(|r| Some(r.split("fill=\"").nth(1)?.split('"').next()?.to_owned()))
            .collect()
    };
    let (outage, phases) = (fills("0.2"), fills("0.13"));
    assert!(
        phases.contains(&"#FF7F0E".to_owned()),
        "switchover band: {phases:?}"
    );
    assert!(!outage.is_empty(), "outage shaded");
    let rgb = |c: &str| -> [f64; 3] {
        [1, 3, 5].map(|i| f64::from(u8::from_str_radix(&c[i..i + 2], 16).unwrap()))
    };
    for c in &outage {
        assert!(!phases.contains(c), "outage {c} is a phase colour");
        let (o, sw) = (rgb(c), rgb("#FF7F0E"));
        let d = (0..3).map(|i| (o[i] - sw[i]).powi(2)).sum::<f64>().sqrt();
        assert!(
            d > 150.0,
            "outage {c} is close to the switchover's orange ({d:.0})"
        );
    }
}

// ---------------------------------------------------------------- all outputs

#[test]
fn render_all_and_formats() {
    let (a, run) = switchover();
    let meta = ReportMeta::new(
        Path::new("/tmp/run1"),
        &["migprobe".into(), "report".into()],
        &run,
    );
    assert_eq!(meta.host, "prober1");
    assert_eq!(meta.hypervisors["dst"]["hostname"], "dst-host");
    assert_eq!(meta.run_dir.as_deref(), Some("/tmp/run1"));
    let out = report::render_all(&a, &run, &meta, 1000);
    assert!(out.markdown.starts_with("**The guest was unreachable"));
    assert!(out.bytes(Format::Svg).starts_with(b"<svg"));
    schema_check::assert_valid(out.bytes(Format::Json));
    let r = json::parse(out.bytes(Format::Json)).unwrap();
    assert_eq!(r.run.hypervisors["src"]["libvirt_version"], "9.0.0");
    assert_eq!(r.run.run_argv, vec!["migprobe", "run", "192.0.2.10"]);
    assert_eq!(
        report::parse_formats("svg,json").unwrap(),
        vec![Format::Svg, Format::Json]
    );
    let e = report::parse_formats("json,html").unwrap_err().to_string();
    assert!(e.contains("\"html\""), "{e}");
}

/// Writes target/report-example.{svg,md,json} to look at (e.g. `rsvg-convert`).
#[test]
fn writes_example_outputs() {
    let (a, run) = switchover();
    let out = report::render_all(&a, &run, &meta(), 1000);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("report-example.svg"), &out.svg).unwrap();
    std::fs::write(dir.join("report-example.md"), &out.markdown).unwrap();
    std::fs::write(dir.join("report-example.json"), &out.json).unwrap();
    let (a, run) = probe_only(Fault::Loss);
    std::fs::write(
        dir.join("report-example-loss.svg"),
        svg::render(&a, &run, None, 1000),
    )
    .unwrap();
}

/// Two targets, the second one lossy; the switchover without an outage is still zoomed.
#[test]
fn chart_of_two_targets_and_a_switchover_without_outage() {
    let (mut a, mut run) = switchover();
    a.outages.clear();
    a.downtime = None;
    a.targets.push(target(1));
    a.summaries.push(summary(1, 60_000, 60));
    run.probes = probes(0, 60_000, MS, Fault::None, 0, 0);
    let mut second = probes(
        1,
        60_000,
        MS,
        Fault::Loss,
        T0 + 10 * S,
        T0 + 10 * S + 60 * MS,
    );
    for p in &mut second {
        p.rtt_ns = p.rtt_ns.map(|r| r * 3);
    }
    run.probes.extend(second);
    let s = svg_text(&a, &run);
    assert!(s.contains("Zoom on the switchover"), "zoom without outage");
    assert!(
        s.contains("guest1 (192.0.2.11)"),
        "legend names both targets"
    );
    assert!(
        s.contains("#1F77B4") && s.contains("#2CA02C"),
        "one colour per target"
    );
    let md = markdown::render(&a, &meta());
    assert!(md.contains("| Phase | Start | Duration | Target |"), "{md}");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("report-example-two.svg"), &s).unwrap();
    let empty = run_data(header(MS, 0), vec![], vec![], false);
    std::fs::write(
        dir.join("report-example-empty.svg"),
        svg::render(&empty_analysis(), &empty, None, 1000),
    )
    .unwrap();
}

/// Random loss over an hour-long analysis: thousands of outages and events stay bounded.
#[test]
fn thousands_of_outages_and_events_stay_small() {
    let (mut a, run) = switchover();
    a.outages = (0..5_000)
        .map(|k| {
            let mut o = outage(OutageClass::Loss, T0 + k * 11 * MS, 3 * MS, 3, 0);
            o.phase = Some(PhaseName::StorageCopy);
            o
        })
        .collect();
    let kinds = [
        "suspended",
        "resumed",
        "migration_iteration",
        "qemu_stop",
        "other",
    ];
    a.events = (0..3_000)
        .map(|k| EventMark {
            at_ns: RealNs(T0 + k * 17 * MS),
            origin: [Origin::Src, Origin::Dst, Origin::Local][k as usize % 3],
            kind: kinds[k as usize % kinds.len()].into(),
            label: "x".into(),
        })
        .collect();
    let t = Instant::now();
    let s = svg::render(&a, &run, None, 1000);
    eprintln!("{} bytes in {:?}", s.len(), t.elapsed());
    assert!(s.len() < 1_000_000, "{} bytes", s.len());
    let md = markdown::render(&a, &meta());
    assert!(md.contains("… and 4\u{202f}950 more (report.json lists them all)."));
    let r = json::build(&a, &meta());
    assert_eq!(r.outages.len(), 5_000);
}

/// Hypervisor events but no probes (`migprobe events` alone).
#[test]
fn events_only_run() {
    let (mut a, _) = switchover();
    let run = run_data(header(0, 0), vec![], migration_events(), true);
    a.outages.clear();
    a.downtime = None;
    a.summaries.clear();
    a.targets.clear();
    a.per_phase.clear();
    let md = markdown::render(&a, &meta());
    assert_eq!(
        first_line(&md),
        "**No probes were recorded, only hypervisor events: the network downtime is unknown. The hypervisor reported 144 ms of downtime.**"
    );
    let s = svg_text(&a, &run);
    assert!(s.contains("no data: this run has no probes"));
    assert!(s.contains("switchover"), "phases still drawn");
    assert!(s.contains("Zoom on the switchover"));
    json::parse(&json::render(&json::build(&a, &meta()))).unwrap();
}

// ---------------------------------------------------------------- campaigns

fn entry(i: u32, result: &str, network_ms: Option<f64>, start_s: i64) -> json::MigrationEntry {
    json::MigrationEntry {
        index: i,
        domain: None,
        trigger: Some(json::TriggerReport {
            argv: vec!["migrate".into()],
            exit_code: Some(i32::from(result != "completed")),
            started_ns: Some(T0 + start_s * S),
            exited_ns: Some(T0 + (start_s + 3) * S),
            duration_ms: Some(3_000.0),
        }),
        migration: Some(json::MigrationReport {
            result: result.into(),
            statistics: None,
        }),
        downtime: network_ms.map(|n| json::DowntimeReport {
            migration: None,
            target: 0,
            addr: "192.0.2.10".into(),
            network_ms: n,
            bracket_ms: [n - 0.5, n + 0.5],
            open_end: false,
            hypervisor_ms: Some(n - 40.0),
            qemu_pause_ms: Some(n - 45.0),
            qemu_pause_resolution_ms: None,
            qemu_pause_uncertainty_ms: None,
            difference_ms: Some(45.0),
            before_pause_part_ms: None,
            pause_part_ms: None,
            convergence_part_ms: None,
            class: "freeze".into(),
        }),
        phases: vec![],
        outages: vec![],
        unobserved: json::UnobservedReport::default(),
    }
}

#[test]
fn chart_of_a_campaign_has_the_strip_and_the_distribution() {
    let (a, run) = switchover();
    let entries = vec![
        entry(0, "completed", Some(194.0), 1),
        entry(1, "completed", Some(250.0), 5),
        entry(2, "failed", None, 9),
    ];
    let dist = json::Distribution {
        network_ms: Some(json::Spread {
            n: 2,
            p50: 194.0,
            p95: 250.0,
            max: 250.0,
            p95_is_max: true,
        }),
        ..Default::default()
    };
    let c = svg::Campaign {
        entries: &entries,
        distribution: &dist,
    };
    let plain = String::from_utf8(svg::render(&a, &run, None, 1000)).unwrap();
    let s = String::from_utf8(svg::render(&a, &run, Some(&c), 1000)).unwrap();
    assert!(s.trim_end().ends_with("</svg>"));
    for want in [
        "Migrations along the run (3)",
        "#1 194 ms",
        "#2 250 ms",
        "#3 failed",
        "Downtime of each migration — network median 194 ms, max 250 ms",
        "libvirt downtime",
        "QEMU pause",
        "Distribution over 3 migrations",
    ] {
        assert!(s.contains(want), "campaign chart lacks {want:?}");
    }
    assert!(!plain.contains("Migrations along the run"));
    let height = |svg: &str| {
        let h = svg.split("height=\"").nth(1).unwrap();
        h[..h.find('"').unwrap()].parse::<u32>().unwrap()
    };
    assert!(
        height(&s) > height(&plain) + 300,
        "the campaign panels add height"
    );
    // One migration is not a campaign: no extra panels.
    let one = svg::Campaign {
        entries: &entries[..1],
        distribution: &dist,
    };
    assert_eq!(
        svg::render(&a, &run, Some(&one), 1000),
        svg::render(&a, &run, None, 1000)
    );
}
