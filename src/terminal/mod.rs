//! What people see on the terminal: the live status line and the end summary.

pub(crate) mod events;
pub(crate) mod live;
pub(crate) mod summary;
