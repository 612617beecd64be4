//! `--json` and `--quiet` through the real binary: with `--json` stdout is
//! one JSON document and nothing else (it must parse whole, and match its
//! committed schema under schema/), with `--quiet` stdout is empty; for
//! `report`, `gate`, `compare`, `summary` and (as root) `probe` and `run`.

mod bin;
mod schema_check;

use bin::{migprobe, s, stderr};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

/// Stdout parsed whole as JSON (fails on any other text).
fn json_stdout(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}",
            String::from_utf8_lossy(&o.stdout)
        )
    })
}

/// The seed ping log (a 4.7 s freeze) imported into `dir/NAME/run.jsonl`.
fn imported(dir: &Path, name: &str) -> PathBuf {
    let d = dir.join(name);
    std::fs::create_dir_all(&d).unwrap();
    let run = d.join("run.jsonl");
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ping-seed.txt");
    let o = migprobe(&["import", "ping", fixture, "--out", s(&run)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    run
}

/// A report written by `migprobe report --quiet` (checked to print nothing).
fn report(dir: &Path, name: &str) -> PathBuf {
    let run = imported(dir, name);
    let o = migprobe(&["report", s(&run), "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "report --quiet printed on stdout");
    run.with_file_name("report.json")
}

#[test]
fn report_json_prints_report_json_and_nothing_else() {
    let d = tempfile::tempdir().unwrap();
    let run = imported(d.path(), "a");
    let o = migprobe(&["report", s(&run), "--json", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json_stdout(&o);
    let file: Value =
        serde_json::from_slice(&std::fs::read(run.with_file_name("report.json")).unwrap()).unwrap();
    assert_eq!(v, file, "stdout is report.json");
    assert!(v["schema_version"].is_string() || v["schema_version"].is_number());
    schema_check::assert_valid(&o.stdout);
}

#[test]
fn json_and_quiet_conflict_with_exit_2() {
    let d = tempfile::tempdir().unwrap();
    let run = imported(d.path(), "a");
    let o = migprobe(&["report", s(&run), "--json", "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--json"), "{}", stderr(&o));
}

#[test]
fn gate_json_carries_numbers() {
    let d = tempfile::tempdir().unwrap();
    let r = report(d.path(), "a");
    let args = [s(&r), "--max-downtime", "1s", "--max-loss", "100000"];
    let o = migprobe(&[&["gate"], &args[..], &["--json"]].concat());
    assert_eq!(o.status.code(), Some(1), "a 4.7 s freeze fails 1s");
    let v = json_stdout(&o);
    schema_check::assert_valid_as("gate", &o.stdout);
    assert_eq!(v["pass"], false);
    let c = &v["checks"][0];
    assert_eq!(c["name"], "network downtime");
    assert_eq!(c["measure"]["unit"], "ms");
    assert_eq!(c["measure"]["threshold"].as_f64(), Some(1000.0));
    assert!(c["measure"]["value"].as_f64().unwrap() > 4000.0, "{c}");
    assert_eq!(c["pass"], false);
    assert_eq!(v["checks"][1]["measure"]["unit"], "probes");
    // --format json says the same; --quiet prints nothing, the exit status still tells.
    let f = migprobe(&[&["gate"], &args[..], &["--format", "json"]].concat());
    assert_eq!(json_stdout(&f), v);
    let q = migprobe(&[&["gate"], &args[..], &["--quiet"]].concat());
    assert_eq!(q.status.code(), Some(1));
    assert!(q.stdout.is_empty());
    let m = migprobe(&[&["gate"], &args[..], &["--json", "--format", "md"]].concat());
    assert_eq!(m.status.code(), Some(2));
    assert!(stderr(&m).contains("--format"), "{}", stderr(&m));
}

#[test]
fn summary_json_matches_the_targets_schema() {
    let d = tempfile::tempdir().unwrap();
    let run = imported(d.path(), "a");
    let o = migprobe(&["summary", s(&run), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json_stdout(&o);
    assert!(v[0]["sent"].as_u64().is_some_and(|n| n > 0), "{v}");
    schema_check::assert_valid_as("targets", &o.stdout);
}

#[test]
fn compare_json_and_quiet() {
    let d = tempfile::tempdir().unwrap();
    let (a, b) = (report(d.path(), "a"), report(d.path(), "b"));
    let o = migprobe(&["compare", s(&a), s(&b), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json_stdout(&o);
    schema_check::assert_valid_as("compare", &o.stdout);
    assert_eq!(v["reference"], "a");
    assert_eq!(v["runs"].as_array().map(Vec::len), Some(2));
    let net = &v["metrics"][0];
    assert_eq!(
        (&net["metric"], &net["unit"]),
        (&"network_downtime".into(), &"ms".into())
    );
    assert_eq!(net["runs"][1]["delta"].as_f64(), Some(0.0), "{net}");
    assert!(net["runs"][0]["delta"].is_null());
    let q = migprobe(&["compare", s(&a), s(&b), "--quiet"]);
    assert_eq!(q.status.code(), Some(0), "{}", stderr(&q));
    assert!(q.stdout.is_empty());
}

#[cfg(feature = "root-tests")]
#[test]
fn probe_json_prints_the_final_statistics_only() {
    let o = migprobe(&[
        "probe",
        "127.0.0.1",
        "--count",
        "50",
        "--drain",
        "200ms",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json_stdout(&o);
    assert!(v.to_string().contains("127.0.0.1"), "{v}");
    schema_check::assert_valid_as("targets", &o.stdout);
}

#[test]
fn probe_and_run_refuse_json_with_quiet_before_probing() {
    let probe = migprobe(&["probe", "127.0.0.1", "-c", "1", "--json", "--quiet"]);
    let run = migprobe(&["run", "-t", "127.0.0.1", "--json", "-q", "--", "true"]);
    for o in [probe, run] {
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("--json"), "{}", stderr(&o));
    }
}

#[test]
fn run_csv_on_a_file_is_refused_before_anything_is_created() {
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let dir = d.path().join("run");
    let o = migprobe(&[
        "run",
        "-t",
        "127.0.0.1",
        "--out",
        s(&dir),
        "--csv",
        s(&file),
        "--",
        "true",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--csv"), "{}", stderr(&o));
    assert!(!dir.exists(), "nothing created");
}

/// `migprobe run` on loopback for a moment around `trigger`, into `dir`, with
/// `extra` flags; its exit code must be `code`.
#[cfg(feature = "root-tests")]
fn run_with(dir: &Path, extra: &[&str], trigger: &str, code: i32) -> Output {
    let mut a = vec!["run", "-t", "127.0.0.1", "-i", "5ms", "--warmup", "300ms"];
    a.extend(["--cooldown", "200ms", "--drain", "100ms", "--out", s(dir)]);
    a.extend_from_slice(extra);
    a.extend(["--", trigger]);
    let o = migprobe(&a);
    assert_eq!(o.status.code(), Some(code), "{a:?}: {}", stderr(&o));
    o
}

/// As [`run_with`] around `true`, which succeeds.
#[cfg(feature = "root-tests")]
fn run(dir: &Path, extra: &[&str]) -> Output {
    run_with(dir, extra, "true", 0)
}

#[cfg(feature = "root-tests")]
#[test]
fn run_json_prints_the_report_of_a_failed_trigger_too() {
    let d = tempfile::tempdir().unwrap();
    let o = run_with(&d.path().join("f"), &["--json"], "false", 1);
    let v = json_stdout(&o);
    schema_check::assert_valid(&o.stdout);
    assert_eq!(v["migration"]["result"], "failed", "{v}");
    assert_eq!(v["trigger"]["exit_code"], 1, "{v}");
}

#[cfg(feature = "root-tests")]
#[test]
fn run_json_prints_report_json_only_and_csv_writes_report_csv_tables() {
    let d = tempfile::tempdir().unwrap();
    let (dir, tables) = (d.path().join("r"), d.path().join("tables"));
    let o = run(&dir, &["--json", "--csv", s(&tables)]);
    let v = json_stdout(&o);
    schema_check::assert_valid(&o.stdout);
    let file: Value = serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap())
        .expect("report.json");
    assert_eq!(v, file, "stdout is report.json");
    assert!(
        stderr(&o).contains("probes.csv"),
        "files on stderr: {}",
        stderr(&o)
    );
    // The same tables as `report --csv` on the run file (found in the run directory).
    let again = d.path().join("again");
    let run_file = dir.to_path_buf();
    let r = migprobe(&[
        "report",
        s(&run_file),
        "--out",
        s(&again),
        "--csv",
        s(&again),
        "-q",
    ]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    for f in ["outages.csv", "migrations.csv", "probes.csv"] {
        let (a, b) = (std::fs::read(tables.join(f)), std::fs::read(again.join(f)));
        assert_eq!(
            a.expect(f),
            b.expect(f),
            "{f}: run --csv and report --csv agree"
        );
    }
}

#[cfg(feature = "root-tests")]
#[test]
fn run_quiet_and_probe_quiet_print_nothing_on_stdout() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("q");
    let o = run(&dir, &["--quiet"]);
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(dir.join("report.json").is_file());
    let text = run(&d.path().join("t"), &[]);
    let out = String::from_utf8_lossy(&text.stdout);
    assert!(out.contains("files: "), "the summary and the files: {out}");
    let p = migprobe(&[
        "probe",
        "127.0.0.1",
        "-c",
        "20",
        "-i",
        "5ms",
        "--drain",
        "100ms",
        "-q",
    ]);
    assert_eq!(p.status.code(), Some(0), "{}", stderr(&p));
    assert!(
        p.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&p.stdout)
    );
}
