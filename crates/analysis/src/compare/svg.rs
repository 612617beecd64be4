//! compare.svg, drawn with plotters' SVG backend (no system fonts needed):
//!
//! 1. Network downtime across migrations as overlaid CDFs, one step line per
//!    run (a single migration is one vertical step), the hypervisor-reported
//!    downtime dashed in the same colour.
//! 2. The RTT of each run's headline target around the switchover, aligned on
//!    the source's suspend (x = 0), log scale, lost probes as ticks along the
//!    bottom and each headline outage as a bar along the top. A run without
//!    its run file gets a note instead of a line.

use super::table::{fine, ns, value};
use super::trace::{Anchor, Trace};
use super::{verdict, Metric, RunFigures};
use crate::baseline::Policy;
use crate::report::draw::{
    bold, cdf_chart, err, guarded, label, ms_label, rtt_chart, text, Area, Res, INK, MUTED,
};
use crate::report::series::{cdf_steps, log_range, text_width, Downsampler, Sampled};
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

/// Default width in pixels.
pub const WIDTH: u32 = 1000;

const TITLE_H: u32 = 112;
const CDF_H: u32 = 380;
const TRACE_H: u32 = 430;
const RUN_COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(230, 110, 0),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(23, 160, 180),
];
/// At most this many points per trace are drawn as they are; beyond, min/max per bucket.
const KEEP_ALL: usize = 4_000;

/// The colour of run `i`.
pub fn color(i: usize) -> RGBColor {
    RUN_COLORS[i % RUN_COLORS.len()]
}

/// `s` cut to about `px` pixels at `size`, with an ellipsis.
fn fit(s: &str, px: i32, size: f64) -> String {
    if text_width(s, size) <= px {
        return s.to_owned();
    }
    let keep = ((px as f64 / (size * 0.58)) as usize).saturating_sub(1);
    let mut out: String = s.chars().take(keep).collect();
    out.push('…');
    out
}

/// `s` in at most `lines` lines of about `px` pixels (the last one cut with an ellipsis).
fn wrap(s: &str, px: i32, size: f64, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in s.split(' ') {
        let next = if cur.is_empty() {
            word.to_owned()
        } else {
            format!("{cur} {word}")
        };
        if text_width(&next, size) > px && !cur.is_empty() && out.len() + 1 < lines {
            out.push(std::mem::replace(&mut cur, word.to_owned()));
        } else {
            cur = next;
        }
    }
    out.push(fit(&cur, px, size));
    out
}

/// Renders the chart; `traces` are per run (same order as `runs`): the
/// run's trace, or why there is none.
/// The title's verdict judges by `policy`.
pub fn render(
    runs: &[RunFigures],
    traces: &[Result<Trace, String>],
    policy: &Policy,
    width: u32,
) -> Vec<u8> {
    let width = width.clamp(600, 4_000);
    guarded(width, |buf| draw(buf, runs, traces, policy, width))
}

