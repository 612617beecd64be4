//! The application's view of one `tcp-session:PORT` connection: bytes
//! written and echoed, the longest stall of the byte stream, and how the
//! connection ended. Pure bookkeeping over (event, time) calls.
//!
//! A stall is the time between two consecutive reads that brought bytes
//! while written bytes were outstanding (not yet echoed): it starts at the
//! later of the previous read and the oldest outstanding write, and ends at
//! the read that brings bytes again. Idle time with nothing outstanding is
//! no stall. A stall still running when the connection is lost or the run
//! ends counts up to that moment and is marked open (its true end was not
//! observed).

use crate::types::RealNs;

/// The longest stall: when it began and how long it lasted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stall {
    /// Start: the last read before it, or the oldest outstanding write.
    pub start: RealNs,
    /// Length, ns.
    pub ns: i64,
    /// True when no read ended it (the connection was lost or the run ended).
    pub open: bool,
}

/// How the connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    /// When it was noticed.
    pub at: RealNs,
    /// `fin` (the peer closed), `reset` (ECONNRESET) or `error` (any other).
    pub how: &'static str,
    /// The errno, for `reset` and `error`.
    pub errno: Option<i32>,
    /// The error's text.
    pub error: String,
}

/// Counters and the longest stall of one connection.
#[derive(Debug, Clone, Default)]
pub struct AppView {
    /// Bytes handed to the kernel (or queued for it) by the prober.
    pub written: u64,
    /// Bytes that came back.
    pub echoed: u64,
    outstanding_since: Option<RealNs>,
    last_rx: Option<RealNs>,
    /// The longest stall so far.
    pub longest: Option<Stall>,
    /// The end of the connection, once seen.
    pub closed: Option<Closed>,
    /// Reads that carried a kernel RX stamp, and all reads with bytes.
    pub stamped_reads: (u64, u64),
}

impl AppView {
    /// `n` bytes were written at `at`.
    pub fn wrote(&mut self, n: usize, at: RealNs) {
        if n == 0 {
            return;
        }
        if self.written <= self.echoed {
            self.outstanding_since = Some(at);
        }
        self.written += n as u64;
    }

    /// A read brought `n` bytes at `at` (`kernel`: the time is the kernel's stamp).
    pub fn received(&mut self, n: usize, at: RealNs, kernel: bool) {
        if n == 0 {
            return;
        }
        self.stamped_reads.0 += u64::from(kernel);
        self.stamped_reads.1 += 1;
        self.stall_until(at, false);
        self.last_rx = Some(at);
        self.echoed += n as u64;
        if self.echoed >= self.written {
            self.outstanding_since = None;
        }
    }

    /// The connection ended at `c.at`; a stall running then counts up to it.
    /// Only the first end counts.
    pub fn close(&mut self, c: Closed) {
        if self.closed.is_none() {
            self.stall_until(c.at, true);
            self.closed = Some(c);
        }
    }

    /// The run ends at `at`: a stall running then counts up to it.
    pub fn finish(&mut self, at: RealNs) {
        if self.closed.is_none() {
            self.stall_until(at, true);
        }
    }

    /// Counts the stall that `at` ends (or cuts, when `open`), if bytes were outstanding.
    fn stall_until(&mut self, at: RealNs, open: bool) {
        let Some(since) = self.outstanding_since else {
            return;
        };
        let start = self.last_rx.map_or(since, |r| RealNs(r.0.max(since.0)));
        let ns = at.since(start).max(0);
        if self.longest.is_none_or(|l| ns > l.ns) {
            self.longest = Some(Stall { start, ns, open });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: i64 = 1_000_000;

    fn t(ms: i64) -> RealNs {
        RealNs(1_000_000 * MS + ms * MS)
    }

    /// Writes 24 bytes every 10 ms from `from` to `to` (exclusive), each echoed `rtt` later.
    fn steady(v: &mut AppView, from: i64, to: i64, rtt: i64) {
        for ms in (from..to).step_by(10) {
            v.wrote(24, t(ms));
            v.received(24, t(ms + rtt), true);
        }
    }

    #[test]
    fn a_steady_echo_stalls_for_its_round_trip_only() {
        let mut v = AppView::default();
        steady(&mut v, 0, 1000, 1);
        v.finish(t(2000));
        assert_eq!((v.written, v.echoed), (2400, 2400));
        let l = v.longest.unwrap();
        assert_eq!((l.ns, l.open), (MS, false), "idle time is no stall");
        assert_eq!(v.stamped_reads, (100, 100));
    }

    #[test]
    fn a_frozen_echo_stalls_from_its_last_read_to_the_flush() {
        let mut v = AppView::default();
        steady(&mut v, 0, 100, 1);
        // 91 ms: the last echo. Writes go on every 10 ms, nothing comes back
        // until 1200 ms, when everything arrives in two reads.
        for ms in (100..1200).step_by(10) {
            v.wrote(24, t(ms));
        }
        v.received(24 * 50, t(1200), false);
        v.received(24 * 60, t(1201), false);
        steady(&mut v, 1210, 1300, 1);
        let l = v.longest.unwrap();
        assert_eq!(
            l,
            Stall {
                start: t(100),
                ns: 1100 * MS,
                open: false
            }
        );
        assert_eq!(v.written, v.echoed);
        assert!(v.closed.is_none());
    }

    #[test]
    fn a_lost_connection_cuts_the_stall_and_only_the_first_end_counts() {
        let mut v = AppView::default();
        steady(&mut v, 0, 50, 1);
        v.wrote(24, t(60));
        v.wrote(24, t(70));
        let reset = Closed {
            at: t(560),
            how: "reset",
            errno: Some(libc::ECONNRESET),
            error: "Connection reset by peer".into(),
        };
        v.close(reset.clone());
        v.close(Closed {
            at: t(900),
            how: "fin",
            errno: None,
            error: String::new(),
        });
        v.finish(t(5000));
        assert_eq!(v.closed, Some(reset));
        assert_eq!(
            v.longest,
            Some(Stall {
                start: t(60),
                ns: 500 * MS,
                open: true
            })
        );
        assert_eq!(v.written - v.echoed, 48);
    }

    #[test]
    fn the_run_end_cuts_a_running_stall_and_out_of_order_times_never_go_negative() {
        let mut v = AppView::default();
        v.wrote(24, t(10));
        v.received(24, t(5), true);
        assert_eq!(v.longest.map(|l| l.ns), Some(0));
        v.wrote(24, t(20));
        v.finish(t(320));
        assert_eq!(
            v.longest,
            Some(Stall {
                start: t(20),
                ns: 300 * MS,
                open: true
            })
        );
        let mut idle = AppView::default();
        idle.finish(t(1));
        idle.received(0, t(2), true);
        assert_eq!((idle.longest, idle.stamped_reads), (None, (0, 0)));
    }
}
