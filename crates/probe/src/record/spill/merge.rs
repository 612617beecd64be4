//! Merges the sorted chunks of the spill into one sorted file: a k-way
//! merge on (target_id, index), the latest chunk winning a tie (its line came
//! later in the run file).

use super::{codec, damaged, Backing, Raw, TargetIndex};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, Write};

/// Writes the records of the chunks `ranges` of `runs` to `out` in
/// (target_id, index) order, one per key; each target's byte range in `out`.
pub(super) fn merge(
    runs: &File,
    ranges: &[(u64, u64)],
    out: &mut impl Write,
) -> io::Result<TargetIndex> {
    let backing = Backing::File(runs.try_clone()?);
    let mut readers: Vec<Raw> = ranges
        .iter()
        .map(|&(s, e)| Raw::new(&backing, s, e))
        .collect();
    // (key, chunk) of each chunk's next record.
    let mut heap = BinaryHeap::new();
    for (c, r) in readers.iter_mut().enumerate() {
        if let Some(k) = peek_key(r)? {
            heap.push(Reverse((k, c)));
        }
    }
    let mut index = TargetIndex::default();
    let mut written = 0u64;
    while let Some(Reverse((key, c))) = heap.pop() {
        // Lines of the same probe in earlier chunks lose to this later one.
        let mut winner = c;
        let mut losers = Vec::new();
        while let Some(Reverse((k, c2))) = heap.peek().copied() {
            if k != key {
                break;
            }
            heap.pop();
            losers.push(winner.min(c2));
            winner = winner.max(c2);
        }
        for l in losers {
            skip(&mut readers[l], &mut heap, l)?;
        }
        let rec = readers[winner].next_raw()?.ok_or_else(damaged)?;
        index.note(key.0, written);
        out.write_all(rec)?;
        written += rec.len() as u64;
        if let Some(k) = peek_key(&mut readers[winner])? {
            heap.push(Reverse((k, winner)));
        }
    }
    index.close(written);
    out.flush()?;
    Ok(index)
}

/// Drops chunk `c`'s next record (a line that lost) and queues its following one.
fn skip(
    r: &mut Raw,
    heap: &mut BinaryHeap<Reverse<((u32, u64), usize)>>,
    c: usize,
) -> io::Result<()> {
    r.next_raw()?.ok_or_else(damaged)?;
    if let Some(k) = peek_key(r)? {
        heap.push(Reverse((k, c)));
    }
    Ok(())
}

/// The key of the next record of `r`, leaving it unread.
fn peek_key(r: &mut Raw) -> io::Result<Option<(u32, u64)>> {
    let before = (r.pos, r.off);
    let Some(rec) = r.next_raw()? else {
        return Ok(None);
    };
    let key = codec::key(rec).ok_or_else(damaged)?;
    // Step back over it: it is still whole in the buffer.
    let len = rec.len();
    match r.backing {
        Backing::Memory(_) => r.pos = before.0,
        Backing::File(_) => r.off -= len,
    }
    Ok(Some(key))
}
