//! The RTT panels of chart.svg: the whole run and the zoom on the headline
//! outage, with phases, outages, lost probes and hypervisor events drawn in.
//!
//! [`draw_rtt_panel`] sets up the chart and draws the layers bottom to top,
//! each from one [`Layer`] (the canvas, the analysis, the panel's geometry):
//! phase bands and outages ([`annotations`]), events ([`events`]), then the
//! RTT series and lost probes ([`probes`]) from the panel's [`data`].

mod annotations;
mod data;
mod events;
mod probes;

use super::{key_event, EVENT_LANES, LANE_H, OVERVIEW_BUCKETS};
use crate::analysis::model::{Analysis, EventMark};
use crate::report::draw::{
    bold, decimals_for, num_label_in, rect, rtt_chart, text, Area, Res, INK, MARGIN_L, MARGIN_R,
    MUTED, Y_LABEL_W,
};
use crate::report::text::dur;
use data::Data;
use migprobe_probe::record::Probes;
use migprobe_probe::types::RealNs;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

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

/// What every layer of one panel draws with.
struct Layer<'a, 'c> {
    /// The whole chart (labels may overflow the panel).
    root: &'a Area<'c>,
    /// What is drawn.
    a: &'a Analysis,
    /// Where it is drawn.
    panel: Panel<'a>,
    /// Realtime → x.
    to_x: &'a dyn Fn(RealNs) -> f64,
    /// True for the zoom.
    zoomed: bool,
}

impl Layer<'_, '_> {
    /// Pixel column of an event.
    fn px_at(&self, m: &EventMark) -> i32 {
        (self.panel.px)((self.to_x)(m.at_ns))
    }

    /// A full-height band over the pixel columns `left..right`.
    fn band(&self, (left, right): (i32, i32), style: ShapeStyle) -> Res {
        rect(
            self.root,
            (left, self.panel.top),
            (right, self.panel.bottom),
            style,
        )
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

impl RttPanel<'_> {
    /// The x range, one unit wide when the given one is empty or not finite.
    fn x_range(&self) -> (f64, f64) {
        if self.x1 > self.x0 && (self.x1 - self.x0).is_finite() {
            (self.x0, self.x1)
        } else {
            (self.x0, self.x0 + 1.0)
        }
    }

    /// Height of the strip above the plot: room for the event labels when
    /// a key event falls in `[x0, x1]`.
    fn top_strip(&self, a: &Analysis, (x0, x1): (f64, f64)) -> i32 {
        let any_key = a.events.iter().any(|m| {
            let x = (self.to_x)(m.at_ns);
            key_event(m).is_some() && x >= x0 && x <= x1
        });
        if any_key {
            22 + EVENT_LANES as i32 * LANE_H + 2
        } else {
            24
        }
    }

    /// The caption, saying how the data was downsampled when it was.
    fn caption(&self, data: &Data, (x0, x1): (f64, f64)) -> String {
        if data.banded() {
            let bucket_ns = ((x1 - x0) / OVERVIEW_BUCKETS as f64 * self.ns_per_unit) as i64;
            format!(
                "{} — shaded: min–max per {}, line: median",
                self.caption,
                dur(bucket_ns)
            )
        } else {
            self.caption.to_owned()
        }
    }
}

/// Draws one RTT panel into `area` (labels that overflow it go on `root`).
pub(super) fn draw_rtt_panel(
    root: &Area,
    area: &Area,
    a: &Analysis,
    run: &dyn Probes,
    p: &RttPanel,
) -> Res {
    let (x0, x1) = p.x_range();
    let (aw, _) = area.dim_in_pixel();
    let plot_w = (aw as usize).saturating_sub((Y_LABEL_W + MARGIN_L + MARGIN_R) as usize);
    let break_after = u64::from(a.min_loss_run.max(2));
    let data = data::collect(run, p.to_x, (x0, x1), plot_w.max(1), break_after);
    let (y_lo, y_hi) = data.y_range();
    let xd = decimals_for(x1 - x0);
    let xfmt = |v: &f64| num_label_in(*v, xd);
    let chart = rtt_chart(
        area,
        (p.top_strip(a, (x0, x1)) as u32, 4, 38),
        (x0, x1, y_lo, y_hi),
        (p.x_desc, 10, &xfmt),
    )?;
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let map_x = |x: f64| chart.backend_coord(&(x, y_lo)).0;
    let map_xy = |x: f64, y: f64| chart.backend_coord(&(x, y));
    let l = Layer {
        root,
        a,
        panel: Panel {
            left: xr.start,
            right: xr.end,
            top: yr.start,
            bottom: yr.end,
            x0,
            x1,
            px: &map_x,
            pxy: &map_xy,
        },
        to_x: p.to_x,
        zoomed: p.zoomed,
    };
    let (_, area_y) = area.get_base_pixel();
    let caption = p.caption(&data, (x0, x1));
    bold(root, &caption, (l.panel.left, area_y + 4), 15.0, INK)?;
    annotations::shade_phases(&l)?;
    annotations::shade_outages(&l)?;
    annotations::shade_unobserved(&l)?;
    events::draw_events(&l)?;
    probes::draw_series(&l, &data)?;
    probes::draw_lost(&l, &data.lost)?;
    annotations::label_phases(&l)?;
    annotations::label_outages(&l)?;
    annotations::label_unobserved(&l)?;
    events::label_events(&l)?;
    if data.points == 0 {
        draw_no_data(&l, run.is_empty())?;
    }
    Ok(())
}

/// Says in the middle of the plot why there is nothing drawn.
fn draw_no_data(l: &Layer, no_probes: bool) -> Res {
    let msg = if no_probes {
        "no data: this run has no probes"
    } else {
        "no replies in this window"
    };
    let p = &l.panel;
    let centre = ((p.left + p.right) / 2, (p.top + p.bottom) / 2 - 10);
    text(l.root, msg, centre, 20.0, MUTED, HPos::Center)
}
