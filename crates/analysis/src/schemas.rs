//! The JSON Schemas of every machine-readable document migprobe prints or
//! writes, derived from the Rust types that serialize them (each derives
//! `JsonSchema` next to `Serialize`), so a schema cannot drift from its
//! output. The repository commits each under `schema/` ([`Document::file_name`];
//! a test keeps them equal); `migprobe schema [NAME]` prints one.
//!
//! Rules: draft 2020-12, titled with the document and its version; only
//! report.json carries a `schema_version` field (pinned with `const`), the
//! others are versioned by their file name.

use crate::analysis::TargetSummary;
use crate::compare::json::Comparison;
use crate::gate::Verdict;
use crate::report::json::{Report, REPORT_SCHEMA_VERSION};
use schemars::JsonSchema;
use serde_json::Value;

/// A machine-readable document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document {
    /// report.json (`report`, `run`, with `--json` on stdout too).
    Report,
    /// `gate --json` / `--format json`: the verdict and every check.
    Gate,
    /// `compare --json`: every figure of every run as numbers.
    Compare,
    /// `probe --json` and `summary --json`: per-target statistics.
    Targets,
}

impl Document {
    /// Every document, in `migprobe schema`'s order.
    pub const ALL: [Document; 4] = [
        Document::Report,
        Document::Gate,
        Document::Compare,
        Document::Targets,
    ];

    /// The name `migprobe schema NAME` takes.
    pub fn name(self) -> &'static str {
        match self {
            Document::Report => "report",
            Document::Gate => "gate",
            Document::Compare => "compare",
            Document::Targets => "targets",
        }
    }

    /// The committed file under `schema/`: report.json's at the top, the
    /// other documents (all printed on stdout) under `stdout/`.
    pub fn file_name(self) -> String {
        match self {
            Document::Report => "report-v1.json".into(),
            _ => format!("stdout/{}-v1.json", self.name()),
        }
    }

    /// The document named `name`, if any.
    pub fn parse(name: &str) -> Option<Document> {
        Document::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The schema as JSON.
    pub fn schema(self) -> Value {
        match self {
            Document::Report => report(),
            Document::Gate => titled::<Verdict>("migprobe gate --json, version 1"),
            Document::Compare => titled::<Comparison>("migprobe compare --json, version 1"),
            Document::Targets => titled::<Vec<TargetSummary>>(
                "migprobe probe --json / summary --json (per-target statistics), version 1",
            ),
        }
    }

    /// [`Document::schema`] as pretty JSON with a final newline (the committed file's bytes).
    pub fn render(self) -> String {
        let mut out = serde_json::to_string_pretty(&self.schema()).unwrap_or_default();
        out.push('\n');
        out
    }
}

/// report.json's schema, with `schema_version` pinned to [`REPORT_SCHEMA_VERSION`].
fn report() -> Value {
    let mut s = titled::<Report>(&format!(
        "migprobe report.json, schema_version {REPORT_SCHEMA_VERSION}"
    ));
    if let Some(v) = s.pointer_mut("/properties/schema_version") {
        *v = serde_json::json!({ "const": REPORT_SCHEMA_VERSION });
    }
    s
}

/// The schema of `T`, with `title`.
fn titled<T: JsonSchema>(title: &str) -> Value {
    let mut s = serde_json::to_value(schemars::schema_for!(T)).unwrap_or_default();
    if let Some(obj) = s.as_object_mut() {
        obj.insert("title".into(), title.into());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_every_schema_has_a_title() {
        for d in Document::ALL {
            assert_eq!(Document::parse(d.name()), Some(d));
            let s = d.schema();
            assert!(s["title"].as_str().is_some_and(|t| !t.is_empty()), "{d:?}");
            assert!(d.render().ends_with("}\n"));
        }
        assert_eq!(Document::parse("nope"), None);
    }

    #[test]
    fn report_pins_the_version_and_names_the_sections() {
        let s = Document::Report.schema();
        assert_eq!(
            s["properties"]["schema_version"]["const"],
            REPORT_SCHEMA_VERSION
        );
        for key in ["run", "downtime", "outages", "targets", "unobserved"] {
            assert!(s["properties"].get(key).is_some(), "{key}");
        }
    }

    #[test]
    fn gate_and_compare_schemas_name_their_fields() {
        let gate = Document::Gate.schema();
        for key in ["pass", "summary", "checks"] {
            assert!(gate["properties"].get(key).is_some(), "gate: {key}");
        }
        let compare = Document::Compare.schema();
        for key in ["reference", "verdict", "runs", "metrics"] {
            assert!(compare["properties"].get(key).is_some(), "compare: {key}");
        }
        assert_eq!(Document::Targets.schema()["type"], "array");
    }
}
