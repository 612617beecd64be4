//! What people see on the terminal: the live status line, event lines, the end
//! summary, and the terminal facts they need (widths, line starts).

/// Prints a line on stderr like `eprintln!`, but a closed or failing stderr
/// (`migprobe run … 2>&1 | head`) is not an error: the line is dropped and
/// the run goes on — `eprintln!` panics there, and a panicking thread left
/// the prober hung. Every line migprobe prints on stderr goes through here.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::writeln!(::std::io::stderr().lock(), $($arg)*);
    }};
}

pub(crate) mod events;
pub(crate) mod live;
pub(crate) mod summary;

/// The width of stdout's terminal, `None` when stdout is not a terminal (a
/// file or a pipe gets tables unwrapped) or does not say.
pub(crate) fn stdout_columns() -> Option<u16> {
    terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| w.0)
}

/// What starts a line printed while the live line may be drawn: a return and
/// clear-to-end-of-line on a terminal, nothing elsewhere (no escape codes in a
/// log file).
pub(crate) fn fresh_line() -> &'static str {
    use std::io::IsTerminal;
    if std::io::stderr().is_terminal() {
        "\r\x1b[K"
    } else {
        ""
    }
}
