//! Validates command-line values into plans. Every error names the flag, the
//! value and what to do instead.

use crate::cli::{InputCaps, ProbeArgs, ProbeTuning, RunFileFormat, SocketArg};
use migprobe_probe::input::{size::parse_size, Limits, LINE_FLAG, SIZE_FLAG};
use migprobe_probe::probe::runner::{ProbePlan, SocketChoice};
use migprobe_probe::record::RunFormat;
use migprobe_probe::wire::{Family, KindError, ProbeKind, MIN_PAYLOAD};
use std::path::Path;

use migprobe_probe::values::bad;
pub(crate) use migprobe_probe::values::{
    validate_duration, validate_int, validate_run_length, ConfigError,
};
use std::time::Duration;

/// Highest total send rate one process offers (all targets together).
pub(crate) const MAX_TOTAL_RATE: f64 = 200_000.0;

/// Longest `--spin`.
pub(crate) const MAX_SPIN: Duration = Duration::from_millis(1);

/// The caps of one kind of input (`default`), raised or lowered by the flags.
pub(crate) fn input_limits(caps: &InputCaps, default: Limits) -> Result<Limits, ConfigError> {
    let size = |flag, v: &Option<String>| v.as_deref().map(|v| parse_size(flag, v)).transpose();
    Ok(default.with(
        size(SIZE_FLAG, &caps.max_input_size)?,
        size(LINE_FLAG, &caps.max_line_length)?,
    ))
}

/// The run-file format of `probe --out FILE`: `--format`, else by the name
/// (JSON Lines for `.jsonl`, else compact). A compact file named `.jsonl` is
/// refused: the name would lie.
pub(crate) fn run_file_format(
    flag: Option<RunFileFormat>,
    out: &Path,
) -> Result<RunFormat, ConfigError> {
    let by_name = RunFormat::for_path(out);
    match flag.map(RunFileFormat::format) {
        None => Ok(by_name),
        Some(RunFormat::Compact) if by_name == RunFormat::Jsonl => Err(bad(
            "--format",
            "compact",
            format!(
                "--out {} ends in .jsonl, which holds plain JSON Lines; name it {}.zst, or leave out --format",
                out.display(),
                out.display()
            ),
        )),
        Some(f) => Ok(f),
    }
}

/// `migprobe probe` arguments to a plan.
pub(crate) fn probe_plan(a: &ProbeArgs, argv: Vec<String>) -> Result<ProbePlan, ConfigError> {
    let duration = validate_run_length(a.duration.as_deref())?;
    let count = a
        .count
        .as_deref()
        .map(|c| validate_int("--count", c, 1, u64::MAX >> 1))
        .transpose()?;
    plan(&a.targets, "TARGET", &a.tuning, duration, count, argv)
}

/// Probe targets and tuning (shared by `probe` and `run`) to a plan; `flag` names the targets in errors.
pub(crate) fn plan(
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
    let merged = crate::targets::resolve_all(targets, flag, only)?;
    for w in &merged.warnings {
        crate::say!("migprobe: warning: {w}");
    }
    let targets = merged.list;
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
    let probe = validate_probe(&t.probe, t.socket)?;
    if let (ProbeKind::Udp(_), true) = (probe, interval < Duration::from_secs(1)) {
        crate::say!("migprobe: note: {UDP_RATE_NOTE}");
    }
    Ok(ProbePlan {
        targets,
        interval,
        count,
        duration,
        socket,
        probe,
        payload_len,
        spin,
        drain,
        pending_after: Duration::from_millis(100).max(interval * 2),
        min_loss_run,
        realtime: !t.no_realtime,
        argv,
        domains: Vec::new(),
    })
}

/// Said when UDP probes are sent faster than a Linux target answers them by default.
const UDP_RATE_NOTE: &str = "a Linux target sends at most one port unreachable per second to a \
    prober over IPv4 (net.ipv4.icmp_ratelimit, burst 6; IPv6 every 25-100 ms): faster UDP probes \
    to a closed port go mostly unanswered and look lost, unless the target's limit is 0 or a UDP \
    service there echoes them. --probe tcp:PORT has no such limit.";

/// `--probe` to a probe kind; `--socket raw|dgram` chooses among ICMP sockets only.
fn validate_probe(value: &str, socket: SocketArg) -> Result<ProbeKind, ConfigError> {
    let kind: ProbeKind = value
        .parse()
        .map_err(|e: KindError| bad("--probe", value, e.to_string()))?;
    if kind != ProbeKind::Icmp && socket != SocketArg::Auto {
        return Err(bad(
            "--socket",
            &format!("{socket:?}").to_lowercase(),
            format!(
                "chooses the ICMP socket; --probe {kind} always uses a {} socket: leave --socket out",
                match kind {
                    ProbeKind::Tcp(_) => "raw TCP",
                    ProbeKind::TcpSession(_) => "connected TCP",
                    _ => "UDP datagram",
                }
            ),
        ));
    }
    Ok(kind)
}

