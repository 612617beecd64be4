//! `migprobe import ping|fping` end to end: a log in tests/fixtures/ → run file
//! → `read_run`.

use migprobe::cli::import::{ImportArgs, ImportFormat, OriginArg};
use migprobe::commands::import::{execute as run, ImportError};
use migprobe_probe::record::{read_run, ProbeStatus, StampClock};
use migprobe_probe::types::RealNs;
use migprobe_sources::import::IntervalSource;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn ping_args(format: ImportFormat, file: &str, out: &Path) -> ImportArgs {
    ImportArgs {
        format,
        files: vec![fixture(file)],
        origin: None,
        interval: None,
        target: None,
        out: out.to_owned(),
        caps: Default::default(),
    }
}

fn virsh_args(out: &Path) -> ImportArgs {
    ImportArgs {
        format: ImportFormat::VirshEvent,
        files: vec![fixture("virsh-event-src.log")],
        origin: Some(OriginArg::Src),
        interval: None,
        target: None,
        out: out.to_owned(),
        caps: Default::default(),
    }
}

#[test]
fn seed_case_ping_log_reads_back_as_seven_ok_probes_one_second_apart() {
    // The statistics' time (6008 ms for 7 probes) gives the interval: 1.001333 s.
    const STEP: i64 = 1_001_333_000;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.jsonl");
    let report = run(&ping_args(ImportFormat::Ping, "ping-seed.txt", &out)).unwrap();
    let p = report.probes.as_ref().unwrap();
    assert_eq!((p.probes, p.ok, p.lost, p.errors), (7, 7, 0, 0));
    assert!(p.reconstructed);
    let text = report.to_string();
    assert!(
        text.contains("note: The ping log has no timestamps (-D): its send times are reconstructed as sequence × 1.001 s")
            && text.contains("estimated from its statistics (7 probes transmitted in 6.008 s)"),
        "{text}"
    );
    assert!(text.contains("created"), "{text}");

    let run = read_run(&out).unwrap();
    let h = &run.header;
    assert_eq!(h.targets.len(), 1);
    assert_eq!(h.targets[0].addr, "192.0.2.10".parse::<IpAddr>().unwrap());
    assert_eq!(h.targets[0].id, 0);
    assert_eq!(h.interval_ns, STEP);
    assert_eq!(h.min_loss_run, 3);
    assert_eq!(h.start_ns, RealNs(0));
    assert_eq!(h.payload_bytes, 56);
    let rtts: Vec<i64> = run.probes.iter().map(|p| p.rtt_ns.unwrap()).collect();
    assert_eq!(
        rtts,
        [
            302_000,
            4_208_000_000,
            3_209_000_000,
            2_209_000_000,
            1_208_000_000,
            209_000_000,
            300_000
        ]
    );
    for (k, p) in run.probes.iter().enumerate() {
        assert_eq!(p.index.0, k as u64 + 1);
        assert_eq!(p.status, ProbeStatus::Ok);
        assert_eq!(p.tx_ns, RealNs(k as i64 * STEP));
        assert_eq!(p.tx_clock, StampClock::Planned);
    }
    // The replies of the freeze arrive together (within 3 ms of each other:
    // the RTTs fall by 999–1001 ms, the estimated interval is 1.0013 s).
    let rx: Vec<i64> = run.probes[1..6]
        .iter()
        .map(|p| p.rx_ns.unwrap().0)
        .collect();
    assert!(
        rx.windows(2).all(|w| (w[1] - w[0]).abs() <= 3_000_000),
        "{rx:?}"
    );
    assert!(!run.truncated(), "an import is a complete run");
    // The run file itself says the times are reconstructed.
    let notes: Vec<&str> = run
        .events
        .iter()
        .map(|e| e.detail["note"].as_str().unwrap())
        .collect();
    assert_eq!(notes, ["imported_file", "reconstructed_send_times"]);
    // The prober is unknown: the header names the log instead of this machine.
    assert_eq!(
        run.header.hostname,
        "unknown (imported ping log ping-seed.txt)"
    );
}

#[test]
fn timestamped_ping_log_gives_measured_send_times() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.jsonl");
    let report = run(&ping_args(ImportFormat::Ping, "ping-D.txt", &out)).unwrap();
    let p = report.probes.unwrap();
    assert!(!p.reconstructed);
    assert_eq!((p.probes, p.ok, p.lost), (7, 7, 0));
    let run = read_run(&out).unwrap();
    assert_eq!(run.events.len(), 1, "only the note recording the file");
    assert_eq!(run.events[0].detail["file"], "ping-D.txt");
    let first = &run.probes[0];
    assert_eq!(first.tx_ns, RealNs(1_795_634_284_001_000_000));
    assert_eq!(first.rx_ns, Some(RealNs(1_795_634_284_001_302_000)));
    assert_eq!(
        (first.tx_clock, first.rx_clock),
        (StampClock::User, Some(StampClock::User))
    );
    assert_eq!(run.header.start_ns, first.tx_ns);
    // The late replies after "no answer yet" are ok probes with their true RTT and send time.
    let third = &run.probes[2];
    assert_eq!(third.rtt_ns, Some(3_208_000_000));
    assert_eq!(third.tx_ns, RealNs(1_795_634_286_001_000_000));
}

