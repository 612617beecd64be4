//! Pure analysis of run data.

pub mod analyze;
pub mod backlog;
pub mod campaign;
pub mod downtime;
pub mod hist;
pub mod model;
pub mod outages;
pub mod phases;
pub mod rules;
pub mod summary;
pub mod verdict;

pub use analyze::{analyze, AnalysisOptions};
pub use campaign::per_migration;
pub use summary::{SummaryBuilder, TargetSummary};
