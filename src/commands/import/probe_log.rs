//! `migprobe import ping|fping`: one log becomes a new run file with one
//! target.
//!
//! Rules: the log is read and built before `--out` is touched, and `--out`
//! must not exist yet (or be empty). The file gets a header listing the
//! target, a `note` event when the send times are reconstructed, one probe
//! line per index, and a footer (the log is complete, not a killed run).

use super::out_file::check_out_free;
use super::{header_argv, read_input, ImportError, ImportReport, ProbeReport};
use crate::cli::import::{ImportArgs, ImportFormat};
use crate::outputs::staged::Staged;
use migprobe_probe::input::Limits;
use migprobe_probe::record::{EventLine, Footer, Header, Line, Origin, ProbeStatus};
use migprobe_probe::types::duration_ns;
use migprobe_sources::import::{
    build, parse_fping, parse_ping, BuildOptions, Built, LogKind, PingLog, NOTE_KIND,
};
use std::path::Path;

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
    let built = build(&log, &opts).map_err(|source| ImportError::Log {
        path: path.clone(),
        source,
    })?;
    check_out_free(
        &args.out,
        crate::config::input_limits(&args.caps, Limits::RUN_FILE)?,
    )?;
    write_run_file(args, &built, log.kind)?;
    Ok(ImportReport {
        out: args.out.clone(),
        created: true,
        format: args.format,
        files: Vec::new(),
        probes: Some(probe_report(path, &built, &log)),
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

/// Writes the run file: header, the reconstruction note if any, probes,
/// footer; whole, through a temporary file renamed into place.
fn write_run_file(args: &ImportArgs, built: &Built, kind: LogKind) -> Result<(), ImportError> {
    let out_err = ImportError::output(&args.out);
    let mut staged = Staged::create(&args.out).map_err(out_err)?;
    let mut w = staged.run_writer().map_err(out_err)?;
    w.write(&Line::Header(probe_header(args, built, kind)))
        .map_err(out_err)?;
    if built.reconstructed {
        w.write(&Line::Event(reconstructed_note(args.format, built)))
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

/// The log is complete: the footer says so, so readers do not take it for a killed run.
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
        sent: built.probes.len() as u64,
        foreign: 0,
    }
}

/// What became of the log, for the report.
fn probe_report(path: &Path, built: &Built, log: &PingLog) -> ProbeReport {
    ProbeReport {
        path: path.to_owned(),
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
    }
}

/// The header of a run file made from a ping/fping log.
fn probe_header(args: &ImportArgs, built: &Built, kind: LogKind) -> Header {
    let interval = std::time::Duration::from_nanos(u64::try_from(built.interval_ns).unwrap_or(0));
    let mut flags = vec![(
        "--interval",
        humantime::format_duration(interval).to_string(),
    )];
    flags.extend(args.target.map(|t| ("--target", t.to_string())));
    let argv = header_argv(args, flags);
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
        kind: NOTE_KIND,
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
        let h = probe_header(&args, &build(&log, &opts).unwrap(), LogKind::Ping);
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
    }
}
