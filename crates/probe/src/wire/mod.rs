//! Probe packets on the wire: ICMP echo, TCP SYN and the UDP probe payload;
//! what answers them; the probe payload format.
//!
//! Pure code: no I/O. Every function is total over arbitrary bytes.

pub mod icmp;
mod ip;
pub mod kind;
pub mod payload;
pub mod stream;
pub mod tcp;

pub use icmp::{decode, encode_echo_request, Decoded, Family, IcmpErrorKind, Message};
pub use ip::WireError;
pub use kind::{KindError, ProbeKind};
pub use payload::{ProbePayload, MIN_PAYLOAD};
pub use stream::StreamParser;
