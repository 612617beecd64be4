//! Validates command-line values into plans. Every error names the flag, the
//! value and what to do instead.

use crate::cli::{ProbeArgs, ProbeTuning, SocketArg};
use crate::probe::runner::{ProbePlan, SocketChoice};
use crate::wire::{Family, MIN_PAYLOAD};
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

fn bad(flag: &str, value: &str, why: impl Into<String>) -> ConfigError {
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

/// Highest total send rate one process offers (all targets together).
pub const MAX_TOTAL_RATE: f64 = 200_000.0;

/// Longest `--spin`.
pub const MAX_SPIN: Duration = Duration::from_millis(1);

/// `migprobe probe` arguments to a plan.
pub fn probe_plan(a: &ProbeArgs, argv: Vec<String>) -> Result<ProbePlan, ConfigError> {
    let duration = validate_run_length(a.duration.as_deref())?;
    let count = a
        .count
        .as_deref()
        .map(|c| validate_int("--count", c, 1, u64::MAX >> 1))
        .transpose()?;
    plan(&a.targets, "TARGET", &a.tuning, duration, count, argv)
}

/// Probe targets and tuning (shared by `probe` and `run`) to a plan; `flag` names the targets in errors.
pub fn plan(
    targets: &[String],
    flag: &str,
    t: &ProbeTuning,
    duration: Option<Duration>,
    count: Option<u64>,
    argv: Vec<String>,
) -> Result<ProbePlan, ConfigError> {
    let interval = validate_duration(
        "--interval",
        &t.interval,
        Duration::from_micros(10),
        Duration::from_secs(60),
    )?;
    let only = match (t.ipv4, t.ipv6) {
        (true, _) => Some(Family::V4),
        (_, true) => Some(Family::V6),
        _ => None,
    };
    let targets = targets
        .iter()
        .map(|x| {
            validate_target(x, only)
                .map(|addr| (x.clone(), addr))
                .map_err(|e| ConfigError {
                    flag: flag.into(),
                    ..e
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if targets.len() > 10_000 {
        return Err(bad(
            flag,
            &targets.len().to_string(),
            "at most 10000 targets",
        ));
    }
    let rate = targets.len() as f64 / interval.as_secs_f64();
    if rate > MAX_TOTAL_RATE {
        return Err(bad(
            "--interval",
            &t.interval,
            format!(
                "{} targets at this interval is {rate:.0} probes/s; the limit is {MAX_TOTAL_RATE:.0}/s: \
                 use a longer interval or fewer targets",
                targets.len()
            ),
        ));
    }
    let payload_len = validate_int("--size", &t.size, MIN_PAYLOAD as u64, 65_000)? as usize;
    let min_loss_run = validate_int("--min-loss-run", &t.min_loss_run, 1, 1_000_000)? as u32;
    // Not limited by the interval: the sender caps it at a tenth of the gap
    // between two sends, so the default (30us) also works at -i 10us.
    let spin = validate_duration("--spin", &t.spin, Duration::ZERO, MAX_SPIN)?;
    let drain = validate_duration(
        "--drain",
        &t.drain,
        Duration::ZERO,
        Duration::from_secs(3_600),
    )?;
    let socket = match t.socket {
        SocketArg::Auto => SocketChoice::Auto,
        SocketArg::Raw => SocketChoice::Raw,
        SocketArg::Dgram => SocketChoice::Dgram,
    };
    Ok(ProbePlan {
        targets,
        interval,
        count,
        duration,
        socket,
        payload_len,
        spin,
        drain,
        pending_after: Duration::from_millis(100).max(interval * 2),
        min_loss_run,
        realtime: !t.no_realtime,
        argv,
    })
}

/// `--src-uri/--dst-uri/--domain/--poll` to a capture configuration; `None` when
/// neither --src-uri nor --domain is given (and `required` is false).
#[cfg(feature = "libvirt")]
pub fn capture_config(
    a: &crate::cli::LibvirtArgs,
    required: bool,
) -> Result<Option<crate::events::capture::CaptureConfig>, ConfigError> {
    let poll = validate_duration(
        "--poll",
        &a.poll,
        Duration::from_millis(10),
        Duration::from_secs(60),
    )?;
    let (src_uri, domain) = match (&a.src_uri, &a.domain) {
        (None, None) if !required && a.dst_uri.is_none() => return Ok(None),
        (Some(s), Some(d)) => (s.clone(), d.clone()),
        (None, _) => {
            return Err(bad(
                "--src-uri",
                "",
                "is needed to listen to the hypervisors (with --domain)",
            ))
        }
        (Some(_), None) => {
            return Err(bad(
                "--domain",
                "",
                "is needed with --src-uri: the migrating domain's name or UUID",
            ))
        }
    };
    for (flag, uri) in [
        ("--src-uri", Some(&src_uri)),
        ("--dst-uri", a.dst_uri.as_ref()),
    ] {
        if let Some(u) = uri {
            if !u.contains(':') {
                return Err(bad(
                    flag,
                    u,
                    "is not a libvirt URI; e.g. qemu:///system or qemu+ssh://host/system",
                ));
            }
        }
    }
    if domain.trim().is_empty() {
        return Err(bad("--domain", &domain, "give the domain's name or UUID"));
    }
    Ok(Some(crate::events::capture::CaptureConfig {
        src_uri,
        dst_uri: a.dst_uri.clone(),
        domain,
        poll,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn plan(args: &[&str]) -> Result<ProbePlan, ConfigError> {
        let mut argv = vec!["migprobe", "probe"];
        argv.extend_from_slice(args);
        let Command::Probe(p) = Cli::try_parse_from(&argv).unwrap().command else {
            panic!()
        };
        probe_plan(&p, vec![])
    }

    #[test]
    fn good_values() {
        let p = plan(&[
            "192.0.2.10",
            "2001:db8::10",
            "-i",
            "500us",
            "-d",
            "5m",
            "--size",
            "24",
        ])
        .unwrap();
        assert_eq!(p.interval, Duration::from_micros(500));
        assert_eq!(p.duration, Some(Duration::from_secs(300)));
        assert_eq!(p.targets.len(), 2);
        assert_eq!(p.payload_len, 24);
        assert_eq!(p.pending_after, Duration::from_millis(100));
    }

    #[test]
    fn bad_values_name_the_flag() {
        for (args, flag) in [
            (&["192.0.2.1", "-i", "5"][..], "--interval"),
            (&["192.0.2.1", "-i", "1us"][..], "--interval"),
            (&["192.0.2.1", "-c", "0"][..], "--count"),
            (&["192.0.2.1", "-c", "1.5"][..], "--count"),
            (&["192.0.2.1", "--size", "8"][..], "--size"),
            (&["192.0.2.1", "--min-loss-run", "x"][..], "--min-loss-run"),
            (&["192.0.2.1", "--spin", "2ms"][..], "--spin"),
            (&["-4", "2001:db8::1"][..], "TARGET"),
        ] {
            let e = plan(args).unwrap_err();
            assert_eq!(e.flag, flag, "{args:?}: {e}");
        }
    }

    /// Regression (issue 7): the default --spin 30us made every interval under 30 µs an error.
    #[test]
    fn default_spin_works_at_the_shortest_interval() {
        let p = plan(&["192.0.2.1", "-i", "10us"]).unwrap();
        assert_eq!(p.spin, Duration::from_micros(30));
        assert_eq!(
            plan(&["192.0.2.1", "-i", "10us", "--spin", "1ms"])
                .unwrap()
                .spin,
            MAX_SPIN
        );
    }

    #[test]
    fn too_many_probes_per_second() {
        let targets: Vec<String> = (0..100).map(|i| format!("192.0.2.{i}")).collect();
        let mut args: Vec<&str> = targets.iter().map(String::as_str).collect();
        args.extend(["-i", "100us"]);
        assert_eq!(plan(&args).unwrap_err().flag, "--interval");
    }
}
