//! Helpers shared by the tests of the ping and fping import.

use super::build::{build, BuildOptions, Built};
use super::log::LineSays;
use super::ping::parse_ping;

/// A reply as the parsers report it.
pub(crate) fn reply(
    rtt_ns: Option<i64>,
    ttl: Option<u8>,
    bytes: Option<u32>,
    dup: bool,
) -> LineSays {
    LineSays::Reply {
        rtt_ns,
        ttl,
        bytes,
        dup,
    }
}

/// The probes of a ping log, built with the default options.
pub(crate) fn built_ping(text: &str) -> Built {
    build(&parse_ping(text.as_bytes()), &BuildOptions::default()).unwrap()
}
