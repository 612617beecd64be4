//! Two guests migrating at once: each guest's analysis has its own targets,
//! events, phases and downtime; the merged report gives each its own entry.

use super::*;
use crate::analysis::campaign::{by_guest, merge};
use crate::analysis::verdict::Outcome;
use crate::analysis::{analyze, per_migration};
use crate::report::{render_campaign, ReportMeta};
use migprobe_probe::record::kinds::{self, EventKind};
use migprobe_probe::record::{
    EventLine, Header, Origin, ProbeLine, ProbeStatus, StampClock, TargetInfo,
};
use migprobe_probe::types::{ProbeIndex, RealNs};
use migprobe_probe::wire::Family;
use serde_json::json;

const T0: i64 = 1_795_651_200_000_000_000;
const MS: i64 = 1_000_000;
const N: u64 = 8_000;

/// Target `t` (guest vm1 for 0, vm2 for 1, none for 2) is frozen for
/// `[from, from + len)` ms: those probes are answered when it ends.
fn probes(t: u32, from: u64, len: u64) -> Vec<ProbeLine> {
    (0..N)
        .map(|i| {
            let tx = T0 + i as i64 * MS;
            let rtt = if (from..from + len).contains(&i) {
                (from + len - i) as i64 * MS
            } else {
                200_000
            };
            ProbeLine {
                rx_ns: Some(RealNs(tx + rtt)),
                rx_clock: Some(StampClock::Kernel),
                rtt_ns: Some(rtt),
                ttl: Some(64),
                ..ProbeLine::without_reply(
                    format!("192.0.2.{}", 21 + t).parse().unwrap(),
                    t,
                    ProbeIndex(i),
                    (RealNs(tx), StampClock::Kernel),
                    ProbeStatus::Ok,
                )
            }
        })
        .collect()
}

fn event(ms: i64, origin: Origin, kind: EventKind, domain: Option<&str>) -> EventLine {
    EventLine {
        at_ns: RealNs(T0 + ms * MS),
        source_ts_ns: None,
        origin,
        kind,
        detail: domain.map_or_else(|| json!({}), |d| json!({ "domain": d })),
        raw: None,
    }
}

/// A guest's migration: its trigger at `start`, QEMU's stop/resume around
/// `pause` (ms), its job completed after.
fn migration(d: &str, index: u32, start: i64, pause: (i64, i64)) -> Vec<EventLine> {
    let mut started = event(start, Origin::Local, kinds::TRIGGER_STARTED, Some(d));
    started.detail["migration"] = index.into();
    let mut exited = event(pause.1 + 300, Origin::Local, kinds::TRIGGER_EXITED, Some(d));
    exited.detail["code"] = 0.into();
    vec![
        started,
        event(pause.0, Origin::Src, kinds::QEMU_STOP, Some(d)),
        event(pause.1, Origin::Dst, kinds::QEMU_RESUME, Some(d)),
        event(pause.1 + 100, Origin::Src, kinds::JOB_COMPLETED, Some(d)),
        exited,
    ]
}

fn target(id: u32, domain: Option<&str>) -> TargetInfo {
    let addr = format!("192.0.2.{}", 21 + id).parse().unwrap();
    TargetInfo {
        id,
        addr,
        name: addr.to_string(),
        family: Family::V4,
        phase_ns: 0,
        probe: None,
        domain: domain.map(str::to_owned),
    }
}

/// vm1 frozen 3000-3400 ms, vm2 frozen 3200-3350 ms (overlapping), and a
/// third target of no guest that never stops answering.
fn evacuation() -> RunData {
    let mut header = Header::without_probes(RealNs(T0), vec![]);
    header.interval_ns = MS;
    header.min_loss_run = 3;
    header.targets = vec![
        target(0, Some("vm1")),
        target(1, Some("vm2")),
        target(2, None),
    ];
    let mut probes_all = probes(0, 3_000, 400);
    probes_all.extend(probes(1, 3_200, 150));
    probes_all.extend(probes(2, 0, 0));
    let mut events = migration("vm1", 0, 1_000, (3_000, 3_400));
    events.extend(migration("vm2", 1, 1_200, (3_200, 3_350)));
    events.push(event(500, Origin::Src, kinds::CAPTURE_STARTED, None));
    events.sort_by_key(|e| e.at_ns);
    RunData {
        header,
        probes: probes_all,
        duplicates: Vec::new(),
        events,
        footer: None,
        bad_lines: Default::default(),
        unknown_types: Default::default(),
    }
}

