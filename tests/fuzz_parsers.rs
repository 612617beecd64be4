//! Property tests of every reader of user input (issue 12): run-file lines,
//! report.json, policy TOML and each imported log format (ping, fping,
//! `virsh event`, `virsh qemu-monitor-event`) get arbitrary bytes and real
//! inputs damaged by a few edits. None may panic — nor may the analysis,
//! the reports, the gate or compare built on what they accept — and what
//! they accept holds no impossible figure. Inputs are a few KiB, so memory
//! is bounded; the line reader itself is checked against its caps.
//!
//! proptest (stable Rust, shrinking to a minimal failing input), fixed seed,
//! no persistence: deterministic. Case counts keep the file to a few seconds
//! in debug builds.

mod fuzz;

use fuzz::{config, fixture, fixture_bytes, input, json_numbers_changed};
use migprobe::cli::import::{ImportArgs, ImportFormat, OriginArg};
use migprobe_analysis::analysis::{analyze, per_migration, AnalysisOptions};
use migprobe_analysis::baseline::Policy;
use migprobe_analysis::compare::{self, markdown};
use migprobe_analysis::gate::{evaluate, samples, GateInput, Metric, Settings, Thresholds};
use migprobe_analysis::report::{self, ReportMeta};
use migprobe_probe::input::{InputError, Limits, Lines};
use migprobe_probe::record::reader::read_from;
use migprobe_probe::record::{compact, Origin, WINDOW_NS};
use migprobe_sources::import::{
    build, parse_fping, parse_ping, parse_qemu_monitor_events, parse_virsh_events, BuildOptions,
};
use proptest::prelude::*;
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

/// A real run file: tests/fixtures/ping-D.txt imported, then both hosts'
/// virsh and QEMU event captures appended.
fn run_file() -> Vec<u8> {
    static TEXT: OnceLock<Vec<u8>> = OnceLock::new();
    TEXT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run.jsonl");
        let import = |format, file: &str, origin| {
            let args = ImportArgs {
                format,
                files: vec![fixture(file)],
                origin,
                interval: None,
                target: None,
                out: out.clone(),
                caps: Default::default(),
            };
            migprobe::commands::import::execute(&args).expect("fixture imports");
        };
        import(ImportFormat::Ping, "ping-D.txt", None);
        import(
            ImportFormat::VirshEvent,
            "virsh-event-src.log",
            Some(OriginArg::Src),
        );
        import(
            ImportFormat::QemuMonitorEvent,
            "qemu-monitor-event-dst.log",
            Some(OriginArg::Dst),
        );
        std::fs::read(&out).unwrap()
    })
    .clone()
}

/// A committed example report: `report.json` (one migration) or
/// `campaign/report.json` (eight).
fn example(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("reports/examples")
            .join(name),
    )
    .unwrap()
}

/// gate and compare on `bytes`: only believable figures are judged, and
/// nothing panics.
fn judge(bytes: &[u8]) -> Result<(), TestCaseError> {
    let Ok(g) = GateInput::parse(bytes) else {
        prop_assert!(compare::load("a", "a.json", bytes).is_err());
        return Ok(());
    };
    for m in [Metric::NetworkDowntime, Metric::HypervisorDowntime] {
        prop_assert!(samples(&g, m).iter().all(|x| x.is_finite() && *x >= 0.0));
    }
    let t = Thresholds {
        max_downtime: Some(Duration::from_millis(500)),
        max_hypervisor_downtime: Some(Duration::from_millis(500)),
        max_loss: Some(10),
        max_rtt_p99: Some(Duration::from_millis(50)),
        require_completed: true,
        max_regression: Some(20.0),
        allow_unobserved: false,
        min_effect: None,
        discard_warmup: None,
        allow_inconclusive: false,
    };
    let _ = evaluate(&t, &g, Some(&g));
    let runs = vec![
        compare::load("a", "a.json", bytes).expect("gate read it"),
        compare::load("b", "b.json", &example("report.json")).expect("example"),
    ];
    let rule = Policy::default();
    let _ = compare::verdict::verdict(&runs, &rule);
    let _ = markdown::render(&runs, &[], &rule);
    Ok(())
}

/// [`run_file`] in the compact format, a frame every 16 lines.
fn compact_run_file() -> Vec<u8> {
    let mut out = compact::magic().to_vec();
    let mut enc = compact::FrameEncoder::new(compact::LEVEL).unwrap();
    let text = run_file();
    let lines: Vec<&[u8]> = text.split_inclusive(|b| *b == b'\n').collect();
    for chunk in lines.chunks(16) {
        enc.encode(&chunk.concat(), &mut out).unwrap();
    }
    out
}

