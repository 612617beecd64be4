//! The send loop: walks the grid, sleeps to each slot, sends, collects TX stamps.

use super::receiver;
use super::schedule::{Schedule, Slot};
use super::transport::Transport;
use super::{Clock, ProbeMsg, SendPath};
use crate::sys::mmsg::RecvBatch;
use crate::sys::ErrQueueEntry;
use crate::types::{MonoNs, ProbeIndex, RealNs};
use crate::wire::Family;
use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;

/// Longest single sleep, so a stop request is noticed within this time.
const MAX_SLEEP_NS: i64 = 50_000_000;
/// Waits shorter than this are spun, not slept: on a VM a timer wake-up
/// and the two context switches cost tens of µs of CPU and cold caches.
const SLEEP_MIN_NS: i64 = 50_000;
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
    let icmp = Transport::icmp(cfg.nonce);
    run_sender_with(cfg, &icmp, net, clock, stop, tx, SendOptions::default())
}

/// What the send thread does besides sending.
#[derive(Debug, Clone, Copy, Default)]
pub struct SendOptions {
    /// Receive the replies between two sends ([`SendPath::recv_replies`])
    /// instead of leaving them to receive threads: no wake-up per reply.
    pub read_replies: bool,
    /// Spin through waits shorter than [`SLEEP_MIN_NS`] instead of sleeping.
    /// Only when the other threads have a core of their own: a real-time
    /// sender spinning on the only core starves the recorder until the
    /// kernel's real-time throttling stops it (5 % of the slots lost).
    pub spin_short_waits: bool,
}

/// Reading replies stops this long before the next wake-up.
const READ_MARGIN_NS: i64 = 20_000;

/// Runs the send loop with probes encoded by `transport` until the grid
/// ends or `stop` is set, working as `opts` says; returns why it ended.
pub fn run_sender_with(
    cfg: &SenderConfig,
    transport: &Transport,
    net: &dyn SendPath,
    clock: &dyn Clock,
    stop: &AtomicBool,
    tx: &Sender<ProbeMsg>,
    opts: SendOptions,
) -> String {
    let sched = cfg.schedule;
    let mut st = SendState {
        keys: [Keys::default(), Keys::default()],
        packet: Vec::with_capacity(8 + cfg.payload_len),
        drained: Vec::new(),
        batch: opts.read_replies.then(receiver::batch),
        replies: Vec::new(),
    };
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
        if !sleep_to(cfg, clock, stop, slot.due, opts.spin_short_waits) {
            continue;
        }
        j += 1;
        if sched.too_late(slot.due, clock.mono()) {
            let planned = cfg.start_real.plus(slot.due.since(sched.start));
            let _ = tx.send(ProbeMsg::Skipped {
                target: slot.target,
                index: slot.index,
                slot: planned,
            });
        } else if let Err(reason) = st.send(cfg, transport, net, clock, tx, slot) {
            return reason;
        }
        // While the next slot is already due (the sender is behind), replies wait,
        // for at most a batch's worth of sends.
        let next_due = sched.slot(j).map(|s| s.due);
        let caught_up = next_due.is_none_or(|d| d > clock.mono());
        if opts.read_replies && (caught_up || j % receiver::BATCH as u64 == 0) {
            let next_wake = next_due.map(|d| d.plus(-cfg.spin_ns - READ_MARGIN_NS));
            st.read_replies(net, clock, next_wake, tx);
        }
    }
}

/// Sleeps (in bounded steps, to notice a stop) until just before `due`,
/// then spins to it; false when stopped. With `spin_short`, a wait shorter
/// than [`SLEEP_MIN_NS`] is spun whole: the wake-up would cost more.
fn sleep_to(
    cfg: &SenderConfig,
    clock: &dyn Clock,
    stop: &AtomicBool,
    due: MonoNs,
    spin_short: bool,
) -> bool {
    let wake = due.plus(-cfg.spin_ns);
    let min_sleep = if spin_short { SLEEP_MIN_NS } else { 1 };
    loop {
        let now = clock.mono();
        if wake.since(now) < min_sleep || stop.load(Ordering::Relaxed) {
            break;
        }
        clock.sleep_until(wake.min(now.plus(MAX_SLEEP_NS)));
    }
    if stop.load(Ordering::Relaxed) {
        return false;
    }
    while clock.mono() < due {
        std::hint::spin_loop();
    }
    true
}

/// The send thread's buffers and TX stamp keys.
struct SendState {
    keys: [Keys; 2],
    packet: Vec<u8>,
    drained: Vec<ErrQueueEntry>,
    batch: Option<RecvBatch>,
    replies: Vec<ProbeMsg>,
}

impl SendState {
    /// Sends `slot`'s probe and reports it; `Err` with the reason to stop.
    fn send(
        &mut self,
        cfg: &SenderConfig,
        transport: &Transport,
        net: &dyn SendPath,
        clock: &dyn Clock,
        tx: &Sender<ProbeMsg>,
        slot: Slot,
    ) -> Result<(), String> {
        let (t, index) = (slot.target, slot.index);
        let dst = cfg.targets[t as usize];
        let family = Family::of(&dst);
        let ident = match family {
            Family::V4 => cfg.ident_v4,
            Family::V6 => cfg.ident_v6,
        };
        transport.encode(t, dst, ident, index, cfg.payload_len, &mut self.packet);
        let at_user = clock.real();
        let k = &mut self.keys[family as usize];
        if let Err(e) = net.send(family, dst, &self.packet) {
            let error = e.to_string();
            let _ = tx.send(ProbeMsg::SendFailed {
                target: t,
                index,
                at_user,
                error,
            });
            return Ok(());
        }
        k.sent(t, index);
        self.drained.clear();
        net.drain_to(family, k.next.wrapping_sub(1), &mut self.drained);
        let tx_kernel = forward(family, &self.drained, k, clock, tx);
        let sent = ProbeMsg::Sent {
            target: t,
            index,
            at_user,
            tx_kernel,
        };
        tx.send(sent).map_err(|_| "error: engine gone".to_string())
    }

    /// Receives queued replies until `next_wake` draws near (at least one batch).
    fn read_replies(
        &mut self,
        net: &dyn SendPath,
        clock: &dyn Clock,
        next_wake: Option<MonoNs>,
        tx: &Sender<ProbeMsg>,
    ) {
        let Some(batch) = self.batch.as_mut() else {
            return;
        };
        loop {
            let n = net.recv_replies(batch, &mut self.replies);
            for m in self.replies.drain(..) {
                let _ = tx.send(m);
            }
            if n < receiver::BATCH || next_wake.is_none_or(|w| clock.mono() >= w) {
                return;
            }
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
    // No allocation per send: the stamps are walked in place.
    let stamps = || {
        drained.iter().filter_map(|e| match e {
            ErrQueueEntry::TxStamp { key, at } => Some((*key, *at)),
            _ => None,
        })
    };
    if let Some((newest, _)) = stamps().max_by_key(|s| s.0) {
        if k.find(newest).is_none() && !stamps().any(|s| s.0 == just_sent) {
            k.resync(newest);
        }
    }
    let just_sent = k.next.wrapping_sub(1);
    let mut own = None;
    for (key, at) in stamps() {
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