#[test]
fn each_guest_is_analysed_over_its_own_targets_and_events() {
    let run = evacuation();
    assert_eq!(guests(&run), ["vm1", "vm2"]);
    let opts = AnalysisOptions::default();
    let per = per_migration(&run, &opts);
    assert_eq!(per.len(), 2);
    assert!(by_guest(&per));
    for (a, (guest, frozen_ms)) in per.iter().zip([("vm1", 400.0), ("vm2", 150.0)]) {
        assert_eq!(a.guest(), Some(guest));
        assert_eq!(a.targets.len(), 1, "{guest}: its own target only");
        let d = a.downtime.as_ref().expect("a headline downtime");
        let ms = d.network_ns as f64 / 1e6;
        assert!(
            (ms - frozen_ms).abs() <= 2.0,
            "{guest}: {ms} ms, want {frozen_ms}"
        );
        let m = a.migration.as_ref().expect("a verdict");
        assert_eq!(m.result, Outcome::Completed, "{guest}");
        assert!(a.outages.iter().all(|o| o.target_id == a.targets[0].id));
    }
}

#[test]
fn the_merged_report_gives_each_guest_its_entry_and_outages() {
    let run = evacuation();
    let opts = AnalysisOptions::default();
    let whole = analyze(&run, &opts);
    let per = per_migration(&run, &opts);
    let merged = merge(&whole, &per);
    let tags: Vec<(u32, Option<u32>)> = merged
        .outages
        .iter()
        .map(|o| (o.target_id, o.migration))
        .collect();
    assert_eq!(
        tags,
        [(0, Some(0)), (1, Some(1))],
        "each outage carries its guest"
    );
    assert_eq!(
        merged.campaign.as_ref().and_then(|c| c.shown),
        Some(0),
        "vm1 is the worst"
    );
    let meta = ReportMeta::new(std::path::Path::new("."), &[], &run);
    let out = render_campaign(&whole, &per, &run, &meta, 800);
    let domains: Vec<Option<String>> = out
        .report
        .migrations
        .iter()
        .map(|m| m["domain"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(domains, [Some("vm1".into()), Some("vm2".into())]);
    assert!(out.markdown.contains("| Guest |"), "{}", out.markdown);
    assert!(
        out.markdown.contains("- Triggers: one per guest (2 guests"),
        "{}",
        out.markdown
    );
    assert!(
        out.markdown.contains("(guest vm1), the worst"),
        "{}",
        out.markdown
    );
    assert_eq!(merged.migration.map(|m| m.result), Some(Outcome::Completed));
    let t = merged.trigger.expect("the guests' triggers as one");
    assert!(t.argv.is_empty(), "each guest has its own command");
    assert_eq!(
        (t.started_ns, t.exited_ns),
        (Some(RealNs(T0 + 1_000 * MS)), Some(RealNs(T0 + 3_700 * MS)))
    );
    assert_eq!(t.exit_code, Some(0));
}

#[test]
fn one_failed_guest_fails_the_evacuation() {
    let mut run = evacuation();
    // vm2's migration fails: QEMU on the source says so, and nothing resumes
    // on the destination or completes.
    run.events.retain(|e| {
        e.detail["domain"] != "vm2" || ![kinds::QEMU_RESUME, kinds::JOB_COMPLETED].contains(&e.kind)
    });
    let mut failed = event(3_300, Origin::Src, kinds::QEMU_MIGRATION, Some("vm2"));
    failed.detail["status"] = "failed".into();
    run.events.push(failed);
    run.events.sort_by_key(|e| e.at_ns);
    let opts = AnalysisOptions::default();
    let per = per_migration(&run, &opts);
    let results: Vec<Outcome> = per
        .iter()
        .filter_map(|a| Some(a.migration.as_ref()?.result))
        .collect();
    assert_eq!(results, [Outcome::Completed, Outcome::Failed]);
    let merged = merge(&analyze(&run, &opts), &per);
    assert_eq!(merged.migration.map(|m| m.result), Some(Outcome::Failed));
}

#[test]
fn one_guest_or_none_is_no_evacuation() {
    let mut run = evacuation();
    for t in &mut run.header.targets {
        t.domain = Some("vm1".into());
    }
    assert!(guests(&run).is_empty());
    let opts = AnalysisOptions::default();
    assert!(per_guest_probes(&run, &run.probes.as_slice(), &opts).is_empty());
}
