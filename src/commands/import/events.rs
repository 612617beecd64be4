//! `migprobe import virsh-event|qemu-monitor-event`: captured virsh output
//! appended to `--out` as events.
//!
//! Rules: every input is read and parsed before `--out` is touched; events
//! keep file order, files the order given. A new `--out` gets an events-only
//! header starting at the earliest event (now, if there is none); an existing
//! one must be a run file, and a cut last line is ended first so that the
//! first event stays readable.

use super::out_file::{check_run_file, out_entry};
use super::{header_argv, read_input, FileReport, ImportError, ImportReport};
use crate::cli::import::{ImportArgs, ImportFormat, OriginArg};
use crate::outputs::staged::Staged;
use crate::outputs::stream::open_append;
use crate::outputs::Entry;
use migprobe_probe::record::{Header, Line, Origin, RunWriter};
use migprobe_probe::types::{duration_ns, RealNs};
use migprobe_sources::import::{parse_qemu_monitor_events, parse_virsh_events, ParsedText};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Imports every FILE's events into `--out`.
pub(super) fn import_events(args: &ImportArgs) -> Result<ImportReport, ImportError> {
    let origin = Origin::from(args.origin.unwrap_or(OriginArg::Src));
    // Read and parse everything first: a bad input path fails before --out is touched.
    let mut parsed: Vec<(PathBuf, ParsedText)> = Vec::with_capacity(args.files.len());
    for path in &args.files {
        let bytes = read_input(args, path)?;
        parsed.push((path.clone(), parse(args.format, &bytes, origin)));
    }
    let out = &args.out;
    let out_err = ImportError::output(out);
    let exists = out_entry(out)? != Entry::Missing;
    let (mut writer, staged) = if exists {
        (open_to_append(out)?, None)
    } else {
        let (w, s) = create(args, &parsed)?;
        (w, Some(s))
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
    if let Some(s) = staged {
        s.commit().map_err(out_err)?;
    }
    Ok(ImportReport {
        out: out.clone(),
        created: !exists,
        format: args.format,
        files,
        probes: None,
    })
}

/// The events of one input.
fn parse(format: ImportFormat, bytes: &[u8], origin: Origin) -> ParsedText {
    match format {
        ImportFormat::VirshEvent => parse_virsh_events(bytes, origin, None),
        ImportFormat::QemuMonitorEvent => parse_qemu_monitor_events(bytes, origin, None),
        ImportFormat::Ping | ImportFormat::Fping => ParsedText::default(),
    }
}

/// An existing run file, opened to append (a cut last line ended first).
fn open_to_append(out: &Path) -> Result<RunWriter, ImportError> {
    let out_err = ImportError::output(out);
    let ends_line = check_run_file(out)?;
    let mut f = open_append(out).map_err(out_err)?;
    if !ends_line {
        // A run killed mid-line: end that line so our first event stays readable.
        f.write_all(b"\n").map_err(out_err)?;
    }
    Ok(RunWriter::from_file(f, out))
}

/// A new events-only run file, its header starting at the earliest event;
/// written to a temporary file that is renamed into place once complete.
fn create(
    args: &ImportArgs,
    parsed: &[(PathBuf, ParsedText)],
) -> Result<(RunWriter, Staged), ImportError> {
    let out_err = ImportError::output(&args.out);
    let start = parsed
        .iter()
        .flat_map(|(_, p)| p.events.iter().map(|e| e.at_ns))
        .min()
        .unwrap_or_else(now);
    let mut staged = Staged::create(&args.out).map_err(out_err)?;
    let mut w = staged.run_writer().map_err(out_err)?;
    w.write(&Line::Header(Header::without_probes(start, argv(args))))
        .map_err(out_err)?;
    Ok((w, staged))
}

/// The command line that made the file, for its header.
fn argv(args: &ImportArgs) -> Vec<String> {
    let origin = args.origin.map(|o| {
        let name = match o {
            OriginArg::Src => "src",
            OriginArg::Dst => "dst",
        };
        ("--origin", name.to_owned())
    });
    header_argv(args, origin.into_iter().collect())
}

/// The current realtime.
fn now() -> RealNs {
    let d = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    RealNs(duration_ns(d))
}

#[cfg(test)]
mod tests {
    use super::*;

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
