//! Numbers as text for people, shared by the renderers (summary.md, the
//! charts, compare and gate): durations in the unit they are best read in,
//! offsets, UTC times, counts with thousands separators, plurals, and
//! Markdown escaping of text and command lines. Pure functions of their
//! arguments; report.json's milliseconds are [`super::json`]'s business.

/// `value` with at most `decimals` decimals, trailing zeros removed.
fn trim(value: f64, decimals: usize) -> String {
    let s = format!("{value:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// The unit a duration is best read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// Nanoseconds.
    Ns,
    /// Microseconds.
    Us,
    /// Milliseconds.
    Ms,
    /// Seconds.
    S,
}

impl Unit {
    /// The unit for a duration of `ns`.
    fn of(ns: i64) -> Unit {
        match ns.unsigned_abs() {
            0..=999 => Unit::Ns,
            1_000..=999_999 => Unit::Us,
            1_000_000..=999_999_999 => Unit::Ms,
            _ => Unit::S,
        }
    }
    fn scale(self) -> f64 {
        match self {
            Unit::Ns => 1.0,
            Unit::Us => 1e3,
            Unit::Ms => 1e6,
            Unit::S => 1e9,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Unit::Ns => "ns",
            Unit::Us => "µs",
            Unit::Ms => "ms",
            Unit::S => "s",
        }
    }
}

/// A duration for people, about three significant digits:
/// `850 ns`, `812 µs`, `4.21 ms`, `38.2 ms`, `182 ms`, `4.71 s`, `12 min 5 s`.
pub(crate) fn dur(ns: i64) -> String {
    let a = ns.unsigned_abs();
    let sign = if ns < 0 { "-" } else { "" };
    if a >= 100_000_000_000 {
        let s = a / 1_000_000_000;
        return match (s / 3600, s % 3600 / 60, s % 60) {
            (0, m, s) => format!("{sign}{m} min {s} s"),
            (h, m, _) => format!("{sign}{h} h {m} min"),
        };
    }
    let unit = Unit::of(ns);
    format!("{sign}{}", in_unit(a as f64, unit))
}

/// `v` nanoseconds (non-negative) in `unit`, about three significant digits.
fn in_unit(v: f64, unit: Unit) -> String {
    let x = v / unit.scale();
    let decimals = if x >= 100.0 {
        0
    } else if x >= 10.0 {
        1
    } else if x >= 1.0 {
        2
    } else {
        3
    };
    format!("{} {}", trim(x, decimals), unit.name())
}

/// A duration with enough decimals to resolve `res_ns`: `182.5 ms` next to a
/// 0.5 ms bracket, where [`dur`] would round to `182 ms`. Trailing zeros are
/// dropped (`182 ms`); see [`dur_fixed`] to keep them.
pub(crate) fn dur_res(ns: i64, res_ns: i64) -> String {
    res_fmt(ns, res_ns, true)
}

/// Like [`dur_res`] but keeps trailing zeros, for bracket ends: `182.0 ms – 183.0 ms`.
pub(crate) fn dur_fixed(ns: i64, res_ns: i64) -> String {
    res_fmt(ns, res_ns, false)
}

fn res_fmt(ns: i64, res_ns: i64, trim_zeros: bool) -> String {
    let unit = Unit::of(ns);
    if unit == Unit::S && ns.unsigned_abs() >= 100_000_000_000 {
        return dur(ns);
    }
    let res = res_ns.unsigned_abs().max(1) as f64 / unit.scale();
    let need = (-res.log10()).ceil().clamp(0.0, 6.0) as usize;
    let x = ns.unsigned_abs() as f64 / unit.scale();
    let auto = if x >= 100.0 {
        0
    } else if x >= 10.0 {
        1
    } else if x >= 1.0 {
        2
    } else {
        3
    };
    let sign = if ns < 0 { "-" } else { "" };
    let text = if trim_zeros {
        trim(x, need.max(auto))
    } else {
        format!("{x:.need$}")
    };
    format!("{sign}{text} {}", unit.name())
}

/// A duration in the unit of another (`± 0.5 ms` next to `182 ms`).
pub(crate) fn dur_like(ns: i64, like: i64) -> String {
    let unit = match Unit::of(like) {
        Unit::Ns => Unit::of(ns),
        u => u,
    };
    let sign = if ns < 0 { "-" } else { "" };
    format!("{sign}{}", in_unit(ns.unsigned_abs() as f64, unit))
}

/// A signed duration with an explicit `+` for positive values.
pub(crate) fn dur_signed(ns: i64) -> String {
    if ns > 0 {
        format!("+{}", dur(ns))
    } else {
        dur(ns)
    }
}

/// Offset of `ns` from the run start, for tables: `12.345 s`.
pub(crate) fn offset(ns: i64) -> String {
    let sign = if ns < 0 { "-" } else { "" };
    let a = ns.unsigned_abs();
    format!(
        "{sign}{}.{:03} s",
        a / 1_000_000_000,
        a % 1_000_000_000 / 1_000_000
    )
}

/// UTC date and time of a realtime stamp: `2026-11-25 19:19:16.123 UTC`.
pub(crate) fn utc(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let milli = ns.rem_euclid(1_000_000_000) / 1_000_000;
    let (y, mo, d, h, mi, s) = migprobe_probe::types::civil_utc(secs);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{milli:03} UTC")
}

/// Thousands separators: `3 600 000`.
pub(crate) fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// "1 probe" / "3 probes".
pub(crate) fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

/// Text safe inside a Markdown table cell or paragraph (no table breaks, no markup).
pub(crate) fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev = ' ';
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        let next = it.peek().copied();
        match c {
            '|' | '*' | '`' | '[' | ']' | '<' | '>' | '#' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            // Inside a word (memory_precopy) an underscore is not emphasis.
            '_' if !(prev.is_alphanumeric() && next.is_some_and(char::is_alphanumeric)) => {
                out.push_str("\\_");
            }
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
        prev = c;
    }
    out
}

