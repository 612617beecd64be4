//! `migprobe import`: turns captured `virsh event` / `virsh qemu-monitor-event`
//! output into run-file events, appended to an existing run file (e.g. the
//! probe run of the same migration) or into a new events-only run file; and
//! turns a `ping` / `fping` log into the probes of a new run file.
//!
//! Order rule: a ping/fping log must be imported **first**. It creates `--out`
//! with a header that lists its target (the reader takes targets from the
//! header, and the header is the first line); event imports then append. A
//! ping/fping import into an existing non-empty `--out` is refused, with the
//! order spelled out when that file holds only events.
//!
//! Lines that are not understood are counted and reported, never fatal; an
//! unreadable input or an `--out` that is not a run file is an error.

use crate::cli::import::{ImportArgs, ImportFormat, OriginArg};
use migprobe_probe::record::{
    BadLines, EventLine, Footer, Header, Line, Origin, ProbeStatus, RunWriter, SCHEMA_VERSION,
};
use migprobe_probe::types::{duration_ns, human_ns, RealNs};
use migprobe_sources::import::{
    build, parse_fping, parse_ping, parse_qemu_monitor_events, parse_virsh_events, BuildError,
    BuildOptions, Built, IntervalSource, LogKind, ParsedText, NOTE_KIND,
};
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use thiserror::Error;

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
    /// A flag given for a format it does not apply to.
    #[error("{flag} does not apply to FORMAT {format}: {fix}")]
    FlagNotForFormat {
        /// The flag.
        flag: &'static str,
        /// The format given.
        format: &'static str,
        /// What to do instead.
        fix: &'static str,
    },
    /// A bad `--interval`.
    #[error(transparent)]
    Interval(#[from] migprobe_probe::values::ConfigError),
    /// More than one ping/fping log.
    #[error("FORMAT {format} takes exactly one log FILE (got {count}): import one ping/fping log per run file")]
    OneLog {
        /// The format given.
        format: &'static str,
        /// Files given.
        count: usize,
    },
    /// A ping/fping log into an `--out` that holds only events: the wrong order.
    #[error(
        "--out {path} already exists and holds no probes (its header lists no targets): \
         import the ping log first, then the virsh logs, e.g. \
         `migprobe import ping ping.log --out new.jsonl` and then the \
         `migprobe import virsh-event ... --out new.jsonl` commands again"
    )]
    ProbesFirst {
        /// The file.
        path: PathBuf,
    },
    /// A ping/fping log into an `--out` that already has probes.
    #[error(
        "--out {path} already exists and holds probes (its header lists targets): \
         a ping/fping log makes a new run file, give a new --out path"
    )]
    OutHasProbes {
        /// The file.
        path: PathBuf,
    },
    /// The ping/fping log cannot become probes.
    #[error("FILE {path}: {source}")]
    Log {
        /// The log.
        path: PathBuf,
        /// Why.
        #[source]
        source: BuildError,
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
    /// Non-blank lines that were neither an event nor part of one (line numbers).
    pub bad_lines: BadLines,
    /// Events skipped for lack of a timestamp.
    pub no_timestamp: u64,
}

/// What became of a ping/fping log.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeReport {
    /// The log file.
    pub path: PathBuf,
    /// The target (address).
    pub target: IpAddr,
    /// Probe lines written.
    pub probes: u64,
    /// Answered probes.
    pub ok: u64,
    /// Probes never answered.
    pub lost: u64,
    /// Probes answered by an ICMP error.
    pub errors: u64,
    /// Duplicate replies.
    pub duplicates: u64,
    /// True when the log had no timestamps and every send time is sequence × interval from 0.
    pub reconstructed: bool,
    /// Interval used, ns.
    pub interval_ns: i64,
    /// Where the interval came from.
    pub interval_source: IntervalSource,
    /// A different interval seen on a command line in the log (when `--interval` overrode it).
    pub log_interval_ns: Option<i64>,
    /// Per-probe lines about other hosts, skipped.
    pub other_host_lines: u64,
    /// ICMP errors that name no sequence number.
    pub unattributed_errors: u64,
    /// Non-blank lines not understood (line numbers).
    pub bad_lines: BadLines,
    /// Line of a second `PING` header (a second run in the log), from where the rest was ignored.
    pub restart_line: Option<u64>,
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
    /// One entry per input file, in order (event formats).
    pub files: Vec<FileReport>,
    /// The ping/fping log, for those formats.
    pub probes: Option<ProbeReport>,
}

