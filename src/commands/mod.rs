//! One module per subcommand; each returns its [`ExitCode`](crate::exit::ExitCode).

pub(crate) mod compare;
#[cfg(feature = "libvirt")]
pub(crate) mod events;
pub(crate) mod gate;
pub mod import;
pub(crate) mod probe;
pub(crate) mod report;
pub(crate) mod run;
pub(crate) mod summary;

use anyhow::{Context, Result};
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

/// Counts SIGINT / SIGTERM so long runs end cleanly.
/// `note` is printed at the first interrupt (what happens next).
pub(crate) fn interrupt_counter(note: &'static str) -> Result<Arc<AtomicUsize>> {
    let count = Arc::new(AtomicUsize::new(0));
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
    ])
    .context("cannot install signal handlers")?;
    let c = Arc::clone(&count);
    std::thread::spawn(move || {
        for _ in signals.forever() {
            let n = c.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if n == 0 {
                eprintln!("\nmigprobe: {note}");
            }
        }
    });
    Ok(count)
}

/// True when `path` is a file with something in it: an earlier result that
/// `--out` must not overwrite without `--force`.
pub(crate) fn holds_data(path: &std::path::Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.len() > 0)
}

/// Warns on stderr about the lines of a run file that were skipped (the same
/// sentence the report's notes carry).
pub(crate) fn warn_skipped(run: &migprobe_probe::record::RunData) {
    if let Some(w) = run.skipped_lines() {
        eprintln!("migprobe: warning: {w}");
    }
}
