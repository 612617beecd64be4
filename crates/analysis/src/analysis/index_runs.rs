//! A set of probe indices kept as runs of consecutive indices: its memory
//! grows with the number of gaps between runs (outages), not with the number
//! of indices, and it takes indices in any order.

use std::collections::BTreeMap;

/// Indices as disjoint, non-adjacent runs `first ..= last`.
#[derive(Debug, Clone, Default)]
pub(crate) struct IndexRuns {
    /// First index of each run → its last index.
    runs: BTreeMap<u64, u64>,
}

impl IndexRuns {
    /// Adds index `i` (again is fine), merging the runs it touches.
    pub(crate) fn insert(&mut self, i: u64) {
        if let Some(mut last) = self.runs.last_entry() {
            // In-order input only ever extends the last run.
            if last.get().checked_add(1) == Some(i) {
                *last.get_mut() = i;
                return;
            }
        }
        let before = self.runs.range(..=i).next_back().map(|(&s, &e)| (s, e));
        if before.is_some_and(|(_, e)| e >= i) {
            return;
        }
        let joins = before.filter(|&(_, e)| e.checked_add(1) == Some(i));
        let after = i
            .checked_add(1)
            .and_then(|n| self.runs.remove_entry(&n))
            .map(|(_, e)| e);
        match joins {
            Some((s, _)) => self.runs.insert(s, after.unwrap_or(i)),
            None => self.runs.insert(i, after.unwrap_or(i)),
        };
    }

    /// Number of runs: the state this set holds.
    #[cfg(test)]
    pub(crate) fn runs(&self) -> usize {
        self.runs.len()
    }

    /// Longest stretch of indices in `0..end` not in the set.
    pub(crate) fn longest_gap(&self, end: u64) -> u64 {
        let mut prev: Option<u64> = None;
        let mut best = 0;
        for (&s, &e) in &self.runs {
            let gap = match prev {
                None => s,
                Some(p) => s.saturating_sub(p).saturating_sub(1),
            };
            best = best.max(gap);
            prev = Some(e);
        }
        let tail = match prev {
            None => end,
            Some(p) => end.saturating_sub(p).saturating_sub(1),
        };
        best.max(tail)
    }
}

#[cfg(test)]
mod tests {
    use super::IndexRuns;

    fn of(indices: &[u64]) -> IndexRuns {
        let mut r = IndexRuns::default();
        indices.iter().for_each(|&i| r.insert(i));
        r
    }

    #[test]
    fn gaps_at_start_middle_end_and_huge_indices() {
        assert_eq!(of(&[5, 1, 0, 2]).longest_gap(6), 2);
        assert_eq!(of(&[3, 4]).longest_gap(5), 3);
        assert_eq!(of(&[0, 1]).longest_gap(10), 8);
        assert_eq!(of(&[]).longest_gap(7), 7);
        assert_eq!(of(&[0, 0, 1]).longest_gap(2), 0, "duplicates");
        assert_eq!(of(&[0, u64::MAX - 1]).longest_gap(u64::MAX), u64::MAX - 2);
        assert_eq!(of(&[u64::MAX, 0]).longest_gap(u64::MAX), u64::MAX - 1);
    }

    /// The same longest gap as sorting every index, whatever the order.
    #[test]
    fn agrees_with_a_sorted_list() {
        for len in [1u64, 2, 10, 100, 2000] {
            // A scrambled order with holes (i × 7919 mod 2·len), a third repeated.
            let mut all: Vec<u64> = (0..len)
                .chain(0..len / 3)
                .map(|i| i * 7919 % (len * 2))
                .collect();
            let runs = of(&all);
            all.sort_unstable();
            all.dedup();
            let mut want = all[0];
            want = all.windows(2).map(|w| w[1] - w[0] - 1).fold(want, u64::max);
            let end = len * 2 + 3;
            want = want.max(end - all[all.len() - 1] - 1);
            assert_eq!(runs.longest_gap(end), want, "{len}");
            let breaks = all.windows(2).filter(|w| w[1] - w[0] > 1).count();
            assert_eq!(runs.runs(), breaks + 1, "{len}: runs are merged");
        }
    }

    /// A million probes with five gaps in their answers are six runs, in order or
    /// reversed: the state does not grow with the probes.
    #[test]
    fn state_is_bounded_by_the_gaps() {
        let answered = |i: u64| !(1000..1200).contains(&i) && i % 300_000 != 7;
        for reversed in [false, true] {
            let mut r = IndexRuns::default();
            let order: Box<dyn Iterator<Item = u64>> = if reversed {
                Box::new((0..1_000_000).rev())
            } else {
                Box::new(0..1_000_000)
            };
            order.filter(|&i| answered(i)).for_each(|i| r.insert(i));
            assert_eq!(r.runs(), 6, "reversed {reversed}");
            assert_eq!(r.longest_gap(1_000_000), 200);
        }
    }
}
