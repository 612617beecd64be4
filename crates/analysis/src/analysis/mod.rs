//! Pure analysis of run data.

pub mod analyze;
pub mod answering;
pub mod backlog;
pub mod campaign;
pub mod clocks;
pub mod downtime;
mod event_fields;
pub mod hist;
mod index_runs;
mod marks;
pub mod model;
pub mod nova;
pub mod outages;
pub mod per_guest;
pub mod per_migration;
mod per_target;
pub mod phases;
pub mod reply_gaps;
pub mod rules;
pub mod sessions;
#[cfg(test)]
mod spilled_tests;
mod tally;
pub mod target_summary;
pub mod unobserved;
pub mod verdict;

pub use analyze::{analyze, analyze_probes, AnalysisOptions};
pub use per_migration::{per_migration, per_migration_probes};
pub use target_summary::{SummaryBuilder, TargetSummary};
