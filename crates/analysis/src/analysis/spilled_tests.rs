//! The analysis and the chart of a run whose probes are in a spill (sorted
//! chunks on disk, merged) are those of the same run in memory.

use super::{analyze, analyze_probes, per_migration, per_migration_probes, AnalysisOptions};
use crate::report::{render_campaign, render_campaign_probes, ReportMeta};
use migprobe_probe::record::kinds;
use migprobe_probe::record::spill::SpillWriter;
use migprobe_probe::record::{
    EventLine, Header, Origin, ProbeLine, ProbeStatus, RunData, StampClock, TargetInfo,
};
use migprobe_probe::types::{ProbeIndex, RealNs};
use migprobe_probe::wire::Family;
use std::collections::HashMap;

const T0: i64 = 1_795_651_200_000_000_000;
const MS: i64 = 1_000_000;
const N: u64 = 6_000;

fn probe(t: u32, i: u64, status: ProbeStatus, rtt: Option<i64>) -> ProbeLine {
    let tx = T0 + i as i64 * MS + i64::from(t) * 10_000;
    ProbeLine {
        rx_ns: rtt.map(|r| RealNs(tx + r)),
        rx_clock: rtt.map(|_| StampClock::Kernel),
        rtt_ns: rtt,
        ttl: rtt.map(|_| 64),
        ..ProbeLine::without_reply(
            format!("192.0.2.{}", 10 + t).parse().unwrap(),
            t,
            ProbeIndex(i),
            (RealNs(tx), StampClock::Kernel),
            status,
        )
    }
}

/// Lines of three targets in the order a run writes them: target 0 freezes
/// for 150 probes twice (queued replies), target 1 loses 400 probes (pending
/// lines first, `lost` lines at the end), target 2 skips a few slots.
fn lines() -> Vec<ProbeLine> {
    let mut out = Vec::new();
    let mut lost_later = Vec::new();
    for i in 0..N {
        for t in 0..3 {
            let base = 60_000 + ((i * 7 + u64::from(t) * 13) % 40) as i64 * 1_000;
            let freeze = [2_000, 4_500].iter().find(|&&s| (s..s + 150).contains(&i));
            let p = match (t, freeze) {
                (0, Some(&s)) => {
                    let rtt = (s + 150 - i) as i64 * MS + base;
                    probe(t, i, ProbeStatus::Ok, Some(rtt))
                }
                (1, _) if (3_000..3_400).contains(&i) => {
                    lost_later.push(probe(t, i, ProbeStatus::Lost, None));
                    probe(t, i, ProbeStatus::Pending, None)
                }
                (2, _) if i % 997 == 5 => probe(t, i, ProbeStatus::Skipped, None),
                _ => probe(t, i, ProbeStatus::Ok, Some(base)),
            };
            out.push(p);
        }
    }
    out.extend(lost_later);
    out
}

fn event(at_ms: i64, origin: Origin, kind: kinds::EventKind) -> EventLine {
    EventLine {
        at_ns: RealNs(T0 + at_ms * MS),
        source_ts_ns: None,
        origin,
        kind,
        detail: serde_json::json!({}),
        raw: None,
    }
}

fn run(probes: Vec<ProbeLine>, migrations: &[i64]) -> RunData {
    let mut header = Header::without_probes(RealNs(T0), vec![]);
    header.interval_ns = MS;
    header.min_loss_run = 3;
    header.targets = (0..3)
        .map(|t| TargetInfo {
            id: t,
            addr: format!("192.0.2.{}", 10 + t).parse().unwrap(),
            name: format!("g{t}"),
            family: Family::V4,
            phase_ns: i64::from(t) * 10_000,
            probe: None,
            domain: None,
        })
        .collect();
    let mut events = Vec::new();
    for &m in migrations {
        events.push(event(m, Origin::Local, kinds::TRIGGER_STARTED));
        events.push(event(m + 950, Origin::Src, kinds::SUSPENDED));
        events.push(event(m + 1_060, Origin::Dst, kinds::RESUMED));
        events.push(event(m + 1_400, Origin::Local, kinds::TRIGGER_EXITED));
    }
    RunData {
        header,
        probes,
        duplicates: Vec::new(),
        events,
        footer: None,
        bad_lines: Default::default(),
        unknown_types: HashMap::new(),
    }
}

#[test]
fn a_spilled_run_reads_as_the_same_run_in_memory() {
    let raw = lines();
    for migrations in [&[1_050][..], &[1_050, 3_550]] {
        let mut w = SpillWriter::with_chunk(1_000);
        raw.iter().for_each(|p| w.push(p).unwrap());
        let store = w.finish().unwrap();
        assert!(store.on_disk());
        let in_memory = run(raw.clone(), migrations);
        let opts = AnalysisOptions::default();
        let want = analyze(&in_memory, &opts);
        let meta_only = run(Vec::new(), migrations);
        assert_eq!(analyze_probes(&meta_only, &store, &opts), want);
        assert!(!want.outages.is_empty(), "the run has outages");
        let per = per_migration(&in_memory, &opts);
        assert_eq!(per_migration_probes(&meta_only, &store, &opts), per);
        // The chart reads the probes as given: give it the reduced ones.
        let mut reduced = raw.clone();
        reduced.sort_by_key(|p| (p.target_id, p.index));
        reduced.dedup_by(|later, earlier| {
            let same = (later.target_id, later.index) == (earlier.target_id, earlier.index);
            if same {
                std::mem::swap(later, earlier);
            }
            same
        });
        let reduced_run = run(reduced, migrations);
        let meta = ReportMeta::default();
        let a = render_campaign(&want, &per, &reduced_run, &meta, 1200);
        let b = render_campaign_probes(&want, &per, &store, &meta, 1200);
        assert_eq!((a.json, a.markdown), (b.json, b.markdown));
        assert!(a.svg == b.svg, "chart.svg differs");
        store.check().unwrap();
    }
}
