//! report.json's unit of durations: milliseconds rounded to the microsecond.

/// Nanoseconds as milliseconds rounded to the microsecond (3 decimals).
pub(crate) fn ms(ns: i64) -> f64 {
    // Integer division first: exact for every i64, then at most 3 decimals.
    let us = ns / 1_000 + i64::from((ns % 1_000).abs() >= 500) * ns.signum();
    us as f64 / 1_000.0
}

/// Optional nanoseconds as optional milliseconds.
pub(crate) fn ms_opt(ns: Option<i64>) -> Option<f64> {
    ns.map(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_rounded_to_the_microsecond() {
        for (ns, want) in [
            (182_456_789, 182.457),
            (500, 0.001),
            (499, 0.0),
            (-1_500, -0.002),
            (0, 0.0),
            (1_000_000, 1.0),
        ] {
            assert_eq!(ms(ns), want, "{ns}");
        }
        assert!(ms(i64::MAX).is_finite() && ms(i64::MIN).is_finite());
    }
}
