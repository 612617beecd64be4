//! A one-line live status on stderr, redrawn in place (only on a terminal),
//! and a warning line as soon as the prober skips slots (on any stderr, unless
//! quiet; at most one every [`SKIP_WARN_EVERY_NS`]).
//!
//! The line fits the terminal: its width is read from stderr at every redraw
//! (so a resized window is followed within a redraw, no SIGWINCH handler), and
//! fields are dropped by priority rather than wrapped — a wrapped line would
//! break the `\r` redraw. The rate is the current one (last second,
//! [`rate`]); an outage now shows as `no reply 1.2s` ([`silence`]). Colour
//! only on a terminal, and never under `NO_COLOR` or `TERM=dumb`.
//!
//! Hand-written rather than `indicatif`: a status line of counters is not a
//! progress bar; `indicatif` neither drops fields by priority (its `wide_msg`
//! cuts mid-field) nor knows our current rate (its `per_sec` is a smoothed
//! estimate of its own position), and the skip warnings and `run`'s event
//! lines would have to go through its `suspend`. What it would bring — TTY
//! detection, the width, `\r` + clear-line — is `IsTerminal`, `terminal_size`
//! (already in the build through clap) and one escape sequence.

mod rate;
mod render;
mod silence;

use migprobe_probe::probe::engine::Live;
use rate::RateWindow;
use render::Status;
use silence::Silence;
use std::ffi::OsStr;
use std::io::{IsTerminal, Write};

/// Columns assumed when stderr is a terminal whose size cannot be read.
const FALLBACK_WIDTH: usize = 80;

/// The live status line.
#[derive(Debug)]
pub(crate) struct LiveLine {
    /// `Some(colour)` when the line is drawn.
    draw: Option<bool>,
    drawn: bool,
    quiet: bool,
    rate: RateWindow,
    silence: Silence,
    /// Skipped slots already warned about.
    warned: u64,
    /// When the last warning was printed (elapsed ns), if ever.
    last_warning: Option<i64>,
}

/// Skip warnings are at most this frequent.
pub(crate) const SKIP_WARN_EVERY_NS: i64 = 5_000_000_000;

impl LiveLine {
    /// Shown only when stderr is a terminal and not `quiet`.
    pub(crate) fn new(quiet: bool) -> LiveLine {
        let tty = std::io::stderr().is_terminal();
        let env = |k| std::env::var_os(k);
        let colour = colour_wanted(tty, env("NO_COLOR").as_deref(), env("TERM").as_deref());
        LiveLine {
            draw: (!quiet && tty).then_some(colour),
            drawn: false,
            quiet,
            rate: RateWindow::default(),
            silence: Silence::default(),
            warned: 0,
            last_warning: None,
        }
    }

    /// Redraws the line (`probe`).
    pub(crate) fn update(&mut self, live: &[Live], elapsed_ns: i64) {
        self.redraw(live, elapsed_ns, None);
    }

    /// Redraws the line with the migration `phase` and the latest `event` (`run`).
    pub(crate) fn update_with(&mut self, live: &[Live], elapsed_ns: i64, phase: &str, event: &str) {
        self.redraw(live, elapsed_ns, Some((phase, event)));
    }

    fn redraw(&mut self, live: &[Live], elapsed_ns: i64, run: Option<(&str, &str)>) {
        self.warn_skips(live, elapsed_ns);
        self.rate
            .push(elapsed_ns, live.iter().map(|l| l.sent).sum());
        self.silence
            .push(elapsed_ns, live.iter().map(|l| (l.sent, l.answered)));
        let Some(colour) = self.draw else {
            return;
        };
        let status = Status {
            live,
            elapsed_ns,
            rate: self.rate.per_second(),
            silent_ns: self
                .silence
                .longest(elapsed_ns, live.iter().map(|l| l.sent)),
            run,
        };
        let line = render::render(&status, stderr_width(), colour);
        let mut e = std::io::stderr().lock();
        let _ = write!(e, "\r\x1b[K{line}");
        let _ = e.flush();
        self.drawn = true;
    }

    /// Warns about slots skipped since the last warning, when there are new ones.
    fn warn_skips(&mut self, live: &[Live], elapsed_ns: i64) {
        let skipped: u64 = live.iter().map(|l| l.skipped).sum();
        let due = self
            .last_warning
            .is_none_or(|t| elapsed_ns.saturating_sub(t) >= SKIP_WARN_EVERY_NS);
        if self.quiet || skipped <= self.warned || !due {
            return;
        }
        self.finish();
        crate::say!(
            "migprobe: warning: the prober fell behind and skipped {} slot(s) by {:.1} s ({} in all): \
             those moments are unobserved, and the report will say so",
            skipped - self.warned,
            elapsed_ns as f64 / 1e9,
            skipped
        );
        self.warned = skipped;
        self.last_warning = Some(elapsed_ns);
    }

    /// Ends the line so later output starts on a fresh one.
    pub(crate) fn finish(&mut self) {
        if self.drawn {
            crate::say!("");
            self.drawn = false;
        }
    }
}

/// The width of stderr's terminal now; when the terminal does not say (a
/// pty with no size set), `COLUMNS` or [`FALLBACK_WIDTH`].
fn stderr_width() -> usize {
    terminal_size::terminal_size_of(std::io::stderr()).map_or_else(
        || {
            std::env::var("COLUMNS")
                .ok()
                .and_then(|c| c.trim().parse().ok())
                .unwrap_or(FALLBACK_WIDTH)
        },
        |(w, _)| usize::from(w.0),
    )
}

/// Colour on a terminal unless `NO_COLOR` is set to something
/// (<https://no-color.org>) or the terminal is `dumb`.
fn colour_wanted(tty: bool, no_color: Option<&OsStr>, term: Option<&OsStr>) -> bool {
    tty && no_color.is_none_or(OsStr::is_empty) && term != Some(OsStr::new("dumb"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        let s = |v: &'static str| Some(OsStr::new(v));
        assert!(colour_wanted(true, None, s("xterm-256color")));
        assert!(colour_wanted(true, s(""), None));
        assert!(!colour_wanted(false, None, s("xterm")));
        assert!(!colour_wanted(true, s("1"), s("xterm")));
        assert!(!colour_wanted(true, None, s("dumb")));
    }

    #[test]
    fn skip_warnings_are_counted_and_spaced() {
        let mut l = LiveLine::new(false);
        l.draw = None;
        let skipped = |n| {
            [Live {
                skipped: n,
                ..Live::default()
            }]
        };
        l.update(&skipped(3), 1_000_000_000);
        assert_eq!((l.warned, l.last_warning), (3, Some(1_000_000_000)));
        l.update(&skipped(5), 2_000_000_000);
        assert_eq!(l.warned, 3, "within {SKIP_WARN_EVERY_NS} ns of the last");
        l.update(&skipped(5), 6_000_000_000);
        assert_eq!((l.warned, l.last_warning), (5, Some(6_000_000_000)));
        let mut quiet = LiveLine::new(true);
        quiet.update(&skipped(9), 1);
        assert_eq!(quiet.warned, 0);
    }
}
