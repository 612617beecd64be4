use super::*;
use migprobe_probe::types::RealNs;
use serde_json::json;

const MS: i64 = 1_000_000;

/// A QEMU event stamped by a host `offset` ahead of the prober, arriving `latency` later.
fn qemu(origin: Origin, host_ts: i64, offset: i64, latency: i64) -> EventLine {
    EventLine {
        at_ns: RealNs(host_ts - offset + latency),
        source_ts_ns: Some(RealNs(host_ts)),
        origin,
        kind: kinds::QEMU_MIGRATION,
        detail: json!({"status": "active"}),
        raw: None,
    }
}

fn rtt(origin: Origin, at: i64, rtt_ns: i64) -> EventLine {
    EventLine {
        at_ns: RealNs(at),
        source_ts_ns: None,
        origin,
        kind: kinds::CONNECTION_RTT,
        detail: json!({"uri": "qemu+ssh://root@node01/system", "rtt_ns": rtt_ns}),
        raw: None,
    }
}

/// Both hosts' events, src +50 ms and dst −30 ms, latencies 0.3 … 4 ms, round trips 0.6 / 0.8 ms.
fn skewed() -> Vec<EventLine> {
    let t = 1_800_000_000_000_000_000;
    let lat = [4 * MS, 300_000, 2 * MS, 900_000, 3 * MS];
    let mut ev = vec![
        rtt(Origin::Src, t, 900_000),
        rtt(Origin::Src, t + 5, 600_000),
    ];
    ev.push(rtt(Origin::Dst, t, 800_000));
    for (i, l) in lat.iter().enumerate() {
        let at = t + i as i64 * 100 * MS;
        ev.push(qemu(Origin::Src, at, 50 * MS, *l));
        ev.push(qemu(Origin::Dst, at + 7 * MS, -30 * MS, l + 100_000));
    }
    ev
}

#[test]
fn skewed_hosts_are_estimated_within_their_uncertainty_and_corrected() {
    let c = estimate(&skewed());
    assert_eq!(c.len(), 2);
    let (src, dst) = (c[0], c[1]);
    assert_eq!((src.origin, dst.origin), (Origin::Src, Origin::Dst));
    for (h, truth) in [(src, 50 * MS), (dst, -30 * MS)] {
        let (lo, hi) = h.bracket_ns();
        assert!(lo <= truth && truth <= hi.unwrap(), "{h:?} vs {truth}");
        assert!((h.offset_ns - truth).abs() < MS, "{h:?} vs {truth}");
        assert!(h.corrected, "{h:?}");
        assert_eq!(h.stamped_events, 5);
    }
    assert_eq!(src.rtt_ns, Some(600_000), "the fastest round trip");
    assert_eq!(src.uncertainty_ns, Some((600_000 + HOP_FLOOR_NS) / 2));
}

#[test]
fn correction_puts_qemu_times_on_the_prober_clock_within_the_uncertainty() {
    let mut ev = skewed();
    let truth: Vec<(Origin, i64)> = ev
        .iter()
        .filter_map(|e| {
            let off = if e.origin == Origin::Src {
                50 * MS
            } else {
                -30 * MS
            };
            e.source_ts_ns.map(|s| (e.origin, s.0 - off))
        })
        .collect();
    let clocks = estimate(&ev);
    correct(&mut ev, &clocks);
    let got: Vec<(Origin, i64)> = ev
        .iter()
        .filter_map(|e| e.source_ts_ns.map(|s| (e.origin, s.0)))
        .collect();
    let widest = clocks
        .iter()
        .filter_map(|c| c.uncertainty_ns)
        .max()
        .unwrap();
    assert!(widest > 0);
    for ((o1, want), (o2, have)) in truth.iter().zip(&got) {
        assert_eq!(o1, o2);
        assert!((want - have).abs() <= widest, "{have} vs {want}");
    }
    let sum: i64 = clocks.iter().filter_map(|c| c.uncertainty_ns).sum();
    assert_eq!(pause_uncertainty_ns(&clocks), sum, "both hosts corrected");
    // Events without a host stamp are left alone.
    assert!(ev
        .iter()
        .filter(|e| e.kind == kinds::CONNECTION_RTT)
        .all(|e| e.source_ts_ns.is_none()));
}

#[test]
fn the_same_clock_is_not_corrected_and_says_nothing() {
    let t = 1_800_000_000_000_000_000;
    let ev = vec![
        rtt(Origin::Src, t, 700_000),
        qemu(Origin::Src, t, 0, 250_000),
        qemu(Origin::Src, t + MS, 0, 1_200_000),
    ];
    let c = estimate(&ev);
    assert_eq!(c.len(), 1);
    assert!(!c[0].corrected, "{:?}", c[0]);
    assert!(c[0].offset_ns.abs() <= c[0].uncertainty_ns.unwrap());
    let mut moved = ev.clone();
    correct(&mut moved, &c);
    assert_eq!(moved, ev);
    assert!(notes(&c, MS).is_empty());
    assert_eq!(pause_uncertainty_ns(&c), 0);
}

#[test]
fn without_a_round_trip_the_offset_is_a_bound_never_a_correction() {
    let t = 1_800_000_000_000_000_000;
    let ev = vec![
        qemu(Origin::Dst, t, 40 * MS, 500_000),
        qemu(Origin::Dst, t + MS, 40 * MS, 2 * MS),
    ];
    let c = estimate(&ev);
    assert_eq!(c[0].uncertainty_ns, None);
    assert!(!c[0].corrected);
    assert_eq!(c[0].bracket_ns(), (40 * MS - 500_000, None));
    let n = notes(&c, MS);
    assert_eq!(n.len(), 1);
    assert!(n[0].contains("at least 39.5 ms ahead"), "{}", n[0]);
    assert!(n[0].contains("not corrected"), "{}", n[0]);
}

#[test]
fn notes_name_the_host_the_offset_and_the_interval() {
    let c = estimate(&skewed());
    let n = notes(&c, MS);
    assert_eq!(n.len(), 2, "{n:?}");
    assert!(
        n[0].starts_with("The source host's clock is 50."),
        "{}",
        n[0]
    );
    assert!(n[1].contains("behind"), "{}", n[1]);
    assert!(notes(&c, 100 * MS).is_empty(), "within a 100 ms interval");
}

#[test]
fn hosts_without_stamped_events_get_no_estimate() {
    let ev = vec![rtt(Origin::Src, 5, 600_000)];
    assert!(estimate(&ev).is_empty());
    assert!(estimate(&[]).is_empty());
}
