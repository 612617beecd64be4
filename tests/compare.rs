//! `migprobe compare` through the real binary: two copies of the example
//! report with edited numbers, a synthetic pair with `migrations` arrays (a
//! clear shift and none), bad inputs (exit 2, the message names the file or
//! flag), and compare.md / compare.svg with and without the run files.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const EXAMPLE: &str = include_str!("fixtures/gate/report-v0.1.json");

fn migprobe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_migprobe"))
        .args(args)
        .output()
        .expect("run migprobe")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn example() -> Value {
    serde_json::from_str(EXAMPLE).expect("example report")
}

/// Writes `report` as `dir/name/report.json`.
fn write(dir: &Path, name: &str, report: &Value) -> PathBuf {
    let d = dir.join(name);
    std::fs::create_dir_all(&d).unwrap();
    let p = d.join("report.json");
    std::fs::write(&p, serde_json::to_vec_pretty(report).unwrap()).unwrap();
    p
}

/// A real run file and its report, in `dir/seed`: the seed ping log
/// (a 4.7 s freeze) imported and reported by the binary itself.
fn seed_run(dir: &Path) -> (PathBuf, PathBuf) {
    let d = dir.join("seed");
    std::fs::create_dir_all(&d).unwrap();
    let run = d.join("run.jsonl");
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ping-seed.txt");
    let out = migprobe(&["import", "ping", fixture, "--out", s(&run)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = migprobe(&["report", s(&run), "--out", s(&d)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    (d.join("report.json"), run)
}

/// The example with other headline numbers.
fn edited(network: f64, hypervisor: f64) -> Value {
    let mut r = example();
    let d = &mut r["downtime"];
    d["network_ms"] = json!(network);
    d["bracket_ms"] = json!([network - 0.5, network + 0.5]);
    d["hypervisor_ms"] = json!(hypervisor);
    r
}

/// The example with one `migrations` entry per network downtime.
fn repeated(network: &[f64]) -> Value {
    let mut r = example();
    let entries: Vec<Value> = network
        .iter()
        .map(|&n| {
            json!({
                "downtime": {"target": 1, "addr": "2001:db8::10", "network_ms": n,
                  "bracket_ms": [n - 0.5, n + 0.5], "hypervisor_ms": n * 0.6, "class": "loss"},
                "phases": [{"name": "storage_copy", "start_ns": 0, "end_ns": 1, "duration_ms": 180.0, "iterations": null}],
                "trigger": {"duration_ms": 3000.0}
            })
        })
        .collect();
    r["migrations"] = Value::Array(entries);
    r
}

/// `migprobe compare A B --labels before,after --out OUT_DIR`, which must exit 0.
fn compare_before_after(a: &Path, b: &Path, out_dir: &Path) -> Output {
    let args = [
        "compare",
        s(a),
        s(b),
        "--labels",
        "before,after",
        "--out",
        s(out_dir),
    ];
    let out = migprobe(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    out
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn table_has_deltas_and_labels() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a", &edited(200.0, 100.0));
    let b = write(dir.path(), "b", &edited(245.0, 110.0));
    let out = migprobe(&["compare", s(&a), s(&b), "--labels", "before,after"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let first = stdout.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        "after is 45 ms (+23 %) slower than before in network downtime; evidence thin: 1 migration each"
    );
    let header = stdout.lines().nth(2).unwrap_or_default();
    for col in ["figure", "before", "after", "Δ after"] {
        assert!(header.contains(col), "{header}");
    }
    for want in [
        "+45 ms (+23 %)",
        "+10 ms (+10 %)",
        "199.5 ms – 200.5 ms",
        "1 migration each: evidence is thin",
        "RTT p99 2001:db8::10",
        "storage copy",
        "lost probes in the headline outage",
    ] {
        assert!(stdout.contains(want), "{want:?} missing in\n{stdout}");
    }
    // Without --labels: the directory names.
    let out = migprobe(&["compare", s(&a), s(&b)]);
    assert!(text(&out.stdout).starts_with("b is 45 ms (+23 %) slower than a"));
}

#[test]
fn migrations_arrays_clear_shift_and_none() {
    let dir = tempfile::tempdir().unwrap();
    let base: Vec<f64> = (0..10).map(|i| 200.0 + 10.0 * f64::from(i)).collect();
    let shifted: Vec<f64> = base.iter().map(|x| x + 400.0).collect();
    let same: Vec<f64> = base.iter().rev().map(|x| x + 1.0).collect();
    let a = write(dir.path(), "base", &repeated(&base));
    let b = write(dir.path(), "slow", &repeated(&shifted));
    let c = write(dir.path(), "same", &repeated(&same));
    let out = migprobe(&["compare", s(&a), s(&b), s(&c)]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let verdict = stdout.lines().next().unwrap_or_default();
    // The verdict leaves each run's first migration out (warm-up): 9 vs 9.
    assert!(
        verdict.starts_with("slow is 400 ms (+160 %) slower than base in median network downtime, \
             significantly more than the margin of 50 ms (20 % of base's median, at least 30 ms): \
             a regression (one-sided Mann–Whitney p < 0.001 on slow less the margin; 95 % CI of the median difference +"),
        "{verdict}"
    );
    assert!(
        verdict.contains(". same is 9 ms (-3.6 %) faster than base in median network downtime, \
             not significantly more than the margin of 50 ms (20 % of base's median, at least 30 ms): \
             no improvement shown (one-sided Mann–Whitney p = "),
        "{verdict}"
    );
    assert!(
        verdict.contains("9 vs 9 migrations, 1 warm-up migration left out of each); it would have caught a regression of +"),
        "{verdict}"
    );
    for want in [
        "245 ms / 290 ms (n=10)",
        "network downtime: verdict",
        "Mann–Whitney p beyond the margin (one-sided)",
        "95 % CI of the median Δ",
        "p < 0.001 (slower, margin 50 ms)",
        "network downtime: smallest regression it would catch",
    ] {
        assert!(stdout.contains(want), "{want:?} missing in\n{stdout}");
    }
    // One migration against ten: still thin.
    let one = write(dir.path(), "one", &edited(250.0, 120.0));
    let out = migprobe(&["compare", s(&one), s(&a)]);
    assert!(
        text(&out.stdout).contains("evidence thin: 1 migration vs 9"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn bad_inputs_exit_2_and_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good", &edited(200.0, 100.0));
    let mut v9 = example();
    v9["schema_version"] = json!(9);
    let v9 = write(dir.path(), "v9", &v9);
    let missing = dir.path().join("nope/report.json");
    let not_dir = dir.path().join("file");
    std::fs::write(&not_dir, "x").unwrap();
    let (_, run_file) = seed_run(dir.path());
    let run_file = s(&run_file);
    let cases: Vec<(Vec<&str>, Vec<String>)> = vec![
        (
            vec![s(&good), s(&missing)],
            vec![
                format!("cannot read report {}", missing.display()),
                "No such file".into(),
            ],
        ),
        (
            vec![s(&good), s(&v9)],
            vec![
                format!("{}: report schema version 9 is not supported", v9.display()),
                "migprobe report RUN.jsonl".into(),
            ],
        ),
        (
            vec![s(&good), s(&good), s(&good), "--labels", "before,after"],
            vec!["--labels \"before,after\": 2 label(s) for 3 report(s)".into()],
        ),
        (
            vec![s(&good), run_file],
            vec![format!(
                "{run_file} is a run file, not a report: run `migprobe report {run_file}` first"
            )],
        ),
        (
            vec![s(&good)],
            vec!["give at least 2 reports to compare".into()],
        ),
        (
            vec![s(&good), s(&good), "--out", s(&not_dir)],
            vec![format!(
                "--out {}: cannot create the directory",
                not_dir.display()
            )],
        ),
    ];
    for (args, wants) in cases {
        let mut all = vec!["compare"];
        all.extend(&args);
        let out = migprobe(&all);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        for want in wants {
            assert!(stderr.contains(&want), "{args:?}: {want:?} not in {stderr}");
        }
    }
}

#[test]
fn svg_and_markdown_without_run_files() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a", &edited(200.0, 100.0));
    let b = write(dir.path(), "b", &edited(245.0, 110.0));
    let out_dir = dir.path().join("cmp/nested");
    compare_before_after(&a, &b, &out_dir);
    let md = std::fs::read_to_string(out_dir.join("compare.md")).unwrap();
    assert!(
        md.starts_with("**after is 45 ms (+23 %) slower than before in network downtime; evidence thin: 1 migration each**"),
        "{md}"
    );
    assert!(md.contains("| figure | before | after | Δ after |"), "{md}");
    assert!(
        md.contains(&format!(
            "no run file (run.jsonl.zst or run.jsonl) next to {} nor in its run_dir",
            a.display()
        )),
        "{md}"
    );
    let svg = std::fs::read_to_string(out_dir.join("compare.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    for want in [
        "before (1 migration)",
        "after (1 migration)",
        "Network downtime across migrations (CDF)",
        "before 200 ms",
        "after 245 ms",
        "RTT around the switchover",
        "no run file (run.jsonl.zst or run.jsonl) next to",
    ] {
        assert!(svg.contains(want), "{want:?} missing in compare.svg");
    }
}

#[test]
fn an_open_ended_downtime_is_noted_as_a_lower_bound() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a", &repeated(&[200.0, 210.0, 190.0]));
    let mut open = repeated(&[200.0, 9000.0, 190.0]);
    open["migrations"][1]["downtime"]["open_end"] = json!(true);
    let b = write(dir.path(), "b", &open);
    let out_dir = dir.path().join("cmp");
    let out = compare_before_after(&a, &b, &out_dir);
    let want = "after: the network downtime of migration 2 is open-ended";
    assert!(text(&out.stderr).contains(want), "{}", text(&out.stderr));
    let md = std::fs::read_to_string(out_dir.join("compare.md")).unwrap();
    assert!(md.contains(want), "{md}");
    assert!(!md.contains("before: the network downtime"), "{md}");
}

#[test]
fn svg_draws_the_traces_from_the_run_files() {
    let dir = tempfile::tempdir().unwrap();
    // A report with its run.jsonl next to it.
    let (report, _) = seed_run(dir.path());
    let out = migprobe(&[
        "compare",
        s(&report),
        s(&report),
        "--labels",
        "one,two",
        "--out",
        s(dir.path()),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("two has the same network downtime as one (4.71 s)"),
        "{stdout}"
    );
    let svg = std::fs::read_to_string(dir.path().join("compare.svg")).unwrap();
    assert!(!svg.contains("not found"), "run files are there");
    assert!(
        svg.contains("one: 4.71 s outage (192.0.2.10)"),
        "outage bar"
    );
    assert!(text(&out.stderr).contains("aligned on the start of its headline outage"));
    // One polyline per unbroken stretch of each trace, plus the CDF steps.
    assert!(svg.matches("<polyline").count() >= 6, "lines drawn");
}
