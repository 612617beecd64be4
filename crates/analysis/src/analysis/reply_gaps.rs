//! The longest time between two consecutive replies of a target, by arrival
//! time, from arrival times fed in probe order.
//!
//! Arrivals in probe order are sorted but for replies overtaking each other;
//! [`ReplyGaps::window`] sorts them in a window of the last [`WINDOW`]
//! arrivals (memory bounded by the window), and notices when an arrival
//! comes too late for it: then the figure needs all the arrivals again
//! ([`ReplyGaps::longest`] says so). [`ReplyGaps::all`] keeps every arrival.

use std::collections::VecDeque;

/// An arrival came too late for the window: the figure needs every arrival.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfOrder;

/// Arrivals held back for sorting, per target.
pub const WINDOW: usize = 4096;

/// Arrival times of one target's replies, reduced to their longest gap.
#[derive(Debug, Clone)]
pub enum ReplyGaps {
    /// Every arrival (memory grows with them).
    All(Vec<i64>),
    /// Arrivals sorted in a sliding window.
    Window(Sliding),
}

/// The state of [`ReplyGaps::Window`].
#[derive(Debug, Clone, Default)]
pub struct Sliding {
    /// The held arrivals, ascending (in probe order they mostly come so:
    /// appended at the back).
    held: VecDeque<i64>,
    last: Option<i64>,
    best: Option<i64>,
    out_of_order: bool,
}

impl Sliding {
    /// Passes the earliest held arrival on.
    fn emit(&mut self, v: i64) {
        match self.last {
            Some(l) if v < l => self.out_of_order = true,
            Some(l) => self.best = self.best.max(Some(v - l)),
            None => {}
        }
        self.last = Some(v);
    }
}

impl ReplyGaps {
    /// Keeping every arrival.
    pub fn all() -> ReplyGaps {
        ReplyGaps::All(Vec::new())
    }

    /// In bounded memory.
    pub fn window() -> ReplyGaps {
        ReplyGaps::Window(Sliding::default())
    }

    /// Takes the next arrival (in probe order).
    pub fn push(&mut self, rx: i64) {
        match self {
            ReplyGaps::All(v) => v.push(rx),
            ReplyGaps::Window(s) => {
                if s.held.back().is_none_or(|&b| b <= rx) {
                    s.held.push_back(rx);
                } else {
                    let at = s.held.partition_point(|&v| v <= rx);
                    s.held.insert(at, rx);
                }
                if s.held.len() > WINDOW {
                    if let Some(v) = s.held.pop_front() {
                        s.emit(v);
                    }
                }
            }
        }
    }

    /// The longest gap (`None` with fewer than two arrivals); `Err` when
    /// an arrival came too late for the window: feed every arrival to
    /// [`longest_of`] instead.
    pub fn longest(self) -> Result<Option<i64>, OutOfOrder> {
        match self {
            ReplyGaps::All(v) => Ok(longest_of(v)),
            ReplyGaps::Window(mut s) => {
                while let Some(v) = s.held.pop_front() {
                    s.emit(v);
                }
                if s.out_of_order {
                    Err(OutOfOrder)
                } else {
                    Ok(s.best)
                }
            }
        }
    }
}

/// The longest gap between consecutive values of `rx` once sorted.
pub fn longest_of(mut rx: Vec<i64>) -> Option<i64> {
    rx.sort_unstable();
    rx.windows(2).map(|w| w[1] - w[0]).max()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(rx: &[i64]) -> (Option<i64>, Result<Option<i64>, OutOfOrder>) {
        let (mut all, mut win) = (ReplyGaps::all(), ReplyGaps::window());
        for &v in rx {
            all.push(v);
            win.push(v);
        }
        (all.longest().unwrap(), win.longest())
    }

    #[test]
    fn the_window_finds_what_sorting_everything_finds() {
        let mut rx: Vec<i64> = (0..20_000).map(|i| i * 1_000).collect();
        // A freeze: 300 replies arrive together, late; then a reordered pair.
        for v in &mut rx[5_000..5_300] {
            *v = 5_400_000;
        }
        rx.swap(9_000, 9_003);
        rx[12_000] += 2_500_000;
        let (all, win) = both(&rx);
        assert_eq!(win, Ok(all));
        assert_eq!(both(&[]), (None, Ok(None)));
        assert_eq!(both(&[5]), (None, Ok(None)));
    }

    #[test]
    fn an_arrival_too_late_for_the_window_asks_for_all() {
        let mut rx: Vec<i64> = (0..10_000).map(|i| i * 1_000).collect();
        rx.push(10);
        assert!(both(&rx).1.is_err());
    }
}
