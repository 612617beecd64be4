//! The files of one `migprobe run` directory: run.jsonl and trigger.log are
//! streamed; report.json, summary.md and chart.svg are written at the end.

use super::{Kind, LogFile, OutputSet, Policy, WriteFailure};
use anyhow::Result;
use migprobe_analysis::report::Format;
use migprobe_probe::record::{RunFormat, RunWriter};
use std::path::{Path, PathBuf};

/// A run directory.
#[derive(Debug, Clone)]
pub(crate) struct RunDir {
    set: OutputSet,
    format: RunFormat,
}

impl RunDir {
    const TRIGGER: &'static str = "trigger.log";

    /// The directory `dir` (`--out`), its run file in `format`; `force`
    /// overwrites an earlier run (whose run file may be of either format).
    pub(crate) fn new(dir: &Path, force: bool, format: RunFormat) -> RunDir {
        let reports = [Format::Md, Format::Json, Format::Svg].map(Format::file_name);
        let set = OutputSet::in_dir("--out", dir, Policy::Fresh { force })
            .with_each(reports, Kind::Finished)
            .with(format.file_name(), Kind::Stream)
            .with(Self::TRIGGER, Kind::Stream)
            .with(Self::other(format).file_name(), Kind::Stream);
        RunDir { set, format }
    }

    /// The run-file format this run does not write (an earlier run's file in
    /// it is an earlier result too).
    fn other(format: RunFormat) -> RunFormat {
        match format {
            RunFormat::Compact => RunFormat::Jsonl,
            RunFormat::Jsonl => RunFormat::Compact,
        }
    }

    /// Refuses a directory that holds an earlier run (unless `force`) or a
    /// link, directory or special file at one of its files' paths: nothing
    /// is touched. A missing or unrelated directory is fine.
    pub(crate) fn check(&self) -> Result<()> {
        self.set.check().map(drop)
    }

    /// Creates the directory and the two streaming files (an earlier run's
    /// files removed first), so a bad path fails at once. Write errors of
    /// the trigger log go to `failure`.
    pub(crate) fn create(&self, failure: &WriteFailure) -> Result<(RunWriter, LogFile)> {
        self.set.prepare()?;
        let run = self.run_path();
        let writer = self.set.run_writer(&run, self.format)?;
        let log = self.path(Self::TRIGGER);
        let log = LogFile::new(self.set.create_stream(&log)?, &log, failure);
        Ok((writer, log))
    }

    /// The directory.
    pub(crate) fn dir(&self) -> &Path {
        &self.set.named
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir().join(name)
    }

    /// The run file's path.
    pub(crate) fn run_path(&self) -> PathBuf {
        self.path(self.format.file_name())
    }

    /// Paths for the terminal.
    pub(crate) fn list(&self) -> String {
        let other = self.path(Self::other(self.format).file_name());
        self.set
            .paths()
            .filter(|p| *p != other)
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join("  ")
    }
}
