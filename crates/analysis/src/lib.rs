//! migprobe's analysis and outputs: the pure stages after the run file.
//!
//! - [`analysis`]: outages with error brackets, migration phases, downtime
//!   attribution, per-target summaries;
//! - [`stats`]: quantiles, Mann–Whitney, bootstrap;
//! - [`baseline`]: the one rule that says whether a campaign regressed against
//!   its baseline (margin, warm-up, drift, power), for `gate` and `compare`;
//! - [`report`]: report.json, summary.md and chart.svg (renderers return bytes);
//! - [`gate`]: thresholds, policies and baselines → verdicts (text, Markdown,
//!   JSON, JUnit);
//! - [`compare`]: runs side by side (table, Markdown, charts);
//! - [`schemas`]: the JSON Schemas of every machine-readable output;
//! - [`text_table`]: aligned terminal tables (for `compare` and `gate`).
//!
//! No file or network I/O happens here except reading files named by the caller.

// Nothing here prints: a closed stdout/stderr must never panic a run.
#![deny(clippy::print_stderr, clippy::print_stdout)]

pub mod analysis;
pub mod baseline;
pub mod compare;
pub mod gate;
pub mod report;
pub mod schemas;
pub mod stats;
pub mod text_table;
