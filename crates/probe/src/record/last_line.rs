//! The last line of each probe wins: a run file's probe lines reduced to one
//! per (target_id, index), ordered by that key, in place.

use super::schema::ProbeLine;
use crate::types::ProbeIndex;

/// The order of the reduced probes.
fn key(p: &ProbeLine) -> (u32, ProbeIndex) {
    (p.target_id, p.index)
}

/// Target ids up to this are grouped with a table indexed by id; a file with
/// larger ids is sorted.
const DENSE_IDS: u32 = 1 << 16;

/// Keeps the last line of each (target_id, index), ordered by that key.
///
/// Lines already in that order stay. Lines of several targets interleaved,
/// each target's indices rising (as a run writes them), are grouped by
/// target in linear time; any other order is sorted by positions (a stable
/// sort of the lines would need scratch space of half their size). Each kept
/// line then moves to its place by following the permutation's cycles: no
/// second copy of the probes.
pub(crate) fn last_line_wins(probes: &mut Vec<ProbeLine>) {
    if probes.windows(2).all(|w| key(&w[0]) < key(&w[1])) {
        return;
    }
    let (perm, len) = match grouped_by_target(probes) {
        Some(perm) => {
            let len = perm.len();
            (perm, len)
        }
        None => sorted_last_lines(probes),
    };
    permute(probes, perm);
    probes.truncate(len);
}

/// Each target's line count and last index so far.
type Tally = Vec<(usize, Option<ProbeIndex>)>;

/// Counts the lines of each target (ids below [`DENSE_IDS`]); `None` when an
/// id is larger or a target's index does not rise (a repeated or late line).
fn tally_rising(probes: &[ProbeLine]) -> Option<Tally> {
    let max = probes.iter().map(|p| p.target_id).max().unwrap_or(0);
    if max >= DENSE_IDS {
        return None;
    }
    let mut tally: Tally = vec![(0, None); max as usize + 1];
    for p in probes {
        let (n, last) = tally.get_mut(p.target_id as usize)?;
        if last.is_some_and(|l| l >= p.index) {
            return None;
        }
        *n += 1;
        *last = Some(p.index);
    }
    Some(tally)
}

/// The permutation that groups the lines by target (ascending, file order
/// within each) when every target's indices rise in file order, so that no
/// key repeats and each group is in index order; `None` otherwise.
fn grouped_by_target(probes: &[ProbeLine]) -> Option<Vec<usize>> {
    let tally = tally_rising(probes)?;
    let mut next: Vec<usize> = Vec::with_capacity(tally.len());
    let mut at = 0;
    for (n, _) in tally {
        next.push(at);
        at += n;
    }
    let mut perm = vec![0; probes.len()];
    for (i, p) in probes.iter().enumerate() {
        let slot = next.get_mut(p.target_id as usize)?;
        *perm.get_mut(*slot)? = i;
        *slot += 1;
    }
    Some(perm)
}

/// The permutation that puts the last line of each key in key order first
/// (the other lines after them), and how many lines are kept.
fn sorted_last_lines(probes: &[ProbeLine]) -> (Vec<usize>, usize) {
    let mut order: Vec<usize> = (0..probes.len()).collect();
    // Stable: equal keys stay in file order, so the last of a group is the last line.
    order.sort_by_key(|&i| key(&probes[i]));
    let mut kept = Vec::with_capacity(order.len());
    let mut dropped = Vec::new();
    for (n, &i) in order.iter().enumerate() {
        let last = order
            .get(n + 1)
            .is_none_or(|&j| key(&probes[j]) != key(&probes[i]));
        if last {
            kept.push(i);
        } else {
            dropped.push(i);
        }
    }
    let len = kept.len();
    kept.extend(dropped);
    (kept, len)
}

/// Moves line `perm[j]` to place `j` for every `j`, in place (`perm` must be
/// a permutation of the positions; it is used up).
fn permute(probes: &mut [ProbeLine], mut perm: Vec<usize>) {
    const DONE: usize = usize::MAX;
    for start in 0..perm.len() {
        let mut j = start;
        while perm[j] != DONE {
            let from = perm[j];
            perm[j] = DONE;
            if from == start {
                break;
            }
            probes.swap(j, from);
            j = from;
        }
    }
}

#[cfg(test)]
mod tests;
