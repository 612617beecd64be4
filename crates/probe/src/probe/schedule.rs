//! The isochronous send grid: target i's probe k is due at
//! `start + phase(i) + k * interval`.
//!
//! Rule: the targets are spread across the interval in groups that share a
//! *tick* of at most [`MAX_GROUP`] targets, and ticks are never closer than
//! [`TICK_MIN_NS`] unless groups would grow past that; an interval shorter
//! than a tick keeps every target in a tick of its own. The send thread wakes once per tick and sends the
//! group's probes back to back: a timer wake-up costs this VM about as much
//! CPU as the send itself (20–28 µs), so waking once per probe at 100 targets
//! × 100 Hz costs three times as much as waking once per millisecond. Each
//! probe still carries its own kernel TX stamp; its lateness against the grid
//! is the time the probes before it in its tick took to send.

use crate::types::{MonoNs, ProbeIndex};

/// The send grid of a run.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// Monotonic time of slot 0 of target 0.
    pub start: MonoNs,
    /// Interval per target.
    pub interval_ns: i64,
    /// Number of targets (≥ 1).
    pub targets: u32,
    /// Probes per target, if limited.
    pub count: Option<u64>,
    /// No slot at or after this instant, if limited.
    pub end: Option<MonoNs>,
}

/// One slot of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// Target id.
    pub target: u32,
    /// Probe index within the target.
    pub index: ProbeIndex,
    /// When it is due.
    pub due: MonoNs,
}

/// Ticks (one wake-up of the send thread each) are at least this far apart
/// when targets can share them.
pub const TICK_MIN_NS: i64 = 1_000_000;
/// At most this many targets share a tick (the last is sent that many sends late).
pub const MAX_GROUP: u32 = 16;

impl Schedule {
    /// How many ticks an interval has: one per target while they are at
    /// least [`TICK_MIN_NS`] apart or the interval is shorter than that;
    /// otherwise fewer, each shared by at most [`MAX_GROUP`] targets.
    pub fn ticks(&self) -> u32 {
        let n = self.targets.max(1);
        if self.interval_ns < TICK_MIN_NS {
            // Faster than a tick per target: a wake-up per probe costs less than
            // probes sent late behind their group (and skipped past half an interval).
            return n;
        }
        let fewest = n.div_ceil(MAX_GROUP);
        let fit = (self.interval_ns / TICK_MIN_NS).clamp(i64::from(fewest), i64::from(n));
        u32::try_from(fit).unwrap_or(n)
    }

    /// Time between two ticks: the shortest wait of the send thread.
    pub fn tick_ns(&self) -> i64 {
        self.interval_ns / i64::from(self.ticks())
    }

    /// Offset of `target`'s slots within the interval: the start of its tick.
    pub fn phase_ns(&self, target: u32) -> i64 {
        let (n, g) = (i64::from(self.targets.max(1)), i64::from(self.ticks()));
        let tick = i64::from(target) * g / n;
        self.interval_ns * tick / g
    }

    /// The `j`-th slot in time order, or `None` when the run is over.
    pub fn slot(&self, j: u64) -> Option<Slot> {
        let n = u64::from(self.targets.max(1));
        let (k, target) = (j / n, (j % n) as u32);
        if self.count.is_some_and(|c| k >= c) {
            return None;
        }
        let off = i64::try_from(k).ok()?.checked_mul(self.interval_ns)?;
        let due = self.start.plus(off).plus(self.phase_ns(target));
        if self.end.is_some_and(|e| due >= e) {
            return None;
        }
        Some(Slot {
            target,
            index: ProbeIndex(k),
            due,
        })
    }

    /// True when a slot due at `due` is too late to send at `now` (more than half an interval).
    pub(crate) fn too_late(&self, due: MonoNs, now: MonoNs) -> bool {
        now.since(due) > self.interval_ns / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sched(targets: u32, count: Option<u64>, end: Option<i64>) -> Schedule {
        Schedule {
            start: MonoNs(1_000),
            interval_ns: 1_000_000,
            targets,
            count,
            end: end.map(MonoNs),
        }
    }

    fn sched_at(targets: u32, interval_ns: i64) -> Schedule {
        Schedule {
            interval_ns,
            ..sched(targets, None, None)
        }
    }

    #[test]
    fn targets_share_ticks_at_least_a_millisecond_apart() {
        // 1 kHz, one target: a tick per probe, as before.
        assert_eq!(sched_at(1, 1_000_000).ticks(), 1);
        // 100 targets x 100 Hz: 10 ticks of 10 targets each, 1 ms apart.
        let s = sched_at(100, 10_000_000);
        assert_eq!(s.ticks(), 10);
        let phases: Vec<i64> = (0..100).map(|t| s.phase_ns(t)).collect();
        assert_eq!(phases[..10], [0; 10]);
        assert_eq!(phases[10], 1_000_000);
        assert_eq!(phases[99], 9_000_000);
        // Targets slower than a tick each stay alone in their own.
        let s = sched_at(4, 40_000_000);
        assert_eq!(s.ticks(), 4);
        assert_eq!(s.phase_ns(3), 30_000_000);
        // An interval shorter than a tick: every target in a tick of its own.
        let s = sched_at(4, 100_000);
        assert_eq!(s.ticks(), 4);
        assert_eq!(s.phase_ns(1), 25_000);
        // 100 targets at 1 ms: groups of at most 16.
        let s = sched_at(100, 1_000_000);
        assert_eq!(s.ticks(), 7);
        let biggest = (0..7)
            .map(|g| {
                (0..100)
                    .filter(|&t| s.phase_ns(t) == s.interval_ns * g / 7)
                    .count()
            })
            .max();
        assert_eq!(biggest, Some(15));
        // Uneven shares stay in time order.
        let s = sched_at(7, 3_000_000);
        let phases: Vec<i64> = (0..7).map(|t| s.phase_ns(t)).collect();
        assert!(phases.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(phases[6], 2_000_000);
    }

    #[test]
    fn phases_are_spread_and_order_is_by_time() {
        let s = Schedule {
            interval_ns: 4_000_000,
            ..sched(4, Some(2), None)
        };
        let dues: Vec<(u32, u64, i64)> = (0..)
            .map_while(|j| s.slot(j))
            .map(|x| (x.target, x.index.0, x.due.0))
            .collect();
        assert_eq!(
            dues,
            vec![
                (0, 0, 1_000),
                (1, 0, 1_001_000),
                (2, 0, 2_001_000),
                (3, 0, 3_001_000),
                (0, 1, 4_001_000),
                (1, 1, 5_001_000),
                (2, 1, 6_001_000),
                (3, 1, 7_001_000)
            ]
        );
    }

    #[test]
    fn end_and_lateness() {
        let s = sched(1, None, Some(3_000_000));
        assert_eq!((0..).map_while(|j| s.slot(j)).count(), 3);
        assert!(!s.too_late(MonoNs(0), MonoNs(500_000)));
        assert!(s.too_late(MonoNs(0), MonoNs(500_001)));
    }
}
