//! Hypervisor events: live capture (feature `libvirt`), and the mappings of
//! libvirt lifecycle and QEMU monitor events to run-file kinds, shared with
//! the parsers of captured virsh output ([`crate::import`]).

#[cfg(feature = "libvirt")]
pub mod capture;
pub(crate) mod lifecycle;
pub(crate) mod qemu;
#[cfg(feature = "libvirt")]
pub(crate) mod rtt;
