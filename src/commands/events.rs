//! `migprobe events`: capture both hypervisors' events to a run file.

use super::interrupt_counter;
use crate::cli::EventsArgs;
use crate::exit::ExitCode;
use crate::outputs::stream::write_error;
use crate::outputs::OutputSet;
use crate::terminal::events::render;
use anyhow::Result;
use migprobe_probe::record::{Footer, Header, Line, RunFormat, RunWriter};
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
    let set = OutputSet::run_file(a.out.as_deref(), a.force)?;
    let (tx, rx) = mpsc::channel();
    let capture = Capture::start(cfg, tx)?;
    let format = a
        .out
        .as_deref()
        .map(RunFormat::for_path)
        .unwrap_or_default();
    let mut writer = set
        .as_ref()
        .map(|s| s.create_run_file(format))
        .transpose()?;
    let interrupts = interrupt_counter("stopping; reading the completed job statistics")?;
    let t0 = realtime_now();
    let write = |w: &mut Option<RunWriter>, l: &Line| -> Result<()> {
        if let Some(w) = w.as_mut() {
            w.write(l).map_err(|e| write_error(w.path(), &e))?;
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
                crate::say!("{}", render(&e, t0));
            }
            count += 1;
            write(&mut writer, &Line::Event(e))?;
        }
        if let Some(w) = writer.as_mut() {
            w.flush_if_due().map_err(|e| write_error(w.path(), &e))?;
        }
    };
    capture.stop();
    for e in rx.try_iter() {
        if !a.quiet {
            crate::say!("{}", render(&e, t0));
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
        let path = w.path().to_owned();
        w.finish().map_err(|e| write_error(&path, &e))?;
    }
    crate::say!("migprobe: {count} events ({reason})");
    Ok(ExitCode::Ok)
}
