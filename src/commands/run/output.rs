//! The end of a run on stdout and in `--csv DIR`: the summary and the files
//! written (default), report.json alone (`--json`) or nothing (`--quiet`),
//! by the same code paths as `migprobe report`.

use crate::cli::{RunOutputArgs, StdoutArgs};
use crate::commands::csv::CsvOut;
use crate::commands::report::json_text;
use crate::commands::stdout;
use crate::outputs::RunDir;
use anyhow::Result;
use migprobe_analysis::report;
use migprobe_probe::record::RunFile;

/// What a run prints and which tables it adds.
pub(super) struct RunOutput {
    mode: StdoutArgs,
    csv: Option<CsvOut>,
}

impl RunOutput {
    /// From the flags; `--csv DIR` is checked now, touching nothing.
    pub(super) fn check(a: &RunOutputArgs) -> Result<RunOutput> {
        let csv = CsvOut::from_flag(a.csv.as_deref());
        csv.as_ref().map(CsvOut::check).transpose()?;
        Ok(RunOutput {
            mode: a.stdout(),
            csv,
        })
    }

    /// Creates the `--csv` directory and proves it takes files (with the run's own files).
    pub(super) fn prepare(&self) -> Result<()> {
        self.csv.as_ref().map(CsvOut::prepare).transpose().map(drop)
    }

    /// Writes the tables, then prints the summary, report.json or nothing; the
    /// list of files goes to stdout after the summary, else to stderr.
    pub(super) fn finish(
        &self,
        files: &RunDir,
        out: &report::Outputs,
        run: &RunFile,
    ) -> Result<()> {
        self.csv.as_ref().map(|c| c.write(out, run)).transpose()?;
        let csv = self.csv.iter().flat_map(CsvOut::paths);
        let list: Vec<String> = std::iter::once(files.list())
            .chain(csv.map(|p| p.display().to_string()))
            .collect();
        let list = list.join("  ");
        let text = || format!("{}\nfiles: {list}\n", out.markdown);
        stdout::emit(self.mode, text, || json_text(out))?;
        if self.mode.json || self.mode.quiet {
            crate::say!("migprobe: wrote {list}");
        }
        Ok(())
    }
}
