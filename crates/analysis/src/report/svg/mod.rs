//! chart.svg: RTT over time on a log axis with the migration drawn in, a zoom
//! on the switchover / headline outage at full resolution, and migration
//! progress. Drawn with plotters' SVG backend into a string.
//!
//! Panels, top to bottom:
//! 1. RTT per target (min/max-downsampled so spikes survive), lost probes as
//!    red ticks along the bottom, outages shaded and labelled, phases as
//!    labelled translucent bands, key hypervisor events as labelled vertical
//!    lines (source solid, destination dashed), other events as short ticks
//!    (`rtt`).
//! 2. Zoom around the headline outage / switchover (only when there is one).
//! 3. Memory and disk remaining, MiB (only when some sample has a positive
//!    amount left; `progress`).
//! 4. For a run of several migrations: a strip of the migrations along the
//!    run and the downtime of each with its spread (`campaign`).
//!
//! Legibility rules: labels are laid out in lanes at the width they are
//! drawn and drawn last, over shading, lines and data; in a run of several
//! migrations only the headline migration's phases and events are labelled
//! (the others would repeat them); outages are violet, unlike every phase
//! band; with several targets the first is drawn wide and underneath, the
//! others thin on top; a progress panel with nothing left to copy is left
//! out; the headline figures are the title.

mod campaign;
mod progress;
mod rtt;

use super::draw::{bold, guarded, label_width, rect, text, Area, Res, INK, MUTED};
use super::json::class_name;
use super::series::text_width;
use super::text::dur;
use super::verdict::{self, target_name};
use crate::analysis::model::PhaseName;
use crate::analysis::model::{Analysis, EventMark, Outage, Phase};
use migprobe_probe::record::kinds;
use migprobe_probe::record::{Origin, Probes, RunData};
use migprobe_probe::types::RealNs;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

pub use campaign::Campaign;

/// Points per target in the overview are bounded by twice this (min and max per bucket).
const OVERVIEW_BUCKETS: usize = 1_500;
/// Up to this many points per target are drawn as they are.
const KEEP_ALL_POINTS: usize = 3_000;
/// At most this many events are drawn as labelled lines per panel; the rest are ticks.
const MAX_KEY_LINES: usize = 60;
/// Hard cap on points per target and panel, whatever the data.
const POINT_CAP: usize = 8_000;

const TITLE_H: u32 = 64;
const MAIN_H: u32 = 430;
const ZOOM_H: u32 = 330;
const PROGRESS_H: u32 = 210;
/// Height of one label lane: a 13.5 px label and its backing, with no overlap.
const LANE_H: i32 = 16;
const EVENT_LANES: usize = 3;
const PHASE_LANES: usize = 3;
const OUTAGE_LANES: usize = 2;

const TARGET_COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(23, 190, 207),
    RGBColor(188, 189, 34),
    RGBColor(127, 127, 127),
];
const LOSS: RGBColor = RGBColor(214, 39, 40);
/// Outage shading: violet, unlike any phase band (the switchover is orange).
const OUTAGE: RGBColor = RGBColor(120, 40, 170);
/// Time the prober could not observe.
const UNOBSERVED: RGBColor = RGBColor(150, 150, 150);
const SRC: RGBColor = RGBColor(166, 77, 0);
const DST: RGBColor = RGBColor(0, 92, 175);
const LOCAL: RGBColor = RGBColor(90, 90, 90);

