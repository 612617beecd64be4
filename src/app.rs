//! Runs a parsed command line; maps every outcome to an exit code.

use crate::cli::{Cli, Command};
use crate::commands;
use crate::exit::ExitCode;
use anyhow::Result;
use clap::Parser;

/// Parses `std::env::args`, runs, and returns the process exit code.
pub fn main() -> ExitCode {
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
            eprintln!("migprobe: error: {e:#}");
            ExitCode::Error
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Run(a) => commands::run::run(&a),
        Command::Report(a) => commands::report::run(&a),
        Command::Probe(a) => commands::probe::run(&a),
        Command::Summary(a) => commands::summary::run(&a),
        Command::Gate(a) => commands::gate::run(&a),
        #[cfg(feature = "libvirt")]
        Command::Events(a) => commands::events::run(&a),
        Command::Compare(a) => commands::compare::run(&a),
        Command::Import(a) => {
            println!("{}", commands::import::run(&a)?);
            Ok(ExitCode::Ok)
        }
    }
}
