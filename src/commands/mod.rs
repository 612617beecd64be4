//! One module per subcommand; each returns its [`ExitCode`](crate::exit::ExitCode).

pub(crate) mod cat;
pub(crate) mod compare;
pub(crate) mod csv;
pub(crate) mod docs;
#[cfg(feature = "libvirt")]
pub(crate) mod events;
pub(crate) mod gate;
pub mod import;
pub(crate) mod metrics;
pub(crate) mod probe;
pub(crate) mod report;
pub(crate) mod run;
pub(crate) mod stdout;
pub(crate) mod summary;

use anyhow::{Context, Result};
use migprobe_probe::probe::capacity;
use migprobe_probe::probe::runner::{ProbePlan, Sockets};
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
                crate::say!("\nmigprobe: {note}");
            }
        }
    });
    Ok(count)
}

/// The start-up capacity trial (see [`capacity`]): an impossible plan is an
/// error (exit 2) naming the figures and the fixes, unless `allow`; a strained
/// one a warning.
pub(crate) fn check_capacity(plan: &ProbePlan, sockets: &Sockets, allow: bool) -> Result<()> {
    let Some(c) = capacity::trial(plan, sockets).context("capacity trial")? else {
        return Ok(());
    };
    if c.refused() && !allow {
        anyhow::bail!(
            "--interval {:?} with {} target(s) is more than this machine can send: {}.\n  \
             fix: probe fewer targets or raise --interval; or pass --allow-overload to probe anyway \
             (the slots it cannot send are reported as unobserved)",
            plan.interval,
            plan.targets.len(),
            c.describe()
        );
    }
    if c.refused() || c.strained() {
        crate::say!(
            "migprobe: warning: {}; the slots it skips are reported as unobserved",
            c.describe()
        );
    }
    Ok(())
}

/// Warns on stderr about the lines of a run file that were skipped (the same
/// sentence the report's notes carry).
pub(crate) fn warn_skipped(run: &migprobe_probe::record::RunData) {
    if let Some(w) = run.skipped_lines() {
        crate::say!("migprobe: warning: {w}");
    }
}
