//! The libvirt FFI that the `virt` crate does not wrap: domain events for all
//! domains, QEMU monitor events and the close callback.
//!
//! Every `unsafe` block carries a `// SAFETY:` comment.
#![allow(unsafe_code)]

pub mod libvirt;
