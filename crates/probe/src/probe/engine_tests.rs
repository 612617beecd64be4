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

/// A TCP session's message (the bare payload cut from the stream) answers its
/// probe with the read's kernel stamp; an event passes through as it is.
#[test]
fn a_session_message_answers_its_probe_and_events_pass_through() {
    let transport = Transport::new(ProbeKind::TcpSession(7), 7, Default::default(), Vec::new());
    let mut e = engine(None).with_transport(transport);
    let mut out = Vec::new();
    let at = RealNs(EPOCH);
    let msg = ProbeMsg::Sent {
        target: 0,
        index: ProbeIndex(3),
        at_user: at,
        tx_kernel: None,
    };
    e.handle(msg, &mut out);
    let mut bytes = vec![0u8; 56];
    wire::ProbePayload {
        target: 0,
        nonce: 7,
        index: 3,
    }
    .write(&mut bytes);
    let rx = EPOCH + 2 * MS;
    e.handle(
        ProbeMsg::Datagram(Datagram {
            family: Family::V4,
            with_ip_header: false,
            from: "192.0.2.10".parse().unwrap(),
            rx_kernel: Some(RealNs(rx)),
            rx_user: RealNs(rx + 30_000),
            ttl: None,
            bytes,
        }),
        &mut out,
    );
    e.tick(RealNs(rx + 30_000 + TX_STAMP_WAIT_NS), &mut out);
    let probe = out.iter().find_map(|l| match l {
        Line::Probe(p) => Some(p.clone()),
        _ => None,
    });
    let p = probe.expect("the probe is settled");
    assert_eq!((p.status, p.rtt_ns), (ProbeStatus::Ok, Some(2 * MS)));
    assert_eq!(
        (p.tx_clock, p.rx_clock),
        (StampClock::User, Some(StampClock::Kernel))
    );
    let ev = crate::record::EventLine {
        at_ns: RealNs(rx),
        source_ts_ns: None,
        origin: crate::record::Origin::Local,
        kind: crate::record::kinds::TCP_SESSION_LOST,
        detail: serde_json::json!({"target": 0}),
        raw: None,
    };
    out.clear();
    e.handle(ProbeMsg::Event(ev.clone()), &mut out);
    assert!(matches!(&out[..], [Line::Event(x)] if *x == ev));
    assert_eq!(e.foreign(), 0);
}
