use super::*;
use crate::analysis::{analyze, AnalysisOptions};
use migprobe_probe::record::{
    kinds, EventLine, Header, Origin, ProbeLine, ProbeStatus, RunData, StampClock,
};
use migprobe_probe::types::{ProbeIndex, RealNs};
use migprobe_probe::wire::Family;
use std::net::IpAddr;

const MS: i64 = 1_000_000;
const T0: i64 = 1_800_000_000_000_000_000;

fn target(id: u32, probe: Option<ProbeKind>) -> TargetInfo {
    TargetInfo {
        id,
        addr: IpAddr::from([192, 0, 2, 10 + id as u8]),
        name: String::new(),
        family: Family::V4,
        phase_ns: 0,
        probe,
        domain: None,
    }
}

/// A baseline whose window held `sent` probes, `answered` of them answered.
fn baseline(target_id: u32, sent: u64, answered: u64) -> Baseline {
    Baseline {
        target_id,
        samples: answered,
        rtt_p50_ns: 0,
        rtt_p99_ns: 0,
        window_sent: sent,
        window_answered: answered,
    }
}

/// `n` probes 10 ms apart, every `every`-th answered (1: all).
fn probes(id: u32, n: u64, every: u64) -> Vec<ProbeLine> {
    (0..n)
        .map(|i| {
            let tx = T0 + i as i64 * 10 * MS;
            let mut p = ProbeLine::without_reply(
                target(id, None).addr,
                id,
                ProbeIndex(i),
                (RealNs(tx), StampClock::Kernel),
                ProbeStatus::Lost,
            );
            if i % every == 0 {
                p.status = ProbeStatus::Ok;
                p.rx_ns = Some(RealNs(tx + 100_000));
                p.rx_clock = Some(StampClock::Kernel);
                p.rtt_ns = Some(100_000);
            }
            p
        })
        .collect()
}

/// The answering notes of a run of `ps` (target 0), with a trigger at `trigger_ms`.
fn answering_notes(ps: Vec<ProbeLine>, trigger_ms: Option<i64>) -> Vec<String> {
    let mut header = Header::without_probes(RealNs(T0), Vec::new());
    header.targets = vec![target(0, None)];
    header.interval_ns = 10 * MS;
    let events = trigger_ms
        .map(|t| EventLine {
            at_ns: RealNs(T0 + t * MS),
            source_ts_ns: None,
            origin: Origin::Local,
            kind: kinds::TRIGGER_STARTED,
            detail: serde_json::json!({"argv": ["true"]}),
            raw: None,
        })
        .into_iter()
        .collect();
    let run = RunData {
        header,
        probes: ps,
        duplicates: Vec::new(),
        events,
        footer: None,
        bad_lines: Default::default(),
        unknown_types: Default::default(),
    };
    let a = analyze(&run, &AnalysisOptions::default());
    a.notes
        .into_iter()
        .filter(|n| n.contains("answered only"))
        .collect()
}

#[test]
fn a_rate_limited_udp_target_is_named_with_its_share_and_the_cause() {
    let ts = [target(0, None), target(1, Some(ProbeKind::Udp(9)))];
    let bs = [baseline(0, 200, 200), baseline(1, 200, 2)];
    let n = notes(&ts, &bs, true, 3_000 * MS);
    assert_eq!(n.len(), 1, "{n:?}");
    assert!(
        n[0].starts_with("Target 192.0.2.11 answered only 2 of 200 probes (1 %)"),
        "{}",
        n[0]
    );
    assert!(
        n[0].contains("icmp_ratelimit") && n[0].contains("tcp:PORT"),
        "{}",
        n[0]
    );
}

#[test]
fn only_the_window_before_the_migration_counts() {
    // Every probe answered for 1 s, then none: the migration's losses are not held against it.
    let mut ps = probes(0, 100, 1);
    ps.extend(probes(0, 300, 1_000).into_iter().skip(100));
    assert!(answering_notes(ps.clone(), Some(1_000)).is_empty());
    // Without a trigger, the warm-up window is used: 3 s holds 200 unanswered of 300.
    let n = answering_notes(ps, None);
    assert_eq!(n.len(), 1);
    assert!(n[0].contains("drops probes"), "{}", n[0]);
    assert!(n[0].contains("in its first 3.0 s"), "{}", n[0]);
}

#[test]
fn too_few_probes_or_a_good_share_say_nothing() {
    let ts = [target(0, Some(ProbeKind::Udp(9)))];
    assert!(notes(&ts, &[baseline(0, 10, 1)], false, 3_000 * MS).is_empty());
    assert!(notes(&ts, &[baseline(0, 300, 300)], false, 3_000 * MS).is_empty());
    assert!(notes(&ts, &[], false, 3_000 * MS).is_empty());
}
