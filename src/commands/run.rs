//! `migprobe run`: probe the guest, listen to both hypervisors, trigger the
//! migration, and write the report.

use super::interrupt_counter;
use super::report::{write_outputs, OutputFiles};
use crate::cli::RunArgs;
use crate::config::{self, validate_duration};
use crate::events::kinds;
use crate::output::{events::render as render_event, live::LiveLine};
use crate::probe::runner::{self, Sockets};
use crate::record::{EventLine, Line, Origin};
use crate::sys::realtime_now;
use crate::trigger::{Exit, Trigger};
use anyhow::{Context, Result};
use serde_json::json;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What the live line shows besides the probe counters.
#[derive(Debug, Default, Clone)]
struct Status {
    phase: String,
    last_event: String,
}

/// How the orchestration ended.
#[derive(Debug, Default)]
struct Outcome {
    exit: Option<Exit>,
    migration_ended: bool,
    migration_failed: bool,
    interrupted: bool,
    timed_out: bool,
    spawn_error: Option<String>,
}

/// Runs the whole measurement; returns 0 when the migration succeeded, 1 when the
/// trigger or the migration failed, 2 when interrupted or timed out.
pub fn run(a: &RunArgs) -> Result<i32> {
    let argv: Vec<String> = std::env::args().collect();
    let plan = config::plan(&a.targets, "--target", &a.tuning, None, None, argv.clone())?;
    let hour = Duration::from_secs(3600);
    let warmup = validate_duration("--warmup", &a.warmup, Duration::ZERO, hour)?;
    let cooldown = validate_duration("--cooldown", &a.cooldown, Duration::ZERO, hour)?;
    let timeout = validate_duration(
        "--timeout",
        &a.timeout,
        Duration::from_secs(1),
        7 * 24 * hour,
    )?;
    #[cfg(feature = "libvirt")]
    let capture_cfg = config::capture_config(&a.libvirt, false)?;
    let dir = a.out.clone().unwrap_or_else(default_dir);
    let files = OutputFiles::create(&dir)?;
    let writer = files.run_writer()?;
    let trigger_log = files.trigger_log()?;
    let sockets = Sockets::open(&plan)?;
    let (cap_tx, cap_rx) = mpsc::channel::<EventLine>();
    #[cfg(feature = "libvirt")]
    let capture = capture_cfg
        .map(|c| crate::events::capture::Capture::start(c, cap_tx.clone()))
        .transpose()?;
    #[cfg(not(feature = "libvirt"))]
    let capture: Option<()> = None;
    let with_events = capture.is_some();
    let signals = interrupt_counter("stopping: the trigger is stopped, the report is written")?;
    eprintln!("migprobe: run directory {}", dir.display());

    let (ev_tx, ev_rx) = mpsc::channel::<EventLine>();
    let stop_probe = AtomicUsize::new(0);
    let stop_reason = Mutex::new(String::new());
    let status = Mutex::new(Status {
        phase: "warm-up".into(),
        ..Status::default()
    });
    let quiet = a.quiet;
    let (outcome, probe_end) = std::thread::scope(|s| {
        let (plan, sockets, status_ref, stop_ref) = (&plan, &sockets, &status, &stop_probe);
        let reason_ref = &stop_reason;
        let probe = s.spawn(move || {
            let (mut writer, ev_rx) = (writer, ev_rx);
            let status = status_ref;
            let mut sink = |l: &Line| writer.write(l);
            let mut live = LiveLine::new(quiet);
            let mut on_live = |l: &[_], e| {
                let st = status.lock().map(|s| s.clone()).unwrap_or_default();
                live.update_with(l, e, &format!("  | {} | {}", st.phase, st.last_event));
            };
            let hooks = runner::Hooks {
                interrupts: stop_ref,
                events: Some(&ev_rx),
                on_live: &mut on_live,
                stop_reason: Some(reason_ref),
            };
            let end = runner::run(plan, sockets, &mut sink, hooks);
            live.finish();
            end.and_then(|e| writer.finish().map(|()| e))
        });
        let ctx = Orchestra {
            cap_rx: &cap_rx,
            ev_tx: &ev_tx,
            signals: &signals,
            status: &status,
            quiet,
            t0: realtime_now(),
        };
        let outcome = ctx.orchestrate(
            &a.trigger,
            trigger_log,
            warmup,
            cooldown,
            timeout,
            with_events,
        );
        #[cfg(feature = "libvirt")]
        if let Some(c) = capture {
            c.stop();
        }
        ctx.forward();
        if let Ok(mut r) = stop_reason.lock() {
            *r = outcome.reason();
        }
        stop_probe.store(1, Ordering::Relaxed);
        (outcome, probe.join())
    });
    drop(cap_tx);
    let end = match probe_end {
        Ok(r) => r.with_context(|| format!("writing {}", files.run_path().display()))?,
        Err(_) => anyhow::bail!(
            "the probe thread panicked; the run file {} is kept",
            files.run_path().display()
        ),
    };
    let summary = write_outputs(&files, &argv)?;
    println!("{summary}");
    println!("files: {}", files.list());
    let code = if outcome.interrupted || outcome.timed_out {
        2
    } else if outcome.spawn_error.is_some()
        || outcome.migration_failed
        || !outcome.exit.as_ref().is_some_and(Exit::success)
    {
        1
    } else {
        0
    };
    let _ = end;
    Ok(code)
}

