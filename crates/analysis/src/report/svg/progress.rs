//! The progress panel of chart.svg: memory and disk still to copy, from the
//! source's job statistics, over the phases.

use super::phase_color;
use crate::analysis::model::{Analysis, Progress};
use crate::report::draw::{
    bold, chart_builder, decimals_for, err, house_style, num_label_in, rect, text, Area, Res, INK,
    MUTED,
};
use crate::report::series::text_width;
use migprobe_probe::types::RealNs;
use plotters::chart::ChartContext;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

const MEMORY: RGBColor = RGBColor(31, 119, 180);
const DISK: RGBColor = RGBColor(140, 86, 75);
/// Up to this many points a series is drawn with a dot each.
const MAX_DOTS: usize = 300;

/// A named, coloured series of points.
type Named<'a> = (&'a str, RGBColor, Vec<(f64, f64)>);

/// The plot of the panel: where to draw and how (x s, y MiB) maps to pixels.
struct Plot<'a, 'c> {
    root: &'a Area<'c>,
    spec: &'a Cartesian2d<RangedCoordf64, RangedCoordf64>,
    /// Right end of the plot, px.
    right: i32,
    /// Top and bottom of the plot, px.
    rows: (i32, i32),
    /// Right end of the x axis, s.
    x1: f64,
}

/// True for an x (s) on an axis from 0 to `x1`.
fn on_axis(x: f64, x1: f64) -> bool {
    x.is_finite() && (0.0..=x1).contains(&x)
}

/// Draws the progress panel; x is seconds from the run start, like the main panel.
pub(super) fn draw_progress(root: &Area, area: &Area, a: &Analysis, span_s: f64) -> Res {
    let to_s = |t: RealNs| t.since(a.start_ns) as f64 / 1e9;
    let series = remaining(a, &to_s);
    let x1 = if span_s > 0.0 && span_s.is_finite() {
        span_s
    } else {
        1.0
    };
    let y_max = series
        .iter()
        .flat_map(|s| s.2.iter())
        .filter(|p| on_axis(p.0, x1))
        .map(|p| p.1)
        .fold(0.0f64, f64::max);
    let y_max = if y_max > 0.0 && y_max.is_finite() {
        y_max * 1.1
    } else {
        1.0
    };
    let chart = progress_chart(area, x1, y_max)?;
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let spec: Cartesian2d<RangedCoordf64, RangedCoordf64> = chart.as_coord_spec().clone();
    let (_, area_y) = area.get_base_pixel();
    bold(
        root,
        "Migration progress: data still to copy",
        (xr.start, area_y + 4),
        15.0,
        INK,
    )?;
    let plot = Plot {
        root,
        spec: &spec,
        right: xr.end,
        rows: (yr.start, yr.end),
        x1,
    };
    draw_phases(&plot, a, &to_s)?;
    draw_lines(&plot, &series)
}

/// Memory, disk and (when neither was reported) total data remaining, MiB
/// over seconds from the run start.
fn remaining<'a>(a: &Analysis, to_s: &dyn Fn(RealNs) -> f64) -> [Named<'a>; 3] {
    let mib = |b: Option<u64>| b.map(|v| v as f64 / 1_048_576.0);
    let points = |f: &dyn Fn(&Progress) -> Option<u64>| -> Vec<(f64, f64)> {
        a.progress
            .iter()
            .filter_map(|p| Some((to_s(p.at_ns), mib(f(p))?)))
            .collect()
    };
    [
        ("memory remaining", MEMORY, points(&|p| p.memory_remaining)),
        ("disk remaining", DISK, points(&|p| p.disk_remaining)),
        (
            "data remaining",
            MUTED,
            points(&|p| {
                p.data_remaining
                    .filter(|_| p.memory_remaining.is_none() && p.disk_remaining.is_none())
            }),
        ),
    ]
}

/// The chart of the panel, meshed: x 0..`x1` s, y 0..`y_max` MiB.
fn progress_chart<'a, 'c>(
    area: &'a Area<'c>,
    x1: f64,
    y_max: f64,
) -> Result<ChartContext<'a, SVGBackend<'c>, Cartesian2d<RangedCoordf64, RangedCoordf64>>, String> {
    let mut chart = chart_builder(area, 28, 4, 38)
        .build_cartesian_2d(0.0..x1, 0.0..y_max)
        .map_err(err)?;
    let xd = decimals_for(x1);
    let xfmt = |v: &f64| num_label_in(*v, xd);
    let yd = decimals_for(y_max);
    let yfmt = |v: &f64| format!("{} MiB", num_label_in(*v, yd));
    house_style(&mut chart.configure_mesh())
        .x_desc("seconds from run start")
        .x_labels(10)
        .y_labels(5)
        .x_label_formatter(&xfmt)
        .y_label_formatter(&yfmt)
        .draw()
        .map_err(err)?;
    Ok(chart)
}

/// The phases as faint bands behind the lines.
fn draw_phases(plot: &Plot, a: &Analysis, to_s: &dyn Fn(RealNs) -> f64) -> Res {
    let x1 = plot.x1;
    for ph in &a.phases {
        let (xa, xb) = (to_s(ph.start_ns).max(0.0), to_s(ph.end_ns).min(x1));
        if xb < 0.0 || xa > x1 || xb < xa {
            continue;
        }
        let l = plot.spec.translate(&(xa, 0.0)).0;
        let r = plot.spec.translate(&(xb, 0.0)).0.max(l + 1);
        rect(
            plot.root,
            (l, plot.rows.0),
            (r, plot.rows.1),
            phase_color(ph.name).mix(0.1).filled(),
        )?;
    }
    Ok(())
}

/// Each series with points on the axis as a line (with dots when few), and
/// its legend entry, right-aligned at the top.
fn draw_lines(plot: &Plot, series: &[Named]) -> Res {
    let (root, top) = (plot.root, plot.rows.0);
    let mut legend_x = plot.right - 10;
    for (name, c, pts) in series.iter().rev() {
        let pts: Vec<(i32, i32)> = pts
            .iter()
            .filter(|p| on_axis(p.0, plot.x1) && p.1.is_finite())
            .map(|&p| plot.spec.translate(&p))
            .collect();
        if pts.is_empty() {
            continue;
        }
        if pts.len() > 1 {
            root.draw(&PathElement::new(pts.clone(), c.stroke_width(2)))
                .map_err(err)?;
        }
        if pts.len() <= MAX_DOTS {
            for pt in pts {
                root.draw(&Circle::new(pt, 2, c.filled())).map_err(err)?;
            }
        }
        legend_x -= text_width(name, 11.0) + 24;
        rect(
            root,
            (legend_x, top + 10),
            (legend_x + 14, top + 13),
            c.filled(),
        )?;
        text(root, name, (legend_x + 18, top + 4), 13.5, INK, HPos::Left)?;
    }
    Ok(())
}
