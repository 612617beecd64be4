//! `migprobe summary`.

use crate::cli::SummaryArgs;
use crate::config::input_limits;
use crate::exit::ExitCode;
use crate::terminal::summary;
use anyhow::Result;
use migprobe_analysis::analysis::sessions::sessions;
use migprobe_analysis::analysis::SummaryBuilder;
use migprobe_probe::input::Limits;
use migprobe_probe::record::{compact, read_run_spilled, Probes};

/// Prints the per-target summary of a run file; warns about the lines it
/// skipped. Memory does not grow with the run's length.
pub(crate) fn execute(a: &SummaryArgs) -> Result<ExitCode> {
    let limits = input_limits(&a.caps, Limits::RUN_FILE)?;
    let path = compact::resolve(&a.run).map_err(|e| anyhow::anyhow!(e))?;
    let file = read_run_spilled(&path, limits)?;
    let run = &file.run;
    let mut b = SummaryBuilder::new(&run.header.targets, run.header.interval_ns);
    file.probes.scan().for_each(|p| b.add(&p));
    file.probes.check()?;
    run.duplicates.iter().for_each(|d| b.add_duplicate(d));
    let s = b.finish();
    if a.json {
        super::stdout::write(&format!("{}\n", serde_json::to_string_pretty(&s)?))?;
    } else {
        let reason = match &run.footer {
            Some(f) => f.reason.clone(),
            None => "no footer: the run was killed; unsettled probes had no reply when it stopped"
                .into(),
        };
        let sessions = sessions(&run.header.targets, &run.events);
        super::stdout::write(&summary::render(
            &s,
            &run.header.targets,
            &sessions,
            &reason,
        ))?;
    }
    super::warn_skipped(run);
    Ok(ExitCode::Ok)
}
