//! What the two virsh event formats share: the [`ParsedText`] result, the
//! `[TIMESTAMP: ]event ` prefix, the domain name, and virsh's `--timestamp`.
//!
//! Rules: pure functions; `None` means "not this form", never a guess. Times
//! are UTC realtime nanoseconds; the calendar maths is
//! [`migprobe_probe::types::days_from_civil`].

use migprobe_probe::record::{BadLines, EventLine};
use migprobe_probe::types::{days_from_civil, RealNs};

/// What a parser made of a text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedText {
    /// The events, in text order.
    pub events: Vec<EventLine>,
    /// Non-blank lines that were neither an event nor part of one (line numbers, 1-based).
    pub bad_lines: BadLines,
    /// Events skipped because they had no timestamp and no fallback time was given.
    pub no_timestamp: u64,
}

/// Splits a line at its `event ` keyword. What comes before must be blank or
/// end with a timestamp and `:` (`2026-11-25 19:18:05.402+0000: event ...`);
/// other text may precede the timestamp. Returns the timestamp (if any) and the
/// text from `event ` on; `None` when no `event ` has such a prefix.
pub(crate) fn split_event_prefix(line: &str) -> Option<(Option<RealNs>, &str)> {
    for (i, _) in line.match_indices("event ") {
        let (prefix, rest) = line.split_at(i);
        if prefix.trim().is_empty() {
            return Some((None, rest));
        }
        if let Some(ts) = trailing_timestamp(prefix) {
            return Some((Some(ts), rest));
        }
    }
    None
}

/// `... 2026-11-25 19:18:05.402+0000: ` → the timestamp.
fn trailing_timestamp(prefix: &str) -> Option<RealNs> {
    let p = prefix.trim_end().strip_suffix(':')?.trim_end();
    let mut it = p.rsplitn(3, ' ');
    let last = it.next()?;
    if let Some(ts) = parse_timestamp(last) {
        return Some(ts);
    }
    let date = it.next()?;
    parse_timestamp(&format!("{date} {last}"))
}

/// Splits `'migvm': text` (or, as old virsh printed it, `migvm: text`) into the
/// domain name and what follows it.
pub(crate) fn split_domain(rest: &str) -> Option<(String, &str)> {
    if let Some(q) = rest.strip_prefix('\'') {
        for (i, _) in q.match_indices('\'') {
            let after = &q[i + 1..];
            if after.is_empty() || after.starts_with([':', ' ']) {
                let name = &q[..i];
                return (!name.is_empty()).then(|| (name.to_owned(), after));
            }
        }
        None
    } else {
        let end = rest.find(':').unwrap_or(rest.len());
        let name = rest[..end].trim();
        (!name.is_empty() && !name.contains(' ')).then(|| (name.to_owned(), &rest[end..]))
    }
}

/// Parses `YYYY-MM-DD HH:MM:SS[.fraction][zone]` (virsh's `--timestamp`; a `T`
/// may replace the space) into realtime nanoseconds. The zone is `+HHMM`,
/// `-HHMM`, `+HH:MM`, `Z`, or absent (UTC). `None` for anything else, for
/// impossible dates, and for times outside the i64 nanosecond range
/// (1677–2262).
pub fn parse_timestamp(s: &str) -> Option<RealNs> {
    let b = s.trim().as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let d = b.get(from..from + len)?;
        if !d.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(d.iter().fold(0i64, |a, &c| a * 10 + i64::from(c - b'0')))
    };
    let sep = |at: usize, ok: &[u8]| b.get(at).is_some_and(|c| ok.contains(c));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b" T") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, min, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let days = days_from_civil(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)?;
    if hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut frac_ns = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let digits = i - start;
        if digits == 0 || digits > 9 {
            return None;
        }
        frac_ns = num(start, digits)? * 10i64.pow(9 - digits as u32);
    }
    let offset_s = match b.get(i..)? {
        [] | [b'Z'] => 0,
        [sign @ (b'+' | b'-'), ..] => {
            let (h, m) = match b.len() - i {
                5 => (num(i + 1, 2)?, num(i + 3, 2)?),
                6 if b[i + 3] == b':' => (num(i + 1, 2)?, num(i + 4, 2)?),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let off = h * 3600 + m * 60;
            if *sign == b'-' {
                -off
            } else {
                off
            }
        }
        _ => return None,
    };
    let secs = days * 86_400 + hour * 3600 + min * 60 + sec - offset_s;
    secs.checked_mul(1_000_000_000)?
        .checked_add(frac_ns)
        .map(RealNs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_795_634_289_435_000_000; // 2026-11-25 19:18:09.435 UTC

    #[test]
    fn timestamps() {
        let ok = [
            ("2026-11-25 19:18:09.435+0000", T0),
            ("2026-11-25T19:18:09.435Z", T0),
            ("2026-11-25 19:18:09.435", T0),
            ("2026-11-25 20:18:09.435+0100", T0),
            ("2026-11-25 18:48:09.435-00:30", T0),
            ("2026-11-25 19:18:09.435000001+0000", T0 + 1),
            ("2026-11-25 19:18:09.4+0000", T0 - 35_000_000),
            ("1970-01-01 00:00:00.000+0000", 0),
            ("1969-12-31 23:59:59.000+0000", -1_000_000_000),
            ("2000-02-29 00:00:00+0000", 951_782_400_000_000_000),
            ("2024-03-01 00:00:00+0000", 1_709_251_200_000_000_000),
        ];
        for (s, want) in ok {
            assert_eq!(parse_timestamp(s), Some(RealNs(want)), "{s}");
        }
        for s in [
            "",
            "2026-11-25",
            "2026-13-25 19:18:09.435+0000",
            "2026-02-29 19:18:09+0000",
            "1900-02-29 00:00:00+0000",
            "2026-11-25 24:00:00+0000",
            "2026-11-25 19:18:09.+0000",
            "2026-11-25 19:18:09.4350000000+0000",
            "2026-11-25 19:18:09.435+000",
            "2026-11-25 19:18:09.435 +0000",
            "2026-11-25 19:18:09.435+2500",
            "9999-12-31 23:59:59+0000",
            "2026-11-25 19:1a:09+0000",
            "2026-11-25 19:18:09.435+0000x",
            "２026-11-25 19:18:09",
        ] {
            assert_eq!(parse_timestamp(s), None, "{s}");
        }
    }
}
