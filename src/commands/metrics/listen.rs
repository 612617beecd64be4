//! `--listen ADDR [--listen-linger DURATION]`: the live `/metrics` endpoint
//! of `probe` and `run`, bound when the flags are checked, fed while
//! probing, then serving the final figures, for `--listen-linger` after the
//! run if asked.

use crate::cli::ListenArgs;
use crate::config::validate_duration;
use crate::prom::live::LiveMetrics;
use crate::prom::serve::MetricsListener;
use anyhow::Result;
use migprobe_analysis::report::metrics::MetricsLabels;
use migprobe_analysis::report::Report;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The longest `--listen-linger`.
const MAX_LINGER: Duration = Duration::from_secs(24 * 3600);

/// A live endpoint being served.
#[derive(Debug)]
pub(crate) struct Listening {
    live: LiveMetrics,
    /// The labels of the report's figures.
    labels: MetricsLabels,
    /// How long to serve the final figures after the run.
    linger: Duration,
}

impl Listening {
    /// Binds `--listen` and starts serving (None without it); `with_phase`
    /// for a migration session (`run`); `labels` label the report's figures.
    pub(crate) fn from_args(
        a: &ListenArgs,
        with_phase: bool,
        labels: impl FnOnce() -> Result<MetricsLabels>,
    ) -> Result<Option<Listening>> {
        let Some(addr) = &a.listen else {
            return Ok(None);
        };
        let labels = labels()?;
        let linger = match &a.listen_linger {
            Some(l) => validate_duration("--listen-linger", l, Duration::ZERO, MAX_LINGER)?,
            None => Duration::ZERO,
        };
        let listener = MetricsListener::bind(addr)?;
        crate::say!(
            "migprobe: serving live metrics on http://{}/metrics",
            listener.addr()
        );
        Ok(Some(Listening {
            live: LiveMetrics::serve(listener, with_phase),
            labels,
            linger,
        }))
    }

    /// The figures to feed.
    pub(crate) fn live(&self) -> &LiveMetrics {
        &self.live
    }

    /// The run is over: serves its `report`'s figures too, then waits out
    /// `--listen-linger` (or an interrupt: `interrupts` going up).
    pub(crate) fn conclude(&self, report: Option<&Report>, interrupts: &AtomicUsize) {
        // Counted before the final figures are shown: an interrupt sent on
        // seeing them ends the linger.
        let seen = interrupts.load(Ordering::Relaxed);
        if let Some(r) = report {
            self.live.set_final(r, &super::labels_for(&self.labels, r));
        }
        if self.linger.is_zero() {
            return;
        }
        crate::say!(
            "migprobe: serving the final figures for {} (interrupt to stop)",
            humantime::format_duration(self.linger)
        );
        let until = Instant::now() + self.linger;
        while Instant::now() < until && interrupts.load(Ordering::Relaxed) == seen {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
