//! The send loop: walks the grid, sleeps to each slot, sends, collects TX stamps.

use super::schedule::Schedule;
use super::transport::Transport;
use super::{Clock, ProbeMsg, SendPath};
use crate::sys::ErrQueueEntry;
use crate::types::{ProbeIndex, RealNs};
use crate::wire::Family;
use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;

/// Longest single sleep, so a stop request is noticed within this time.
const MAX_SLEEP_NS: i64 = 50_000_000;
/// How many recent sends a late TX stamp can still be matched to.
const KEY_MEMORY: usize = 8192;

/// What the send thread needs.
#[derive(Debug, Clone)]
pub struct SenderConfig {
    /// The grid.
    pub schedule: Schedule,
    /// Realtime corresponding to `schedule.start` (for skipped slots' planned times).
    pub start_real: RealNs,
    /// Target addresses by id.
    pub targets: Vec<IpAddr>,
    /// Per-run nonce.
    pub nonce: u64,
    /// Identifier for IPv4 requests.
    pub ident_v4: u16,
    /// Identifier for IPv6 requests.
    pub ident_v6: u16,
    /// ICMP payload bytes.
    pub payload_len: usize,
    /// Busy-wait before each slot (0 = sleep only).
    pub spin_ns: i64,
}

/// Maps the kernel's OPT_ID keys (one per datagram sent on a socket) to probes.
#[derive(Debug, Default)]
struct Keys {
    next: u32,
    recent: VecDeque<(u32, u32, ProbeIndex)>,
}

impl Keys {
    fn sent(&mut self, target: u32, index: ProbeIndex) {
        if self.recent.len() == KEY_MEMORY {
            self.recent.pop_front();
        }
        self.recent.push_back((self.next, target, index));
        self.next = self.next.wrapping_add(1);
    }

    fn find(&self, key: u32) -> Option<(u32, ProbeIndex)> {
        self.recent
            .iter()
            .rev()
            .find(|e| e.0 == key)
            .map(|e| (e.1, e.2))
    }

    /// The kernel counts differently from us (e.g. a failed send consumed a key):
    /// re-anchor so that `key` is the datagram sent last.
    fn resync(&mut self, key: u32) {
        if let Some(last) = self.recent.back_mut() {
            last.0 = key;
            self.next = key.wrapping_add(1);
        }
    }
}

/// Runs the send loop of ICMP echo probes until the grid ends or `stop` is
/// set; returns why it ended.
pub fn run_sender(
    cfg: &SenderConfig,
    net: &dyn SendPath,
    clock: &dyn Clock,
    stop: &AtomicBool,
    tx: &Sender<ProbeMsg>,
) -> String {
    run_sender_via(cfg, &Transport::icmp(cfg.nonce), net, clock, stop, tx)
}

/// Runs the send loop with probes encoded by `transport` until the grid
/// ends or `stop` is set; returns why it ended.
pub fn run_sender_via(
    cfg: &SenderConfig,
    transport: &Transport,
    net: &dyn SendPath,
    clock: &dyn Clock,
    stop: &AtomicBool,
    tx: &Sender<ProbeMsg>,
) -> String {
    let sched = cfg.schedule;
    let mut keys = [Keys::default(), Keys::default()];
    let mut packet = Vec::with_capacity(8 + cfg.payload_len);
    let mut drained = Vec::new();
    let mut j = 0u64;
    loop {
        if stop.load(Ordering::Relaxed) {
            return "interrupted".into();
        }
        let Some(slot) = sched.slot(j) else {
            return if sched.count.is_some() {
                "count".into()
            } else {
                "duration".into()
            };
        };
        // Sleep (in bounded steps, to notice a stop) until just before the slot, then spin.
        let wake = slot.due.plus(-cfg.spin_ns);
        loop {
            let now = clock.mono();
            if now >= wake || stop.load(Ordering::Relaxed) {
                break;
            }
            clock.sleep_until(wake.min(now.plus(MAX_SLEEP_NS)));
        }
        if stop.load(Ordering::Relaxed) {
            continue;
        }
        while clock.mono() < slot.due {
            std::hint::spin_loop();
        }
        j += 1;
        let (t, index) = (slot.target, slot.index);
        if sched.too_late(slot.due, clock.mono()) {
            let planned = cfg.start_real.plus(slot.due.since(sched.start));
            let _ = tx.send(ProbeMsg::Skipped {
                target: t,
                index,
                slot: planned,
            });
            continue;
        }
        let dst = cfg.targets[t as usize];
        let family = Family::of(&dst);
        let ident = match family {
            Family::V4 => cfg.ident_v4,
            Family::V6 => cfg.ident_v6,
        };
        transport.encode(t, dst, ident, index, cfg.payload_len, &mut packet);
        let at_user = clock.real();
        let k = &mut keys[family as usize];
        if let Err(e) = net.send(family, dst, &packet) {
            let error = e.to_string();
            let _ = tx.send(ProbeMsg::SendFailed {
                target: t,
                index,
                at_user,
                error,
            });
            continue;
        }
        k.sent(t, index);
        drained.clear();
        net.drain(family, &mut drained);
        let tx_kernel = forward(family, &drained, k, clock, tx);
        if tx
            .send(ProbeMsg::Sent {
                target: t,
                index,
                at_user,
                tx_kernel,
            })
            .is_err()
        {
            return "error: engine gone".into();
        }
    }
}

/// Sends drained error-queue entries on as messages, resolving TX stamp keys;
/// returns the stamp of the datagram sent last (it travels in its `Sent`).
fn forward(
    family: Family,
    drained: &[ErrQueueEntry],
    k: &mut Keys,
    clock: &dyn Clock,
    tx: &Sender<ProbeMsg>,
) -> Option<RealNs> {
    let just_sent = k.next.wrapping_sub(1);
    let stamps: Vec<(u32, RealNs)> = drained
        .iter()
        .filter_map(|e| match e {
            ErrQueueEntry::TxStamp { key, at } => Some((*key, *at)),
            _ => None,
        })
        .collect();
    if let Some(&(newest, _)) = stamps.iter().max_by_key(|s| s.0) {
        if k.find(newest).is_none() && !stamps.iter().any(|s| s.0 == just_sent) {
            k.resync(newest);
        }
    }
    let just_sent = k.next.wrapping_sub(1);
    let mut own = None;
    for (key, at) in stamps {
        if key == just_sent {
            own = Some(at);
        } else if let Some((target, index)) = k.find(key) {
            let _ = tx.send(ProbeMsg::TxStamp { target, index, at });
        }
    }
    for msg in drained
        .iter()
        .filter_map(|e| ProbeMsg::from_queued(family, e, clock.real()))
    {
        let _ = tx.send(msg);
    }
    own
}
