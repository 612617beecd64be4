//! Checks a report.json against the committed JSON Schema
//! (`schema/report-v1.json`), for every test that produces a report.

use serde_json::Value;

/// The committed schema of report.json.
pub const SCHEMA: &str = include_str!("../../schema/report-v1.json");

/// Panics with every violation when `report` (report.json's bytes) does not
/// match the committed schema.
pub fn assert_valid(report: &[u8]) {
    let schema: Value = serde_json::from_str(SCHEMA).expect("the committed schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the committed schema compiles");
    let instance: Value = serde_json::from_slice(report).expect("report.json is JSON");
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report.json does not match schema/report-v1.json:\n{}",
        errors.join("\n")
    );
}
