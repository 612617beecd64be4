//! migprobe's prober: the first stage of the pipeline probe → record →
//! analysis → report → gate.
//!
//! - [`wire`]: the probe codecs, ICMP echo and TCP SYN, and the probe kinds
//!   (pure, tested against hex fixtures);
//! - [`sys`]: the only `unsafe` code: clocks, scheduling, raw and datagram
//!   ICMP, raw TCP and UDP sockets with kernel timestamps;
//! - [`probe`]: the isochronous sender, the receivers, how each probe kind
//!   is sent and recognised (`transport`) and the pure matching engine
//!   (tested on a virtual clock);
//! - [`record`]: the run file (JSON Lines): schema, event kinds, streaming
//!   writer and tolerant reader;
//! - [`input`]: bounded reading of user-given files (size and line caps);
//! - [`types`], [`values`]: time types and the validation of user-given values.
//!
//! This crate has no command line, no charts and no libvirt.

// Nothing here prints: a closed stdout/stderr must never panic a run.
#![deny(clippy::print_stderr, clippy::print_stdout)]

pub mod input;
pub mod probe;
pub mod record;
pub mod redact;
pub mod sys;
pub mod types;
pub mod values;
pub mod wire;
