//! The campaign panels of chart.svg, for a run of several migrations
//! (`run --repeat`):
//!
//! 1. a strip of the migrations along the run (same x axis as the RTT
//!    overview): one bar per trigger, coloured by result, the switchover
//!    marked, labelled with the migration's network downtime;
//! 2. the downtime of each migration (network estimate with its error
//!    bracket, libvirt's figure, QEMU's pause), with the network median and
//!    (from 20 migrations on; below, it is the maximum) the p95 across
//!    migrations as lines;
//! 3. beside it, the distribution of those downtimes as empirical CDFs.

use super::LOSS;
use crate::analysis::model::{Analysis, PhaseName};
use crate::report::draw::{
    bold, cdf_chart, chart_builder, decimals_for, err, house_style, label, label_width, ms_label,
    num_label_in, rect, text, Area, Res, INK,
};
use crate::report::json::{Distribution, MigrationEntry, Spread};
use crate::report::series::{assign_lanes, cdf_steps, text_width};
use crate::report::text::dur;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

const STRIP_H: u32 = 128;
const DIST_H: u32 = 340;
/// Share of the width given to the per-migration plot (the CDF gets the rest).
const PER_MIGRATION_SHARE: f64 = 0.62;

const NETWORK: RGBColor = RGBColor(31, 119, 180);
const LIBVIRT: RGBColor = RGBColor(166, 77, 0);
const QEMU: RGBColor = RGBColor(90, 90, 90);
const COMPLETED: RGBColor = RGBColor(60, 170, 90);
const OTHER: RGBColor = RGBColor(150, 150, 150);

/// The migrations of a campaign, as report.json lists them, and their spread.
#[derive(Debug, Clone, Copy)]
pub struct Campaign<'a> {
    /// One entry per migration, in order.
    pub entries: &'a [MigrationEntry],
    /// Spread across the migrations.
    pub distribution: &'a Distribution,
}

