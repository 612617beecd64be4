//! `migprobe run`: probe the guest, listen to both hypervisors, trigger the
//! migration, and write the report.

use super::interrupt_counter;
use super::report::{write_outputs, OutputFiles};
use crate::cli::RunArgs;
use crate::config::{self, validate_duration};
use crate::exit::ExitCode;
use crate::output::{events::render as render_event, live::LiveLine};
use crate::trigger::{Exit, Trigger};
use anyhow::{Context, Result};
use migprobe_probe::probe::runner::{self, Sockets};
use migprobe_probe::record::kinds;
use migprobe_probe::record::{EventLine, Line, Origin};
use migprobe_probe::sys::realtime_now;
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
    /// Exit of the last trigger.
    exit: Option<Exit>,
    /// The current migration ended (job completed, source stopped, or failed).
    migration_ended: bool,
    /// Any migration failed.
    migration_failed: bool,
    interrupted: bool,
    timed_out: bool,
    spawn_error: Option<String>,
    /// Migrations started.
    started: u32,
    /// Migrations whose trigger or migration failed.
    failures: u32,
}

/// What to run: the trigger, how often, in which direction.
#[derive(Debug, Clone)]
struct Campaign {
    argv: Vec<String>,
    repeat: u32,
    pingpong: bool,
    stop_on_failure: bool,
    uris: (String, String),
}

/// `{src_uri}`, `{dst_uri}`, `{src}`, `{dst}` in `argv`, swapped when `swap`.
fn expand(
    argv: &[String],
    uris: &(String, String),
    hosts: &(String, String),
    swap: bool,
) -> Vec<String> {
    let ((su, du), (sh, dh)) = if swap {
        ((&uris.1, &uris.0), (&hosts.1, &hosts.0))
    } else {
        ((&uris.0, &uris.1), (&hosts.0, &hosts.1))
    };
    argv.iter()
        .map(|a| {
            a.replace("{src_uri}", su)
                .replace("{dst_uri}", du)
                .replace("{src}", sh)
                .replace("{dst}", dh)
        })
        .collect()
}

/// The host part of a libvirt URI (`qemu+ssh://node02/system` → `node02`), or `fallback`.
fn uri_host(uri: &str, fallback: &str) -> String {
    uri.split_once("://")
        .map(|(_, rest)| rest.split(['/', '?']).next().unwrap_or(""))
        .map(|h| h.rsplit('@').next().unwrap_or(h))
        .filter(|h| !h.is_empty())
        .unwrap_or(fallback)
        .to_owned()
}

/// Runs the whole measurement: Ok when the migration succeeded, Failed when the
/// trigger or the migration failed, Error when interrupted or timed out.
pub fn run(a: &RunArgs) -> Result<ExitCode> {
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
    let repeat = config::validate_int("--repeat", &a.repeat, 1, 10_000)? as u32;
    #[cfg(feature = "libvirt")]
    let capture_cfg = config::capture_config(&a.libvirt, false)?;
    #[cfg(feature = "libvirt")]
    let uris = (
        a.libvirt.src_uri.clone().unwrap_or_default(),
        a.libvirt.dst_uri.clone().unwrap_or_default(),
    );
    #[cfg(not(feature = "libvirt"))]
    let uris = (String::new(), String::new());
    let campaign = Campaign {
        argv: a.trigger.clone(),
        repeat,
        pingpong: a.pingpong,
        stop_on_failure: a.stop_on_failure,
        uris,
    };
    let dir = a.out.clone().unwrap_or_else(default_dir);
    let files = OutputFiles::create(&dir)?;
    let writer = files.run_writer()?;
    let trigger_log = files.trigger_log()?;
    let sockets = Sockets::open(&plan)?;
    let (cap_tx, cap_rx) = mpsc::channel::<EventLine>();
    #[cfg(feature = "libvirt")]
    let capture = capture_cfg
        .map(|c| migprobe_sources::events::capture::Capture::start(c, cap_tx.clone()))
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
            swapped: std::cell::Cell::new(false),
            cap_rx: &cap_rx,
            ev_tx: &ev_tx,
            signals: &signals,
            status: &status,
            quiet,
            t0: realtime_now(),
        };
        let outcome = ctx.orchestrate(
            &campaign,
            &trigger_log,
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
        ExitCode::Error
    } else if outcome.failures > 0 || outcome.started == 0 {
        ExitCode::Failed
    } else {
        ExitCode::Ok
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
        } else if self.failures > 1 || (self.failures == 1 && self.started > 1) {
            format!("{} of {} migrations failed", self.failures, self.started)
        } else if self.migration_failed {
            "migration failed".into()
        } else {
            match &self.exit {
                Some(e) if e.success() && self.started > 1 => {
                    format!("{} migrations ended", self.started)
                }
                Some(e) if e.success() => "migration ended".into(),
                Some(e) => format!("trigger failed (exit {:?}, signal {:?})", e.code, e.signal),
                None => "stopped".into(),
            }
        }
    }
}

fn default_dir() -> PathBuf {
    let secs = realtime_now().0 / 1_000_000_000;
    let (y, mo, d, h, mi, s) = migprobe_probe::types::civil_utc(secs);
    PathBuf::from(format!(
        "reports/run-{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z"
    ))
}