#[test]
fn fping_log_with_timeouts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.jsonl");
    // No --interval: the -D timestamps show it (fping -p 200).
    let a = ping_args(ImportFormat::Fping, "fping-D.txt", &out);
    let report = run(&a).unwrap();
    let p = report.probes.unwrap();
    assert_eq!((p.probes, p.ok, p.lost), (7, 4, 3));
    assert_eq!(p.interval.source, IntervalSource::Timestamps);
    let run = read_run(&out).unwrap();
    assert_eq!(run.header.interval_ns, 199_900_000);
    let st: Vec<(u64, ProbeStatus)> = run.probes.iter().map(|p| (p.index.0, p.status)).collect();
    assert_eq!(
        st,
        [
            (0, ProbeStatus::Ok),
            (1, ProbeStatus::Ok),
            (2, ProbeStatus::Lost),
            (3, ProbeStatus::Lost),
            (4, ProbeStatus::Lost),
            (5, ProbeStatus::Ok),
            (6, ProbeStatus::Ok)
        ]
    );
    // Lost probes sit on the interval grid after the last measured probe.
    assert_eq!(run.probes[2].tx_ns, run.probes[1].tx_ns.plus(199_900_000));
    assert_eq!(run.probes[2].tx_clock, StampClock::Planned);
    assert_eq!(run.probes[0].rtt_ns, Some(300_000));
}

#[test]
fn ping_log_with_losses_errors_and_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.jsonl");
    let report = run(&ping_args(ImportFormat::Ping, "ping-loss.txt", &out)).unwrap();
    let p = report.probes.unwrap();
    assert_eq!(
        (p.probes, p.ok, p.lost, p.errors, p.duplicates),
        (9, 4, 4, 1, 1)
    );
    let run = read_run(&out).unwrap();
    let t = &run.header.targets[0];
    assert_eq!(t.name, "guest.example");
    assert_eq!(t.addr, "2001:db8::10".parse::<IpAddr>().unwrap());
    let st: Vec<ProbeStatus> = run.probes.iter().map(|p| p.status).collect();
    use ProbeStatus::*;
    assert_eq!(st, [Ok, Ok, Lost, Lost, Lost, Ok, Error, Ok, Lost]);
    let e = run.probes[6].error.as_ref().unwrap();
    assert_eq!(e.kind, "destination_unreachable");
    assert_eq!(e.from, "2001:db8::1".parse().ok());
    assert_eq!(run.probes[7].dup, 1);
}

#[test]
fn ping_first_then_virsh_events_share_one_run_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.jsonl");
    run(&ping_args(ImportFormat::Ping, "ping-D.txt", &out)).unwrap();
    let r = run(&virsh_args(&out)).unwrap();
    assert!(!r.created);
    let data = read_run(&out).unwrap();
    assert_eq!(data.header.targets.len(), 1);
    assert_eq!(data.probes.len(), 7);
    assert!(!data.events.is_empty());
    assert_eq!(data.bad_lines.count(), 0);
}

#[test]
fn virsh_first_then_ping_is_refused_with_the_order() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.jsonl");
    run(&virsh_args(&out)).unwrap();
    let before = std::fs::read(&out).unwrap();
    let e = run(&ping_args(ImportFormat::Ping, "ping-D.txt", &out)).unwrap_err();
    assert!(matches!(e, ImportError::ProbesFirst { .. }), "{e:?}");
    let s = e.to_string();
    assert!(
        s.contains("import the ping log first, then the virsh logs"),
        "{s}"
    );
    assert_eq!(std::fs::read(&out).unwrap(), before, "--out untouched");
    // A run file that already has probes is refused too.
    let out2 = dir.path().join("run2.jsonl");
    run(&ping_args(ImportFormat::Ping, "ping-D.txt", &out2)).unwrap();
    let e = run(&ping_args(ImportFormat::Fping, "fping-D.txt", &out2)).unwrap_err();
    assert!(matches!(e, ImportError::OutHasProbes { .. }), "{e:?}");
    // An empty file (mktemp) is fine.
    let out3 = dir.path().join("run3.jsonl");
    std::fs::write(&out3, b"").unwrap();
    run(&ping_args(ImportFormat::Ping, "ping-D.txt", &out3)).unwrap();
}