impl ImportReport {
    /// Events written, all files together.
    pub fn total_events(&self) -> u64 {
        self.files.iter().map(|f| f.events).sum()
    }
}

impl fmt::Display for ProbeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let interval = human_ns(self.interval_ns);
        write!(
            f,
            "imported {} to {} from {}: {} ok, {} lost, {}",
            plural(self.probes, "probe", "probes"),
            self.target,
            self.path.display(),
            self.ok,
            self.lost,
            plural(self.errors, "error", "errors"),
        )?;
        if self.duplicates > 0 {
            write!(
                f,
                ", {}",
                plural(self.duplicates, "duplicate", "duplicates")
            )?;
        }
        let from = match self.interval_source {
            IntervalSource::Flag => "--interval",
            IntervalSource::Log => "the command line in the log",
            IntervalSource::Default => "the default; set --interval if ping ran with -i",
        };
        write!(f, "; interval {interval} ({from})")?;
        if self.reconstructed {
            write!(
                f,
                "\nsend times RECONSTRUCTED as sequence x {interval} from time 0 (the log has no \
                 -D timestamps): durations hold, wall-clock times do not; capture with `ping -D`"
            )?;
        }
        if let Some(i) = self.log_interval_ns {
            write!(
                f,
                "\nnote: the log's command line says interval {}, --interval overrides it",
                human_ns(i)
            )?;
        }
        if self.other_host_lines > 0 {
            write!(
                f,
                "\nnote: {} about other hosts skipped (one target per import; choose with --target)",
                plural(self.other_host_lines, "line", "lines")
            )?;
        }
        if self.unattributed_errors > 0 {
            write!(
                f,
                "\nnote: {} without a sequence number not attributed to a probe",
                plural(self.unattributed_errors, "ICMP error", "ICMP errors")
            )?;
        }
        if let Some(l) = self.restart_line {
            write!(
                f,
                "\nnote: a second ping run starts at line {l}; it was ignored"
            )?;
        }
        if let Some(bad) = not_understood(&self.bad_lines) {
            write!(f, "\nnote: {bad}")?;
        }
        Ok(())
    }
}

/// `1 line`, `2 lines`.
fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `3 lines not understood, first at line 1`; `None` when every line was understood.
fn not_understood(bad: &BadLines) -> Option<String> {
    if bad.count() == 0 {
        return None;
    }
    let mut s = format!("{} not understood", plural(bad.count(), "line", "lines"));
    if let Some(first) = bad.examples().first() {
        s.push_str(&format!(", first at line {first}"));
    }
    Some(s)
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
        notes.extend(not_understood(&self.bad_lines));
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
        if let Some(p) = &self.probes {
            writeln!(f, "{p}")?;
            return write!(
                f,
                "created {} with {}; now add events: migprobe import virsh-event FILE --origin src --out {}",
                self.out.display(),
                plural(p.probes, "probe", "probes"),
                self.out.display()
            );
        }
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
    check_flags(args)?;
    if args.format.is_probe_log() {
        return run_probe_log(args);
    }
    let origin = Origin::from(args.origin.unwrap_or(OriginArg::Src));
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
            ImportFormat::Ping | ImportFormat::Fping => ParsedText::default(),
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
        probes: None,
    })
}

