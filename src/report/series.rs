//! Chart data preparation, independent of the drawing library: min/max
//! downsampling that keeps spikes, pixel-column runs for lost probes, and
//! lane assignment for labels that must not overlap.

/// Streams (x, y) points in time order into at most `2 × buckets` points per
/// segment (the minimum and maximum of each bucket, in the order they came),
/// or keeps every point when `keep_all`. A new segment (a break in the line)
/// starts when [`Downsampler::gap`] is called. Points outside `[x0, x1]` or not
/// finite are dropped; at most `cap` points are produced in total.
#[derive(Debug)]
pub struct Downsampler {
    x0: f64,
    width: f64,
    buckets: usize,
    keep_all: bool,
    cap: usize,
    emitted: usize,
    cur: Option<Bucket>,
    segments: Vec<Vec<(f64, f64)>>,
    open: bool,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    id: usize,
    min: (f64, f64),
    max: (f64, f64),
    min_seq: u64,
    max_seq: u64,
    seq: u64,
}

impl Downsampler {
    /// A downsampler over `[x0, x1]`; `keep_all` draws every point.
    pub fn new(x0: f64, x1: f64, buckets: usize, keep_all: bool, cap: usize) -> Downsampler {
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
            segments: Vec::new(),
            open: false,
        }
    }

    fn emit(&mut self, p: (f64, f64)) {
        if self.emitted >= self.cap {
            return;
        }
        if !self.open {
            self.segments.push(Vec::new());
            self.open = true;
        }
        if let Some(s) = self.segments.last_mut() {
            s.push(p);
            self.emitted += 1;
        }
    }

    fn flush(&mut self) {
        if let Some(b) = self.cur.take() {
            if b.min_seq == b.max_seq {
                self.emit(b.min);
            } else if b.min_seq < b.max_seq {
                self.emit(b.min);
                self.emit(b.max);
            } else {
                self.emit(b.max);
                self.emit(b.min);
            }
        }
    }

    /// Adds a point.
    pub fn push(&mut self, x: f64, y: f64) {
        if !x.is_finite() || !y.is_finite() {
            return;
        }
        let f = (x - self.x0) / self.width;
        if !(0.0..=1.0).contains(&f) {
            return;
        }
        if self.keep_all {
            self.emit((x, y));
            return;
        }
        let id = ((f * self.buckets as f64) as usize).min(self.buckets - 1);
        match &mut self.cur {
            Some(b) if b.id == id => {
                b.seq += 1;
                if y < b.min.1 {
                    b.min = (x, y);
                    b.min_seq = b.seq;
                }
                if y > b.max.1 {
                    b.max = (x, y);
                    b.max_seq = b.seq;
                }
            }
            _ => {
                self.flush();
                self.cur = Some(Bucket {
                    id,
                    min: (x, y),
                    max: (x, y),
                    min_seq: 0,
                    max_seq: 0,
                    seq: 0,
                });
            }
        }
    }

    /// Breaks the line here (an outage: no points in between).
    pub fn gap(&mut self) {
        self.flush();
        self.open = false;
    }

    /// The segments, each a polyline in time order.
    pub fn finish(mut self) -> Vec<Vec<(f64, f64)>> {
        self.flush();
        self.segments.retain(|s| !s.is_empty());
        self.segments
    }
}

/// Marks x values in pixel columns and returns the runs of marked columns as
/// `(first, last)` column pairs; `columns` is the plot width in pixels.
#[derive(Debug)]
pub struct Columns {
    x0: f64,
    width: f64,
    marked: Vec<bool>,
}

impl Columns {
    /// Columns over `[x0, x1]`, `columns` wide (at most 10 000).
    pub fn new(x0: f64, x1: f64, columns: usize) -> Columns {
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
    pub fn mark(&mut self, x: f64) {
        let f = (x - self.x0) / self.width;
        if f.is_finite() && (0.0..=1.0).contains(&f) {
            let n = self.marked.len();
            let i = ((f * n as f64) as usize).min(n - 1);
            self.marked[i] = true;
        }
    }

    /// Runs of marked columns, as x ranges `[from, to)`.
    pub fn runs(&self) -> Vec<(f64, f64)> {
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
pub fn assign_lanes(items: &[(i32, i32)], lanes: usize, gap: i32) -> Vec<Option<usize>> {
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

/// Rough width in pixels of `text` at an SVG font size of `px`.
pub fn text_width(text: &str, px: f64) -> i32 {
    (text.chars().count() as f64 * px * 0.58).ceil() as i32
}

/// Decade-aligned log range around `[lo, hi]` (both > 0), at least two decades.
pub fn log_range(lo: f64, hi: f64) -> (f64, f64) {
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
        let segs = d.finish();
        assert_eq!(segs.len(), 2);
        let n: usize = segs.iter().map(Vec::len).sum();
        assert!(n <= 2 * 10 + 2, "{n}");
        assert!(segs[0].iter().any(|p| p.1 == 500.0), "spike survives");
        assert!(segs.iter().flatten().all(|p| p.1 >= 1.0));
        let all = Downsampler::new(0.0, 1.0, 10, true, 3);
        let mut all = all;
        for i in 0..10 {
            all.push(i as f64 / 10.0, 1.0);
        }
        assert_eq!(all.finish()[0].len(), 3, "cap");
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
}
