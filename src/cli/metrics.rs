//! The Prometheus flags shared by `report` (and, later, `run` and `probe`).

use clap::Args;
use std::path::PathBuf;

/// `--metrics-file PATH [--metrics-campaign NAME]`.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct MetricsArgs {
    /// Also write the final figures as a Prometheus text exposition (for
    /// node_exporter's textfile collector), atomically: temporary file, then rename.
    #[arg(long, value_name = "PATH")]
    pub(crate) metrics_file: Option<PathBuf>,
    /// The `campaign` label of those metrics (default: the run directory's name).
    #[arg(long, value_name = "NAME", requires = "metrics_file")]
    pub(crate) metrics_campaign: Option<String>,
}
