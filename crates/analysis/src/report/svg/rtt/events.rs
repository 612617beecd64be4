//! The event layer of an RTT panel: key hypervisor events (the most
//! important [`MAX_KEY_LINES`]) as vertical lines, source solid and
//! destination dashed, labelled in lanes above the plot; every other event
//! as a short tick at the top, one per pixel column and origin.

use super::Layer;
use crate::analysis::model::EventMark;
use crate::report::draw::{label_width, rect, text, Res, LABEL_PX, MARGIN_R};
use crate::report::series::{assign_lanes, repeats};
use crate::report::svg::{
    key_event, labelled_at, labelled_span, origin_code, origin_color, origin_name, DST,
    EVENT_LANES, LANE_H, LOCAL, MAX_KEY_LINES, SRC,
};
use migprobe_probe::record::Origin;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;
use std::collections::BTreeSet;

/// A key event with its short label and priority (lower first).
type Keyed<'a> = (&'a EventMark, &'static str, u8);

/// Draws the events within the panel: ticks and key lines.
pub(super) fn draw_events(l: &Layer) -> Res {
    let (keyed, ticks) = sort_events(l);
    draw_ticks(l, ticks)?;
    draw_key_lines(l, &keyed)
}

/// Labels the key events above the plot (after everything in it is drawn).
pub(super) fn label_events(l: &Layer) -> Res {
    let (keyed, _) = sort_events(l);
    draw_key_labels(l, &keyed)
}

/// The key events to draw as lines, by priority then time, and the tick
/// columns (pixel, origin code) of all the others.
fn sort_events<'a>(l: &Layer<'a, '_>) -> (Vec<Keyed<'a>>, BTreeSet<(i32, u8)>) {
    let mut keyed: Vec<Keyed<'a>> = Vec::new();
    let mut ticks: BTreeSet<(i32, u8)> = BTreeSet::new();
    for m in &l.a.events {
        let x = (l.to_x)(m.at_ns);
        if !(x >= l.panel.x0 && x <= l.panel.x1) {
            continue;
        }
        match key_event(m) {
            Some((short, prio)) => keyed.push((m, short, prio)),
            None => {
                ticks.insert(((l.panel.px)(x), origin_code(m.origin)));
            }
        }
    }
    keyed.sort_by_key(|(m, _, prio)| (*prio, m.at_ns));
    for (m, _, _) in keyed.iter().skip(MAX_KEY_LINES) {
        ticks.insert((l.px_at(m), origin_code(m.origin)));
    }
    keyed.truncate(MAX_KEY_LINES);
    (keyed, ticks)
}

/// Short ticks at the top of the plot, coloured by origin.
fn draw_ticks(l: &Layer, ticks: BTreeSet<(i32, u8)>) -> Res {
    let top = l.panel.top;
    for (px, o) in ticks {
        let c = match o {
            0 => SRC,
            1 => DST,
            _ => LOCAL,
        };
        rect(l.root, (px, top), (px + 1, top + 7), c.mix(0.5).filled())?;
    }
    Ok(())
}

/// Full-height lines: solid for the source (and local), dashed for the destination.
fn draw_key_lines(l: &Layer, keyed: &[Keyed]) -> Res {
    let (top, bottom) = (l.panel.top, l.panel.bottom);
    for (m, _, _) in keyed {
        let px = l.px_at(m);
        let style = origin_color(m.origin).mix(0.8).filled();
        if m.origin == Origin::Dst {
            let mut y = top;
            while y < bottom {
                rect(l.root, (px, y), (px + 1, (y + 5).min(bottom)), style)?;
                y += 8;
            }
        } else {
            rect(l.root, (px, top), (px + 1, bottom), style)?;
        }
    }
    Ok(())
}

/// Labels ("src suspended") in [`EVENT_LANES`] lanes above the plot, each
/// joined to its line; a label with no free lane is left out, and so is one
/// that repeats the same text within its own width (a second "src block
/// ready" a few pixels on) or, in a run of several migrations, belongs to a
/// migration other than the headline's.
fn draw_key_labels(l: &Layer, keyed: &[Keyed]) -> Res {
    let span = labelled_span(l.a);
    let mut items: Vec<(&EventMark, String, (i32, i32))> = keyed
        .iter()
        .filter(|(m, _, _)| labelled_at(span, m.at_ns))
        .map(|(m, short, _)| {
            let o = origin_name(m.origin);
            let s = if o.is_empty() {
                (*short).to_owned()
            } else {
                format!("{o} {short}")
            };
            let w = label_width(&s);
            let x = (l.px_at(m) + 2).min(l.panel.right + MARGIN_R as i32 - w);
            (*m, s, (x, w))
        })
        .collect();
    let repeated = repeats(
        &items
            .iter()
            .map(|(_, s, (x, w))| (s.as_str(), *x, *w))
            .collect::<Vec<_>>(),
    );
    let mut flags = repeated.into_iter();
    items.retain(|_| !flags.next().unwrap_or(false));
    let spans: Vec<(i32, i32)> = items.iter().map(|i| i.2).collect();
    let strip_top = l.panel.top - EVENT_LANES as i32 * LANE_H - 1;
    for ((m, s, (x, _)), lane) in items.iter().zip(assign_lanes(&spans, EVENT_LANES, 6)) {
        if let Some(lane) = lane {
            let y = strip_top + lane as i32 * LANE_H;
            let px = l.px_at(m);
            let c = origin_color(m.origin);
            rect(
                l.root,
                (px, y + LANE_H - 3),
                (px + 1, l.panel.top),
                c.mix(0.5).filled(),
            )?;
            text(l.root, s, (*x, y), LABEL_PX, c, HPos::Left)?;
        }
    }
    Ok(())
}