impl Campaign<'_> {
    /// Height of the campaign panels; 0 for fewer than two migrations (nothing is drawn).
    pub(crate) fn height(&self) -> u32 {
        if self.entries.len() >= 2 {
            STRIP_H + DIST_H
        } else {
            0
        }
    }

    /// Draws the panels into `area` (labels that overflow it go on `root`);
    /// `span_s` is the x range of the RTT overview.
    pub(super) fn draw(&self, root: &Area, area: &Area, a: &Analysis, span_s: f64) -> Res {
        let (strip, rest) = area.split_vertically(STRIP_H);
        let (dist, _) = rest.split_vertically(DIST_H);
        self.draw_strip(root, &strip, a, span_s)?;
        let (w, _) = dist.dim_in_pixel();
        let (left, right) = dist.split_horizontally((w as f64 * PER_MIGRATION_SHARE) as u32);
        self.draw_per_migration(root, &left)?;
        self.draw_cdf(root, &right)
    }

    fn draw_strip(&self, root: &Area, area: &Area, a: &Analysis, span_s: f64) -> Res {
        let x1 = if span_s > 0.0 && span_s.is_finite() {
            span_s
        } else {
            1.0
        };
        let mut chart = chart_builder(area, 30, 2, 34)
            .build_cartesian_2d(0.0..x1, 0.0..1.0)
            .map_err(err)?;
        let xd = decimals_for(x1);
        let xfmt = |v: &f64| num_label_in(*v, xd);
        house_style(&mut chart.configure_mesh())
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(10)
            .x_label_formatter(&xfmt)
            .x_desc("seconds from run start")
            .draw()
            .map_err(err)?;
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let (_, top) = area.get_base_pixel();
        bold(
            root,
            &format!(
                "Migrations along the run ({}); | = switchover",
                self.entries.len()
            ),
            (xr.start, top + 6),
            15.0,
            INK,
        )?;
        let to_s = |ns: i64| (ns - a.start_ns.0) as f64 / 1e9;
        let px = |s: f64| chart.backend_coord(&(s.clamp(0.0, x1), 0.0)).0;
        let (bar_top, bar_bottom) = (yr.start + 36, yr.end - 8);
        let mut spans = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            let t = e.trigger.as_ref();
            let Some(start) = t.and_then(|t| t.started_ns) else {
                continue;
            };
            let next = self
                .entries
                .get(i + 1)
                .and_then(|n| n.trigger.as_ref()?.started_ns)
                .unwrap_or(a.end_ns.0);
            let end = t.and_then(|t| t.exited_ns).unwrap_or(next);
            let (l, r) = (px(to_s(start)), px(to_s(end)));
            let c = result_color(e);
            rect(
                root,
                (l, bar_top),
                (r.max(l + 2), bar_bottom),
                c.mix(0.35).filled(),
            )?;
            rect(root, (l, bar_top), (r.max(l + 2), bar_bottom), c.into())?;
            if let Some(sw) = e
                .phases
                .iter()
                .find(|p| p.name == PhaseName::Switchover.as_str())
            {
                let x = px(to_s(sw.start_ns));
                rect(
                    root,
                    (x, bar_top - 3),
                    (x + 2, bar_bottom + 3),
                    INK.filled(),
                )?;
            }
            let text = match (&e.downtime, result(e)) {
                (Some(d), "completed") => format!("#{} {}", e.index + 1, ms(d.network_ms)),
                (Some(d), r) => format!("#{} {r} {}", e.index + 1, ms(d.network_ms)),
                (None, r) => format!("#{} {r}", e.index + 1),
            };
            spans.push((l, text));
        }
        let lanes = assign_lanes(
            &spans
                .iter()
                .map(|(l, s)| (*l, label_width(s)))
                .collect::<Vec<_>>(),
            2,
            4,
        );
        for ((l, s), lane) in spans.iter().zip(lanes) {
            if let Some(lane) = lane {
                label(root, s, (*l, yr.start + 2 + 16 * lane as i32), INK)?;
            }
        }
        Ok(())
    }

    fn draw_per_migration(&self, root: &Area, area: &Area) -> Res {
        let n = self.entries.len();
        let dts = self.entries.iter().filter_map(|e| e.downtime.as_ref());
        let y_max = dts
            .flat_map(|d| [Some(d.bracket_ms[1]), d.hypervisor_ms, d.qemu_pause_ms])
            .flatten()
            .filter(|v| v.is_finite())
            .fold(0.0f64, f64::max);
        let y_max = if y_max > 0.0 { y_max * 1.18 } else { 1.0 };
        let mut chart = chart_builder(area, 50, 6, 40)
            .build_cartesian_2d(0.4..n as f64 + 0.6, 0.0..y_max)
            .map_err(err)?;
        let xfmt = |v: &f64| {
            let r = v.round();
            if (v - r).abs() < 1e-6 && r >= 1.0 {
                format!("#{r}")
            } else {
                String::new()
            }
        };
        let yfmt = |v: &f64| ms_label(*v);
        house_style(&mut chart.configure_mesh())
            .disable_x_mesh()
            .x_desc("migration")
            .y_desc("downtime")
            .x_labels((n + 2).min(24))
            .y_labels(6)
            .x_label_formatter(&xfmt)
            .y_label_formatter(&yfmt)
            .draw()
            .map_err(err)?;
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let (_, top) = area.get_base_pixel();
        let at = |x: f64, y: f64| chart.backend_coord(&(x, y));
        let caption = caption(self.distribution.network_ms.as_ref());
        bold(root, &caption, (xr.start, top + 6), 15.0, INK)?;
        legend(
            root,
            (xr.start, top + 28),
            &[
                ("network (bracket)", NETWORK, Mark::Dot),
                ("libvirt downtime", LIBVIRT, Mark::Square),
                ("QEMU pause", QEMU, Mark::Cross),
            ],
        )?;
        if let Some(s) = &self.distribution.network_ms {
            for (name, v) in spread_lines(s) {
                let y = at(0.0, v).1;
                if y < yr.start || y > yr.end {
                    continue;
                }
                root.draw(&PathElement::new(
                    vec![(xr.start, y), (xr.end, y)],
                    NETWORK.mix(0.5).stroke_width(1),
                ))
                .map_err(err)?;
                text(root, name, (xr.end - 4, y - 15), 12.5, NETWORK, HPos::Right)?;
            }
        }
        let half = (((xr.end - xr.start) as f64 / (n as f64 + 0.2)) * 0.18).clamp(2.0, 8.0) as i32;
        for e in self.entries {
            draw_migration(root, e, &at, half, yr.end)?;
        }
        Ok(())
    }

    fn draw_cdf(&self, root: &Area, area: &Area) -> Res {
        let pick = |f: &dyn Fn(&MigrationEntry) -> Option<f64>| -> Vec<f64> {
            self.entries
                .iter()
                .filter_map(f)
                .filter(|v| v.is_finite())
                .collect()
        };
        let series = [
            (
                "network",
                NETWORK,
                pick(&|e| e.downtime.as_ref().map(|d| d.network_ms)),
            ),
            (
                "libvirt",
                LIBVIRT,
                pick(&|e| e.downtime.as_ref()?.hypervisor_ms),
            ),
            ("QEMU", QEMU, pick(&|e| e.downtime.as_ref()?.qemu_pause_ms)),
        ];
        let hi = series
            .iter()
            .flat_map(|s| s.2.iter())
            .copied()
            .fold(0.0f64, f64::max);
        let x_max = if hi > 0.0 { hi * 1.15 } else { 1.0 };
        let mut chart = cdf_chart(area, 50, (0.0, x_max), ("downtime", "share ≤ x"), 5)?;
        let (xr, _) = chart.plotting_area().get_pixel_range();
        let (_, top) = area.get_base_pixel();
        bold(
            root,
            &format!("Distribution over {} migrations", self.entries.len()),
            (xr.start, top + 6),
            15.0,
            INK,
        )?;
        let mut x = xr.start;
        for (name, c, values) in &series {
            if values.is_empty() {
                continue;
            }
            rect(root, (x, top + 34), (x + 16, top + 37), c.filled())?;
            text(root, name, (x + 20, top + 28), 13.0, INK, HPos::Left)?;
            x += text_width(name, 13.0) + 34;
        }
        for (_, c, values) in &series {
            if values.is_empty() {
                continue;
            }
            chart
                .draw_series(LineSeries::new(cdf_steps(values, x_max), c.stroke_width(2)))
                .map_err(err)?;
        }
        Ok(())
    }
}

