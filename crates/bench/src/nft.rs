//! A protocol-independent loss for the accuracy bench: an nftables rule that
//! drops every packet to the target, added and removed on demand.
//!
//! One `nft --echo --handle --interactive` process is kept open, so an action
//! costs no fork/exec: a command line is written to it and the action is done
//! when nft echoes the line's last command (`add rule ... # handle N`), which
//! the kernel notifies at the commit of the line's batch (nft 1.0.6 prints
//! `# new generation` for some batches only, so that is not waited for). Run in the target's
//! network namespace, the rule sits in its own table (`inet migprobe_inject`,
//! input hook, before everything else) and the table is deleted at the end.
//! Every command line makes nft echo something, so each one is confirmed.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

/// The table the rule lives in.
pub const TABLE: &str = "inet migprobe_inject";

/// How long nft may take to confirm a command.
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(5);

/// Creates the table afresh: an input chain that drops nothing yet, and a
/// regular chain whose rules only serve to make nft echo a commit.
pub fn setup_line() -> String {
    format!(
        "add table {TABLE}; delete table {TABLE}; add table {TABLE}; \
         add chain {TABLE} input {{ type filter hook input priority -400 ; policy accept ; }}; \
         add chain {TABLE} sync; add rule {TABLE} sync accept"
    )
}

/// Drops everything the target receives.
pub fn drop_line() -> String {
    format!("add rule {TABLE} input drop")
}

/// Lets everything through again (the sync rule makes nft echo the commit).
pub fn pass_line() -> String {
    format!("flush chain {TABLE} input; flush chain {TABLE} sync; add rule {TABLE} sync accept")
}

/// An `nft -i` process holding the drop table.
#[derive(Debug)]
pub struct NftDrop {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl NftDrop {
    /// Starts `nft` (the program at `nft`) and creates the table.
    pub fn start(nft: &Path) -> Result<NftDrop, String> {
        let mut child = Command::new(nft)
            .args(["--echo", "--handle", "--interactive"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("--nft {}: cannot start: {e}", nft.display()))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().ok_or("nft: no stdout")?;
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for l in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        let mut d = NftDrop {
            child,
            stdin,
            lines,
        };
        d.commit(&setup_line())?;
        Ok(d)
    }

    /// Writes one command line and waits until nft echoes its last command (committed).
    pub fn commit(&mut self, line: &str) -> Result<(), String> {
        let last = line.rsplit(';').next().unwrap_or(line).trim().to_owned();
        let stdin = self.stdin.as_mut().ok_or("nft: stdin closed")?;
        writeln!(stdin, "{line}")
            .and_then(|()| stdin.flush())
            .map_err(|e| format!("nft: cannot write a command: {e}"))?;
        loop {
            match self.lines.recv_timeout(CONFIRM_TIMEOUT) {
                Ok(l) if l.starts_with(&last) => return Ok(()),
                Ok(_) => {}
                Err(_) => {
                    return Err(format!(
                        "nft did not confirm {line:?} within {CONFIRM_TIMEOUT:?} (see its \
                         error above; nftables in the kernel and root are needed)"
                    ))
                }
            }
        }
    }
}

impl Drop for NftDrop {
    /// Deletes the table (nothing stays dropped) and ends nft.
    fn drop(&mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = writeln!(stdin, "delete table {TABLE}").and_then(|()| stdin.flush());
        }
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_names_the_table_and_ends_with_an_echoed_add() {
        for l in [setup_line(), drop_line(), pass_line()] {
            assert!(l.contains(TABLE), "{l}");
            let last = l.rsplit(';').next().unwrap_or_default().trim().to_owned();
            assert!(last.starts_with("add "), "{l}");
        }
        assert!(pass_line().starts_with(&format!("flush chain {TABLE} input")));
    }

    #[test]
    fn a_missing_nft_is_a_clear_error() {
        let e = NftDrop::start(Path::new("/nonexistent/nft")).unwrap_err();
        assert!(e.contains("--nft /nonexistent/nft"), "{e}");
    }
}
