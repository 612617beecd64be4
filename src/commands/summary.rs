//! `migprobe summary`.

use crate::cli::SummaryArgs;
use crate::config::input_limits;
use crate::exit::ExitCode;
use crate::terminal::summary;
use anyhow::Result;
use migprobe_analysis::analysis::SummaryBuilder;
use migprobe_probe::input::Limits;
use migprobe_probe::record::{read_run_spilled, Probes};

/// Prints the per-target summary of a run file; warns about the lines it
/// skipped. Memory does not grow with the run's length.
pub(crate) fn execute(a: &SummaryArgs) -> Result<ExitCode> {
    let file = read_run_spilled(&a.run, input_limits(&a.caps, Limits::RUN_FILE)?)?;
    let run = &file.run;
    let mut b = SummaryBuilder::new(&run.header.targets, run.header.interval_ns);
    file.probes.scan().for_each(|p| b.add(&p));
    file.probes.check()?;
    run.duplicates.iter().for_each(|d| b.add_duplicate(d));
    let s = b.finish();
    if a.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        let reason = match &run.footer {
            Some(f) => f.reason.clone(),
            None => "no footer: the run was killed; unsettled probes had no reply when it stopped"
                .into(),
        };
        print!("{}", summary::render(&s, &run.header.targets, &reason));
    }
    super::warn_skipped(run);
    Ok(ExitCode::Ok)
}
