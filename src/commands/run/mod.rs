//! `migprobe run`: probe the guest, listen to both hypervisors, trigger the
//! migration, and write the report.
//!
//! The I/O shell of the [session](crate::session): it validates the flags,
//! opens the files and sockets, probes on a thread (which writes the run
//! file, events included), and feeds the session from this one
//! ([`driver`]) until it finishes.

mod driver;
mod hypervisors;
mod openstack;
mod output;

use super::interrupt_counter;
use super::metrics::listen::Listening;
use super::metrics::{conclude, MetricsOut};
use super::report::write_outputs;
use crate::cli::RunArgs;
use crate::config::{self, validate_duration};
use crate::exit::ExitCode;
use crate::outputs::{RunDir, WriteFailure};
use crate::prom::live::LiveMetrics;
use crate::session::{self, Session, Status};
use crate::terminal::live::LiveLine;
use anyhow::{Context, Result};
use driver::{Driver, Io};
use hypervisors::Listen;
use migprobe_probe::probe::runner::{self, ProbePlan, RunEnd, Sockets};
use migprobe_probe::record::{EventLine, Line, RunWriter};
use migprobe_probe::sys::realtime_now;
use output::RunOutput;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::Mutex;
use std::time::Duration;

/// The validated flags.
struct Settings {
    plan: ProbePlan,
    session: session::Config,
    listen: Listen,
}

/// Validates the flags, in the order they are documented.
fn settings(a: &RunArgs, argv: Vec<String>) -> Result<Settings> {
    let guests = run_guests(a);
    let bound = crate::guests::bind(&a.targets, &guests)?;
    let mut plan = config::plan(&bound.targets, "--target", &a.tuning, None, None, argv)?;
    if guests.len() >= 2 {
        plan.domains = plan
            .targets
            .iter()
            .map(|(n, _)| bound.domain_of(n))
            .collect();
    }
    let hour = Duration::from_secs(3600);
    let warmup = validate_duration("--warmup", &a.warmup, Duration::ZERO, hour)?;
    let cooldown = validate_duration("--cooldown", &a.cooldown, Duration::ZERO, hour)?;
    let timeout = validate_duration(
        "--timeout",
        &a.timeout,
        Duration::from_secs(1),
        7 * 24 * hour,
    )?;
    let repeat = config::validate_int("--repeat", &a.repeat, 1, 10_000)? as u32;
    let parallel = config::validate_int("--parallel", &a.parallel, 1, 1_000)? as usize;
    if guests.len() >= 2 {
        check_evacuation(a, repeat)?;
    }
    config::validate_program(&a.trigger)?;
    if a.wait_for.as_deref().is_some_and(|w| w.trim().is_empty()) {
        let why =
            "an empty command; give a shell command that exits 0 when the migration may start";
        return Err(migprobe_probe::values::bad("--wait-for", "", why).into());
    }
    let listen = Listen::from_args(a)?;
    let session = session::Config {
        argv: a.trigger.clone(),
        endpoints: listen.endpoints().clone(),
        repeat,
        pingpong: a.pingpong,
        stop_on_failure: a.stop_on_failure,
        warmup,
        cooldown,
        timeout,
        with_events: false,
        wait_for: a.wait_for.clone(),
        guests: if guests.len() >= 2 {
            guests
        } else {
            Vec::new()
        },
        parallel,
    };
    Ok(Settings {
        plan,
        session,
        listen,
    })
}

/// The `--domain`s given (none without the libvirt feature).
fn run_guests(a: &RunArgs) -> Vec<String> {
    #[cfg(feature = "libvirt")]
    return a.libvirt.domains.clone();
    #[cfg(not(feature = "libvirt"))]
    return {
        let _ = a;
        Vec::new()
    };
}

/// A host evacuation is one migration per guest, each in its own direction:
/// `--repeat` and `--pingpong` do not apply.
fn check_evacuation(a: &RunArgs, repeat: u32) -> Result<()> {
    let why = "a host evacuation (several --domain) migrates each guest once; \
               run migprobe again for another round";
    if repeat > 1 {
        return Err(migprobe_probe::values::bad("--repeat", &a.repeat, why).into());
    }
    if a.pingpong {
        return Err(migprobe_probe::values::bad("--pingpong", "", why).into());
    }
    Ok(())
}

