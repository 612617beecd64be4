//! The final figures for Prometheus (see
//! [`migprobe_analysis::report::metrics`]): `--metrics-file`, written through
//! the output manager (the path checked before the analysis: no link, no
//! directory; the file replaced atomically), and `--push`, sent to a
//! Pushgateway once every file is written. The live endpoint is [`listen`].

pub(crate) mod listen;

use crate::cli::MetricsArgs;
use crate::outputs::{write_atomic, Kind, OutputSet, Policy};
use crate::prom::push::PushTarget;
use anyhow::{bail, Result};
use listen::Listening;
use migprobe_analysis::analysis::{analyze_probes, AnalysisOptions};
use migprobe_analysis::report::metrics::{self, MetricsLabels};
use migprobe_analysis::report::{json, Report, ReportMeta};
use migprobe_probe::input::Limits;
use migprobe_probe::record::read_run_spilled;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicUsize;

/// Where the final figures go, with which labels.
#[derive(Debug, Clone)]
pub(crate) struct MetricsOut {
    /// `--metrics-file`.
    path: Option<PathBuf>,
    /// `--push`.
    push: Option<PushTarget>,
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

/// A name given on the command line: not blank, no control characters.
fn checked_name(flag: &str, v: &str) -> Result<String> {
    if v.trim().is_empty() || v.chars().any(char::is_control) {
        bail!("{flag} {v:?}: give a non-empty name without control characters");
    }
    Ok(v.to_owned())
}

/// This machine's host name ("migprobe" if it has none).
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "migprobe".into())
}

/// The labels of the figures of run file `run`: `--metrics-campaign`, else
/// the run directory's name.
pub(crate) fn labels(a: &MetricsArgs, run: &Path) -> Result<MetricsLabels> {
    let campaign = match &a.metrics_campaign {
        Some(c) => checked_name("--metrics-campaign", c)?,
        None => run_dir_name(run),
    };
    Ok(MetricsLabels::icmp(&campaign))
}

/// `--push URL` with its grouping, if given.
fn push_target(a: &MetricsArgs) -> Result<Option<PushTarget>> {
    let Some(url) = &a.push else {
        return Ok(None);
    };
    let job = checked_name("--push-job", &a.push_job)?;
    let instance = match &a.push_instance {
        Some(i) => checked_name("--push-instance", i)?,
        None => hostname(),
    };
    PushTarget::new(url, &job, &instance, a.metrics_campaign.as_deref()).map(Some)
}

impl MetricsOut {
    /// From the flags of a command reading or writing the run file `run`:
    /// None without `--metrics-file` and `--push`; the path is checked now (no
    /// link, no directory), before a long analysis or run. `--metrics-campaign`
    /// alone is refused unless `listening` (`--listen` labels with it too).
    pub(crate) fn from_args(
        a: &MetricsArgs,
        run: &Path,
        listening: bool,
    ) -> Result<Option<MetricsOut>> {
        let push = push_target(a)?;
        if a.metrics_file.is_none() && push.is_none() {
            if a.metrics_campaign.is_some() && !listening {
                bail!("--metrics-campaign needs --metrics-file, --push or --listen: it labels their figures");
            }
            return Ok(None);
        }
        let labels = labels(a, run)?;
        if let Some(path) = &a.metrics_file {
            Self::set(path).check()?;
        }
        Ok(Some(MetricsOut {
            path: a.metrics_file.clone(),
            push,
            labels,
        }))
    }

    /// As [`from_args`](Self::from_args) for `probe`, whose final figures are
    /// computed from its run file `out`: `--metrics-file` and `--push` need `--out`.
    pub(crate) fn for_probe(
        a: &MetricsArgs,
        out: Option<&Path>,
        listening: bool,
    ) -> Result<Option<MetricsOut>> {
        match (out, &a.metrics_file, &a.push) {
            (Some(run), _, _) => Self::from_args(a, run, listening),
            (None, None, None) => Self::from_args(a, Path::new("."), listening),
            (None, Some(_), _) => {
                bail!("--metrics-file needs --out FILE: the metrics are computed from the run file")
            }
            (None, None, Some(_)) => {
                bail!("--push needs --out FILE: the pushed figures are computed from the run file")
            }
        }
    }

    /// The output set of the one file `path`.
    fn set(path: &Path) -> OutputSet {
        OutputSet::file("--metrics-file", path, Kind::Finished, Policy::Replace)
    }

    /// Writes the `--metrics-file` of report `r` (checking the path again first).
    pub(crate) fn write(&self, r: &Report) -> Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        Self::set(path).prepare()?;
        write_atomic(path, &metrics::render(r, &labels_for(&self.labels, r)))
    }

    /// Pushes the figures of report `r` to `--push`'s Pushgateway, if given;
    /// says so on stderr.
    pub(crate) fn push(&self, r: &Report) -> Result<()> {
        let Some(p) = &self.push else {
            return Ok(());
        };
        p.push(&metrics::render(r, &labels_for(&self.labels, r)))?;
        crate::say!("migprobe: pushed the final figures to {}", p.shown());
        Ok(())
    }

    /// The `--metrics-file`, for messages.
    pub(crate) fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

/// The end of a run with a `report`: its figures pushed (`--push`) and
/// served on the live endpoint, for `--listen-linger` if asked. A failed push
/// is the error returned, once the linger is over.
pub(crate) fn conclude(
    metrics: Option<&MetricsOut>,
    listening: Option<&Listening>,
    report: Option<&Report>,
    interrupts: &AtomicUsize,
) -> Result<()> {
    let pushed = match (metrics, report) {
        (Some(m), Some(r)) => m.push(r),
        _ => Ok(()),
    };
    if let Some(l) = listening {
        l.conclude(report, interrupts);
    }
    pushed
}

/// The report of the finished run file `run` alone, without the report
/// files (`probe`): its targets' totals and longest outages.
pub(crate) fn report_for_run(run: &Path) -> Result<Report> {
    let file = read_run_spilled(run, Limits::OWN_RUN_FILE)?;
    let a = analyze_probes(&file.run, &file.probes, &AnalysisOptions::default());
    file.probes.check()?;
    let meta = ReportMeta::new(run.parent().unwrap_or(Path::new(".")), &[], &file.run);
    Ok(json::build(&a, &meta))
}

/// `labels` for report `r`: `probe` is its targets' probe kind (`tcp:PORT`,
/// `udp:PORT`; one per run), ICMP when they name none.
pub(crate) fn labels_for(labels: &MetricsLabels, r: &Report) -> MetricsLabels {
    match r.run.targets.iter().find_map(|t| t.probe.clone()) {
        Some(probe) => MetricsLabels {
            probe,
            ..labels.clone()
        },
        None => labels.clone(),
    }
}
