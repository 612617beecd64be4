//! An earlier result is never destroyed without `--force`: `run --out DIR`
//! refuses a directory that holds an earlier run, `probe --out FILE` an
//! existing run file, before anything is touched (issue 12). No command
//! writes through a symbolic link, and finished files leave no temporary
//! file behind. No root needed: the refusals come before any socket is
//! opened, and the other commands need none.

mod common;

use common::{migprobe, names};
use std::path::{Path, PathBuf};
use std::process::Output;

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
fn run_into(dir: &Path, extra: &str) -> Output {
    let o = migprobe(&run_args(arg(dir), extra));
    assert!(!stderr(&o).contains("Usage:"), "{}", stderr(&o));
    o
}

#[test]
fn an_empty_or_unrelated_directory_and_force_are_not_refused() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("notes.txt"), "mine").unwrap();
    std::fs::write(d.path().join("run.jsonl"), "").unwrap();
    let o = run_into(d.path(), "--drain=100ms");
    assert!(!stderr(&o).contains("earlier run"), "{}", stderr(&o));
    std::fs::write(d.path().join("run.jsonl"), "earlier\n").unwrap();
    let o = run_into(d.path(), "--force");
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

/// A run file made without root: the timestamped ping log imported.
fn imported_run(dir: &Path) -> PathBuf {
    let log = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ping-D.txt");
    let run = dir.join("run.jsonl");
    let o = migprobe(&["import", "ping", arg(&log), "--out", arg(&run)]);
    assert!(o.status.success(), "{}", stderr(&o));
    run
}

#[test]
fn no_command_writes_through_a_symbolic_link() {
    let d = tempfile::tempdir().unwrap();
    let run = imported_run(d.path());
    let o = migprobe(&["report", arg(&run), "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let victim = d.path().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let out = d.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let (run, report) = (arg(&run), d.path().join("report.json"));
    let (o_, r_) = (arg(&out).to_owned(), arg(&report).to_owned());
    let at = |name: &str| format!("{o_}/{name}");
    let (p, g, e, m) = (at("p.jsonl"), at("gate.xml"), at("e.jsonl"), at("m.prom"));
    let cases: [(&str, Vec<&str>); 8] = [
        (
            "m.prom",
            vec![
                "report",
                run,
                "--format",
                "json",
                "--out",
                &o_,
                "--metrics-file",
                &m,
            ],
        ),
        ("summary.md", vec!["report", run, "--out", &o_]),
        ("summary.md", run_args(&o_, "--force")),
        ("run.jsonl", run_args(&o_, "--force")),
        (
            "p.jsonl",
            vec!["probe", "127.0.0.1", "-c", "1", "--force", "-o", &p],
        ),
        (
            "gate.xml",
            vec!["gate", &r_, "--max-loss", "9", "--junit", &g],
        ),
        ("compare.svg", vec!["compare", &r_, &r_, "--out", &o_]),
        (
            "e.jsonl",
            vec!["import", "virsh-event", run, "--origin", "src", "-o", &e],
        ),
    ];
    for (name, args) in cases {
        let link = out.join(name);
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let o = migprobe(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let want = format!(
            "{} is a symbolic link (to {})",
            link.display(),
            victim.display()
        );
        assert!(stderr(&o).contains(&want), "{args:?}: {}", stderr(&o));
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            "precious",
            "{args:?}"
        );
        std::fs::remove_file(&link).unwrap();
        assert_eq!(
            names(&out),
            Vec::<String>::new(),
            "{args:?}: nothing created"
        );
    }
}

/// `run`'s arguments for a one-second loopback run into `dir`.
fn run_args<'a>(dir: &'a str, extra: &'a str) -> Vec<&'a str> {
    let mut a = vec!["run", "-t", "127.0.0.1", "-q", "--warmup", "0s"];
    a.extend(["--cooldown", "0s", "--out", dir, extra, "--", "true"]);
    a
}

#[test]
fn finished_files_replace_the_old_ones_and_leave_no_temporary_file() {
    let d = tempfile::tempdir().unwrap();
    let run = imported_run(d.path());
    std::fs::write(d.path().join("summary.md"), "old").unwrap();
    let o = migprobe(&["report", arg(&run)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        names(d.path()),
        ["chart.svg", "report.json", "run.jsonl", "summary.md"]
    );
    assert_ne!(
        std::fs::read_to_string(d.path().join("summary.md")).unwrap(),
        "old"
    );
    let report = d.path().join("report.json");
    let cmp = d.path().join("cmp");
    let o = migprobe(&["compare", arg(&report), arg(&report), "--out", arg(&cmp)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(names(&cmp), ["compare.md", "compare.svg"]);
    let junit = cmp.join("gate.xml");
    let o = migprobe(&[
        "gate",
        arg(&report),
        "--max-loss",
        "1000",
        "--junit",
        arg(&junit),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(names(&cmp), ["compare.md", "compare.svg", "gate.xml"]);
}

#[test]
fn duplicate_targets_are_named_in_a_warning() {
    // The warning comes with the flags, before any socket: no root needed.
    let o = migprobe(&[
        "probe",
        "127.0.0.1",
        "127.0.0.01",
        "::1",
        "0:0::1",
        "-c",
        "1",
        "--drain",
        "0s",
        "-q",
    ]);
    let e = stderr(&o);
    for want in [
        "warning: TARGET 127.0.0.01 and 127.0.0.1 are the same address (127.0.0.1): probed once, as 127.0.0.1",
        "warning: TARGET 0:0::1 and ::1 are the same address (::1): probed once, as ::1",
    ] {
        assert!(e.contains(want), "{want} in {e}");
    }
    let o = migprobe(&["run", "-t", "127.0.0.010", "--", "true"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--target \"127.0.0.010\": is ambiguous"),
        "{}",
        stderr(&o)
    );
}
