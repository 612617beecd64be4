//! The IPv4 header in front of what a raw IPv4 socket receives, and why a
//! packet could not be decoded.

use pnet_packet::ipv4::Ipv4Packet;
use std::net::Ipv4Addr;
use thiserror::Error;

/// Why a packet could not be decoded. Never fatal: the caller counts and drops it.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum WireError {
    /// Fewer bytes than the headers need.
    #[error("truncated packet: {0} bytes")]
    Truncated(usize),
    /// The IP header is not IPv4, not of the expected protocol, or inconsistent.
    #[error("malformed IP header")]
    BadIpHeader,
    /// The ICMPv4 checksum does not match.
    #[error("bad ICMP checksum")]
    Checksum,
}

/// What the prober reads from an IPv4 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct V4Header {
    /// Time to live.
    pub ttl: u8,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Header length in bytes (where the payload starts).
    pub len: usize,
}

/// Reads the IPv4 header of `buf` and checks that it carries `protocol` and
/// fits in the buffer.
pub(crate) fn v4_header(buf: &[u8], protocol: u8) -> Result<V4Header, WireError> {
    let ip = Ipv4Packet::new(buf).ok_or(WireError::Truncated(buf.len()))?;
    let len = usize::from(ip.get_header_length()) * 4;
    if ip.get_version() != 4
        || len < 20
        || len > buf.len()
        || ip.get_next_level_protocol().0 != protocol
    {
        return Err(WireError::BadIpHeader);
    }
    Ok(V4Header {
        ttl: ip.get_ttl(),
        dst: ip.get_destination(),
        len,
    })
}
