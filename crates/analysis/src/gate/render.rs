//! The gate's verdict for people and machines: a text table, a Markdown job
//! summary and JSON (`{ "pass", "summary", "checks": [...] }`). Pure.

use super::Verdict;
use crate::report::text::md_escape;
use migprobe_probe::values::ConfigError;

/// What `--format` prints on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// An aligned table and the verdict line.
    Text,
    /// `{ "pass", "summary", "checks" }`.
    Json,
    /// A Markdown table and the verdict line (CI job summaries).
    Markdown,
}

impl OutputFormat {
    /// Parses `--format` (`text`, `json`, `markdown` or `md`).
    pub fn parse(value: &str) -> Result<OutputFormat, ConfigError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(OutputFormat::Text),
            "json" => Ok(OutputFormat::Json),
            "markdown" | "md" => Ok(OutputFormat::Markdown),
            _ => Err(ConfigError {
                flag: "--format".into(),
                value: value.into(),
                why: "expected text, json or markdown".into(),
            }),
        }
    }

    /// Renders `v` in this format.
    pub fn render(self, v: &Verdict) -> String {
        match self {
            OutputFormat::Text => text(v),
            OutputFormat::Json => json(v),
            OutputFormat::Markdown => markdown(v),
        }
    }
}

const HEADER: [&str; 5] = ["check", "threshold", "observed", "baseline", "verdict"];

fn rows(v: &Verdict) -> Vec<[String; 5]> {
    v.checks
        .iter()
        .map(|c| {
            [
                c.name.clone(),
                c.threshold.clone(),
                c.observed.clone(),
                c.baseline.clone().unwrap_or_else(|| "–".into()),
                c.verdict_word().into(),
            ]
        })
        .collect()
}

/// Terminal text: table, one detail line per check, then `PASS: ...` / `FAIL: ...`.
pub fn text(v: &Verdict) -> String {
    let rows: Vec<Vec<String>> = rows(v).into_iter().map(Vec::from).collect();
    let mut out = crate::text_table::render(&HEADER, &rows, false, None);
    out.push('\n');
    for c in &v.checks {
        out.push_str(&format!("- {}\n", one_line(&c.detail)));
    }
    out.push('\n');
    out.push_str(&format!(
        "{}: {}\n",
        if v.pass { "PASS" } else { "FAIL" },
        one_line(&v.summary)
    ));
    out
}

fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Markdown for a CI job summary: a heading with the verdict, the one-line
/// reason, the table and the details.
pub fn markdown(v: &Verdict) -> String {
    let mut out = format!(
        "### migprobe gate: {}\n\n{}\n\n",
        if v.pass { "pass" } else { "**FAIL**" },
        md_escape(&v.summary)
    );
    out.push_str(&format!("| {} |\n", HEADER.join(" | ")));
    out.push_str("|---|---|---|---|---|\n");
    for r in rows(v) {
        let cells: Vec<String> = r.iter().map(|c| md_escape(c)).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out.push('\n');
    for c in &v.checks {
        out.push_str(&format!("- {}\n", md_escape(&c.detail)));
    }
    out
}

/// Pretty JSON with a final newline: `{ "pass", "summary", "checks": [{ name,
/// threshold, observed, baseline, pass, detail, measure: { value, unit,
/// threshold, baseline } }] }` (`measure` holds the figures as numbers).
pub fn json(v: &Verdict) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|e| {
        serde_json::json!({ "pass": false, "summary": format!("cannot render the verdict: {e}") })
            .to_string()
    });
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::{CheckResult, Measure};

    fn verdict() -> Verdict {
        Verdict::from_checks(vec![
            CheckResult {
                name: "network downtime".into(),
                threshold: "≤ 500 ms".into(),
                observed: "612 ms".into(),
                baseline: Some("240 ms".into()),
                pass: false,
                detail: "network downtime 612 ms > 500 ms; baseline 240 ms, +155 %".into(),
                statistics: None,
                measure: Measure {
                    value: Some(612.0),
                    unit: "ms",
                    threshold: Some(500.0),
                    baseline: Some(240.0),
                },
            },
            CheckResult {
                name: "lost probes".into(),
                threshold: "≤ 5".into(),
                observed: "0".into(),
                baseline: None,
                pass: true,
                detail: "lost probes 0 ≤ 5 | x".into(),
                statistics: None,
                measure: Measure::of(Some(0.0), None),
            },
        ])
    }

    #[test]
    fn text_is_aligned_and_ends_with_the_verdict() {
        let t = text(&verdict());
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].starts_with("check             threshold"), "{t}");
        let col = |l: &str, c: char| l.chars().position(|x| x == c);
        assert_eq!(col(lines[1], '≤'), Some(18), "{t}");
        assert_eq!(col(lines[2], '≤'), Some(18), "{t}");
        assert!(t.ends_with("FAIL: network downtime 612 ms > 500 ms; baseline 240 ms, +155 %\n"));
    }

    #[test]
    fn markdown_escapes_cells() {
        let m = markdown(&verdict());
        assert!(m.starts_with("### migprobe gate: **FAIL**\n\nnetwork downtime 612 ms \\> 500 ms"));
        assert!(m.contains("| lost probes | ≤ 5 | 0 | – | pass |"), "{m}");
        assert!(m.contains("lost probes 0 ≤ 5 \\| x"), "{m}");
    }

    #[test]
    fn json_shape() {
        let v: serde_json::Value = serde_json::from_str(&json(&verdict())).unwrap();
        assert_eq!(v["pass"], false);
        assert_eq!(v["checks"][1]["baseline"], serde_json::Value::Null);
        assert_eq!(v["checks"][0]["observed"], "612 ms");
        let m = &v["checks"][0]["measure"];
        assert_eq!(
            (m["value"].as_f64(), m["unit"].as_str()),
            (Some(612.0), Some("ms"))
        );
        assert_eq!(
            (m["threshold"].as_f64(), m["baseline"].as_f64()),
            (Some(500.0), Some(240.0))
        );
    }

    #[test]
    fn formats() {
        assert_eq!(OutputFormat::parse("MD"), Ok(OutputFormat::Markdown));
        assert!(OutputFormat::parse("xml")
            .unwrap_err()
            .to_string()
            .contains("--format"));
    }
}
