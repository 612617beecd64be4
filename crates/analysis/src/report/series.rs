//! Chart data preparation, independent of the drawing library: min/max
//! downsampling that keeps spikes, pixel-column runs for lost probes, and
//! lane assignment for labels that must not overlap.

/// One bucket of a downsampled series: where it is and the spread of its values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Band {
    /// Centre of the bucket.
    pub(crate) x: f64,
    /// Smallest value.
    pub(crate) lo: f64,
    /// Median value.
    pub(crate) mid: f64,
    /// Largest value (spikes survive here).
    pub(crate) hi: f64,
}

/// A series ready to draw: every point, or one [`Band`] per bucket; each
/// inner vector is one unbroken segment.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Sampled {
    /// Every point, (x, y).
    Points(Vec<Vec<(f64, f64)>>),
    /// Min / median / max per bucket.
    Bands(Vec<Vec<Band>>),
}

impl Sampled {
    /// Smallest and largest y, if any.
    pub(crate) fn y_range(&self) -> Option<(f64, f64)> {
        let fold = |acc: Option<(f64, f64)>, lo: f64, hi: f64| match acc {
            None => Some((lo, hi)),
            Some((a, b)) => Some((a.min(lo), b.max(hi))),
        };
        match self {
            Sampled::Points(s) => s.iter().flatten().fold(None, |acc, p| fold(acc, p.1, p.1)),
            Sampled::Bands(s) => s
                .iter()
                .flatten()
                .fold(None, |acc, b| fold(acc, b.lo, b.hi)),
        }
    }

    /// Number of points or bands.
    pub(crate) fn len(&self) -> usize {
        match self {
            Sampled::Points(s) => s.iter().map(Vec::len).sum(),
            Sampled::Bands(s) => s.iter().map(Vec::len).sum(),
        }
    }
}

/// Streams (x, y) points in time order into at most one [`Band`] per bucket
/// and segment, or keeps every point when `keep_all`. A new segment (a break
/// in the line) starts at [`Downsampler::gap`]. Points outside `[x0, x1]` or
/// not finite are dropped; at most `cap` points or bands are produced.
#[derive(Debug)]
pub(crate) struct Downsampler {
    x0: f64,
    width: f64,
    buckets: usize,
    keep_all: bool,
    cap: usize,
    emitted: usize,
    cur: Option<usize>,
    vals: Vec<f64>,
    points: Vec<Vec<(f64, f64)>>,
    bands: Vec<Vec<Band>>,
    open: bool,
    /// Keeping every point only up to this many, then bands (see
    /// [`Downsampler::up_to`]).
    keep_up_to: Option<usize>,
}

impl Downsampler {
    /// A downsampler over `[x0, x1]` with `buckets` buckets; `keep_all` keeps every point.
    pub(crate) fn new(x0: f64, x1: f64, buckets: usize, keep_all: bool, cap: usize) -> Downsampler {
        let width = if x1 > x0 && (x1 - x0).is_finite() {
            x1 - x0
        } else {
            1.0
        };
        Downsampler {
            x0,
            width,
            buckets: buckets.max(1),
            keep_all,
            cap,
            emitted: 0,
            cur: None,
            vals: Vec::new(),
            points: Vec::new(),
            bands: Vec::new(),
            open: false,
            keep_up_to: None,
        }
    }

    /// A downsampler that keeps every point while there are at most `keep`,
    /// and gives the very bands of [`Downsampler::new`] without `keep_all`
    /// when there are more: the points kept so far are replayed into bands.
    /// No count of the points is needed beforehand.
    pub(crate) fn up_to(x0: f64, x1: f64, buckets: usize, keep: usize, cap: usize) -> Downsampler {
        Downsampler {
            keep_up_to: Some(keep),
            ..Downsampler::new(x0, x1, buckets, true, cap)
        }
    }

    /// From keeping every point to bands, as if it had been bands from the start.
    fn switch_to_bands(&mut self) {
        let segments = std::mem::take(&mut self.points);
        let open = self.open;
        self.keep_all = false;
        self.keep_up_to = None;
        self.emitted = 0;
        self.open = false;
        for (i, seg) in segments.into_iter().enumerate() {
            if i > 0 {
                self.gap();
            }
            for (x, y) in seg {
                self.push(x, y);
            }
        }
        if !open {
            self.gap();
        }
    }

    fn flush(&mut self) {
        let Some(id) = self.cur.take() else {
            return;
        };
        if self.vals.is_empty() || self.emitted >= self.cap {
            self.vals.clear();
            return;
        }
        let n = self.vals.len();
        let (_, mid, _) = self.vals.select_nth_unstable_by(n / 2, f64::total_cmp);
        let mid = *mid;
        let (lo, hi) = self
            .vals
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        self.vals.clear();
        if !self.open {
            self.bands.push(Vec::new());
            self.open = true;
        }
        let x = self.x0 + self.width * (id as f64 + 0.5) / self.buckets as f64;
        if let Some(seg) = self.bands.last_mut() {
            seg.push(Band { x, lo, mid, hi });
            self.emitted += 1;
        }
    }

