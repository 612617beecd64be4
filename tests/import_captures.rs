//! Every real capture in tests/fixtures/captures (ping, ping -6, BusyBox
//! ping, fping in its modes, a terminal session, a long run and an excerpt
//! of it; made by scripts/capture-fixtures.sh, not by this code's author)
//! imports, and its analysis agrees with the capture's ground truth:
//!
//! - the freeze's length lies within the bracket of the outage reported
//!   there (within the truth's own uncertainty and [`SIGNAL_LATENCY_NS`]);
//! - the loss window's probes are lost: as many as fit in it, ±1 by phase —
//!   none on a target it did not touch; in an excerpt that does not show
//!   the window, its probes are unknown, never lost.

#[path = "import_captures/truth.rs"]
mod truth;

use migprobe::cli::import::{ImportArgs, ImportFormat};
use migprobe_analysis::analysis::model::Analysis;
use migprobe_analysis::analysis::{analyze, AnalysisOptions};
use migprobe_probe::record::{read_run, ProbeStatus, RunData, StampClock};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use truth::{Capture, Event};

/// How much later than the truth's readings SIGSTOP / SIGCONT may take
/// effect: a signal acts when its target is next scheduled. In
/// fping-D-l-p200-2targets.txt the responder still answered 192.0.2.3 17 ms
/// after `kill -STOP` had returned (the log's own timestamps show it).
const SIGNAL_LATENCY_NS: i64 = 25_000_000;

/// Truth files the log itself contradicts beyond their stated uncertainty:
/// (log, event kind, why). Each must still fail its check (else it is
/// removed from here), and is reported to the capture's maintainer.
const TRUTH_GAPS: &[(&str, &str, &str)] = &[(
    "fping-C60-p200-q.txt",
    "freeze",
    "its -C line holds 8 probes unanswered within fping's 200 ms and a 9th answered 9.18 ms \
     late: at 200 ms a responder stopped for the truth's 1.510 s leaves at most 7 unanswered, \
     so it was in fact stopped for at least 8 × 200 ms + 9 ms = 1.609 s (the capture machine \
     was loaded: probe 6 took 54 ms)",
)];

fn captures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/captures")
}

/// `c` imported for `target` (as its person would: `--target` with several
/// targets, `--interval` when the log has no times of its own), read back.
fn import(c: &Capture, target: IpAddr, dir: &Path) -> (RunData, String) {
    let out = dir.join(format!(
        "{}-{target}.jsonl",
        c.log.file_stem().unwrap().to_string_lossy()
    ));
    let args = ImportArgs {
        format: if c.tool == "fping" {
            ImportFormat::Fping
        } else {
            ImportFormat::Ping
        },
        files: vec![c.log.clone()],
        origin: None,
        interval: (!c.timed()).then(|| format!("{}ns", c.interval_ns)),
        target: (c.targets.len() > 1).then_some(target),
        out: out.clone(),
        caps: Default::default(),
    };
    let report = migprobe::commands::import::execute(&args)
        .unwrap_or_else(|e| panic!("{}: {e}", c.log.display()));
    (read_run(&out).unwrap(), report.to_string())
}

/// Realtime of a run-file time: reconstructed send times count from the
/// capture's start.
fn offset(c: &Capture, run: &RunData) -> i64 {
    let planned = run.probes.iter().all(|p| p.tx_clock == StampClock::Planned);
    if planned {
        c.started_ns - run.header.start_ns.0 + run.probes[0].tx_ns.0 - first_tx(c, run)
    } else {
        0
    }
}

/// Reconstructed time of the tool's first probe (sequence 1 for iputils, 0 otherwise).
fn first_tx(c: &Capture, run: &RunData) -> i64 {
    let first_seq = u64::from(c.tool == "ping");
    let p = &run.probes[0];
    p.tx_ns.0 - (p.index.0 - first_seq) as i64 * run.header.interval_ns
}

