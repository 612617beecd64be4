//! Signals to child processes and their process groups, and how a command is
//! started so that its whole group can be stopped.

use std::io;

/// Sends SIGTERM to process `pid`.
pub fn terminate(pid: u32) -> io::Result<()> {
    send_signal(pid, libc::SIGTERM)
}

/// Sends signal `sig` (e.g. `libc::SIGSTOP`) to process `pid`; pid 0 or a
/// pid that does not fit a `pid_t` is refused (kill(2) would signal a group).
pub fn send_signal(pid: u32, sig: libc::c_int) -> io::Result<()> {
    let pid = positive(pid)?;
    // SAFETY: kill(2) takes plain integers and touches no memory of ours.
    os_result(unsafe { libc::kill(pid, sig) })
}

/// `id` as a positive `pid_t` (0 and larger values would name a group or
/// every process to kill(2) / killpg(2)), else `InvalidInput`.
fn positive(id: u32) -> io::Result<libc::pid_t> {
    libc::pid_t::try_from(id)
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))
}

/// A system call's return value: 0 is success, else the OS error.
fn os_result(rc: libc::c_int) -> io::Result<()> {
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Prepares `cmd` to start in a process group of its own (its pid is the
/// group id, so the command and every child it starts can be signalled
/// together with [`signal_group`]) and to be sent SIGKILL when the thread
/// that starts it dies (`PR_SET_PDEATHSIG`), e.g. when migprobe is killed
/// with `kill -9`.
pub fn own_group_dying_with_parent(cmd: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0);
    // SAFETY: the closure runs in the child between fork and exec. It only
    // calls prctl(2), which is async-signal-safe, takes plain integers and
    // touches no memory shared with the parent.
    unsafe {
        cmd.pre_exec(|| os_result(libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL)));
    }
}

/// Sends signal `sig` to every process of group `pgid` (see
/// [`own_group_dying_with_parent`]); group 0 or one that does not fit a
/// `pid_t` is refused (killpg(2) would signal our own group).
pub fn signal_group(pgid: u32, sig: libc::c_int) -> io::Result<()> {
    let pgid = positive(pgid)?;
    // SAFETY: killpg(2) takes plain integers and touches no memory of ours.
    os_result(unsafe { libc::killpg(pgid, sig) })
}

/// How many processes of group `pgid` are still alive (zombies, which wait
/// for their parent or init to reap them, do not count), from `/proc`.
pub fn live_group_members(pgid: u32) -> usize {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    dir.filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter(|stat| {
            // "pid (comm) state ppid pgrp ...": comm may hold spaces and ')'.
            let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
            let mut f = rest.split_whitespace();
            let state = f.next().unwrap_or("Z");
            let pgrp = f.nth(1).and_then(|g| g.parse::<u32>().ok());
            state != "Z" && state != "X" && pgrp == Some(pgid)
        })
        .count()
}