    /// Adds a point.
    pub(crate) fn push(&mut self, x: f64, y: f64) {
        if !x.is_finite() || !y.is_finite() {
            return;
        }
        let f = (x - self.x0) / self.width;
        if !(0.0..=1.0).contains(&f) {
            return;
        }
        if self.keep_up_to == Some(self.emitted) {
            self.switch_to_bands();
        }
        if self.keep_all {
            if self.emitted >= self.cap {
                return;
            }
            if !self.open {
                self.points.push(Vec::new());
                self.open = true;
            }
            if let Some(seg) = self.points.last_mut() {
                seg.push((x, y));
                self.emitted += 1;
            }
            return;
        }
        let id = ((f * self.buckets as f64) as usize).min(self.buckets - 1);
        if self.cur != Some(id) {
            self.flush();
            self.cur = Some(id);
        }
        self.vals.push(y);
    }

    /// Breaks the line here (an outage: no points in between).
    pub(crate) fn gap(&mut self) {
        self.flush();
        self.open = false;
    }

    /// The result.
    pub(crate) fn finish(mut self) -> Sampled {
        self.flush();
        if self.keep_all {
            self.points.retain(|s| !s.is_empty());
            Sampled::Points(self.points)
        } else {
            self.bands.retain(|s| !s.is_empty());
            Sampled::Bands(self.bands)
        }
    }
}

/// Marks x values in pixel columns and returns the runs of marked columns as
/// `(first, last)` column pairs; `columns` is the plot width in pixels.
#[derive(Debug)]
pub(crate) struct Columns {
    x0: f64,
    width: f64,
    marked: Vec<bool>,
}

impl Columns {
    /// Columns over `[x0, x1]`, `columns` wide (at most 10 000).
    pub(crate) fn new(x0: f64, x1: f64, columns: usize) -> Columns {
        let width = if x1 > x0 && (x1 - x0).is_finite() {
            x1 - x0
        } else {
            1.0
        };
        Columns {
            x0,
            width,
            marked: vec![false; columns.clamp(1, 10_000)],
        }
    }

    /// Marks the column of `x` (ignored outside the range).
    pub(crate) fn mark(&mut self, x: f64) {
        let f = (x - self.x0) / self.width;
        if f.is_finite() && (0.0..=1.0).contains(&f) {
            let n = self.marked.len();
            let i = ((f * n as f64) as usize).min(n - 1);
            self.marked[i] = true;
        }
    }

    /// Runs of marked columns, as x ranges `[from, to)`.
    pub(crate) fn runs(&self) -> Vec<(f64, f64)> {
        let n = self.marked.len() as f64;
        let x = |i: usize| self.x0 + self.width * i as f64 / n;
        let mut out = Vec::new();
        let mut start = None;
        for (i, &m) in self
            .marked
            .iter()
            .chain(std::iter::once(&false))
            .enumerate()
        {
            match (m, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    out.push((x(s), x(i)));
                    start = None;
                }
                _ => {}
            }
        }
        out
    }
}

/// Assigns each label, given as pixel span `(left, width)` in priority order,
/// the first of `lanes` lanes where it overlaps no label already placed
/// (with `gap` pixels between); `None` when every lane is taken there.
pub(crate) fn assign_lanes(items: &[(i32, i32)], lanes: usize, gap: i32) -> Vec<Option<usize>> {
    let mut taken: Vec<Vec<(i32, i32)>> = vec![Vec::new(); lanes];
    items
        .iter()
        .map(|&(l, w)| {
            let r = l.saturating_add(w.max(0));
            let lane = taken.iter().position(|spans| {
                spans
                    .iter()
                    .all(|&(a, b)| r.saturating_add(gap) <= a || l >= b.saturating_add(gap))
            })?;
            taken[lane].push((l, r));
            Some(lane)
        })
        .collect()
}

/// For labels given as `(text, left, width)` in priority order: true for
/// each one that repeats the text of an earlier, kept label that starts
/// within its width (two "src block ready" a few pixels apart say it once).
pub(crate) fn repeats(items: &[(&str, i32, i32)]) -> Vec<bool> {
    let mut kept: Vec<(&str, i32, i32)> = Vec::new();
    items
        .iter()
        .map(|&(s, x, w)| {
            let dup = kept
                .iter()
                .any(|&(t, kx, kw)| t == s && (x - kx).abs() < w.max(kw));
            if !dup {
                kept.push((s, x, w));
            }
            dup
        })
        .collect()
}

