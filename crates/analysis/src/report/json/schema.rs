//! The JSON Schema of report.json, derived from the Rust types ([`Report`]
//! and its sections derive `JsonSchema` next to `Serialize`), so it cannot
//! drift from what [`render`](super::render) writes. The repository commits
//! it as `schema/report-v1.json` (a test keeps the two equal);
//! `migprobe schema` prints it.

use super::{Report, REPORT_SCHEMA_VERSION};
use serde_json::Value;

/// The schema as JSON: draft 2020-12, titled with the version, and
/// `schema_version` pinned to [`REPORT_SCHEMA_VERSION`].
pub fn schema() -> Value {
    let mut s = crate::schemas::titled::<Report>(&format!(
        "migprobe report.json, schema_version {REPORT_SCHEMA_VERSION}"
    ));
    if let Some(v) = s.pointer_mut("/properties/schema_version") {
        *v = serde_json::json!({ "const": REPORT_SCHEMA_VERSION });
    }
    s
}

/// [`schema`] as pretty JSON with a final newline (the committed file's bytes).
pub fn render() -> String {
    let mut out = serde_json::to_string_pretty(&schema()).unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_the_version_and_names_the_sections() {
        let s = schema();
        assert_eq!(
            s["properties"]["schema_version"]["const"],
            REPORT_SCHEMA_VERSION
        );
        for key in ["run", "downtime", "outages", "targets", "unobserved"] {
            assert!(s["properties"].get(key).is_some(), "{key}");
        }
        assert!(render().ends_with("}\n"));
    }
}
