//! Hypervisor events: the libvirt lifecycle mapping, live capture (feature
//! `libvirt`), and the parsers of captured `virsh event` and
//! `virsh qemu-monitor-event` output.

#[cfg(feature = "libvirt")]
pub mod capture;
pub mod lifecycle;
pub mod qemu;
pub mod virsh;
