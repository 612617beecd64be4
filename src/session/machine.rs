//! The session's state machine: warm-up → (migration → cool-down) × repeat → done.
//!
//! Rules:
//! - the warm-up and each cool-down end when their time is up; an interrupt
//!   during them ends the session (a zero-length one is skipped at once);
//! - a migration starts its trigger (recording `trigger_started`), then ends
//!   when the trigger has exited and, if it exited 0 and hypervisor events are
//!   captured, the verdict ([`Verdicts`]) is decided; an interrupt or the
//!   timeout (counted from the end of the warm-up) stops it, stopping the
//!   trigger if it still runs;
//! - a migration failed unless its trigger exited 0 and its verdict is no
//!   failure; the session ends after an interrupt, the timeout, or (with
//!   `stop_on_failure`) a failure, else after the cool-down of the last one;
//! - with a wait command, each migration starts only when that command
//!   (started when the warm-up or the cool-down before ends) exited 0; while
//!   it runs, probing goes on and no migration is open; a wait that fails or
//!   cannot start ends the session; the timeout and an interrupt stop it;
//! - with ping-pong, odd migrations run from the configured destination: the
//!   trigger's placeholders and the hypervisor events' src/dst labels swap
//!   from their start until the next migration starts;
//! - a host evacuation (several guests) is one migration of the session with
//!   one verdict per guest: a trigger with `{domain}` runs once per guest
//!   (at most `parallel` at once, [`Action::StartGuests`]; each records its
//!   own start and exit, naming its guest), any other trigger runs once.

use super::forward;
use super::placeholders::Endpoints;
use super::tally::Tally;
use super::verdicts::Verdicts;
use crate::exit::ExitCode;
use crate::trigger::pool::GuestJob;
use crate::trigger::Exit;
use migprobe_probe::record::kinds;
use migprobe_probe::record::{EventKind, EventLine};
use migprobe_probe::types::RealNs;
use serde_json::{json, Value};
use std::time::Duration;

/// What a session runs.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// The trigger command, with placeholders.
    pub(crate) argv: Vec<String>,
    /// What the placeholders stand for.
    pub(crate) endpoints: Endpoints,
    /// Migrations to run (at least 1).
    pub(crate) repeat: u32,
    /// Alternate the direction on every migration.
    pub(crate) pingpong: bool,
    /// End the session at the first failed migration.
    pub(crate) stop_on_failure: bool,
    /// Probing before the first trigger.
    pub(crate) warmup: Duration,
    /// Probing after each migration.
    pub(crate) cooldown: Duration,
    /// From the end of the warm-up: a migration still running then is stopped.
    pub(crate) timeout: Duration,
    /// Hypervisor events are captured: a migration then ends when they decide it.
    pub(crate) with_events: bool,
    /// Run before each migration (`sh -c`); the migration starts when it exits 0.
    pub(crate) wait_for: Option<String>,
    /// The guests of a host evacuation (empty: one guest, or none named):
    /// each migration's verdict is theirs, and a trigger with `{domain}` runs
    /// once per guest.
    pub(crate) guests: Vec<String>,
    /// With `{domain}` in the trigger: how many guests' commands run at once.
    pub(crate) parallel: usize,
}

/// When an input happens, on both clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Now {
    /// Monotonic time since the session was created: the timers.
    pub(crate) mono: Duration,
    /// Realtime: the time stamp of the events the session records.
    pub(crate) real: RealNs,
}

/// What the live line shows besides the probe counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Status {
    /// warm-up, migrating, copying, switchover, cool-down, ...
    pub(crate) phase: String,
    /// The last hypervisor event shown, e.g. `src suspended`.
    pub(crate) last_event: String,
}

/// What happened.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Input {
    /// Time passed: timers, the trigger's exit and interrupts are looked at.
    Tick,
    /// A hypervisor event, labelled as configured.
    Event(EventLine),
    /// The trigger could not be started: the error.
    SpawnFailed(String),
    /// The trigger exited by itself; its last output lines.
    TriggerExited { exit: Exit, output: Vec<String> },
    /// Waiting for the trigger failed: its exit is unknown.
    TriggerLost,
    /// The trigger was stopped, as [`Action::StopTrigger`] asked.
    TriggerStopped { exit: Exit, output: Vec<String> },
    /// The user asked to stop (SIGINT, SIGTERM).
    Interrupt,
}

