//! What the two virsh event formats share: the [`ParsedText`] result, the
//! `[TIMESTAMP: ]event ` prefix, the domain name, and virsh's `--timestamp`.
//!
//! Rules: pure functions; `None` means "not this form", never a guess. Times
//! are UTC realtime nanoseconds; the calendar is jiff's.

use jiff::fmt::temporal::{Pieces, PiecesOffset};
use jiff::tz::Offset;
use migprobe_probe::record::{BadLines, EventLine};
use migprobe_probe::types::RealNs;

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
/// impossible dates, offsets of a day or more, and times outside the i64
/// nanosecond range (1677–2262). A leap second (`:60`) counts as `:59`.
///
/// The calendar, the fraction and the offset are jiff's (its RFC 3339 /
/// ISO 8601 parser); the fixed shape checked first keeps out the wider forms
/// it also reads (basic format, minutes without seconds, six-digit years).
pub fn parse_timestamp(s: &str) -> Option<RealNs> {
    let s = s.trim();
    let b = s.as_bytes();
    let sep = |at: usize, ok: &[u8]| b.get(at).is_some_and(|c| ok.contains(c));
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let shaped = sep(4, b"-") && sep(7, b"-") && sep(10, b" T") && sep(13, b":") && sep(16, b":");
    if !(shaped && digits(0..4) && digits(17..19)) {
        return None;
    }
    let p = Pieces::parse(s).ok()?;
    if p.time_zone_annotation().is_some() {
        return None;
    }
    let offset = match p.offset() {
        None | Some(PiecesOffset::Zulu) => Offset::UTC,
        Some(PiecesOffset::Numeric(n)) if n.offset().seconds().abs() < 86_400 => n.offset(),
        Some(_) => return None,
    };
    let at = offset.to_timestamp(p.date().to_datetime(p.time()?)).ok()?;
    i64::try_from(at.as_nanosecond()).ok().map(RealNs)
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
            ("2026-11-25 19:18:59.5+0000", T0 + 50_065_000_000),
            ("2026-11-25 19:18:60+0000", T0 + 49_565_000_000),
            ("2262-04-11 23:47:16.854775807Z", i64::MAX),
            ("1677-09-21 00:12:43.145224192Z", i64::MIN),
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
            "2026-11-25T19:18",
            "20261125T191809",
            "+002026-11-25T19:18:09",
            "2026-11-25t19:18:09",
            "2026-11-25 19:18:09+0000[Europe/Paris]",
            "2262-04-11 23:47:16.854775808Z",
            "2026-11-25 19:18:09-24:00",
        ] {
            assert_eq!(parse_timestamp(s), None, "{s}");
        }
    }
}
