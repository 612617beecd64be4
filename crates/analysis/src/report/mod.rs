//! Renderers of an [`Analysis`]: report.json ([`json`]), summary.md
//! ([`markdown`]), chart.svg ([`svg`]) and, from report.json's document,
//! metrics.prom ([`metrics`]). Pure: they return bytes, the caller
//! owns the files.
//!
//! Crate-internal helpers: `text` (numbers as text for people), `verdict`
//! (the sentences read first), `series` and `draw` (chart data and drawing
//! primitives, shared with `compare`), `campaign` (the parts added for a run
//! of several migrations), `meta` ([`ReportMeta`]). Imports point one way: `json` uses no other
//! renderer, and nothing here uses `compare` or `gate`.

mod campaign;
pub mod csv;
pub(crate) mod draw;
pub mod json;
pub mod markdown;
mod meta;
pub mod metrics;
pub(crate) mod series;
pub mod svg;
pub(crate) mod text;
pub(crate) mod verdict;

use crate::analysis::model::Analysis;
use migprobe_probe::record::{Probes, RunData};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

pub use json::{Report, ReportError, REPORT_SCHEMA_VERSION};
pub use meta::ReportMeta;

/// One output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// report.json.
    Json,
    /// chart.svg.
    Svg,
    /// summary.md.
    Md,
}

impl Format {
    /// Every format, in the order the files are usually listed.
    pub const ALL: [Format; 3] = [Format::Json, Format::Svg, Format::Md];

    /// The name used on the command line.
    fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Svg => "svg",
            Format::Md => "md",
        }
    }

    /// The file this format is written to.
    pub const fn file_name(self) -> &'static str {
        match self {
            Format::Json => "report.json",
            Format::Svg => "chart.svg",
            Format::Md => "summary.md",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A format name that is not one of json, svg, md.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FormatError {
    /// Unknown name.
    #[error("unknown format {0:?}: expected a comma-separated list of json, svg, md")]
    Unknown(String),
    /// Nothing listed.
    #[error("no format given: expected a comma-separated list of json, svg, md")]
    Empty,
}

impl FromStr for Format {
    type Err = FormatError;
    fn from_str(s: &str) -> Result<Format, FormatError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json" => Ok(Format::Json),
            "svg" => Ok(Format::Svg),
            "md" | "markdown" => Ok(Format::Md),
            _ => Err(FormatError::Unknown(s.trim().to_owned())),
        }
    }
}

/// Parses "json,svg,md" (any order, spaces allowed, duplicates dropped, order kept).
pub fn parse_formats(list: &str) -> Result<Vec<Format>, FormatError> {
    let mut out = Vec::new();
    for part in list.split(',').filter(|p| !p.trim().is_empty()) {
        let f: Format = part.parse()?;
        if !out.contains(&f) {
            out.push(f);
        }
    }
    if out.is_empty() {
        return Err(FormatError::Empty);
    }
    Ok(out)
}

/// The three outputs of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Outputs {
    /// report.json.
    pub json: Vec<u8>,
    /// summary.md.
    pub markdown: String,
    /// chart.svg.
    pub svg: Vec<u8>,
    /// The document `json` holds (for [`metrics::render`]).
    pub report: Report,
}

impl Outputs {
    /// The bytes of one format.
    pub fn bytes(&self, f: Format) -> &[u8] {
        match f {
            Format::Json => &self.json,
            Format::Svg => &self.svg,
            Format::Md => self.markdown.as_bytes(),
        }
    }
}

/// As [`render_all`], for a run with several migrations (one analysis each,
/// as [`per_migration`](crate::analysis::per_migration()) makes them): the
/// whole run `a` is seen migration by migration ([`merge`](crate::analysis::campaign::merge): phases,
/// outages and progress per migration, the worst migration's headline);
/// report.json gains `migrations` and `distribution`, summary.md a table, and
/// chart.svg the per-migration panels.
pub fn render_campaign(
    a: &Analysis,
    migrations: &[Analysis],
    run: &RunData,
    meta: &ReportMeta,
    width: u32,
) -> Outputs {
    render_campaign_probes(a, migrations, &run.probes.as_slice(), meta, width)
}

/// [`render_campaign`] with the run's probes kept elsewhere (see
/// [`svg::render_probes`]).
pub fn render_campaign_probes(
    a: &Analysis,
    migrations: &[Analysis],
    probes: &dyn Probes,
    meta: &ReportMeta,
    width: u32,
) -> Outputs {
    if migrations.is_empty() {
        return render_all_probes(a, probes, meta, width);
    }
    let merged = crate::analysis::campaign::merge(a, migrations);
    let a = &merged;
    let (entries, dist) = campaign::entries(migrations);
    let mut markdown = markdown::render(a, meta);
    markdown.push_str(&campaign::markdown(&entries, &dist));
    let chart = svg::Campaign {
        entries: &entries,
        distribution: &dist,
    };
    let svg = svg::render_probes(a, probes, Some(&chart), width);
    let mut r = json::build(a, meta);
    r.migrations = entries
        .iter()
        .filter_map(|e| serde_json::to_value(e).ok())
        .collect();
    r.distribution = Some(dist);
    Outputs {
        json: json::render(&r),
        markdown,
        svg,
        report: r,
    }
}

/// Renders report.json, summary.md and chart.svg (`width` px wide).
pub fn render_all(a: &Analysis, run: &RunData, meta: &ReportMeta, width: u32) -> Outputs {
    render_all_probes(a, &run.probes.as_slice(), meta, width)
}

/// [`render_all`] with the run's probes kept elsewhere.
fn render_all_probes(a: &Analysis, probes: &dyn Probes, meta: &ReportMeta, width: u32) -> Outputs {
    let report = json::build(a, meta);
    Outputs {
        json: json::render(&report),
        markdown: markdown::render(a, meta),
        svg: svg::render_probes(a, probes, None, width),
        report,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_lists() {
        assert_eq!(
            parse_formats("json,svg,md").unwrap(),
            vec![Format::Json, Format::Svg, Format::Md]
        );
        assert_eq!(
            parse_formats(" md , JSON,md").unwrap(),
            vec![Format::Md, Format::Json]
        );
        let e = parse_formats("json,pdf").unwrap_err();
        assert_eq!(e, FormatError::Unknown("pdf".into()));
        assert!(e.to_string().contains("\"pdf\""), "{e}");
        assert_eq!(parse_formats(" , ").unwrap_err(), FormatError::Empty);
    }
}
