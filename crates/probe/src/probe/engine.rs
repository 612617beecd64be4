//! Matches replies to probes and decides when each probe's line is written.
//!
//! Pure state machine over [`ProbeMsg`]s: no I/O, no clock of its own.

mod lines;

use super::settled::Settled;
use super::transport::{widen, Transport};
use super::{Datagram, ProbeMsg, QueuedError};
use crate::record::{DuplicateLine, Line, ProbeError, ProbeLine, ProbeStatus, StampClock};
use crate::types::{ProbeIndex, RealNs};
use crate::wire::{self, tcp, Family, IcmpErrorKind, Message, ProbeKind, ProbePayload};
use lines::{tx_of, unanswered_line};
use std::collections::HashMap;
use std::net::IpAddr;

/// How long a reply waits for its probe's kernel TX stamp before the user-space send time is used.
pub(crate) const TX_STAMP_WAIT_NS: i64 = 20_000_000;

/// How long a reply may wait for its probe's `Sent` before it counts as foreign.
pub(crate) const ORPHAN_TTL_NS: i64 = 1_000_000_000;

/// Fixed facts the engine matches against.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Target addresses by id.
    pub targets: Vec<IpAddr>,
    /// The run's nonce.
    pub nonce: u64,
    /// Identifier our raw-socket requests carry, per family; `None` for datagram
    /// sockets (the kernel owns and checks the identifier).
    pub ident_v4: Option<u16>,
    /// As `ident_v4`, for IPv6.
    pub ident_v6: Option<u16>,
    /// Per-target probe interval.
    pub interval_ns: i64,
    /// An unanswered probe gets a provisional `pending` line after this long.
    pub pending_after_ns: i64,
}

#[derive(Debug, Clone, Copy)]
struct Reply {
    rx: RealNs,
    clock: StampClock,
    ttl: Option<u8>,
    bytes: u32,
    /// When we saw it (for the TX stamp wait).
    seen: RealNs,
}

#[derive(Debug, Clone)]
struct InFlight {
    tx_user: RealNs,
    tx_kernel: Option<RealNs>,
    reply: Option<Reply>,
    dup: u32,
    pending_written: bool,
}

/// Counters for the live view, per target.
#[derive(Debug, Clone, Copy, Default)]
pub struct Live {
    /// Probes sent.
    pub sent: u64,
    /// Probes answered.
    pub answered: u64,
    /// Probes currently unanswered for longer than the pending threshold.
    pub waiting: u64,
    /// Errors (send or ICMP).
    pub errors: u64,
    /// Skipped slots.
    pub skipped: u64,
    /// Duplicates.
    pub dups: u64,
    /// Last RTT.
    pub last_rtt_ns: Option<i64>,
    /// Largest RTT.
    pub max_rtt_ns: i64,
}

/// The matching engine.
#[derive(Debug)]
pub struct Engine {
    cfg: EngineConfig,
    inflight: HashMap<(u32, u64), InFlight>,
    orphans: HashMap<(u32, u64), Reply>,
    settled: Vec<Settled>,
    /// An unanswered probe is given up (`lost`) this long after its send, if set.
    forget_after_ns: Option<i64>,
    live: Vec<Live>,
    foreign: u64,
    transport: Transport,
    /// Per target, the newest index sent (TCP answers carry 32 bits of it).
    newest: Vec<u64>,
}

impl Engine {
    /// A new engine for one run of ICMP echo probes.
    pub fn new(cfg: EngineConfig) -> Engine {
        let n = cfg.targets.len();
        Engine {
            transport: Transport::icmp(cfg.nonce),
            cfg,
            inflight: HashMap::new(),
            orphans: HashMap::new(),
            settled: vec![Settled::default(); n],
            forget_after_ns: None,
            live: vec![Live::default(); n],
            foreign: 0,
            newest: vec![0; n],
        }
    }

    /// The engine for probes sent through `transport` (TCP, UDP or ICMP).
    pub fn with_transport(self, transport: Transport) -> Engine {
        Engine { transport, ..self }
    }

