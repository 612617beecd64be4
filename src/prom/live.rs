//! The session's live figures, shared between the thread that records the
//! run (it feeds every line and the engine's counters) and the `/metrics`
//! server (it renders them at each scrape); once the run is over, the
//! report's final figures too.

use super::serve::MetricsListener;
use migprobe_analysis::report::metrics::live::{render_live, LivePhase, LiveTally};
use migprobe_analysis::report::metrics::MetricsLabels;
use migprobe_analysis::report::Report;
use migprobe_probe::probe::engine::Live;
use migprobe_probe::record::Line;
use migprobe_probe::sys::realtime_now;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// What a scrape shows.
#[derive(Debug, Default)]
struct Shown {
    tally: LiveTally,
    /// The session's phase (`run` only).
    phase: Option<String>,
    /// The final figures, once the report is made.
    report: Option<(Report, MetricsLabels)>,
}

/// The live figures of one session, served on `--listen`.
#[derive(Debug, Clone)]
pub(crate) struct LiveMetrics {
    shown: Arc<Mutex<Shown>>,
}

impl LiveMetrics {
    /// Starts serving `listener` with the figures of a session to come;
    /// `with_phase` for a migration session (`run`).
    pub(crate) fn serve(listener: MetricsListener, with_phase: bool) -> LiveMetrics {
        let shown = Shown {
            phase: with_phase.then(|| "warm-up".to_owned()),
            ..Shown::default()
        };
        let live = LiveMetrics {
            shown: Arc::new(Mutex::new(shown)),
        };
        let served = live.clone();
        listener.serve(move || served.render());
        live
    }

    /// The figures (a poisoned lock still holds them).
    fn lock(&self) -> MutexGuard<'_, Shown> {
        self.shown.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts one recorded line.
    pub(crate) fn observe(&self, line: &Line) {
        self.lock().tally.observe(line);
    }

    /// Takes the engine's send counters.
    pub(crate) fn set_engine(&self, live: &[Live]) {
        self.lock().tally.set_engine(live);
    }

    /// The session's phase now.
    pub(crate) fn set_phase(&self, phase: &str) {
        if let Some(p) = self.lock().phase.as_mut() {
            phase.clone_into(p);
        }
    }

    /// The run's report, labelled: its figures are served from now on.
    pub(crate) fn set_final(&self, report: &Report, labels: &MetricsLabels) {
        self.lock().report = Some((report.clone(), labels.clone()));
    }

    /// The text of a scrape now.
    fn render(&self) -> Vec<u8> {
        let s = self.lock();
        let report = s.report.as_ref().map(|(r, l)| (r, l));
        render_live(
            &s.tally,
            realtime_now().0,
            s.phase.as_deref().map(LivePhase),
            report,
        )
    }
}
