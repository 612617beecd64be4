//! `migprobe import` + `migprobe report` as a person runs them, on real
//! captures (tests/fixtures/captures, with their truth files) — the cases of
//! issue 13: an excerpt is not an outage, fping's interval comes from its
//! timestamps, a log is imported once, a file of another format is refused,
//! and an imported run does not name this machine as its prober.

use migprobe_probe::record::read_run;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const MIGPROBE: &str = env!("CARGO_BIN_EXE_migprobe");

fn capture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/captures")
        .join(name)
}

fn migprobe(args: &[&str]) -> Output {
    Command::new(MIGPROBE).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `migprobe import FORMAT LOG --out DIR/run.jsonl` then `report`: the
/// import's output, report.json and summary.md.
fn import_and_report(dir: &Path, format: &str, log: &str) -> (String, Value, String) {
    let run = dir.join("run.jsonl");
    let log = capture(log);
    let o = migprobe(&[
        "import",
        format,
        log.to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let rep = dir.join("rep");
    let r = migprobe(&[
        "report",
        run.to_str().unwrap(),
        "--out",
        rep.to_str().unwrap(),
    ]);
    assert!(r.status.success(), "{}", text(&r));
    let json = serde_json::from_slice(&std::fs::read(rep.join("report.json")).unwrap()).unwrap();
    (
        text(&o),
        json,
        std::fs::read_to_string(rep.join("summary.md")).unwrap(),
    )
}

/// The truth's freeze length, ms.
fn truth_freeze_ms(truth: &str) -> f64 {
    let t: Value = serde_json::from_slice(&std::fs::read(capture(truth)).unwrap()).unwrap();
    let e = t["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "freeze")
        .unwrap();
    e["duration_s"].as_f64().unwrap() * 1e3
}

#[test]
fn an_excerpt_is_a_freeze_with_nothing_lost_and_the_rest_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let (said, report, summary) = import_and_report(dir.path(), "ping", "ping-1s-excerpt.txt");
    assert!(
        said.contains("imported 8 probes")
            && said.contains("322 not in the log (unknown, not lost)"),
        "{said}"
    );
    let d = &report["downtime"];
    let (est, lo, hi) = (
        d["network_ms"].as_f64().unwrap(),
        d["bracket_ms"][0].as_f64().unwrap(),
        d["bracket_ms"][1].as_f64().unwrap(),
    );
    assert!((4_200.0..=5_200.0).contains(&est), "{d}");
    let truth = truth_freeze_ms("ping-1s-excerpt.json");
    assert!(
        lo <= truth && truth <= hi,
        "truth {truth} ms outside {lo}–{hi}"
    );
    assert_eq!(d["class"], "freeze");
    let lost: u64 = report["outages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["lost"].as_u64().unwrap())
        .sum();
    assert_eq!(lost, 0);
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("The log holds 8 of 330 probes")
            && notes.contains("the other 322 are unknown, not lost"),
        "{notes}"
    );
    let headline = summary.lines().next().unwrap();
    assert!(
        headline.contains("a freeze, 0 probes lost") && !headline.contains("min"),
        "{headline}"
    );
    assert!(
        summary.contains("- Prober: unknown (imported ping log ping-1s-excerpt.txt)"),
        "{summary}"
    );
}

#[test]
fn fping_with_timestamps_needs_no_interval() {
    let dir = tempfile::tempdir().unwrap();
    let (said, report, _) = import_and_report(dir.path(), "fping", "fping-D-l-p200.txt");
    assert!(
        said.contains(" ms (measured from the -D timestamps)"),
        "{said}"
    );
    let run = read_run(&dir.path().join("run.jsonl")).unwrap();
    let off = (run.header.interval_ns - 200_000_000).abs();
    assert!(off < 2_000_000, "fping -p 200: {said}");
    assert!(!said.contains("ASSUMED"), "{said}");
    let d = &report["downtime"];
    let (lo, hi) = (
        d["bracket_ms"][0].as_f64().unwrap(),
        d["bracket_ms"][1].as_f64().unwrap(),
    );
    let truth = truth_freeze_ms("fping-D-l-p200.json");
    assert!(
        hi - lo <= 250.0,
        "a bracket of about one 200 ms interval: {d}"
    );
    assert!(
        lo - 25.0 <= truth && truth <= hi + 25.0,
        "truth {truth} ms outside {lo}–{hi}"
    );
    // An --interval the timestamps contradict is refused, naming both; nothing written.
    let run = dir.path().join("other.jsonl");
    let log = capture("fping-D-l-p200.txt");
    let o = migprobe(&[
        "import",
        "fping",
        log.to_str().unwrap(),
        "--interval",
        "1s",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let msg = text(&o);
    assert!(
        msg.contains("--interval 1.000 s disagrees with the log's -D timestamps")
            && msg.contains("which show the probes 200.0"),
        "{msg}"
    );
    assert!(!run.exists());
}

#[test]
fn without_timestamps_the_assumed_interval_is_in_the_report_with_the_right_flag() {
    let dir = tempfile::tempdir().unwrap();
    let (said, report, _) = import_and_report(dir.path(), "fping", "fping-C60-p200-q.txt");
    assert!(
        said.contains("ASSUMED: fping's default; if fping ran with -p, give --interval"),
        "{said}"
    );
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("the interval ASSUMED to be fping's default of 1 s: if fping ran with -p"),
        "{notes}"
    );
    let dir = tempfile::tempdir().unwrap();
    let (said, _, _) = import_and_report(dir.path(), "ping", "busybox-ping-i0.2.txt");
    assert!(
        said.contains("if ping ran with -i, give --interval"),
        "{said}"
    );
}

#[test]
fn the_same_log_twice_and_a_log_of_another_format_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run.jsonl");
    let run_s = run.to_str().unwrap();
    let ping = capture("ping-D.txt");
    let events = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/virsh-event-src.log");
    // A ping log as virsh events: exit 2, nothing written.
    let o = migprobe(&[
        "import",
        "virsh-event",
        ping.to_str().unwrap(),
        "--origin",
        "src",
        "--out",
        run_s,
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("it looks like ping output: `migprobe import ping "),
        "{}",
        text(&o)
    );
    assert!(!run.exists());
    // The ping log, then the events, then the events again: the second time is refused.
    assert!(
        migprobe(&["import", "ping", ping.to_str().unwrap(), "--out", run_s])
            .status
            .success()
    );
    let ev = [
        "import",
        "virsh-event",
        events.to_str().unwrap(),
        "--origin",
        "src",
        "--out",
        run_s,
    ];
    assert!(migprobe(&ev).status.success());
    let before = std::fs::read(&run).unwrap();
    let o = migprobe(&ev);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("was already imported into --out"),
        "{}",
        text(&o)
    );
    assert_eq!(std::fs::read(&run).unwrap(), before, "nothing written");
}
