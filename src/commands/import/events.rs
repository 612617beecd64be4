//! `migprobe import virsh-event|qemu-monitor-event`: captured virsh output
//! appended to `--out` as events.
//!
//! Rules: every input is read and parsed before `--out` is touched; a file
//! holding nothing of the FORMAT (no event, only lines not understood) is
//! refused, and so is a file already imported into `--out` (by sha256) or
//! given twice. Events keep file order, files the order given; each file's
//! events are preceded by a `note` recording it (name, sha256, format,
//! origin). A new `--out` gets an events-only header starting at the
//! earliest event (now, if there is none), with no prober host (there is no
//! prober); an existing one must be a run file, and a cut last line is ended
//! first so that the first event stays readable.

use super::out_file::{check_run_file, out_entry, RunFileHead};
use super::provenance::{check_new, Source};
use super::report::examples;
use super::sniff::wrong_format;
use super::{header_argv, read_input, FileReport, ImportError, ImportReport};
use crate::cli::import::{ImportArgs, ImportFormat, OriginArg};
use crate::outputs::staged::Staged;
use crate::outputs::stream::open_append;
use crate::outputs::Entry;
use migprobe_probe::input::Limits;
use migprobe_probe::record::{Header, Line, Origin, RunWriter};
use migprobe_probe::types::{duration_ns, RealNs};
use migprobe_sources::import::{parse_qemu_monitor_events, parse_virsh_events, ParsedText};
use std::io::Write;
use std::path::Path;
use std::time::SystemTime;

/// One input, read and parsed.
struct Input {
    source: Source,
    parsed: ParsedText,
    bad_examples: Vec<(u64, String)>,
}

/// Imports every FILE's events into `--out`.
pub(super) fn import_events(args: &ImportArgs) -> Result<ImportReport, ImportError> {
    let origin = Origin::from(args.origin.unwrap_or(OriginArg::Src));
    let out = &args.out;
    let out_err = ImportError::output(out);
    // A link or special file at --out is refused first; then every input is
    // read and parsed: a bad input fails before --out is touched.
    let exists = out_entry(out)? != Entry::Missing;
    let inputs = read_inputs(args, origin)?;
    let sources: Vec<Source> = inputs.iter().map(|i| i.source.clone()).collect();
    let limits = crate::config::input_limits(&args.caps, Limits::RUN_FILE)?;
    let (mut writer, staged, start) = if exists {
        let head = check_run_file(out)?;
        check_new(&sources, out, true, limits)?;
        (open_to_append(out, head)?, None, head.start_ns)
    } else {
        check_new(&sources, out, false, limits)?;
        let (w, s, start) = create(args, &inputs)?;
        (w, Some(s), start)
    };
    let mut files = Vec::with_capacity(inputs.len());
    for input in inputs {
        let p = input.parsed;
        let at = p.events.iter().map(|e| e.at_ns).min().unwrap_or(start);
        writer
            .write(&Line::Event(input.source.note(
                args.format,
                Some(origin),
                at,
            )))
            .map_err(out_err)?;
        for e in &p.events {
            writer.write(&Line::Event(e.clone())).map_err(out_err)?;
        }
        files.push(FileReport {
            path: input.source.path,
            events: p.events.len() as u64,
            bad_lines: p.bad_lines,
            bad_examples: input.bad_examples,
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

/// Every FILE read and parsed; one holding nothing of the FORMAT is refused.
fn read_inputs(args: &ImportArgs, origin: Origin) -> Result<Vec<Input>, ImportError> {
    let mut inputs = Vec::with_capacity(args.files.len());
    for path in &args.files {
        let bytes = read_input(args, path)?;
        let parsed = parse(args.format, &bytes, origin);
        if parsed.events.is_empty() && parsed.no_timestamp == 0 && parsed.bad_lines.count() > 0 {
            return Err(wrong_format(path, args.format, &bytes, &parsed.bad_lines));
        }
        inputs.push(Input {
            source: Source::new(path, &bytes),
            bad_examples: examples(&parsed.bad_lines, &bytes),
            parsed,
        });
    }
    Ok(inputs)
}

/// The events of one input.
fn parse(format: ImportFormat, bytes: &[u8], origin: Origin) -> ParsedText {
    match format {
        ImportFormat::VirshEvent => parse_virsh_events(bytes, origin, None),
        ImportFormat::QemuMonitorEvent => parse_qemu_monitor_events(bytes, origin, None),
        ImportFormat::Ping | ImportFormat::Fping => ParsedText::default(),
    }
}

/// An existing run file (checked: `head`), opened to append (a cut last line ended first).
fn open_to_append(out: &Path, head: RunFileHead) -> Result<RunWriter, ImportError> {
    let out_err = ImportError::output(out);
    let mut f = open_append(out).map_err(out_err)?;
    if !head.ends_line {
        // A run killed mid-line: end that line so our first event stays readable.
        f.write_all(b"\n").map_err(out_err)?;
    }
    RunWriter::from_file_as(f, out, head.format).map_err(out_err)
}

/// A new events-only run file, its header starting at the earliest event;
/// written to a temporary file that is renamed into place once complete.
/// No probes were sent: the header names no prober host or kernel.
fn create(args: &ImportArgs, inputs: &[Input]) -> Result<(RunWriter, Staged, RealNs), ImportError> {
    let out_err = ImportError::output(&args.out);
    let start = inputs
        .iter()
        .flat_map(|i| i.parsed.events.iter().map(|e| e.at_ns))
        .min()
        .unwrap_or_else(now);
    let mut staged = Staged::create(&args.out).map_err(out_err)?;
    let mut w = staged.run_writer().map_err(out_err)?;
    let mut header = Header::without_probes(start, argv(args));
    header.hostname.clear();
    header.kernel.clear();
    w.write(&Line::Header(header)).map_err(out_err)?;
    Ok((w, staged, start))
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