/// What to do, in order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    /// The live line's new status.
    Status(Status),
    /// Print this hypervisor event on the terminal.
    Show(EventLine),
    /// Record this event in the run file.
    Record(EventLine),
    /// Print this warning.
    Warn(String),
    /// Start the trigger with this command line; answer [`Input::SpawnFailed`] if it cannot start.
    StartTrigger(Vec<String>),
    /// Start one command per guest, at most `parallel` at a time (a host
    /// evacuation); they end as one trigger ([`Input::TriggerExited`] when all
    /// have), and their starts and exits come back as events naming the guest.
    StartGuests {
        /// Each guest's command.
        jobs: Vec<GuestJob>,
        /// At most this many at once.
        parallel: usize,
    },
    /// Start the wait command (`sh -c`) before a migration; its exit comes back
    /// as the trigger's does ([`Input::TriggerExited`], [`Input::SpawnFailed`], ...).
    StartWait(String),
    /// Stop the running trigger (or wait command); answer [`Input::TriggerStopped`].
    StopTrigger,
    /// The session is over: stop probing with this footer reason; exit with this code.
    Finish { reason: String, code: ExitCode },
}

#[derive(Debug)]
enum Stage {
    WarmUp {
        until: Duration,
    },
    /// The wait command runs; `stopping` once a stop was asked for.
    Waiting {
        stopping: bool,
    },
    Migrating(Box<Migration>),
    CoolDown {
        until: Duration,
    },
    Done,
}

#[derive(Debug)]
struct Migration {
    /// 0-based.
    index: u32,
    /// The trigger's program, for messages.
    program: String,
    /// Stop it then.
    deadline: Duration,
    /// The trigger's exit, once known.
    exit: Option<Exit>,
    /// A stop was asked for; waiting for [`Input::TriggerStopped`].
    stopping: bool,
    verdict: Verdicts,
    /// One command per guest runs: they record their own starts and exits.
    per_guest: bool,
}

/// The migration session.
#[derive(Debug)]
pub(crate) struct Session {
    cfg: Config,
    stage: Stage,
    tally: Tally,
    status: Status,
    /// The next migration's index.
    next: u32,
    /// The end of the warm-up: the timeout counts from there.
    campaign_start: Duration,
    /// The current migration runs from the configured destination.
    swapped: bool,
    interrupted: bool,
    out: Vec<Action>,
}

impl Session {
    /// A session whose warm-up starts now (`Now::mono` zero).
    pub(crate) fn new(cfg: Config) -> Session {
        Session {
            stage: Stage::WarmUp { until: cfg.warmup },
            cfg,
            tally: Tally::default(),
            status: Status {
                phase: "warm-up".into(),
                last_event: String::new(),
            },
            next: 0,
            campaign_start: Duration::ZERO,
            swapped: false,
            interrupted: false,
            out: Vec::new(),
        }
    }

    /// The live line's status now.
    pub(crate) fn status(&self) -> &Status {
        &self.status
    }

    /// Takes one input; returns what to do.
    pub(crate) fn handle(&mut self, now: Now, input: Input) -> Vec<Action> {
        if matches!(self.stage, Stage::Waiting { .. }) {
            return self.handle_waiting(now, input);
        }
        match input {
            Input::Tick => while self.step(now) {},
            Input::Event(e) => self.forward(e),
            Input::Interrupt => self.interrupted = true,
            Input::SpawnFailed(error) => self.spawn_failed(now, &error),
            Input::TriggerExited { exit, output } => self.trigger_exited(now, exit, output, None),
            Input::TriggerLost => {
                if let Stage::Migrating(m) = &mut self.stage {
                    m.exit = Some(Exit {
                        code: None,
                        signal: None,
                    });
                    self.tally.exit.clone_from(&m.exit);
                }
            }
            Input::TriggerStopped { exit, output } => {
                let by = if self.tally.interrupted {
                    "interrupt"
                } else {
                    "timeout"
                };
                self.trigger_exited(now, exit, output, Some(by));
                self.end_migration(now);
            }
        }
        std::mem::take(&mut self.out)
    }