/// Refuses flags that do not apply to the format.
fn check_flags(args: &ImportArgs) -> Result<(), ImportError> {
    let format = args.format.name();
    if args.format.is_probe_log() {
        if args.origin.is_some() {
            return Err(ImportError::FlagNotForFormat {
                flag: "--origin",
                format,
                fix: "a ping/fping log is the prober's own view; drop --origin",
            });
        }
        if args.files.len() != 1 {
            return Err(ImportError::OneLog {
                format,
                count: args.files.len(),
            });
        }
    } else {
        let fix = "it is for ping/fping logs only; drop it";
        if args.interval.is_some() {
            return Err(ImportError::FlagNotForFormat {
                flag: "--interval",
                format,
                fix,
            });
        }
        if args.target.is_some() {
            return Err(ImportError::FlagNotForFormat {
                flag: "--target",
                format,
                fix,
            });
        }
        if args.origin.is_none() {
            return Err(ImportError::FlagNotForFormat {
                flag: "--origin",
                format,
                fix: "it is required: say src or dst",
            });
        }
    }
    Ok(())
}

/// `import ping|fping`: parses the log, then creates `--out` with a header that lists its target.
fn run_probe_log(args: &ImportArgs) -> Result<ImportReport, ImportError> {
    let interval_ns = args
        .interval
        .as_deref()
        .map(|v| {
            crate::config::validate_duration(
                "--interval",
                v,
                std::time::Duration::from_micros(1),
                std::time::Duration::from_secs(3600),
            )
            .map(duration_ns)
        })
        .transpose()?;
    let path = args.files.first().ok_or(ImportError::NoInput)?;
    let bytes = std::fs::read(path).map_err(|source| ImportError::Input {
        path: path.clone(),
        source,
    })?;
    let log = match args.format {
        ImportFormat::Fping => parse_fping(&bytes),
        _ => parse_ping(&bytes),
    };
    let built = build(
        &log,
        &BuildOptions {
            interval_ns,
            target: args.target,
        },
    )
    .map_err(|source| ImportError::Log {
        path: path.clone(),
        source,
    })?;

    let out = &args.out;
    let out_err = |source| ImportError::Output {
        path: out.clone(),
        source,
    };
    check_out_free(out)?;
    let mut w = RunWriter::create(out).map_err(out_err)?;
    w.write(&Line::Header(probe_header(args, &built, log.kind)))
        .map_err(out_err)?;
    if built.reconstructed {
        w.write(&Line::Event(reconstructed_note(args.format, &built)))
            .map_err(out_err)?;
    }
    for p in &built.probes {
        w.write(&Line::Probe(p.clone())).map_err(out_err)?;
    }
    // The log is complete: say so, so readers do not take it for a killed run.
    let end_ns = built
        .probes
        .iter()
        .map(|p| p.rx_ns.unwrap_or(p.tx_ns))
        .max()
        .unwrap_or(built.start_ns);
    w.write(&Line::Footer(Footer {
        end_ns,
        reason: format!("imported from a {} log", args.format.name()),
        sent: built.probes.len() as u64,
        foreign: 0,
    }))
    .map_err(out_err)?;
    w.finish().map_err(out_err)?;
    Ok(ImportReport {
        out: out.clone(),
        created: true,
        format: args.format,
        files: Vec::new(),
        probes: Some(ProbeReport {
            path: path.clone(),
            target: built.target.addr,
            probes: built.probes.len() as u64,
            ok: built.count(ProbeStatus::Ok),
            lost: built.count(ProbeStatus::Lost),
            errors: built.count(ProbeStatus::Error),
            duplicates: built.duplicates(),
            reconstructed: built.reconstructed,
            interval_ns: built.interval_ns,
            interval_source: built.interval_source,
            log_interval_ns: built.log_interval_ns,
            other_host_lines: built.other_host_lines,
            unattributed_errors: built.unattributed_errors,
            bad_lines: log.bad_lines.clone(),
            restart_line: log.restart_line,
        }),
    })
}

/// A ping/fping import creates `--out`: it may not exist (an empty file is fine).
fn check_out_free(out: &Path) -> Result<(), ImportError> {
    let out_err = |source| ImportError::Output {
        path: out.to_owned(),
        source,
    };
    if !out.try_exists().map_err(out_err)? {
        return Ok(());
    }
    let meta = std::fs::metadata(out).map_err(out_err)?;
    if meta.is_file() && meta.len() == 0 {
        return Ok(());
    }
    check_run_file(out)?;
    match migprobe_probe::record::read_run(out) {
        Ok(run) if run.header.targets.is_empty() => Err(ImportError::ProbesFirst {
            path: out.to_owned(),
        }),
        Ok(_) => Err(ImportError::OutHasProbes {
            path: out.to_owned(),
        }),
        Err(e) => Err(ImportError::NotRunFile {
            path: out.to_owned(),
            why: e.to_string(),
        }),
    }
}

