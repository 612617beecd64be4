//! The current send rate: probes per second over the last [`WINDOW_NS`], from
//! the cumulative `sent` counter sampled at each redraw (not sent / elapsed
//! since the start, which hides a stall behind the minutes before it).

use std::collections::VecDeque;

/// How far back the current rate looks.
pub(crate) const WINDOW_NS: i64 = 1_000_000_000;

/// Samples of (elapsed ns, probes sent so far) covering at least the last window.
#[derive(Debug, Clone)]
pub(crate) struct RateWindow {
    samples: VecDeque<(i64, u64)>,
}

impl Default for RateWindow {
    /// Starts at (0 s, 0 sent): the session's start.
    fn default() -> RateWindow {
        RateWindow {
            samples: VecDeque::from([(0, 0)]),
        }
    }
}

impl RateWindow {
    /// Adds a sample and forgets those older than needed. A clock that went
    /// back or a counter that shrank starts the window anew.
    pub(crate) fn push(&mut self, elapsed_ns: i64, sent: u64) {
        let went_back = self
            .samples
            .back()
            .is_some_and(|&(t, s)| elapsed_ns < t || sent < s);
        if went_back {
            self.samples.clear();
        }
        self.samples.push_back((elapsed_ns, sent));
        // Keep the newest sample at least a window old as the window's start.
        let horizon = elapsed_ns.saturating_sub(WINDOW_NS);
        while self.samples.get(1).is_some_and(|&(t, _)| t <= horizon) {
            self.samples.pop_front();
        }
    }

    /// Probes per second between the window's first and last samples; `None`
    /// until two samples lie apart in time.
    pub(crate) fn per_second(&self) -> Option<f64> {
        let (&(t0, s0), &(t1, s1)) = (self.samples.front()?, self.samples.back()?);
        (t1 > t0).then(|| (s1 - s0) as f64 * 1e9 / (t1 - t0) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Redraws every 250 ms with `per_s` probes a second from `from_ns` on.
    fn feed(w: &mut RateWindow, sent: &mut u64, from_ns: i64, to_ns: i64, per_s: u64) {
        let mut t = from_ns;
        while t < to_ns {
            t += 250_000_000;
            *sent += per_s / 4;
            w.push(t, *sent);
        }
    }

    #[test]
    fn a_stall_shows_at_once_not_averaged_over_the_run() {
        let (mut w, mut sent) = (RateWindow::default(), 0);
        feed(&mut w, &mut sent, 0, 10_000_000_000, 1000);
        assert_eq!(w.per_second(), Some(1000.0));
        feed(&mut w, &mut sent, 10_000_000_000, 11_500_000_000, 0);
        // Cumulative would still say 1000 * 10 / 11.5 ≈ 870/s.
        assert_eq!(w.per_second(), Some(0.0));
    }

    #[test]
    fn follows_a_change_of_rate_within_about_a_second() {
        let (mut w, mut sent) = (RateWindow::default(), 0);
        feed(&mut w, &mut sent, 0, 5_000_000_000, 100);
        feed(&mut w, &mut sent, 5_000_000_000, 5_500_000_000, 1000);
        let halfway = w.per_second().unwrap();
        assert!(halfway > 100.0 && halfway < 1000.0, "{halfway}");
        feed(&mut w, &mut sent, 5_500_000_000, 6_000_000_000, 1000);
        assert_eq!(w.per_second(), Some(1000.0));
    }

    #[test]
    fn first_second_counts_from_the_start_and_a_clock_step_restarts() {
        let mut w = RateWindow::default();
        assert_eq!(w.per_second(), None);
        w.push(500_000_000, 50);
        assert_eq!(w.per_second(), Some(100.0));
        w.push(400_000_000, 60);
        assert_eq!(w.per_second(), None);
        w.push(600_000_000, 80);
        assert_eq!(w.per_second(), Some(100.0));
    }
}
