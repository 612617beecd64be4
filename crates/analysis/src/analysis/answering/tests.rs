use super::*;
use migprobe_probe::record::{ProbeLine, StampClock};
use migprobe_probe::types::ProbeIndex;
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
    }
}

/// `n` probes 10 ms apart, every `every`-th answered (1: all).
fn probes(id: u32, n: u64, every: u64) -> Vec<ProbeLine> {
    (0..n)
        .map(|i| {
            let status = if i % every == 0 {
                ProbeStatus::Ok
            } else {
                ProbeStatus::Lost
            };
            let tx = (RealNs(T0 + i as i64 * 10 * MS), StampClock::Kernel);
            ProbeLine::without_reply(target(id, None).addr, id, ProbeIndex(i), tx, status)
        })
        .collect()
}

#[test]
fn a_rate_limited_udp_target_is_named_with_its_share_and_the_cause() {
    let ts = [target(0, None), target(1, Some(ProbeKind::Udp(9)))];
    let (good, limited) = (probes(0, 300, 1), probes(1, 300, 100));
    let mut both = good.clone();
    both.extend(limited.clone());
    let n = notes(
        &ts,
        &both.as_slice(),
        Some(RealNs(T0 + 2_000 * MS)),
        3_000 * MS,
    );
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
    let ts = [target(0, None)];
    let by = &ps.as_slice();
    assert!(notes(&ts, by, Some(RealNs(T0 + 1_000 * MS)), 3_000 * MS).is_empty());
    // Without a trigger, the warm-up window is used: 3 s holds 200 unanswered of 300.
    let n = notes(&ts, by, None, 3_000 * MS);
    assert_eq!(n.len(), 1);
    assert!(n[0].contains("drops probes"), "{}", n[0]);
    assert!(n[0].contains("in its first 3.0 s"), "{}", n[0]);
}

#[test]
fn too_few_probes_or_a_good_share_say_nothing() {
    let ts = [target(0, Some(ProbeKind::Udp(9)))];
    let few = probes(0, 10, 100);
    assert!(notes(&ts, &few.as_slice(), None, 3_000 * MS).is_empty());
    let fine = probes(0, 300, 1);
    assert!(notes(&ts, &fine.as_slice(), None, 3_000 * MS).is_empty());
    let none: Vec<ProbeLine> = Vec::new();
    assert!(notes(&ts, &none.as_slice(), None, 3_000 * MS).is_empty());
}
