//! A host evacuation's triggers: one command per guest (the trigger with its
//! `{domain}` placeholder filled in), at most `parallel` running at a time,
//! in the order the guests were given.
//!
//! Rules:
//! - each guest's command is a [`Trigger`] of its own: its own process group,
//!   stopped and guarded as one; its output goes to the shared trigger log,
//!   each line prefixed with `[DOMAIN] `;
//! - each start and exit becomes a `trigger_started` / `trigger_exited`
//!   event naming the guest (`detail.domain`) and its position
//!   (`detail.migration`), taken with [`Pool::take_events`] and recorded
//!   like the hypervisors' events, so the report splits the run by guest;
//! - a guest whose command cannot start gets a `trigger_exited` with the
//!   error and no code; the others go on;
//! - the pool has exited when every guest's command has: with code 0 when
//!   all exited 0, else with the first failure's exit;
//! - stopping the pool stops every running command (SIGTERM to each group
//!   first, then each is waited for) and starts no more.

use super::{Exit, Trigger};
use crate::outputs::LogFile;
use migprobe_probe::record::{kinds, EventKind, EventLine};
use migprobe_probe::sys::realtime_now;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::io::{self, Write};
use std::time::Duration;

/// One guest's migration command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GuestJob {
    /// Position in the guest list, from 0: `detail.migration` of its events.
    pub(crate) index: u32,
    /// The libvirt domain.
    pub(crate) domain: String,
    /// The command, placeholders filled in.
    pub(crate) argv: Vec<String>,
}

/// The guests' commands: queued, running, done.
pub(crate) struct Pool {
    queue: VecDeque<GuestJob>,
    running: Vec<(GuestJob, Trigger)>,
    parallel: usize,
    log: LogFile,
    first_failure: Option<Exit>,
    events: Vec<EventLine>,
    tail: VecDeque<String>,
}

impl Pool {
    /// Starts the first `parallel` (at least 1) of `jobs`; output to `log`.
    pub(crate) fn start(jobs: Vec<GuestJob>, parallel: usize, log: LogFile) -> Pool {
        let mut p = Pool {
            queue: jobs.into(),
            running: Vec::new(),
            parallel: parallel.max(1),
            log,
            first_failure: None,
            events: Vec::new(),
            tail: VecDeque::new(),
        };
        p.fill();
        p
    }

    /// Starts queued commands while fewer than `parallel` run.
    fn fill(&mut self) {
        while self.running.len() < self.parallel {
            let Some(job) = self.queue.pop_front() else {
                return;
            };
            let spawned = self.log.try_clone().and_then(|log| {
                let prefixed = Prefixed::new(log, format!("[{}] ", job.domain));
                Trigger::spawn(&job.argv, prefixed)
            });
            let started = json!({"argv": job.argv, "migration": job.index, "domain": job.domain});
            self.events.push(local(kinds::TRIGGER_STARTED, started));
            match spawned {
                Ok(t) => self.running.push((job, t)),
                Err(e) => {
                    let msg = format!("cannot start the trigger {:?}: {e}", job.argv.first());
                    crate::say!("migprobe: {}: {msg}", job.domain);
                    let exit = Exit {
                        code: None,
                        signal: None,
                    };
                    let extra = json!({"error": msg});
                    self.exited(&job, &exit, Vec::new(), extra);
                }
            }
        }
    }

    /// Records a guest's exit (and the first failure).
    fn exited(&mut self, job: &GuestJob, exit: &Exit, output: Vec<String>, extra: Value) {
        let mut detail = json!({
            "code": exit.code, "signal": exit.signal, "output": output,
            "migration": job.index, "domain": job.domain,
        });
        if let (Some(d), Value::Object(x)) = (detail.as_object_mut(), extra) {
            d.extend(x);
        }
        self.events.push(local(kinds::TRIGGER_EXITED, detail));
        for line in output {
            if self.tail.len() == super::TAIL_LINES {
                self.tail.pop_front();
            }
            self.tail.push_back(format!("[{}] {line}", job.domain));
        }
        if !exit.success() && self.first_failure.is_none() {
            self.first_failure = Some(exit.clone());
        }
    }

    /// The pool's exit once every command has exited; starts the next ones
    /// as running ones exit.
    pub(crate) fn try_wait(&mut self) -> io::Result<Option<Exit>> {
        let mut i = 0;
        while i < self.running.len() {
            match self.running[i].1.try_wait()? {
                None => i += 1,
                Some(exit) => {
                    let (job, t) = self.running.remove(i);
                    self.exited(&job, &exit, t.tail(), json!({}));
                }
            }
        }
        self.fill();
        Ok(self.done().then(|| self.exit()))
    }

    fn done(&self) -> bool {
        self.queue.is_empty() && self.running.is_empty()
    }

    fn exit(&self) -> Exit {
        self.first_failure.clone().unwrap_or(Exit {
            code: Some(0),
            signal: None,
        })
    }

    /// Stops every running command; queued ones never start.
    pub(crate) fn stop(&mut self, grace: Duration) -> io::Result<Exit> {
        self.queue.clear();
        for (_, t) in &self.running {
            let _ = migprobe_probe::sys::process::signal_group(t.pid(), libc::SIGTERM);
        }
        for (job, mut t) in std::mem::take(&mut self.running) {
            let exit = t.stop(grace)?;
            self.exited(&job, &exit, t.tail(), json!({"stopped": true}));
        }
        Ok(self.exit())
    }

    /// The events since the last call, in the order they happened.
    pub(crate) fn take_events(&mut self) -> Vec<EventLine> {
        std::mem::take(&mut self.events)
    }

    /// The last output lines of the guests' commands, each with its guest.
    pub(crate) fn tail(&self) -> Vec<String> {
        self.tail.iter().cloned().collect()
    }
}

/// An event of migprobe itself, now.
fn local(kind: EventKind, detail: Value) -> EventLine {
    EventLine::local(realtime_now(), kind, detail)
}

/// A writer that starts every line with a prefix.
struct Prefixed<W> {
    inner: W,
    prefix: String,
    at_line_start: bool,
}

impl<W: Write> Prefixed<W> {
    fn new(inner: W, prefix: String) -> Prefixed<W> {
        Prefixed {
            inner,
            prefix,
            at_line_start: true,
        }
    }
}

impl<W: Write> Write for Prefixed<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut out = Vec::with_capacity(buf.len() + self.prefix.len());
        for &b in buf {
            if self.at_line_start {
                out.extend_from_slice(self.prefix.as_bytes());
            }
            out.push(b);
            self.at_line_start = b == b'\n';
        }
        self.inner.write_all(&out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests;