/// The header of a run file made from a ping/fping log.
fn probe_header(args: &ImportArgs, built: &Built, kind: LogKind) -> Header {
    let mut argv: Vec<String> = vec![
        "migprobe".into(),
        "import".into(),
        args.format.name().into(),
    ];
    argv.extend(args.files.iter().map(|p| p.display().to_string()));
    argv.push("--interval".into());
    argv.push(
        humantime::format_duration(std::time::Duration::from_nanos(
            u64::try_from(built.interval_ns).unwrap_or(0),
        ))
        .to_string(),
    );
    if let Some(t) = args.target {
        argv.push("--target".into());
        argv.push(t.to_string());
    }
    argv.push("--out".into());
    argv.push(args.out.display().to_string());
    let mut h = Header::without_probes(built.start_ns, argv);
    h.interval_ns = built.interval_ns;
    h.targets = vec![built.target.clone()];
    h.min_loss_run = 3;
    h.scheduling = match kind {
        LogKind::Ping => "ping".into(),
        LogKind::Fping => "fping".into(),
    };
    h.payload_bytes = built.payload_bytes.unwrap_or(0);
    h
}

/// The `note` event that says the send times are reconstructed.
fn reconstructed_note(format: ImportFormat, built: &Built) -> EventLine {
    EventLine {
        at_ns: built.start_ns,
        source_ts_ns: None,
        origin: Origin::Local,
        kind: NOTE_KIND.into(),
        detail: serde_json::json!({
            "note": "reconstructed_send_times",
            "source": format.name(),
            "interval_ns": built.interval_ns,
            "message": format!(
                "the {} log has no timestamps: send times are sequence x interval from time 0 \
                 (clock \"planned\"); durations hold, wall-clock times do not",
                format.name()
            ),
        }),
        raw: None,
    }
}

/// The command line that made the file, for its header.
fn argv(args: &ImportArgs) -> Vec<String> {
    let mut v = vec![
        "migprobe".into(),
        "import".into(),
        args.format.name().into(),
    ];
    v.extend(args.files.iter().map(|p| p.display().to_string()));
    if let Some(origin) = args.origin {
        v.push("--origin".into());
        v.push(
            match origin {
                OriginArg::Src => "src",
                OriginArg::Dst => "dst",
            }
            .into(),
        );
    }
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

    fn report(events: u64, bad_lines: &[u64], no_ts: u64) -> FileReport {
        let mut bad = BadLines::default();
        bad_lines.iter().for_each(|l| bad.note(*l));
        FileReport {
            path: "src.log".into(),
            events,
            bad_lines: bad,
            no_timestamp: no_ts,
        }
    }

    #[test]
    fn report_texts() {
        assert_eq!(
            report(12, &[], 0).to_string(),
            "imported 12 events from src.log"
        );
        assert_eq!(
            report(1, &[1, 7, 9], 0).to_string(),
            "imported 1 event from src.log (3 lines not understood, first at line 1)"
        );
        assert_eq!(
            report(0, &[4], 0).to_string(),
            "imported 0 events from src.log (1 line not understood, first at line 4; \
             no events found: is this the right FORMAT?)"
        );
        assert_eq!(
            report(0, &[], 2).to_string(),
            "imported 0 events from src.log (2 events without a timestamp skipped: \
             capture with `virsh event --timestamp`)"
        );
        let r = ImportReport {
            out: "run.jsonl".into(),
            created: false,
            format: ImportFormat::VirshEvent,
            files: vec![report(2, &[], 0), report(3, &[], 0)],
            probes: None,
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
        assert_eq!(t.a.origin, Some(OriginArg::Dst));
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
