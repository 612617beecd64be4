//! migprobe's accuracy bench (not published): fault plans and their ground
//! truth, scoring of reports and ping/fping logs, helpers for the
//! `migprobe-inject` and `migprobe-echo` binaries; the A/A study of the
//! baseline policy ([`aa`]); the protocol-independent faults of the probe-kind
//! study: an NFQUEUE client (the `migprobe-nfqueue` crate) and an nftables drop rule ([`nft`]).

pub mod aa;
pub mod accuracy;
pub mod nft;
