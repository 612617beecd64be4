//! The probe engine against a simulated network and a virtual clock:
//! loss bursts, reordering, duplicates, very late replies, sequence wrap,
//! send errors and foreign packets — deterministic, no sockets.

use migprobe_probe::probe::engine::{Engine, EngineConfig};
use migprobe_probe::probe::schedule::Schedule;
use migprobe_probe::probe::sender::{run_sender, SenderConfig};
use migprobe_probe::probe::{Clock, Datagram, ProbeMsg, SendPath};
use migprobe_probe::record::{Line, ProbeLine, ProbeStatus, StampClock};
use migprobe_probe::sys::ErrQueueEntry;
use migprobe_probe::types::{MonoNs, RealNs};
use migprobe_probe::wire::{self, Family, ProbePayload};
use std::collections::{BTreeMap, HashMap};
use std::io;
use std::net::IpAddr;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{self, Sender};
use std::sync::Mutex;

const MS: i64 = 1_000_000;
/// Realtime = monotonic + this.
const EPOCH: i64 = 1_700_000_000_000_000_000;
/// Kernel TX stamp lags the user-space send time by this much.
const STAMP_LAG: i64 = 5_000;
const NONCE: u64 = 0xfeed_f00d;

/// What happens to probe `index` of target `t`: reply delays (empty = lost), or a send error.
#[derive(Clone)]
enum Fate {
    Replies(Vec<i64>),
    SendError,
}

struct State {
    mono: i64,
    due: BTreeMap<(i64, u64), Datagram>,
    seqno: u64,
    keys: [u32; 2],
    last_tx: [Option<(u32, i64)>; 2],
}

struct Sim {
    state: Mutex<State>,
    fate: Box<dyn Fn(u32, u64) -> Fate + Send + Sync>,
    out: Mutex<Sender<ProbeMsg>>,
}

impl Sim {
    fn release_until(&self, st: &mut State, t: i64) {
        while let Some((&(at, n), _)) = st.due.iter().next() {
            if at > t {
                break;
            }
            let d = st.due.remove(&(at, n)).unwrap();
            self.out
                .lock()
                .unwrap()
                .send(ProbeMsg::Datagram(d))
                .unwrap();
        }
    }
    fn release_all(&self) {
        let mut st = self.state.lock().unwrap();
        self.release_until(&mut st, i64::MAX);
    }
}

impl Clock for Sim {
    fn mono(&self) -> MonoNs {
        MonoNs(self.state.lock().unwrap().mono)
    }
    fn real(&self) -> RealNs {
        RealNs(self.state.lock().unwrap().mono + EPOCH)
    }
    fn sleep_until(&self, t: MonoNs) {
        let mut st = self.state.lock().unwrap();
        self.release_until(&mut st, t.0 + EPOCH);
        st.mono = st.mono.max(t.0);
    }
}

impl SendPath for Sim {
    fn send(&self, family: Family, dst: IpAddr, packet: &[u8]) -> io::Result<()> {
        let mut st = self.state.lock().unwrap();
        // Decode our own request, as a responder would.
        let mut reply = packet.to_vec();
        reply[0] = if family == Family::V4 { 0 } else { 129 };
        let p = ProbePayload::parse(&packet[8..]).expect("our payload");
        let fate = (self.fate)(p.target, p.index);
        let Fate::Replies(delays) = fate else {
            return Err(io::Error::from_raw_os_error(libc::ENETUNREACH));
        };
        let tx = st.mono + EPOCH + STAMP_LAG;
        let k = family as usize;
        st.last_tx[k] = Some((st.keys[k], tx));
        st.keys[k] += 1;
        for d in delays {
            st.seqno += 1;
            let n = st.seqno;
            st.due.insert(
                (tx + d, n),
                Datagram {
                    family,
                    with_ip_header: false,
                    from: dst,
                    rx_kernel: Some(RealNs(tx + d)),
                    rx_user: RealNs(tx + d + 2_000),
                    ttl: Some(64),
                    bytes: reply.clone(),
                },
            );
        }
        Ok(())
    }
    fn drain(&self, family: Family, out: &mut Vec<ErrQueueEntry>) {
        if let Some((key, at)) = self.state.lock().unwrap().last_tx[family as usize].take() {
            out.push(ErrQueueEntry::TxStamp {
                key,
                at: RealNs(at),
            });
        }
    }
}

