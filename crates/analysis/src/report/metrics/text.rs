//! The text exposition itself: metric families with their `# HELP`,
//! `# TYPE` and `# UNIT` lines, samples with escaped label values, and the
//! final `# EOF`. What is written is both OpenMetrics text and Prometheus
//! text format 0.0.4 (whose parser reads `# UNIT` and `# EOF` as comments),
//! so node_exporter's textfile collector and `promtool check metrics` read it.
//! Also the small helpers that build families (`family`, `with`, `secs`).

use std::fmt::Write;

/// Label names and values, in order.
pub(super) type Labels = Vec<(&'static str, String)>;

/// Milliseconds (report.json's, at most 3 decimals) as seconds: the nearest
/// f64 to the same decimal, so 182.457 ms is written 0.182457.
pub(super) fn secs(ms: f64) -> f64 {
    (ms * 1_000.0).round() / 1_000_000.0
}

/// A family of `samples`.
pub(super) fn family(
    name: &'static str,
    help: &'static str,
    unit: Option<&'static str>,
    samples: Vec<Sample>,
) -> Family {
    Family {
        name,
        help,
        unit,
        samples,
    }
}

/// `labels` plus one more.
pub(super) fn with(labels: &[(&'static str, String)], k: &'static str, v: &str) -> Labels {
    let mut l = labels.to_vec();
    l.push((k, v.to_owned()));
    l
}

/// One sample: its labels (in order) and value.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Sample {
    /// Label names and values.
    pub labels: Vec<(&'static str, String)>,
    /// The value.
    pub value: f64,
}

/// One metric family: a gauge with its help text, unit and samples.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Family {
    /// Full name, ending in `_<unit>` when there is a unit.
    pub name: &'static str,
    /// What it measures.
    pub help: &'static str,
    /// "seconds", or None for a count or a 0/1 state.
    pub unit: Option<&'static str>,
    /// Its samples.
    pub samples: Vec<Sample>,
}

/// `v` as a label value: backslash, double quote and newline escaped.
fn escape(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s
}

/// Help text on one line (backslash and newline escaped).
fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

/// A finite value as text (non-finite ones as Prometheus spells them).
fn value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{v}")
    }
}

/// The families as text; families without samples are left out.
pub(super) fn write(families: &[Family]) -> Vec<u8> {
    let mut s = String::new();
    for f in families.iter().filter(|f| !f.samples.is_empty()) {
        let _ = writeln!(s, "# HELP {} {}", f.name, escape_help(f.help));
        let _ = writeln!(s, "# TYPE {} gauge", f.name);
        if let Some(u) = f.unit {
            let _ = writeln!(s, "# UNIT {} {u}", f.name);
        }
        for x in &f.samples {
            let labels: Vec<String> = x
                .labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
                .collect();
            let _ = writeln!(s, "{}{{{}}} {}", f.name, labels.join(","), value(x.value));
        }
    }
    s.push_str("# EOF\n");
    s.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_written_with_metadata_and_escaped_labels() {
        let f = Family {
            name: "x_seconds",
            help: "A\\B\nC",
            unit: Some("seconds"),
            samples: vec![Sample {
                labels: vec![("a", "q\"\\\n".into()), ("b", String::new())],
                value: 0.25,
            }],
        };
        let empty = Family {
            name: "y",
            help: "none",
            unit: None,
            samples: vec![],
        };
        let text = String::from_utf8(write(&[f, empty])).unwrap();
        assert_eq!(
            text,
            "# HELP x_seconds A\\\\B\\nC\n# TYPE x_seconds gauge\n# UNIT x_seconds seconds\nx_seconds{a=\"q\\\"\\\\\\n\",b=\"\"} 0.25\n# EOF\n"
        );
        assert_eq!(value(f64::NAN), "NaN");
        assert_eq!(value(f64::NEG_INFINITY), "-Inf");
        assert_eq!(value(1e-7), "0.0000001");
    }
}
