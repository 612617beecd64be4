//! The analysis layers of an RTT panel: migration phases as translucent
//! bands labelled at the top, outages shaded and labelled near the bottom
//! (the headline first, then the longest), and what the prober could not
//! observe in grey. The shading is drawn under the data and the labels over
//! everything, so that no line crosses a label.

use super::Layer;
use crate::analysis::model::Outage;
use crate::report::draw::{label, label_width, Res};
use crate::report::json::class_name;
use crate::report::series::assign_lanes;
use crate::report::svg::{
    darker, labelled_at, labelled_span, phase_color, zoom_outage, LANE_H, OUTAGE, OUTAGE_LANES,
    PHASE_LANES, UNOBSERVED,
};
use crate::report::text::dur;
use crate::report::verdict;
use migprobe_probe::types::RealNs;
use plotters::prelude::*;

/// At most this many outages are labelled per panel.
const MAX_OUTAGE_LABELS: usize = 24;

/// The phases as translucent bands.
pub(super) fn shade_phases(l: &Layer) -> Res {
    for ph in &l.a.phases {
        if let Some(span) = l.panel.span((l.to_x)(ph.start_ns), (l.to_x)(ph.end_ns), 1) {
            l.band(span, phase_color(ph.name).mix(0.13).filled())?;
        }
    }
    Ok(())
}

/// The phase labels ("memory_precopy ×3 4.2 s") in [`PHASE_LANES`] lanes
/// at the top of the plot; in a run of several migrations only the
/// headline migration's phases are labelled.
pub(super) fn label_phases(l: &Layer) -> Res {
    let span = labelled_span(l.a);
    let mut labels = Vec::new();
    for ph in l.a.phases.iter().filter(|p| labelled_at(span, p.start_ns)) {
        let Some((left, _)) = l.panel.span((l.to_x)(ph.start_ns), (l.to_x)(ph.end_ns), 1) else {
            continue;
        };
        let len = dur(ph.end_ns.since(ph.start_ns));
        let name = match ph.iterations {
            Some(n) if n > 0 => format!("{} ×{n} {len}", ph.name),
            _ => format!("{} {len}", ph.name),
        };
        labels.push((name, left, phase_color(ph.name)));
    }
    let spans: Vec<(i32, i32)> = labels
        .iter()
        .map(|(s, left, _)| {
            let w = label_width(s);
            ((*left + 3).min(l.panel.right - w).max(l.panel.left), w)
        })
        .collect();
    for ((s, _, c), (lane, (x, _))) in labels
        .iter()
        .zip(assign_lanes(&spans, PHASE_LANES, 6).into_iter().zip(&spans))
    {
        if let Some(lane) = lane {
            let y = l.panel.top + 3 + lane as i32 * LANE_H;
            label(l.root, s, (*x, y), darker(*c))?;
        }
    }
    Ok(())
}

/// Shades merged pixel spans: thousands of outages stay a few hundred
/// rectangles. On the zoom each span's edges are drawn too, so the outage
/// stands out from the phase bands it overlaps.
pub(super) fn shade_outages(l: &Layer) -> Res {
    let spans = l.a.outages.iter().map(|o| (o.start_ns, o.end_ns));
    for (left, right) in merged_spans(l, spans) {
        l.band((left, right), OUTAGE.mix(0.2).filled())?;
        if l.zoomed {
            for x in [left, right - 1] {
                l.band((x, x + 1), OUTAGE.mix(0.7).filled())?;
            }
        }
    }
    Ok(())
}

/// The pixel spans of `[start, end]` windows, at least 2 px wide, merged
/// where they touch.
fn merged_spans(l: &Layer, windows: impl Iterator<Item = (RealNs, RealNs)>) -> Vec<(i32, i32)> {
    let mut shades: Vec<(i32, i32)> = windows
        .filter_map(|(a, b)| l.panel.span((l.to_x)(a), (l.to_x)(b), 2))
        .collect();
    shades.sort_unstable();
    let mut merged: Vec<(i32, i32)> = Vec::new();
    for (left, right) in shades {
        match merged.last_mut() {
            Some(last) if left <= last.1 => last.1 = last.1.max(right),
            _ => merged.push((left, right)),
        }
    }
    merged
}

/// What the prober could not observe, as grey bands.
pub(super) fn shade_unobserved(l: &Layer) -> Res {
    let windows = l.a.unobserved.iter().map(|w| (w.start_ns, w.end_ns));
    for span in merged_spans(l, windows) {
        l.band(span, UNOBSERVED.mix(0.35).filled())?;
    }
    Ok(())
}

/// The longest unobserved window that could hide an outage, labelled at
/// the bottom ("unobserved 812 ms").
pub(super) fn label_unobserved(l: &Layer) -> Res {
    let longest =
        l.a.unobserved
            .iter()
            .filter(|w| w.can_hide_outage)
            .max_by_key(|w| w.duration_ns());
    if let Some(w) = longest {
        if let Some((left, _)) = l.panel.span((l.to_x)(w.start_ns), (l.to_x)(w.end_ns), 2) {
            let s = format!("unobserved {}", dur(w.duration_ns()));
            let x = left.clamp(
                l.panel.left,
                (l.panel.right - label_width(&s)).max(l.panel.left),
            );
            label(l.root, &s, (x, l.panel.bottom - 12), darker(UNOBSERVED))?;
        }
    }
    Ok(())
}

/// Labels the headline outage, then the longest ones (at most
/// [`MAX_OUTAGE_LABELS`]), centred on the outage, in [`OUTAGE_LANES`] lanes
/// near the bottom of the plot.
pub(super) fn label_outages(l: &Layer) -> Res {
    let headline = zoom_outage(l.a);
    let mut order: Vec<&Outage> = l.a.outages.iter().collect();
    order.sort_by_key(|o| {
        (
            !headline.is_some_and(|h| std::ptr::eq(h, *o)),
            std::cmp::Reverse(o.estimate_ns),
        )
    });
    let mut labels = Vec::new();
    for o in order.iter().take(MAX_OUTAGE_LABELS) {
        let Some((left, right)) = l.panel.span((l.to_x)(o.start_ns), (l.to_x)(o.end_ns), 2) else {
            continue;
        };
        let s = outage_label(o, l.zoomed);
        let w = label_width(&s);
        let x =
            ((left + right) / 2 - w / 2).clamp(l.panel.left, (l.panel.right - w).max(l.panel.left));
        labels.push((s, x, w));
    }
    let spans: Vec<(i32, i32)> = labels.iter().map(|(_, x, w)| (*x, *w)).collect();
    for ((s, x, _), lane) in labels.iter().zip(assign_lanes(&spans, OUTAGE_LANES, 6)) {
        if let Some(lane) = lane {
            let y = l.panel.bottom - 12 - (lane as i32 + 1) * LANE_H;
            label(l.root, s, (*x, y), darker(OUTAGE))?;
        }
    }
    Ok(())
}

/// "182 ms freeze" on the overview; on the zoom with the bracket and the
/// probes lost and queued.
fn outage_label(o: &Outage, zoomed: bool) -> String {
    if zoomed {
        format!(
            "{} {}, {} lost, {} queued",
            verdict::outage_length(o),
            class_name(o.class),
            o.lost,
            o.queued
        )
    } else {
        format!("{} {}", dur(o.estimate_ns), class_name(o.class))
    }
}
