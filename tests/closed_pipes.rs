//! A reader that goes away (`migprobe run … 2>&1 | head -3`) must not stop a
//! measurement: with stdout and stderr pipes closed from the start, `run`
//! and `probe` still finish on time, write every file and exit 0. (Printing
//! with `eprintln!` panicked on the closed pipe, and the panic left the prober
//! hung until SIGKILL.) Root: the probes are real (loopback).
#![cfg(feature = "root-tests")]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts migprobe with both output pipes closed by the reader at once.
fn start_with_closed_pipes(args: &[&str]) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_migprobe"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start migprobe");
    drop(child.stdout.take());
    drop(child.stderr.take());
    child
}

/// Its exit code, or a failure if it is still running after `limit` (it is killed).
fn exit_within(mut child: Child, limit: Duration) -> Option<i32> {
    let t0 = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.code();
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "migprobe still ran {limit:?} after its start with its output pipes closed: hung"
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn files_written(dir: &Path, names: &[&str]) {
    for n in names {
        assert!(dir.join(n).is_file(), "{n} missing in {}", dir.display());
    }
}

#[test]
fn run_finishes_and_writes_everything_with_closed_pipes() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("run");
    let child = start_with_closed_pipes(&[
        "run",
        "-t",
        "127.0.0.1",
        "--warmup",
        "500ms",
        "--cooldown",
        "500ms",
        "--out",
        out.to_str().unwrap(),
        "--",
        "sleep",
        "1",
    ]);
    assert_eq!(exit_within(child, Duration::from_secs(30)), Some(0));
    files_written(&out, &["report.json", "summary.md", "chart.svg"]);
}

#[test]
fn probe_finishes_with_closed_pipes() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("p.jsonl");
    let child = start_with_closed_pipes(&[
        "probe",
        "127.0.0.1",
        "--count",
        "300",
        "--interval",
        "1ms",
        "--out",
        out.to_str().unwrap(),
    ]);
    // The final statistics go to the closed stdout: a reader that went away is
    // not an error (never a panic, 101, nor a hang).
    assert_eq!(exit_within(child, Duration::from_secs(30)), Some(0));
    assert!(out.is_file());
}
