//! The run file: JSON Lines schema, streaming writer, tolerant reader (which
//! believes only plausible lines: `plausible`).

pub mod badlines;
pub mod compact;
mod fastline;
pub mod kinds;
mod last_line;
mod plausible;
pub mod reader;
pub mod schema;
pub mod writer;

pub use badlines::BadLines;
pub use compact::RunFormat;
pub use kinds::EventKind;
pub use plausible::{AGREE_NS, WINDOW_NS};
pub use reader::{read_run, read_run_within, ReadError, RunData};
pub use schema::*;
pub use writer::RunWriter;