    /// Gives an unanswered probe up — its `lost` line is written and its
    /// state dropped — once `ns` have passed since its send, so that the
    /// engine's memory stays bounded during a run of any length. A reply
    /// after that is recorded as a duplicate line. Without it probes wait
    /// until [`Engine::finish`].
    pub fn with_forget_after(self, ns: i64) -> Engine {
        Engine {
            forget_after_ns: Some(ns),
            ..self
        }
    }

    /// Live counters per target.
    pub fn live(&self) -> &[Live] {
        &self.live
    }

    /// Datagrams that were not replies to this run (other programs, other runs, garbage).
    pub fn foreign(&self) -> u64 {
        self.foreign
    }

    /// Applies one message; lines to write are appended to `out`.
    pub fn handle(&mut self, msg: ProbeMsg, out: &mut Vec<Line>) {
        match msg {
            ProbeMsg::Sent {
                target,
                index,
                at_user,
                tx_kernel,
            } => {
                if let Some(l) = self.live.get_mut(target as usize) {
                    l.sent += 1;
                    let newest = &mut self.newest[target as usize];
                    *newest = (*newest).max(index.0);
                    let reply = self.orphans.remove(&(target, index.0));
                    let f = InFlight {
                        tx_user: at_user,
                        tx_kernel,
                        reply,
                        dup: 0,
                        pending_written: false,
                    };
                    self.inflight.insert((target, index.0), f);
                    if reply.is_some() && tx_kernel.is_some() {
                        self.settle(target, index, out);
                    }
                }
            }
            ProbeMsg::TxStamp { target, index, at } => {
                if let Some(f) = self.inflight.get_mut(&(target, index.0)) {
                    f.tx_kernel = Some(at);
                    if f.reply.is_some() {
                        self.settle(target, index, out);
                    }
                }
            }
            ProbeMsg::SendFailed {
                target,
                index,
                at_user,
                error,
            } => {
                if (target as usize) < self.cfg.targets.len() {
                    self.live[target as usize].sent += 1;
                    let f = InFlight {
                        tx_user: at_user,
                        tx_kernel: None,
                        reply: None,
                        dup: 0,
                        pending_written: false,
                    };
                    let err = ProbeError {
                        kind: ProbeError::SEND.into(),
                        code: None,
                        from: None,
                        message: Some(error),
                    };
                    self.emit_error(target, index, f, err, None, out);
                }
            }
            ProbeMsg::Skipped {
                target,
                index,
                slot,
            } => {
                let Some(&addr) = self.cfg.targets.get(target as usize) else {
                    return;
                };
                self.live[target as usize].skipped += 1;
                self.settled[target as usize].set(index.0);
                out.push(Line::Probe(ProbeLine::without_reply(
                    addr,
                    target,
                    index,
                    (slot, StampClock::Planned),
                    ProbeStatus::Skipped,
                )));
            }
            ProbeMsg::Datagram(d) => self.on_datagram(d, out),
            ProbeMsg::QueuedIcmpError(e) => self.on_queued_error(&e, out),
            ProbeMsg::Event(e) => out.push(Line::Event(e)),
            ProbeMsg::SenderDone { .. } => {}
        }
    }

    fn on_datagram(&mut self, d: Datagram, out: &mut Vec<Line>) {
        match self.transport.kind() {
            ProbeKind::Icmp => self.on_icmp(d, out),
            ProbeKind::Tcp(_) => self.on_segment(d, out),
            ProbeKind::Udp(_) | ProbeKind::TcpSession(_) => self.on_udp(d, out),
        }
    }

    /// The probe a payload identifies, if it is one of this run's probes to `from`.
    fn own_payload(&self, payload: &[u8], from: IpAddr) -> Option<ProbePayload> {
        ProbePayload::parse(payload)
            .filter(|p| p.nonce == self.cfg.nonce)
            .filter(|p| self.cfg.targets.get(p.target as usize) == Some(&from))
    }

    /// A UDP datagram on the UDP socket, or a message cut from a TCP session's
    /// stream: the target echoed a probe's payload.
    fn on_udp(&mut self, d: Datagram, out: &mut Vec<Line>) {
        match self.own_payload(&d.bytes, d.from) {
            Some(p) => {
                let reply = Reply::of(&d, d.ttl, d.bytes.len());
                self.on_reply(p.target, ProbeIndex(p.index), reply, out)
            }
            None => self.foreign += 1,
        }
    }

