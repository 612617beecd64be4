//! How the gate writes figures: milliseconds with at most three decimals,
//! signed percentages, p-values, relative changes. One owner for the number
//! formats of every check's text, so a figure reads the same in every check;
//! and the result of a check that cannot be evaluated.

use super::CheckResult;
use std::time::Duration;

/// True when `observed_ms` (a report figure, ms rounded to the µs) is at most
/// `max`; compared in whole nanoseconds so that `193.985 ms ≤ 193.985ms` holds
/// despite binary floating point.
pub fn within(observed_ms: f64, max: Duration) -> bool {
    (observed_ms * 1e6).round() <= max.as_nanos() as f64
}

/// Milliseconds with at most 3 decimals: "612 ms", "193.985 ms".
pub fn fmt_ms(v: f64) -> String {
    format!("{} ms", trim(v, 3))
}

/// A signed millisecond figure: "+12.5 ms", "-3 ms".
pub(crate) fn fmt_signed_ms(v: f64) -> String {
    if v >= 0.0 {
        format!("+{}", fmt_ms(v))
    } else {
        format!("-{}", fmt_ms(-v))
    }
}

/// A threshold duration as milliseconds.
pub(crate) fn fmt_duration(d: Duration) -> String {
    fmt_ms(d.as_secs_f64() * 1e3)
}

/// A signed percentage: "+155 %", "-3.2 %", "+∞ %".
pub fn fmt_pct(p: f64) -> String {
    let sign = if p < 0.0 { "-" } else { "+" };
    let a = p.abs();
    if a.is_infinite() {
        return format!("{sign}∞ %");
    }
    let digits = if a >= 10.0 { 0 } else { 1 };
    format!("{sign}{} %", trim(a, digits))
}

/// `v` with at most `decimals` decimals, trailing zeros trimmed, never "-0".
pub(crate) fn trim(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    };
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

/// A p-value: "p = 0.0606", "p < 0.0001".
pub(crate) fn fmt_p(p: f64) -> String {
    if p < 0.0001 {
        "p < 0.0001".into()
    } else {
        format!("p = {}", trim(p, 4))
    }
}

/// Relative change of `new` against `old`, percent (the baseline rule's).
pub(crate) use crate::baseline::relative;

/// "1 migration", "3 migrations".
pub(crate) fn migrations(n: usize) -> String {
    format!("{n} migration{}", if n == 1 { "" } else { "s" })
}

/// A failed check that the report lacks the figures for (a gate must not
/// vouch for what it did not see).
pub(crate) fn cannot(name: &str, threshold: String, why: &str) -> CheckResult {
    CheckResult {
        name: name.into(),
        threshold,
        observed: "n/a".into(),
        baseline: None,
        pass: false,
        detail: format!("{name}: cannot evaluate: {why}"),
        statistics: None,
        measure: super::Measure::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formatting() {
        assert_eq!(fmt_ms(612.0), "612 ms");
        assert_eq!(fmt_ms(193.985), "193.985 ms");
        assert_eq!(fmt_ms(-0.0001), "0 ms");
        assert_eq!(fmt_pct(155.0), "+155 %");
        assert_eq!(fmt_pct(-3.21), "-3.2 %");
        assert_eq!(fmt_pct(f64::INFINITY), "+∞ %");
        assert_eq!(fmt_signed_ms(-12.5), "-12.5 ms");
        assert_eq!(fmt_p(0.00001), "p < 0.0001");
        assert_eq!(fmt_p(0.0606), "p = 0.0606");
        assert_eq!(relative(612.0, 240.0).round(), 155.0);
        assert_eq!(relative(5.0, 0.0), f64::INFINITY);
        assert_eq!(relative(0.0, 0.0), 0.0);
        assert!(within(193.985, Duration::from_micros(193_985)));
        assert!(!within(193.986, Duration::from_micros(193_985)));
        assert!(within(0.0, Duration::ZERO));
    }
}
