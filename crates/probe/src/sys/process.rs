//! Signals to child processes.

use std::io;

/// Sends SIGTERM to process `pid`.
pub fn terminate(pid: u32) -> io::Result<()> {
    send_signal(pid, libc::SIGTERM)
}

/// Sends signal `sig` (e.g. `libc::SIGSTOP`) to process `pid`; pid 0 or a
/// pid that does not fit a `pid_t` is refused (kill(2) would signal a group).
pub fn send_signal(pid: u32, sig: libc::c_int) -> io::Result<()> {
    let pid = libc::pid_t::try_from(pid)
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: kill(2) takes plain integers and touches no memory of ours.
    if unsafe { libc::kill(pid, sig) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}