impl Outcome {
    /// The footer's `reason`.
    fn reason(&self) -> String {
        if self.interrupted {
            "interrupted".into()
        } else if self.timed_out {
            "timeout".into()
        } else if let Some(e) = &self.spawn_error {
            format!("trigger failed to start: {e}")
        } else if self.migration_failed {
            "migration failed".into()
        } else {
            match &self.exit {
                Some(e) if e.success() => "migration ended".into(),
                Some(e) => format!("trigger failed (exit {:?}, signal {:?})", e.code, e.signal),
                None => "stopped".into(),
            }
        }
    }
}

fn default_dir() -> PathBuf {
    let secs = realtime_now().0 / 1_000_000_000;
    let (y, mo, d, h, mi, s) = crate::types::civil_utc(secs);
    PathBuf::from(format!(
        "reports/run-{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z"
    ))
}

struct Orchestra<'a> {
    cap_rx: &'a Receiver<EventLine>,
    ev_tx: &'a Sender<EventLine>,
    signals: &'a AtomicUsize,
    status: &'a Mutex<Status>,
    quiet: bool,
    t0: crate::types::RealNs,
}

impl Orchestra<'_> {
    fn set_phase(&self, phase: &str) {
        if let Ok(mut s) = self.status.lock() {
            s.phase = phase.into();
        }
    }

    fn local(&self, kind: &str, detail: serde_json::Value) {
        let e = EventLine {
            at_ns: realtime_now(),
            source_ts_ns: None,
            origin: Origin::Local,
            kind: kind.into(),
            detail,
            raw: None,
        };
        let _ = self.ev_tx.send(e);
    }

    /// Passes hypervisor events on to the recorder; returns what they say about the migration.
    fn forward(&self) -> (bool, bool) {
        let (mut ended, mut failed) = (false, false);
        for e in self.cap_rx.try_iter() {
            let reason = e
                .detail
                .get("reason")
                .and_then(|r| r.as_str())
                .unwrap_or("");
            let qstatus = e
                .detail
                .get("status")
                .and_then(|r| r.as_str())
                .unwrap_or("");
            let src = e.origin == Origin::Src;
            let phase = match (e.origin, e.kind.as_str()) {
                (Origin::Dst, kinds::STARTED) => Some("copying"),
                (Origin::Src, kinds::SUSPENDED) => Some("switchover"),
                (Origin::Dst, kinds::RESUMED) => Some("resumed on destination"),
                _ => None,
            };
            if let Some(p) = phase {
                self.set_phase(p);
            }
            if src
                && (e.kind == kinds::JOB_COMPLETED
                    || (e.kind == kinds::STOPPED && reason == "migrated"))
            {
                ended = true;
            }
            if src && e.kind == kinds::QEMU_MIGRATION && matches!(qstatus, "failed" | "cancelled") {
                ended = true;
                failed = true;
            }
            if e.kind != kinds::JOB_STATS {
                if !self.quiet {
                    eprintln!("\r\x1b[K{}", render_event(&e, self.t0));
                }
                if let Ok(mut s) = self.status.lock() {
                    s.last_event = format!("{:?} {}", e.origin, e.kind).to_lowercase();
                }
            }
            let _ = self.ev_tx.send(e);
        }
        (ended, failed)
    }

    /// Waits `d` while forwarding events; false if interrupted.
    fn wait(&self, d: Duration, o: &mut Outcome) -> bool {
        let until = Instant::now() + d;
        while Instant::now() < until {
            self.note(self.forward(), o);
            if self.signals.load(Ordering::Relaxed) > 0 {
                o.interrupted = true;
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        true
    }

    fn note(&self, (ended, failed): (bool, bool), o: &mut Outcome) {
        o.migration_ended |= ended;
        o.migration_failed |= failed;
    }

    fn orchestrate(
        &self,
        argv: &[String],
        log: std::fs::File,
        warmup: Duration,
        cooldown: Duration,
        timeout: Duration,
        with_events: bool,
    ) -> Outcome {
        let mut o = Outcome::default();
        if !self.wait(warmup, &mut o) {
            return o;
        }
        self.set_phase("migrating");
        self.local(kinds::TRIGGER_STARTED, json!({ "argv": argv }));
        let mut trigger = match Trigger::spawn(argv, log) {
            Ok(t) => t,
            Err(e) => {
                let msg = format!("cannot start the trigger {:?}: {e}", argv[0]);
                eprintln!("migprobe: {msg}");
                self.local(
                    kinds::TRIGGER_EXITED,
                    json!({ "code": null, "signal": null, "error": msg }),
                );
                o.spawn_error = Some(msg);
                self.wait(cooldown.min(Duration::from_secs(1)), &mut o);
                return o;
            }
        };
        let started = Instant::now();
        loop {
            self.note(self.forward(), &mut o);
            if o.exit.is_none() {
                match trigger.try_wait() {
                    Ok(Some(e)) => {
                        self.local(
                            kinds::TRIGGER_EXITED,
                            json!({ "code": e.code, "signal": e.signal, "output": trigger.tail() }),
                        );
                        o.exit = Some(e);
                    }
                    Ok(None) => {}
                    Err(_) => {
                        o.exit = Some(Exit {
                            code: None,
                            signal: None,
                        })
                    }
                }
            }
            let stop_now = self.signals.load(Ordering::Relaxed) > 0 || started.elapsed() >= timeout;
            if stop_now {
                o.interrupted = self.signals.load(Ordering::Relaxed) > 0;
                o.timed_out = !o.interrupted;
                if o.exit.is_none() {
                    let e = trigger.stop(Duration::from_secs(5)).unwrap_or(Exit {
                        code: None,
                        signal: None,
                    });
                    self.local(
                        kinds::TRIGGER_EXITED,
                        json!({ "code": e.code, "signal": e.signal, "output": trigger.tail(),
                                "stopped_by": if o.interrupted { "interrupt" } else { "timeout" } }),
                    );
                    o.exit = Some(e);
                }
                break;
            }
            if let Some(e) = &o.exit {
                if !e.success() || !with_events || o.migration_ended {
                    break;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if !(o.interrupted || o.timed_out) {
            self.set_phase("cool-down");
            self.wait(cooldown, &mut o);
        }
        o
    }
}
