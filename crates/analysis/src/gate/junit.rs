//! JUnit XML for CI servers (GitLab, Jenkins): `<testsuites>` holding one
//! `<testsuite name="migprobe gate">` with one `<testcase>` per check; a failed
//! check carries `<failure message="..." type="threshold">` with its detail
//! (`type="inconclusive"` for a regression check a drift left open), a passed
//! one its figures in `<system-out>`. Pure.
//!
//! Written with `quick-junit` (cargo-nextest's JUnit model, quick-xml
//! underneath): the counts are derived from the cases, escaping and
//! structure are the writer's, ANSI escapes and control characters are
//! stripped. Characters it lets through that XML 1.0 forbids (U+FFFE, U+FFFF)
//! become U+FFFD here first.

use super::Verdict;
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

pub use quick_junit::SerializeError;

/// The verdict as a JUnit XML document.
pub fn render(v: &Verdict) -> Result<String, SerializeError> {
    let mut suite = TestSuite::new("migprobe gate");
    suite.add_property(Property::new("summary", xml_text(&v.summary)));
    for c in &v.checks {
        let body = format!(
            "threshold: {}\nobserved: {}\nbaseline: {}\n{}",
            c.threshold,
            c.observed,
            c.baseline.as_deref().unwrap_or("–"),
            c.detail
        );
        let status = if c.pass {
            TestCaseStatus::success()
        } else {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(xml_text(&c.detail))
                .set_type(if c.inconclusive() {
                    "inconclusive"
                } else {
                    "threshold"
                })
                .set_description(xml_text(&body));
            s
        };
        let mut case = TestCase::new(xml_text(&c.name), status);
        case.set_classname("migprobe.gate");
        if c.pass {
            case.set_system_out(xml_text(&body));
        }
        suite.add_test_case(case);
    }
    let mut report = Report::new("migprobe gate");
    report.add_test_suite(suite);
    report.to_string()
}

/// `s` with the characters XML 1.0 forbids replaced by U+FFFD (tab, LF and CR
/// kept; other controls are removed by quick-junit).
fn xml_text(s: &str) -> String {
    s.chars()
        .map(|c| if allowed(c) { c } else { '\u{FFFD}' })
        .collect()
}

/// XML 1.0 `Char` production, controls included (quick-junit removes those).
fn allowed(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::{CheckResult, Measure};

    fn check(name: &str, pass: bool, detail: &str) -> CheckResult {
        CheckResult {
            name: name.into(),
            threshold: "≤ 500 ms".into(),
            observed: "612 ms".into(),
            baseline: None,
            pass,
            detail: detail.into(),
            statistics: None,
            measure: Measure::of(Some(612.0), Some(500.0)),
        }
    }

    #[test]
    fn escapes_markup_and_drops_what_xml_forbids() {
        let v = Verdict::from_checks(vec![
            check(
                "a<b & \"c\"",
                false,
                "x 'd'> \u{1}\u{1b}[31mred\u{1b}[0m \u{FFFF}",
            ),
            check("ok", true, "≤ 500 ms"),
        ]);
        let xml = render(&v).unwrap();
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            "{xml}"
        );
        assert!(xml.contains("name=\"a&lt;b &amp; &quot;c&quot;\""), "{xml}");
        assert!(
            xml.contains("message=\"x &apos;d&apos;&gt; red \u{FFFD}\""),
            "{xml}"
        );
        assert!(xml.contains("type=\"threshold\""), "{xml}");
        assert!(xml.contains("<system-out>threshold: ≤ 500 ms\n"), "{xml}");
        assert!(!xml.contains(['\u{1}', '\u{1b}', '\u{FFFF}']), "{xml:?}");
        assert!(
            xml.contains("tests=\"2\"") && xml.contains("failures=\"1\""),
            "{xml}"
        );
    }
}
