//! Checks machine-readable outputs against the committed JSON Schemas
//! (`schema/report-v1.json`, `schema/stdout/*-v1.json`): report.json for every test that produces a report,
//! and the `--json` output of `gate`, `compare`, `probe` and `summary`.

#![allow(
    dead_code,
    reason = "each test crate that includes this module uses a part of it"
)]

use serde_json::Value;

/// The committed schema of report.json.
pub const SCHEMA: &str = include_str!("../../schema/report-v1.json");

/// Every committed schema: (document name as `migprobe schema` takes it, file bytes).
pub const ALL: [(&str, &str); 4] = [
    ("report", SCHEMA),
    ("gate", include_str!("../../schema/stdout/gate-v1.json")),
    (
        "compare",
        include_str!("../../schema/stdout/compare-v1.json"),
    ),
    (
        "targets",
        include_str!("../../schema/stdout/targets-v1.json"),
    ),
];

/// Panics with every violation when `report` (report.json's bytes) does not
/// match the committed schema.
pub fn assert_valid(report: &[u8]) {
    assert_valid_as("report", report);
}

/// Panics with every violation when `bytes` do not match the committed
/// schema of document `name` (see [`ALL`]).
pub fn assert_valid_as(name: &str, bytes: &[u8]) {
    let text = ALL
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no committed schema {name}"))
        .1;
    let schema: Value = serde_json::from_str(text).expect("the committed schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the committed schema compiles");
    let instance: Value = serde_json::from_slice(bytes).expect("the output is JSON");
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "the output does not match the committed schema {name}:\n{}",
        errors.join("\n")
    );
}
