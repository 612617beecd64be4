//! Which format a file that is not of the FORMAT given looks like, so that a
//! refusal can name the right command.
//!
//! Rules: a format "holds" a text when its own parser finds something in it
//! (per-probe lines, or events); no separate heuristics. Only run on the
//! error path.

use super::ImportError;
use crate::cli::import::ImportFormat;
use migprobe_probe::record::{BadLines, Origin};
use migprobe_sources::import::{
    build, parse_fping, parse_ping, parse_qemu_monitor_events, parse_virsh_events, shown_line,
    BuildError, BuildOptions, ParsedText,
};
use std::path::Path;

/// The formats tried, most specific first.
const FORMATS: [ImportFormat; 4] = [
    ImportFormat::QemuMonitorEvent,
    ImportFormat::VirshEvent,
    ImportFormat::Fping,
    ImportFormat::Ping,
];

/// The refusal of `path`, whose `bytes` hold nothing of `format`.
pub(super) fn wrong_format(
    path: &Path,
    format: ImportFormat,
    bytes: &[u8],
    bad: &BadLines,
) -> ImportError {
    let first = bad
        .examples()
        .first()
        .map(|n| match shown_line(bytes, *n) {
            Some(text) => format!(", first at line {n}: {}", quote(&text)),
            None => format!(", first at line {n}"),
        })
        .unwrap_or_default();
    let hint = match looks_like(bytes, format) {
        Some(f) => format!(
            "; it looks like {} output: `migprobe import {} {} ...`",
            f.name(),
            f.name(),
            path.display()
        ),
        None => "; give the FORMAT of the tool that wrote it (ping, fping, virsh-event, qemu-monitor-event)".into(),
    };
    ImportError::WrongFormat {
        path: path.to_owned(),
        format: format.name(),
        bad: bad.count(),
        first,
        hint,
    }
}

/// `text` quoted, cut to 60 characters.
pub(super) fn quote(text: &str) -> String {
    let mut q: String = text.chars().take(60).collect();
    if q.len() < text.len() {
        q.push('…');
    }
    format!("{q:?}")
}

/// The first other format whose parser finds something in `bytes`.
fn looks_like(bytes: &[u8], not: ImportFormat) -> Option<ImportFormat> {
    FORMATS
        .into_iter()
        .filter(|f| *f != not)
        .find(|f| holds(*f, bytes))
}

/// True when `format`'s parser finds per-probe lines or events in `bytes`.
fn holds(format: ImportFormat, bytes: &[u8]) -> bool {
    let events = |p: ParsedText| !p.events.is_empty() || p.no_timestamp > 0;
    let probes = |log| {
        !matches!(
            build(&log, &BuildOptions::default()),
            Err(BuildError::NoProbes)
        )
    };
    match format {
        ImportFormat::Ping => probes(parse_ping(bytes)),
        ImportFormat::Fping => probes(parse_fping(bytes)),
        ImportFormat::VirshEvent => events(parse_virsh_events(bytes, Origin::Src, None)),
        ImportFormat::QemuMonitorEvent => {
            events(parse_qemu_monitor_events(bytes, Origin::Src, None))
        }
    }
}
