//! The binary on garbage (issue 12): every command that reads a file exits
//! with status 2 and an error message, never 0, 1 or a panic, when the file
//! is not an input at all (arbitrary bytes, junk text). `import` of virsh
//! event captures is the exception by design: lines it does not understand
//! are counted and reported, so junk imports no events and succeeds.
//!
//! proptest with a fixed seed and no persistence; few cases, each one process.

#[allow(dead_code)] // the file tests only some of the inputs
mod fuzz;

use fuzz::{config, fixture, garbage};
use proptest::prelude::*;
use std::path::Path;
use std::process::Command;

const MIGPROBE: &str = env!("CARGO_BIN_EXE_migprobe");

/// The commands, with `{}` where the garbage file goes.
const COMMANDS: [&[&str]; 9] = [
    &["summary", "{}"],
    &["cat", "{}"],
    &["report", "{}", "--out", "{out}"],
    &["gate", "{}", "--max-downtime", "1s"],
    &["gate", "{good}", "--policy", "{}"],
    &["compare", "{good}", "{}"],
    &["import", "ping", "{}", "--out", "{out}/run.jsonl"],
    &["import", "fping", "{}", "--out", "{out}/run.jsonl"],
    &["import", "ping", "{good-log}", "--out", "{}"],
];

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn garbage_exits_2(bytes in garbage(), which in 0..COMMANDS.len()) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("garbage");
        std::fs::write(&file, &bytes).unwrap();
        let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/examples/report.json");
        let subst = |a: &&str| {
            a.replace("{good-log}", fixture("ping-D.txt").to_str().unwrap())
                .replace("{good}", good.to_str().unwrap())
                .replace("{out}", dir.path().to_str().unwrap())
                .replace("{}", file.to_str().unwrap())
        };
        let args: Vec<String> = COMMANDS[which].iter().map(subst).collect();
        let o = Command::new(MIGPROBE).args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        prop_assert_eq!(o.status.code(), Some(2), "{:?}: {}", args, err);
        prop_assert!(err.starts_with("migprobe: error: "), "{}", err);
    }
}
