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
//! Lines that are not understood are counted and reported (the first few
//! quoted), never fatal; an unreadable input, a file with nothing of its
//! FORMAT, a file imported before, or an `--out` that is not a run file is an
//! error, and nothing is written.
//!
//! Every imported file is recorded in the run file (name and sha256) and
//! imported once; a file of another format is refused.
//!
//! One module per concern: `error` (what can go wrong), `report` (the
//! printed outcome), `events` (virsh event imports), `probe_log` (ping/fping
//! log imports), `out_file` (what `--out` already holds), `provenance` (the
//! imported files' record and the import-once rule) and `sniff` (what a file
//! of the wrong format looks like).

mod error;
mod events;
mod out_file;
mod probe_log;
mod provenance;
mod report;
mod sniff;

pub use error::ImportError;
pub use report::{FileReport, ImportReport, ProbeReport};

use crate::cli::import::ImportArgs;
use migprobe_probe::input::Limits;
use std::path::Path;

/// Runs `migprobe import`: a ping/fping log makes a new run file; event
/// captures are read, then their events appended to `--out` (or a new
/// events-only run file).
pub fn execute(args: &ImportArgs) -> Result<ImportReport, ImportError> {
    if args.files.is_empty() {
        return Err(ImportError::NoInput);
    }
    check_flags(args)?;
    if args.format.is_probe_log() {
        probe_log::import_probe_log(args)
    } else {
        events::import_events(args)
    }
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

/// An input file's bytes, within the log caps (or `--max-input-size` /
/// `--max-line-length`).
fn read_input(args: &ImportArgs, path: &Path) -> Result<Vec<u8>, ImportError> {
    let limits = crate::config::input_limits(&args.caps, Limits::LOG)?;
    Ok(migprobe_probe::input::read_all(path, limits)?)
}

/// The command line that made a run file, for its header: `migprobe import
/// FORMAT FILE...`, then `flags` (name, value) in order, then `--out`.
fn header_argv(args: &ImportArgs, flags: Vec<(&str, String)>) -> Vec<String> {
    let mut v = vec![
        "migprobe".into(),
        "import".into(),
        args.format.name().into(),
    ];
    v.extend(args.files.iter().map(|p| p.display().to_string()));
    for (flag, value) in flags {
        v.push(flag.into());
        v.push(value);
    }
    v.push("--out".into());
    v.push(args.out.display().to_string());
    v
}
