//! The probe engine: schedule, send, receive, match, settle.
//!
//! Threads: one sender (the send clock), one receiver per socket, and the
//! caller's thread running the [`engine::Engine`] over a channel of
//! [`ProbeMsg`], waking every 10 ms. When sends are at most 5 ms apart the
//! sender also receives the replies between its sends (their kernel RX
//! stamps keep the precision) and the receivers only take over after the
//! last send: one wake-up per send, not three. Sockets and clocks sit behind
//! [`SendPath`] and [`Clock`] so the engine is tested with a simulated
//! network and a virtual clock.

pub mod capacity;
pub mod engine;
pub mod filter;
mod latch;
pub mod receiver;
pub mod runner;
pub mod schedule;
pub mod sender;
pub mod session;
mod settled;
mod sockets;
pub mod transport;

use crate::record::{EventLine, StampClock};
use crate::sys::mmsg::RecvBatch;
use crate::sys::ErrQueueEntry;
use crate::types::{MonoNs, ProbeIndex, RealNs};
use crate::wire::Family;
use std::io;
use std::net::IpAddr;

/// What the sender and receivers tell the engine.
#[derive(Debug, Clone)]
pub enum ProbeMsg {
    /// A probe was sent (one message per probe, after `sendto` and the error-queue drain).
    Sent {
        /// Target id.
        target: u32,
        /// Probe index.
        index: ProbeIndex,
        /// User-space realtime right before `sendto`.
        at_user: RealNs,
        /// The kernel's TX timestamp, if it was already queued (else a later `TxStamp`).
        tx_kernel: Option<RealNs>,
    },
    /// A kernel TX timestamp that was not yet queued when its probe's `Sent` went out.
    TxStamp {
        /// Target id.
        target: u32,
        /// Probe index.
        index: ProbeIndex,
        /// Kernel software TX time.
        at: RealNs,
    },
    /// `sendto` failed.
    SendFailed {
        /// Target id.
        target: u32,
        /// Probe index.
        index: ProbeIndex,
        /// User-space realtime right before `sendto`.
        at_user: RealNs,
        /// The OS error.
        error: String,
    },
    /// A slot was too late to send and was skipped.
    Skipped {
        /// Target id.
        target: u32,
        /// Probe index.
        index: ProbeIndex,
        /// The planned send time.
        slot: RealNs,
    },
    /// A datagram from a receive socket.
    Datagram(Datagram),
    /// An ICMP error from a datagram socket's error queue (our probe is quoted).
    QueuedIcmpError(QueuedError),
    /// An event to record as it is (a TCP session's connection was lost).
    Event(EventLine),
    /// The sender has stopped; nothing more will be sent.
    SenderDone {
        /// Why it stopped ("count", "duration", "interrupted", "error: ...").
        reason: String,
        /// The sender's scheduling notes (policy, skipped slots, ...).
        sched: String,
    },
}

/// A received datagram with its metadata.
#[derive(Debug, Clone)]
pub struct Datagram {
    /// Socket family.
    pub family: Family,
    /// True for raw IPv4 sockets (buffer starts with the IP header).
    pub with_ip_header: bool,
    /// Sender address.
    pub from: IpAddr,
    /// Kernel RX time if given.
    pub rx_kernel: Option<RealNs>,
    /// User-space receive time.
    pub rx_user: RealNs,
    /// TTL / hop limit from a control message.
    pub ttl: Option<u8>,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// An ICMP error about one of our probes, from a datagram socket's error queue.
#[derive(Debug, Clone)]
pub struct QueuedError {
    /// Socket family.
    pub family: Family,
    /// ICMP type.
    pub icmp_type: u8,
    /// ICMP code.
    pub code: u8,
    /// Who sent the error.
    pub offender: Option<IpAddr>,
    /// When it arrived: the kernel's RX stamp, else when it was drained.
    pub at: RealNs,
    /// Which clock `at` is from.
    pub clock: StampClock,
    /// Our probe as the kernel kept it: the echo request (ICMP), the payload (UDP).
    pub original: Vec<u8>,
}

impl ProbeMsg {
    /// The message for a queued ICMP error; `None` for other error-queue entries.
    pub(crate) fn from_queued(
        family: Family,
        entry: &ErrQueueEntry,
        now: RealNs,
    ) -> Option<ProbeMsg> {
        match entry {
            ErrQueueEntry::Icmp {
                icmp_type,
                code,
                offender,
                at,
                original,
            } => Some(ProbeMsg::QueuedIcmpError(QueuedError {
                family,
                icmp_type: *icmp_type,
                code: *code,
                offender: *offender,
                at: at.unwrap_or(now),
                clock: if at.is_some() {
                    StampClock::Kernel
                } else {
                    StampClock::User
                },
                original: original.clone(),
            })),
            _ => None,
        }
    }
}

/// The sending half of the network, as the send thread sees it.
pub trait SendPath: Send + Sync {
    /// Sends one ICMP message.
    fn send(&self, family: Family, dst: IpAddr, packet: &[u8]) -> io::Result<()>;
    /// Drains pending TX timestamps and queued errors of the `family` socket.
    fn drain(&self, family: Family, out: &mut Vec<ErrQueueEntry>);
    /// As [`SendPath::drain`], but may stop after the TX stamp with OPT_ID
    /// `key` (the datagram just sent): what is queued behind it is drained
    /// after the next send.
    fn drain_to(&self, family: Family, key: u32, out: &mut Vec<ErrQueueEntry>) {
        let _ = key;
        self.drain(family, out)
    }
    /// Receives queued replies without blocking, at most one batch per
    /// socket (the room of `batch`, its scratch space), each as a
    /// [`ProbeMsg::Datagram`] into `out`; returns how many. Paths whose
    /// replies reach the engine another way (a receive thread, a
    /// simulation) receive none.
    fn recv_replies(&self, batch: &mut RecvBatch, out: &mut Vec<ProbeMsg>) -> usize {
        let _ = (batch, out);
        0
    }
}

/// Time as the send thread sees it.
pub trait Clock: Send + Sync {
    /// CLOCK_MONOTONIC now.
    fn mono(&self) -> MonoNs;
    /// CLOCK_REALTIME now.
    fn real(&self) -> RealNs;
    /// Sleeps until the monotonic instant `t`.
    fn sleep_until(&self, t: MonoNs);
}

/// The machine's clocks.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct SystemClock;

impl Clock for SystemClock {
    fn mono(&self) -> MonoNs {
        crate::sys::monotonic_now()
    }
    fn real(&self) -> RealNs {
        crate::sys::realtime_now()
    }
    fn sleep_until(&self, t: MonoNs) {
        crate::sys::sleep_until(t)
    }
}
