//! The data of one RTT panel, independent of the drawing: each target's RTT
//! points within the panel's x range (downsampled when there are many) and
//! the x runs of lost probes.

use crate::report::series::{log_range, Columns, Downsampler, Sampled};
use crate::report::svg::{KEEP_ALL_POINTS, OVERVIEW_BUCKETS, POINT_CAP};
use migprobe_probe::record::{ProbeStatus, Probes};
use migprobe_probe::types::RealNs;
use std::collections::BTreeMap;

/// The drawable series of each target.
pub(super) type Lines = Vec<(u32, Sampled)>;

/// Per-target series of one panel plus its lost probes.
pub(super) struct Data {
    /// Each target's RTT (ms) over x.
    pub series: Lines,
    /// x runs of lost (or never settled) probes.
    pub lost: Vec<(f64, f64)>,
    /// Points kept, all targets.
    pub points: usize,
    y_min: f64,
    y_max: f64,
}

impl Data {
    /// The RTT axis range (ms): the data's with room above and below, or
    /// 0.01–100 ms without data.
    pub fn y_range(&self) -> (f64, f64) {
        if self.points > 0 {
            log_range(self.y_min / 6.0, self.y_max * 3.0)
        } else {
            log_range(0.01, 100.0)
        }
    }

    /// True when some target is drawn as per-bucket bands, not points.
    pub fn banded(&self) -> bool {
        self.series
            .iter()
            .any(|(_, s)| matches!(s, Sampled::Bands(_)))
    }
}

/// Collects RTT points (x in panel units from `to_x(tx)`) within `[x0, x1]`;
/// `columns` pixel columns for the lost probes; a line breaks where more
/// than `break_after` probes of a target are missing.
pub(super) fn collect(
    run: &dyn Probes,
    to_x: &dyn Fn(RealNs) -> f64,
    (x0, x1): (f64, f64),
    columns: usize,
    break_after: u64,
) -> Data {
    let in_range = |x: f64| x.is_finite() && x >= x0 && x <= x1;
    // One downsampler per target with replies in range (all points kept for
    // a target with few), and the index of its last point so far.
    let mut samplers: BTreeMap<u32, (Downsampler, Option<u64>)> = BTreeMap::new();
    let mut lost = Columns::new(x0, x1, columns);
    for p in run.scan() {
        match p.status {
            ProbeStatus::Ok => {
                let Some(rtt) = p.rtt_ns.filter(|r| *r > 0) else {
                    continue;
                };
                let x = to_x(p.tx_ns);
                if !in_range(x) {
                    continue;
                }
                let (d, last) = samplers.entry(p.target_id).or_insert_with(|| {
                    let d =
                        Downsampler::up_to(x0, x1, OVERVIEW_BUCKETS, KEEP_ALL_POINTS, POINT_CAP);
                    (d, None)
                });
                if last.is_some_and(|l| p.index.0.saturating_sub(l) > break_after) {
                    d.gap();
                }
                *last = Some(p.index.0);
                d.push(x, rtt as f64 / 1e6);
            }
            ProbeStatus::Lost | ProbeStatus::Pending => lost.mark(to_x(p.tx_ns)),
            _ => {}
        }
    }
    let series: Lines = samplers
        .into_iter()
        .map(|(id, (d, _))| (id, d.finish()))
        .collect();
    let mut y_min = f64::INFINITY;
    let mut y_max = f64::NEG_INFINITY;
    let mut points = 0;
    for (_, sampled) in &series {
        if let Some((lo, hi)) = sampled.y_range() {
            y_min = y_min.min(lo);
            y_max = y_max.max(hi);
        }
        points += sampled.len();
    }
    Data {
        series,
        lost: lost.runs(),
        points,
        y_min,
        y_max,
    }
}
