//! Feeds the session: every 20 ms the captured hypervisor events, the
//! trigger's exit, interrupts and a tick; carries out its actions. The only
//! place that starts and stops the trigger.

use crate::exit::ExitCode;
use crate::outputs::{LogFile, WriteFailure};
use crate::session::{Action, Input, Now, Session, Status};
use crate::terminal::events::render as render_event;
use crate::terminal::fresh_line;
use crate::trigger::pool::{GuestJob, Pool};
use crate::trigger::{Exit, Trigger};
use migprobe_probe::record::EventLine;
use migprobe_probe::sys::realtime_now;
use migprobe_probe::types::RealNs;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often the session is fed.
const POLL: Duration = Duration::from_millis(20);

/// How long a stopped trigger gets between SIGTERM and SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// Where the session's inputs come from and its actions go.
pub(super) struct Io<'a> {
    /// Hypervisor events, as captured.
    pub(super) captured: &'a Receiver<EventLine>,
    /// Events for the run file (the probe thread writes them).
    pub(super) record: &'a Sender<EventLine>,
    /// SIGINT / SIGTERM count.
    pub(super) signals: &'a AtomicUsize,
    /// The live line's status (the probe thread draws it).
    pub(super) status: &'a Mutex<Status>,
    /// The trigger's output log.
    pub(super) trigger_log: &'a LogFile,
    /// The first failed write of the run's files: it stops the run at once.
    pub(super) failure: &'a WriteFailure,
    /// No event lines on the terminal.
    pub(super) quiet: bool,
}

/// The session's I/O: clocks, the running trigger.
pub(super) struct Driver<'a> {
    io: Io<'a>,
    /// Realtime at the start, for the event lines.
    t0: RealNs,
    start: Instant,
    trigger: Option<Running>,
}

/// What runs for the session: its trigger (or wait command), or a host
/// evacuation's commands, one per guest.
enum Running {
    One(Trigger),
    Guests(Pool),
}

impl Running {
    fn try_wait(&mut self) -> std::io::Result<Option<Exit>> {
        match self {
            Running::One(t) => t.try_wait(),
            Running::Guests(p) => p.try_wait(),
        }
    }

    fn stop(&mut self, grace: Duration) -> std::io::Result<Exit> {
        match self {
            Running::One(t) => t.stop(grace),
            Running::Guests(p) => p.stop(grace),
        }
    }

    fn tail(&self) -> Vec<String> {
        match self {
            Running::One(t) => t.tail(),
            Running::Guests(p) => p.tail(),
        }
    }

    /// The guests' starts and exits since the last call.
    fn take_events(&mut self) -> Vec<EventLine> {
        match self {
            Running::One(_) => Vec::new(),
            Running::Guests(p) => p.take_events(),
        }
    }
}

/// The footer's reason and the exit code.
pub(super) type Finish = (String, ExitCode);

