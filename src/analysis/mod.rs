//! Pure analysis of run data.

pub mod summary;

pub use summary::{SummaryBuilder, TargetSummary};