    /// A TCP segment on the raw TCP socket: a SYN-ACK or RST answering a SYN, or foreign.
    fn on_segment(&mut self, d: Datagram, out: &mut Vec<Line>) {
        let Ok(seg) = tcp::decode_segment(d.family, d.with_ip_header, &d.bytes) else {
            self.foreign += 1;
            return;
        };
        let found = (0..self.cfg.targets.len() as u32)
            .filter(|&t| self.cfg.targets[t as usize] == d.from)
            .find_map(|t| Some((t, self.transport.syn_answered(t, d.family, &seg)?)));
        match found {
            Some((t, low)) => {
                let index = ProbeIndex(widen(low, self.newest[t as usize]));
                let reply = Reply::of(&d, seg.ttl.or(d.ttl), seg.len);
                self.on_reply(t, index, reply, out)
            }
            None => self.foreign += 1,
        }
    }

    fn on_icmp(&mut self, d: Datagram, out: &mut Vec<Line>) {
        let Ok(decoded) = wire::decode(d.family, d.with_ip_header, &d.bytes) else {
            self.foreign += 1;
            return;
        };
        let ttl = decoded.ttl.or(d.ttl);
        let (rx, clock) = d.rx();
        match decoded.message {
            Message::EchoReply { ident, payload, .. } => {
                let ours = self
                    .own_payload(payload, d.from)
                    .filter(|_| self.ident(d.family).is_none_or(|id| id == ident));
                let Some(p) = ours else {
                    self.foreign += 1;
                    return;
                };
                let reply = Reply::of(&d, ttl, payload.len() + 8);
                self.on_reply(p.target, ProbeIndex(p.index), reply, out);
            }
            Message::Error {
                kind,
                code,
                original_dst,
                ident,
                seq,
                payload,
            } => {
                if self.ident(d.family).is_some_and(|id| id != ident) {
                    self.foreign += 1;
                    return;
                }
                match self.locate(original_dst, seq, payload) {
                    Some((t, i)) => {
                        let err = ProbeError::icmp(kind, code, Some(d.from));
                        self.on_error(t, i, err, rx, clock, out)
                    }
                    None => self.foreign += 1,
                }
            }
            Message::Other { .. } => self.foreign += 1,
        }
    }

    /// An ICMP error from a datagram socket's error queue. A UDP probe's port
    /// unreachable from the target itself is its answer; any other error is recorded as one.
    fn on_queued_error(&mut self, e: &QueuedError, out: &mut Vec<Line>) {
        let kind = match (e.family, e.icmp_type) {
            (Family::V4, 3) | (Family::V6, 1) => IcmpErrorKind::DestinationUnreachable,
            (Family::V4, 11) | (Family::V6, 3) => IcmpErrorKind::TimeExceeded,
            (Family::V6, 2) => IcmpErrorKind::PacketTooBig,
            (Family::V4, 4) => IcmpErrorKind::SourceQuench,
            _ => IcmpErrorKind::ParameterProblem,
        };
        // The kernel keeps an echo request whole (payload after its 8-byte
        // header) and a UDP datagram's payload alone.
        let skip = match self.transport.kind() {
            ProbeKind::Udp(_) => 0,
            _ => 8,
        };
        let found = e
            .original
            .get(skip..)
            .and_then(ProbePayload::parse)
            .filter(|p| p.nonce == self.cfg.nonce && (p.target as usize) < self.cfg.targets.len());
        let Some(p) = found else {
            self.foreign += 1;
            return;
        };
        let (target, index) = (p.target, ProbeIndex(p.index));
        if self.is_udp_answer(e, target) {
            let reply = Reply {
                rx: e.at,
                clock: e.clock,
                ttl: None,
                bytes: u32::try_from(e.original.len()).unwrap_or(u32::MAX),
                seen: e.at,
            };
            return self.on_reply(target, index, reply, out);
        }
        let err = ProbeError::icmp(kind, e.code, e.offender);
        self.on_error(target, index, err, e.at, e.clock, out)
    }