/// One migration's column of the per-migration plot (`at` maps (migration
/// number, ms) to pixels): how it ended when it did not complete (just
/// above `bottom`), its network estimate with the bracket as a whisker with
/// caps `half` px wide, libvirt's figure and QEMU's pause.
fn draw_migration(
    root: &Area,
    e: &MigrationEntry,
    at: &dyn Fn(f64, f64) -> (i32, i32),
    half: i32,
    bottom: i32,
) -> Res {
    let x = f64::from(e.index) + 1.0;
    let cx = at(x, 0.0).0;
    // A migration that did not complete (or has no downtime) says how it ended.
    if e.downtime.is_none() || result(e) != "completed" {
        text(root, result(e), (cx, bottom - 18), 12.0, LOSS, HPos::Center)?;
    }
    let Some(d) = &e.downtime else {
        return Ok(());
    };
    let (lo, hi) = (at(x, d.bracket_ms[0]).1, at(x, d.bracket_ms[1]).1);
    rect(root, (cx, hi), (cx + 1, lo), NETWORK.filled())?;
    for y in [hi, lo] {
        rect(
            root,
            (cx - half, y),
            (cx + half + 1, y + 1),
            NETWORK.filled(),
        )?;
    }
    mark(root, at(x, d.network_ms), NETWORK, Mark::Dot)?;
    if let Some(h) = d.hypervisor_ms {
        mark(root, at(x, h), LIBVIRT, Mark::Square)?;
    }
    if let Some(q) = d.qemu_pause_ms {
        mark(root, at(x, q), QEMU, Mark::Cross)?;
    }
    Ok(())
}

