//! A one-line live status on stderr, redrawn in place (only on a terminal),
//! and a warning line as soon as the prober skips slots (on any stderr, unless
//! quiet; at most one every [`SKIP_WARN_EVERY_NS`]).

use migprobe_probe::probe::engine::Live;
use migprobe_probe::types::human_ns;
use std::io::{IsTerminal, Write};

/// The live status line.
#[derive(Debug)]
pub(crate) struct LiveLine {
    enabled: bool,
    drawn: bool,
    quiet: bool,
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
        LiveLine {
            enabled: !quiet && std::io::stderr().is_terminal(),
            drawn: false,
            quiet,
            warned: 0,
            last_warning: None,
        }
    }

    /// Redraws the line.
    pub(crate) fn update(&mut self, live: &[Live], elapsed_ns: i64) {
        self.update_with(live, elapsed_ns, "");
    }

    /// Redraws the line with `extra` (phase, latest event) after the counters.
    pub(crate) fn update_with(&mut self, live: &[Live], elapsed_ns: i64, extra: &str) {
        self.warn_skips(live, elapsed_ns);
        if !self.enabled {
            return;
        }
        let mut e = std::io::stderr().lock();
        let _ = write!(e, "\r\x1b[K{}{extra}", render(live, elapsed_ns));
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
        eprintln!(
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
            eprintln!();
            self.drawn = false;
        }
    }
}

/// The status text: elapsed, rate, replies, waiting, errors, RTT now / max.
pub(crate) fn render(live: &[Live], elapsed_ns: i64) -> String {
    let sum = |f: fn(&Live) -> u64| live.iter().map(f).sum::<u64>();
    let sent = sum(|l| l.sent);
    let secs = (elapsed_ns.max(1) as f64) / 1e9;
    let now = live.iter().filter_map(|l| l.last_rtt_ns).max();
    let max = live.iter().map(|l| l.max_rtt_ns).max().unwrap_or(0);
    format!(
        "{:>7.1}s  {:>7.0}/s  sent {}  replies {}  waiting {}  errors {}  skipped {}  dup {}  rtt {} (max {})",
        secs,
        sent as f64 / secs,
        sent,
        sum(|l| l.answered),
        sum(|l| l.waiting),
        sum(|l| l.errors),
        sum(|l| l.skipped),
        sum(|l| l.dups),
        now.map(human_ns).unwrap_or_else(|| "-".into()),
        human_ns(max),
    )
}
