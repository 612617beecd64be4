//! What the `migprobe gate` tests share: the binary run in a directory,
//! reports made from tests/fixtures/gate/report-v0.1.json (one migration, or a
//! `migrations` array), temp dirs and an exit-code-and-text check.

#![allow(dead_code)] // each test file uses some of it

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

pub const MIGPROBE: &str = env!("CARGO_BIN_EXE_migprobe");
pub const EXAMPLE: &str = include_str!("../fixtures/gate/report-v0.1.json");

pub fn example() -> Value {
    serde_json::from_str(EXAMPLE).expect("example report is JSON")
}

pub fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/gate")
        .join(name)
        .display()
        .to_string()
}

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn gate_in(dir: &Path, args: &[&str]) -> Out {
    run_in(dir, "gate", args)
}

/// `migprobe SUBCOMMAND ARGS...` run in `dir`.
pub fn run_in(dir: &Path, subcommand: &str, args: &[&str]) -> Out {
    let o = Command::new(MIGPROBE)
        .arg(subcommand)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run migprobe");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

pub fn gate(args: &[&str]) -> Out {
    gate_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

pub fn write(dir: &tempfile::TempDir, name: &str, v: &Value) -> String {
    let p: PathBuf = dir.path().join(name);
    std::fs::write(&p, serde_json::to_vec_pretty(v).unwrap()).unwrap();
    p.display().to_string()
}

pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// The example with a `migrations` array, one entry per network downtime.
pub fn with_migrations(network_ms: &[f64]) -> Value {
    let mut r = example();
    r["migrations"] = Value::Array(
        network_ms
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                json!({
                    "index": i,
                    "result": "completed",
                    "trigger_exit_code": 0,
                    "downtime": { "network_ms": v, "hypervisor_ms": v / 2.0, "class": "mixed" }
                })
            })
            .collect(),
    );
    r
}

pub fn with_network(ms: f64) -> Value {
    let mut r = example();
    r["downtime"]["network_ms"] = json!(ms);
    r
}

#[track_caller]
pub fn expect(o: &Out, code: i32, needles: &[&str]) {
    let all = format!("{}{}", o.stdout, o.stderr);
    assert_eq!(
        o.code, code,
        "exit code\nstdout:\n{}\nstderr:\n{}",
        o.stdout, o.stderr
    );
    for n in needles {
        assert!(all.contains(n), "missing {n:?} in\n{all}");
    }
}
