//! `migprobe events`: capture both hypervisors' events to a run file.

use super::interrupt_counter;
use crate::cli::EventsArgs;
use crate::exit::ExitCode;
use crate::terminal::events::render;
use anyhow::{Context, Result};
use migprobe_probe::record::{Footer, Header, Line, RunWriter};
use migprobe_probe::sys::realtime_now;
use migprobe_sources::events::capture::Capture;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Captures events until Ctrl-C or `--duration`.
pub(crate) fn execute(a: &EventsArgs) -> Result<ExitCode> {
    let cfg = crate::config::capture_config(&a.libvirt, true)?
        .ok_or_else(|| anyhow::anyhow!("--src-uri and --domain are required"))?;
    let duration = crate::config::validate_run_length(a.duration.as_deref())?;
    let mut writer = match &a.out {
        Some(p) => Some(
            RunWriter::create(p)
                .with_context(|| format!("--out {}: cannot create the run file", p.display()))?,
        ),
        None => None,
    };
    let (tx, rx) = mpsc::channel();
    let capture = Capture::start(cfg, tx)?;
    let interrupts = interrupt_counter("stopping; reading the completed job statistics")?;
    let t0 = realtime_now();
    let write = |w: &mut Option<RunWriter>, l: &Line| -> Result<()> {
        if let Some(w) = w.as_mut() {
            w.write(l)
                .with_context(|| format!("writing {}", w.path().display()))?;
        }
        Ok(())
    };
    write(
        &mut writer,
        &Line::Header(Header::without_probes(t0, std::env::args().collect())),
    )?;
    let started = Instant::now();
    let mut count = 0u64;
    let reason = loop {
        if interrupts.load(Ordering::Relaxed) > 0 {
            break "interrupted";
        }
        if duration.is_some_and(|d| started.elapsed() >= d) {
            break "duration";
        }
        if let Ok(e) = rx.recv_timeout(Duration::from_millis(50)) {
            if !a.quiet {
                eprintln!("{}", render(&e, t0));
            }
            count += 1;
            write(&mut writer, &Line::Event(e))?;
        }
        if let Some(w) = writer.as_mut() {
            w.flush_if_due()?;
        }
    };
    capture.stop();
    for e in rx.try_iter() {
        if !a.quiet {
            eprintln!("{}", render(&e, t0));
        }
        count += 1;
        write(&mut writer, &Line::Event(e))?;
    }
    let footer = Footer {
        end_ns: realtime_now(),
        reason: reason.into(),
        sent: 0,
        foreign: 0,
    };
    write(&mut writer, &Line::Footer(footer))?;
    if let Some(w) = writer {
        w.finish()?;
    }
    eprintln!("migprobe: {count} events ({reason})");
    Ok(ExitCode::Ok)
}
