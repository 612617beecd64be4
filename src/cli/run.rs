//! What `migprobe run` prints and writes besides its run directory.

use super::StdoutArgs;
use clap::Args;
use std::path::PathBuf;

/// `run`'s stdout and extra tables: the summary (default), report.json
/// (`--json`) or nothing (`--quiet`), and `--csv DIR`.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct RunOutputArgs {
    /// No live status line, no event lines and nothing on stdout (the exit status and the
    /// files written still tell).
    #[arg(short, long)]
    pub(crate) quiet: bool,
    /// Print report.json on stdout at the end, and nothing else there (the live line, the
    /// events and the files written go to stderr).
    #[arg(long, conflicts_with = "quiet")]
    pub(crate) json: bool,
    /// Also write outages.csv, migrations.csv and probes.csv into this directory (as
    /// `report --csv`).
    #[arg(long, value_name = "DIR")]
    pub(crate) csv: Option<PathBuf>,
}

impl RunOutputArgs {
    /// What goes to stdout.
    pub(crate) fn stdout(&self) -> StdoutArgs {
        StdoutArgs {
            json: self.json,
            quiet: self.quiet,
        }
    }
}
