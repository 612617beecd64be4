//! The outage now: how long the most silent target has gone without a reply,
//! from the counters seen at each redraw. A target counts as silent once
//! [`SILENT_AFTER`] probes were sent to it since its answers last grew (the
//! default `--min-loss-run`), so a slow interval is not mistaken for an outage.

/// Probes sent since the last reply before a target counts as silent.
pub(crate) const SILENT_AFTER: u64 = 3;

/// Per target: answers seen, probes sent then, and when (elapsed ns).
#[derive(Debug, Clone, Default)]
pub(crate) struct Silence {
    targets: Vec<(u64, u64, i64)>,
}

impl Silence {
    /// Takes one redraw's counters per target: (sent, answered).
    pub(crate) fn push(&mut self, elapsed_ns: i64, counters: impl Iterator<Item = (u64, u64)>) {
        for (i, (sent, answered)) in counters.enumerate() {
            match self.targets.get_mut(i) {
                Some(t) if answered == t.0 && sent >= t.1 => {}
                Some(t) => *t = (answered, sent, elapsed_ns),
                None => self.targets.push((answered, sent, elapsed_ns)),
            }
        }
    }

    /// How long the most silent target has had no reply (as of the last
    /// redraw that saw its answers grow); `None` when no target is silent.
    pub(crate) fn longest(&self, elapsed_ns: i64, sent: impl Iterator<Item = u64>) -> Option<i64> {
        self.targets
            .iter()
            .zip(sent)
            .filter(|((_, sent_then, _), now)| now.saturating_sub(*sent_then) >= SILENT_AFTER)
            .map(|((_, _, since), _)| elapsed_ns.saturating_sub(*since))
            .max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(s: &mut Silence, t: i64, c: &[(u64, u64)]) -> Option<i64> {
        s.push(t, c.iter().copied());
        s.longest(t, c.iter().map(|x| x.0))
    }

    #[test]
    fn one_silent_target_is_an_outage_until_it_answers_again() {
        let mut s = Silence::default();
        assert_eq!(step(&mut s, 0, &[(0, 0), (0, 0)]), None);
        assert_eq!(step(&mut s, 250, &[(250, 249), (250, 249)]), None);
        assert_eq!(step(&mut s, 500, &[(500, 499), (500, 249)]), Some(250));
        assert_eq!(step(&mut s, 750, &[(750, 749), (750, 249)]), Some(500));
        assert_eq!(step(&mut s, 1000, &[(1000, 999), (1000, 999)]), None);
    }

    #[test]
    fn a_slow_interval_is_not_silence() {
        let mut s = Silence::default();
        // One probe a second, redraws every 250 ms: answers grow once a second.
        let mut out = Vec::new();
        for k in 0..20u64 {
            let sent = k / 4 + 1;
            let answered = if k % 4 == 0 { sent - 1 } else { sent };
            out.push(step(&mut s, k as i64 * 250, &[(sent, answered)]));
        }
        assert!(out.iter().all(Option::is_none), "{out:?}");
    }
}
