//! metrics.prom: a report's final figures as a Prometheus / OpenMetrics text
//! exposition, for node_exporter's textfile collector. Pure: it returns
//! bytes, the caller owns the file.
//!
//! Every metric is a gauge named `migprobe_<subject>_<what>[_<unit>]`
//! (seconds as the base unit, counts of one run are gauges, not `_total`
//! counters): per migration (`migprobe_migration_*`, labelled with its index
//! and headline target), per target (`migprobe_target_*`) and the run's span
//! (`migprobe_run_*`). Every sample carries `domain`, `source`,
//! `destination` (the hypervisor hosts), `campaign` and `probe`. The figures
//! are report.json's (`families`, `migrations`), the text is written by `text`, and
//! [`check`] reads it back. [`live`] renders the figures of a session still
//! probing (counters, an RTT histogram, the current outage) for `--listen`.

mod families;
pub mod live;
mod migrations;
mod parse;
mod text;

pub use migrations::RESULTS;
pub use parse::{check, ParsedSample};

use crate::report::json::Report;

/// The labels a report does not know: chosen by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsLabels {
    /// The campaign: a name given by the user, else the run directory's name.
    pub campaign: String,
    /// The probe kind ("icmp").
    pub probe: String,
}

impl MetricsLabels {
    /// ICMP echo probes of campaign `campaign`.
    pub fn icmp(campaign: &str) -> MetricsLabels {
        MetricsLabels {
            campaign: campaign.to_owned(),
            probe: "icmp".into(),
        }
    }
}

/// The text exposition of report `r`.
pub fn render(r: &Report, labels: &MetricsLabels) -> Vec<u8> {
    text::write(&families::families(r, labels))
}
