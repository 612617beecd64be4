//! `migprobe schema`, `completions` and `man`: documents generated from
//! migprobe's own definitions (the output types, the clap command line),
//! printed on stdout. tests/completions.rs and tests/report_schema.rs check them.

use super::stdout::write;
use crate::cli::{Cli, CompletionsArgs, SchemaArgs, SchemaDoc};
use crate::exit::ExitCode;
use anyhow::{Context, Result};
use migprobe_analysis::schemas::Document;

/// Prints the JSON Schema of the document `a` names.
pub(crate) fn schema(a: &SchemaArgs) -> Result<ExitCode> {
    let doc = match a.document {
        SchemaDoc::Report => Document::Report,
        SchemaDoc::Gate => Document::Gate,
        SchemaDoc::Compare => Document::Compare,
        SchemaDoc::Targets => Document::Targets,
    };
    write(&doc.render())?;
    Ok(ExitCode::Ok)
}

/// The completion script for `a.shell`.
pub(crate) fn completion_script(a: &CompletionsArgs) -> Vec<u8> {
    let mut cmd = Cli::definition();
    let mut out = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "migprobe", &mut out);
    out
}

/// Prints the completion script for `a.shell`.
pub(crate) fn completions(a: &CompletionsArgs) -> Result<ExitCode> {
    write(&String::from_utf8_lossy(&completion_script(a)))?;
    Ok(ExitCode::Ok)
}

/// The man page migprobe(1), as roff.
pub(crate) fn man_page() -> Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::definition())
        .render(&mut out)
        .context("cannot render the man page")?;
    Ok(out)
}

/// Prints the man page.
pub(crate) fn man() -> Result<ExitCode> {
    write(&String::from_utf8_lossy(&man_page()?))?;
    Ok(ExitCode::Ok)
}