    /// True when `e` is a port unreachable about a UDP probe, sent by its target.
    fn is_udp_answer(&self, e: &QueuedError, target: u32) -> bool {
        let port_unreachable = matches!(
            (e.family, e.icmp_type, e.code),
            (Family::V4, 3, 3) | (Family::V6, 1, 4)
        );
        let from_target = e
            .offender
            .is_none_or(|o| self.cfg.targets.get(target as usize) == Some(&o));
        matches!(self.transport.kind(), ProbeKind::Udp(_)) && port_unreachable && from_target
    }

    fn ident(&self, f: Family) -> Option<u16> {
        match f {
            Family::V4 => self.cfg.ident_v4,
            Family::V6 => self.cfg.ident_v6,
        }
    }

    /// Finds the probe an ICMP error is about: by payload when quoted, else by target + sequence
    /// (the newest unsettled probe with that sequence).
    fn locate(&self, dst: IpAddr, seq: u16, payload: &[u8]) -> Option<(u32, ProbeIndex)> {
        if let Some(p) = ProbePayload::parse(payload) {
            return (p.nonce == self.cfg.nonce
                && self.cfg.targets.get(p.target as usize) == Some(&dst))
            .then_some((p.target, ProbeIndex(p.index)));
        }
        let t = self.cfg.targets.iter().position(|a| *a == dst)? as u32;
        self.inflight
            .keys()
            .filter(|(tt, i)| *tt == t && ProbeIndex(*i).seq() == seq)
            .map(|(_, i)| *i)
            .max()
            .map(|i| (t, ProbeIndex(i)))
    }

    fn on_reply(&mut self, target: u32, index: ProbeIndex, reply: Reply, out: &mut Vec<Line>) {
        if let Some(f) = self.inflight.get_mut(&(target, index.0)) {
            if f.reply.is_some() {
                f.dup += 1;
                self.live[target as usize].dups += 1;
                return;
            }
            f.reply = Some(reply);
            if f.tx_kernel.is_some() {
                self.settle(target, index, out);
            }
        } else if self.settled[target as usize].get(index.0) {
            self.live[target as usize].dups += 1;
            out.push(Line::Duplicate(DuplicateLine {
                target: self.cfg.targets[target as usize],
                target_id: target,
                index,
                rx_ns: reply.rx,
            }));
        } else {
            // Its `Sent` is still on the way (the sender reports after the send), or it was
            // never sent by this run: kept briefly, then counted as foreign (see `tick`).
            self.orphans.insert((target, index.0), reply);
        }
    }

    fn on_error(
        &mut self,
        target: u32,
        index: ProbeIndex,
        err: ProbeError,
        rx: RealNs,
        clock: StampClock,
        out: &mut Vec<Line>,
    ) {
        match self.inflight.remove(&(target, index.0)) {
            Some(f) if f.reply.is_none() => {
                self.emit_error(target, index, f, err, Some((rx, clock)), out)
            }
            Some(f) => {
                // Already answered: keep the answer, the error is noise.
                self.inflight.insert((target, index.0), f);
            }
            None => self.foreign += 1,
        }
    }

    fn emit_error(
        &mut self,
        target: u32,
        index: ProbeIndex,
        f: InFlight,
        err: ProbeError,
        rx: Option<(RealNs, StampClock)>,
        out: &mut Vec<Line>,
    ) {
        let (tx, tx_clock) = tx_of(&f);
        self.live[target as usize].errors += 1;
        if f.pending_written {
            self.live[target as usize].waiting -= 1;
        }
        self.settled[target as usize].set(index.0);
        out.push(Line::Probe(ProbeLine {
            target: self.cfg.targets[target as usize],
            target_id: target,
            index,
            seq: index.seq(),
            tx_ns: tx,
            tx_clock,
            rx_ns: rx.map(|r| r.0),
            rx_clock: rx.map(|r| r.1),
            rtt_ns: rx.map(|r| r.0.since(tx)),
            ttl: None,
            bytes: None,
            dup: f.dup,
            status: ProbeStatus::Error,
            error: Some(Box::new(err)),
        }));
    }

