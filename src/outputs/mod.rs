//! Every file a command writes goes through here. A command declares its
//! output paths up front in an [`OutputSet`] (in the style of hyperfine's
//! exporter manager), checks them before anything starts, and creates and
//! writes them with this module only.
//!
//! Rules:
//! - nothing is written through a symbolic link, nor is one removed: a link
//!   at an output path is refused (exit 2), also with `--force`, naming the
//!   link. A directory, device, FIFO or socket there is refused too. A
//!   `--out` *directory* that is itself a link is followed (the user named
//!   it); the files in it may not be links.
//! - finished files (reports, charts, Markdown, JSON, JUnit, imported run
//!   files) are written to a temporary file in the same directory, synced and
//!   renamed into place ([`staged`]): a crash leaves the old file or the new
//!   one, never half of one, and a failed write leaves no temporary file.
//! - streaming files (run.jsonl, trigger.log, `probe`/`events --out`) are
//!   created fresh (`O_CREAT|O_EXCL|O_NOFOLLOW`; an earlier file is removed
//!   first, never truncated) and written as records arrive; their first
//!   write error is kept ([`WriteFailure`]) so the command stops at once.
//! - an earlier result: [`Policy::Fresh`] (a new measurement) refuses a
//!   non-empty one unless `--force`, and then removes it before anything is
//!   written, so no stale report sits beside a new run file;
//!   [`Policy::Replace`] (files made again from their inputs: `report`,
//!   `compare`, `gate --junit`) replaces it.

mod entry;
mod run_dir;
pub(crate) mod staged;
pub(crate) mod stream;

pub(crate) use entry::Entry;
pub(crate) use run_dir::RunDir;
pub(crate) use staged::write_atomic;
pub(crate) use stream::{LogFile, WriteFailure};

use anyhow::{bail, Context, Result};
use migprobe_probe::record::{RunFormat, RunWriter};
use std::fs::File;
use std::path::{Path, PathBuf};

/// What to do with an earlier result at an output path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Policy {
    /// A new measurement: a non-empty earlier file is refused unless `force`.
    Fresh {
        /// `--force` was given.
        force: bool,
    },
    /// A file made again from its inputs: an earlier one is replaced.
    Replace,
}

/// How a file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Record by record, as they arrive.
    Stream,
    /// Whole, through a temporary file and a rename.
    Finished,
}

/// The output paths of one command.
#[derive(Debug, Clone)]
pub(crate) struct OutputSet {
    /// The flag that named them, e.g. `--out`.
    flag: &'static str,
    /// What the flag named: a directory or a file.
    named: PathBuf,
    /// `named` is a directory (created if missing), not a file (whose
    /// directory must exist).
    is_dir: bool,
    policy: Policy,
    files: Vec<(PathBuf, Kind)>,
}

impl OutputSet {
    /// Files inside the directory `dir` (add them with [`OutputSet::with`]).
    pub(crate) fn in_dir(flag: &'static str, dir: &Path, policy: Policy) -> OutputSet {
        OutputSet {
            flag,
            named: dir.to_owned(),
            is_dir: true,
            policy,
            files: Vec::new(),
        }
    }

    /// The run file `--out FILE` of `probe` and `events`, checked now
    /// (nothing touched; `force` lets an earlier one go); `None` without one.
    pub(crate) fn run_file(path: Option<&Path>, force: bool) -> Result<Option<OutputSet>> {
        let Some(path) = path else {
            return Ok(None);
        };
        let set = OutputSet::file("--out", path, Kind::Stream, Policy::Fresh { force });
        set.check()?;
        Ok(Some(set))
    }

    /// Prepares a [`run_file`](Self::run_file) set and creates its file
    /// fresh, for streaming in `format`.
    pub(crate) fn create_run_file(&self, format: RunFormat) -> Result<RunWriter> {
        self.prepare()?;
        self.run_writer(&self.named, format)
    }

    /// The one file `path`.
    pub(crate) fn file(flag: &'static str, path: &Path, kind: Kind, policy: Policy) -> OutputSet {
        OutputSet {
            flag,
            named: path.to_owned(),
            is_dir: false,
            policy,
            files: vec![(path.to_owned(), kind)],
        }
    }