fn phase_color(name: PhaseName) -> RGBColor {
    match name {
        PhaseName::Preparation => RGBColor(150, 150, 150),
        PhaseName::StorageCopy => RGBColor(190, 140, 50),
        PhaseName::MemoryPrecopy => RGBColor(70, 130, 220),
        PhaseName::Switchover => RGBColor(255, 127, 14),
        PhaseName::NetworkConvergence => RGBColor(230, 190, 0),
        PhaseName::Completion => RGBColor(60, 170, 90),
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
    Some(match m.kind {
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
        kinds::NOVA_MIGRATION => ("nova", 7),
        _ => return None,
    })
}

/// Renders the chart, `width` pixels wide (clamped to 480..=4000); with
/// `campaign`, the per-migration panels are added at the bottom.
pub fn render(a: &Analysis, run: &RunData, campaign: Option<&Campaign>, width: u32) -> Vec<u8> {
    render_probes(a, &run.probes.as_slice(), campaign, width)
}

/// [`render`] with the run's probes kept elsewhere (scanned in their order
/// for each RTT panel; memory does not grow with their number).
pub fn render_probes(
    a: &Analysis,
    probes: &dyn Probes,
    campaign: Option<&Campaign>,
    width: u32,
) -> Vec<u8> {
    let width = width.clamp(480, 4_000);
    guarded(width, |buf| draw(buf, a, probes, campaign, width))
}

/// The zoom window: anchor (x = 0) and range in ns relative to it.
#[derive(Debug, Clone, Copy)]
struct Zoom {
    anchor: RealNs,
    lo_ns: i64,
    hi_ns: i64,
}

/// Phase `name` of the migration the headline shows.
fn phase(a: &Analysis, name: PhaseName) -> Option<&Phase> {
    a.headline_phases().find(|p| p.name == name)
}

/// The outage the zoom is about: the headline's, else the longest.
fn zoom_outage(a: &Analysis) -> Option<&Outage> {
    a.downtime
        .as_ref()
        .and_then(|d| verdict::headline_outage(a, d))
        .or_else(|| a.outages.iter().max_by_key(|o| o.estimate_ns))
        .filter(|_| a.downtime.is_some() || phase(a, PhaseName::Switchover).is_none())
}

fn zoom_window(a: &Analysis) -> Option<Zoom> {
    let o = zoom_outage(a);
    let sw = phase(a, PhaseName::Switchover);
    let nc = phase(a, PhaseName::NetworkConvergence);
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

/// The position of target `id` in the target list (its id when unlisted).
fn target_pos(a: &Analysis, id: u32) -> usize {
    a.targets
        .iter()
        .position(|t| t.id == id)
        .unwrap_or(id as usize)
}

/// The colour of target `id`, by its position in the target list.
fn target_color(a: &Analysis, id: u32) -> RGBColor {
    TARGET_COLORS[target_pos(a, id) % TARGET_COLORS.len()]
}

/// The stroke width of target `id`'s line: with several targets the first
/// is drawn wide and underneath, every other one thin on top of it, so that
/// two targets with the same RTT both stay visible; a lone target is thin.
fn target_stroke(a: &Analysis, id: u32) -> u32 {
    if a.targets.len() > 1 && target_pos(a, id) == 0 {
        3
    } else {
        1
    }
}

/// In a run of several migrations, the time span of the headline
/// migration's phases: only its phases and events are labelled (the other
/// migrations repeat the same labels). `None` labels everything.
fn labelled_span(a: &Analysis) -> Option<(RealNs, RealNs)> {
    let shown = a.campaign.as_ref().filter(|c| c.migrations > 1)?.shown?;
    let phases = a.phases.iter().filter(|p| p.migration == Some(shown));
    let lo = phases.clone().map(|p| p.start_ns).min()?;
    let hi = phases.map(|p| p.end_ns).max()?;
    Some((lo, hi))
}

/// "; labels: migration 2" when only the headline migration is labelled.
fn labelled_note(a: &Analysis) -> String {
    match (labelled_span(a), a.campaign.as_ref().and_then(|c| c.shown)) {
        (Some(_), Some(m)) => format!("; labels: migration {}", m + 1),
        _ => String::new(),
    }
}

/// True when something at `t` gets a label (see [`labelled_span`]).
fn labelled_at(span: Option<(RealNs, RealNs)>, t: RealNs) -> bool {
    span.is_none_or(|(lo, hi)| t >= lo && t <= hi)
}

/// True when the progress panel has something to show: a positive amount
/// still to copy (samples that are all zero or empty draw an empty panel).
fn has_progress(a: &Analysis) -> bool {
    a.progress.iter().any(|p| {
        [p.memory_remaining, p.disk_remaining, p.data_remaining]
            .iter()
            .any(|v| v.is_some_and(|v| v > 0))
    })
}

fn draw(
    buf: &mut String,
    a: &Analysis,
    run: &dyn Probes,
    campaign: Option<&Campaign>,
    width: u32,
) -> Res {
    let zoom = zoom_window(a);
    let has_progress = has_progress(a);
    let height = TITLE_H
        + MAIN_H
        + if zoom.is_some() { ZOOM_H } else { 0 }
        + if has_progress { PROGRESS_H } else { 0 }
        + campaign.map_or(0, Campaign::height)
        + 6;
    {
        let root = SVGBackend::with_string(buf, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(super::draw::err)?;
        let (title, rest) = root.split_vertically(TITLE_H);
        let (main, rest) = rest.split_vertically(MAIN_H);
        draw_title(&title, a, run, width)?;
        let span_ns = a.end_ns.since(a.start_ns).max(1);
        // At least a millisecond of axis, so an empty or one-probe run still has readable ticks.
        let span_s = span_ns.max(1_000_000) as f64 / 1e9;
        let to_s = |t: RealNs| t.since(a.start_ns) as f64 / 1e9;
        let main_caption = format!(
            "Round-trip time per probe (log scale) over the whole run, {}{}",
            dur(a.end_ns.since(a.start_ns).max(0)),
            labelled_note(a)
        );
        rtt::draw_rtt_panel(
            &root,
            &main,
            a,
            run,
            &rtt::RttPanel {
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
            draw_zoom(&root, &zarea, a, run, z)?;
        }
        if has_progress {
            let (parea, r) = rest.split_vertically(PROGRESS_H);
            rest = r;
            progress::draw_progress(&root, &parea, a, span_s)?;
        }
        if let Some(c) = campaign.filter(|c| c.height() > 0) {
            c.draw(&root, &rest, a, span_s)?;
        }
        root.present().map_err(super::draw::err)?;
    }
    Ok(())
}

/// The zoom panel: every probe around the headline outage (x = 0 at its
/// start) or, without one, around the switchover (x = 0 at the source pause).
fn draw_zoom(root: &Area, area: &Area, a: &Analysis, run: &dyn Probes, z: Zoom) -> Res {
    let to_ms = |t: RealNs| t.since(z.anchor) as f64 / 1e6;
    let (caption, x_desc) = match zoom_outage(a) {
        Some(o) => (
            format!(
                "Zoom: {} {} outage, every probe (0 = start of the outage)",
                verdict::outage_length(o),
                class_name(o.class)
            ),
            "milliseconds from the start of the outage",
        ),
        None => (
            "Zoom on the switchover, every probe (0 = source paused)".to_owned(),
            "milliseconds from the source pause",
        ),
    };
    rtt::draw_rtt_panel(
        root,
        area,
        a,
        run,
        &rtt::RttPanel {
            caption: &caption,
            x0: z.lo_ns as f64 / 1e6,
            x1: z.hi_ns as f64 / 1e6,
            x_desc,
            to_x: &to_ms,
            ns_per_unit: 1e6,
            zoomed: true,
        },
    )
}

/// The title's font size: 20 px, smaller (down to 13 px) when the title
/// would not fit in `width` px at 20.
fn title_size(title: &str, width: u32) -> f64 {
    let room = f64::from(width.saturating_sub(24));
    let at_20 = f64::from(text_width(title, 20.0).max(1));
    (20.0 * room / at_20).clamp(13.0, 20.0)
}

fn draw_title(area: &Area, a: &Analysis, run: &dyn Probes, width: u32) -> Res {
    let t = verdict::title(a);
    bold(area, &t, (12, 8), title_size(&t, width), INK)?;
    let sent = verdict::sent(a);
    let sub = format!(
        "{} · {} · interval {} · {} probes, {} lost{}",
        super::text::utc(a.start_ns.0),
        dur(a.end_ns.since(a.start_ns)),
        if a.interval_ns > 0 {
            dur(a.interval_ns)
        } else {
            "–".to_owned()
        },
        super::text::count(sent),
        super::text::count(verdict::lost(a)),
        a.migration
            .as_ref()
            .map(|m| format!(" · migration {}", m.result))
            .unwrap_or_default()
    );
    text(area, &sub, (12, 32), 14.0, MUTED, HPos::Left)?;
    // Legend, right-aligned on the second line.
    let mut items: Vec<(String, RGBColor, u8)> = Vec::new();
    let ids: Vec<u32> = if a.targets.is_empty() {
        // The first six of the probes' target ids, repeats in a row counted once.
        let mut v: Vec<u32> = Vec::new();
        for p in run.scan() {
            if v.len() == 6 {
                break;
            }
            if v.last() != Some(&p.target_id) {
                v.push(p.target_id);
            }
        }
        v
    } else {
        a.targets.iter().map(|t| t.id).take(6).collect()
    };
    for id in ids {
        let kind = if target_stroke(a, id) > 1 { 0 } else { 5 };
        items.push((target_name(a, id), target_color(a, id), kind));
    }
    items.push(("lost probe".into(), LOSS, 1));
    if !a.outages.is_empty() {
        items.push(("outage".into(), OUTAGE, 2));
    }
    if !a.unobserved.is_empty() {
        items.push(("unobserved".into(), UNOBSERVED, 2));
    }
    if a.events.iter().any(|e| e.origin == Origin::Src) {
        items.push(("source event".into(), SRC, 3));
    }
    if a.events.iter().any(|e| e.origin == Origin::Dst) {
        items.push(("destination event".into(), DST, 4));
    }
    let widths: Vec<i32> = items.iter().map(|i| label_width(&i.0) + 30).collect();
    let total: i32 = widths.iter().sum();
    let mut x = (width as i32 - 16 - total).max(12);
    let y = 48;
    for ((name, c, kind), w) in items.iter().zip(widths) {
        match kind {
            0 => rect(area, (x, y + 5), (x + 16, y + 8), c.filled())?,
            1 => rect(area, (x + 6, y + 1), (x + 8, y + 11), c.filled())?,
            2 => rect(area, (x, y), (x + 16, y + 12), c.mix(0.22).filled())?,
            3 => rect(area, (x + 7, y), (x + 8, y + 12), c.filled())?,
            5 => rect(area, (x, y + 6), (x + 16, y + 8), c.filled())?,
            _ => {
                rect(area, (x + 7, y), (x + 8, y + 4), c.filled())?;
                rect(area, (x + 7, y + 8), (x + 8, y + 12), c.filled())?;
            }
        }
        text(area, name, (x + 20, y), 13.5, INK, HPos::Left)?;
        x += w;
    }
    Ok(())
}
