//! [`Lines`]: a reader that hands out one line at a time and stops with an
//! error at the size cap or at a line over the line cap, holding at most one
//! line (plus the read buffer) in memory.

use super::{InputError, Limits};
use std::io::{self, BufRead, Read};
use std::path::{Path, PathBuf};

/// Lines of one input, within [`Limits`].
#[derive(Debug)]
pub struct Lines<R> {
    input: R,
    path: PathBuf,
    limits: Limits,
    /// Bytes consumed so far.
    read: u64,
    /// Number of the last line handed out (1-based).
    line_no: u64,
    /// The last line handed out ended with a `\n`.
    ended: bool,
}

impl<R: BufRead> Lines<R> {
    /// Reads `input` (named `path` in messages) within `limits`.
    pub fn new(input: R, path: &Path, limits: Limits) -> Lines<R> {
        Lines {
            input,
            path: path.to_owned(),
            limits,
            read: 0,
            line_no: 0,
            ended: false,
        }
    }

    /// The input, for reading it another way (nothing read yet: the caps
    /// count from here).
    pub fn into_input(self) -> R {
        self.input
    }

    /// The file's name, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The number of the line last read by [`Lines::next_line`] (1-based).
    pub fn line_no(&self) -> u64 {
        self.line_no
    }

    /// Reads the next line into `buf`, without its `\n`; false at the end.
    pub fn next_line(&mut self, buf: &mut Vec<u8>) -> Result<bool, InputError> {
        buf.clear();
        // Room for a line at the cap and its `\n`: one byte more is too long.
        let room = self.limits.max_line.saturating_add(1);
        // (read_until retries interrupted reads itself.)
        let n = (&mut self.input)
            .take(room)
            .read_until(b'\n', buf)
            .map_err(|e| self.io(e))?;
        self.ended = buf.last() == Some(&b'\n');
        if self.ended {
            buf.pop();
        } else if n as u64 == room {
            return Err(InputError::LineTooLong {
                path: self.path.clone(),
                line: self.line_no + 1,
                cap: self.limits.max_line,
            });
        }
        self.count(n as u64)?;
        if n > 0 {
            self.line_no += 1;
        }
        Ok(n > 0)
    }

    /// Everything left, as one document: every line within the line cap.
    pub fn read_to_end(mut self) -> Result<Vec<u8>, InputError> {
        let mut all = Vec::new();
        let mut line = Vec::new();
        while self.next_line(&mut line)? {
            all.extend_from_slice(&line);
            if self.ended {
                all.push(b'\n');
            }
        }
        Ok(all)
    }

    fn count(&mut self, n: u64) -> Result<(), InputError> {
        self.read = self.read.saturating_add(n);
        if self.read > self.limits.max_size {
            return Err(InputError::TooBig {
                path: self.path.clone(),
                size: None,
                cap: self.limits.max_size,
            });
        }
        Ok(())
    }

    fn io(&self, source: io::Error) -> InputError {
        InputError::Io {
            path: self.path.clone(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[u8], max_size: u64, max_line: u64) -> Lines<&[u8]> {
        Lines::new(text, Path::new("in.txt"), Limits { max_size, max_line })
    }

    #[test]
    fn lines_come_out_without_their_newline() {
        let mut l = lines(b"ab\n\ncd", 100, 10);
        let mut buf = Vec::new();
        let mut got = Vec::new();
        while l.next_line(&mut buf).unwrap() {
            got.push((l.line_no(), String::from_utf8(buf.clone()).unwrap()));
        }
        assert_eq!(got, [(1, "ab".into()), (2, "".into()), (3, "cd".into())]);
        for text in [&b"ab\n\ncd"[..], b"x\n", b"", b"\n\n"] {
            assert_eq!(lines(text, 100, 10).read_to_end().unwrap(), text);
        }
    }

    #[test]
    fn caps_stop_the_reading_with_the_line_number() {
        let mut buf = Vec::new();
        let mut l = lines(b"12345\n123456\n", 100, 5);
        assert!(l.next_line(&mut buf).unwrap());
        let e = l.next_line(&mut buf).unwrap_err();
        assert!(
            matches!(
                e,
                InputError::LineTooLong {
                    line: 2,
                    cap: 5,
                    ..
                }
            ),
            "{e}"
        );
        assert!(
            e.to_string().contains("--max-line-length 8;")
                || e.to_string().ends_with("--max-line-length 8"),
            "{e}"
        );
        let e = lines(b"1234\n1234\n", 9, 5).read_to_end().unwrap_err();
        assert!(
            matches!(
                e,
                InputError::TooBig {
                    size: None,
                    cap: 9,
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("holds more than 9 bytes"), "{e}");
        assert_eq!(
            lines(b"1234\n1234\n", 10, 4).read_to_end().unwrap().len(),
            10
        );
    }

    #[test]
    fn an_endless_input_stops_at_a_cap() {
        let zeros = std::io::BufReader::new(std::io::repeat(0));
        let mut l = Lines::new(
            zeros,
            Path::new("/dev/zero"),
            Limits {
                max_size: 1 << 20,
                max_line: 1 << 10,
            },
        );
        let e = l.next_line(&mut Vec::new()).unwrap_err();
        assert!(matches!(e, InputError::LineTooLong { line: 1, .. }), "{e}");
        let newlines = std::io::BufReader::new(std::io::repeat(b'\n'));
        let e = Lines::new(
            newlines,
            Path::new("p"),
            Limits {
                max_size: 1 << 16,
                max_line: 8,
            },
        )
        .read_to_end()
        .unwrap_err();
        assert!(matches!(e, InputError::TooBig { .. }), "{e}");
    }
}
