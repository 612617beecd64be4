//! A one-line live status on stderr, redrawn in place (only on a terminal).

use migprobe_probe::probe::engine::Live;
use migprobe_probe::types::human_ns;
use std::io::{IsTerminal, Write};

/// The live status line.
#[derive(Debug)]
pub(crate) struct LiveLine {
    enabled: bool,
    drawn: bool,
}

impl LiveLine {
    /// Shown only when stderr is a terminal and not `quiet`.
    pub(crate) fn new(quiet: bool) -> LiveLine {
        LiveLine {
            enabled: !quiet && std::io::stderr().is_terminal(),
            drawn: false,
        }
    }

    /// Redraws the line.
    pub(crate) fn update(&mut self, live: &[Live], elapsed_ns: i64) {
        self.update_with(live, elapsed_ns, "");
    }

    /// Redraws the line with `extra` (phase, latest event) after the counters.
    pub(crate) fn update_with(&mut self, live: &[Live], elapsed_ns: i64, extra: &str) {
        if !self.enabled {
            return;
        }
        let mut e = std::io::stderr().lock();
        let _ = write!(e, "\r\x1b[K{}{extra}", render(live, elapsed_ns));
        let _ = e.flush();
        self.drawn = true;
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
