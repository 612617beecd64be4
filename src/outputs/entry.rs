//! What is at an output path now, looked at without following a link there.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// What an output path holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Entry {
    /// Nothing.
    Missing,
    /// An empty regular file.
    Empty,
    /// A regular file with this many bytes: an earlier result.
    Data(u64),
    /// A symbolic link, to this target.
    Link(PathBuf),
    /// A directory.
    Dir,
    /// A device, FIFO or socket.
    Special,
}

impl Entry {
    /// Looks at `path` (a link is reported as a link, never followed).
    pub(crate) fn at(path: &Path) -> io::Result<Entry> {
        let meta = match fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Entry::Missing),
            Err(e) => return Err(e),
        };
        let kind = meta.file_type();
        Ok(if kind.is_symlink() {
            Entry::Link(fs::read_link(path).unwrap_or_default())
        } else if kind.is_dir() {
            Entry::Dir
        } else if !kind.is_file() {
            Entry::Special
        } else if meta.len() == 0 {
            Entry::Empty
        } else {
            Entry::Data(meta.len())
        })
    }

    /// Why nothing may be written here, with or without `--force`: what is
    /// there and what to do instead. `None` for a missing or regular file.
    pub(crate) fn refusal(&self) -> Option<String> {
        match self {
            Entry::Missing | Entry::Empty | Entry::Data(_) => None,
            Entry::Link(to) => Some(format!(
                "is a symbolic link (to {}); migprobe never writes through a link nor removes one: \
                 remove the link, or write somewhere else",
                to.display()
            )),
            Entry::Dir => Some("is a directory: remove it, or write somewhere else".into()),
            Entry::Special => Some(
                "is not a regular file (a device, FIFO or socket): give the path of a regular file"
                    .into(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_entry_is_told_apart_and_links_are_not_followed() {
        let d = tempfile::tempdir().unwrap();
        let p = |n: &str| d.path().join(n);
        std::fs::write(p("data"), "x").unwrap();
        std::fs::write(p("empty"), "").unwrap();
        std::os::unix::fs::symlink(p("data"), p("link")).unwrap();
        std::fs::create_dir(p("dir")).unwrap();
        assert_eq!(Entry::at(&p("none")).unwrap(), Entry::Missing);
        assert_eq!(Entry::at(&p("empty")).unwrap(), Entry::Empty);
        assert_eq!(Entry::at(&p("data")).unwrap(), Entry::Data(1));
        assert_eq!(Entry::at(&p("link")).unwrap(), Entry::Link(p("data")));
        assert_eq!(Entry::at(&p("dir")).unwrap(), Entry::Dir);
        assert_eq!(Entry::at(Path::new("/dev/null")).unwrap(), Entry::Special);
        let why = Entry::at(&p("link")).unwrap().refusal().unwrap();
        assert!(
            why.contains("symbolic link") && why.contains("remove the link"),
            "{why}"
        );
        assert!(Entry::Data(1).refusal().is_none());
    }
}