/// A command line as inline code, quoted where needed; backticks cannot break out.
pub(crate) fn md_argv(argv: &[String]) -> String {
    let words: Vec<String> = argv
        .iter()
        .map(|a| {
            let a: String = a
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || "'\"$|&;<>*?".contains(c))
            {
                format!("'{}'", a.replace('\'', r"'\''"))
            } else {
                a
            }
        })
        .collect();
    let text = words.join(" ");
    // A fence longer than any run of backticks inside.
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_for_people() {
        for (ns, want) in [
            (850, "850 ns"),
            (812_000, "812 µs"),
            (4_208_000, "4.21 ms"),
            (38_000_000, "38 ms"),
            (38_260_000, "38.3 ms"),
            (182_400_000, "182 ms"),
            (4_710_000_000, "4.71 s"),
            (725_000_000_000, "12 min 5 s"),
            (7_300_000_000_000, "2 h 1 min"),
            (-32_000_000, "-32 ms"),
            (0, "0 ns"),
        ] {
            assert_eq!(dur(ns), want, "{ns}");
        }
        assert!(!dur(i64::MIN).is_empty());
        assert_eq!(dur_like(500_000, 182_000_000), "0.5 ms");
        assert_eq!(dur_res(181_500_000, 500_000), "181.5 ms");
        assert_eq!(dur_res(182_500_000, 500_000), "182.5 ms");
        assert_eq!(dur_res(182_000_000, 500_000), "182 ms");
        assert_eq!(dur_res(4_710_000_000, 500_000_000), "4.71 s");
        assert_eq!(dur_res(250_123_000, 4_000), "250.123 ms");
        assert_eq!(dur_res(182_498_000, 500_000), "182.5 ms");
        assert_eq!(dur_fixed(181_998_000, 500_000), "182.0 ms");
        assert_eq!(dur_fixed(182_998_000, 500_000), "183.0 ms");
        assert_eq!(dur_fixed(4_000_000, 500_000), "4.0 ms");
        assert_eq!(dur_signed(38_000_000), "+38 ms");
        assert_eq!(offset(12_345_678_901), "12.345 s");
        assert_eq!(count(3_600_000), "3\u{202f}600\u{202f}000");
        assert_eq!(
            utc(1_795_634_356_123_000_000),
            "2026-11-25 19:19:16.123 UTC"
        );
    }

    #[test]
    fn markdown_cannot_be_broken() {
        assert_eq!(md_escape("a|b\n*c*"), r"a\|b \*c\*");
        assert_eq!(md_escape("memory_precopy _x_"), r"memory_precopy \_x\_");
        assert_eq!(
            md_argv(&["virsh".into(), "migrate".into(), "a b".into()]),
            "`virsh migrate 'a b'`"
        );
        assert_eq!(md_argv(&["x`y".into()]), "``x`y``");
    }
}
