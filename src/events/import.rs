//! `migprobe import`: turns captured `virsh event` / `virsh qemu-monitor-event`
//! output into run-file events, appended to an existing run file (e.g. the
//! probe run of the same migration) or into a new events-only run file.
//!
//! Lines that are not understood are counted and reported, never fatal; an
//! unreadable input or an `--out` that is not a run file is an error.

use super::qemu::parse_qemu_monitor_events;
use super::virsh::{parse_virsh_events, ParsedText};
use crate::record::{Header, Line, Origin, RunWriter, SCHEMA_VERSION};
use crate::types::{duration_ns, RealNs};
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use thiserror::Error;

/// Which tool's output the files hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFormat {
    /// `LC_ALL=C virsh event --all --loop --timestamp` (lines without --timestamp are skipped and counted).
    VirshEvent,
    /// `virsh qemu-monitor-event --loop` (best without --timestamp: QEMU's own µs clock is kept).
    QemuMonitorEvent,
}

impl ImportFormat {
    /// The name as typed on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ImportFormat::VirshEvent => "virsh-event",
            ImportFormat::QemuMonitorEvent => "qemu-monitor-event",
        }
    }
}

/// Which hypervisor the captured output came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OriginArg {
    /// The migration source host.
    Src,
    /// The migration destination host.
    Dst,
}

impl From<OriginArg> for Origin {
    fn from(o: OriginArg) -> Origin {
        match o {
            OriginArg::Src => Origin::Src,
            OriginArg::Dst => Origin::Dst,
        }
    }
}

/// `migprobe import`: add hypervisor events captured with virsh to a run file.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "\
Capture on each host while the migration runs, e.g.
  LC_ALL=C virsh -c qemu:///system event --all --loop --timestamp > src-events.log
  virsh -c qemu:///system qemu-monitor-event --loop > src-qemu.log
then:
  migprobe import virsh-event src-events.log --origin src --out run.jsonl
  migprobe import qemu-monitor-event dst-qemu.log --origin dst --out run.jsonl
Events are appended in file order; lines that are not events are counted and reported.")]
pub struct ImportArgs {
    /// Format of the input files.
    #[arg(value_enum, value_name = "FORMAT")]
    pub format: ImportFormat,
    /// Captured output files, read in the order given.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Host the output was captured on: src (migration source) or dst (destination).
    #[arg(long, value_enum, value_name = "HOST")]
    pub origin: OriginArg,
    /// Run file to append the events to (must be a migprobe run file if it exists; created otherwise).
    #[arg(short, long, value_name = "RUN.jsonl")]
    pub out: PathBuf,
}

/// Why an import failed (nothing is written when an input cannot be read).
#[derive(Debug, Error)]
pub enum ImportError {
    /// No input files were given.
    #[error("no input FILE given: name at least one file of captured virsh output")]
    NoInput,
    /// An input file could not be read.
    #[error("cannot read input FILE {path} (check the path and its permissions)")]
    Input {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// `--out` exists but is not a run file.
    #[error(
        "--out {path} exists but is not a migprobe run file ({why}); \
         give a new --out path, or the run file written by `migprobe probe --out`"
    )]
    NotRunFile {
        /// The file.
        path: PathBuf,
        /// What was wrong with its first line.
        why: String,
    },
    /// `--out` is a run file of another schema version.
    #[error(
        "--out {path} is a run file of schema version {found}; this migprobe writes version \
         {SCHEMA_VERSION}: import into a new --out file instead"
    )]
    Version {
        /// The file.
        path: PathBuf,
        /// Its version.
        found: u64,
    },
    /// `--out` could not be opened or written.
    #[error("cannot write --out {path} (check the directory exists and is writable)")]
    Output {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

/// What became of one input file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileReport {
    /// The input file.
    pub path: PathBuf,
    /// Events imported from it.
    pub events: u64,
    /// Non-blank lines that were neither an event nor part of one.
    pub bad_line_count: u64,
    /// Line numbers of the first few such lines.
    pub bad_lines: Vec<u64>,
    /// Events skipped for lack of a timestamp.
    pub no_timestamp: u64,
}

/// The outcome of an import, for the terminal (`Display`) and for callers.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportReport {
    /// The run file written.
    pub out: PathBuf,
    /// True if the run file was created, false if the events were appended.
    pub created: bool,
    /// Format of the inputs.
    pub format: ImportFormat,
    /// One entry per input file, in order.
    pub files: Vec<FileReport>,
}

