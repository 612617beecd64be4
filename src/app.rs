//! Runs a parsed command line; maps every outcome to an exit code.

use crate::analysis::SummaryBuilder;
use crate::cli::{Cli, Command, ProbeArgs, SummaryArgs};
use crate::output::{live::LiveLine, summary};
use crate::probe::runner::{self, Sockets};
use crate::record::{read_run, Line, ProbeStatus, RunWriter};
use anyhow::{Context, Result};
use clap::Parser;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

/// Exit code: success.
pub const EXIT_OK: i32 = 0;
/// Exit code: a gate or check failed.
pub const EXIT_FAILED: i32 = 1;
/// Exit code: bad usage or a runtime error.
pub const EXIT_ERROR: i32 = 2;

/// Parses `std::env::args`, runs, and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("migprobe: error: {e:#}");
            EXIT_ERROR
        }
    }
}

fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Probe(a) => probe(&a),
        Command::Summary(a) => summary_cmd(&a),
    }
}

/// Counts SIGINT / SIGTERM so long runs end cleanly.
fn interrupt_counter() -> Result<Arc<AtomicUsize>> {
    let count = Arc::new(AtomicUsize::new(0));
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
    ])
    .context("cannot install signal handlers")?;
    let c = Arc::clone(&count);
    std::thread::spawn(move || {
        for _ in signals.forever() {
            let n = c.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if n == 0 {
                eprintln!(
                    "\nmigprobe: stopping; waiting for late replies (interrupt again to stop now)"
                );
            }
        }
    });
    Ok(count)
}

fn probe(a: &ProbeArgs) -> Result<i32> {
    let plan = crate::config::probe_plan(a, std::env::args().collect())?;
    let sockets = Sockets::open(&plan)?;
    let mut writer = match &a.out {
        Some(p) => Some(
            RunWriter::create(p)
                .with_context(|| format!("--out {}: cannot create the run file", p.display()))?,
        ),
        None => None,
    };
    let interrupts = interrupt_counter()?;
    let mut live = LiveLine::new(a.quiet);
    let mut builder: Option<SummaryBuilder> = None;
    let mut sink = |line: &Line| -> std::io::Result<()> {
        match line {
            Line::Header(h) => builder = Some(SummaryBuilder::new(&h.targets, h.interval_ns)),
            Line::Probe(p) if p.status != ProbeStatus::Pending => {
                if let Some(b) = builder.as_mut() {
                    b.add(p)
                }
            }
            Line::Duplicate(d) => {
                if let Some(b) = builder.as_mut() {
                    b.add_duplicate(d)
                }
            }
            _ => {}
        }
        match writer.as_mut() {
            Some(w) => w.write(line),
            None => Ok(()),
        }
    };
    let end = runner::run(&plan, &sockets, &mut sink, &interrupts, &mut |l, e| {
        live.update(l, e)
    });
    live.finish();
    let end = match (end, &a.out) {
        (Ok(end), _) => end,
        (Err(e), Some(p)) => return Err(e).with_context(|| format!("writing {}", p.display())),
        (Err(e), None) => return Err(e.into()),
    };
    if let Some(w) = writer {
        let path = w.path().to_owned();
        w.finish()
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(b) = builder {
        print!("{}", summary::render(&b.finish(), &end.reason));
    }
    Ok(EXIT_OK)
}

fn summary_cmd(a: &SummaryArgs) -> Result<i32> {
    let run = read_run(&a.run)?;
    let mut b = SummaryBuilder::new(&run.header.targets, run.header.interval_ns);
    run.probes.iter().for_each(|p| b.add(p));
    run.duplicates.iter().for_each(|d| b.add_duplicate(d));
    let s = b.finish();
    if a.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        let reason = match &run.footer {
            Some(f) => f.reason.clone(),
            None => "no footer: the run was killed; unsettled probes had no reply when it stopped"
                .into(),
        };
        print!("{}", summary::render(&s, &reason));
        if run.bad_line_count > 0 {
            eprintln!(
                "migprobe: warning: {} unreadable line(s) skipped, first at line {}",
                run.bad_line_count,
                run.bad_lines.first().map(|b| b.0).unwrap_or(0)
            );
        }
    }
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    #[test]
    fn exit_codes_are_distinct() {
        assert_eq!(
            [super::EXIT_OK, super::EXIT_FAILED, super::EXIT_ERROR],
            [0, 1, 2]
        );
    }
}
