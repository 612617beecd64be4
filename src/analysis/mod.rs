//! Pure analysis of run data.

pub mod model;
pub mod summary;

pub use summary::{SummaryBuilder, TargetSummary};
