//! The trigger: the command that starts the migration, run without a shell,
//! its output kept in a log file and its last lines in memory.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How many output lines are kept for the run file.
pub(crate) const TAIL_LINES: usize = 20;

/// A running trigger command.
#[derive(Debug)]
pub(crate) struct Trigger {
    child: Child,
    tail: Arc<Mutex<VecDeque<String>>>,
    readers: Vec<JoinHandle<()>>,
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
    /// Starts `argv` (no shell); stdout and stderr go to `log` and to the in-memory tail.
    pub(crate) fn spawn(argv: &[String], log: File) -> io::Result<Trigger> {
        let (prog, args) = argv
            .split_first()
            .ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
        let mut child = Command::new(prog)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
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
                    if let Ok(mut l) = log.lock() {
                        let _ = l.write_all(&buf);
                    }
                    for part in String::from_utf8_lossy(&buf)
                        .split(['\r', '\n'])
                        .filter(|p| !p.trim().is_empty())
                    {
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
        })
    }

    /// The process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit, if it has exited (output readers are joined then).
    pub(crate) fn try_wait(&mut self) -> io::Result<Option<Exit>> {
        let s = self.child.try_wait()?;
        if s.is_some() {
            for r in self.readers.drain(..) {
                let _ = r.join();
            }
        }
        Ok(s.map(Exit::of))
    }

    /// SIGTERM, then SIGKILL if it has not exited within `grace`.
    pub(crate) fn stop(&mut self, grace: Duration) -> io::Result<Exit> {
        let _ = migprobe_probe::sys::process::terminate(self.pid());
        let until = Instant::now() + grace;
        while Instant::now() < until {
            if let Some(e) = self.try_wait()? {
                return Ok(e);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let s = self.child.wait()?;
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
        Ok(Exit::of(s))
    }

    /// The last output lines.
    pub(crate) fn tail(&self) -> Vec<String> {
        self.tail
            .lock()
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log() -> File {
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
