//! `migprobe import ping|fping`: one log becomes a new run file with one
//! target.
//!
//! Rules: the log is read and built before `--out` is touched, and `--out`
//! must not exist yet (or be empty); a log of another format is refused. The
//! file gets a header listing the target (the prober's host is unknown: the
//! header names the log instead), a `note` event recording the file (name,
//! sha256), one `note` event per fact the build reports (reconstructed send
//! times, probes not in the log, contradictions: the report lists them), one
//! probe line per index the log shows or counts lost, and a footer (the log
//! is complete, not a killed run).

use super::out_file::check_out_free;
use super::provenance::Source;
use super::sniff::wrong_format;
use super::{header_argv, read_input, ImportError, ImportReport, ProbeReport};
use crate::cli::import::{ImportArgs, ImportFormat};
use crate::outputs::staged::Staged;
use migprobe_probe::input::Limits;
use migprobe_probe::record::{EventLine, Footer, Header, Line};
use migprobe_probe::types::{duration_ns, RealNs};
use migprobe_sources::import::{
    build, parse_fping, parse_ping, BuildError, BuildOptions, Built, LogKind, Note, NOTE_KIND,
};

/// Imports the one log FILE into a new `--out`.
pub(super) fn import_probe_log(args: &ImportArgs) -> Result<ImportReport, ImportError> {
    let interval_ns = interval(args)?;
    let path = args.files.first().ok_or(ImportError::NoInput)?;
    let bytes = read_input(args, path)?;
    let log = match args.format {
        ImportFormat::Fping => parse_fping(&bytes),
        _ => parse_ping(&bytes),
    };
    let opts = BuildOptions {
        interval_ns,
        target: args.target,
    };
    let built = build(&log, &opts).map_err(|source| match source {
        BuildError::NoProbes => wrong_format(path, args.format, &bytes, &log.bad_lines),
        source => ImportError::Log {
            path: path.clone(),
            source,
        },
    })?;
    check_out_free(
        &args.out,
        crate::config::input_limits(&args.caps, Limits::RUN_FILE)?,
    )?;
    let source = Source::new(path, &bytes);
    write_run_file(args, &built, log.kind, &source)?;
    Ok(ImportReport {
        out: args.out.clone(),
        created: true,
        format: args.format,
        files: Vec::new(),
        probes: Some(ProbeReport::new(path, &built, &log, &bytes)),
    })
}

/// `--interval`, validated, ns.
fn interval(args: &ImportArgs) -> Result<Option<i64>, ImportError> {
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
    Ok(interval_ns)
}

/// Writes the run file: header, the file's note and the build's notes,
/// probes, footer; whole, through a temporary file renamed into place.
fn write_run_file(
    args: &ImportArgs,
    built: &Built,
    kind: LogKind,
    source: &Source,
) -> Result<(), ImportError> {
    let out_err = ImportError::output(&args.out);
    let mut staged = Staged::create(&args.out).map_err(out_err)?;
    let mut w = staged.run_writer().map_err(out_err)?;
    w.write(&Line::Header(probe_header(args, built, kind, source)))
        .map_err(out_err)?;
    w.write(&Line::Event(source.note(args.format, None, built.start_ns)))
        .map_err(out_err)?;
    for n in &built.notes {
        w.write(&Line::Event(note_event(args.format, n, built.start_ns)))
            .map_err(out_err)?;
    }
    for p in &built.probes {
        w.write(&Line::Probe(p.clone())).map_err(out_err)?;
    }
    w.write(&Line::Footer(footer(args.format, built)))
        .map_err(out_err)?;
    w.finish().map_err(out_err)?;
    staged.commit().map_err(out_err)
}

/// The log is complete: the footer says so, so readers do not take it for a
/// killed run. `sent` counts what the log and its statistics say was sent.
fn footer(format: ImportFormat, built: &Built) -> Footer {
    let end_ns = built
        .probes
        .iter()
        .map(|p| p.rx_ns.unwrap_or(p.tx_ns))
        .max()
        .unwrap_or(built.start_ns);
    Footer {
        end_ns,
        reason: format!("imported from a {} log", format.name()),
        sent: built.accounting.sent,
        foreign: 0,
    }
}

/// The header of a run file made from a ping/fping log: the command line as
/// given (the interval used is the header's `interval_ns`). The prober's
/// host and kernel are unknown: the host names the log it came from.
fn probe_header(args: &ImportArgs, built: &Built, kind: LogKind, source: &Source) -> Header {
    let mut flags: Vec<(&str, String)> = Vec::new();
    flags.extend(args.interval.clone().map(|i| ("--interval", i)));
    flags.extend(args.target.map(|t| ("--target", t.to_string())));
    let argv = header_argv(args, flags);
    let mut h = Header::without_probes(built.start_ns, argv);
    h.hostname = format!(
        "unknown (imported {} log {})",
        args.format.name(),
        source.name
    );
    h.kernel = "unknown".into();
    h.interval_ns = built.interval.ns;
    h.targets = vec![built.target.clone()];
    h.min_loss_run = 3;
    h.scheduling = match kind {
        LogKind::Ping => "ping".into(),
        LogKind::Fping => "fping".into(),
    };
    h.payload_bytes = built.payload_bytes.unwrap_or(0);
    h
}

/// The `note` event of one fact about the log (its `message` is what the report lists).
fn note_event(format: ImportFormat, note: &Note, at_ns: RealNs) -> EventLine {
    let detail = serde_json::json!({
        "note": note.key,
        "source": format.name(),
        "message": note.message,
    });
    EventLine::local(at_ns, NOTE_KIND, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lists_the_target_and_the_command_line() {
        let args = ImportArgs {
            format: ImportFormat::Ping,
            files: vec!["ping.log".into()],
            origin: None,
            interval: Some("200ms".into()),
            target: "192.0.2.10".parse().ok(),
            out: "run.jsonl".into(),
            caps: Default::default(),
        };
        let log = parse_ping(b"64 bytes from 192.0.2.10: icmp_seq=1 ttl=64 time=0.3 ms\n");
        let opts = BuildOptions {
            interval_ns: Some(200_000_000),
            target: args.target,
        };
        let source = Source::new(std::path::Path::new("dir/ping.log"), b"");
        let h = probe_header(&args, &build(&log, &opts).unwrap(), LogKind::Ping, &source);
        assert_eq!(
            h.argv,
            [
                "migprobe",
                "import",
                "ping",
                "ping.log",
                "--interval",
                "200ms",
                "--target",
                "192.0.2.10",
                "--out",
                "run.jsonl"
            ]
        );
        assert_eq!(
            (h.interval_ns, h.targets.len(), h.scheduling.as_str()),
            (200_000_000, 1, "ping")
        );
        assert_eq!(h.hostname, "unknown (imported ping log ping.log)");
    }
}
