//! What people see on the terminal: the live status line and the end summary.

pub mod events;
pub mod live;
pub mod summary;