#[test]
fn flags_are_checked_against_the_format() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.jsonl");
    let mut a = virsh_args(&out);
    a.interval = Some("1s".into());
    let e = run(&a).unwrap_err().to_string();
    assert!(e.contains("--interval") && e.contains("ping/fping"), "{e}");
    let mut a = virsh_args(&out);
    a.target = "192.0.2.10".parse().ok();
    assert!(run(&a).unwrap_err().to_string().contains("--target"));
    let mut a = ping_args(ImportFormat::Ping, "ping-D.txt", &out);
    a.origin = Some(OriginArg::Src);
    assert!(run(&a).unwrap_err().to_string().contains("--origin"));
    let mut a = ping_args(ImportFormat::Ping, "ping-D.txt", &out);
    a.interval = Some("fast".into());
    assert!(run(&a).unwrap_err().to_string().contains("--interval"));
    let mut a = ping_args(ImportFormat::Ping, "ping-D.txt", &out);
    a.files.push(fixture("ping-seed.txt"));
    assert!(matches!(run(&a), Err(ImportError::OneLog { count: 2, .. })));
    let mut a = ping_args(ImportFormat::Ping, "ping-D.txt", &out);
    a.target = "192.0.2.99".parse().ok();
    let e = run(&a).unwrap_err().to_string();
    assert!(e.contains("--target 192.0.2.99"), "{e}");
    let a = ping_args(ImportFormat::Fping, "virsh-event-src.log", &out);
    let e = run(&a).unwrap_err().to_string();
    assert!(
        e.contains("holds no fping output") && e.contains("looks like virsh-event output"),
        "{e}"
    );
    assert!(!out.exists(), "nothing written on errors");
}

#[test]
fn cli_parses_ping_forms() {
    use clap::Parser;
    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        a: ImportArgs,
    }
    let t = T::try_parse_from([
        "t",
        "ping",
        "p.log",
        "--interval",
        "200ms",
        "--target",
        "2001:db8::10",
        "--out",
        "r",
    ])
    .unwrap();
    assert_eq!(t.a.format, ImportFormat::Ping);
    assert_eq!(t.a.origin, None);
    assert_eq!(t.a.interval.as_deref(), Some("200ms"));
    assert!(T::try_parse_from(["t", "fping", "f.log", "--out", "r"]).is_ok());
    assert!(T::try_parse_from(["t", "ping", "p.log", "--target", "guest", "--out", "r"]).is_err());
    assert!(T::try_parse_from(["t", "virsh-event", "a", "--out", "r"]).is_err());
}

/// The real ping capture `name` with `from` replaced by `to`, imported
/// (with `interval`) into `dir`/run.jsonl: the import's report.
fn import_edited(
    dir: &Path,
    name: &str,
    (from, to): (&str, &str),
    interval: Option<&str>,
) -> migprobe::commands::import::ImportReport {
    let real = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/captures")
        .join(name);
    let text = std::fs::read_to_string(real).unwrap();
    assert!(text.contains(from), "{name} has no {from:?}");
    let log = dir.join(format!("edited-{name}"));
    std::fs::write(&log, text.replace(from, to)).unwrap();
    let mut a = ping_args(ImportFormat::Ping, name, &dir.join("run.jsonl"));
    a.files = vec![log];
    a.interval = interval.map(str::to_owned);
    run(&a).unwrap()
}

#[test]
fn a_log_that_contradicts_its_statistics_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let edit = (
        "17 packets transmitted, 15 received, 11.7647% packet loss",
        "17 packets transmitted, 10 received, 41.1765% packet loss",
    );
    let said = import_edited(dir.path(), "ping-D.txt", edit, None).to_string();
    assert!(
        said.contains("note: The log contradicts its own statistics: the log shows 15 answered probes, its statistics (line 19) count 10 received"),
        "{said}"
    );
    let run = read_run(&dir.path().join("run.jsonl")).unwrap();
    assert!(run
        .events
        .iter()
        .any(|e| e.detail["note"] == "log_contradicts_statistics"));
}

#[test]
fn without_statistics_a_gap_is_lost_and_the_report_says_it_was_assumed() {
    let dir = tempfile::tempdir().unwrap();
    let edit = (
        "60 packets transmitted, 55 received, 8.33333% packet loss, time 12064ms",
        "",
    );
    let r = import_edited(dir.path(), "ping-i0.2.txt", edit, Some("200ms"));
    let p = r.probes.unwrap();
    assert_eq!((p.ok, p.lost, p.not_in_log), (55, 5, 0));
    let notes = p.notes.join("\n");
    assert!(
        notes.contains("The log has no statistics: the 5 sequence numbers missing from it are taken as lost (ping prints nothing for an unanswered probe)"),
        "{notes}"
    );
}