/// The caption of the per-migration plot: "Downtime of each migration —
/// network median 194 ms, max 250 ms" (the p95 too from
/// [`P95_MIN_N`](crate::report::json::P95_MIN_N) migrations on).
fn caption(network: Option<&Spread>) -> String {
    let Some(s) = network else {
        return "Downtime of each migration (no network downtime measured)".to_owned();
    };
    let p95 = if s.p95_is_max {
        String::new()
    } else {
        format!(", p95 {}", ms(s.p95))
    };
    format!(
        "Downtime of each migration — network median {}{p95}, max {}",
        ms(s.p50),
        ms(s.max)
    )
}

/// The horizontal lines of the per-migration plot: the median, and the p95
/// when it is not the maximum.
fn spread_lines(s: &Spread) -> Vec<(&'static str, f64)> {
    let mut lines = vec![("median", s.p50)];
    if !s.p95_is_max {
        lines.push(("p95", s.p95));
    }
    lines
}

/// `v` milliseconds, rounded for reading ("1.31 s", "213 ms").
fn ms(v: f64) -> String {
    dur((v * 1e6).round() as i64)
}

/// How a migration ended ("unknown" when no event said).
fn result(e: &MigrationEntry) -> &str {
    e.migration
        .as_ref()
        .map(|m| m.result.as_str())
        .unwrap_or("unknown")
}

fn result_color(e: &MigrationEntry) -> RGBColor {
    match result(e) {
        "completed" => COMPLETED,
        "failed" | "cancelled" => LOSS,
        _ => OTHER,
    }
}

/// A marker shape of the per-migration plot.
#[derive(Debug, Clone, Copy)]
enum Mark {
    Dot,
    Square,
    Cross,
}

fn mark(root: &Area, (x, y): (i32, i32), c: RGBColor, m: Mark) -> Res {
    match m {
        Mark::Dot => root.draw(&Circle::new((x, y), 4, c.filled())).map_err(err),
        Mark::Square => rect(root, (x - 4, y - 4), (x + 4, y + 4), c.stroke_width(2)),
        Mark::Cross => {
            for (a, b) in [
                ((x - 4, y - 4), (x + 4, y + 4)),
                ((x - 4, y + 4), (x + 4, y - 4)),
            ] {
                root.draw(&PathElement::new(vec![a, b], c.stroke_width(2)))
                    .map_err(err)?;
            }
            Ok(())
        }
    }
}

/// A one-line legend of markers starting at `(x, y)`.
fn legend(root: &Area, (mut x, y): (i32, i32), items: &[(&str, RGBColor, Mark)]) -> Res {
    for (name, c, m) in items {
        mark(root, (x + 5, y + 8), *c, *m)?;
        text(root, name, (x + 14, y), 13.0, INK, HPos::Left)?;
        x += text_width(name, 13.0) + 32;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::json::P95_MIN_N;

    fn spread(n: usize, p95: f64) -> Spread {
        Spread {
            n,
            p50: 150.0,
            p95,
            max: 300.0,
            p95_is_max: n < P95_MIN_N,
        }
    }

    #[test]
    fn the_p95_is_not_shown_below_20_migrations() {
        // (n, p95) → caption, lines.
        let cases = [
            (
                8,
                300.0,
                "Downtime of each migration — network median 150 ms, max 300 ms",
                vec!["median"],
            ),
            (
                19,
                300.0,
                "Downtime of each migration — network median 150 ms, max 300 ms",
                vec!["median"],
            ),
            (
                20,
                280.0,
                "Downtime of each migration — network median 150 ms, p95 280 ms, max 300 ms",
                vec!["median", "p95"],
            ),
        ];
        for (n, p95, want, lines) in cases {
            let s = spread(n, p95);
            assert_eq!(caption(Some(&s)), want, "n = {n}");
            let names: Vec<&str> = spread_lines(&s).iter().map(|l| l.0).collect();
            assert_eq!(names, lines, "n = {n}");
        }
        assert_eq!(
            caption(None),
            "Downtime of each migration (no network downtime measured)"
        );
    }
}
