//! Command-line values checked without the command line: durations, counts,
//! targets. Every error names the flag, the value and what to do instead. No
//! clap here: library crates validate their own settings with these.

use crate::wire::Family;
use std::net::{IpAddr, ToSocketAddrs};
use std::time::Duration;
use thiserror::Error;

/// A bad command-line value.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{flag} {value:?}: {why}")]
pub struct ConfigError {
    /// The flag (or argument) at fault.
    pub flag: String,
    /// The value given.
    pub value: String,
    /// What is wrong and how to fix it.
    pub why: String,
}

/// A [`ConfigError`] for `flag` and `value`, saying `why`.
pub fn bad(flag: &str, value: &str, why: impl Into<String>) -> ConfigError {
    ConfigError {
        flag: flag.into(),
        value: value.into(),
        why: why.into(),
    }
}

/// Parses a human duration (`500us`, `1ms`, `2s`, `5m`) within `[min, max]`.
pub fn validate_duration(
    flag: &str,
    value: &str,
    min: Duration,
    max: Duration,
) -> Result<Duration, ConfigError> {
    let d = humantime::parse_duration(value.trim()).map_err(|e| {
        bad(
            flag,
            value,
            format!("{e}; write a number with a unit, e.g. 500us, 1ms, 2s, 5m"),
        )
    })?;
    if d < min || d > max {
        return Err(bad(
            flag,
            value,
            format!(
                "must be between {} and {}",
                humantime::format_duration(min),
                humantime::format_duration(max)
            ),
        ));
    }
    Ok(d)
}

/// `--duration` of a capture: 1 µs to 30 days, if given.
pub fn validate_run_length(value: Option<&str>) -> Result<Option<Duration>, ConfigError> {
    let max = Duration::from_secs(30 * 86_400);
    value
        .map(|d| validate_duration("--duration", d, Duration::from_micros(1), max))
        .transpose()
}

/// Parses an integer within `[min, max]`.
pub fn validate_int(flag: &str, value: &str, min: u64, max: u64) -> Result<u64, ConfigError> {
    let n: u64 = value.trim().parse().map_err(|_| {
        bad(
            flag,
            value,
            format!("expected a whole number from {min} to {max}"),
        )
    })?;
    if n < min || n > max {
        return Err(bad(flag, value, format!("must be from {min} to {max}")));
    }
    Ok(n)
}

/// Resolves a target: an address literal, or a host name (first address of the wanted family).
pub fn validate_target(value: &str, only: Option<Family>) -> Result<IpAddr, ConfigError> {
    let want = |a: &IpAddr| only.is_none_or(|f| Family::of(a) == f);
    if let Ok(a) = value.parse::<IpAddr>() {
        return if want(&a) {
            Ok(a)
        } else {
            Err(bad(
                "TARGET",
                value,
                "is not of the family chosen with -4/-6",
            ))
        };
    }
    let addrs = (value, 0)
        .to_socket_addrs()
        .map_err(|e| bad("TARGET", value, format!("cannot resolve host name: {e}")))?;
    addrs.map(|s| s.ip()).find(want).ok_or_else(|| {
        bad(
            "TARGET",
            value,
            "resolves to no address of the chosen family",
        )
    })
}
