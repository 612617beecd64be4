//! The run file: JSON Lines schema, streaming writer, tolerant reader.

pub mod badlines;
pub mod kinds;
pub mod reader;
pub mod schema;
pub mod writer;

pub use badlines::BadLines;
pub use kinds::EventKind;
pub use reader::{read_run, ReadError, RunData};
pub use schema::*;
pub use writer::RunWriter;
