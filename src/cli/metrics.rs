//! The Prometheus flags: the final figures (`report`, `run`, `probe`) and
//! the live endpoint (`run`, `probe`).

use clap::Args;
use std::path::PathBuf;

/// `--metrics-file PATH`, `--push URL [--push-job NAME] [--push-instance NAME]`,
/// `--metrics-campaign NAME`.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct MetricsArgs {
    /// Also write the final figures as a Prometheus text exposition (for
    /// node_exporter's textfile collector), atomically: temporary file, then rename.
    #[arg(long, value_name = "PATH")]
    pub(crate) metrics_file: Option<PathBuf>,
    /// Also push the final figures to a Prometheus Pushgateway at this plain-HTTP URL
    /// (http://host:9091); a failed push is an error once every file is written.
    #[arg(long, value_name = "URL")]
    pub(crate) push: Option<String>,
    /// The `job` of the pushed group.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "migprobe",
        requires = "push"
    )]
    pub(crate) push_job: String,
    /// The `instance` of the pushed group [default: the prober's host name].
    #[arg(long, value_name = "NAME", requires = "push")]
    pub(crate) push_instance: Option<String>,
    /// The `campaign` label of the metrics (default: the run directory's name); given,
    /// it is also part of the pushed group (one group per campaign).
    #[arg(long, value_name = "NAME")]
    pub(crate) metrics_campaign: Option<String>,
}

/// `--listen ADDR [--listen-linger DURATION]`.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct ListenArgs {
    /// Serve live Prometheus metrics on http://ADDR/metrics while probing, e.g.
    /// 127.0.0.1:9465: per-target counters, RTT histogram, current outage, phase.
    #[arg(long, value_name = "ADDR")]
    pub(crate) listen: Option<String>,
    /// After the run, keep serving the final figures this long (Ctrl-C ends it sooner).
    #[arg(long, value_name = "DURATION", requires = "listen")]
    pub(crate) listen_linger: Option<String>,
}
