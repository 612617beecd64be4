//! `migprobe schema`: documents generated from migprobe's own definitions
//! (report.json's types), printed on stdout.

use super::stdout::write;
use crate::exit::ExitCode;
use anyhow::Result;
use migprobe_analysis::report::json::schema;

/// Prints the JSON Schema of report.json.
pub(crate) fn schema() -> Result<ExitCode> {
    write(&schema::render())?;
    Ok(ExitCode::Ok)
}
