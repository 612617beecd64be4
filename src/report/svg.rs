//! chart.svg: RTT over time on a log axis with the migration drawn in, a zoom
//! on the switchover / headline outage at full resolution, and migration
//! progress. Drawn with plotters' SVG backend into a string.
//!
//! Panels, top to bottom:
//! 1. RTT per target (min/max-downsampled so spikes survive), lost probes as
//!    red ticks along the bottom, outages shaded and labelled, phases as
//!    labelled translucent bands, key hypervisor events as labelled vertical
//!    lines (source solid, destination dashed), other events as short ticks.
//! 2. Zoom around the headline outage / switchover (only when there is one).
//! 3. Memory and disk remaining, MiB (only when progress was sampled).

use super::fmt::dur;
use super::series::{assign_lanes, log_range, text_width, Columns, Downsampler, Sampled};
use super::verdict::{self, target_name};
use crate::analysis::model::phase_names as pn;
use crate::analysis::model::{Analysis, EventMark, Outage, OutageClass, Phase};
use crate::events::kinds;
use crate::record::{Origin, ProbeStatus, RunData};
use crate::types::RealNs;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeMap;

/// Points per target in the overview are bounded by twice this (min and max per bucket).
pub const OVERVIEW_BUCKETS: usize = 1_500;
/// Up to this many points per target are drawn as they are.
pub const KEEP_ALL_POINTS: usize = 3_000;
/// At most this many events are drawn as labelled lines per panel; the rest are ticks.
pub const MAX_KEY_LINES: usize = 60;
/// Hard cap on points per target and panel, whatever the data.
pub const POINT_CAP: usize = 8_000;

const TITLE_H: u32 = 64;
const MAIN_H: u32 = 430;
const ZOOM_H: u32 = 330;
const PROGRESS_H: u32 = 210;
const Y_LABEL_W: u32 = 64;
const MARGIN_L: u32 = 10;
const MARGIN_R: u32 = 22;
const LANE_H: i32 = 14;
const EVENT_LANES: usize = 3;
const PHASE_LANES: usize = 3;
const OUTAGE_LANES: usize = 2;
const FONT: &str = "sans-serif";

const TARGET_COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(23, 190, 207),
    RGBColor(188, 189, 34),
    RGBColor(127, 127, 127),
];
const LOSS: RGBColor = RGBColor(214, 39, 40);
const SRC: RGBColor = RGBColor(166, 77, 0);
const DST: RGBColor = RGBColor(0, 92, 175);
const LOCAL: RGBColor = RGBColor(90, 90, 90);
const INK: RGBColor = RGBColor(30, 30, 30);
const MUTED: RGBColor = RGBColor(100, 100, 100);
const MEMORY: RGBColor = RGBColor(31, 119, 180);
const DISK: RGBColor = RGBColor(140, 86, 75);

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Res = Result<(), String>;
/// The drawable series of each target.
type Lines = Vec<(u32, Sampled)>;
/// A named, coloured series of points.
type Named<'a> = (&'a str, RGBColor, Vec<(f64, f64)>);

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

fn phase_color(name: &str) -> RGBColor {
    match name {
        pn::PREPARATION => RGBColor(150, 150, 150),
        pn::STORAGE_COPY => RGBColor(190, 140, 50),
        pn::MEMORY_PRECOPY => RGBColor(70, 130, 220),
        pn::SWITCHOVER => RGBColor(255, 127, 14),
        pn::NETWORK_CONVERGENCE => RGBColor(230, 190, 0),
        pn::COMPLETION => RGBColor(60, 170, 90),
        _ => RGBColor(160, 160, 160),
    }
}

fn darker(c: RGBColor) -> RGBColor {
    RGBColor(c.0 / 2, c.1 / 2, c.2 / 2)
}

fn origin_color(o: Origin) -> RGBColor {
    match o {
        Origin::Src => SRC,
        Origin::Dst => DST,
        Origin::Local => LOCAL,
    }
}

fn origin_code(o: Origin) -> u8 {
    match o {
        Origin::Src => 0,
        Origin::Dst => 1,
        Origin::Local => 2,
    }
}

fn origin_name(o: Origin) -> &'static str {
    match o {
        Origin::Src => "src",
        Origin::Dst => "dst",
        Origin::Local => "",
    }
}

