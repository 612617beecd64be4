//! `migprobe cat`: a run file of either format as JSON Lines on stdout, byte
//! for byte what `--format jsonl` writes; damaged or cut compact frames are
//! reported on stderr, and the rest printed.

use crate::cli::CatArgs;
use crate::config::input_limits;
use crate::exit::ExitCode;
use anyhow::{anyhow, bail, Context, Result};
use migprobe_probe::input::Limits;
use migprobe_probe::record::compact::{self, Damage};
use migprobe_probe::record::Line;
use std::io::{self, BufRead, Read, Write};

/// Prints the run file `a.run` as JSON Lines.
pub(crate) fn execute(a: &CatArgs) -> Result<ExitCode> {
    let limits = input_limits(&a.caps, Limits::RUN_FILE)?;
    let path = compact::resolve(&a.run).map_err(|e| anyhow!(e))?;
    let (lines, damage) = compact::open(&path, limits)?;
    let mut input = lines.into_input();
    let name = path.display();
    let mut first = Vec::new();
    (&mut input)
        .take(limits.max_line.saturating_add(1))
        .read_until(b'\n', &mut first)
        .with_context(|| format!("cannot read {name}"))?;
    if let Err(why) = header(&first) {
        let found = damage.take();
        bail!(
            "{name} is not a migprobe run file: line 1 {why}{}",
            found
                .iter()
                .map(|d| format!("; {}", describe(d)))
                .collect::<String>()
        );
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let copied = out
        .write_all(&first)
        .and_then(|()| io::copy(&mut input, &mut out).map(drop))
        .and_then(|()| out.flush());
    match copied {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::Ok),
        other => other.with_context(|| format!("cannot print {name}"))?,
    }
    for d in damage.take() {
        crate::say!("migprobe: warning: {name}: {}", describe(&d));
    }
    Ok(ExitCode::Ok)
}

/// Ok when `line` is a run-file header, else what it is.
fn header(line: &[u8]) -> Result<(), String> {
    let text = line.strip_suffix(b"\n").unwrap_or(line);
    if text.is_empty() {
        return Err("is missing (the file is empty)".into());
    }
    match serde_json::from_slice::<serde_json::Value>(text) {
        Err(_) => Err("is not JSON".into()),
        Ok(v) if v.get("type").and_then(|t| t.as_str()) != Some("header") => {
            Err("is not a header".into())
        }
        Ok(v) => serde_json::from_value::<Line>(v)
            .map(drop)
            .map_err(|e| format!("is a damaged header ({e})")),
    }
}

/// One damaged frame, for stderr.
fn describe(d: &Damage) -> String {
    format!(
        "byte {}: {} (before line {} of the output)",
        d.offset, d.why, d.line
    )
}