struct Outcome {
    /// Final line per (target, index).
    probes: HashMap<(u32, u64), ProbeLine>,
    duplicates: usize,
    foreign: u64,
    reason: String,
}

fn simulate(
    targets: &[&str],
    count: u64,
    fate: impl Fn(u32, u64) -> Fate + Send + Sync + 'static,
    extra: Vec<Datagram>,
) -> Outcome {
    let targets: Vec<IpAddr> = targets.iter().map(|t| t.parse().unwrap()).collect();
    let (tx, rx) = mpsc::channel();
    let sim = Sim {
        state: Mutex::new(State {
            mono: 0,
            due: BTreeMap::new(),
            seqno: 0,
            keys: [0; 2],
            last_tx: [None; 2],
        }),
        fate: Box::new(fate),
        out: Mutex::new(tx.clone()),
    };
    let cfg = SenderConfig {
        schedule: Schedule {
            start: MonoNs(10 * MS),
            interval_ns: MS,
            targets: targets.len() as u32,
            count: Some(count),
            end: None,
        },
        start_real: RealNs(10 * MS + EPOCH),
        targets: targets.clone(),
        nonce: NONCE,
        ident_v4: 7,
        ident_v6: 7,
        payload_len: 40,
        spin_ns: 0,
    };
    let reason = run_sender(&cfg, &sim, &sim, &AtomicBool::new(false), &tx);
    sim.release_all();
    for d in extra {
        tx.send(ProbeMsg::Datagram(d)).unwrap();
    }
    drop(sim);
    drop(tx);
    let mut engine = Engine::new(EngineConfig {
        targets,
        nonce: NONCE,
        ident_v4: None,
        ident_v6: None,
        interval_ns: MS,
        pending_after_ns: 100 * MS,
    });
    let mut lines = Vec::new();
    for m in rx.iter() {
        engine.handle(m, &mut lines);
    }
    engine.finish(&mut lines);
    let mut probes = HashMap::new();
    let mut duplicates = 0;
    for l in lines {
        match l {
            Line::Probe(p) => {
                probes.insert((p.target_id, p.index.0), p);
            }
            Line::Duplicate(_) => duplicates += 1,
            other => panic!("unexpected line {other:?}"),
        }
    }
    Outcome {
        probes,
        duplicates,
        foreign: engine.foreign(),
        reason,
    }
}

fn status(o: &Outcome, t: u32, i: u64) -> ProbeStatus {
    o.probes[&(t, i)].status
}

#[test]
fn loss_burst_is_lost_and_nothing_else() {
    let o = simulate(
        &["192.0.2.10"],
        300,
        |_, i| {
            Fate::Replies(if (100..110).contains(&i) {
                vec![]
            } else {
                vec![MS / 4]
            })
        },
        vec![],
    );
    assert_eq!(o.reason, "count");
    assert_eq!(o.probes.len(), 300);
    for i in 0..300 {
        let want = if (100..110).contains(&i) {
            ProbeStatus::Lost
        } else {
            ProbeStatus::Ok
        };
        assert_eq!(status(&o, 0, i), want, "probe {i}");
    }
    let p = &o.probes[&(0, 5)];
    assert_eq!(p.rtt_ns, Some(MS / 4), "RTT is kernel RX - kernel TX");
    assert_eq!(
        (p.tx_clock, p.rx_clock),
        (StampClock::Kernel, Some(StampClock::Kernel))
    );
}

#[test]
fn reordered_and_very_late_replies_keep_their_true_rtt() {
    // Every 7th reply takes 30 ms (overtaken by later ones); probe 200 comes back after 5 s.
    let o = simulate(
        &["2001:db8::10"],
        400,
        |_, i| {
            Fate::Replies(vec![match i {
                200 => 5_000 * MS,
                i if i % 7 == 0 => 30 * MS,
                _ => MS / 2,
            }])
        },
        vec![],
    );
    assert!(o.probes.values().all(|p| p.status == ProbeStatus::Ok));
    assert_eq!(o.probes[&(0, 200)].rtt_ns, Some(5_000 * MS));
    assert_eq!(o.probes[&(0, 14)].rtt_ns, Some(30 * MS));
    assert_eq!(o.probes[&(0, 15)].rtt_ns, Some(MS / 2));
}

