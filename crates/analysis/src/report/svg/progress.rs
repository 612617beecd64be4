//! The progress panel of chart.svg: memory and disk still to copy, from the
//! source's job statistics, over the phases. In a run of several migrations
//! each migration's samples are a line of their own: a line never joins the
//! end of one migration to the start of the next.

use super::phase_color;
use crate::analysis::model::{Analysis, Progress};
use crate::report::draw::{
    bold, chart_builder, decimals_for, err, house_style, label_width, num_label_in, rect, text,
    Area, Res, INK, MUTED,
};
use migprobe_probe::types::RealNs;
use plotters::chart::ChartContext;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

const MEMORY: RGBColor = RGBColor(31, 119, 180);
const DISK: RGBColor = RGBColor(140, 86, 75);
/// Up to this many points a series is drawn with a dot each.
const MAX_DOTS: usize = 300;

/// A named, coloured series: its points (x s, y MiB), one run of points per
/// migration.
type Named<'a> = (&'a str, RGBColor, Vec<Vec<(f64, f64)>>);

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
        .flat_map(|s| s.2.iter().flatten())
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

/// The samples of `progress` that `f` has a value for, as (x, MiB) points,
/// one run of points per migration (consecutive samples of one migration).
fn runs(
    progress: &[Progress],
    to_s: &dyn Fn(RealNs) -> f64,
    f: &dyn Fn(&Progress) -> Option<u64>,
) -> Vec<Vec<(f64, f64)>> {
    progress
        .chunk_by(|p, q| p.migration == q.migration)
        .map(|run| {
            run.iter()
                .filter_map(|p| Some((to_s(p.at_ns), f(p)? as f64 / 1_048_576.0)))
                .collect::<Vec<_>>()
        })
        .filter(|r| !r.is_empty())
        .collect()
}

/// Memory, disk and (when neither was reported) total data remaining, MiB
/// over seconds from the run start.
fn remaining<'a>(a: &Analysis, to_s: &dyn Fn(RealNs) -> f64) -> [Named<'a>; 3] {
    let points = |f: &dyn Fn(&Progress) -> Option<u64>| runs(&a.progress, to_s, f);
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

/// Each series with points on the axis as lines, one per run (with dots
/// when few), then the legend of those drawn, right-aligned at the top.
fn draw_lines(plot: &Plot, series: &[Named]) -> Res {
    let mut drawn: Vec<(&str, RGBColor)> = Vec::new();
    for (name, c, runs) in series {
        if draw_series(plot, *c, runs)? {
            drawn.push((name, *c));
        }
    }
    draw_legend(plot, &drawn)
}

/// One series' runs of points as lines (with dots when few); false when
/// none of its points is on the axis.
fn draw_series(plot: &Plot, c: RGBColor, runs: &[Vec<(f64, f64)>]) -> Result<bool, String> {
    let runs: Vec<Vec<(i32, i32)>> = runs
        .iter()
        .map(|run| {
            run.iter()
                .filter(|p| on_axis(p.0, plot.x1) && p.1.is_finite())
                .map(|&p| plot.spec.translate(&p))
                .collect()
        })
        .collect();
    let total: usize = runs.iter().map(Vec::len).sum();
    for pts in runs.iter().filter(|r| r.len() > 1) {
        plot.root
            .draw(&PathElement::new(pts.clone(), c.stroke_width(2)))
            .map_err(err)?;
    }
    if total <= MAX_DOTS {
        for &pt in runs.iter().flatten() {
            plot.root
                .draw(&Circle::new(pt, 2, c.filled()))
                .map_err(err)?;
        }
    }
    Ok(total > 0)
}

/// The legend, right-aligned at the top of the plot on a white backing, so
/// that no line runs through it.
fn draw_legend(plot: &Plot, items: &[(&str, RGBColor)]) -> Res {
    let (root, top) = (plot.root, plot.rows.0);
    let widths: Vec<i32> = items.iter().map(|(n, _)| label_width(n) + 24).collect();
    let mut x = plot.right - 10 - widths.iter().sum::<i32>();
    if !items.is_empty() {
        rect(
            root,
            (x - 4, top + 2),
            (plot.right - 6, top + 21),
            WHITE.mix(0.85).filled(),
        )?;
    }
    for ((name, c), w) in items.iter().zip(widths) {
        rect(root, (x, top + 10), (x + 14, top + 13), c.filled())?;
        text(root, name, (x + 18, top + 4), 13.5, INK, HPos::Left)?;
        x += w;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (samples: at s, MiB, migration) → the runs of points drawn as lines.
    type Case<'a> = (&'a [(i64, Option<u64>, Option<u32>)], Vec<Vec<(f64, f64)>>);

    fn sample(at_s: i64, memory: Option<u64>, migration: Option<u32>) -> Progress {
        Progress {
            at_ns: RealNs(at_s * 1_000_000_000),
            memory_remaining: memory,
            disk_remaining: None,
            data_remaining: None,
            migration,
        }
    }

    #[test]
    fn a_series_breaks_between_migrations() {
        const MIB: u64 = 1_048_576;
        let to_s = |t: RealNs| t.0 as f64 / 1e9;
        let memory = |p: &Progress| p.memory_remaining;
        let cases: [Case<'_>; 4] = [
            (&[], vec![]),
            (
                &[(1, Some(100), None), (2, Some(0), None)],
                vec![vec![(1.0, 100.0), (2.0, 0.0)]],
            ),
            (
                &[
                    (1, Some(100), Some(0)),
                    (2, Some(0), Some(0)),
                    (5, Some(100), Some(1)),
                ],
                vec![vec![(1.0, 100.0), (2.0, 0.0)], vec![(5.0, 100.0)]],
            ),
            (
                &[
                    (1, Some(100), Some(0)),
                    (5, None, Some(1)),
                    (6, Some(50), Some(2)),
                ],
                vec![vec![(1.0, 100.0)], vec![(6.0, 50.0)]],
            ),
        ];
        for (samples, want) in cases {
            let progress: Vec<Progress> = samples
                .iter()
                .map(|&(t, m, i)| sample(t, m.map(|m| m * MIB), i))
                .collect();
            assert_eq!(runs(&progress, &to_s, &memory), want, "{samples:?}");
        }
    }
}
