//! Endless or huge inputs end with exit status 2 and a message naming the cap
//! or the file, never with memory growing forever (issue 12): `/dev/zero`
//! given as every kind of input file (run file, report.json for `gate` and
//! `compare`, policy, each import format), and pipes that never end, read
//! through `/dev/stdin`. Each command runs under `ulimit -v` (so unbounded
//! growth would abort it, not exit 2) and with a generous time limit (no
//! speed is asserted). No root needed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const MIGPROBE: &str = env!("CARGO_BIN_EXE_migprobe");
/// Address-space limit of each command, KiB (2 GiB): far above what a bounded
/// read needs, far below what an unbounded one reaches in the time limit.
const MEMORY_KIB: u32 = 2 << 20;
/// A run that has not ended by then is a failure (and is killed).
const LIMIT: Duration = Duration::from_secs(20);

fn example_report() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/examples/report.json")
}

/// Runs `feed | migprobe args` (no feed: stdin is empty) in a shell with the
/// memory limit; kills it after [`LIMIT`].
fn run(feed: Option<&str>, args: &[&str]) -> Output {
    let pipe = feed.map(|f| format!("{f} | ")).unwrap_or_default();
    let script = format!("ulimit -v {MEMORY_KIB}; {pipe}exec \"$0\" \"$@\"");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .arg(MIGPROBE)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh runs");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "{args:?} still running after {LIMIT:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// `args` end with exit status 2 and a message holding every `wants`.
fn expect_2(feed: Option<&str>, args: &[&str], wants: &[&str]) {
    let o = run(feed, args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{feed:?} {args:?}: {err}");
    for w in wants {
        assert!(err.contains(w), "{args:?}: {w:?} not in {err}");
    }
}

#[test]
fn dev_zero_is_refused_as_every_kind_of_input() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("run.jsonl");
    let out = out.to_str().unwrap();
    let good = example_report();
    let good = good.to_str().unwrap();
    let not_a_file = ["/dev/zero is a character device, not a regular file or a pipe"];
    for args in [
        vec!["report", "/dev/zero", "--out", d.path().to_str().unwrap()],
        vec!["summary", "/dev/zero"],
        vec!["gate", "/dev/zero", "--max-downtime", "1s"],
        vec!["gate", good, "--policy", "/dev/zero"],
        vec![
            "gate",
            good,
            "--baseline",
            "/dev/zero",
            "--max-regression",
            "10%",
        ],
        vec!["compare", "/dev/zero", good],
        vec!["compare", good, "/dev/zero"],
        vec!["import", "ping", "/dev/zero", "--out", out],
        vec!["import", "fping", "/dev/zero", "--out", out],
        vec![
            "import",
            "virsh-event",
            "/dev/zero",
            "--origin",
            "src",
            "--out",
            out,
        ],
        vec![
            "import",
            "qemu-monitor-event",
            "/dev/zero",
            "--origin",
            "dst",
            "--out",
            out,
        ],
    ] {
        expect_2(None, &args, &not_a_file);
    }
    assert!(!Path::new(out).exists(), "no import wrote --out");
}

#[test]
fn endless_pipes_stop_at_a_cap() {
    let d = tempfile::tempdir().unwrap();
    let good = example_report();
    let good = good.to_str().unwrap();
    let line_cap = [
        "line 1 is longer than the cap of 1 MiB",
        "--max-line-length 2MiB",
    ];
    for args in [
        vec!["report", "/dev/stdin", "--out", d.path().to_str().unwrap()],
        vec!["summary", "/dev/stdin"],
        vec!["gate", "/dev/stdin", "--max-downtime", "1s"],
        vec!["gate", good, "--policy", "/dev/stdin"],
        vec!["compare", good, "/dev/stdin"],
        vec![
            "import",
            "ping",
            "/dev/stdin",
            "--out",
            "/nonexistent/x.jsonl",
        ],
        vec![
            "import",
            "virsh-event",
            "/dev/stdin",
            "--origin",
            "src",
            "--out",
            "/nonexistent/x",
        ],
    ] {
        expect_2(Some("cat /dev/zero"), &args, &line_cap);
    }
    // Short lines without end: the size cap, here lowered by the flag.
    let size_cap = ["holds more than 1 MiB", "--max-input-size 2MiB"];
    for args in [
        vec!["summary", "/dev/stdin", "--max-input-size", "1MiB"],
        vec![
            "import",
            "fping",
            "/dev/stdin",
            "--max-input-size",
            "1MiB",
            "--out",
            "/nonexistent/x",
        ],
        vec![
            "import",
            "qemu-monitor-event",
            "/dev/stdin",
            "--origin",
            "src",
            "--max-input-size",
            "1MiB",
            "--out",
            "/nonexistent/x",
        ],
        vec![
            "gate",
            "/dev/stdin",
            "--max-input-size",
            "1MiB",
            "--max-loss",
            "0",
        ],
    ] {
        let header = r#"{"type":"header","schema_version":1,"tool":"migprobe","version":"0","nonce":"00","start_ns":0,"interval_ns":1000000,"targets":[],"hostname":"h","kernel":"k","socket":null,"scheduling":"none","spin_ns":0,"payload_bytes":0,"min_loss_run":3,"drain_ns":0,"argv":[]}"#;
        let feed = format!("(echo '{header}'; yes '{{\"type\":\"wombat\"}}')");
        expect_2(Some(&feed), &args, &size_cap);
    }
}

#[test]
fn caps_can_be_raised_and_bad_sizes_are_named() {
    let good = example_report();
    let good = good.to_str().unwrap();
    // A cap below the file's size refuses it up front; the flag raises it again.
    expect_2(
        None,
        &[
            "gate",
            good,
            "--max-input-size",
            "1KiB",
            "--max-loss",
            "1000000",
        ],
        &[
            "over the cap of 1 KiB",
            "raise the cap with --max-input-size",
        ],
    );
    let o = run(
        None,
        &[
            "gate",
            good,
            "--max-input-size",
            "1GiB",
            "--max-loss",
            "1000000",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for (flag, value) in [
        ("--max-input-size", "12 parsecs"),
        ("--max-line-length", "0"),
    ] {
        expect_2(None, &["summary", good, flag, value], &[flag, value]);
    }
}