#[test]
fn duplicates_are_counted_not_double_answered() {
    let o = simulate(
        &["192.0.2.10"],
        100,
        |_, i| {
            Fate::Replies(if i == 50 {
                vec![MS, 2 * MS, 3 * MS]
            } else {
                vec![MS]
            })
        },
        vec![],
    );
    let p = &o.probes[&(0, 50)];
    assert_eq!(p.status, ProbeStatus::Ok);
    assert_eq!(p.rtt_ns, Some(MS), "first reply wins");
    assert_eq!(u64::from(p.dup) + o.duplicates as u64, 2);
}

#[test]
fn sequence_wraps_but_index_does_not() {
    let n = 65_536 + 1_000;
    let o = simulate(
        &["192.0.2.10"],
        n,
        |_, i| Fate::Replies(if i == 65_537 { vec![] } else { vec![MS / 10] }),
        vec![],
    );
    assert_eq!(o.probes.len() as u64, n);
    assert_eq!(o.probes[&(0, 65_537)].seq, 1);
    assert_eq!(status(&o, 0, 65_537), ProbeStatus::Lost);
    assert_eq!(
        status(&o, 0, 1),
        ProbeStatus::Ok,
        "same seq, earlier index: not confused"
    );
    assert_eq!(
        o.probes
            .values()
            .filter(|p| p.status == ProbeStatus::Ok)
            .count() as u64,
        n - 1
    );
}

#[test]
fn send_errors_are_recorded() {
    let o = simulate(
        &["192.0.2.10"],
        50,
        |_, i| {
            if i == 20 {
                Fate::SendError
            } else {
                Fate::Replies(vec![MS])
            }
        },
        vec![],
    );
    let p = &o.probes[&(0, 20)];
    assert_eq!(p.status, ProbeStatus::Error);
    assert_eq!(p.error.as_ref().unwrap().kind, "send");
    assert_eq!(
        status(&o, 0, 21),
        ProbeStatus::Ok,
        "key tracking survives a failed send"
    );
    assert_eq!(o.probes[&(0, 21)].tx_clock, StampClock::Kernel);
}

#[test]
fn two_targets_and_foreign_packets() {
    let mut foreign = Vec::new();
    let mut buf = Vec::new();
    // Right shape, wrong nonce; right nonce, wrong source; garbage.
    for (nonce, from) in [(NONCE + 1, "192.0.2.10"), (NONCE, "192.0.2.66")] {
        let p = ProbePayload {
            target: 0,
            nonce,
            index: 3,
        };
        wire::encode_echo_request(Family::V4, 7, 3, &p, 40, &mut buf);
        buf[0] = 0;
        foreign.push(Datagram {
            family: Family::V4,
            with_ip_header: false,
            from: from.parse().unwrap(),
            rx_kernel: None,
            rx_user: RealNs(EPOCH),
            ttl: None,
            bytes: buf.clone(),
        });
    }
    let mut garbage = foreign[0].clone();
    garbage.bytes = vec![0, 0, 1];
    foreign.push(garbage);
    let o = simulate(
        &["192.0.2.10", "2001:db8::10"],
        100,
        |t, i| {
            Fate::Replies(if t == 1 && i % 10 == 0 {
                vec![]
            } else {
                vec![MS]
            })
        },
        foreign,
    );
    assert_eq!(o.foreign, 3);
    assert_eq!(o.probes.len(), 200);
    assert_eq!(
        o.probes
            .values()
            .filter(|p| p.target_id == 0 && p.status == ProbeStatus::Ok)
            .count(),
        100
    );
    assert_eq!(
        o.probes
            .values()
            .filter(|p| p.target_id == 1 && p.status == ProbeStatus::Lost)
            .count(),
        10
    );
    // Two targets at 1 ms share a tick (one wake-up): target 1 goes out right
    // after target 0, not half an interval later.
    let d = o.probes[&(1, 0)].tx_ns.since(o.probes[&(0, 0)].tx_ns);
    assert!((0..MS / 10).contains(&d), "{d}");
}

