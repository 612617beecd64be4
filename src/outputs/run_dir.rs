//! The files of one `migprobe run` directory: run.jsonl and trigger.log are
//! streamed; report.json, summary.md and chart.svg are written at the end.

use super::{Kind, LogFile, OutputSet, Policy, WriteFailure};
use anyhow::Result;
use migprobe_analysis::report::Format;
use migprobe_probe::record::RunWriter;
use std::path::{Path, PathBuf};

/// A run directory.
#[derive(Debug, Clone)]
pub(crate) struct RunDir {
    set: OutputSet,
}

impl RunDir {
    const RUN: &'static str = "run.jsonl";
    const TRIGGER: &'static str = "trigger.log";

    /// The directory `dir` (`--out`); `force` overwrites an earlier run.
    pub(crate) fn new(dir: &Path, force: bool) -> RunDir {
        let reports = [Format::Md, Format::Json, Format::Svg].map(Format::file_name);
        let set = OutputSet::in_dir("--out", dir, Policy::Fresh { force })
            .with_each(reports, Kind::Finished)
            .with(Self::RUN, Kind::Stream)
            .with(Self::TRIGGER, Kind::Stream);
        RunDir { set }
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
        let writer = self.set.run_writer(&run)?;
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
        self.path(Self::RUN)
    }

    /// Paths for the terminal.
    pub(crate) fn list(&self) -> String {
        self.set
            .paths()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join("  ")
    }
}
