//! The RTT histogram of one target: cumulative buckets in seconds, as a
//! Prometheus histogram (`_bucket{le}`, `_sum`, `_count`).

use super::super::text::{value_label, with, Labels, Sample};

/// Upper bounds of the buckets, ns (`+Inf` follows): 100 µs to 10 s.
pub const RTT_BUCKETS_NS: [i64; 16] = [
    100_000,
    250_000,
    500_000,
    1_000_000,
    2_500_000,
    5_000_000,
    10_000_000,
    25_000_000,
    50_000_000,
    100_000_000,
    250_000_000,
    500_000_000,
    1_000_000_000,
    2_500_000_000,
    5_000_000_000,
    10_000_000_000,
];

/// Counts of RTTs at or below each bound, their number and sum.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct RttHistogram {
    /// Observations at or below each bound of [`RTT_BUCKETS_NS`] (not cumulative).
    counts: [u64; RTT_BUCKETS_NS.len()],
    /// All observations.
    count: u64,
    /// Their sum, ns (i128: no overflow however long the run).
    sum_ns: i128,
}

impl RttHistogram {
    /// Records one RTT (a negative one, from a clock step, counts as 0).
    pub(super) fn observe(&mut self, rtt_ns: i64) {
        let rtt = rtt_ns.max(0);
        if let Some(i) = RTT_BUCKETS_NS.iter().position(|&b| rtt <= b) {
            self.counts[i] += 1;
        }
        self.count += 1;
        self.sum_ns += i128::from(rtt);
    }

    /// The samples of the histogram with `labels`: buckets (cumulative,
    /// then `+Inf`), sum in seconds, count.
    pub(super) fn samples(&self, labels: &Labels) -> Vec<Sample> {
        let mut out = Vec::with_capacity(RTT_BUCKETS_NS.len() + 3);
        let mut cumulative = 0;
        for (&bound, &n) in RTT_BUCKETS_NS.iter().zip(&self.counts) {
            cumulative += n;
            let le = value_label(bound as f64 / 1e9);
            out.push(bucket(with(labels, "le", &le), cumulative));
        }
        out.push(bucket(with(labels, "le", "+Inf"), self.count));
        out.push(Sample {
            suffix: "_sum",
            labels: labels.clone(),
            value: self.sum_ns as f64 / 1e9,
        });
        out.push(Sample {
            suffix: "_count",
            labels: labels.clone(),
            value: self.count as f64,
        });
        out
    }
}

/// One `_bucket` sample.
fn bucket(labels: Labels, n: u64) -> Sample {
    Sample {
        suffix: "_bucket",
        labels,
        value: n as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_end_with_inf() {
        let mut h = RttHistogram::default();
        for rtt in [50_000, 100_000, 3_000_000, 20_000_000_000, -5] {
            h.observe(rtt);
        }
        let s = h.samples(&vec![("target", "a".into())]);
        let le = |i: usize| s[i].labels.last().map(|l| l.1.clone());
        assert_eq!(le(0).as_deref(), Some("0.0001"));
        assert_eq!(s[0].value, 3.0, "50 µs, 100 µs and the negative one");
        assert_eq!(s[5].value, 4.0, "≤ 5 ms");
        assert_eq!(s[15].value, 4.0, "≤ 10 s");
        assert_eq!((le(16).as_deref(), s[16].value), (Some("+Inf"), 5.0));
        assert_eq!((s[17].suffix, s[17].value), ("_sum", 20.00315));
        assert_eq!((s[18].suffix, s[18].value), ("_count", 5.0));
    }
}