impl ImportReport {
    /// Events written, all files together.
    pub fn total_events(&self) -> u64 {
        self.files.iter().map(|f| f.events).sum()
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl fmt::Display for FileReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "imported {} from {}",
            plural(self.events, "event", "events"),
            self.path.display()
        )?;
        let mut notes = Vec::new();
        if self.bad_line_count > 0 {
            let mut s = format!(
                "{} not understood",
                plural(self.bad_line_count, "line", "lines")
            );
            if let Some(first) = self.bad_lines.first() {
                s.push_str(&format!(", first at line {first}"));
            }
            notes.push(s);
        }
        if self.no_timestamp > 0 {
            notes.push(format!(
                "{} without a timestamp skipped: capture with `virsh event --timestamp`",
                plural(self.no_timestamp, "event", "events")
            ));
        }
        if self.events == 0 && self.no_timestamp == 0 {
            notes.push("no events found: is this the right FORMAT?".into());
        }
        if !notes.is_empty() {
            write!(f, " ({})", notes.join("; "))?;
        }
        Ok(())
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for file in &self.files {
            writeln!(f, "{file}")?;
        }
        write!(
            f,
            "{} {} {}",
            if self.created {
                "created"
            } else {
                "appended to"
            },
            self.out.display(),
            if self.created {
                format!("with {}", plural(self.total_events(), "event", "events"))
            } else {
                format!("({})", plural(self.total_events(), "event", "events"))
            }
        )
    }
}

/// Runs `migprobe import`: reads every FILE, then appends their events to
/// `--out` (or creates it with an events-only header).
pub fn run(args: &ImportArgs) -> Result<ImportReport, ImportError> {
    if args.files.is_empty() {
        return Err(ImportError::NoInput);
    }
    let origin = Origin::from(args.origin);
    // Read and parse everything first: a bad input path fails before --out is touched.
    let mut parsed: Vec<(PathBuf, ParsedText)> = Vec::with_capacity(args.files.len());
    for path in &args.files {
        let bytes = std::fs::read(path).map_err(|source| ImportError::Input {
            path: path.clone(),
            source,
        })?;
        let p = match args.format {
            ImportFormat::VirshEvent => parse_virsh_events(&bytes, origin, None),
            ImportFormat::QemuMonitorEvent => parse_qemu_monitor_events(&bytes, origin, None),
        };
        parsed.push((path.clone(), p));
    }

    let out = &args.out;
    let out_err = |source| ImportError::Output {
        path: out.clone(),
        source,
    };
    let exists = out.try_exists().map_err(out_err)?;
    let mut writer = if exists {
        if !check_run_file(out)? {
            // A run killed mid-line: end that line so our first event stays readable.
            let mut f = OpenOptions::new().append(true).open(out).map_err(out_err)?;
            f.write_all(b"\n").map_err(out_err)?;
        }
        RunWriter::append(out).map_err(out_err)?
    } else {
        let start = parsed
            .iter()
            .flat_map(|(_, p)| p.events.iter().map(|e| e.at_ns))
            .min()
            .unwrap_or_else(now);
        let mut w = RunWriter::create(out).map_err(out_err)?;
        w.write(&Line::Header(Header::without_probes(start, argv(args))))
            .map_err(out_err)?;
        w
    };

    let mut files = Vec::with_capacity(parsed.len());
    for (path, p) in parsed {
        for e in &p.events {
            writer.write(&Line::Event(e.clone())).map_err(out_err)?;
        }
        files.push(FileReport {
            path,
            events: p.events.len() as u64,
            bad_line_count: p.bad_line_count,
            bad_lines: p.bad_lines,
            no_timestamp: p.no_timestamp,
        });
    }
    writer.finish().map_err(out_err)?;
    Ok(ImportReport {
        out: out.clone(),
        created: !exists,
        format: args.format,
        files,
    })
}

/// The command line that made the file, for its header.
fn argv(args: &ImportArgs) -> Vec<String> {
    let mut v = vec![
        "migprobe".into(),
        "import".into(),
        args.format.name().into(),
    ];
    v.extend(args.files.iter().map(|p| p.display().to_string()));
    v.push("--origin".into());
    v.push(
        match args.origin {
            OriginArg::Src => "src",
            OriginArg::Dst => "dst",
        }
        .into(),
    );
    v.push("--out".into());
    v.push(args.out.display().to_string());
    v
}

fn now() -> RealNs {
    let d = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    RealNs(duration_ns(d))
}

