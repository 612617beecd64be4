//! Text logs of other tools, parsed into run-file records (`migprobe import`).
//!
//! - ping and fping logs become probe lines, in two stages, both pure (no I/O):
//!   1. [`parse_ping`] / [`parse_fping`] read the text line by line into a
//!      [`PingLog`]: observations per host;
//!   2. [`build()`] turns one host's observations into probe lines ([`Built`]).
//! - `virsh event` and `virsh qemu-monitor-event` captures become events
//!   ([`parse_virsh_events`], [`parse_qemu_monitor_events`]).
//!
//! Nothing in a text is fatal: lines that are not understood are counted with
//! their line numbers ([`migprobe_probe::record::BadLines`]).
//!
//! # Rules of the ping and fping import
//!
//! - **Identity.** The probe index is the sequence number as printed (ping
//!   starts at 1, fping at 0). ping's `icmp_seq` is 16 bits and wraps; it is
//!   unwrapped monotonically (each number is placed within ±32 768 of the
//!   previous index). fping prints its own counter, which does not wrap.
//! - **Times.** With timestamps (`ping -D`, `fping -D`) a reply's receive time
//!   is the bracketed time and its send time is that minus the printed RTT
//!   (both clock `user`). Without timestamps the send times are
//!   *reconstructed*: `(index − first index) × interval` from time 0 (clock
//!   `planned`), and the receive time is send time + RTT (clock `planned`).
//!   Probes without a reply in a timestamped log get a planned send time
//!   counted in intervals from the nearest measured probe.
//! - **Losses.** Every index between the first and the last probe that has no
//!   reply is `lost`: seq gaps, `no answer yet` (ping -O), `Request timeout`
//!   (BSD ping) and fping `timed out`. The statistics footer (`N packets
//!   transmitted`, fping `xmt/rcv/%loss = N/...`) extends the range to the
//!   last probe sent. A reply printed after `no answer yet` wins.
//! - **Errors.** `From ADDR icmp_seq=N Destination Host Unreachable` and the
//!   like make the probe `error` with the ICMP kind, code (when the text names
//!   it) and `from`, unless a reply for it arrives too.
//! - **Duplicates.** The first reply is the probe; later `(DUP!)` /
//!   `duplicate for [N]` replies add to its `dup` count.

mod build;
mod event_text;
mod fping;
mod log;
mod ping;
mod qemu;
#[cfg(test)]
mod testing;
mod text;
mod virsh;

pub use build::{build, BuildError, BuildOptions, Built, IntervalSource, NOTE_KIND};
pub use event_text::{parse_timestamp, ParsedText};
pub use fping::parse_fping;
pub use log::{LogKind, PingLog};
pub use ping::parse_ping;
pub use qemu::parse_qemu_monitor_events;
pub use virsh::parse_virsh_events;
