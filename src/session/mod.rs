//! The migration session of `migprobe run`, as a pure state machine: it is
//! fed [`Input`]s (hypervisor events, the trigger's exit, interrupts, ticks),
//! each with the time ([`Now`]), and returns [`Action`]s (record an event,
//! start or stop the trigger, update the live line, finish with a reason and
//! an exit code). No I/O and no clock inside: `commands::run` is the shell
//! that feeds it, and the tests drive it on a virtual clock.
//!
//! Whether a migration completed is decided by the analysis crate's
//! [`MigrationVerdict`](migprobe_analysis::analysis::verdict::MigrationVerdict),
//! the rule the report uses too.

mod forward;
mod machine;
mod placeholders;
mod tally;
mod verdicts;

pub(crate) use machine::{Action, Config, Input, Now, Session, Status};
pub(crate) use placeholders::Endpoints;

#[cfg(test)]
mod tests;
