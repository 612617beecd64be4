//! The trigger's guard: a tiny `/bin/sh` process that stops the trigger's
//! whole process group if migprobe dies without saying goodbye (`kill -9`,
//! a crash). The trigger itself gets SIGKILL from the kernel then
//! (`PR_SET_PDEATHSIG`), but its children — `virsh` under a shell script,
//! `ssh` — would live on.
//!
//! Rules:
//! - the guard reads one line on its stdin, a pipe only migprobe holds;
//!   "done" (written when migprobe lets the trigger go) ends it quietly;
//!   end of file (migprobe is gone) makes it signal the group: SIGTERM, then
//!   SIGKILL after the grace;
//! - it runs in a process group of its own, so Ctrl-C on the terminal does
//!   not reach it, and with no output of its own;
//! - it is best effort: if it cannot be started, the run goes on with the
//!   kernel's parent-death signal alone, and says so.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

/// The guard's script: `$0` is the group, `$1` the grace in tenths of a second.
const SCRIPT: &str = r#"IFS= read -r line; [ "$line" = done ] && exit 0
kill -TERM -"$0" 2>/dev/null || exit 0
i=0; while [ "$i" -lt "$1" ] && kill -0 -"$0" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
kill -KILL -"$0" 2>/dev/null; exit 0"#;

/// A running guard.
#[derive(Debug)]
pub(crate) struct Guard {
    child: Child,
    stdin: Option<ChildStdin>,
}

impl Guard {
    /// Starts a guard over process group `pgid`.
    pub(crate) fn spawn(pgid: u32, grace: Duration) -> std::io::Result<Guard> {
        let tenths = (grace.as_millis() / 100).max(1);
        let mut child = Command::new("/bin/sh")
            .args(["-c", SCRIPT, &pgid.to_string(), &tenths.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()?;
        let stdin = child.stdin.take();
        Ok(Guard { child, stdin })
    }

    /// Lets the group go: the guard ends without signalling anything.
    pub(crate) fn release(mut self) {
        if let Some(mut s) = self.stdin.take() {
            let _ = s.write_all(b"done\n");
        }
        let _ = self.child.wait();
    }

    /// As if migprobe had died: the guard stops the group (for tests).
    #[cfg(test)]
    pub(crate) fn abandon(mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}