impl<'a> Driver<'a> {
    /// Clocks start now.
    pub(super) fn new(io: Io<'a>) -> Driver<'a> {
        Driver {
            io,
            t0: realtime_now(),
            start: Instant::now(),
            trigger: None,
        }
    }

    /// Runs the session to its end.
    pub(super) fn drive(&mut self, s: &mut Session) -> Finish {
        loop {
            if let Some(f) = self.poll(s) {
                return f;
            }
            std::thread::sleep(POLL);
        }
    }

    /// Passes on the events captured until the capture stopped.
    pub(super) fn drain(&mut self, s: &mut Session) {
        let captured = self.io.captured;
        for e in captured.try_iter() {
            self.feed(s, Input::Event(e));
        }
    }

    /// One round of inputs: events, the trigger's exit, interrupts (a
    /// failed write stops the run as one does), a tick.
    fn poll(&mut self, s: &mut Session) -> Option<Finish> {
        let mut done = None;
        let captured = self.io.captured;
        for e in captured.try_iter() {
            done = done.or(self.feed(s, Input::Event(e)));
        }
        let exited = self.trigger_exit();
        for e in self
            .trigger
            .as_mut()
            .map(Running::take_events)
            .unwrap_or_default()
        {
            done = done.or(self.feed(s, Input::Event(e)));
        }
        if let Some(exited) = exited {
            self.trigger = None;
            done = done.or(self.feed(s, exited));
        }
        if self.io.signals.load(Ordering::Relaxed) > 0 || self.io.failure.get().is_some() {
            done = done.or(self.feed(s, Input::Interrupt));
        }
        done.or(self.feed(s, Input::Tick))
    }

    /// The trigger's exit, if it has exited since the last look (the
    /// trigger is dropped by the caller, once its events are taken).
    fn trigger_exit(&mut self) -> Option<Input> {
        let t = self.trigger.as_mut()?;
        let input = match t.try_wait() {
            Ok(None) => return None,
            Ok(Some(exit)) => Input::TriggerExited {
                exit,
                output: t.tail(),
            },
            Err(_) => Input::TriggerLost,
        };
        Some(input)
    }

    /// Feeds `input` and carries out the actions (and those of the answers they need).
    fn feed(&mut self, s: &mut Session, input: Input) -> Option<Finish> {
        let mut inputs = VecDeque::from([input]);
        let mut done = None;
        while let Some(input) = inputs.pop_front() {
            let now = Now {
                mono: self.start.elapsed(),
                real: realtime_now(),
            };
            for action in s.handle(now, input) {
                done = done.or(self.act(action, &mut inputs));
            }
        }
        done
    }

    /// Carries out one action; the answer it needs goes to `answers`. The
    /// finish when the session is over.
    fn act(&mut self, action: Action, answers: &mut VecDeque<Input>) -> Option<Finish> {
        match action {
            Action::Status(st) => {
                if let Ok(mut s) = self.io.status.lock() {
                    *s = st;
                }
            }
            Action::Show(e) => {
                if !self.io.quiet {
                    crate::say!("{}{}", fresh_line(), render_event(&e, self.t0));
                }
            }
            Action::Record(e) => {
                let _ = self.io.record.send(e);
            }
            Action::Warn(msg) => crate::say!("migprobe: {}", migprobe_probe::redact::redact(&msg)),
            Action::StartTrigger(argv) => self.start(&argv, answers),
            Action::StartGuests { jobs, parallel } => self.start_guests(jobs, parallel, answers),
            Action::StartWait(cmd) => {
                let argv = ["/bin/sh".to_owned(), "-c".to_owned(), cmd];
                self.start(&argv, answers);
            }
            Action::StopTrigger => {
                let stopped = self.stop_trigger(answers);
                answers.push_back(stopped);
            }
            Action::Finish { reason, code } => return Some((reason, code)),
        }
        None
    }

    /// Starts `argv` as the trigger (or wait command), its output to the trigger log.
    fn start(&mut self, argv: &[String], answers: &mut VecDeque<Input>) {
        let spawned = self
            .io
            .trigger_log
            .try_clone()
            .and_then(|log| Trigger::spawn(argv, log));
        match spawned {
            Ok(t) => self.trigger = Some(Running::One(t)),
            Err(e) => answers.push_back(Input::SpawnFailed(e.to_string())),
        }
    }

    /// Starts the guests' commands (a guest whose command cannot start is
    /// told by its own exit event).
    fn start_guests(
        &mut self,
        jobs: Vec<GuestJob>,
        parallel: usize,
        answers: &mut VecDeque<Input>,
    ) {
        match self.io.trigger_log.try_clone() {
            Ok(log) => self.trigger = Some(Running::Guests(Pool::start(jobs, parallel, log))),
            Err(e) => answers.push_back(Input::SpawnFailed(e.to_string())),
        }
    }

    /// Stops the trigger (SIGTERM, then SIGKILL); its exit is unknown when that
    /// fails. The guests' exit events, if any, go to `answers` first.
    fn stop_trigger(&mut self, answers: &mut VecDeque<Input>) -> Input {
        let unknown = Exit {
            code: None,
            signal: None,
        };
        match self.trigger.take() {
            Some(mut t) => {
                let exit = t.stop(STOP_GRACE).unwrap_or(unknown);
                for e in t.take_events() {
                    answers.push_back(Input::Event(e));
                }
                Input::TriggerStopped {
                    exit,
                    output: t.tail(),
                }
            }
            None => Input::TriggerStopped {
                exit: unknown,
                output: Vec::new(),
            },
        }
    }
}
