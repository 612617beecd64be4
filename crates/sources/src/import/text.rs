//! Token-level helpers shared by the ping and fping parsers: lines, exact
//! decimals, `[unix time]` stamps, `name (addr)` hosts and an echoed command line.
//!
//! Rules: pure functions of their input; they never panic on any text and
//! report "not this form" as `None` / `Err(())`, never by guessing.

use super::log::{CommandLine, LogKind};
use super::terminal;
use migprobe_probe::types::RealNs;
use std::net::IpAddr;

/// Splits a byte text into (1-based number, line as a terminal shows it)
/// pairs; tolerates CRLF, ANSI escapes and non-UTF-8.
pub(crate) fn lines(bytes: &[u8]) -> impl Iterator<Item = (u64, String)> + '_ {
    bytes
        .split(|b| *b == b'\n')
        .enumerate()
        .map(|(i, l)| (i as u64 + 1, terminal::clean(&String::from_utf8_lossy(l))))
}

/// Line `line_no` (1-based) of `bytes` as a terminal shows it, to quote a
/// line that was not understood; `None` past the end.
pub fn shown_line(bytes: &[u8], line_no: u64) -> Option<String> {
    let i = usize::try_from(line_no.checked_sub(1)?).ok()?;
    let line = bytes.split(|b| *b == b'\n').nth(i)?;
    Some(terminal::clean(&String::from_utf8_lossy(line)))
}

/// True for lines a terminal session adds that say nothing about the probes:
/// `^C` as the terminal echoed it.
pub(crate) fn harmless(line: &str) -> bool {
    line == "^C" || line == "^\\"
}

/// A decimal number (`0.302`, `4208`, `1795634356.428328`) scaled by 10^`digits`, exactly.
/// At most `digits` fractional digits are kept (the rest truncated).
pub(crate) fn parse_decimal(s: &str, digits: u32) -> Option<i64> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if s.ends_with('.') {
        return None;
    }
    let scale = 10i64.checked_pow(digits)?;
    let int: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut f: i64 = 0;
    let mut place = scale;
    for b in frac.bytes().take(digits as usize) {
        place /= 10;
        f += i64::from(b - b'0') * place;
    }
    int.checked_mul(scale)?.checked_add(f)
}

/// Splits a leading `[1795634356.428328]` timestamp off a line.
/// Returns `Err(())` for a bracket that is not a Unix time (fping -Q `[12:34:56]`).
pub(crate) fn split_stamp(line: &str) -> Result<(Option<RealNs>, &str), ()> {
    let Some(rest) = line.strip_prefix('[') else {
        return Ok((None, line));
    };
    let Some((inner, after)) = rest.split_once(']') else {
        return Err(());
    };
    match parse_decimal(inner.trim(), 9) {
        Some(ns) => Ok((Some(RealNs(ns)), after.trim_start())),
        None => Err(()),
    }
}

/// Parses `host` as printed by fping/ping: `addr`, `name (addr)`, or `name`.
pub(crate) fn host_parts(s: &str) -> (String, Option<IpAddr>) {
    let s = s.trim();
    if let Ok(a) = s.parse::<IpAddr>() {
        return (s.to_owned(), Some(a));
    }
    if let Some((name, rest)) = s.split_once('(') {
        let inner = rest.trim_end().trim_end_matches(')');
        if let Ok(a) = inner.trim().parse::<IpAddr>() {
            return (name.trim().to_owned(), Some(a));
        }
    }
    (s.to_owned(), None)
}

/// What a command line echoed in the log says (`$ ping -D -O -i 0.2 host`,
/// `+ fping -p 200 -l host`): `None` when the line does not run the tool.
pub(crate) fn command_line(line: &str, kind: LogKind) -> Option<CommandLine> {
    let toks: Vec<&str> = line.split_whitespace().collect();
    let prog = toks.iter().position(|t| {
        let base = t.rsplit('/').next().unwrap_or(t);
        match kind {
            LogKind::Ping => matches!(base, "ping" | "ping6" | "ping4"),
            LogKind::Fping => matches!(base, "fping" | "fping6"),
        }
    })?;
    let (flag, no_arg, digits) = match kind {
        LogKind::Ping => ('i', "46aAbBdDfLnOqrRUv", 9u32),
        LogKind::Fping => ('p', "46aAdDeflmnNoqrRsuxX", 6u32),
    };
    let args = &toks[prog + 1..];
    let mut found = CommandLine::default();
    let mut i = 0;
    while i < args.len() {
        let t = args[i];
        let long = match kind {
            LogKind::Ping => None,
            LogKind::Fping => t
                .strip_prefix("--period=")
                .map(Some)
                .or_else(|| (t == "--period").then_some(None)),
        };
        let cluster = short_cluster(t, no_arg);
        if kind == LogKind::Ping && cluster.as_ref().is_some_and(|c| c.flags.contains('O')) {
            found.report_outstanding = true;
        }
        let hit = long.or(match cluster {
            Some(Cluster {
                with_arg: Some((f, rest)),
                ..
            }) if f == flag => Some(rest),
            _ => None,
        });
        if let Some(v) = hit {
            let v = match v {
                Some(v) => Some(v),
                None => {
                    i += 1;
                    args.get(i).copied()
                }
            };
            found.interval_ns = v.and_then(|v| parse_decimal(v, digits)).filter(|n| *n > 0);
        }
        i += 1;
    }
    Some(found)
}

/// A short-option word (`-DOi0.2`) taken apart.
struct Cluster<'a> {
    /// The flags without argument (all in `no_arg`): `DO`.
    flags: &'a str,
    /// The first other flag and the rest of the word (`None` when its value
    /// is the next word): `('i', Some("0.2"))`.
    with_arg: Option<(char, Option<&'a str>)>,
}

/// A short-option word (`-DOi0.2`) taken apart; `None` when `t` is not one.
fn short_cluster<'a>(t: &'a str, no_arg: &str) -> Option<Cluster<'a>> {
    let body = t.strip_prefix('-')?;
    if body.starts_with('-') || body.is_empty() {
        return None;
    }
    let end = body
        .find(|c: char| !no_arg.contains(c))
        .unwrap_or(body.len());
    let flags = &body[..end];
    let mut rest = body[end..].chars();
    let with_arg = rest.next().map(|f| {
        let value = rest.as_str();
        (f, (!value.is_empty()).then_some(value))
    });
    Some(Cluster { flags, with_arg })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact() {
        for (s, d, want) in [
            ("0.302", 6, Some(302_000)),
            ("4208", 6, Some(4_208_000_000)),
            ("0.3", 6, Some(300_000)),
            ("1795634356.428328", 9, Some(1_795_634_356_428_328_000)),
            ("1795634356.42832", 9, Some(1_795_634_356_428_320_000)),
            ("1.23456789", 6, Some(1_234_567)),
            ("", 6, None),
            (".", 6, None),
            ("0.", 6, None),
            ("-1", 6, None),
            ("1e3", 6, None),
            ("99999999999999999999", 6, None),
        ] {
            assert_eq!(parse_decimal(s, d), want, "{s}");
        }
    }
}
