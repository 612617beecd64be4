//! The status line's text: fields in a fixed order, each with a priority; the
//! lowest are dropped (never wrapped) until the line fits the width, then the
//! survivors are coloured when asked (outage, errors, skipped). Pure.

use migprobe_probe::probe::engine::Live;
use migprobe_probe::types::human_ns;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// What one redraw shows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Status<'a> {
    /// Counters per target.
    pub live: &'a [Live],
    /// Time since the session started.
    pub elapsed_ns: i64,
    /// Current probes per second ([`super::rate::RateWindow`]).
    pub rate: Option<f64>,
    /// How long the most silent target has had no reply ([`super::silence`]).
    pub silent_ns: Option<i64>,
    /// `run` only: the migration phase and the latest event.
    pub run: Option<(&'a str, &'a str)>,
}

/// How a field is highlighted on a colour terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tone {
    Plain,
    /// Bold red: an outage now, or errors.
    Alert,
    /// Yellow: probes waiting for a reply, skipped slots (unobserved moments).
    Warn,
}

/// One field: its text, its priority (dropped lowest first) and its tone.
#[derive(Debug, Clone)]
struct Field {
    text: String,
    keep: u8,
    tone: Tone,
}

/// Fields are joined by this.
const GAP: &str = "  ";

/// The phase and the latest event are each cut to this many columns before fitting.
const EVENT_MAX: usize = 40;

/// The line for `width` terminal columns: at most `width - 1` columns (the
/// last column makes some terminals wrap), fields dropped by priority, colour
/// codes only when `colour`.
pub(crate) fn render(s: &Status<'_>, width: usize, colour: bool) -> String {
    let mut fields = fields(s);
    let room = width.saturating_sub(1);
    while fields.len() > 1 && shown_width(&fields) > room {
        if let Some(i) = lowest(&fields) {
            fields.remove(i);
        }
    }
    if let [only] = fields.as_mut_slice() {
        only.text = cut(&only.text, room);
    }
    fields
        .iter()
        .map(|f| paint(&f.text, if colour { f.tone } else { Tone::Plain }))
        .collect::<Vec<_>>()
        .join(GAP)
}

/// All fields in display order.
fn fields(s: &Status<'_>) -> Vec<Field> {
    let sum = |f: fn(&Live) -> u64| s.live.iter().map(f).sum::<u64>();
    let (waiting, errors, skipped) = (sum(|l| l.waiting), sum(|l| l.errors), sum(|l| l.skipped));
    let now = s.live.iter().filter_map(|l| l.last_rtt_ns).max();
    let max = s.live.iter().map(|l| l.max_rtt_ns).max().unwrap_or(0);
    let tone = |alarm: bool, t: Tone| if alarm { t } else { Tone::Plain };
    // Errors and skipped slots outrank the RTT once there are some.
    let alarm = |n: u64| if n > 0 { 8 } else { 5 };
    let rate = s.rate.map_or_else(|| "-".into(), |r| format!("{r:.0}"));
    let mut v = vec![
        field(
            format!("{:.1}s", s.elapsed_ns as f64 / 1e9),
            10,
            Tone::Plain,
        ),
        field(format!("{rate}/s"), 9, Tone::Plain),
        field(format!("sent {}", sum(|l| l.sent)), 3, Tone::Plain),
        field(format!("replies {}", sum(|l| l.answered)), 4, Tone::Plain),
        field(
            format!("waiting {waiting}"),
            8,
            tone(waiting > 0, Tone::Warn),
        ),
        field(
            format!("errors {errors}"),
            alarm(errors),
            tone(errors > 0, Tone::Alert),
        ),
        field(
            format!("skipped {skipped}"),
            alarm(skipped),
            tone(skipped > 0, Tone::Warn),
        ),
        field(format!("dup {}", sum(|l| l.dups)), 1, Tone::Plain),
        field(
            format!("rtt {}", now.map_or_else(|| "-".into(), human_ns)),
            7,
            Tone::Plain,
        ),
        field(format!("max {}", human_ns(max)), 2, Tone::Plain),
    ];
    if let Some(ns) = s.silent_ns {
        let text = format!("no reply {:.1}s", ns as f64 / 1e9);
        v.insert(2, field(text, 9, Tone::Alert));
    }
    if let Some((phase, event)) = s.run {
        // Empty ones (no event yet) are left out.
        for (text, keep) in [(phase, 7), (event, 2)] {
            let text = cut(printable(text).trim(), EVENT_MAX);
            if !text.is_empty() {
                v.push(field(format!("| {text}"), keep, Tone::Plain));
            }
        }
    }
    v
}

fn field(text: String, keep: u8, tone: Tone) -> Field {
    Field { text, keep, tone }
}

/// The index of the field to drop next: lowest priority, the rightmost of equals.
fn lowest(fields: &[Field]) -> Option<usize> {
    (0..fields.len()).rev().min_by_key(|&i| fields[i].keep)
}

/// Columns the joined fields take.
fn shown_width(fields: &[Field]) -> usize {
    let gaps = GAP.len() * fields.len().saturating_sub(1);
    fields.iter().map(|f| f.text.width()).sum::<usize>() + gaps
}

/// Control characters (escapes, newlines) would break the redraw: spaces instead.
fn printable(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The longest prefix of `s` at most `cols` columns wide.
pub(crate) fn cut(s: &str, cols: usize) -> String {
    let mut used = 0;
    s.chars()
        .take_while(|c| {
            used += c.width().unwrap_or(0);
            used <= cols
        })
        .collect()
}

/// `text` in the tone's SGR colour (nothing for plain).
fn paint(text: &str, tone: Tone) -> String {
    match tone {
        Tone::Plain => text.to_owned(),
        Tone::Alert => format!("\x1b[1;31m{text}\x1b[0m"),
        Tone::Warn => format!("\x1b[33m{text}\x1b[0m"),
    }
}

#[cfg(test)]
mod tests;
