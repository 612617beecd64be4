//! The reduced probes of a run, wherever they are kept: a slice in memory
//! ([`RunData::probes`](super::RunData)) or a spill on disk
//! ([`super::spill::ProbeStore`]). The analysis reads them through
//! [`Probes`], scan after scan, so a run of any length can be analysed in
//! bounded memory.

use super::schema::ProbeLine;
use std::borrow::Cow;
use std::collections::BTreeSet;

/// Probes one after the other: borrowed from memory or decoded from disk.
pub type ProbeIter<'a> = Box<dyn Iterator<Item = Cow<'a, ProbeLine>> + 'a>;

/// A run's probes, scanned as often as needed.
pub trait Probes {
    /// Every probe, in the set's order: (target_id, index) for a reduced run
    /// file, a slice's own order for a slice.
    fn scan(&self) -> ProbeIter<'_>;

    /// The probes of target `id`, in index order. For a slice this needs
    /// the slice in (target_id, index) order.
    fn of_target(&self, id: u32) -> ProbeIter<'_>;

    /// The target ids that have probes, ascending, each once.
    fn target_ids(&self) -> Vec<u32>;

    /// True when there is no probe.
    fn is_empty(&self) -> bool;
}

impl Probes for &[ProbeLine] {
    fn scan(&self) -> ProbeIter<'_> {
        Box::new(self.iter().map(Cow::Borrowed))
    }

    fn of_target(&self, id: u32) -> ProbeIter<'_> {
        let lo = self.partition_point(|p| p.target_id < id);
        let hi = lo + self[lo..].partition_point(|p| p.target_id == id);
        Box::new(self[lo..hi].iter().map(Cow::Borrowed))
    }

    fn target_ids(&self) -> Vec<u32> {
        distinct_targets(self.scan())
    }

    fn is_empty(&self) -> bool {
        <[ProbeLine]>::is_empty(self)
    }
}

/// The probes of `inner` sent in `[lo, hi)` (realtime ns): one migration's
/// share of a run with several.
pub struct Window<'a> {
    inner: &'a dyn Probes,
    lo: i64,
    hi: i64,
}

impl<'a> Window<'a> {
    /// The probes of `inner` sent at or after `lo` and before `hi`.
    pub fn new(inner: &'a dyn Probes, lo: i64, hi: i64) -> Window<'a> {
        Window { inner, lo, hi }
    }

    fn inside(&self, p: &ProbeLine) -> bool {
        p.tx_ns.0 >= self.lo && p.tx_ns.0 < self.hi
    }
}

impl Probes for Window<'_> {
    fn scan(&self) -> ProbeIter<'_> {
        Box::new(self.inner.scan().filter(|p| self.inside(p)))
    }

    fn of_target(&self, id: u32) -> ProbeIter<'_> {
        Box::new(self.inner.of_target(id).filter(|p| self.inside(p)))
    }

    fn target_ids(&self) -> Vec<u32> {
        distinct_targets(self.scan())
    }

    fn is_empty(&self) -> bool {
        self.scan().next().is_none()
    }
}

/// The probes of `inner` to the targets `ids` only: one guest's share of a
/// run that probed several (a host evacuation).
pub struct TargetSubset<'a> {
    inner: &'a dyn Probes,
    ids: BTreeSet<u32>,
}

impl<'a> TargetSubset<'a> {
    /// The probes of `inner` to a target in `ids`.
    pub fn new(inner: &'a dyn Probes, ids: impl IntoIterator<Item = u32>) -> TargetSubset<'a> {
        TargetSubset {
            inner,
            ids: ids.into_iter().collect(),
        }
    }
}

impl Probes for TargetSubset<'_> {
    fn scan(&self) -> ProbeIter<'_> {
        Box::new(
            self.inner
                .scan()
                .filter(|p| self.ids.contains(&p.target_id)),
        )
    }

    fn of_target(&self, id: u32) -> ProbeIter<'_> {
        if self.ids.contains(&id) {
            self.inner.of_target(id)
        } else {
            Box::new(std::iter::empty())
        }
    }

    fn target_ids(&self) -> Vec<u32> {
        let all = self.inner.target_ids();
        all.into_iter().filter(|i| self.ids.contains(i)).collect()
    }

    fn is_empty(&self) -> bool {
        self.scan().next().is_none()
    }
}

/// The distinct target ids of `probes`, ascending (memory: one entry per target).
pub fn distinct_targets(probes: ProbeIter<'_>) -> Vec<u32> {
    let ids: BTreeSet<u32> = probes.map(|p| p.target_id).collect();
    ids.into_iter().collect()
}
