//! nova's view of a server, over the OpenStack APIs: `run --openstack-server`.
//!
//! - [`cloud`]: where the cloud is and how to log in, from the `OS_*`
//!   environment or a `clouds.yaml` cloud (the same places the `openstack`
//!   CLI reads);
//! - [`api`]: keystone's token and catalog, then nova's JSON over HTTP(S);
//! - [`resolve`]: a server ID or name to its addresses, compute host and
//!   libvirt domain, and the other compute host;
//! - [`watch`]: a thread that polls nova during the run and turns what changed
//!   (the server's state, its instance actions and their events, the
//!   migration record) into run-file events;
//! - [`track`]: the pure part of that: what changed since the last poll;
//! - [`bus`] (over [`amqp`]): nova's versioned notifications of the server,
//!   from the message bus, when its URL is given.
//!
//! Rules: no secret (password, token, application credential secret) ever
//! reaches an error, a log line or an event; nova's own timestamps go into
//! `source_ts_ns`, the moment a change was seen into `at_ns`, so a reader
//! knows the poll's resolution; a failed poll is an event
//! (`connection_lost`), never a stop of the run.

pub mod amqp;
pub mod api;
pub mod bus;
pub mod cloud;
#[cfg(test)]
mod fake_tests;
pub mod resolve;
pub mod track;
pub mod watch;

pub use api::{ApiError, Nova};
pub use bus::BusWatch;
pub use cloud::CloudConfig;
pub use resolve::{resolve_server, Resolved};
pub use watch::NovaWatch;
