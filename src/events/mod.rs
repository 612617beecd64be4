//! Hypervisor events: the kinds written to run files, the lifecycle mapping,
//! and the sources (libvirt connections, imported virsh logs).

#[cfg(feature = "libvirt")]
pub mod capture;
pub mod import;
pub mod kinds;
pub mod lifecycle;
pub mod qemu;
pub mod virsh;
