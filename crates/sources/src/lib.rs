//! migprobe's event sources: what the hypervisors and other tools said.
//!
//! - [`events`]: live capture from libvirt and QEMU (feature `libvirt`, the
//!   only code linking libvirt), with the libvirt lifecycle and QMP event
//!   mappings it shares with the importers;
//! - [`import`]: the text logs of other tools (ping, fping, `virsh event`,
//!   `virsh qemu-monitor-event`) parsed into probe lines and events.
//!
//! Everything here writes or returns run-file records of `migprobe-probe`.

// Nothing here prints: a closed stdout/stderr must never panic a run.
#![deny(clippy::print_stderr, clippy::print_stdout)]

pub mod events;
pub mod import;
#[cfg(feature = "libvirt")]
mod sys;
