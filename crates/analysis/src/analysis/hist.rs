//! RTT histograms with the figures of an hdrhistogram (1 ns .. 1 day, 3
//! significant digits) whose memory grows with the number of distinct values
//! at that precision, not with the range.
//!
//! A dense `Histogram<u64>` over that range is 311 KB. The analysis keeps one
//! per target and one per phase and target, so a run with 1 000 targets
//! needed over 2 GB for histograms alone. [`RttHist`] counts per bucket in a
//! map (an RTT series typically fills a few hundred buckets) and answers
//! min, max and quantiles exactly as the dense histogram would: same buckets,
//! same rank rule, same bucket edge reported.

use hdrhistogram::Histogram;
use migprobe_probe::record::id_map::IdMap;
use std::sync::OnceLock;

/// Lowest and highest value of the histogram's range, ns (1 ns .. 1 day).
const RANGE: (u64, u64) = (1, 86_400_000_000_000);
/// Significant digits.
const SIGFIG: u8 = 3;

/// The bucket layout, and the largest value a dense histogram of that layout accepts.
struct Layout {
    proto: Histogram<u64>,
    max_recordable: u64,
}

fn layout() -> &'static Layout {
    static LAYOUT: OnceLock<Layout> = OnceLock::new();
    LAYOUT.get_or_init(|| {
        let proto = Histogram::new_with_bounds(RANGE.0, RANGE.1, SIGFIG).expect("valid bounds");
        // The dense histogram takes values up to the end of its last bucket, a little past RANGE.1.
        let mut probe = proto.clone();
        let (mut ok, mut bad) = (RANGE.1, RANGE.1.saturating_mul(4));
        while bad - ok > 1 {
            let mid = ok + (bad - ok) / 2;
            if probe.record(mid).is_ok() {
                ok = mid;
            } else {
                bad = mid;
            }
        }
        Layout {
            proto,
            max_recordable: ok,
        }
    })
}

/// Counts of RTTs per hdrhistogram bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RttHist {
    /// Lowest value of a bucket → count.
    counts: IdMap<u64, u64>,
    total: u64,
}

impl RttHist {
    /// An empty histogram.
    pub fn new() -> RttHist {
        RttHist::default()
    }

    /// Records an RTT: values under 1 ns count as 1 ns; values beyond the range
    /// (more than a day) are ignored, as the dense histogram rejected them.
    pub fn record(&mut self, rtt_ns: i64) {
        let v = rtt_ns.max(1) as u64;
        let l = layout();
        if v > l.max_recordable {
            return;
        }
        *self.counts.entry(l.proto.lowest_equivalent(v)).or_default() += 1;
        self.total += 1;
    }

    /// Values recorded.
    pub fn len(&self) -> u64 {
        self.total
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The buckets in value order.
    fn sorted(&self) -> Vec<(u64, u64)> {
        let mut b: Vec<(u64, u64)> = self.counts.iter().map(|(&k, &c)| (k, c)).collect();
        b.sort_unstable();
        b
    }

    /// Smallest value (the lowest value of its bucket); `None` when empty.
    pub fn min(&self) -> Option<i64> {
        self.counts.keys().min().map(|&v| v as i64)
    }

    /// Largest value (the highest value of its bucket); `None` when empty.
    pub fn max(&self) -> Option<i64> {
        let m = *self.counts.keys().max()?;
        Some(layout().proto.highest_equivalent(m) as i64)
    }

    /// The value at each quantile in `qs` (each in (0, 1]): the highest value of
    /// the bucket holding the `ceil(q × n)`-th smallest value. `None` when empty.
    pub fn quantiles<const N: usize>(&self, qs: [f64; N]) -> Option<[i64; N]> {
        if self.total == 0 {
            return None;
        }
        let buckets = self.sorted();
        let proto = &layout().proto;
        Some(qs.map(|q| {
            let rank = ((q.min(1.0) * self.total as f64).ceil() as u64).max(1);
            let mut seen = 0u64;
            let bucket = buckets
                .iter()
                .find(|(_, c)| {
                    seen += c;
                    seen >= rank
                })
                .or(buckets.last())
                .map_or(0, |b| b.0);
            proto.highest_equivalent(bucket) as i64
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Same figures as the dense hdrhistogram it replaces, on awkward inputs.
    #[test]
    fn matches_the_dense_histogram() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let series: Vec<Vec<i64>> = vec![
            vec![],
            vec![-5, 0, 1],
            vec![60_000; 1000],
            (0..5000)
                .map(|_| 40_000 + (next() % 40_000) as i64)
                .collect(),
            (0..3000)
                .map(|i| if i % 97 == 0 { 100_000_000 } else { 55_123 })
                .collect(),
            (0..2000).map(|_| (next() % (1 << 45)) as i64).collect(),
            vec![
                86_400_000_000_000,
                86_400_000_000_001,
                90_000_000_000_000,
                i64::MAX,
            ],
        ];
        let qs = [0.5, 0.99, 0.999, 1.0, 1e-9];
        for s in series {
            let mut dense = Histogram::<u64>::new_with_bounds(RANGE.0, RANGE.1, SIGFIG).unwrap();
            let mut sparse = RttHist::new();
            for &v in &s {
                let _ = dense.record(v.max(1) as u64);
                sparse.record(v);
            }
            assert_eq!(sparse.len(), dense.len(), "{s:?}");
            if dense.is_empty() {
                assert!(sparse.is_empty() && sparse.quantiles(qs).is_none());
                continue;
            }
            let want = qs.map(|q| dense.value_at_quantile(q) as i64);
            assert_eq!(
                sparse.quantiles(qs),
                Some(want),
                "{:?}",
                &s[..s.len().min(5)]
            );
            assert_eq!(sparse.min(), Some(dense.min() as i64));
            assert_eq!(sparse.max(), Some(dense.max() as i64));
        }
    }
}
