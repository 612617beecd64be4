//! What people see on the terminal: the live status line and the end summary.

pub(crate) mod events;
pub(crate) mod live;
pub(crate) mod summary;

/// The width of stdout's terminal, `None` when stdout is not a terminal (a
/// file or a pipe gets tables unwrapped) or does not say.
pub(crate) fn stdout_columns() -> Option<u16> {
    terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| w.0)
}