struct Orchestra<'a> {
    /// With --pingpong, odd migrations run from the configured destination:
    /// the src/dst labels of hypervisor events are swapped then.
    swapped: std::cell::Cell<bool>,
    cap_rx: &'a Receiver<EventLine>,
    ev_tx: &'a Sender<EventLine>,
    signals: &'a AtomicUsize,
    status: &'a Mutex<Status>,
    quiet: bool,
    t0: migprobe_probe::types::RealNs,
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
        for mut e in self.cap_rx.try_iter() {
            if self.swapped.get() {
                e.origin = match e.origin {
                    Origin::Src => Origin::Dst,
                    Origin::Dst => Origin::Src,
                    Origin::Local => Origin::Local,
                };
            }
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

    /// Warm-up, then each migration of the campaign followed by the cool-down.
    fn orchestrate(
        &self,
        c: &Campaign,
        log: &std::fs::File,
        warmup: Duration,
        cooldown: Duration,
        timeout: Duration,
        with_events: bool,
    ) -> Outcome {
        let mut o = Outcome::default();
        if !self.wait(warmup, &mut o) {
            return o;
        }
        let started = Instant::now();
        let hosts = (uri_host(&c.uris.0, "src"), uri_host(&c.uris.1, "dst"));
        for i in 0..c.repeat {
            let swap = c.pingpong && i % 2 == 1;
            self.swapped.set(swap);
            let argv = expand(&c.argv, &c.uris, &hosts, swap);
            let remaining = timeout.saturating_sub(started.elapsed());
            let log = log.try_clone();
            let ok = self.migrate_once(i, c.repeat, &argv, log, remaining, with_events, &mut o);
            if !ok {
                o.failures += 1;
            }
            if o.interrupted || o.timed_out || (!ok && c.stop_on_failure) {
                break;
            }
            self.set_phase("cool-down");
            if !self.wait(cooldown, &mut o) {
                break;
            }
        }
        o
    }

    /// One migration: start the trigger, wait for it (and the migration's end);
    /// true when both succeeded.
    #[allow(clippy::too_many_arguments)]
    fn migrate_once(
        &self,
        i: u32,
        of: u32,
        argv: &[String],
        log: std::io::Result<std::fs::File>,
        timeout: Duration,
        with_events: bool,
        o: &mut Outcome,
    ) -> bool {
        o.started += 1;
        o.exit = None;
        o.migration_ended = false;
        let failed_before = o.migration_failed;
        o.migration_failed = false;
        self.set_phase(&if of > 1 {
            format!("migration {}/{of}", i + 1)
        } else {
            "migrating".into()
        });
        let direction = if self.swapped.get() { "back" } else { "forth" };
        self.local(
            kinds::TRIGGER_STARTED,
            json!({ "argv": argv, "migration": i, "direction": direction }),
        );
        let spawned = log.and_then(|l| Trigger::spawn(argv, l));
        let mut trigger = match spawned {
            Ok(t) => t,
            Err(e) => {
                let msg = format!(
                    "cannot start the trigger {:?}: {e}",
                    argv.first().map(String::as_str).unwrap_or("")
                );
                eprintln!("migprobe: {msg}");
                self.local(
                    kinds::TRIGGER_EXITED,
                    json!({ "code": null, "signal": null, "error": msg, "migration": i }),
                );
                o.spawn_error = Some(msg);
                o.migration_failed |= failed_before;
                return false;
            }
        };
        let started = Instant::now();
        loop {
            self.note(self.forward(), o);
            if o.exit.is_none() {
                match trigger.try_wait() {
                    Ok(Some(e)) => {
                        self.local(
                            kinds::TRIGGER_EXITED,
                            json!({ "code": e.code, "signal": e.signal, "output": trigger.tail(), "migration": i }),
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
                        json!({ "code": e.code, "signal": e.signal, "output": trigger.tail(), "migration": i,
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
        let ok = !o.migration_failed && o.exit.as_ref().is_some_and(Exit::success);
        o.migration_failed |= failed_before;
        ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_swap_on_the_way_back() {
        let argv: Vec<String> = [
            "virsh",
            "-c",
            "{src_uri}",
            "migrate",
            "vm",
            "{dst_uri}",
            "{src}->{dst}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let uris = (
            "qemu+ssh://root@node01/system".to_string(),
            "qemu+ssh://node02/system".to_string(),
        );
        let hosts = (uri_host(&uris.0, "src"), uri_host(&uris.1, "dst"));
        assert_eq!(hosts, ("node01".to_string(), "node02".to_string()));
        let fwd = expand(&argv, &uris, &hosts, false);
        assert_eq!(fwd[2], uris.0);
        assert_eq!(fwd[5], uris.1);
        assert_eq!(fwd[6], "node01->node02");
        let back = expand(&argv, &uris, &hosts, true);
        assert_eq!(
            (back[2].as_str(), back[5].as_str(), back[6].as_str()),
            (uris.1.as_str(), uris.0.as_str(), "node02->node01")
        );
        assert_eq!(uri_host("qemu:///system?socket=/x", "src"), "src");
    }
}
