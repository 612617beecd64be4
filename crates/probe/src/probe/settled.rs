//! Which probe indices of one target are settled (their final line written),
//! kept for a sliding window of recent indices only: everything below the
//! window counts as settled, so the memory stays bounded however long a run is.

use std::collections::VecDeque;

/// Settled probe indices of one target, one bit each, from `base` on.
#[derive(Debug, Clone, Default)]
pub(crate) struct Settled {
    /// Index of the first bit of `words[0]` (a multiple of 64).
    base: u64,
    words: VecDeque<u64>,
}

impl Settled {
    /// Marks index `i` settled.
    pub fn set(&mut self, i: u64) {
        let Some(w) = i.checked_sub(self.base).map(|d| d / 64) else {
            return;
        };
        let w = usize::try_from(w).unwrap_or(usize::MAX);
        if w >= self.words.len() {
            self.words.resize(w.saturating_add(1), 0);
        }
        self.words[w] |= 1 << (i % 64);
    }

    /// Whether index `i` is settled (always true below the window).
    pub fn get(&self, i: u64) -> bool {
        let Some(d) = i.checked_sub(self.base) else {
            return true;
        };
        usize::try_from(d / 64)
            .ok()
            .and_then(|w| self.words.get(w))
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// Forgets the indices below `floor` (rounded down to a whole word): they count as settled from now on.
    pub fn forget_below(&mut self, floor: u64) {
        if self.words.is_empty() {
            self.base = self.base.max(floor - floor % 64);
            return;
        }
        while self.base + 64 <= floor {
            self.words.pop_front();
            self.base += 64;
        }
    }

    /// Words kept (for tests of the bound).
    #[cfg(test)]
    pub fn words(&self) -> usize {
        self.words.len()
    }
}

#[cfg(test)]
mod tests {
    use super::Settled;

    #[test]
    fn set_get_and_forget() {
        let mut b = Settled::default();
        for i in [0, 1, 5, 200] {
            b.set(i);
        }
        assert!(b.get(200) && !b.get(199) && !b.get(1 << 40) && b.get(5));
        b.forget_below(130);
        assert!(b.get(3), "below the window counts as settled");
        assert!(!b.get(150) && b.get(200) && !b.get(201));
        assert_eq!(b.words(), 2);
        b.set(64);
        b.forget_below(1 << 20);
        assert_eq!(b.words(), 0);
        assert!(b.get(300) && !b.get(1 << 20));
    }
}
