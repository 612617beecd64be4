//! Clocks, absolute sleeps and real-time scheduling.

use crate::types::{MonoNs, RealNs};
use std::io;

fn now(clock: libc::clockid_t) -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; clock ids used are always supported on Linux.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    ts.tv_sec
        .saturating_mul(1_000_000_000)
        .saturating_add(ts.tv_nsec)
}

/// Current CLOCK_REALTIME time.
pub fn realtime_now() -> RealNs {
    RealNs(now(libc::CLOCK_REALTIME))
}

/// Current CLOCK_MONOTONIC time.
pub fn monotonic_now() -> MonoNs {
    MonoNs(now(libc::CLOCK_MONOTONIC))
}

/// CPU time the calling thread has used, ns (CLOCK_THREAD_CPUTIME_ID).
pub fn thread_cpu_ns() -> i64 {
    now(libc::CLOCK_THREAD_CPUTIME_ID)
}

/// Sleeps until the absolute monotonic instant `t` (returns at once if it is past).
pub fn sleep_until(t: MonoNs) {
    let ts = libc::timespec {
        tv_sec: t.0.div_euclid(1_000_000_000),
        tv_nsec: t.0.rem_euclid(1_000_000_000),
    };
    loop {
        // SAFETY: `ts` is a valid timespec; the remainder pointer may be null with TIMER_ABSTIME.
        let rc = unsafe {
            libc::clock_nanosleep(
                libc::CLOCK_MONOTONIC,
                libc::TIMER_ABSTIME,
                &ts,
                std::ptr::null_mut(),
            )
        };
        if rc != libc::EINTR {
            return;
        }
    }
}

/// Sets this thread's timer slack (how late the kernel may wake it), in nanoseconds.
pub fn set_timer_slack(ns: u64) -> io::Result<()> {
    // SAFETY: PR_SET_TIMERSLACK takes one unsigned long argument and touches no memory of ours.
    let rc = unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, ns as libc::c_ulong, 0, 0, 0) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Moves the calling thread to SCHED_FIFO at `priority`; fails without CAP_SYS_NICE.
pub fn try_sched_fifo(priority: i32) -> io::Result<()> {
    let param = libc::sched_param {
        sched_priority: priority,
    };
    // SAFETY: pthread_self() is always valid for the calling thread; `param` outlives the call.
    let rc = unsafe { libc::pthread_setschedparam(libc::pthread_self(), libc::SCHED_FIFO, &param) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(rc))
    }
}
