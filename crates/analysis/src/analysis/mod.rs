//! Pure analysis of run data.

pub mod analyze;
pub mod answering;
pub mod backlog;
pub mod campaign;
pub mod clocks;
pub mod downtime;
pub mod hist;
mod index_runs;
pub mod model;
pub mod outages;
pub mod per_migration;
pub mod phases;
pub mod rules;
pub mod target_summary;
pub mod unobserved;
pub mod verdict;

pub use analyze::{analyze, AnalysisOptions};
pub use per_migration::per_migration;
pub use target_summary::{SummaryBuilder, TargetSummary};
