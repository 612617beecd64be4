//! The `migprobe` command: command line, configuration, the commands, live
//! output, the trigger and the migration session.
//!
//! Pipeline: `migprobe-probe` (probe, record) → `migprobe-sources` (events,
//! imports) → `migprobe-analysis` (analysis, report, gate, compare) → this
//! crate, which wires them to files and the terminal. See `README.md`.

pub mod app;
pub mod cli;
pub mod commands;
pub mod config;
pub mod output;
pub mod trigger;
