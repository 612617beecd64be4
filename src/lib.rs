//! migprobe: measures how long a virtual machine is really unreachable during a
//! live migration, and explains why.
//!
//! Pipeline: `probe` (send/receive with kernel timestamps) → `record` (run.jsonl)
//! → `analysis` (pure) → `output`. See `README.md` for the run-file schema.
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod accuracy;
pub mod analysis;
pub mod app;
pub mod bits;
pub mod cli;
pub mod commands;
pub mod compare;
pub mod config;
pub mod events;
pub mod gate;
pub mod output;
pub mod pinglog;
pub mod probe;
pub mod record;
pub mod report;
pub mod stats;
pub mod sys;
pub mod trigger;
pub mod types;
pub mod wire;
