//! The trigger: the command that starts the migration, run without a shell,
//! its output kept in a log file and its last lines in memory.
//!
//! Rules:
//! - it runs in a process group of its own and gets SIGKILL if migprobe dies;
//!   a [`guard`] then stops the rest of its group;
//! - stopping it (timeout, SIGTERM, Ctrl-C) signals the whole group: SIGTERM,
//!   then SIGKILL after the grace period, so nothing the trigger started
//!   outlives the stop;
//! - its exit is the exit of the command itself: children that keep its
//!   output pipes open (`sh -c 'sleep 25 & exit 0'`, `virsh` over ssh) do not
//!   delay it; their output is read for at most [`READER_GRACE`] more, and
//!   until they exit after that.

mod guard;
pub(crate) mod pool;

use guard::Guard;
use migprobe_probe::redact::{self, redact};
use migprobe_probe::sys::process::{live_group_members, own_group_dying_with_parent, signal_group};
use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How many output lines are kept for the run file.
pub(crate) const TAIL_LINES: usize = 20;

/// How long the output readers may still run once the command has exited.
pub(crate) const READER_GRACE: Duration = Duration::from_millis(300);

/// How long the guard waits between SIGTERM and SIGKILL when migprobe died.
pub(crate) const GUARD_GRACE: Duration = Duration::from_secs(2);

/// A running trigger command.
#[derive(Debug)]
pub(crate) struct Trigger {
    child: Child,
    tail: Arc<Mutex<VecDeque<String>>>,
    readers: Vec<JoinHandle<()>>,
    guard: Option<Guard>,
}

/// How a trigger ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Exit {
    /// Exit code, if it exited normally.
    pub(crate) code: Option<i32>,
    /// Signal that killed it, if any.
    pub(crate) signal: Option<i32>,
}

impl Exit {
    fn of(s: ExitStatus) -> Exit {
        Exit {
            code: s.code(),
            signal: s.signal(),
        }
    }

    /// True for exit code 0.
    pub(crate) fn success(&self) -> bool {
        self.code == Some(0)
    }
}