#[test]
fn unanswered_probes_get_a_pending_line_then_a_final_one() {
    let target: IpAddr = "192.0.2.10".parse().unwrap();
    let mut e = Engine::new(EngineConfig {
        targets: vec![target],
        nonce: NONCE,
        ident_v4: None,
        ident_v6: None,
        interval_ns: MS,
        pending_after_ns: 100 * MS,
    });
    let mut out = Vec::new();
    let idx = migprobe_probe::types::ProbeIndex(0);
    e.handle(
        ProbeMsg::Sent {
            target: 0,
            index: idx,
            at_user: RealNs(EPOCH),
            tx_kernel: None,
        },
        &mut out,
    );
    e.handle(
        ProbeMsg::TxStamp {
            target: 0,
            index: idx,
            at: RealNs(EPOCH + 10),
        },
        &mut out,
    );
    e.tick(RealNs(EPOCH + 50 * MS), &mut out);
    assert!(out.is_empty());
    e.tick(RealNs(EPOCH + 101 * MS), &mut out);
    assert!(matches!(&out[..], [Line::Probe(p)] if p.status == ProbeStatus::Pending));
    e.tick(RealNs(EPOCH + 300 * MS), &mut out);
    assert_eq!(out.len(), 1, "pending is written once");
    // The late reply supersedes it.
    let mut buf = Vec::new();
    wire::encode_echo_request(
        Family::V4,
        0,
        0,
        &ProbePayload {
            target: 0,
            nonce: NONCE,
            index: 0,
        },
        24,
        &mut buf,
    );
    buf[0] = 0;
    e.handle(
        ProbeMsg::Datagram(Datagram {
            family: Family::V4,
            with_ip_header: false,
            from: target,
            rx_kernel: Some(RealNs(EPOCH + 4_000 * MS)),
            rx_user: RealNs(EPOCH + 4_000 * MS),
            ttl: Some(64),
            bytes: buf,
        }),
        &mut out,
    );
    match &out[..] {
        [_, Line::Probe(p)] => {
            assert_eq!(p.status, ProbeStatus::Ok);
            assert_eq!(p.rtt_ns, Some(4_000 * MS - 10));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_reply_overtaking_its_sent_message_is_matched() {
    let target: IpAddr = "192.0.2.10".parse().unwrap();
    let mut e = Engine::new(EngineConfig {
        targets: vec![target],
        nonce: NONCE,
        ident_v4: None,
        ident_v6: None,
        interval_ns: MS,
        pending_after_ns: 100 * MS,
    });
    let mut buf = Vec::new();
    let reply = |index: u64, buf: &mut Vec<u8>| {
        let p = ProbePayload {
            target: 0,
            nonce: NONCE,
            index,
        };
        wire::encode_echo_request(Family::V4, 0, index as u16, &p, 24, buf);
        buf[0] = 0;
        ProbeMsg::Datagram(Datagram {
            family: Family::V4,
            with_ip_header: false,
            from: target,
            rx_kernel: Some(RealNs(EPOCH + 300_000)),
            rx_user: RealNs(EPOCH + 300_000),
            ttl: Some(64),
            bytes: buf.clone(),
        })
    };
    let mut out = Vec::new();
    e.handle(reply(0, &mut buf), &mut out);
    assert!(out.is_empty());
    let idx = migprobe_probe::types::ProbeIndex(0);
    let sent = ProbeMsg::Sent {
        target: 0,
        index: idx,
        at_user: RealNs(EPOCH),
        tx_kernel: Some(RealNs(EPOCH + 100_000)),
    };
    e.handle(sent, &mut out);
    assert!(
        matches!(&out[..], [Line::Probe(p)] if p.status == ProbeStatus::Ok && p.rtt_ns == Some(200_000))
    );
    // A reply to a probe that is never announced counts as foreign after a while.
    e.handle(reply(7, &mut buf), &mut out);
    e.tick(RealNs(EPOCH + 2_000 * MS), &mut out);
    assert_eq!(e.foreign(), 1);
}
