//! The engine's small conversions: a datagram's arrival and a probe's send
//! time with the clock that stamped them, a reply from a datagram, and the
//! line of a probe that has no reply.

use super::{EngineConfig, InFlight, Reply};
use crate::probe::Datagram;
use crate::record::{ProbeLine, ProbeStatus, StampClock};
use crate::types::{ProbeIndex, RealNs};

impl Reply {
    /// The answer carried by `d`, `bytes` long.
    pub(super) fn of(d: &Datagram, ttl: Option<u8>, bytes: usize) -> Reply {
        let (rx, clock) = d.rx();
        Reply {
            rx,
            clock,
            ttl,
            bytes: u32::try_from(bytes).unwrap_or(u32::MAX),
            seen: d.rx_user,
        }
    }
}

impl Datagram {
    /// When it arrived: the kernel's stamp, else the user-space one.
    pub(super) fn rx(&self) -> (RealNs, StampClock) {
        match self.rx_kernel {
            Some(k) => (k, StampClock::Kernel),
            None => (self.rx_user, StampClock::User),
        }
    }
}

pub(super) fn tx_of(f: &InFlight) -> (RealNs, StampClock) {
    match f.tx_kernel {
        Some(k) => (k, StampClock::Kernel),
        None => (f.tx_user, StampClock::User),
    }
}

pub(super) fn unanswered_line(
    cfg: &EngineConfig,
    t: u32,
    index: ProbeIndex,
    f: &InFlight,
    status: ProbeStatus,
) -> ProbeLine {
    let mut p = ProbeLine::without_reply(cfg.targets[t as usize], t, index, tx_of(f), status);
    p.dup = f.dup;
    p
}