/// Checks that `path`'s first line is a run-file header of this schema version.
/// Returns whether the file ends with a newline.
fn check_run_file(path: &Path) -> Result<bool, ImportError> {
    let io_err = |source| ImportError::Output {
        path: path.to_owned(),
        source,
    };
    let not_run = |why: String| ImportError::NotRunFile {
        path: path.to_owned(),
        why,
    };
    let mut file = File::open(path).map_err(io_err)?;
    let mut first = Vec::new();
    BufReader::new(&mut file)
        .take(16 << 20)
        .read_until(b'\n', &mut first)
        .map_err(io_err)?;
    if first.iter().all(u8::is_ascii_whitespace) {
        return Err(not_run("it is empty".into()));
    }
    let v: serde_json::Value =
        serde_json::from_slice(&first).map_err(|e| not_run(format!("line 1 is not JSON: {e}")))?;
    if v.get("type").and_then(|t| t.as_str()) != Some("header") {
        return Err(not_run("line 1 is not a header".into()));
    }
    match v.get("schema_version").and_then(|s| s.as_u64()) {
        Some(found) if found != u64::from(SCHEMA_VERSION) => {
            return Err(ImportError::Version {
                path: path.to_owned(),
                found,
            })
        }
        _ => {}
    }
    match serde_json::from_value::<Line>(v) {
        Ok(Line::Header(_)) => {}
        Ok(_) => return Err(not_run("line 1 is not a header".into())),
        Err(e) => return Err(not_run(format!("bad header: {e}"))),
    }
    let len = file.seek(SeekFrom::End(0)).map_err(io_err)?;
    if len == 0 {
        return Ok(true);
    }
    file.seek(SeekFrom::End(-1)).map_err(io_err)?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last).map_err(io_err)?;
    Ok(last[0] == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(events: u64, bad: u64, bad_lines: Vec<u64>, no_ts: u64) -> FileReport {
        FileReport {
            path: "src.log".into(),
            events,
            bad_line_count: bad,
            bad_lines,
            no_timestamp: no_ts,
        }
    }

    #[test]
    fn report_texts() {
        assert_eq!(
            report(12, 0, vec![], 0).to_string(),
            "imported 12 events from src.log"
        );
        assert_eq!(
            report(1, 3, vec![1, 7, 9], 0).to_string(),
            "imported 1 event from src.log (3 lines not understood, first at line 1)"
        );
        assert_eq!(
            report(0, 1, vec![4], 0).to_string(),
            "imported 0 events from src.log (1 line not understood, first at line 4; \
             no events found: is this the right FORMAT?)"
        );
        assert_eq!(
            report(0, 0, vec![], 2).to_string(),
            "imported 0 events from src.log (2 events without a timestamp skipped: \
             capture with `virsh event --timestamp`)"
        );
        let r = ImportReport {
            out: "run.jsonl".into(),
            created: false,
            format: ImportFormat::VirshEvent,
            files: vec![report(2, 0, vec![], 0), report(3, 0, vec![], 0)],
        };
        assert_eq!(
            r.to_string(),
            "imported 2 events from src.log\nimported 3 events from src.log\nappended to run.jsonl (5 events)"
        );
    }

    #[test]
    fn errors_name_the_flag_and_the_fix() {
        let e = ImportError::NotRunFile {
            path: "x.log".into(),
            why: "line 1 is not JSON".into(),
        };
        let s = e.to_string();
        assert!(s.contains("--out x.log") && s.contains("new --out"), "{s}");
        let e = ImportError::Input {
            path: "missing.log".into(),
            source: io::Error::from(io::ErrorKind::NotFound),
        };
        assert!(e.to_string().contains("FILE missing.log"), "{e}");
    }

    #[test]
    fn cli_shape() {
        use clap::Parser;
        #[derive(Parser)]
        struct T {
            #[command(flatten)]
            a: ImportArgs,
        }
        let t = T::try_parse_from([
            "t",
            "qemu-monitor-event",
            "a",
            "b",
            "--origin",
            "dst",
            "-o",
            "r",
        ])
        .unwrap();
        assert_eq!(t.a.format, ImportFormat::QemuMonitorEvent);
        assert_eq!(t.a.files.len(), 2);
        assert_eq!(t.a.origin, OriginArg::Dst);
        assert!(T::try_parse_from(["t", "virsh-event", "a", "--out", "r"]).is_err());
        assert!(T::try_parse_from(["t", "virsh-event", "--origin", "src", "--out", "r"]).is_err());
        assert!(
            T::try_parse_from(["t", "virsh-event", "a", "--origin", "local", "--out", "r"])
                .is_err()
        );
        assert_eq!(
            argv(&t.a),
            [
                "migprobe",
                "import",
                "qemu-monitor-event",
                "a",
                "b",
                "--origin",
                "dst",
                "--out",
                "r"
            ]
        );
    }
}