/// Short label and priority (lower first) of the events worth a label.
fn key_event(m: &EventMark) -> Option<(&'static str, u8)> {
    Some(match m.kind.as_str() {
        kinds::SUSPENDED => ("suspended", 0),
        kinds::RESUMED => ("resumed", 1),
        kinds::STARTED => ("started", 3),
        kinds::STOPPED => ("stopped", 4),
        kinds::QEMU_STOP => ("QEMU stop", 2),
        kinds::QEMU_RESUME => ("QEMU resume", 2),
        kinds::JOB_COMPLETED => ("job done", 5),
        kinds::BLOCK_JOB if m.label.contains("ready") => ("block ready", 5),
        kinds::TRIGGER_STARTED => ("trigger", 6),
        kinds::TRIGGER_EXITED => ("trigger exit", 6),
        _ => return None,
    })
}

fn class_name(c: OutageClass) -> &'static str {
    super::json::class_name(c)
}

/// `value` ms as an axis label: `10 µs`, `1 ms`, `1 s`.
fn ms_label(v: f64) -> String {
    let trim = |x: f64| {
        let s = format!("{x:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    };
    if !v.is_finite() {
        String::new()
    } else if v >= 1_000.0 {
        format!("{} s", trim(v / 1_000.0))
    } else if v >= 1.0 {
        format!("{} ms", trim(v))
    } else if v >= 0.001 {
        format!("{} µs", trim(v * 1_000.0))
    } else {
        format!("{} ns", trim(v * 1e6))
    }
}

/// `v` with at most `decimals` decimals, trailing zeros dropped.
fn num_label_in(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    if s == "-0" {
        "0".into()
    } else {
        s.to_owned()
    }
}

/// Decimals that tell apart axis labels about a tenth of `span` apart.
fn decimals_for(span: f64) -> usize {
    if span > 0.0 && span.is_finite() {
        (-(span / 10.0).log10()).ceil().clamp(0.0, 9.0) as usize
    } else {
        0
    }
}

/// Renders the chart, `width` pixels wide (clamped to 480..=4000).
pub fn render(a: &Analysis, run: &RunData, width: u32) -> Vec<u8> {
    let width = width.clamp(480, 4_000);
    // plotters is a third-party drawing library: should it ever panic on some
    // corner of the data, the rest of the report must still be written.
    let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut buf = String::new();
        draw(&mut buf, a, run, width).map(|()| buf)
    }));
    match drawn {
        Ok(Ok(svg)) => svg.into_bytes(),
        Ok(Err(e)) => fallback(width, &format!("the chart could not be drawn: {e}")),
        Err(_) => fallback(width, "the chart could not be drawn (internal error)"),
    }
}

/// A minimal SVG that says why there is no chart.
fn fallback(width: u32, why: &str) -> Vec<u8> {
    let esc = why
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<svg width=\"{width}\" height=\"60\" viewBox=\"0 0 {width} 60\" xmlns=\"http://www.w3.org/2000/svg\">\n<text x=\"10\" y=\"35\" font-family=\"sans-serif\" font-size=\"14\">{esc}</text>\n</svg>\n"
    )
    .into_bytes()
}

/// The zoom window: anchor (x = 0) and range in ns relative to it.
#[derive(Debug, Clone, Copy)]
struct Zoom {
    anchor: RealNs,
    lo_ns: i64,
    hi_ns: i64,
}

fn phase<'a>(a: &'a Analysis, name: &str) -> Option<&'a Phase> {
    a.phases.iter().find(|p| p.name == name)
}

/// The outage the zoom is about: the headline's, else the longest.
fn zoom_outage(a: &Analysis) -> Option<&Outage> {
    a.downtime
        .as_ref()
        .and_then(|d| verdict::headline_outage(a, d))
        .or_else(|| a.outages.iter().max_by_key(|o| o.estimate_ns))
        .filter(|_| a.downtime.is_some() || phase(a, pn::SWITCHOVER).is_none())
}

fn zoom_window(a: &Analysis) -> Option<Zoom> {
    let o = zoom_outage(a);
    let sw = phase(a, pn::SWITCHOVER);
    let nc = phase(a, pn::NETWORK_CONVERGENCE);
    let (mut lo, mut hi, anchor) = match (o, sw) {
        (Some(o), _) => (o.start_ns, o.end_ns, o.start_ns),
        (None, Some(s)) => (s.start_ns, s.end_ns, s.start_ns),
        (None, None) => return None,
    };
    // Pull in the switchover and convergence when they are near (10 s).
    for p in [sw, nc].into_iter().flatten() {
        if p.start_ns.since(hi) < 10_000_000_000 && lo.since(p.end_ns) < 10_000_000_000 {
            lo = lo.min(p.start_ns);
            hi = hi.max(p.end_ns);
        }
    }
    let core = hi.since(lo).max(0);
    let pad = core.max(50_000_000);
    Some(Zoom {
        anchor,
        lo_ns: lo.since(anchor).saturating_sub(pad),
        hi_ns: hi.since(anchor).saturating_add(pad),
    })
}