impl Trigger {
    /// Starts `argv` (no shell); stdout and stderr go to `log` and to the
    /// in-memory tail (a write error of `log` is left to `log` to tell).
    pub(crate) fn spawn<W: Write + Send + 'static>(argv: &[String], log: W) -> io::Result<Trigger> {
        let (prog, args) = argv
            .split_first()
            .ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
        let mut cmd = Command::new(prog);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        own_group_dying_with_parent(&mut cmd);
        let mut child = cmd.spawn()?;
        let guard = Guard::spawn(child.id(), GUARD_GRACE)
            .map_err(|e| {
                crate::say!(
                    "migprobe: warning: cannot start the trigger's guard (/bin/sh: {e}); \
                     if migprobe is killed, the trigger's children may live on"
                );
            })
            .ok();
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        let log = Arc::new(Mutex::new(log));
        let mut readers = Vec::new();
        let out = child
            .stdout
            .take()
            .map(|o| Box::new(o) as Box<dyn io::Read + Send>);
        let err = child
            .stderr
            .take()
            .map(|e| Box::new(e) as Box<dyn io::Read + Send>);
        for stream in [out, err].into_iter().flatten() {
            let (tail, log) = (Arc::clone(&tail), Arc::clone(&log));
            readers.push(std::thread::spawn(move || {
                // virsh --verbose redraws progress with '\r': split on both.
                let mut r = BufReader::new(stream);
                let mut buf = Vec::new();
                while r
                    .read_until(b'\n', &mut buf)
                    .map(|n| n > 0)
                    .unwrap_or(false)
                {
                    let text = String::from_utf8_lossy(&buf);
                    let text = redact(&text);
                    if let Ok(mut l) = log.lock() {
                        // The bytes as written, unless a secret had to go.
                        let out = if redact::active() {
                            text.as_bytes()
                        } else {
                            &buf[..]
                        };
                        let _ = l.write_all(out);
                    }
                    for part in text.split(['\r', '\n']).filter(|p| !p.trim().is_empty()) {
                        if let Ok(mut t) = tail.lock() {
                            if t.len() == TAIL_LINES {
                                t.pop_front();
                            }
                            t.push_back(part.trim_end().to_owned());
                        }
                    }
                    buf.clear();
                }
            }));
        }
        Ok(Trigger {
            child,
            tail,
            readers,
            guard,
        })
    }

    /// The process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit, if the command has exited (its output readers get
    /// [`READER_GRACE`] to finish; children holding its pipes do not delay it).
    pub(crate) fn try_wait(&mut self) -> io::Result<Option<Exit>> {
        let s = self.child.try_wait()?;
        if s.is_some() {
            self.settle_readers();
        }
        Ok(s.map(Exit::of))
    }

    /// Joins the output readers that finish within [`READER_GRACE`]; the
    /// others are left to end when the last holder of the pipe closes it.
    fn settle_readers(&mut self) {
        let until = Instant::now() + READER_GRACE;
        while self.readers.iter().any(|r| !r.is_finished()) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
        for r in self.readers.drain(..) {
            if r.is_finished() {
                let _ = r.join();
            }
        }
    }

    /// Stops the whole process group: SIGTERM, then SIGKILL to whatever of
    /// it is left once the command has exited or `grace` has passed. Returns
    /// within `grace` plus a moment, whatever the group does with signals.
    pub(crate) fn stop(&mut self, grace: Duration) -> io::Result<Exit> {
        let group = self.pid();
        let _ = signal_group(group, libc::SIGTERM);
        let until = Instant::now() + grace;
        let mut exit = None;
        // Until the command has exited and nothing of its group is left
        // alive, or the grace is over.
        while Instant::now() < until {
            if exit.is_none() {
                exit = self.child.try_wait()?;
            }
            if exit.is_some() && live_group_members(group) == 0 {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = signal_group(group, libc::SIGKILL);
        let s = match exit {
            Some(s) => s,
            None => self.child.wait()?,
        };
        self.settle_readers();
        Ok(Exit::of(s))
    }

    /// As if migprobe had died here: the guard stops the group (for tests).
    #[cfg(test)]
    fn abandon(&mut self) {
        if let Some(g) = self.guard.take() {
            g.abandon();
        }
    }

    /// The last output lines.
    pub(crate) fn tail(&self) -> Vec<String> {
        self.tail
            .lock()
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default()
    }
}

impl Drop for Trigger {
    /// migprobe lets the trigger go: its guard ends without a signal.
    fn drop(&mut self) {
        if let Some(g) = self.guard.take() {
            g.release();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log() -> std::fs::File {
        tempfile::tempfile().unwrap()
    }

    #[test]
    fn exit_codes_and_output_tail() {
        let argv: Vec<String> = [
            "sh",
            "-c",
            "echo one; printf 'a\\rb\\n'; echo err >&2; exit 3",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut t = Trigger::spawn(&argv, log()).unwrap();
        let exit = loop {
            if let Some(e) = t.try_wait().unwrap() {
                break e;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        assert_eq!(
            exit,
            Exit {
                code: Some(3),
                signal: None
            }
        );
        let tail = t.tail();
        for want in ["one", "a", "b", "err"] {
            assert!(tail.iter().any(|l| l == want), "{want} in {tail:?}");
        }
    }

    fn argv(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    /// True when nothing of process group `g` is left alive within 2 s (a
    /// killed process still has to run to its end; slow on a loaded host).
    fn group_gone(g: u32) -> bool {
        let until = Instant::now() + Duration::from_secs(2);
        while live_group_members(g) > 0 {
            if Instant::now() > until {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        true
    }

    #[test]
    fn stop_ends_the_whole_group_even_when_a_child_holds_the_output() {
        // sh waits for sleep, which holds the output pipe: before, stop waited
        // for sleep (25 s) to close it.
        let mut t = Trigger::spawn(&argv(&["sh", "-c", "sleep 25; echo after"]), log()).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let started = Instant::now();
        let e = t.stop(Duration::from_secs(2)).unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(6),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(e.signal, Some(libc::SIGTERM));
        assert!(group_gone(t.pid()), "the sleep was stopped with sh");
        assert!(!t.tail().iter().any(|l| l == "after"));
    }

    #[test]
    fn if_migprobe_dies_the_guard_stops_the_triggers_children_too() {
        let mut t = Trigger::spawn(&argv(&["sh", "-c", "sleep 30 & sleep 30"]), log()).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(live_group_members(t.pid()), 3, "sh and two sleeps");
        t.abandon();
        assert!(group_gone(t.pid()), "the guard stopped the whole group");
        let _ = t.child.wait();
    }

    #[test]
    fn a_released_trigger_is_left_alone_by_its_guard() {
        let mut t = Trigger::spawn(&argv(&["sh", "-c", "sleep 30 & sleep 30"]), log()).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        if let Some(g) = t.guard.take() {
            g.release();
        }
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(
            live_group_members(t.pid()),
            3,
            "released: nothing signalled"
        );
        t.stop(Duration::from_millis(500)).unwrap();
    }

    #[test]
    fn stop_kills_a_group_that_ignores_sigterm_after_the_grace() {
        // An ignored signal stays ignored across exec: sleep ignores it too.
        let mut t = Trigger::spawn(&argv(&["sh", "-c", "trap '' TERM; sleep 25"]), log()).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let started = Instant::now();
        let e = t.stop(Duration::from_millis(500)).unwrap();
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(500) && took < Duration::from_secs(5),
            "{took:?}"
        );
        assert_eq!(e.signal, Some(libc::SIGKILL));
        assert!(group_gone(t.pid()));
    }

    #[test]
    fn the_exit_is_the_commands_not_its_background_childrens() {
        let mut t = Trigger::spawn(&argv(&["sh", "-c", "sleep 25 & exit 0"]), log()).unwrap();
        let started = Instant::now();
        let exit = loop {
            if let Some(e) = t.try_wait().unwrap() {
                break e;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        assert!(exit.success());
        assert!(
            started.elapsed() < Duration::from_secs(6),
            "{:?}",
            started.elapsed()
        );
        assert!(
            live_group_members(t.pid()) > 0,
            "the background sleep is still running"
        );
        let _ = signal_group(t.pid(), libc::SIGKILL);
    }

    #[test]
    fn stop_terminates_and_missing_programs_fail_to_spawn() {
        let argv: Vec<String> = ["sleep", "30"].iter().map(|s| s.to_string()).collect();
        let mut t = Trigger::spawn(&argv, log()).unwrap();
        let e = t.stop(Duration::from_secs(5)).unwrap();
        assert_eq!(e.signal, Some(libc::SIGTERM));
        assert!(Trigger::spawn(&["/no/such/program".to_string()], log()).is_err());
        assert!(Trigger::spawn(&[], log()).is_err());
    }
}
