//! The RTT panels of chart.svg: the whole run and the zoom on the headline
//! outage, with phases, outages, lost probes and hypervisor events drawn in.

use super::{
    class_name, darker, key_event, origin_code, origin_color, origin_name, phase_color,
    target_color, zoom_outage, DST, EVENT_LANES, KEEP_ALL_POINTS, LANE_H, LOCAL, LOSS,
    MAX_KEY_LINES, OUTAGE_LANES, OVERVIEW_BUCKETS, PHASE_LANES, POINT_CAP, SRC,
};
use crate::analysis::model::{Analysis, EventMark, Outage};
use crate::report::draw::{
    bold, decimals_for, err, label, num_label_in, rect, rtt_chart, text, Area, Res, INK, MARGIN_L,
    MARGIN_R, MUTED, Y_LABEL_W,
};
use crate::report::series::{assign_lanes, log_range, text_width, Columns, Downsampler, Sampled};
use crate::report::text::dur;
use crate::report::verdict;
use migprobe_probe::record::{Origin, ProbeStatus, RunData};
use migprobe_probe::types::RealNs;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;
use std::collections::BTreeMap;

/// The drawable series of each target.
type Lines = Vec<(u32, Sampled)>;

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

/// What one RTT panel shows and how times map to its x axis.
pub(super) struct RttPanel<'a> {
    /// Bold caption above the panel.
    pub caption: &'a str,
    /// Left end of the x axis.
    pub x0: f64,
    /// Right end of the x axis.
    pub x1: f64,
    /// Description of the x axis.
    pub x_desc: &'a str,
    /// Realtime → x.
    pub to_x: &'a dyn Fn(RealNs) -> f64,
    /// Nanoseconds per x unit.
    pub ns_per_unit: f64,
    /// True for the zoom (every probe, outage brackets drawn).
    pub zoomed: bool,
}

/// Draws one RTT panel into `area` (labels that overflow it go on `root`).
pub(super) fn draw_rtt_panel(
    root: &Area,
    area: &Area,
    a: &Analysis,
    run: &RunData,
    p: &RttPanel,
) -> Res {
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
    let any_key = a.events.iter().any(|m| {
        let x = (p.to_x)(m.at_ns);
        key_event(m).is_some() && x >= x0 && x <= x1
    });
    let top_strip = if any_key {
        22 + EVENT_LANES as i32 * LANE_H + 2
    } else {
        24
    };
    let xd = decimals_for(x1 - x0);
    let xfmt = |v: &f64| num_label_in(*v, xd);
    let chart = rtt_chart(
        area,
        (top_strip as u32, 4, 38),
        (x0, x1, y_lo, y_hi),
        (p.x_desc, 10, &xfmt),
    )?;
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
    bold(root, &caption, (panel.left, area_y + 4), 15.0, INK)?;

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
                (*l, panel.top + 3 + lane as i32 * LANE_H),
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
            label(root, s, (*l, y), darker(LOSS))?;
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
            text(root, s, (*l, y), 13.5, c, HPos::Left)?;
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
            (
                (panel.left + panel.right) / 2,
                (panel.top + panel.bottom) / 2 - 10,
            ),
            20.0,
            MUTED,
            HPos::Center,
        )?;
    }
    Ok(())
}
