//! nova's timestamps: UTC, with or without a fraction and a zone
//! (`2026-11-30T15:49:14.000000`, `2026-11-30T15:49:14Z`).

use migprobe_probe::types::RealNs;

/// The instant nova means, or `None` for text that is not a timestamp.
pub(crate) fn parse(text: &str) -> Option<RealNs> {
    let t = text.trim();
    let ts = t.parse::<jiff::Timestamp>().ok().or_else(|| {
        let civil = t.parse::<jiff::civil::DateTime>().ok()?;
        civil
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp())
    })?;
    i64::try_from(ts.as_nanosecond()).ok().map(RealNs)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn nova_forms_are_utc() {
        let s = 1_795_967_354_i64; // 2026-11-29T15:49:14Z
        assert_eq!(parse("2026-11-29T15:49:14Z").unwrap().0, s * 1_000_000_000);
        assert_eq!(
            parse("2026-11-29T15:49:14.250000").unwrap().0,
            s * 1_000_000_000 + 250_000_000
        );
        assert_eq!(
            parse("2026-11-29T16:49:14+01:00").unwrap().0,
            s * 1_000_000_000
        );
        assert_eq!(parse("2026-11-29 15:49:14").unwrap().0, s * 1_000_000_000);
        assert!(parse("soon").is_none());
        assert!(parse("").is_none());
    }
}
