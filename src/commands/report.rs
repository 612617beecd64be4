//! `migprobe report` and the output files of `migprobe run`: analysis of a run
//! file rendered as report.json, summary.md and chart.svg.

use super::csv::CsvOut;
use super::metrics::MetricsOut;
use crate::cli::ReportArgs;
use crate::config::input_limits;
use crate::exit::ExitCode;
use crate::outputs::{write_atomic, Kind, OutputSet, Policy, RunDir};
use anyhow::{Context, Result};
use migprobe_analysis::analysis::{analyze_probes, per_migration_probes, AnalysisOptions};
use migprobe_analysis::report::{self, Format};
use migprobe_probe::input::Limits;
use migprobe_probe::record::{compact, read_run_spilled, RunFile};
use migprobe_probe::redact::redact;
use std::path::{Path, PathBuf};

/// Width of the chart in pixels.
pub(crate) const CHART_WIDTH: u32 = 1200;

/// Analyses `run_path` (read within `limits`; skipped lines are warned about
/// and noted in the reports) and writes the wanted formats into `dir`;
/// returns every rendered output and the run.
///
/// Memory does not grow with the run's length: the probes are kept reduced
/// on disk ([`read_run_spilled`]) and scanned by the analysis and the chart.
pub(crate) fn render_into(
    run_path: &Path,
    limits: Limits,
    dir: &Path,
    formats: &[Format],
    argv: &[String],
    metrics: Option<&MetricsOut>,
) -> Result<(report::Outputs, RunFile)> {
    let file = read_run_spilled(run_path, limits)?;
    let (run, probes) = (&file.run, &file.probes);
    super::warn_skipped(run);
    let opts = AnalysisOptions::default();
    let analysis = analyze_probes(run, probes, &opts);
    let migrations = per_migration_probes(run, probes, &opts);
    // The command line goes into the reports: without its secrets.
    let argv: Vec<String> = argv.iter().map(|a| redact(a).into_owned()).collect();
    let meta = report::ReportMeta::new(dir, &argv, run);
    let out = report::render_campaign_probes(&analysis, &migrations, probes, &meta, CHART_WIDTH);
    probes
        .check()
        .with_context(|| format!("analysing {}", run_path.display()))?;
    for &f in formats {
        write_atomic(&dir.join(f.file_name()), out.bytes(f))?;
    }
    if let Some(m) = metrics {
        m.write(&out.report)?;
    }
    Ok((out, file))
}

/// Writes report.json, summary.md and chart.svg of a finished `run` (its own
/// run file: no size cap), and its `--metrics-file`; returns the rendered
/// outputs and the run.
pub(crate) fn write_outputs(
    files: &RunDir,
    argv: &[String],
    metrics: Option<&MetricsOut>,
) -> Result<(report::Outputs, RunFile)> {
    let limits = Limits::OWN_RUN_FILE;
    render_into(
        &files.run_path(),
        limits,
        files.dir(),
        &Format::ALL,
        argv,
        metrics,
    )
}

/// report.json's text, for `--json` on stdout.
pub(crate) fn json_text(out: &report::Outputs) -> Result<String> {
    String::from_utf8(out.json.clone()).context("report.json is not UTF-8")
}

/// `migprobe report RUN.jsonl [--out DIR] [--format json,svg,md] [--csv DIR] [--json|--quiet]`.
pub(crate) fn execute(a: &ReportArgs) -> Result<ExitCode> {
    let formats = report::parse_formats(&a.format)
        .map_err(|e| anyhow::anyhow!("--format {:?}: {e}", a.format))?;
    let limits = input_limits(&a.caps, Limits::RUN_FILE)?;
    let run_path = compact::resolve(&a.run).map_err(|e| anyhow::anyhow!(e))?;
    let dir = match &a.out {
        Some(d) => d.clone(),
        None => run_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(".")),
    };
    OutputSet::in_dir("--out", &dir, Policy::Replace)
        .with_each(formats.iter().map(|f| f.file_name()), Kind::Finished)
        .prepare()?;
    let metrics = MetricsOut::from_args(&a.metrics, &run_path, false)?;
    let argv: Vec<String> = std::env::args().collect();
    let csv = CsvOut::from_flag(a.csv.as_deref());
    csv.as_ref().map(CsvOut::prepare).transpose()?;
    let (out, run) = render_into(&run_path, limits, &dir, &formats, &argv, metrics.as_ref())?;
    csv.as_ref().map(|c| c.write(&out, &run)).transpose()?;
    super::stdout::emit(a.stdout, || out.markdown.clone(), || json_text(&out))?;
    let csv_files = csv.iter().flat_map(CsvOut::paths);
    let names: Vec<String> = formats
        .iter()
        .map(|f| dir.join(f.file_name()))
        .chain(csv_files)
        .chain(
            metrics
                .iter()
                .filter_map(|m| m.path())
                .map(Path::to_path_buf),
        )
        .map(|p| p.display().to_string())
        .collect();
    crate::say!("migprobe: wrote {}", names.join("  "));
    metrics.map(|m| m.push(&out.report)).transpose()?;
    Ok(ExitCode::Ok)
}