    /// One decision at `now`; true when it entered a stage to look at at once.
    fn step(&mut self, now: Now) -> bool {
        match &mut self.stage {
            Stage::WarmUp { until } | Stage::CoolDown { until } if now.mono >= *until => {
                if matches!(self.stage, Stage::WarmUp { .. }) {
                    self.campaign_start = now.mono;
                }
                self.before_migration(now);
                false
            }
            Stage::WarmUp { .. } | Stage::CoolDown { .. } => {
                if self.interrupted {
                    self.tally.interrupted = true;
                    self.finish();
                }
                false
            }
            Stage::Waiting { stopping: true } | Stage::Done => false,
            Stage::Waiting { .. } => {
                if self.interrupted || now.mono >= self.campaign_start + self.cfg.timeout {
                    self.tally.interrupted = self.interrupted;
                    self.tally.timed_out = !self.interrupted;
                    self.stage = Stage::Waiting { stopping: true };
                    self.out.push(Action::StopTrigger);
                }
                false
            }
            Stage::Migrating(m) if m.stopping => false,
            Stage::Migrating(m) => {
                if self.interrupted || now.mono >= m.deadline {
                    self.tally.interrupted = self.interrupted;
                    self.tally.timed_out = !self.interrupted;
                    if m.exit.is_none() {
                        m.stopping = true;
                        self.out.push(Action::StopTrigger);
                        return false;
                    }
                    return self.end_migration(now);
                }
                let over = m
                    .exit
                    .as_ref()
                    .is_some_and(|e| !e.success() || !self.cfg.with_events || m.verdict.decided());
                over && self.end_migration(now)
            }
        }
    }

    /// Starts the wait command, or the next migration at once without one,
    /// or finishes after the last.
    fn before_migration(&mut self, now: Now) {
        match &self.cfg.wait_for {
            Some(cmd) if self.next < self.cfg.repeat => {
                let cmd = cmd.clone();
                self.set_phase(format!(
                    "waiting (--wait-for) before migration {}",
                    self.next + 1
                ));
                self.stage = Stage::Waiting { stopping: false };
                self.out.push(Action::StartWait(cmd));
            }
            _ => self.next_migration(now),
        }
    }

    /// An input while the wait command runs: its exit starts the migration
    /// (0) or ends the session; a tick may stop it (timeout, interrupt).
    fn handle_waiting(&mut self, now: Now, input: Input) -> Vec<Action> {
        let failed = match input {
            Input::Tick => {
                self.step(now);
                None
            }
            Input::Event(e) => {
                self.forward(e);
                None
            }
            Input::Interrupt => {
                self.interrupted = true;
                self.step(now);
                None
            }
            Input::TriggerExited { exit, .. } if exit.success() => {
                self.next_migration(now);
                None
            }
            Input::TriggerExited { exit, .. } => Some(format!(
                "it exited with {}",
                exit.code
                    .map_or_else(|| format!("signal {:?}", exit.signal), |c| c.to_string())
            )),
            Input::SpawnFailed(error) => Some(format!("it could not start: {error}")),
            Input::TriggerLost => Some("its exit status was lost".into()),
            Input::TriggerStopped { .. } => {
                self.finish();
                None
            }
        };
        if let Some(why) = failed {
            let msg = format!(
                "the --wait-for command failed before migration {}: {why}",
                self.next + 1
            );
            self.out.push(Action::Warn(msg.clone()));
            self.tally.wait_error = Some(msg);
            self.finish();
        }
        std::mem::take(&mut self.out)
    }

    /// Starts the next migration, or finishes after the last.
    fn next_migration(&mut self, now: Now) {
        if self.next >= self.cfg.repeat {
            return self.finish();
        }
        let i = self.next;
        self.next += 1;
        self.swapped = self.cfg.pingpong && i % 2 == 1;
        let argv = self.cfg.endpoints.expand(&self.cfg.argv, self.swapped);
        self.tally.started += 1;
        self.tally.exit = None;
        self.set_phase(if self.cfg.repeat > 1 {
            format!("migration {}/{}", i + 1, self.cfg.repeat)
        } else {
            "migrating".into()
        });
        let direction = if self.swapped { "back" } else { "forth" };
        let mut verdict = Verdicts::new(&self.cfg.guests);
        let per_guest = !self.cfg.guests.is_empty() && argv.iter().any(|a| a.contains("{domain}"));
        let action = if per_guest {
            let jobs = self.guest_jobs(&argv);
            Action::StartGuests {
                jobs,
                parallel: self.cfg.parallel,
            }
        } else {
            let started = local(
                now,
                kinds::TRIGGER_STARTED,
                json!({ "argv": argv, "migration": i, "direction": direction }),
            );
            verdict.observe(&started);
            self.out.push(Action::Record(started));
            Action::StartTrigger(argv.clone())
        };
        self.stage = Stage::Migrating(Box::new(Migration {
            index: i,
            program: argv.first().cloned().unwrap_or_default(),
            deadline: self.campaign_start + self.cfg.timeout,
            exit: None,
            stopping: false,
            verdict,
            per_guest,
        }));
        self.out.push(action);
    }

