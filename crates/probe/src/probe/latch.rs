//! A one-way flag threads can sleep on: set once, it wakes every waiter at
//! once, so a thread that has nothing to do until then does not poll.

use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

/// Set once (e.g. "the sender is done"); waiters sleep until then.
#[derive(Debug, Default)]
pub(crate) struct Latch {
    set: Mutex<bool>,
    cv: Condvar,
}

impl Latch {
    /// Sets the flag and wakes every waiter.
    pub(crate) fn set(&self) {
        *self.set.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.cv.notify_all();
    }

    /// Whether the flag is set.
    pub(crate) fn is_set(&self) -> bool {
        *self.set.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sleeps until the flag is set or `timeout` has passed; returns whether it is set.
    pub(crate) fn wait(&self, timeout: Duration) -> bool {
        let guard = self.set.lock().unwrap_or_else(PoisonError::into_inner);
        let (guard, _) = self
            .cv
            .wait_timeout_while(guard, timeout, |set| !*set)
            .unwrap_or_else(PoisonError::into_inner);
        *guard
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn a_waiter_wakes_when_set_and_not_before() {
        let latch = Latch::default();
        assert!(!latch.wait(Duration::from_millis(5)));
        std::thread::scope(|s| {
            let t0 = Instant::now();
            let waiter = s.spawn(|| latch.wait(Duration::from_secs(30)));
            std::thread::sleep(Duration::from_millis(20));
            latch.set();
            assert!(waiter.join().unwrap());
            assert!(t0.elapsed() < Duration::from_secs(10));
        });
        assert!(latch.is_set());
        assert!(latch.wait(Duration::ZERO));
    }
}
