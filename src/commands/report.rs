//! `migprobe report` and the output files of `migprobe run`: analysis of a run
//! file rendered as report.json, summary.md and chart.svg.

use crate::cli::ReportArgs;
use crate::config::input_limits;
use crate::exit::ExitCode;
use anyhow::{Context, Result};
use migprobe_analysis::analysis::{analyze, AnalysisOptions};
use migprobe_analysis::report::{self, Format};
use migprobe_probe::input::Limits;
use migprobe_probe::record::{read_run_within, RunWriter};
use migprobe_probe::redact::redact;
use std::fs::File;
use std::path::{Path, PathBuf};

/// Width of the chart in pixels.
pub(crate) const CHART_WIDTH: u32 = 1200;

/// The files of one run directory.
#[derive(Debug, Clone)]
pub(crate) struct OutputFiles {
    dir: PathBuf,
}

impl OutputFiles {
    const RUN: &'static str = "run.jsonl";
    const TRIGGER: &'static str = "trigger.log";
    const JSON: &'static str = Format::Json.file_name();
    const MD: &'static str = Format::Md.file_name();
    const SVG: &'static str = Format::Svg.file_name();

    /// Refuses a `dir` that holds an earlier run (any of the output files,
    /// not empty) unless `force`: nothing is touched. A missing or unrelated
    /// directory is fine.
    pub(crate) fn check_free(dir: &Path, force: bool) -> Result<()> {
        let names = [Self::RUN, Self::JSON, Self::MD, Self::SVG, Self::TRIGGER];
        let held: Vec<&str> = names
            .into_iter()
            .filter(|n| super::holds_data(&dir.join(n)))
            .collect();
        if held.is_empty() || force {
            return Ok(());
        }
        anyhow::bail!(
            "--out {}: holds an earlier run ({}); choose another directory, or add --force to overwrite it",
            dir.display(),
            held.join(", ")
        )
    }

    /// Creates `dir` and every output file (empty) now, so a bad path fails at once.
    pub(crate) fn create(dir: &Path) -> Result<OutputFiles> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("--out {}: cannot create the directory", dir.display()))?;
        let f = OutputFiles {
            dir: dir.to_owned(),
        };
        for name in [Self::RUN, Self::JSON, Self::MD, Self::SVG, Self::TRIGGER] {
            File::create(f.path(name))
                .with_context(|| format!("--out: cannot create {}", f.path(name).display()))?;
        }
        Ok(f)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The run file's path.
    pub(crate) fn run_path(&self) -> PathBuf {
        self.path(Self::RUN)
    }

    /// The run file, for streaming.
    pub(crate) fn run_writer(&self) -> Result<RunWriter> {
        RunWriter::create(&self.run_path())
            .with_context(|| format!("cannot create {}", self.run_path().display()))
    }

    /// The trigger's output log.
    pub(crate) fn trigger_log(&self) -> Result<File> {
        let p = self.path(Self::TRIGGER);
        File::create(&p).with_context(|| format!("cannot create {}", p.display()))
    }

    /// Paths for the terminal.
    pub(crate) fn list(&self) -> String {
        [Self::MD, Self::JSON, Self::SVG, Self::RUN, Self::TRIGGER]
            .iter()
            .map(|n| self.path(n).display().to_string())
            .collect::<Vec<_>>()
            .join("  ")
    }
}

/// Analyses `run_path` (read within `limits`; skipped lines are warned about
/// and noted in the reports) and writes the wanted formats into `dir`;
/// returns summary.md's text.
pub(crate) fn render_into(
    run_path: &Path,
    limits: Limits,
    dir: &Path,
    formats: &[Format],
    argv: &[String],
) -> Result<String> {
    let run = read_run_within(run_path, limits)?;
    super::warn_skipped(&run);
    let opts = AnalysisOptions::default();
    let analysis = analyze(&run, &opts);
    let migrations = migprobe_analysis::analysis::per_migration(&run, &opts);
    // The command line goes into the reports: without its secrets.
    let argv: Vec<String> = argv.iter().map(|a| redact(a).into_owned()).collect();
    let meta = report::ReportMeta::new(dir, &argv, &run);
    let out = report::render_campaign(&analysis, &migrations, &run, &meta, CHART_WIDTH);
    for &f in formats {
        let p = dir.join(f.file_name());
        std::fs::write(&p, out.bytes(f))
            .with_context(|| format!("cannot write {}", p.display()))?;
    }
    Ok(out.markdown)
}

/// Writes report.json, summary.md and chart.svg of a finished `run` (its own
/// run file: no size cap).
pub(crate) fn write_outputs(files: &OutputFiles, argv: &[String]) -> Result<String> {
    let limits = Limits::OWN_RUN_FILE;
    render_into(&files.run_path(), limits, &files.dir, &Format::ALL, argv)
}

/// `migprobe report RUN.jsonl [--out DIR] [--format json,svg,md]`.
pub(crate) fn execute(a: &ReportArgs) -> Result<ExitCode> {
    let formats = report::parse_formats(&a.format)
        .map_err(|e| anyhow::anyhow!("--format {:?}: {e}", a.format))?;
    let limits = input_limits(&a.caps, Limits::RUN_FILE)?;
    let dir = match &a.out {
        Some(d) => d.clone(),
        None => a
            .run
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(".")),
    };
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("--out {}: cannot create the directory", dir.display()))?;
    let argv: Vec<String> = std::env::args().collect();
    let summary = render_into(&a.run, limits, &dir, &formats, &argv)?;
    print!("{summary}");
    let names: Vec<String> = formats
        .iter()
        .map(|f| dir.join(f.file_name()).display().to_string())
        .collect();
    eprintln!("migprobe: wrote {}", names.join("  "));
    Ok(ExitCode::Ok)
}
