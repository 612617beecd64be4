//! ICMPv4 / ICMPv6 echo encode and decode, and the probe payload format.
//!
//! Pure code: no I/O. Every function is total over arbitrary bytes.

pub mod icmp;
pub mod payload;

pub use icmp::{decode, encode_echo_request, Decoded, Family, IcmpErrorKind, Message, WireError};
pub use payload::{ProbePayload, MIN_PAYLOAD};
