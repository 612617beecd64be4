//! migprobe's event sources: what the hypervisors and other tools said.
//!
//! - [`events`]: live capture from libvirt and QEMU (feature `libvirt`, the
//!   only code linking libvirt), with the libvirt lifecycle and QMP event
//!   mappings it shares with the importers;
//! - [`openstack`]: nova's view of a server over the OpenStack APIs (keystone
//!   login, resolution, a watcher polling nova during a run);
//! - [`import`]: the text logs of other tools (ping, fping, `virsh event`,
//!   `virsh qemu-monitor-event`) parsed into probe lines and events.
//!
//! Everything here writes or returns run-file records of `migprobe-probe`.

// Nothing here prints: a closed stdout/stderr must never panic a run.
#![deny(clippy::print_stderr, clippy::print_stdout)]

pub mod events;
pub mod import;
pub mod openstack;
#[cfg(feature = "libvirt")]
mod sys;