/// `--src-uri/--dst-uri/--domain/--poll` to a capture configuration; `None` when
/// neither --src-uri nor --domain is given (and `required` is false).
#[cfg(feature = "libvirt")]
pub(crate) fn capture_config(
    a: &crate::cli::LibvirtArgs,
    required: bool,
) -> Result<Option<migprobe_sources::events::capture::CaptureConfig>, ConfigError> {
    let poll = validate_duration(
        "--poll",
        &a.poll,
        Duration::from_millis(10),
        Duration::from_secs(60),
    )?;
    let (src_uri, domains) = match (&a.src_uri, a.domains.as_slice()) {
        (None, []) if !required && a.dst_uri.is_none() => return Ok(None),
        (Some(s), [_, ..]) => (s.clone(), a.domains.clone()),
        (None, _) => {
            return Err(bad(
                "--src-uri",
                "",
                "is needed to listen to the hypervisors (with --domain)",
            ))
        }
        (Some(_), []) => {
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
    for (i, d) in domains.iter().enumerate() {
        if d.trim().is_empty() {
            return Err(bad("--domain", d, "give the domain's name or UUID"));
        }
        if domains[..i].contains(d) {
            return Err(bad("--domain", d, "is given twice; name each guest once"));
        }
    }
    Ok(Some(migprobe_sources::events::capture::CaptureConfig {
        src_uri,
        dst_uri: a.dst_uri.clone(),
        domains,
        poll,
    }))
}

/// Checks that the trigger's program can be started: a path must be an
/// executable file, a bare name must be found in `PATH`. A program name with
/// a placeholder (`{src}`…) is left to the start.
pub(crate) fn validate_program(argv: &[String]) -> Result<(), ConfigError> {
    let Some(prog) = argv.first() else {
        return Ok(());
    };
    if prog.contains('{') || find_program(prog, std::env::var_os("PATH").as_deref()).is_some() {
        return Ok(());
    }
    let why = if !prog.contains('/') {
        "cannot start it: No such file or directory in PATH; install it or give its full path"
    } else {
        match std::fs::metadata(prog) {
            Err(_) => {
                "cannot start it: No such file or directory; give the path of a program that exists"
            }
            Ok(m) if m.is_dir() => "cannot start it: it is a directory; give the program inside",
            Ok(_) => "cannot start it: Permission denied (not executable); `chmod +x` it or give another program",
        }
    };
    Err(bad("TRIGGER", prog, why))
}

/// The executable file `prog` names: itself if it holds a `/`, else the
/// first match in `path`.
fn find_program(prog: &str, path: Option<&std::ffi::OsStr>) -> Option<std::path::PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let runnable = |p: &std::path::Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if prog.contains('/') {
        let p = std::path::PathBuf::from(prog);
        return runnable(&p).then_some(p);
    }
    std::env::split_paths(path?)
        .map(|d| d.join(prog))
        .find(|p| runnable(p))
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
            (&["192.0.2.1", "--probe", "tcp"][..], "--probe"),
            (&["192.0.2.1", "--probe", "udp:0"][..], "--probe"),
            (&["192.0.2.1", "--probe", "sctp:9"][..], "--probe"),
            (
                &["192.0.2.1", "--probe", "tcp:9", "--socket", "dgram"][..],
                "--socket",
            ),
        ] {
            let e = plan(args).unwrap_err();
            assert_eq!(e.flag, flag, "{args:?}: {e}");
        }
    }

    #[test]
    fn probe_kinds() {
        assert_eq!(plan(&["192.0.2.1"]).unwrap().probe, ProbeKind::Icmp);
        for (arg, kind) in [
            ("tcp:22", ProbeKind::Tcp(22)),
            ("udp:33434", ProbeKind::Udp(33434)),
            ("icmp", ProbeKind::Icmp),
            ("tcp-session:7", ProbeKind::TcpSession(7)),
        ] {
            assert_eq!(plan(&["192.0.2.1", "--probe", arg]).unwrap().probe, kind);
        }
        let e = plan(&["192.0.2.1", "--probe", "tcp"]).unwrap_err();
        assert!(e.to_string().contains("tcp:PORT"), "{e}");
        let e = plan(&["192.0.2.1", "--probe", "tcp-session:7", "--socket", "raw"]).unwrap_err();
        assert_eq!(e.flag, "--socket");
        assert!(
            e.to_string()
                .contains("connected TCP socket: leave --socket out"),
            "{e}"
        );
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

    #[test]
    fn trigger_programs_are_checked_before_the_run() {
        let argv = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(validate_program(&argv(&["sh", "-c", "true"])).is_ok());
        assert!(validate_program(&argv(&["/bin/sh"])).is_ok());
        assert!(validate_program(&argv(&["{src}-migrate"])).is_ok());
        let e = validate_program(&argv(&["/no/such/program"])).unwrap_err();
        assert_eq!(e.value, "/no/such/program");
        assert!(e.why.contains("No such file or directory"), "{e}");
        let e = validate_program(&argv(&["no-such-program-migprobe"])).unwrap_err();
        assert!(e.why.contains("No such file or directory in PATH"), "{e}");
        let plain = tempfile::NamedTempFile::new().unwrap();
        let path = plain.path().to_string_lossy().into_owned();
        let e = validate_program(&argv(&[&path])).unwrap_err();
        assert!(e.why.contains("Permission denied (not executable)"), "{e}");
        let e = validate_program(&argv(&["/tmp"])).unwrap_err();
        assert!(e.why.contains("is a directory"), "{e}");
    }
}
