//! Prometheus's two network doors, over plain HTTP on std's TCP (a few
//! hundred lines, no HTTP stack or async runtime to carry): the live
//! `/metrics` endpoint of `--listen` ([`serve`], fed by [`live`]) and the
//! Pushgateway client of `--push` ([`push`]). The exposition text itself is
//! `migprobe_analysis::report::metrics`'s.

mod http;
pub(crate) mod live;
pub(crate) mod push;
pub(crate) mod serve;
mod url;
