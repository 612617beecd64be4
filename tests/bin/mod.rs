//! The migprobe binary for the tests that run it without root: one place
//! for running it and for paths as arguments.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs `migprobe ARGS` to completion.
pub fn migprobe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_migprobe"))
        .args(args)
        .output()
        .expect("run migprobe")
}

/// A path as a command-line argument.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Its stderr, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
