//! `migprobe probe`.

use super::interrupt_counter;
use super::metrics::listen::Listening;
use super::metrics::{report_for_run, MetricsOut};
use crate::cli::{ProbeArgs, StdoutArgs};
use crate::exit::ExitCode;
use crate::outputs::stream::write_error;
use crate::outputs::OutputSet;
use crate::terminal::{live::LiveLine, summary};
use anyhow::Result;
use migprobe_analysis::analysis::sessions::{sessions, SessionView};
use migprobe_analysis::analysis::SummaryBuilder;
use migprobe_analysis::report::Report;
use migprobe_probe::probe::runner::{self, RunEnd, Sockets};
use migprobe_probe::record::{kinds, Line, ProbeStatus, RunWriter};
use std::path::Path;

/// Probes until the count, duration or Ctrl-C; writes the run file and prints the summary
/// (as JSON with `--json`, nothing with `--quiet`).
pub(crate) fn execute(a: &ProbeArgs) -> Result<ExitCode> {
    let plan = crate::config::probe_plan(a, std::env::args().collect())?;
    let out = a.out.as_deref();
    let format = out
        .map(|o| crate::config::run_file_format(a.format, o))
        .transpose()?
        .unwrap_or_default();
    let set = OutputSet::run_file(out, a.force)?;
    let metrics = MetricsOut::for_probe(&a.metrics, out, a.listen.listen.is_some())?;
    let labels = || super::metrics::labels(&a.metrics, out.unwrap_or(Path::new("./run.jsonl")));
    let listening = Listening::from_args(&a.listen, false, labels)?;
    let sockets = Sockets::open(&plan)?;
    super::check_capacity(&plan, &sockets, a.tuning.allow_overload)?;
    let mut writer = set
        .as_ref()
        .map(|s| s.create_run_file(format))
        .transpose()?;
    let interrupts =
        interrupt_counter("stopping; waiting for late replies (interrupt again to stop now)")?;
    let mut live = LiveLine::new(a.quiet);
    let mut builder: Option<SummaryBuilder> = None;
    let mut session_events = Vec::new();
    let mut sink = |line: &Line| -> std::io::Result<()> {
        if let Some(l) = &listening {
            l.live().observe(line);
        }
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
            Line::Event(e) if e.kind == kinds::TCP_SESSION || e.kind == kinds::TCP_SESSION_LOST => {
                session_events.push(e.clone())
            }
            _ => {}
        }
        match writer.as_mut() {
            Some(w) => w.write(line),
            None => Ok(()),
        }
    };
    let mut on_live = |l: &[_], e| {
        if let Some(m) = &listening {
            m.live().set_engine(l);
        }
        live.update(l, e)
    };
    let hooks = runner::Hooks {
        interrupts: &interrupts,
        events: None,
        on_live: &mut on_live,
        stop_reason: None,
    };
    let end = runner::probe_session(&plan, &sockets, &mut sink, hooks);
    live.finish();
    let end = match (end, out) {
        (Ok(end), _) => end,
        (Err(e), Some(p)) => return Err(write_error(p, &e)),
        (Err(e), None) => return Err(e.into()),
    };
    let report = finish_run_file(writer, metrics.as_ref(), listening.is_some())?;
    if let Some(b) = builder {
        let sessions = sessions(&end.header.targets, &session_events);
        print_summary(a, b, &sessions, &end)?;
    }
    super::metrics::conclude(
        metrics.as_ref(),
        listening.as_ref(),
        report.as_ref(),
        &interrupts,
    )?;
    Ok(ExitCode::Ok)
}

/// Closes the run file and, when figures are wanted from it (metrics file,
/// push, live endpoint), makes its report and writes the metrics file.
fn finish_run_file(
    writer: Option<RunWriter>,
    metrics: Option<&MetricsOut>,
    listening: bool,
) -> Result<Option<Report>> {
    let Some(w) = writer else {
        return Ok(None);
    };
    let path = w.path().to_owned();
    w.finish().map_err(|e| write_error(&path, &e))?;
    if metrics.is_none() && !listening {
        return Ok(None);
    }
    let report = report_for_run(&path)?;
    metrics.map(|m| m.write(&report)).transpose()?;
    Ok(Some(report))
}

/// Prints the per-target statistics: text, JSON with `--json`, nothing with `--quiet`.
fn print_summary(
    a: &ProbeArgs,
    b: SummaryBuilder,
    sessions: &[SessionView],
    end: &RunEnd,
) -> Result<()> {
    let s = b.finish();
    let mode = StdoutArgs {
        json: a.json,
        quiet: a.quiet,
    };
    let text = || summary::render(&s, &end.header.targets, sessions, &end.reason);
    super::stdout::emit(mode, text, || super::stdout::to_json(&s))
}
