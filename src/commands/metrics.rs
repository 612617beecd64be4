//! `--metrics-file`: the report's metrics (see
//! [`migprobe_analysis::report::metrics`]) written through the output
//! manager: the path checked before the analysis (no link, no directory),
//! the file replaced atomically.

use crate::cli::MetricsArgs;
use crate::outputs::{write_atomic, Kind, OutputSet, Policy};
use anyhow::{bail, Result};
use migprobe_analysis::analysis::{analyze, AnalysisOptions};
use migprobe_analysis::report::metrics::{self, MetricsLabels};
use migprobe_analysis::report::{json, Report, ReportMeta};
use migprobe_probe::input::Limits;
use migprobe_probe::record::read_run_within;
use std::path::{Path, PathBuf};

/// Where the metrics go, with which labels.
#[derive(Debug, Clone)]
pub(crate) struct MetricsOut {
    /// The file.
    path: PathBuf,
    /// The labels the report does not know.
    labels: MetricsLabels,
}

/// The name of the directory holding `run` ("migprobe" if it has none).
fn run_dir_name(run: &Path) -> String {
    let dir = match run.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // A run directory not made yet (`run`) has its own name.
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "migprobe".into())
}

impl MetricsOut {
    /// From the flags of a command reading or writing the run file `run`:
    /// None without `--metrics-file`; the path is checked now (no link, no
    /// directory), before a long analysis or run.
    pub(crate) fn from_args(a: &MetricsArgs, run: &Path) -> Result<Option<MetricsOut>> {
        let Some(path) = &a.metrics_file else {
            return Ok(None);
        };
        let campaign = match &a.metrics_campaign {
            Some(c) if c.trim().is_empty() || c.chars().any(char::is_control) => {
                bail!("--metrics-campaign {c:?}: give a non-empty name without control characters")
            }
            Some(c) => c.clone(),
            None => run_dir_name(run),
        };
        Self::set(path).check()?;
        Ok(Some(MetricsOut {
            path: path.clone(),
            labels: MetricsLabels::icmp(&campaign),
        }))
    }

    /// As [`from_args`](Self::from_args) for `probe`, whose metrics are
    /// computed from its run file `out`: `--metrics-file` needs `--out`.
    pub(crate) fn for_probe(a: &MetricsArgs, out: Option<&Path>) -> Result<Option<MetricsOut>> {
        match (out, &a.metrics_file) {
            (Some(run), _) => Self::from_args(a, run),
            (None, None) => Ok(None),
            (None, Some(_)) => {
                bail!("--metrics-file needs --out FILE: the metrics are computed from the run file")
            }
        }
    }

    /// The output set of the one file `path`.
    fn set(path: &Path) -> OutputSet {
        OutputSet::file("--metrics-file", path, Kind::Finished, Policy::Replace)
    }

    /// Writes the metrics of report `r` (checking the path again first).
    pub(crate) fn write(&self, r: &Report) -> Result<()> {
        Self::set(&self.path).prepare()?;
        write_atomic(&self.path, &metrics::render(r, &self.labels_of(r)))
    }

    /// The labels of report `r`: `probe` is its targets' probe kind
    /// (`tcp:PORT`, `udp:PORT`; one per run), ICMP when they name none.
    fn labels_of(&self, r: &Report) -> MetricsLabels {
        match r.run.targets.iter().find_map(|t| t.probe.clone()) {
            Some(probe) => MetricsLabels {
                probe,
                ..self.labels.clone()
            },
            None => self.labels.clone(),
        }
    }

    /// Writes the metrics of the finished run file `run` alone, without the
    /// report files (`probe`): its targets' totals and longest outages.
    pub(crate) fn write_for_run(&self, run: &Path) -> Result<()> {
        let data = read_run_within(run, Limits::OWN_RUN_FILE)?;
        let a = analyze(&data, &AnalysisOptions::default());
        let meta = ReportMeta::new(run.parent().unwrap_or(Path::new(".")), &[], &data);
        self.write(&json::build(&a, &meta))
    }

    /// The file, for messages.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}
