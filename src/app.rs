//! Runs a parsed command line; maps every outcome to an exit code.

use crate::cli::{Cli, Command};
use crate::commands;
use crate::exit::ExitCode;
use anyhow::Result;
use clap::Parser;
use migprobe_probe::redact;

/// Parses `std::env::args`, runs, and returns the process exit code.
pub fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    redact::install(redact::Redactor::from_args(&args));
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::Error
            } else {
                ExitCode::Ok
            };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            crate::say!("migprobe: error: {}", redact::redact(&format!("{e:#}")));
            ExitCode::Error
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Run(a) => commands::run::execute(&a),
        Command::Report(a) => commands::report::execute(&a),
        Command::Probe(a) => commands::probe::execute(&a),
        Command::Summary(a) => commands::summary::execute(&a),
        Command::Gate(a) => commands::gate::execute(&a),
        #[cfg(feature = "libvirt")]
        Command::Events(a) => commands::events::execute(&a),
        Command::Compare(a) => commands::compare::execute(&a),
        Command::Cat(a) => commands::cat::execute(&a),
        Command::Schema(a) => commands::docs::schema(&a),
        Command::Completions(a) => commands::docs::completions(&a),
        Command::Man => commands::docs::man(),
        Command::Import(a) => {
            commands::stdout::write(&format!("{}\n", commands::import::execute(&a)?))?;
            Ok(ExitCode::Ok)
        }
    }
}