/// The checks of [`run_files`] on one input.
fn run_file_survives(bytes: &[u8]) -> Result<(), TestCaseError> {
    let Ok(run) = read_from(bytes, Path::new("run.jsonl")) else {
        return Ok(());
    };
    let start = run.header.start_ns.0;
    for p in &run.probes {
        prop_assert!(p.rtt_ns.is_none_or(|r| r >= 0), "{p:?}");
        let off = i128::from(p.tx_ns.0) - i128::from(start);
        prop_assert!(off.unsigned_abs() <= WINDOW_NS as u128, "{p:?}");
    }
    let opts = AnalysisOptions::default();
    let a = analyze(&run, &opts);
    let migrations = per_migration(&run, &opts);
    let meta = ReportMeta::new(Path::new("."), &[], &run);
    let out = report::render_campaign(&a, &migrations, &run, &meta, 200);
    // What the report wrote reads back (or is refused by name), never a panic.
    let _ = report::json::parse(&out.json);
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    /// The run-file reader believes only plausible lines, and everything
    /// downstream of it survives whatever it accepts.
    #[test]
    fn run_files(bytes in input(run_file())) {
        run_file_survives(&bytes)?;
    }

    /// The same for the compact format: damaged frames are skipped, never a panic.
    #[test]
    fn compact_run_files(bytes in input(compact_run_file())) {
        run_file_survives(&bytes)?;
    }

    /// Lines never exceed the line cap, the input never the size cap, and
    /// what is within both is read back whole.
    #[test]
    fn lines_keep_their_caps(bytes in prop::collection::vec(prop_oneof![Just(b'\n'), any::<u8>()], 0..600), max_line in 1u64..80, max_size in 1u64..700) {
        let limits = Limits { max_size, max_line };
        let mut lines = Lines::new(bytes.as_slice(), Path::new("in"), limits);
        let mut line = Vec::new();
        let mut total = 0u64;
        loop {
            match lines.next_line(&mut line) {
                Ok(false) => break,
                Ok(true) => {
                    prop_assert!(line.len() as u64 <= max_line);
                    total += line.len() as u64 + 1;
                }
                Err(InputError::LineTooLong { .. }) => {
                    prop_assert!(bytes.split(|b| *b == b'\n').any(|l| l.len() as u64 > max_line));
                    return Ok(());
                }
                Err(InputError::TooBig { .. }) => {
                    prop_assert!(bytes.len() as u64 > max_size);
                    return Ok(());
                }
                Err(e) => prop_assert!(false, "{e}"),
            }
        }
        prop_assert!(total.saturating_sub(1) <= max_size);
        let whole = Lines::new(bytes.as_slice(), Path::new("in"), limits).read_to_end();
        prop_assert_eq!(whole.ok(), Some(bytes));
    }

    /// gate and compare judge only believable reports, and survive them all.
    #[test]
    fn reports(bytes in prop_oneof![input(example("report.json")), json_numbers_changed(example("report.json"))]) {
        judge(&bytes)?;
    }

    /// Policy files: a clear error or settings, never a panic.
    #[test]
    fn policies(bytes in input(fixture_bytes("gate/pass.toml"))) {
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(s) = Settings::from_policy(&text, "p.toml", Path::new("/ci")) {
            let _ = s.finish();
        }
    }

    /// ping logs, parsed and built into probes.
    #[test]
    fn ping_logs(bytes in input(fixture_bytes("ping-D.txt"))) {
        let _ = build(&parse_ping(&bytes), &BuildOptions::default());
    }

    /// fping logs, parsed and built into probes.
    #[test]
    fn fping_logs(bytes in input(fixture_bytes("fping-D.txt"))) {
        let _ = build(&parse_fping(&bytes), &BuildOptions::default());
    }

    /// `virsh event` captures.
    #[test]
    fn virsh_event_logs(bytes in input(fixture_bytes("virsh-event-src.log"))) {
        let p = parse_virsh_events(&bytes, Origin::Src, None);
        prop_assert!(p.events.len() as u64 + p.bad_lines.count() <= bytes.len() as u64 + 1);
    }

    /// `virsh qemu-monitor-event` captures.
    #[test]
    fn qemu_monitor_event_logs(bytes in input(fixture_bytes("qemu-monitor-event-src.log"))) {
        let p = parse_qemu_monitor_events(&bytes, Origin::Dst, None);
        prop_assert!(p.events.len() as u64 + p.bad_lines.count() <= bytes.len() as u64 + 1);
    }
}

proptest! {
    #![proptest_config(config(32))]

    /// The same for a campaign (its `migrations` entries; the statistics make
    /// a case slow in debug builds, hence fewer cases).
    #[test]
    fn campaign_reports(bytes in json_numbers_changed(example("campaign/report.json"))) {
        judge(&bytes)?;
    }
}
