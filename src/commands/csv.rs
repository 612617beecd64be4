//! `--csv DIR` of `report` and `run`: outages.csv, migrations.csv and
//! probes.csv, written through the output manager (checked before the
//! analysis or the run, each file replaced atomically).

use crate::outputs::staged::Staged;
use crate::outputs::{write_atomic, Kind, OutputSet, Policy};
use anyhow::{Context, Result};
use migprobe_analysis::report::{self, csv};
use migprobe_probe::record::RunFile;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The directory of the CSV tables.
#[derive(Debug, Clone)]
pub(crate) struct CsvOut {
    dir: PathBuf,
}

impl CsvOut {
    /// The tables of `--csv DIR`, or None without the flag.
    pub(crate) fn from_flag(dir: Option<&Path>) -> Option<CsvOut> {
        dir.map(|d| CsvOut { dir: d.to_owned() })
    }

    /// The output set of the three files.
    fn set(&self) -> OutputSet {
        OutputSet::in_dir("--csv", &self.dir, Policy::Replace).with_each(csv::FILES, Kind::Finished)
    }

    /// Checks the paths and touches nothing (a link, a file where the
    /// directory goes, ...: an error naming `--csv`).
    pub(crate) fn check(&self) -> Result<()> {
        self.set().check().map(drop)
    }

    /// Creates the directory and proves it takes new files.
    pub(crate) fn prepare(&self) -> Result<()> {
        self.set().prepare()
    }

    /// Writes the three tables of the rendered report `out` and its run;
    /// probes.csv is streamed from the run's probe store to its file (memory
    /// does not grow with the run).
    pub(crate) fn write(&self, out: &report::Outputs, run: &RunFile) -> Result<()> {
        let r = report::json::parse(&out.json).context("--csv: reading back report.json")?;
        let tables = [csv::outages(&r), csv::migrations(&r)];
        let probes_csv = self.dir.join(csv::FILES[2]);
        let cannot = || format!("cannot write {}", probes_csv.display());
        let mut staged = Staged::create(&probes_csv).with_context(cannot)?;
        let mut w = BufWriter::with_capacity(1 << 20, staged.file());
        csv::write_probes(&run.probes, &mut w)
            .and_then(|()| w.flush())
            .with_context(cannot)?;
        drop(w);
        run.probes
            .check()
            .context("--csv: reading the probes back")?;
        for (name, text) in csv::FILES.iter().zip(tables) {
            write_atomic(&self.dir.join(name), text.as_bytes())?;
        }
        staged.commit().with_context(cannot)
    }

    /// The files written, for messages.
    pub(crate) fn paths(&self) -> impl Iterator<Item = PathBuf> + '_ {
        csv::FILES.iter().map(|f| self.dir.join(f))
    }
}
