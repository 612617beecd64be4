//! Runs a parsed command line; maps every outcome to an exit code.

use crate::cli::{Cli, Command};
use crate::commands;
use anyhow::Result;
use clap::Parser;

/// Exit code: success.
pub const EXIT_OK: i32 = 0;
/// Exit code: a gate or check failed.
pub const EXIT_FAILED: i32 = 1;
/// Exit code: bad usage or a runtime error.
pub const EXIT_ERROR: i32 = 2;

/// Parses `std::env::args`, runs, and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("migprobe: error: {e:#}");
            EXIT_ERROR
        }
    }
}

fn run(cli: Cli) -> Result<i32> {
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
            println!("{}", crate::commands::import::run(&a)?);
            Ok(EXIT_OK)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn exit_codes_are_distinct() {
        assert_eq!(
            [super::EXIT_OK, super::EXIT_FAILED, super::EXIT_ERROR],
            [0, 1, 2]
        );
    }
}
