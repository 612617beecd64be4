//! migprobe's accuracy bench (not published): fault plans and their ground
//! truth, scoring of reports and ping/fping logs, helpers for the
//! `migprobe-inject` and `migprobe-echo` binaries; the A/A study of the
//! baseline policy ([`aa`]).

pub mod aa;
pub mod accuracy;
