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
//! - **Identity.** The probe index is the sequence number as printed
//!   (iputils ping starts at 1, BusyBox ping and fping at 0). ping's `icmp_seq` is 16 bits and wraps; it is
//!   unwrapped monotonically (each number is placed within ±32 768 of the
//!   previous index). fping prints its own counter, which does not wrap.
//! - **Times.** With timestamps (`ping -D`, `fping -D`) a reply's receive time
//!   is the bracketed time and its send time is that minus the printed RTT
//!   (both clock `user`). Without timestamps the send times are
//!   *reconstructed*: `(index − first index) × interval` from time 0 (clock
//!   `planned`), and the receive time is send time + RTT (clock `planned`).
//!   Probes without a reply in a timestamped log get a planned send time
//!   counted in intervals from the nearest measured probe.
//! - **Losses.** A probe the log shows unanswered is `lost`: `no answer yet`
//!   (ping -O), `Request timeout` (BSD ping), fping `timed out`, `-` in fping
//!   `-C`'s summary. A reply printed after `no answer yet` wins.
//! - **Statistics.** The tool's own statistics (`N packets transmitted, M
//!   received, ... time T`, fping `xmt/rcv/%loss = N/M/L%`, `-C`'s summary)
//!   extend the range to the last probe sent and are reconciled with the
//!   lines: a sequence number the log has no line for is `lost` only when the
//!   statistics count it so (or, without statistics, in a log that prints
//!   nothing for a lost probe: ping without `-O`); otherwise it is *not in
//!   the log* — unknown — and gets no probe line at all. Contradictions
//!   between the lines and the statistics are reported.
//! - **Interval.** From the `-D` timestamps when there are any (an
//!   `--interval` more than 10 % off them is refused), else `--interval`, a
//!   command line echoed in the log, ping's statistics' `time`, or the
//!   tool's 1 s default — *assumed*, and the notes say so.
//! - **Terminal text.** CRLF line ends, ANSI escapes, prompts and `^C` are
//!   taken off or skipped; every other line not understood is counted.
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
mod stats;
mod terminal;
#[cfg(test)]
mod testing;
mod text;
mod virsh;

pub use build::{
    build, AbsentRule, Accounting, BuildError, BuildOptions, Built, Interval, IntervalSource, Note,
    NOTE_KIND, TOLERANCE_PCT,
};
pub use event_text::{parse_timestamp, ParsedText};
pub use fping::parse_fping;
pub use log::{LogKind, PingLog, Stats};
pub use ping::parse_ping;
pub use qemu::parse_qemu_monitor_events;
pub use text::shown_line;
pub use virsh::parse_virsh_events;
