//! The isochronous send grid: target i's probe k is due at
//! `start + phase(i) + k * interval`. The phases are spread across the
//! interval in ticks at least [`MIN_TICK_NS`] apart: with more targets than
//! ticks, consecutive targets share a tick and are sent back to back on one
//! wake-up of the send thread (a wake-up costs more than a send on a VM),
//! at most [`MAX_BURST`] per tick (each one sent later than the one before
//! by the cost of a send).

use crate::types::{MonoNs, ProbeIndex};

/// Shortest time between two send ticks of a run with many targets.
pub const MIN_TICK_NS: i64 = 500_000;
/// Most targets sent back to back on one tick.
pub const MAX_BURST: i64 = 2;

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

impl Schedule {
    /// Offset of `target`'s slots within the interval: its tick's.
    pub fn phase_ns(&self, target: u32) -> i64 {
        let n = i64::from(self.targets.max(1));
        let ticks = self.ticks();
        let tick = i64::from(target) * ticks / n;
        self.interval_ns * tick / ticks
    }

    /// Distinct send times per interval: one per target, as long as they stay
    /// [`MIN_TICK_NS`] apart, and never fewer than [`MAX_BURST`] targets per tick need.
    pub fn ticks(&self) -> i64 {
        let n = i64::from(self.targets.max(1));
        let fewest = (n + MAX_BURST - 1) / MAX_BURST;
        (self.interval_ns / MIN_TICK_NS).max(fewest).clamp(1, n)
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

    #[test]
    fn phases_are_spread_and_order_is_by_time() {
        let s = Schedule {
            interval_ns: 4 * MIN_TICK_NS,
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
                (1, 0, 501_000),
                (2, 0, 1_001_000),
                (3, 0, 1_501_000),
                (0, 1, 2_001_000),
                (1, 1, 2_501_000),
                (2, 1, 3_001_000),
                (3, 1, 3_501_000)
            ]
        );
    }

    #[test]
    fn targets_share_ticks_at_least_the_minimum_apart() {
        // 4 ms for 6 targets: a tick each (eight would fit); 1 ms: three ticks of two.
        let s = Schedule {
            interval_ns: 4_000_000,
            ..sched(6, Some(1), None)
        };
        assert_eq!(s.ticks(), 6);
        let many = Schedule {
            interval_ns: 1_000_000,
            ..sched(6, Some(1), None)
        };
        assert_eq!(many.ticks(), 3);
        let phases: Vec<i64> = (0..6).map(|t| many.phase_ns(t)).collect();
        assert_eq!(phases, vec![0, 0, 333_333, 333_333, 666_666, 666_666]);
        let dues: Vec<i64> = (0..).map_while(|j| s.slot(j)).map(|x| x.due.0).collect();
        assert!(dues.windows(2).all(|w| w[0] <= w[1]), "{dues:?}");
        // Fewer targets than ticks: one tick each, spread evenly.
        let one = sched(1, None, None);
        assert_eq!((one.ticks(), one.phase_ns(0)), (1, 0));
        let wide = Schedule {
            interval_ns: 1_000_000_000,
            ..sched(4, None, None)
        };
        let phases: Vec<i64> = (0..4).map(|t| wide.phase_ns(t)).collect();
        assert_eq!(phases, vec![0, 250_000_000, 500_000_000, 750_000_000]);
    }

    #[test]
    fn end_and_lateness() {
        let s = sched(1, None, Some(3_000_000));
        assert_eq!((0..).map_while(|j| s.slot(j)).count(), 3);
        assert!(!s.too_late(MonoNs(0), MonoNs(500_000)));
        assert!(s.too_late(MonoNs(0), MonoNs(500_001)));
    }
}
