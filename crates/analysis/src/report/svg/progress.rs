//! The progress panel of chart.svg: memory and disk still to copy, from the
//! source's job statistics, over the phases.

use super::phase_color;
use crate::analysis::model::Analysis;
use crate::report::draw::{
    bold, chart_builder, decimals_for, err, house_style, num_label_in, rect, text, Area, Res, INK,
    MUTED,
};
use crate::report::series::text_width;
use migprobe_probe::types::RealNs;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

const MEMORY: RGBColor = RGBColor(31, 119, 180);
const DISK: RGBColor = RGBColor(140, 86, 75);

/// A named, coloured series of points.
type Named<'a> = (&'a str, RGBColor, Vec<(f64, f64)>);

/// Draws the progress panel; x is seconds from the run start, like the main panel.
pub(super) fn draw_progress(root: &Area, area: &Area, a: &Analysis, span_s: f64) -> Res {
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
    let mut chart = chart_builder(area, top, 4, 38)
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
            (legend_x + 18, yr.start + 4),
            13.5,
            INK,
            HPos::Left,
        )?;
    }
    Ok(())
}
