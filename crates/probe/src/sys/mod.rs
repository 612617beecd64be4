//! The only place that calls the operating system through `unsafe`: clocks,
//! signals to other processes,
//! scheduling, and the probe sockets (ICMP, raw TCP, UDP, connected TCP) with
//! kernel timestamps.
//!
//! Every `unsafe` block carries a `// SAFETY:` comment.
#![allow(unsafe_code)]

pub mod clock;
pub mod mmsg;
pub mod process;
pub mod socket;
pub mod stream;

pub use clock::{
    monotonic_now, realtime_now, set_timer_slack, sleep_until, thread_cpu_ns, try_sched_fifo,
};
pub use socket::{ErrQueueEntry, ProbeSocket, Proto, RecvMeta, SocketKind};
