//! An earlier result is never destroyed without `--force`: `run --out DIR`
//! refuses a directory that holds an earlier run, `probe --out FILE` an
//! existing run file, before anything is touched (issue 12). No root needed:
//! the refusal comes before any socket is opened.

use std::path::Path;
use std::process::{Command, Output};

const MIGPROBE: &str = env!("CARGO_BIN_EXE_migprobe");

fn migprobe(args: &[&str]) -> Output {
    Command::new(MIGPROBE)
        .args(args)
        .output()
        .expect("migprobe runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn arg(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn run_refuses_a_directory_that_holds_an_earlier_run() {
    let d = tempfile::tempdir().unwrap();
    let earlier = d.path().join("run.jsonl");
    std::fs::write(&earlier, "{\"type\":\"header\"}\n").unwrap();
    let o = migprobe(&[
        "run",
        "-t",
        "127.0.0.1",
        "--out",
        arg(d.path()),
        "--",
        "true",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("holds an earlier run (run.jsonl)") && e.contains("--force"),
        "{e}"
    );
    assert_eq!(
        std::fs::read_to_string(&earlier).unwrap(),
        "{\"type\":\"header\"}\n",
        "the earlier run is untouched"
    );
    let others: Vec<_> = std::fs::read_dir(d.path()).unwrap().collect();
    assert_eq!(others.len(), 1, "no other file was created");
}

#[test]
fn probe_refuses_an_existing_run_file() {
    let d = tempfile::tempdir().unwrap();
    let earlier = d.path().join("r.jsonl");
    std::fs::write(&earlier, "earlier\n").unwrap();
    let o = migprobe(&["probe", "127.0.0.1", "-c", "1", "--out", arg(&earlier)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("holds an earlier run"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(&earlier).unwrap(), "earlier\n");
}

/// Runs a one-second loopback `run` into `dir`: as root it probes 127.0.0.1
/// and writes its run; as a normal user it stops at the raw socket. Either
/// way it got past the output check.
fn run_into(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "run",
        "-t",
        "127.0.0.1",
        "-q",
        "--warmup",
        "0s",
        "--cooldown",
        "0s",
        "--out",
        arg(dir),
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--", "true"]);
    migprobe(&args)
}

#[test]
fn an_empty_or_unrelated_directory_and_force_are_not_refused() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("notes.txt"), "mine").unwrap();
    std::fs::write(d.path().join("run.jsonl"), "").unwrap();
    let o = run_into(d.path(), &[]);
    assert!(!stderr(&o).contains("earlier run"), "{}", stderr(&o));
    std::fs::write(d.path().join("run.jsonl"), "earlier\n").unwrap();
    let o = run_into(d.path(), &["--force"]);
    assert!(!stderr(&o).contains("earlier run"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(d.path().join("notes.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn secrets_in_the_command_line_never_reach_an_error_message() {
    let o = migprobe(&[
        "run",
        "-t",
        "127.0.0.1",
        "--timeout",
        "qemu+ssh://admin:hunter2secret@node01/system",
        "--",
        "true",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("--timeout") && e.contains("admin:***@node01"),
        "{e}"
    );
    assert!(!e.contains("hunter2secret"), "{e}");
}
