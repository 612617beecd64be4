//! What a terminal adds to a captured log, taken off one line at a time:
//! ANSI escape sequences (colour, cursor moves, xterm titles, bracketed-paste
//! switches), carriage returns (CRLF line ends, a line redrawn after `\r`),
//! other control characters, and the whitespace around the text.
//!
//! Rules: pure; never panics on any input. Only what a terminal would not
//! show as text is removed: after a carriage return inside a line, the text
//! that follows it is what the terminal shows (the last non-empty segment).

use std::borrow::Cow;

/// The text a terminal would show for `line` (one line, without its `\n`).
pub(crate) fn clean(line: &str) -> String {
    let visible = strip_escapes(line);
    let shown = visible
        .split('\r')
        .map(str::trim)
        .rfind(|seg| !seg.is_empty())
        .unwrap_or("");
    shown.to_owned()
}

/// `line` without escape sequences and control characters other than tab
/// and `\r` (indentation kept: virsh's event blocks are indented).
pub(crate) fn without_escapes(line: &str) -> Cow<'_, str> {
    if line
        .chars()
        .any(|c| c.is_control() && c != '\t' && c != '\r')
    {
        Cow::Owned(strip_escapes(line))
    } else {
        Cow::Borrowed(line)
    }
}

/// `line` without escape sequences and control characters other than tab and `\r`.
fn strip_escapes(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                // CSI: parameters and intermediates, then one final byte @..~.
                Some('[') => {
                    for f in chars.by_ref() {
                        if ('@'..='~').contains(&f) {
                            break;
                        }
                    }
                }
                // OSC (e.g. the xterm title): up to BEL or ESC \.
                Some(']') => {
                    while let Some(f) = chars.next() {
                        if f == '\u{7}' {
                            break;
                        }
                        if f == '\u{1b}' {
                            chars.next_if_eq(&'\\');
                            break;
                        }
                    }
                }
                // Character-set selection takes one more character.
                Some('(' | ')' | '*' | '+') => {
                    chars.next();
                }
                _ => {}
            },
            '\t' | '\r' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_terminal_shows() {
        for (raw, shown) in [
            ("64 bytes from 192.0.2.2: icmp_seq=1 ttl=64 time=0.05 ms\r", "64 bytes from 192.0.2.2: icmp_seq=1 ttl=64 time=0.05 ms"),
            (
                "\u{1b}]0;root@host: ~\u{7}\u{1b}[01;32mroot@host\u{1b}[00m:\u{1b}[01;34m~\u{1b}[00m# ping -D 192.0.2.2\r",
                "root@host:~# ping -D 192.0.2.2",
            ),
            ("\u{1b}[?2004h\u{1b}[?2004l\r", ""),
            ("\u{1b}(Bplain\u{1b}[m", "plain"),
            ("old text\r\u{1b}[Knew text", "new text"),
            ("\u{7}  padded  ", "padded"),
            ("\u{1b}]2;title\u{1b}\\after", "after"),
            ("cut \u{1b}[", "cut"),
            ("\u{1b}", ""),
        ] {
            assert_eq!(clean(raw), shown, "{raw:?}");
        }
        assert_eq!(without_escapes("\tdowntime: 51\r"), "\tdowntime: 51\r");
        assert_eq!(
            without_escapes("\u{1b}[1mevent\u{1b}[0m STOP"),
            "event STOP"
        );
    }
}
