//! Newtypes for quantities that cross module boundaries.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// A point on the CLOCK_REALTIME timeline, in nanoseconds since the Unix epoch.
///
/// Kernel socket timestamps and libvirt/QEMU event times are all realtime, so
/// every record in a run file uses this one timeline.
#[derive(
    Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct RealNs(pub i64);

/// A point on the CLOCK_MONOTONIC timeline, in nanoseconds. Used for scheduling only.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MonoNs(pub i64);

/// The identity of a probe within one target of one run: 0, 1, 2, ...
///
/// The 16-bit ICMP sequence number wraps every 65 536 probes; the index does not.
#[derive(
    Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct ProbeIndex(pub u64);

impl ProbeIndex {
    /// The ICMP sequence number sent on the wire for this probe.
    pub fn seq(self) -> u16 {
        (self.0 & 0xffff) as u16
    }
}

impl fmt::Display for ProbeIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Converts a duration to whole nanoseconds, saturating at `i64::MAX`.
pub fn duration_ns(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

impl RealNs {
    /// Signed distance `self - earlier` in nanoseconds.
    pub fn since(self, earlier: RealNs) -> i64 {
        self.0.saturating_sub(earlier.0)
    }
    /// This instant moved by `ns` nanoseconds.
    pub fn plus(self, ns: i64) -> RealNs {
        RealNs(self.0.saturating_add(ns))
    }
}

impl MonoNs {
    /// Signed distance `self - earlier` in nanoseconds.
    pub fn since(self, earlier: MonoNs) -> i64 {
        self.0.saturating_sub(earlier.0)
    }
    /// This instant moved by `ns` nanoseconds.
    pub fn plus(self, ns: i64) -> MonoNs {
        MonoNs(self.0.saturating_add(ns))
    }
}

/// Formats nanoseconds for people: `812 µs`, `4.208 ms`, `4.71 s`.
pub fn human_ns(ns: i64) -> String {
    let a = ns.unsigned_abs();
    let sign = if ns < 0 { "-" } else { "" };
    if a < 1_000 {
        format!("{sign}{a} ns")
    } else if a < 1_000_000 {
        format!("{sign}{:.0} µs", a as f64 / 1e3)
    } else if a < 1_000_000_000 {
        format!("{sign}{:.3} ms", a as f64 / 1e6)
    } else {
        format!("{sign}{:.3} s", a as f64 / 1e9)
    }
}

/// UTC calendar date and time of `secs` since the Unix epoch:
/// (year, month, day, hour, minute, second).
pub fn civil_utc(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        (rem % 3600 / 60) as u32,
        (rem % 60) as u32,
    )
}

/// (year, month, day) of `days` since 1970-01-01, proleptic Gregorian (after
/// H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seq_wraps_index_does_not() {
        assert_eq!(ProbeIndex(65_535).seq(), 65_535);
        assert_eq!(ProbeIndex(65_536).seq(), 0);
        assert_eq!(ProbeIndex(65_537 + 65_536).seq(), 1);
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_utc(0), (1970, 1, 1, 0, 0, 0));
        assert_eq!(civil_utc(951_782_400), (2000, 2, 29, 0, 0, 0));
        assert_eq!(civil_utc(1_795_634_356), (2026, 11, 25, 19, 19, 16));
        assert_eq!(civil_utc(-1), (1969, 12, 31, 23, 59, 59));
    }

    #[test]
    fn human_units() {
        for (ns, want) in [
            (999, "999 ns"),
            (812_000, "812 µs"),
            (4_208_000_000, "4.208 s"),
            (4_208_000, "4.208 ms"),
            (-1_500_000, "-1.500 ms"),
        ] {
            assert_eq!(human_ns(ns), want);
        }
    }
}
