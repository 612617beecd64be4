//! The text exposition itself: metric families with their `# HELP`,
//! `# TYPE` and `# UNIT` lines, samples with escaped label values, and the
//! final `# EOF`. What is written is both OpenMetrics text and Prometheus
//! text format 0.0.4 (whose parser reads `# UNIT` and `# EOF` as comments),
//! so node_exporter's textfile collector and `promtool check metrics` read it.
//! Gauges, counters (named `…_total`, the text format 0.0.4 way, which
//! `promtool check metrics` expects) and histograms are written.
//! Also the small helpers that build families (`family`, `with`, `secs`).

use std::fmt::Write;

/// Label names and values, in order.
pub(super) type Labels = Vec<(&'static str, String)>;

/// Milliseconds (report.json's, at most 3 decimals) as seconds: the nearest
/// f64 to the same decimal, so 182.457 ms is written 0.182457.
pub(super) fn secs(ms: f64) -> f64 {
    (ms * 1_000.0).round() / 1_000_000.0
}

/// A gauge family of `samples`.
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
        kind: MetricType::Gauge,
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
    /// What follows the family's name (`_bucket`, `_sum`, `_count` of a
    /// histogram), else "".
    pub suffix: &'static str,
    /// Label names and values.
    pub labels: Vec<(&'static str, String)>,
    /// The value.
    pub value: f64,
}

impl Sample {
    /// A sample named as its family.
    pub(super) fn new(labels: Labels, value: f64) -> Sample {
        Sample {
            suffix: "",
            labels,
            value,
        }
    }
}

/// The type of a family, as its `# TYPE` line says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MetricType {
    /// A value that goes up and down.
    Gauge,
    /// A count that only goes up (named `…_total`).
    Counter,
    /// Buckets, sum and count of observations.
    Histogram,
}

impl MetricType {
    /// The word of the `# TYPE` line.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            MetricType::Gauge => "gauge",
            MetricType::Counter => "counter",
            MetricType::Histogram => "histogram",
        }
    }
}

/// One metric family: its type, help text, unit and samples.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Family {
    /// Full name, ending in `_<unit>` when there is a unit.
    pub name: &'static str,
    /// What it measures.
    pub help: &'static str,
    /// "seconds", or None for a count or a 0/1 state.
    pub unit: Option<&'static str>,
    /// Gauge, counter or histogram.
    pub kind: MetricType,
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

/// A value as text (non-finite ones as Prometheus spells them); also a
/// histogram bucket's `le`.
pub(super) fn value_label(v: f64) -> String {
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
        let _ = writeln!(s, "# TYPE {} {}", f.name, f.kind.as_str());
        if let Some(u) = f.unit {
            let _ = writeln!(s, "# UNIT {} {u}", f.name);
        }
        for x in &f.samples {
            let labels: Vec<String> = x
                .labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
                .collect();
            let braces = if labels.is_empty() {
                String::new()
            } else {
                format!("{{{}}}", labels.join(","))
            };
            let _ = writeln!(s, "{}{}{braces} {}", f.name, x.suffix, value_label(x.value));
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
            kind: MetricType::Gauge,
            samples: vec![Sample::new(
                vec![("a", "q\"\\\n".into()), ("b", String::new())],
                0.25,
            )],
        };
        let empty = family("y", "none", None, vec![]);
        let text = String::from_utf8(write(&[f, empty])).unwrap();
        assert_eq!(
            text,
            "# HELP x_seconds A\\\\B\\nC\n# TYPE x_seconds gauge\n# UNIT x_seconds seconds\nx_seconds{a=\"q\\\"\\\\\\n\",b=\"\"} 0.25\n# EOF\n"
        );
        assert_eq!(value_label(f64::NAN), "NaN");
        assert_eq!(value_label(f64::NEG_INFINITY), "-Inf");
        assert_eq!(value_label(1e-7), "0.0000001");
    }
}
