//! Counting the lines of a text input that were not understood.
//!
//! Rules: every reader of text (the run-file reader and the ping, fping,
//! virsh and QEMU log parsers) counts its bad lines with one [`BadLines`]. A
//! bad line is never fatal: all are counted, and the first few are kept as
//! examples (a line number, or a line number with the reason) for the report.

/// How many examples [`BadLines::default`] keeps.
pub const KEEP_EXAMPLES: usize = 5;

/// Lines not understood: how many, and the first few as examples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLines<T = u64> {
    count: u64,
    examples: Vec<T>,
    keep: usize,
}

impl<T> Default for BadLines<T> {
    /// Keeps [`KEEP_EXAMPLES`] examples.
    fn default() -> Self {
        BadLines::keeping(KEEP_EXAMPLES)
    }
}

impl<T> BadLines<T> {
    /// None yet; at most `keep` examples will be kept.
    pub fn keeping(keep: usize) -> Self {
        BadLines {
            count: 0,
            examples: Vec::new(),
            keep,
        }
    }

    /// Counts one more bad line, keeping `example` if there is still room.
    pub fn note(&mut self, example: T) {
        self.count += 1;
        if self.examples.len() < self.keep {
            self.examples.push(example);
        }
    }

    /// How many bad lines were noted.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The first ones noted, in order.
    pub fn examples(&self) -> &[T] {
        &self.examples
    }

    /// The count and the examples.
    pub fn into_parts(self) -> (u64, Vec<T>) {
        (self.count, self.examples)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_all_keeps_the_first() {
        let mut b = BadLines::default();
        for line in 1..=7u64 {
            b.note(line * 10);
        }
        assert_eq!(b.count(), 7);
        assert_eq!(b.examples(), [10, 20, 30, 40, 50]);
        let mut r = BadLines::keeping(1);
        r.note((3u64, "not JSON".to_owned()));
        r.note((4, "no type".to_owned()));
        assert_eq!(r.into_parts(), (2, vec![(3, "not JSON".to_owned())]));
        assert_eq!(BadLines::<u64>::default().count(), 0);
    }
}