    /// Adds the file `name` of the directory.
    pub(crate) fn with(mut self, name: &str, kind: Kind) -> OutputSet {
        self.files.push((self.named.join(name), kind));
        self
    }

    /// Adds the files `names` of the directory.
    pub(crate) fn with_each<'a>(
        self,
        names: impl IntoIterator<Item = &'a str>,
        kind: Kind,
    ) -> OutputSet {
        names.into_iter().fold(self, |s, n| s.with(n, kind))
    }

    /// Where `path` is, for messages: `--out DIR: DIR/NAME` or `--out FILE`.
    fn at(&self, path: &Path) -> String {
        if path == self.named {
            format!("{} {}", self.flag, path.display())
        } else {
            format!("{} {}: {}", self.flag, self.named.display(), path.display())
        }
    }

    /// Checks every path and touches nothing: a link, directory or special
    /// file is refused, and so is an earlier result under [`Policy::Fresh`]
    /// without `force`. Returns what is there now.
    pub(crate) fn check(&self) -> Result<Vec<Entry>> {
        if self.is_dir && self.named.exists() && !self.named.is_dir() {
            bail!(
                "{} {}: cannot create the directory: a file of that name exists; give the path of a directory",
                self.flag,
                self.named.display()
            );
        }
        let mut entries = Vec::with_capacity(self.files.len());
        for (path, _) in &self.files {
            let entry =
                Entry::at(path).with_context(|| format!("{}: cannot look at it", self.at(path)))?;
            if let Some(why) = entry.refusal() {
                bail!("{} {why}", self.at(path));
            }
            entries.push(entry);
        }
        let earlier: Vec<String> = self
            .files
            .iter()
            .zip(&entries)
            .filter(|(_, e)| matches!(e, Entry::Data(_)))
            .map(|((p, _), _)| {
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        if self.policy == (Policy::Fresh { force: false }) && !earlier.is_empty() {
            bail!(
                "{} {}: holds an earlier run ({}); choose another {}, or add --force to overwrite it",
                self.flag,
                self.named.display(),
                earlier.join(", "),
                if self.is_dir { "directory" } else { "file" }
            );
        }
        Ok(entries)
    }

    /// Checks again, creates the directory (of a set [`in_dir`](Self::in_dir)),
    /// removes earlier files under [`Policy::Fresh`], and proves that every
    /// finished file's directory takes a new file: a bad path fails now, not
    /// after a long run.
    pub(crate) fn prepare(&self) -> Result<()> {
        let entries = self.check()?;
        if self.is_dir {
            std::fs::create_dir_all(&self.named).with_context(|| {
                format!(
                    "{} {}: cannot create the directory",
                    self.flag,
                    self.named.display()
                )
            })?;
        }
        for ((path, kind), entry) in self.files.iter().zip(&entries) {
            if matches!(self.policy, Policy::Fresh { .. }) && *entry != Entry::Missing {
                std::fs::remove_file(path).with_context(|| {
                    format!("{}: cannot remove the earlier file", self.at(path))
                })?;
            }
            if *kind == Kind::Finished {
                staged::Staged::create(path)
                    .with_context(|| format!("{}: cannot write there", self.at(path)))?;
            }
        }
        Ok(())
    }

    /// Creates the streaming file `path` fresh (call after [`OutputSet::prepare`]).
    pub(crate) fn create_stream(&self, path: &Path) -> Result<File> {
        stream::fresh_file(path).with_context(|| format!("{}: cannot create it", self.at(path)))
    }

    /// Creates the run file `path` fresh in `format` (call after [`OutputSet::prepare`]).
    pub(crate) fn run_writer(&self, path: &Path, format: RunFormat) -> Result<RunWriter> {
        RunWriter::from_file_as(self.create_stream(path)?, path, format)
            .with_context(|| format!("{}: cannot write there", self.at(path)))
    }

    /// The paths, in the order added.
    pub(crate) fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|(p, _)| p.as_path())
    }
}

#[cfg(test)]
mod tests;