/// The freeze's length lies in the bracket of the outage reported over it.
fn check_freeze(c: &Capture, e: &Event, a: &Analysis, off: i64) -> Result<(), String> {
    let slack = c.interval_ns;
    let o = a
        .outages
        .iter()
        .find(|o| o.start_ns.0 + off <= e.end_ns + slack && e.start_ns - slack <= o.end_ns.0 + off)
        .ok_or_else(|| format!("no outage reported over the freeze: {:?}", a.outages))?;
    let tol = e.uncertainty_ns + SIGNAL_LATENCY_NS;
    if o.bracket_lo_ns - tol <= e.len_ns && e.len_ns <= o.bracket_hi_ns + tol {
        Ok(())
    } else {
        Err(format!(
            "freeze of {} ms outside the bracket {}–{} ms ({:?})",
            e.len_ns / 1_000_000,
            o.bracket_lo_ns / 1_000_000,
            o.bracket_hi_ns / 1_000_000,
            o.class
        ))
    }
}

/// The loss window's probes are lost (±1), none where it did not reach; in
/// a log that does not show them (an excerpt), they are unknown and the
/// import said so (`said`).
fn check_loss(
    c: &Capture,
    e: &Event,
    target: IpAddr,
    run: &RunData,
    off: i64,
    said: &str,
) -> Result<(), String> {
    let half = run.header.interval_ns / 2;
    let inside = |t: i64| (e.start_ns - half..=e.end_ns + half).contains(&(t + off));
    let shown: Vec<_> = run.probes.iter().filter(|p| inside(p.tx_ns.0)).collect();
    let lost = shown
        .iter()
        .filter(|p| p.status == ProbeStatus::Lost)
        .count() as i64;
    let want = if e.touches(target) {
        (e.len_ns + c.interval_ns / 2) / c.interval_ns
    } else {
        0
    };
    if shown.is_empty() {
        return match said.contains("not in the log (unknown, not lost)") {
            true => Ok(()),
            false => Err("the log shows no probe in the loss window, and the import did not say they are unknown".into()),
        };
    }
    if (lost - want).abs() <= 1 {
        Ok(())
    } else {
        Err(format!(
            "{lost} probes lost in the loss window, expected {want} ± 1"
        ))
    }
}

#[test]
fn every_capture_imports_and_agrees_with_its_truth() {
    let dir = tempfile::tempdir().unwrap();
    let captures = truth::all(&captures_dir());
    assert!(
        captures.len() >= 10,
        "captures missing: {}",
        captures_dir().display()
    );
    let mut failures = Vec::new();
    let mut table = String::new();
    for c in &captures {
        for &target in &c.targets {
            let (run, said) = import(c, target, dir.path());
            let a = analyze(&run, &AnalysisOptions::default());
            let off = offset(c, &run);
            for e in &c.events {
                let verdict = match (e.freeze, e.touches(target)) {
                    (true, true) => check_freeze(c, e, &a, off),
                    (true, false) => Ok(()),
                    (false, _) => check_loss(c, e, target, &run, off, &said),
                };
                let name = c.log.file_name().unwrap().to_string_lossy();
                let kind = if e.freeze { "freeze" } else { "loss" };
                let gap = TRUTH_GAPS.iter().find(|(f, k, _)| *f == name && *k == kind);
                let line = match (&verdict, gap) {
                    (Ok(()), None) => "ok".to_owned(),
                    (Err(why), Some((.., known))) => format!("known truth gap ({why}): {known}"),
                    (Err(why), None) => {
                        failures.push(format!("{name} ({target}): {why}\n{said}"));
                        why.clone()
                    }
                    (Ok(()), Some(_)) => {
                        failures.push(format!(
                            "{name} ({target}) {kind} agrees now: take it out of TRUTH_GAPS"
                        ));
                        "ok, but listed in TRUTH_GAPS".to_owned()
                    }
                };
                table.push_str(&format!("{name} {target} {kind}: {line}\n"));
            }
        }
    }
    println!("{table}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