fn draw(
    buf: &mut String,
    runs: &[RunFigures],
    traces: &[Result<Trace, String>],
    policy: &Policy,
    width: u32,
) -> Res {
    let height = TITLE_H + CDF_H + TRACE_H + 8;
    {
        let root = SVGBackend::with_string(buf, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (title, rest) = root.split_vertically(TITLE_H);
        let (cdf, rest) = rest.split_vertically(CDF_H);
        let (trace, _) = rest.split_vertically(TRACE_H);
        draw_title(&title, runs, policy, width)?;
        draw_cdf(&root, &cdf, runs)?;
        draw_traces(&root, &trace, runs, traces)?;
        root.present().map_err(err)?;
    }
    Ok(())
}

fn draw_title(area: &Area, runs: &[RunFigures], policy: &Policy, width: u32) -> Res {
    let names: Vec<&str> = runs.iter().map(|r| r.label.as_str()).collect();
    let w = width as i32 - 24;
    bold(
        area,
        &fit(
            &format!("migprobe compare: {}", names.join(" vs ")),
            w,
            20.0,
        ),
        (12, 8),
        20.0,
        INK,
    )?;
    // Keep numbers with their units when wrapping ("95 %", "45 ms").
    let verdict = verdict::verdict(runs, policy)
        .replace(" %", "\u{a0}%")
        .replace(" ms", "\u{a0}ms")
        .replace(" µs", "\u{a0}µs");
    for (i, line) in wrap(&verdict, w, 14.0, 2).iter().enumerate() {
        text(
            area,
            line,
            (12, 36 + 18 * i as i32),
            14.0,
            MUTED,
            HPos::Left,
        )?;
    }
    // Legend: one swatch per run.
    let mut x = 12;
    let y = 82;
    for (i, r) in runs.iter().enumerate() {
        let n = r.migrations.len();
        let s = format!(
            "{} ({} migration{})",
            r.label,
            n,
            if n == 1 { "" } else { "s" }
        );
        area.draw(&Rectangle::new(
            [(x, y + 6), (x + 18, y + 10)],
            color(i).filled(),
        ))
        .map_err(err)?;
        text(area, &s, (x + 24, y), 14.0, INK, HPos::Left)?;
        x += text_width(&s, 14.0) + 44;
        if x > width as i32 - 200 {
            break;
        }
    }
    Ok(())
}

/// The hypervisor figure of each migration: QEMU pause, else libvirt's.
fn hypervisor_samples(r: &RunFigures) -> Vec<f64> {
    r.migrations
        .iter()
        .filter_map(|m| m.qemu_pause_ms.or(m.hypervisor_ms))
        .filter(|v| v.is_finite())
        .collect()
}

fn draw_cdf(root: &Area, area: &Area, runs: &[RunFigures]) -> Res {
    let (_, top) = area.get_base_pixel();
    let net: Vec<Vec<f64>> = runs.iter().map(|r| r.samples(Metric::Network)).collect();
    let hyp: Vec<Vec<f64>> = runs.iter().map(hypervisor_samples).collect();
    let hi = net
        .iter()
        .chain(&hyp)
        .flatten()
        .copied()
        .fold(0.0f64, f64::max);
    let lo = net
        .iter()
        .chain(&hyp)
        .flatten()
        .copied()
        .fold(0.0f64, f64::min);
    let x_max = if hi > 0.0 { hi * 1.15 } else { 1.0 };
    let x_min = if lo < 0.0 { lo * 1.15 } else { 0.0 };
    let mut chart = cdf_chart(
        area,
        30,
        (x_min, x_max),
        ("downtime per migration", "share of migrations ≤ x"),
        10,
    )?;
    let (xr, _) = chart.plotting_area().get_pixel_range();
    bold(
        root,
        "Network downtime across migrations (CDF) — solid: network-observed, dashed: hypervisor (QEMU pause, else libvirt)",
        (xr.start, top + 6),
        15.0,
        INK,
    )?;
    let mut labels = Vec::new();
    for (i, r) in runs.iter().enumerate() {
        let c = color(i);
        if !hyp[i].is_empty() {
            chart
                .draw_series(DashedLineSeries::new(
                    cdf_steps(&hyp[i], x_max),
                    7,
                    5,
                    c.mix(0.75).stroke_width(2),
                ))
                .map_err(err)?;
        }
        if net[i].is_empty() {
            continue;
        }
        chart
            .draw_series(LineSeries::new(
                cdf_steps(&net[i], x_max),
                c.stroke_width(3),
            ))
            .map_err(err)?;
        // Label each run at its own height so labels never collide.
        let level = (0.9 - 0.13 * i as f64).max(0.08);
        let mut sorted = net[i].clone();
        sorted.sort_by(f64::total_cmp);
        let rank = ((level * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        let x = sorted[rank - 1];
        let s = match sorted.len() {
            1 => format!("{} {}", r.label, value(Metric::Network, x)),
            _ => format!(
                "{} median {}",
                r.label,
                crate::stats::median(&sorted)
                    .map(|m| value(Metric::Network, m))
                    .unwrap_or_default()
            ),
        };
        let (px, py) = chart.backend_coord(&(x, level));
        labels.push((s, px, py, c));
    }
    for (s, px, py, c) in labels {
        let w = text_width(&s, 13.0);
        let x = if px + 8 + w < xr.end {
            px + 8
        } else {
            px - 8 - w
        };
        label(root, &s, (x, py - 8), c)?;
    }
    Ok(())
}

/// The x window of the traces: the outages and the anchor, padded.
fn window(traces: &[&Trace]) -> (f64, f64) {
    let mut lo = 0.0f64;
    let mut hi = 0.0f64;
    for t in traces {
        if let Some((a, b)) = t.outage {
            lo = lo.min(a);
            hi = hi.max(b);
        }
    }
    if hi - lo <= 0.0 {
        return (-500.0, 1_000.0);
    }
    let pad = ((hi - lo) * 0.6).max(150.0);
    let w = super::trace::WINDOW_MS;
    ((lo - pad).max(-w), (hi + pad).min(w))
}

/// The traces panel's geometry: the x window, the log y range and the pixel
/// rectangle of the plotting area.
struct Frame {
    x0: f64,
    x1: f64,
    y_lo: f64,
    xr: std::ops::Range<i32>,
    yr: std::ops::Range<i32>,
    /// Height of the outage-bar strip above the plot.
    strip: u32,
}

impl Frame {
    /// Linear x → pixel column (the chart itself is borrowed for the lines).
    fn px(&self, x: f64) -> i32 {
        let (pl, pw) = (self.xr.start as f64, (self.xr.end - self.xr.start) as f64);
        (pl + (x - self.x0) / (self.x1 - self.x0) * pw).round() as i32
    }

    fn contains(&self, x: f64) -> bool {
        x >= self.x0 && x <= self.x1
    }
}

/// The log y range of the points inside `[x0, x1]`.
fn y_range(traces: &[&Trace], x0: f64, x1: f64) -> (f64, f64) {
    let (mut y_lo, mut y_hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for t in traces {
        for &(x, y) in &t.points {
            if x >= x0 && x <= x1 && y > 0.0 {
                y_lo = y_lo.min(y);
                y_hi = y_hi.max(y);
            }
        }
    }
    if y_lo.is_finite() {
        log_range(y_lo / 6.0, y_hi * 3.0)
    } else {
        log_range(0.01, 100.0)
    }
}

fn draw_traces(
    root: &Area,
    area: &Area,
    runs: &[RunFigures],
    traces: &[Result<Trace, String>],
) -> Res {
    let (_, top) = area.get_base_pixel();
    let ok: Vec<(usize, &Trace)> = traces
        .iter()
        .enumerate()
        .filter_map(|(i, t)| t.as_ref().ok().map(|t| (i, t)))
        .collect();
    let notes: Vec<(usize, &String)> = traces
        .iter()
        .enumerate()
        .filter_map(|(i, t)| t.as_ref().err().map(|e| (i, e)))
        .collect();
    let by_outage = ok.iter().any(|(_, t)| t.anchor == Anchor::OutageStart);
    let caption = if by_outage {
        "RTT around the switchover (log scale), x = 0 at the source's suspend (or the outage start, see notes)"
    } else {
        "RTT around the switchover (log scale), x = 0 at the source's suspend"
    };
    let all: Vec<&Trace> = ok.iter().map(|(_, t)| *t).collect();
    let (x0, x1) = window(&all);
    let (y_lo, y_hi) = y_range(&all, x0, x1);
    let strip = 8 + 18 * ok.len().max(1) as u32;
    let xfmt = |v: &f64| ms_label(*v);
    let mut chart = rtt_chart(
        area,
        (28 + strip, 6 + 16 * notes.len() as u32, 40),
        (x0, x1, y_lo, y_hi),
        ("time from the source's suspend", 12, &xfmt),
    )?;
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    bold(root, caption, (xr.start, top + 6), 15.0, INK)?;
    let f = Frame {
        x0,
        x1,
        y_lo,
        xr,
        yr,
        strip,
    };
    draw_suspend_line(root, &f)?;
    for (row, (i, t)) in ok.iter().enumerate() {
        let c = color(*i);
        let label = runs.get(*i).map(|r| r.label.as_str()).unwrap_or("");
        draw_outage_bar(root, &f, row, t, label, c)?;
        for seg in trace_segments(&f, t) {
            chart
                .draw_series(LineSeries::new(seg, c.mix(0.9).stroke_width(2)))
                .map_err(err)?;
        }
        draw_lost_ticks(root, &f, row, t, c)?;
    }
    if ok.is_empty() {
        text(
            root,
            "no run file: nothing to draw",
            ((f.xr.start + f.xr.end) / 2, (f.yr.start + f.yr.end) / 2),
            15.0,
            MUTED,
            HPos::Center,
        )?;
    }
    let (_, h) = area.dim_in_pixel();
    draw_notes(root, &f, top + h as i32, runs, &notes)
}

/// x = 0: the switchover.
fn draw_suspend_line(root: &Area, f: &Frame) -> Res {
    if f.x0 <= 0.0 && f.x1 >= 0.0 {
        let p = f.px(0.0);
        root.draw(&Rectangle::new(
            [(p, f.yr.start), (p + 1, f.yr.end)],
            BLACK.mix(0.45).filled(),
        ))
        .map_err(err)?;
        text(
            root,
            "suspend",
            (p + 4, f.yr.start + 2),
            12.0,
            MUTED,
            HPos::Left,
        )?;
    }
    Ok(())
}

/// The run's headline outage as a bar along the top, one row per run.
fn draw_outage_bar(root: &Area, f: &Frame, row: usize, t: &Trace, run: &str, c: RGBColor) -> Res {
    let y = f.yr.start - f.strip as i32 + 4 + 18 * row as i32;
    let Some((a, b)) = t.outage.filter(|(a, b)| *b >= f.x0 && *a <= f.x1) else {
        return Ok(());
    };
    let (l, r) = (
        f.px(a.max(f.x0)),
        f.px(b.min(f.x1)).max(f.px(a.max(f.x0)) + 2),
    );
    root.draw(&Rectangle::new([(l, y + 4), (r, y + 12)], c.filled()))
        .map_err(err)?;
    let s = format!("{run}: {} outage ({})", fine(ns(b - a)), t.target);
    let w = text_width(&s, 13.0);
    let x = if r + 6 + w < f.xr.end {
        r + 6
    } else {
        (l - 6 - w).max(f.xr.start)
    };
    text(root, &s, (x, y), 13.0, c, HPos::Left)
}

/// The RTT line, broken where probes are missing, downsampled.
fn trace_segments(f: &Frame, t: &Trace) -> Vec<Vec<(f64, f64)>> {
    let gap = (t.interval_ms * 3.0).max(5.0);
    let inside = t.points.iter().filter(|p| f.contains(p.0)).count();
    let mut d = Downsampler::new(f.x0, f.x1, 1_500, inside <= KEEP_ALL, 8_000);
    let mut last: Option<f64> = None;
    for &(x, yv) in &t.points {
        if last.is_some_and(|l| x - l > gap) {
            d.gap();
        }
        last = Some(x);
        d.push(x, yv.max(f.y_lo));
    }
    match d.finish() {
        Sampled::Points(s) => s,
        Sampled::Bands(s) => s
            .into_iter()
            .map(|seg| seg.into_iter().map(|b| (b.x, b.hi)).collect())
            .collect(),
    }
}

/// Lost probes: ticks along the bottom, one row per run.
fn draw_lost_ticks(root: &Area, f: &Frame, row: usize, t: &Trace, c: RGBColor) -> Res {
    let yb = f.yr.end - 8 - 7 * row as i32;
    let mut cols: Vec<i32> = t
        .lost
        .iter()
        .filter(|x| f.contains(**x))
        .map(|x| f.px(*x))
        .collect();
    cols.dedup();
    for p in cols {
        root.draw(&Rectangle::new([(p, yb), (p + 1, yb + 6)], c.filled()))
            .map_err(err)?;
    }
    Ok(())
}

/// Notes under the axis (ending at pixel row `bottom`): why a run has no line,
/// or how it was aligned.
fn draw_notes(
    root: &Area,
    f: &Frame,
    bottom: i32,
    runs: &[RunFigures],
    notes: &[(usize, &String)],
) -> Res {
    let mut y = bottom - 6 - 16 * notes.len() as i32;
    for &(i, n) in notes {
        let s = format!(
            "{}: {n}",
            runs.get(i).map(|r| r.label.as_str()).unwrap_or("")
        );
        text(
            root,
            &fit(&s, f.xr.end - f.xr.start, 13.0),
            (f.xr.start, y),
            13.0,
            color(i),
            HPos::Left,
        )?;
        y += 16;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(ms_label(1500.0), "1.5 s");
        assert_eq!(ms_label(-200.0), "-200 ms");
        assert_eq!(ms_label(0.0), "0 ms");
        assert_eq!(ms_label(0.25), "250 µs");
        assert_eq!(fit("abcdef", 1000, 14.0), "abcdef");
        assert!(fit(&"x".repeat(500), 100, 14.0).ends_with('…'));
        let w = wrap(
            "aaaa bbbb cccc dddd",
            text_width("aaaa bbbb", 14.0),
            14.0,
            2,
        );
        assert_eq!(w, ["aaaa bbbb", "cccc dddd"]);
        assert_eq!(wrap("", 10, 14.0, 2), [""]);
    }
}