    /// The trigger `argv` once per guest, `{domain}` filled in.
    fn guest_jobs(&self, argv: &[String]) -> Vec<GuestJob> {
        self.cfg
            .guests
            .iter()
            .zip(0u32..)
            .map(|(g, index)| GuestJob {
                index,
                domain: g.clone(),
                argv: argv.iter().map(|a| a.replace("{domain}", g)).collect(),
            })
            .collect()
    }

    /// Records the trigger's exit (`stopped_by` the interrupt or the timeout).
    fn trigger_exited(&mut self, now: Now, exit: Exit, output: Vec<String>, by: Option<&str>) {
        let Stage::Migrating(m) = &mut self.stage else {
            return;
        };
        self.tally.exit = Some(exit.clone());
        if m.per_guest {
            // Each guest's command recorded its own exit.
            m.exit = Some(exit);
            return;
        }
        let mut detail = json!({ "code": exit.code, "signal": exit.signal, "output": output, "migration": m.index });
        if let (Some(by), Some(d)) = (by, detail.as_object_mut()) {
            d.insert("stopped_by".into(), by.into());
        }
        let e = local(now, kinds::TRIGGER_EXITED, detail);
        m.verdict.observe(&e);
        self.out.push(Action::Record(e));
        m.exit = Some(exit);
    }

    fn spawn_failed(&mut self, now: Now, error: &str) {
        let Stage::Migrating(m) = &self.stage else {
            return;
        };
        let msg = format!("cannot start the trigger {:?}: {error}", m.program);
        let detail =
            json!({ "code": null, "signal": null, "error": msg.clone(), "migration": m.index });
        self.out.push(Action::Warn(msg.clone()));
        self.out
            .push(Action::Record(local(now, kinds::TRIGGER_EXITED, detail)));
        self.tally.spawn_error = Some(msg);
        self.end_migration(now);
    }

    /// Counts the migration; goes on to the cool-down, or finishes. True
    /// when the cool-down should be looked at at once.
    fn end_migration(&mut self, now: Now) -> bool {
        let Stage::Migrating(m) = std::mem::replace(&mut self.stage, Stage::Done) else {
            return false;
        };
        let ok = m.exit.as_ref().is_some_and(Exit::success) && !m.verdict.failure();
        if !ok {
            self.tally.failures += 1;
        }
        self.tally.migration_failed |= m.verdict.hypervisor_failure();
        let t = &self.tally;
        if t.interrupted || t.timed_out || (!ok && self.cfg.stop_on_failure) {
            self.finish();
            return false;
        }
        self.set_phase("cool-down".into());
        self.stage = Stage::CoolDown {
            until: now.mono + self.cfg.cooldown,
        };
        true
    }

    /// Passes a hypervisor event on: relabelled on the way back, shown,
    /// recorded, and taken into the current migration's verdict.
    fn forward(&mut self, mut e: EventLine) {
        if self.swapped {
            forward::swap_sides(&mut e);
        }
        let mut status = self.status.clone();
        if let Some(p) = forward::phase_of(&e) {
            p.clone_into(&mut status.phase);
        }
        if let Some(label) = forward::shown_as(&e) {
            status.last_event = label;
            self.out.push(Action::Show(e.clone()));
        }
        self.set_status(status);
        if let Stage::Migrating(m) = &mut self.stage {
            m.verdict.observe(&e);
        }
        self.out.push(Action::Record(e));
    }

    fn set_phase(&mut self, phase: String) {
        let status = Status {
            phase,
            ..self.status.clone()
        };
        self.set_status(status);
    }

    fn set_status(&mut self, status: Status) {
        if status != self.status {
            self.status = status.clone();
            self.out.push(Action::Status(status));
        }
    }

    fn finish(&mut self) {
        self.stage = Stage::Done;
        self.out.push(Action::Finish {
            reason: self.tally.reason(),
            code: self.tally.exit_code(),
        });
    }
}

/// An event of migprobe itself, at `now`.
fn local(now: Now, kind: EventKind, detail: Value) -> EventLine {
    EventLine::local(now.real, kind, detail)
}
