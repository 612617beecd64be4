//! The engine's memory bound: unanswered probes are given up after the
//! forget horizon, the settled window slides.

use super::*;

const MS: i64 = 1_000_000;
const EPOCH: i64 = 1_700_000_000_000_000_000;

fn engine(forget_after: Option<i64>) -> Engine {
    let e = Engine::new(EngineConfig {
        targets: vec!["192.0.2.10".parse().unwrap()],
        nonce: 7,
        ident_v4: None,
        ident_v6: None,
        interval_ns: MS,
        pending_after_ns: 20 * MS,
    });
    match forget_after {
        Some(ns) => e.with_forget_after(ns),
        None => e,
    }
}

fn sent(e: &mut Engine, i: u64, out: &mut Vec<Line>) {
    let at = RealNs(EPOCH + i as i64 * MS);
    let msg = ProbeMsg::Sent {
        target: 0,
        index: ProbeIndex(i),
        at_user: at,
        tx_kernel: Some(at),
    };
    e.handle(msg, out);
}

/// An echo reply datagram for probe `i`, received at `rx`.
fn reply(i: u64, rx: i64) -> ProbeMsg {
    let mut bytes = Vec::new();
    let payload = wire::ProbePayload {
        target: 0,
        nonce: 7,
        index: i,
    };
    wire::encode_echo_request(Family::V4, 0, i as u16, &payload, 24, &mut bytes);
    bytes[0] = 0;
    ProbeMsg::Datagram(Datagram {
        family: Family::V4,
        with_ip_header: false,
        from: "192.0.2.10".parse().unwrap(),
        rx_kernel: Some(RealNs(rx)),
        rx_user: RealNs(rx),
        ttl: Some(64),
        bytes,
    })
}

fn statuses(out: &[Line]) -> HashMap<u64, ProbeStatus> {
    out.iter()
        .filter_map(|l| match l {
            Line::Probe(p) => Some((p.index.0, p.status)),
            _ => None,
        })
        .collect()
}

#[test]
fn unanswered_probes_are_given_up_and_memory_stays_bounded() {
    let mut e = engine(Some(100 * MS));
    let mut out = Vec::new();
    let n = 200_000u64;
    for i in 0..n {
        sent(&mut e, i, &mut out);
        if i % 10 == 0 {
            e.tick(RealNs(EPOCH + i as i64 * MS), &mut out);
            assert!(
                e.inflight.len() <= 111,
                "{} in flight at {i}",
                e.inflight.len()
            );
            assert!(
                e.settled[0].words() <= 4,
                "settled window {}",
                e.settled[0].words()
            );
        }
    }
    e.finish(&mut out);
    let last = statuses(&out);
    assert_eq!(last.len() as u64, n);
    assert!(last.values().all(|s| *s == ProbeStatus::Lost));
    let pending = out
        .iter()
        .filter(|l| matches!(l, Line::Probe(p) if p.status == ProbeStatus::Pending))
        .count() as u64;
    assert!(
        pending > n - 200,
        "each probe got its pending line first ({pending})"
    );
    assert_eq!(e.live()[0].waiting, 0);
}

#[test]
fn a_reply_after_the_horizon_is_a_duplicate_and_one_before_it_is_an_answer() {
    let mut e = engine(Some(100 * MS));
    let mut out = Vec::new();
    for i in 0..300 {
        sent(&mut e, i, &mut out);
    }
    e.tick(RealNs(EPOCH + 300 * MS), &mut out);
    // Probe 150 was sent 150 ms ago: given up; probe 250, 50 ms ago: still waited for.
    e.handle(reply(150, EPOCH + 301 * MS), &mut out);
    e.handle(reply(250, EPOCH + 301 * MS), &mut out);
    let dups = out
        .iter()
        .filter(|l| matches!(l, Line::Duplicate(d) if d.index.0 == 150))
        .count();
    assert_eq!(dups, 1);
    let last = statuses(&out);
    assert_eq!(last[&150], ProbeStatus::Lost);
    assert_eq!(last[&250], ProbeStatus::Ok);
}

#[test]
fn without_a_horizon_a_very_late_reply_still_answers() {
    let mut e = engine(None);
    let mut out = Vec::new();
    for i in 0..300 {
        sent(&mut e, i, &mut out);
    }
    e.tick(RealNs(EPOCH + 10_000 * MS), &mut out);
    e.handle(reply(1, EPOCH + 10_001 * MS), &mut out);
    assert_eq!(statuses(&out)[&1], ProbeStatus::Ok);
}
