//! JUnit XML for CI servers (GitLab, Jenkins): one `<testsuite name="migprobe
//! gate">` with one `<testcase>` per check; a failed check carries
//! `<failure message="..." type="threshold">` with its detail
//! (`type="inconclusive"` for a regression check a drift left open). Pure.

use super::Verdict;

/// Text safe in XML 1.0 content and attribute values: `& < > " '` escaped,
/// tab/newline/CR as character references (kept in attributes), other
/// characters XML 1.0 forbids replaced by U+FFFD.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if allowed(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// XML 1.0 `Char` production (tab, LF, CR handled by the caller).
fn allowed(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// The verdict as a JUnit XML document.
pub fn render(v: &Verdict) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuite name=\"migprobe gate\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"0\">\n",
        v.checks.len(),
        v.failures()
    ));
    out.push_str(&format!(
        "  <properties>\n    <property name=\"summary\" value=\"{}\"/>\n  </properties>\n",
        escape(&v.summary)
    ));
    for c in &v.checks {
        let open = format!(
            "  <testcase classname=\"migprobe.gate\" name=\"{}\" time=\"0\"",
            escape(&c.name)
        );
        let body = format!(
            "threshold: {}\nobserved: {}\nbaseline: {}\n{}",
            c.threshold,
            c.observed,
            c.baseline.as_deref().unwrap_or("–"),
            c.detail
        );
        if c.pass {
            out.push_str(&format!(
                "{open}>\n    <system-out>{}</system-out>\n  </testcase>\n",
                escape(&body)
            ));
        } else {
            let kind = if c.inconclusive() {
                "inconclusive"
            } else {
                "threshold"
            };
            out.push_str(&format!(
                "{open}>\n    <failure message=\"{}\" type=\"{kind}\">{}</failure>\n  </testcase>\n",
                escape(&c.detail),
                escape(&body)
            ));
        }
    }
    out.push_str("</testsuite>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_forbidden_characters() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>\n\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;&#10;\u{FFFD}"
        );
        assert_eq!(escape("≤ 500 ms"), "≤ 500 ms");
    }
}
