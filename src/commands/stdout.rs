//! What a command prints on stdout, by `--json` / `--quiet`: its text, JSON
//! only, or nothing. Warnings and notes go to stderr either way.

use crate::cli::StdoutArgs;
use anyhow::{bail, Context, Result};
use migprobe_analysis::gate::render::OutputFormat;
use std::io::Write;

/// Prints `text()` (the usual output) or `json()` (with `--json`) on stdout,
/// or nothing (with `--quiet`); only the one wanted is rendered.
pub(crate) fn emit(
    mode: StdoutArgs,
    text: impl FnOnce() -> String,
    json: impl FnOnce() -> Result<String>,
) -> Result<()> {
    if mode.quiet {
        return Ok(());
    }
    let mut out = if mode.json { json()? } else { text() };
    if mode.json && !out.ends_with('\n') {
        out.push('\n');
    }
    write(&out)
}

/// Writes `s` to stdout. A reader that went away (`| head`: a broken pipe)
/// is not an error — the files hold the results and the exit status still
/// tells; any other failure (a full disk) is, and never a panic.
pub(crate) fn write(s: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(e).context("cannot write to stdout")
        }
        _ => Ok(()),
    }
}

/// Pretty JSON of `v`.
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string_pretty(v).context("cannot render JSON")
}

/// `gate`'s stdout format: `--format`, where `--json` is `--format json`.
pub(crate) fn gate_format(format: &str, mode: StdoutArgs) -> Result<OutputFormat> {
    let f = OutputFormat::parse(format)?;
    if mode.json && !matches!(f, OutputFormat::Json | OutputFormat::Text) {
        bail!("--json and --format {format:?} ask for two outputs on stdout: give one of them (--json is --format json)");
    }
    Ok(if mode.json { OutputFormat::Json } else { f })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_format_json_and_conflicts_with_markdown() {
        let json = StdoutArgs {
            json: true,
            quiet: false,
        };
        assert_eq!(gate_format("text", json).unwrap(), OutputFormat::Json);
        assert_eq!(gate_format("json", json).unwrap(), OutputFormat::Json);
        let e = gate_format("markdown", json).unwrap_err().to_string();
        assert!(e.contains("--json") && e.contains("--format"), "{e}");
        let text = StdoutArgs::default();
        assert_eq!(gate_format("md", text).unwrap(), OutputFormat::Markdown);
    }
}
