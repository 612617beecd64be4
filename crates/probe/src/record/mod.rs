//! The run file: JSON Lines schema, streaming writer, tolerant reader (which
//! believes only plausible lines: `plausible`), and the reduced probes of a
//! run of any length kept on disk for the analysis (`spill`, read through
//! `probes::Probes`).

pub mod badlines;
pub mod compact;
mod fastline;
pub mod id_map;
pub mod kinds;
mod last_line;
mod plausible;
pub mod probes;
pub mod reader;
pub mod schema;
pub mod spill;
pub mod writer;

pub use badlines::BadLines;
pub use compact::RunFormat;
pub use kinds::EventKind;
pub use plausible::{AGREE_NS, WINDOW_NS};
pub use probes::{ProbeIter, Probes, TargetSubset, Window};
pub use reader::{read_run, read_run_spilled, read_run_within, ReadError, RunData, RunFile};
pub use schema::*;
pub use spill::ProbeStore;
pub use writer::RunWriter;
