//! `migprobe gate`: judges a report.json against thresholds and, optionally, a
//! baseline report; pure (the command does the file I/O).
//!
//! - [`policy`]: thresholds from flags and from a TOML policy file → [`Thresholds`].
//! - [`input`]: the figures of a report ([`samples`]); [`checks`]: one verdict per check;
//!   [`regression`]: the baseline comparison; [`figures`]: how figures are written.
//! - [`render`]: the text table, the Markdown job summary and the JSON form.
//! - [`coverage`]: whether the prober saw enough to judge at all.
//! - [`junit`]: JUnit XML, one testcase per check.
//!
//! Rules shared by every check: a figure **equal** to its threshold passes
//! (thresholds are inclusive maxima); a check whose figure the report does not
//! hold fails with "cannot evaluate" (a gate must not vouch for what it did not
//! see); a regression check that a drifting campaign leaves open fails as
//! "inconclusive" (unless allowed).

pub mod checks;
pub mod coverage;
pub mod figures;
pub mod input;
pub mod junit;
pub mod policy;
pub mod regression;
pub mod render;

pub use checks::evaluate;
pub use input::{samples, GateInput, Metric};
pub use policy::{PolicyError, Settings, Thresholds};

use schemars::JsonSchema;
use serde::Serialize;

/// The verdict of one check.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct CheckResult {
    /// Stable name of the check (also the JUnit testcase name), e.g. "network downtime".
    pub name: String,
    /// The limit, e.g. "≤ 500 ms".
    pub threshold: String,
    /// The report's figure, e.g. "612 ms" or "612 ms (max of 10)".
    pub observed: String,
    /// The baseline's figure, when a baseline was given and holds it.
    pub baseline: Option<String>,
    /// True when the check passed.
    pub pass: bool,
    /// One sentence: what was compared and why it passed or failed.
    pub detail: String,
    /// The regression check's figures (medians, margin, test, drift, power);
    /// absent from every other check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statistics: Option<Box<regression::statistics::Statistics>>,
    /// The same figures as numbers, for machines (`--format json`).
    pub measure: Measure,
}

impl CheckResult {
    /// This check with its limit: the unit of its figures and the threshold
    /// (none when the check is not one numeric limit).
    pub fn limit(mut self, unit: &'static str, threshold: Option<f64>) -> CheckResult {
        self.measure.unit = unit;
        self.measure.threshold = threshold;
        self
    }

    /// True when the check could not decide (a campaign drifted): its own
    /// result, a failure unless the policy allows it.
    pub fn inconclusive(&self) -> bool {
        self.statistics
            .as_ref()
            .is_some_and(|s| s.outcome == "inconclusive")
    }

    /// "pass", "FAIL" or "INCONCLUSIVE" (a failed check that could not decide).
    pub fn verdict_word(&self) -> &'static str {
        match (self.pass, self.inconclusive()) {
            (true, _) => "pass",
            (false, true) => "INCONCLUSIVE",
            (false, false) => "FAIL",
        }
    }
}

/// A check's figures as numbers: what a program reading the verdict compares
/// (the text fields say the same for people).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, JsonSchema)]
pub struct Measure {
    /// The figure judged (none when the report does not hold it).
    pub value: Option<f64>,
    /// Unit of `value`, `threshold` and `baseline`: "ms", "probes", "%", "problems".
    pub unit: &'static str,
    /// The inclusive maximum `value` may reach to pass.
    pub threshold: Option<f64>,
    /// The baseline's figure, when a baseline was given and holds it.
    pub baseline: Option<f64>,
}

impl Measure {
    /// A figure, and the baseline's where there is one (unit and threshold
    /// are set by [`CheckResult::limit`]).
    pub fn of(value: Option<f64>, baseline: Option<f64>) -> Measure {
        Measure {
            value,
            baseline,
            ..Measure::default()
        }
    }
}

/// The verdict of the whole gate.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Verdict {
    /// True when every check passed.
    pub pass: bool,
    /// One line: why it failed (the failing checks' details), or that all passed.
    pub summary: String,
    /// Every check, in a fixed order.
    pub checks: Vec<CheckResult>,
}

impl Verdict {
    /// Builds the verdict (and its summary line) from the checks.
    pub fn from_checks(checks: Vec<CheckResult>) -> Verdict {
        let failed: Vec<&str> = checks
            .iter()
            .filter(|c| !c.pass)
            .map(|c| c.detail.as_str())
            .collect();
        let summary = if failed.is_empty() {
            match checks.len() {
                1 => "the check passed".to_owned(),
                n => format!("all {n} checks passed"),
            }
        } else {
            failed.join(" · ")
        };
        Verdict {
            pass: failed.is_empty(),
            summary,
            checks,
        }
    }

    /// Number of failed checks.
    pub fn failures(&self) -> usize {
        self.checks.iter().filter(|c| !c.pass).count()
    }
}