/// Pixel geometry of one drawn panel and its data → pixel mapping.
struct Panel<'a> {
    left: i32,
    right: i32,
    top: i32,
    bottom: i32,
    x0: f64,
    x1: f64,
    /// Maps x (panel units) to a pixel column.
    px: &'a dyn Fn(f64) -> i32,
    /// Maps (x, y) to a pixel.
    pxy: &'a dyn Fn(f64, f64) -> (i32, i32),
}

impl Panel<'_> {
    /// Pixel span of [x_a, x_b], at least `min` px wide, clipped to the panel;
    /// None when wholly outside.
    fn span(&self, xa: f64, xb: f64, min: i32) -> Option<(i32, i32)> {
        if !(xb >= self.x0 && xa <= self.x1) {
            return None;
        }
        let a = (self.px)(xa.max(self.x0));
        let b = (self.px)(xb.min(self.x1));
        let (a, b) = if b - a < min {
            let c = (a + b) / 2;
            (c - min / 2, c - min / 2 + min)
        } else {
            (a, b)
        };
        Some((a.max(self.left), b.min(self.right)))
    }
}

/// Per-target series of one panel plus its lost probes.
struct Data {
    series: Lines,
    lost: Vec<(f64, f64)>,
    points: usize,
    y_min: f64,
    y_max: f64,
}

