//! The isochronous send grid: target i's probe k is due at
//! `start + i * interval / n + k * interval` (phases spread across the interval).

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

impl Schedule {
    /// Offset of `target`'s slots within the interval.
    pub fn phase_ns(&self, target: u32) -> i64 {
        self.interval_ns * i64::from(target) / i64::from(self.targets.max(1))
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
        let s = sched(4, Some(2), None);
        let dues: Vec<(u32, u64, i64)> = (0..)
            .map_while(|j| s.slot(j))
            .map(|x| (x.target, x.index.0, x.due.0))
            .collect();
        assert_eq!(
            dues,
            vec![
                (0, 0, 1_000),
                (1, 0, 251_000),
                (2, 0, 501_000),
                (3, 0, 751_000),
                (0, 1, 1_001_000),
                (1, 1, 1_251_000),
                (2, 1, 1_501_000),
                (3, 1, 1_751_000)
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