    /// Writes the `ok` line of an answered probe and forgets it.
    fn settle(&mut self, target: u32, index: ProbeIndex, out: &mut Vec<Line>) {
        let Some(f) = self.inflight.remove(&(target, index.0)) else {
            return;
        };
        let Some(r) = f.reply else {
            self.inflight.insert((target, index.0), f);
            return;
        };
        let (tx, tx_clock) = tx_of(&f);
        let rtt = r.rx.since(tx);
        let live = &mut self.live[target as usize];
        live.answered += 1;
        live.last_rtt_ns = Some(rtt);
        live.max_rtt_ns = live.max_rtt_ns.max(rtt);
        if f.pending_written {
            live.waiting -= 1;
        }
        self.settled[target as usize].set(index.0);
        out.push(Line::Probe(ProbeLine {
            target: self.cfg.targets[target as usize],
            target_id: target,
            index,
            seq: index.seq(),
            tx_ns: tx,
            tx_clock,
            rx_ns: Some(r.rx),
            rx_clock: Some(r.clock),
            rtt_ns: Some(rtt),
            ttl: r.ttl,
            bytes: Some(r.bytes),
            dup: f.dup,
            status: ProbeStatus::Ok,
            error: None,
        }));
    }

    /// Time-driven work at realtime `now`: settles replies whose TX stamp never came,
    /// writes provisional `pending` lines for probes waiting too long, gives
    /// up probes past the forget horizon and trims the settled window.
    pub fn tick(&mut self, now: RealNs, out: &mut Vec<Line>) {
        let before = self.orphans.len();
        self.orphans
            .retain(|_, r| now.since(r.seen) < ORPHAN_TTL_NS);
        self.foreign += (before - self.orphans.len()) as u64;
        let mut ready = Vec::new();
        let mut given_up = Vec::new();
        let mut oldest = self.newest.clone();
        for (&(t, i), f) in self.inflight.iter_mut() {
            let waited = now.since(f.tx_user);
            match f.reply {
                Some(r) if now.since(r.seen) >= TX_STAMP_WAIT_NS => ready.push((t, ProbeIndex(i))),
                None if self.forget_after_ns.is_some_and(|h| waited >= h) => {
                    given_up.push((t, i));
                    continue;
                }
                None if !f.pending_written && waited >= self.cfg.pending_after_ns => {
                    f.pending_written = true;
                    self.live[t as usize].waiting += 1;
                    out.push(Line::Probe(unanswered_line(
                        &self.cfg,
                        t,
                        ProbeIndex(i),
                        f,
                        ProbeStatus::Pending,
                    )));
                }
                _ => {}
            }
            oldest[t as usize] = oldest[t as usize].min(i);
        }
        ready.sort_unstable_by_key(|&(t, i)| (t, i));
        for (t, i) in ready {
            self.settle(t, i, out);
        }
        given_up.sort_unstable();
        for (t, i) in given_up {
            self.give_up(t, i, out);
        }
        if self.forget_after_ns.is_some() {
            for (s, o) in self.settled.iter_mut().zip(oldest) {
                s.forget_below(o);
            }
        }
    }

    /// Writes the `lost` line of an unanswered probe and forgets it.
    fn give_up(&mut self, t: u32, i: u64, out: &mut Vec<Line>) {
        let Some(f) = self.inflight.remove(&(t, i)) else {
            return;
        };
        if f.pending_written {
            self.live[t as usize].waiting -= 1;
        }
        self.settled[t as usize].set(i);
        out.push(Line::Probe(unanswered_line(
            &self.cfg,
            t,
            ProbeIndex(i),
            &f,
            ProbeStatus::Lost,
        )));
    }

    /// Ends the run: answered probes are written, everything else is lost.
    pub fn finish(&mut self, out: &mut Vec<Line>) {
        self.foreign += self.orphans.drain().count() as u64;
        let mut keys: Vec<(u32, u64)> = self.inflight.keys().copied().collect();
        keys.sort_unstable();
        for (t, i) in keys {
            let answered = self
                .inflight
                .get(&(t, i))
                .is_some_and(|f| f.reply.is_some());
            if answered {
                self.settle(t, ProbeIndex(i), out);
            } else {
                self.give_up(t, i, out);
            }
        }
    }
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