/// Rough width in pixels of `text` at an SVG font size of `px`.
pub(crate) fn text_width(text: &str, px: f64) -> i32 {
    (text.chars().count() as f64 * px * 0.58).ceil() as i32
}

/// Decade-aligned log range around `[lo, hi]` (both > 0), at least two decades.
pub(crate) fn log_range(lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = if lo > 0.0 && hi >= lo && hi.is_finite() {
        (lo, hi)
    } else {
        (0.01, 100.0)
    };
    let mut a = lo.log10().floor();
    let mut b = (hi * 1.05).log10().ceil();
    if b - a < 2.0 {
        b = a + 2.0;
    }
    // Keep the range within f64 and readable.
    a = a.clamp(-9.0, 12.0);
    b = b.clamp(a + 1.0, 13.0);
    (10f64.powf(a), 10f64.powf(b))
}

/// Step points of an empirical CDF from 0 to `x_max`.
pub(crate) fn cdf_steps(values: &[f64], x_max: f64) -> Vec<(f64, f64)> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len() as f64;
    let mut pts = vec![(0.0f64.min(v.first().copied().unwrap_or(0.0)), 0.0)];
    for (i, x) in v.iter().enumerate() {
        pts.push((*x, i as f64 / n));
        pts.push((*x, (i + 1) as f64 / n));
    }
    if let Some(last) = v.last() {
        pts.push((x_max.max(*last), 1.0));
    }
    pts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downsampling_keeps_spikes_and_breaks() {
        let mut d = Downsampler::new(0.0, 100.0, 10, false, 1_000);
        for i in 0..1_000 {
            let y = if i == 503 {
                500.0
            } else {
                1.0 + (i % 7) as f64 * 0.01
            };
            d.push(i as f64 * 0.1, y);
            if i == 700 {
                d.gap();
            }
        }
        d.push(f64::NAN, 1.0);
        d.push(-5.0, 1.0);
        let s = d.finish();
        let Sampled::Bands(segs) = &s else {
            panic!("bands expected")
        };
        assert_eq!(segs.len(), 2);
        assert_eq!(s.len(), 11, "10 buckets, one split by the gap");
        let spike = segs[0]
            .iter()
            .find(|b| b.hi == 500.0)
            .expect("spike survives");
        assert!(spike.mid < 2.0 && spike.lo >= 1.0, "{spike:?}");
        assert_eq!(s.y_range(), Some((1.0, 500.0)));
        let mut all = Downsampler::new(0.0, 1.0, 10, true, 3);
        for i in 0..10 {
            all.push(i as f64 / 10.0, 1.0);
        }
        assert_eq!(all.finish().len(), 3, "cap");
        assert_eq!(Downsampler::new(0.0, 0.0, 0, false, 0).finish().len(), 0);
    }

    #[test]
    fn columns_and_lanes() {
        let mut c = Columns::new(0.0, 10.0, 10);
        for x in [0.05, 0.5, 1.5, 5.5, 10.0, 11.0, f64::NAN] {
            c.mark(x);
        }
        assert_eq!(c.runs(), vec![(0.0, 2.0), (5.0, 6.0), (9.0, 10.0)]);
        let l = assign_lanes(&[(0, 50), (10, 50), (20, 50), (30, 50), (100, 10)], 3, 2);
        assert_eq!(l, vec![Some(0), Some(1), Some(2), None, Some(0)]);
        assert_eq!(log_range(0.02, 180.0), (0.01, 1000.0));
        assert_eq!(log_range(0.0, f64::NAN), (0.01, 1000.0));
        assert_eq!(log_range(1.0, 1.0), (1.0, 100.0));
    }

    #[test]
    fn repeated_labels_close_together_are_said_once() {
        let items = [
            ("src block ready", 100, 90),
            ("src block ready", 104, 90),
            ("src suspended", 110, 85),
            ("src block ready", 300, 90),
        ];
        assert_eq!(repeats(&items), vec![false, true, false, false]);
        assert!(repeats(&[]).is_empty());
    }

    #[test]
    fn cdf_of_one_sample_is_a_vertical_step() {
        assert_eq!(
            cdf_steps(&[5.0], 10.0),
            vec![(0.0, 0.0), (5.0, 0.0), (5.0, 1.0), (10.0, 1.0)]
        );
        let s = cdf_steps(&[2.0, 1.0, f64::NAN], 3.0);
        assert_eq!(s.last(), Some(&(3.0, 1.0)));
        assert_eq!(s[2], (1.0, 0.5));
        assert_eq!(cdf_steps(&[], 1.0), vec![(0.0, 0.0)]);
    }
}