/// Collects RTT points (x in panel units from `to_x(tx)`) within `[x0, x1]`.
fn collect(
    run: &RunData,
    to_x: &dyn Fn(RealNs) -> f64,
    x0: f64,
    x1: f64,
    columns: usize,
    break_after: u64,
) -> Data {
    let in_range = |x: f64| x.is_finite() && x >= x0 && x <= x1;
    let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
    for p in &run.probes {
        if p.status == ProbeStatus::Ok && p.rtt_ns.is_some_and(|r| r > 0) && in_range(to_x(p.tx_ns))
        {
            *counts.entry(p.target_id).or_default() += 1;
        }
    }
    let mut samplers: BTreeMap<u32, (Downsampler, Option<u64>)> = counts
        .iter()
        .map(|(&id, &n)| {
            let keep = n <= KEEP_ALL_POINTS;
            (
                id,
                (
                    Downsampler::new(x0, x1, OVERVIEW_BUCKETS, keep, POINT_CAP),
                    None,
                ),
            )
        })
        .collect();
    let mut lost = Columns::new(x0, x1, columns);
    for p in &run.probes {
        match p.status {
            ProbeStatus::Ok => {
                let Some(rtt) = p.rtt_ns.filter(|r| *r > 0) else {
                    continue;
                };
                let x = to_x(p.tx_ns);
                if !in_range(x) {
                    continue;
                }
                if let Some((d, last)) = samplers.get_mut(&p.target_id) {
                    if last.is_some_and(|l| p.index.0.saturating_sub(l) > break_after) {
                        d.gap();
                    }
                    *last = Some(p.index.0);
                    d.push(x, rtt as f64 / 1e6);
                }
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

fn target_color(a: &Analysis, id: u32) -> RGBColor {
    let pos = a
        .targets
        .iter()
        .position(|t| t.id == id)
        .unwrap_or(id as usize);
    TARGET_COLORS[pos % TARGET_COLORS.len()]
}

fn text(root: &Area, s: &str, x: i32, y: i32, size: f64, color: RGBColor, h: HPos) -> Res {
    let style = TextStyle::from((FONT, size).into_font())
        .color(&color)
        .pos(Pos::new(h, VPos::Top));
    root.draw(&Text::new(s.to_owned(), (x, y), style))
        .map_err(err)
}

fn bold(root: &Area, s: &str, x: i32, y: i32, size: f64, color: RGBColor) -> Res {
    let style = TextStyle::from((FONT, size).into_font().style(FontStyle::Bold))
        .color(&color)
        .pos(Pos::new(HPos::Left, VPos::Top));
    root.draw(&Text::new(s.to_owned(), (x, y), style))
        .map_err(err)
}

/// A label with a translucent white backing so it stays readable over data.
fn label(root: &Area, s: &str, x: i32, y: i32, color: RGBColor) -> Res {
    let w = text_width(s, 11.0);
    root.draw(&Rectangle::new(
        [(x - 1, y - 1), (x + w + 1, y + LANE_H - 2)],
        WHITE.mix(0.75).filled(),
    ))
    .map_err(err)?;
    text(root, s, x, y, 13.5, color, HPos::Left)
}

fn rect(root: &Area, (x0, y0): (i32, i32), (x1, y1): (i32, i32), style: ShapeStyle) -> Res {
    root.draw(&Rectangle::new([(x0, y0), (x1, y1)], style))
        .map_err(err)
}

fn draw(buf: &mut String, a: &Analysis, run: &RunData, width: u32) -> Res {
    let zoom = zoom_window(a);
    let has_progress = a.progress.iter().any(|p| {
        p.memory_remaining.is_some() || p.disk_remaining.is_some() || p.data_remaining.is_some()
    });
    let height = TITLE_H
        + MAIN_H
        + if zoom.is_some() { ZOOM_H } else { 0 }
        + if has_progress { PROGRESS_H } else { 0 }
        + 6;
    {
        let root = SVGBackend::with_string(buf, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (title, rest) = root.split_vertically(TITLE_H);
        let (main, rest) = rest.split_vertically(MAIN_H);
        draw_title(&title, a, run, width)?;
        let span_ns = a.end_ns.since(a.start_ns).max(1);
        // At least a millisecond of axis, so an empty or one-probe run still has readable ticks.
        let span_s = span_ns.max(1_000_000) as f64 / 1e9;
        let to_s = |t: RealNs| t.since(a.start_ns) as f64 / 1e9;
        let main_caption = format!(
            "Round-trip time per probe (log scale) over the whole run, {}",
            dur(a.end_ns.since(a.start_ns).max(0))
        );
        draw_rtt_panel(
            &root,
            &main,
            a,
            run,
            &RttPanel {
                caption: &main_caption,
                x0: 0.0,
                x1: span_s,
                x_desc: "seconds from run start",
                to_x: &to_s,
                ns_per_unit: 1e9,
                zoomed: false,
            },
        )?;
        let mut rest = rest;
        if let Some(z) = zoom {
            let (zarea, r) = rest.split_vertically(ZOOM_H);
            rest = r;
            let to_ms = |t: RealNs| t.since(z.anchor) as f64 / 1e6;
            let what = match zoom_outage(a) {
                Some(o) => format!(
                    "{} {} outage",
                    verdict::estimate(o.estimate_ns, o.bracket_lo_ns, o.bracket_hi_ns),
                    class_name(o.class)
                ),
                None => "the switchover".to_owned(),
            };
            let caption = format!("Zoom on the {what}, every probe (0 = start of the outage)");
            let caption = if zoom_outage(a).is_none() {
                "Zoom on the switchover, every probe (0 = source paused)".to_owned()
            } else {
                caption.replace("Zoom on the ", "Zoom: ")
            };
            draw_rtt_panel(
                &root,
                &zarea,
                a,
                run,
                &RttPanel {
                    caption: &caption,
                    x0: z.lo_ns as f64 / 1e6,
                    x1: z.hi_ns as f64 / 1e6,
                    x_desc: if zoom_outage(a).is_some() {
                        "milliseconds from the start of the outage"
                    } else {
                        "milliseconds from the source pause"
                    },
                    to_x: &to_ms,
                    ns_per_unit: 1e6,
                    zoomed: true,
                },
            )?;
        }
        if has_progress {
            let (parea, _) = rest.split_vertically(PROGRESS_H);
            draw_progress(&root, &parea, a, span_s)?;
        }
        root.present().map_err(err)?;
    }
    Ok(())
}

fn draw_title(area: &Area, a: &Analysis, run: &RunData, width: u32) -> Res {
    let t = verdict::title(a);
    bold(area, &t, 12, 8, 20.0, INK)?;
    let sent = verdict::sent(a);
    let sub = format!(
        "{} · {} · interval {} · {} probes, {} lost{}",
        super::fmt::utc(a.start_ns.0),
        dur(a.end_ns.since(a.start_ns)),
        if a.interval_ns > 0 {
            dur(a.interval_ns)
        } else {
            "–".to_owned()
        },
        super::fmt::count(sent),
        super::fmt::count(verdict::lost(a)),
        a.migration
            .as_ref()
            .map(|m| format!(" · migration {}", m.result))
            .unwrap_or_default()
    );
    text(area, &sub, 12, 32, 14.0, MUTED, HPos::Left)?;
    // Legend, right-aligned on the second line.
    let mut items: Vec<(String, RGBColor, u8)> = Vec::new();
    let ids: Vec<u32> = if a.targets.is_empty() {
        let mut v: Vec<u32> = run.probes.iter().map(|p| p.target_id).collect();
        v.dedup();
        v.truncate(6);
        v
    } else {
        a.targets.iter().map(|t| t.id).take(6).collect()
    };
    for id in ids {
        items.push((target_name(a, id), target_color(a, id), 0));
    }
    items.push(("lost probe".into(), LOSS, 1));
    items.push(("outage".into(), LOSS, 2));
    if a.events.iter().any(|e| e.origin == Origin::Src) {
        items.push(("source event".into(), SRC, 3));
    }
    if a.events.iter().any(|e| e.origin == Origin::Dst) {
        items.push(("destination event".into(), DST, 4));
    }
    let widths: Vec<i32> = items.iter().map(|i| text_width(&i.0, 11.0) + 30).collect();
    let total: i32 = widths.iter().sum();
    let mut x = (width as i32 - 16 - total).max(12);
    let y = 48;
    for ((name, c, kind), w) in items.iter().zip(widths) {
        match kind {
            0 => rect(area, (x, y + 5), (x + 16, y + 8), c.filled())?,
            1 => rect(area, (x + 6, y + 1), (x + 8, y + 11), c.filled())?,
            2 => rect(area, (x, y), (x + 16, y + 12), c.mix(0.22).filled())?,
            3 => rect(area, (x + 7, y), (x + 8, y + 12), c.filled())?,
            _ => {
                rect(area, (x + 7, y), (x + 8, y + 4), c.filled())?;
                rect(area, (x + 7, y + 8), (x + 8, y + 12), c.filled())?;
            }
        }
        text(area, name, x + 20, y, 13.5, INK, HPos::Left)?;
        x += w;
    }
    Ok(())
}

struct RttPanel<'a> {
    caption: &'a str,
    x0: f64,
    x1: f64,
    x_desc: &'a str,
    to_x: &'a dyn Fn(RealNs) -> f64,
    /// Nanoseconds per x unit.
    ns_per_unit: f64,
    zoomed: bool,
}

fn draw_rtt_panel(root: &Area, area: &Area, a: &Analysis, run: &RunData, p: &RttPanel) -> Res {
    let (x0, x1) = if p.x1 > p.x0 && (p.x1 - p.x0).is_finite() {
        (p.x0, p.x1)
    } else {
        (p.x0, p.x0 + 1.0)
    };
    let (aw, _) = area.dim_in_pixel();
    let plot_w = (aw as usize).saturating_sub((Y_LABEL_W + MARGIN_L + MARGIN_R) as usize);
    let break_after = u64::from(a.min_loss_run.max(2));
    let data = collect(run, p.to_x, x0, x1, plot_w.max(1), break_after);
    let (y_lo, y_hi) = if data.points > 0 {
        log_range(data.y_min / 6.0, data.y_max * 3.0)
    } else {
        log_range(0.01, 100.0)
    };
    let decades = (y_hi / y_lo).log10().round().max(1.0) as usize;
    let any_key = a.events.iter().any(|m| {
        let x = (p.to_x)(m.at_ns);
        key_event(m).is_some() && x >= x0 && x <= x1
    });
    let top_strip = if any_key {
        22 + EVENT_LANES as i32 * LANE_H + 2
    } else {
        24
    };
    let mut chart = ChartBuilder::on(area)
        .margin_left(MARGIN_L)
        .margin_right(MARGIN_R)
        .margin_top(top_strip as u32)
        .margin_bottom(4)
        .x_label_area_size(38)
        .y_label_area_size(Y_LABEL_W)
        .build_cartesian_2d(x0..x1, (y_lo..y_hi).log_scale())
        .map_err(err)?;
    let xd = decimals_for(x1 - x0);
    let xfmt = |v: &f64| num_label_in(*v, xd);
    let yfmt = |v: &f64| ms_label(*v);
    chart
        .configure_mesh()
        .x_desc(p.x_desc)
        .y_desc("RTT")
        .x_labels(10)
        .y_labels(decades + 1)
        .x_label_formatter(&xfmt)
        .y_label_formatter(&yfmt)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 14))
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(BLACK.mix(0.04))
        .draw()
        .map_err(err)?;
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let map_x = |x: f64| chart.backend_coord(&(x, y_lo)).0;
    let map_xy = |x: f64, y: f64| chart.backend_coord(&(x, y));
    let panel = Panel {
        left: xr.start,
        right: xr.end,
        top: yr.start,
        bottom: yr.end,
        x0,
        x1,
        px: &map_x,
        pxy: &map_xy,
    };
    let (_, area_y) = area.get_base_pixel();
    let banded = data
        .series
        .iter()
        .any(|(_, s)| matches!(s, Sampled::Bands(_)));
    let caption = if banded {
        let bucket_ns = ((x1 - x0) / OVERVIEW_BUCKETS as f64 * p.ns_per_unit) as i64;
        format!(
            "{} — shaded: min–max per {}, line: median",
            p.caption,
            dur(bucket_ns)
        )
    } else {
        p.caption.to_owned()
    };
    bold(root, &caption, panel.left, area_y + 4, 15.0, INK)?;

    let to_x = p.to_x;

    // Phase bands.
    let mut phase_labels = Vec::new();
    for ph in &a.phases {
        let (xa, xb) = (to_x(ph.start_ns), to_x(ph.end_ns));
        let Some((l, r)) = panel.span(xa, xb, 1) else {
            continue;
        };
        let c = phase_color(&ph.name);
        rect(
            root,
            (l, panel.top),
            (r, panel.bottom),
            c.mix(0.13).filled(),
        )?;
        let len = dur(ph.end_ns.since(ph.start_ns));
        let name = match ph.iterations {
            Some(n) if n > 0 => format!("{} ×{n} {len}", ph.name),
            _ => format!("{} {len}", ph.name),
        };
        phase_labels.push((name, l, c));
    }
    let spans: Vec<(i32, i32)> = phase_labels
        .iter()
        .map(|(s, l, _)| {
            let w = text_width(s, 11.0);
            ((*l + 3).min(panel.right - w).max(panel.left), w)
        })
        .collect();
    for ((s, _, c), (lane, (l, _))) in phase_labels
        .iter()
        .zip(assign_lanes(&spans, PHASE_LANES, 6).into_iter().zip(&spans))
    {
        if let Some(lane) = lane {
            label(
                root,
                s,
                *l,
                panel.top + 3 + lane as i32 * LANE_H,
                darker(*c),
            )?;
        }
    }

    // Outages: shaded, labelled near the bottom (headline first, then the longest).
    let headline = zoom_outage(a);
    let mut order: Vec<&Outage> = a.outages.iter().collect();
    order.sort_by_key(|o| {
        (
            !headline.is_some_and(|h| std::ptr::eq(h, *o)),
            std::cmp::Reverse(o.estimate_ns),
        )
    });
    let mut outage_labels = Vec::new();
    // Shade merged pixel spans: thousands of outages stay a few hundred rectangles.
    let mut shades: Vec<(i32, i32)> = a
        .outages
        .iter()
        .filter_map(|o| panel.span(to_x(o.start_ns), to_x(o.end_ns), 2))
        .collect();
    shades.sort_unstable();
    let mut merged: Vec<(i32, i32)> = Vec::new();
    for (l, r) in shades {
        match merged.last_mut() {
            Some(last) if l <= last.1 => last.1 = last.1.max(r),
            _ => merged.push((l, r)),
        }
    }
    for (l, r) in merged {
        rect(
            root,
            (l, panel.top),
            (r, panel.bottom),
            LOSS.mix(0.2).filled(),
        )?;
    }
    for o in order.iter().take(24) {
        let Some((l, r)) = panel.span(to_x(o.start_ns), to_x(o.end_ns), 2) else {
            continue;
        };
        let s = if p.zoomed {
            format!(
                "{} {}, {} lost, {} queued",
                verdict::estimate(o.estimate_ns, o.bracket_lo_ns, o.bracket_hi_ns),
                class_name(o.class),
                o.lost,
                o.queued
            )
        } else {
            format!("{} {}", dur(o.estimate_ns), class_name(o.class))
        };
        let w = text_width(&s, 11.0);
        let left = ((l + r) / 2 - w / 2).clamp(panel.left, (panel.right - w).max(panel.left));
        outage_labels.push((s, left, w));
    }
    let spans: Vec<(i32, i32)> = outage_labels.iter().map(|(_, l, w)| (*l, *w)).collect();
    for ((s, l, _), lane) in outage_labels
        .iter()
        .zip(assign_lanes(&spans, OUTAGE_LANES, 6))
    {
        if let Some(lane) = lane {
            let y = panel.bottom - 12 - (lane as i32 + 1) * LANE_H;
            label(root, s, *l, y, darker(LOSS))?;
        }
    }

    // Events: key ones as labelled lines (the most important MAX_KEY_LINES),
    // others as short ticks at the top, one per pixel column and origin.
    let mut keyed: Vec<(&EventMark, &str, u8)> = Vec::new();
    let mut ticks: std::collections::BTreeSet<(i32, u8)> = Default::default();
    for m in &a.events {
        let x = to_x(m.at_ns);
        if !(x >= x0 && x <= x1) {
            continue;
        }
        match key_event(m) {
            Some((short, prio)) => keyed.push((m, short, prio)),
            None => {
                ticks.insert(((panel.px)(x), origin_code(m.origin)));
            }
        }
    }
    keyed.sort_by_key(|(m, _, prio)| (*prio, m.at_ns));
    for (m, _, _) in keyed.iter().skip(MAX_KEY_LINES) {
        ticks.insert(((panel.px)(to_x(m.at_ns)), origin_code(m.origin)));
    }
    keyed.truncate(MAX_KEY_LINES);
    for (px, o) in ticks {
        let c = match o {
            0 => SRC,
            1 => DST,
            _ => LOCAL,
        };
        rect(
            root,
            (px, panel.top),
            (px + 1, panel.top + 7),
            c.mix(0.5).filled(),
        )?;
    }
    for (m, _, _) in &keyed {
        let px = (panel.px)(to_x(m.at_ns));
        let c = origin_color(m.origin);
        if m.origin == Origin::Dst {
            let mut y = panel.top;
            while y < panel.bottom {
                rect(
                    root,
                    (px, y),
                    (px + 1, (y + 5).min(panel.bottom)),
                    c.mix(0.8).filled(),
                )?;
                y += 8;
            }
        } else {
            rect(
                root,
                (px, panel.top),
                (px + 1, panel.bottom),
                c.mix(0.8).filled(),
            )?;
        }
    }
    let texts: Vec<String> = keyed
        .iter()
        .map(|(m, short, _)| {
            let o = origin_name(m.origin);
            if o.is_empty() {
                (*short).to_owned()
            } else {
                format!("{o} {short}")
            }
        })
        .collect();
    let spans: Vec<(i32, i32)> = keyed
        .iter()
        .zip(&texts)
        .map(|((m, _, _), s)| {
            let w = text_width(s, 11.0);
            let px = (panel.px)(to_x(m.at_ns));
            ((px + 2).min(panel.right + MARGIN_R as i32 - w), w)
        })
        .collect();
    let strip_top = panel.top - EVENT_LANES as i32 * LANE_H - 1;
    for (((m, _, _), s), (lane, (l, _))) in keyed
        .iter()
        .zip(&texts)
        .zip(assign_lanes(&spans, EVENT_LANES, 6).into_iter().zip(&spans))
    {
        if let Some(lane) = lane {
            let y = strip_top + lane as i32 * LANE_H;
            let px = (panel.px)(to_x(m.at_ns));
            let c = origin_color(m.origin);
            rect(
                root,
                (px, y + LANE_H - 3),
                (px + 1, panel.top),
                c.mix(0.5).filled(),
            )?;
            text(root, s, *l, y, 13.5, c, HPos::Left)?;
        }
    }

    // RTT series: every point, or per bucket the min–max envelope and the median.
    let dots = data.points <= 1_500;
    for (id, sampled) in &data.series {
        let c = target_color(a, *id);
        match sampled {
            Sampled::Points(segs) => {
                for seg in segs {
                    let pts: Vec<(i32, i32)> =
                        seg.iter().map(|&(x, y)| (panel.pxy)(x, y)).collect();
                    if pts.len() > 1 {
                        root.draw(&PathElement::new(pts.clone(), c.stroke_width(1)))
                            .map_err(err)?;
                    }
                    if dots || pts.len() == 1 {
                        for pt in pts {
                            root.draw(&Circle::new(pt, 2, c.filled())).map_err(err)?;
                        }
                    }
                }
            }
            Sampled::Bands(segs) => {
                for seg in segs {
                    let mut outline: Vec<(i32, i32)> =
                        seg.iter().map(|b| (panel.pxy)(b.x, b.hi)).collect();
                    outline.extend(seg.iter().rev().map(|b| (panel.pxy)(b.x, b.lo)));
                    if seg.len() == 1 {
                        let (px, top) = outline[0];
                        let bottom = outline[1].1;
                        rect(
                            root,
                            (px - 1, top),
                            (px + 1, bottom.max(top + 1)),
                            c.mix(0.35).filled(),
                        )?;
                    } else {
                        root.draw(&Polygon::new(outline, c.mix(0.3).filled()))
                            .map_err(err)?;
                    }
                    // The upper edge as a line, so a one-bucket spike is not a hairline.
                    let top: Vec<(i32, i32)> = seg.iter().map(|b| (panel.pxy)(b.x, b.hi)).collect();
                    root.draw(&PathElement::new(top, c.mix(0.55).stroke_width(1)))
                        .map_err(err)?;
                    let mid: Vec<(i32, i32)> =
                        seg.iter().map(|b| (panel.pxy)(b.x, b.mid)).collect();
                    root.draw(&PathElement::new(mid, c.stroke_width(1)))
                        .map_err(err)?;
                }
            }
        }
    }

    // Lost probes: red ticks along the bottom.
    for &(xa, xb) in &data.lost {
        if let Some((l, r)) = panel.span(xa, xb, 1) {
            let r = if p.zoomed { r.max(l + 2) } else { r };
            rect(
                root,
                (l, panel.bottom - 9),
                (r, panel.bottom - 1),
                LOSS.filled(),
            )?;
        }
    }

    if data.points == 0 {
        let msg = if run.probes.is_empty() {
            "no data: this run has no probes"
        } else {
            "no replies in this window"
        };
        text(
            root,
            msg,
            (panel.left + panel.right) / 2,
            (panel.top + panel.bottom) / 2 - 10,
            20.0,
            MUTED,
            HPos::Center,
        )?;
    }
    Ok(())
}

fn draw_progress(root: &Area, area: &Area, a: &Analysis, span_s: f64) -> Res {
    let mib = |b: Option<u64>| b.map(|v| v as f64 / 1_048_576.0);
    let to_s = |t: RealNs| t.since(a.start_ns) as f64 / 1e9;
    let series: [Named; 3] = [
        (
            "memory remaining",
            MEMORY,
            a.progress
                .iter()
                .filter_map(|p| Some((to_s(p.at_ns), mib(p.memory_remaining)?)))
                .collect(),
        ),
        (
            "disk remaining",
            DISK,
            a.progress
                .iter()
                .filter_map(|p| Some((to_s(p.at_ns), mib(p.disk_remaining)?)))
                .collect(),
        ),
        (
            "data remaining",
            MUTED,
            a.progress
                .iter()
                .filter(|p| p.memory_remaining.is_none() && p.disk_remaining.is_none())
                .filter_map(|p| Some((to_s(p.at_ns), mib(p.data_remaining)?)))
                .collect(),
        ),
    ];
    let x1 = if span_s > 0.0 && span_s.is_finite() {
        span_s
    } else {
        1.0
    };
    let in_x = |x: f64| x.is_finite() && (0.0..=x1).contains(&x);
    let y_max = series
        .iter()
        .flat_map(|s| s.2.iter())
        .filter(|p| in_x(p.0))
        .map(|p| p.1)
        .fold(0.0f64, f64::max);
    let y_max = if y_max > 0.0 && y_max.is_finite() {
        y_max * 1.1
    } else {
        1.0
    };
    let top = 28;
    let mut chart = ChartBuilder::on(area)
        .margin_left(MARGIN_L)
        .margin_right(MARGIN_R)
        .margin_top(top)
        .margin_bottom(4)
        .x_label_area_size(38)
        .y_label_area_size(Y_LABEL_W)
        .build_cartesian_2d(0.0..x1, 0.0..y_max)
        .map_err(err)?;
    let xd = decimals_for(x1);
    let xfmt = |v: &f64| num_label_in(*v, xd);
    let yd = decimals_for(y_max);
    let yfmt = |v: &f64| format!("{} MiB", num_label_in(*v, yd));
    chart
        .configure_mesh()
        .x_desc("seconds from run start")
        .x_labels(10)
        .y_labels(5)
        .x_label_formatter(&xfmt)
        .y_label_formatter(&yfmt)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 14))
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(BLACK.mix(0.04))
        .draw()
        .map_err(err)?;
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let spec: Cartesian2d<RangedCoordf64, RangedCoordf64> = chart.as_coord_spec().clone();
    let (_, area_y) = area.get_base_pixel();
    bold(
        root,
        "Migration progress: data still to copy",
        xr.start,
        area_y + 4,
        15.0,
        INK,
    )?;
    for ph in &a.phases {
        let (xa, xb) = (to_s(ph.start_ns).max(0.0), to_s(ph.end_ns).min(x1));
        if xb < 0.0 || xa > x1 || xb < xa {
            continue;
        }
        let l = spec.translate(&(xa, 0.0)).0;
        let r = spec.translate(&(xb, 0.0)).0.max(l + 1);
        rect(
            root,
            (l, yr.start),
            (r, yr.end),
            phase_color(&ph.name).mix(0.1).filled(),
        )?;
    }
    let mut legend_x = xr.end - 10;
    for (name, c, pts) in series.iter().rev() {
        let pts: Vec<(i32, i32)> = pts
            .iter()
            .filter(|p| in_x(p.0) && p.1.is_finite())
            .map(|&p| spec.translate(&p))
            .collect();
        if pts.is_empty() {
            continue;
        }
        if pts.len() > 1 {
            root.draw(&PathElement::new(pts.clone(), c.stroke_width(2)))
                .map_err(err)?;
        }
        if pts.len() <= 300 {
            for pt in pts {
                root.draw(&Circle::new(pt, 2, c.filled())).map_err(err)?;
            }
        }
        let w = text_width(name, 11.0);
        legend_x -= w + 24;
        rect(
            root,
            (legend_x, yr.start + 10),
            (legend_x + 14, yr.start + 13),
            c.filled(),
        )?;
        text(
            root,
            name,
            legend_x + 18,
            yr.start + 4,
            13.5,
            INK,
            HPos::Left,
        )?;
    }
    Ok(())
}
