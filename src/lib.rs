//! The `migprobe` command: command line, configuration, the commands, the
//! terminal (live line, printed summaries), the trigger and the migration session.
//!
//! Pipeline: `migprobe-probe` (probe, record) → `migprobe-sources` (events,
//! imports) → `migprobe-analysis` (analysis, report, gate, compare) → this
//! crate, which wires them to files and the terminal. See `README.md`.
//!
//! Dependencies run one way: `app` → `commands` → (`session`, `config`,
//! `terminal`, `trigger`, `outputs`, `prom`) → `cli`, `exit`; `config` → `targets`.
//! `cli` imports neither `config` nor `commands`; `session` does no I/O.

// Output goes through `say!` (stderr) and commands::stdout (stdout), which
// never panic on a closed pipe; `eprintln!`/`println!` do.
#![deny(clippy::print_stderr, clippy::print_stdout)]

pub mod app;
pub mod cli;
pub mod commands;
pub(crate) mod config;
pub mod exit;
pub(crate) mod guests;
pub(crate) mod outputs;
pub(crate) mod prom;
pub(crate) mod session;
pub(crate) mod targets;
pub(crate) mod terminal;
pub(crate) mod trigger;
