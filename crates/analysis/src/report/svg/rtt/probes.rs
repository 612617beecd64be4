//! The probe layers of an RTT panel, drawn over the analysis layers: each
//! target's RTT (every point, or per bucket the min–max envelope and the
//! median) and the lost probes as red ticks along the bottom.

use super::data::Data;
use super::Layer;
use crate::report::draw::{err, rect, Res};
use crate::report::series::{Band, Sampled};
use crate::report::svg::{target_color, target_stroke, LOSS};
use plotters::prelude::*;

/// Up to this many points (all targets) are drawn with a dot each.
const MAX_DOTS: usize = 1_500;

/// How one target's series is drawn: its colour and line width.
#[derive(Clone, Copy)]
struct Pen {
    color: RGBColor,
    width: u32,
}

/// Each target's series in its colour: the widest first, so that a thin
/// line drawn later stays visible on top of it.
pub(super) fn draw_series(l: &Layer, data: &Data) -> Res {
    let dots = data.points <= MAX_DOTS;
    let mut series: Vec<(Pen, &Sampled)> = data
        .series
        .iter()
        .map(|(id, s)| {
            let pen = Pen {
                color: target_color(l.a, *id),
                width: target_stroke(l.a, *id),
            };
            (pen, s)
        })
        .collect();
    series.sort_by_key(|(pen, _)| std::cmp::Reverse(pen.width));
    for (pen, sampled) in series {
        match sampled {
            Sampled::Points(segs) => {
                for seg in segs {
                    draw_points(l, seg, pen, dots)?;
                }
            }
            Sampled::Bands(segs) => {
                for seg in segs {
                    draw_bands(l, seg, pen)?;
                }
            }
        }
    }
    Ok(())
}

/// One unbroken run of points: a line, and dots when `dots` (or for a lone point).
fn draw_points(l: &Layer, seg: &[(f64, f64)], pen: Pen, dots: bool) -> Res {
    let c = pen.color;
    let pts: Vec<(i32, i32)> = seg.iter().map(|&(x, y)| (l.panel.pxy)(x, y)).collect();
    if pts.len() > 1 {
        l.root
            .draw(&PathElement::new(pts.clone(), c.stroke_width(pen.width)))
            .map_err(err)?;
    }
    if dots || pts.len() == 1 {
        for pt in pts {
            let r = if pen.width > 1 { 3 } else { 2 };
            l.root.draw(&Circle::new(pt, r, c.filled())).map_err(err)?;
        }
    }
    Ok(())
}

/// One unbroken run of buckets: the shaded min–max envelope, its upper edge
/// as a line (so a one-bucket spike is not a hairline), and the median.
fn draw_bands(l: &Layer, seg: &[Band], pen: Pen) -> Res {
    let c = pen.color;
    let pxy = l.panel.pxy;
    let mut outline: Vec<(i32, i32)> = seg.iter().map(|b| pxy(b.x, b.hi)).collect();
    outline.extend(seg.iter().rev().map(|b| pxy(b.x, b.lo)));
    if seg.len() == 1 {
        let (px, top) = outline[0];
        let bottom = outline[1].1;
        rect(
            l.root,
            (px - 1, top),
            (px + 1, bottom.max(top + 1)),
            c.mix(0.35).filled(),
        )?;
    } else {
        l.root
            .draw(&Polygon::new(outline, c.mix(0.3).filled()))
            .map_err(err)?;
    }
    let top: Vec<(i32, i32)> = seg.iter().map(|b| pxy(b.x, b.hi)).collect();
    l.root
        .draw(&PathElement::new(top, c.mix(0.55).stroke_width(1)))
        .map_err(err)?;
    let mid: Vec<(i32, i32)> = seg.iter().map(|b| pxy(b.x, b.mid)).collect();
    l.root
        .draw(&PathElement::new(mid, c.stroke_width(pen.width)))
        .map_err(err)
}

/// Red ticks along the bottom where probes were lost (at least 2 px wide on the zoom).
pub(super) fn draw_lost(l: &Layer, lost: &[(f64, f64)]) -> Res {
    for &(xa, xb) in lost {
        if let Some((left, right)) = l.panel.span(xa, xb, 1) {
            let right = if l.zoomed { right.max(left + 2) } else { right };
            rect(
                l.root,
                (left, l.panel.bottom - 9),
                (right, l.panel.bottom - 1),
                LOSS.filled(),
            )?;
        }
    }
    Ok(())
}
