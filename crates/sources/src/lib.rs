//! migprobe's event sources: what the hypervisors and other tools said.
//!
//! - [`events`]: libvirt lifecycle mapping, live capture from libvirt and
//!   QEMU (feature `libvirt`, the only code linking libvirt), and the virsh /
//!   QEMU monitor log parsers;
//! - [`pinglog`]: ping and fping logs turned into probe lines.
//!
//! Everything here writes or returns run-file records of `migprobe-probe`.

pub mod events;
pub mod pinglog;
#[cfg(feature = "libvirt")]
pub mod sys;
