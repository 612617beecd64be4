//! Finished files: written to a temporary file in the destination's
//! directory, synced, then renamed into place.
//!
//! A crash leaves the old file or the new one, never half of one; a failed
//! write (disk full) removes the temporary file; a link created at the
//! destination meanwhile is replaced by the rename, never followed.

use anyhow::{Context, Result};
use migprobe_probe::record::{RunFormat, RunWriter};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// Temporary names taken by this process so far.
static NEXT: AtomicU32 = AtomicU32::new(0);

/// A file being written under a temporary name, renamed to its destination
/// by [`Staged::commit`]; removed when dropped uncommitted.
#[derive(Debug)]
pub(crate) struct Staged {
    file: File,
    temp: PathBuf,
    dest: PathBuf,
    committed: bool,
}

/// The directory `path` is in (`.` for a bare file name).
pub(crate) fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

impl Staged {
    /// A new, empty temporary file beside `dest`: `.NAME.PID-N.tmp`.
    pub(crate) fn create(dest: &Path) -> io::Result<Staged> {
        let name = dest
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
        let dir = parent_of(dest);
        let mut attempt = 0;
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let mut temp_name = std::ffi::OsString::from(".");
            temp_name.push(name);
            temp_name.push(format!(".{}-{n}.tmp", std::process::id()));
            let temp = dir.join(temp_name);
            match fresh_file(&temp) {
                Ok(file) => {
                    return Ok(Staged {
                        file,
                        temp,
                        dest: dest.to_owned(),
                        committed: false,
                    })
                }
                // A name left by a killed process: take the next one.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
                Err(e) => return Err(e),
            }
        }
    }

    /// The temporary file, to write to.
    pub(crate) fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// A run-file writer on the temporary file (finish it, then commit), in
    /// the format the destination's name asks for (JSON Lines for `.jsonl`,
    /// else compact).
    pub(crate) fn run_writer(&mut self) -> io::Result<RunWriter> {
        let format = RunFormat::for_path(&self.dest);
        RunWriter::from_file_as(self.file.try_clone()?, &self.dest, format)
    }

    /// Syncs the file and renames it to its destination.
    pub(crate) fn commit(mut self) -> io::Result<()> {
        self.file.sync_all()?;
        fs::rename(&self.temp, &self.dest)?;
        self.committed = true;
        // The rename itself reaches the disk with the directory.
        if let Ok(dir) = File::open(parent_of(&self.dest)) {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// Creates `path`, which must not exist (a link there is not followed).
pub(crate) fn fresh_file(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
}

/// Writes `bytes` to `dest` through a temporary file and a rename.
pub(crate) fn write_atomic(dest: &Path, bytes: &[u8]) -> Result<()> {
    let write = || -> io::Result<()> {
        let mut staged = Staged::create(dest)?;
        staged.file().write_all(bytes)?;
        staged.commit()
    };
    write().with_context(|| format!("cannot write {}", dest.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outputs::tests::{link_to_precious, names, untouched};

    #[test]
    fn a_link_at_the_destination_is_replaced_and_its_target_untouched() {
        let d = tempfile::tempdir().unwrap();
        let dest = d.path().join("summary.md");
        let target = link_to_precious(d.path(), &dest);
        write_atomic(&dest, b"new").unwrap();
        assert!(untouched(&target));
        assert_eq!(fs::read_to_string(&dest).unwrap(), "new");
        assert!(!fs::symlink_metadata(&dest).unwrap().is_symlink());
        assert_eq!(
            names(d.path()),
            ["precious.txt", "summary.md"],
            "no temporary file left"
        );
    }

    #[test]
    fn an_uncommitted_file_leaves_nothing_and_the_old_file_stays() {
        let d = tempfile::tempdir().unwrap();
        let dest = d.path().join("report.json");
        fs::write(&dest, "old").unwrap();
        {
            let mut s = Staged::create(&dest).unwrap();
            s.file().write_all(b"half").unwrap();
        }
        assert_eq!(fs::read_to_string(&dest).unwrap(), "old");
        assert_eq!(names(d.path()), ["report.json"]);
    }

    #[test]
    fn a_bare_file_name_is_written_in_the_current_directory() {
        assert_eq!(parent_of(Path::new("gate.xml")), Path::new("."));
        assert_eq!(parent_of(Path::new("a/gate.xml")), Path::new("a"));
        let e = write_atomic(Path::new("/no/such/dir/x.json"), b"x").unwrap_err();
        assert!(
            format!("{e:#}").starts_with("cannot write /no/such/dir/x.json: "),
            "{e:#}"
        );
    }
}