/// Runs the whole measurement: Ok when every migration succeeded, Failed
/// when a trigger or a migration failed, Error when interrupted or timed out.
pub(crate) fn execute(a: &RunArgs) -> Result<ExitCode> {
    let argv: Vec<String> = std::env::args().collect();
    let (filled, nova) = openstack::prepare(a)?.unzip();
    let a = filled.as_ref().unwrap_or(a);
    let Settings {
        plan,
        session: mut cfg,
        listen,
    } = settings(a, argv.clone())?;
    let dir = a.out.clone().unwrap_or_else(default_dir);
    // Every pre-flight check before any file is touched.
    let files = RunDir::new(&dir, a.force, a.format.format());
    files.check()?;
    let output = RunOutput::check(&a.output)?;
    let listening = a.listen.listen.is_some();
    let metrics = MetricsOut::from_args(&a.metrics, &files.run_path(), listening)?;
    let labels = || super::metrics::labels(&a.metrics, &files.run_path());
    let listening = Listening::from_args(&a.listen, true, labels)?;
    let sockets = Sockets::open(&plan)?;
    super::check_capacity(&plan, &sockets, a.tuning.allow_overload)?;
    let (cap_tx, cap_rx) = mpsc::channel::<EventLine>();
    let listener = listen.start(cap_tx.clone())?;
    let nova = nova.map(|n| n.start(&cap_tx));
    cfg.with_events = listener.is_listening();
    let failure = WriteFailure::default();
    output.prepare()?;
    let (writer, trigger_log) = files.create(&failure)?;
    let signals = interrupt_counter("stopping: the trigger is stopped, the report is written")?;
    crate::say!("migprobe: run directory {}", dir.display());

    let mut session = Session::new(cfg);
    let (ev_tx, ev_rx) = mpsc::channel::<EventLine>();
    let probing = Probing {
        plan: &plan,
        sockets: &sockets,
        status: &Mutex::new(session.status().clone()),
        stop: &AtomicUsize::new(0),
        stop_reason: &Mutex::new(String::new()),
        failure: &failure,
        quiet: a.output.quiet,
        live: listening.as_ref().map(Listening::live),
    };
    let (code, probe_end) = std::thread::scope(|s| {
        let probe = s.spawn(|| probing.record(writer, ev_rx));
        let mut driver = Driver::new(Io {
            captured: &cap_rx,
            record: &ev_tx,
            signals: &signals,
            status: probing.status,
            trigger_log: &trigger_log,
            failure: &failure,
            quiet: a.output.quiet,
        });
        let (reason, code) = driver.drive(&mut session);
        listener.stop();
        if let Some(n) = nova {
            n.stop();
        }
        driver.drain(&mut session);
        probing.stop(reason);
        (code, probe.join())
    });
    drop(cap_tx);
    if let Some(e) = failure.stopped(&files.run_path()) {
        return Err(e);
    }
    match probe_end {
        Ok(r) => r.with_context(|| format!("writing {}", files.run_path().display()))?,
        Err(_) => anyhow::bail!(
            "the probe thread panicked; the run file {} is kept",
            files.run_path().display()
        ),
    };
    let (out, run) = write_outputs(&files, &argv, metrics.as_ref()).map_err(|e| {
        let run = files.run_path();
        anyhow::anyhow!(
            "{e:#}\n  the run file {} is complete: make the reports with `migprobe report {}` once there is room",
            run.display(),
            run.display()
        )
    })?;
    output.finish(&files, &out, &run)?;
    conclude(
        metrics.as_ref(),
        listening.as_ref(),
        Some(&out.report),
        &signals,
    )?;
    Ok(code)
}

/// The probe side of a run: it writes the run file and draws the live line.
struct Probing<'a> {
    plan: &'a ProbePlan,
    sockets: &'a Sockets,
    /// The session's status, shown on the live line.
    status: &'a Mutex<Status>,
    /// Set to stop probing.
    stop: &'a AtomicUsize,
    /// The footer's reason.
    stop_reason: &'a Mutex<String>,
    /// Where a failed write of the run file is told, to stop the run.
    failure: &'a WriteFailure,
    quiet: bool,
    /// The live `/metrics` figures, with `--listen`.
    live: Option<&'a LiveMetrics>,
}

impl Probing<'_> {
    /// Probes until stopped, recording `events` too; finishes the run file.
    fn record(&self, mut writer: RunWriter, events: Receiver<EventLine>) -> io::Result<RunEnd> {
        let path = writer.path().to_owned();
        let mut sink = |l: &Line| {
            if let Some(m) = self.live {
                m.observe(l);
            }
            writer.write(l)
        };
        let mut live = LiveLine::new(self.quiet);
        let mut on_live = |l: &[_], e| {
            let st = self.status.lock().map(|s| s.clone()).unwrap_or_default();
            if let Some(m) = self.live {
                m.set_engine(l);
                m.set_phase(&st.phase);
            }
            live.update_with(l, e, &st.phase, &st.last_event);
        };
        let hooks = runner::Hooks {
            interrupts: self.stop,
            events: Some(&events),
            on_live: &mut on_live,
            stop_reason: Some(self.stop_reason),
        };
        let end = runner::probe_session(self.plan, self.sockets, &mut sink, hooks);
        live.finish();
        end.and_then(|e| writer.finish().map(|()| e))
            .inspect_err(|e| self.failure.record(&path, e))
    }

    /// Stops probing; `reason` goes into the footer.
    fn stop(&self, reason: String) {
        if let Ok(mut r) = self.stop_reason.lock() {
            *r = reason;
        }
        self.stop.store(1, Ordering::Relaxed);
    }
}

fn default_dir() -> PathBuf {
    let secs = realtime_now().0 / 1_000_000_000;
    let (y, mo, d, h, mi, s) = migprobe_probe::types::civil_utc(secs);
    PathBuf::from(format!(
        "reports/run-{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z"
    ))
}
