//! Which report.json figures are believable: `gate` and `compare` judge
//! nothing from a report that holds an impossible figure.
//!
//! Rules, for the figures `gate` and `compare` read (the top-level sections
//! and the same sections inside each `migrations` entry) and each target's
//! TCP `session`:
//! - a duration (`*_ms`, `bracket_ms`, a spread's p50/p95/max) is a number,
//!   not negative and at most [`MAX_MS`] (the longest span a run's
//!   nanosecond timeline holds, about 292 years);
//! - a signed duration (`difference_ms`, `offset_ms`) is a number within
//!   ±[`MAX_MS`];
//! - a count (`lost`, `queued`, `slots`, `bytes_*`) is a whole number, not negative;
//! - a share (`unobserved.fraction`) is between 0 and 1;
//! - a field that is absent or `null` is not checked (it is "not known").
//!
//! JSON has no NaN or infinity, so "a number" is always finite.

use serde_json::Value;
use std::fmt;

/// The longest duration any run can hold, in milliseconds (`i64::MAX` ns).
pub const MAX_MS: f64 = i64::MAX as f64 / 1e6;

/// A figure that cannot be true.
#[derive(Debug, Clone, PartialEq)]
pub struct Implausible {
    /// Where it is, e.g. `migrations[2].downtime.network_ms`.
    pub field: String,
    /// Its value as written.
    pub value: String,
    /// Why it cannot be true.
    pub why: &'static str,
}

impl fmt::Display for Implausible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is {}: {}", self.field, self.value, self.why)
    }
}

/// What a field must be.
#[derive(Debug, Clone, Copy)]
enum Rule {
    Duration,
    Signed,
    Count,
    Share,
}

use Rule::{Count, Duration, Share, Signed};

/// The rules of one section: (field, rule).
type Fields = &'static [(&'static str, Rule)];
/// Sections: (key, is a list of objects, their rules).
type Sections = &'static [(&'static str, bool, Fields)];

const RUN: Fields = &[("duration_ms", Duration), ("interval_ms", Duration)];
const TRIGGER: Fields = &[("duration_ms", Duration)];
const DOWNTIME: Fields = &[
    ("network_ms", Duration),
    ("bracket_ms", Duration),
    ("hypervisor_ms", Duration),
    ("qemu_pause_ms", Duration),
    ("difference_ms", Signed),
    ("pause_part_ms", Duration),
    ("convergence_part_ms", Duration),
    ("before_pause_part_ms", Duration),
    ("qemu_pause_resolution_ms", Duration),
    ("lost", Count),
];
const OUTAGE: Fields = &[
    ("offset_ms", Signed),
    ("estimate_ms", Duration),
    ("bracket_ms", Duration),
    ("lost", Count),
    ("queued", Count),
];
const PHASE: Fields = &[("duration_ms", Duration)];
const RTT: Fields = &[
    ("rtt_min_ms", Duration),
    ("rtt_p50_ms", Duration),
    ("rtt_p99_ms", Duration),
    ("rtt_p999_ms", Duration),
    ("rtt_max_ms", Duration),
    ("longest_reply_gap_ms", Duration),
    ("lost", Count),
];
/// A `tcp-session` target's `session`.
const SESSION: Fields = &[
    ("longest_stall_ms", Duration),
    ("bytes_written", Count),
    ("bytes_echoed", Count),
];
const SPREAD: Fields = &[("p50", Duration), ("p95", Duration), ("max", Duration)];
const ENTRY: Fields = &[("duration_ms", Duration)];
const UNOBSERVED: Fields = &[
    ("total_ms", Duration),
    ("slots", Count),
    ("fraction", Share),
];
const WINDOW: Fields = &[("duration_ms", Duration), ("slots", Count)];
/// Inside an `unobserved` section.
const UNOBSERVED_LISTS: Sections = &[
    ("windows", true, WINDOW),
    ("targets", true, &[("ms", Duration), ("slots", Count)]),
];

/// The sections of one migration: (key, is a list, rules).
const MIGRATION: Sections = &[
    ("trigger", false, TRIGGER),
    ("downtime", false, DOWNTIME),
    ("outages", true, OUTAGE),
    ("phases", true, PHASE),
    ("unobserved", false, UNOBSERVED),
];

/// The other sections of a report.
const REPORT: Sections = &[
    ("run", false, RUN),
    ("per_phase", true, RTT),
    ("targets", true, RTT),
    ("baseline", true, RTT),
];

/// Checks every figure of a report (as JSON) that `gate` and `compare` read.
pub fn check(report: &Value) -> Result<(), Implausible> {
    sections(report, "", MIGRATION)?;
    unobserved_lists(report, "")?;
    sections(report, "", REPORT)?;
    let targets = report.get("targets").and_then(Value::as_array);
    for (i, t) in targets.into_iter().flatten().enumerate() {
        if let Some(session) = t.get("session") {
            fields(session, &format!("targets[{i}].session"), SESSION)?;
        }
    }
    if let Some(d) = report.get("distribution").filter(|d| d.is_object()) {
        for key in ["network_ms", "hypervisor_ms", "total_ms", "storage_copy_ms"] {
            if let Some(s) = d.get(key) {
                fields(s, &format!("distribution.{key}"), SPREAD)?;
            }
        }
    }
    let entries = report.get("migrations").and_then(Value::as_array);
    for (i, m) in entries.into_iter().flatten().enumerate() {
        let at = format!("migrations[{i}]");
        sections(m, &format!("{at}."), MIGRATION)?;
        unobserved_lists(m, &format!("{at}."))?;
        fields(m, &at, ENTRY)?;
    }
    Ok(())
}

/// Checks the windows and targets of `v`'s `unobserved` section.
fn unobserved_lists(v: &Value, prefix: &str) -> Result<(), Implausible> {
    match v.get("unobserved") {
        Some(u) => sections(u, &format!("{prefix}unobserved."), UNOBSERVED_LISTS),
        None => Ok(()),
    }
}

/// Checks the sections `list` of `v`, their paths prefixed with `prefix`.
fn sections(v: &Value, prefix: &str, list: Sections) -> Result<(), Implausible> {
    for &(key, is_list, rules) in list {
        let Some(section) = v.get(key) else { continue };
        let at = format!("{prefix}{key}");
        match section.as_array().filter(|_| is_list) {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    fields(item, &format!("{at}[{i}]"), rules)?;
                }
            }
            None => fields(section, &at, rules)?,
        }
    }
    Ok(())
}

/// Checks the fields `rules` of the object `v` (found at `at`).
fn fields(v: &Value, at: &str, rules: Fields) -> Result<(), Implausible> {
    for &(key, rule) in rules {
        let path = format!("{at}.{key}");
        match v.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) if key == "bracket_ms" => {
                for (i, x) in items.iter().enumerate() {
                    value(x, &format!("{path}[{i}]"), rule)?;
                }
            }
            Some(x) => value(x, &path, rule)?,
        }
    }
    Ok(())
}

/// Checks one value against its rule.
fn value(x: &Value, path: &str, rule: Rule) -> Result<(), Implausible> {
    let bad = |why| {
        Err(Implausible {
            field: path.to_owned(),
            value: x.to_string(),
            why,
        })
    };
    let Some(f) = x.as_f64() else {
        return bad("not a number");
    };
    match rule {
        Count if x.as_u64().is_none() => bad("a count is a whole number, not negative"),
        Duration if f < 0.0 => bad("a duration cannot be negative"),
        Duration | Signed if f.abs() > MAX_MS => bad("longer than any run can last"),
        Share if !(0.0..=1.0).contains(&f) => bad("a share is between 0 and 1"),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const EXAMPLE: &str = include_str!("../../../../../reports/examples/report.json");
    const CAMPAIGN: &str = include_str!("../../../../../reports/examples/campaign/report.json");

    #[test]
    fn real_reports_are_believed() {
        for text in [EXAMPLE, CAMPAIGN] {
            let v: Value = serde_json::from_str(text).unwrap();
            assert_eq!(check(&v), Ok(()));
        }
    }

    #[test]
    fn unobserved_and_session_sections_are_checked_too() {
        let cases = [
            (
                json!({"unobserved": {"fraction": 2.0}}),
                "unobserved.fraction is 2.0",
            ),
            (
                json!({"unobserved": {"windows": [{"duration_ms": -1.0}]}}),
                "unobserved.windows[0].duration_ms is -1.0",
            ),
            (
                json!({"migrations": [{"unobserved": {"windows": [{"slots": 1.5}]}}]}),
                "migrations[0].unobserved.windows[0].slots is 1.5",
            ),
            (
                json!({"downtime": {"before_pause_part_ms": -3}}),
                "downtime.before_pause_part_ms is -3",
            ),
            (
                json!({"targets": [{}, {"session": {"longest_stall_ms": -2.0}}]}),
                "targets[1].session.longest_stall_ms is -2.0",
            ),
            (
                json!({"targets": [{"session": {"bytes_echoed": -24}}]}),
                "targets[0].session.bytes_echoed is -24",
            ),
        ];
        for (v, want) in cases {
            let e = check(&v).unwrap_err().to_string();
            assert!(e.contains(want), "{e}");
        }
        let fine = json!({"unobserved": {"fraction": 0.04, "total_ms": 12.5, "slots": 3,
            "windows": [{"duration_ms": 4.0, "slots": 3}], "targets": [{"ms": 12.5, "slots": 3}]},
            "targets": [{"session": {"longest_stall_ms": 1001.5, "bytes_written": 48, "bytes_echoed": 24}}]});
        assert_eq!(check(&fine), Ok(()));
    }

    #[test]
    fn impossible_figures_are_named() {
        let base: Value = serde_json::from_str(CAMPAIGN).unwrap();
        let cases = [
            (
                "/downtime/network_ms",
                json!(-103.0),
                "downtime.network_ms is -103.0: a duration cannot be negative",
            ),
            (
                "/downtime/bracket_ms/1",
                json!(-1),
                "downtime.bracket_ms[1] is -1",
            ),
            (
                "/migrations/1/downtime/network_ms",
                json!(-5),
                "migrations[1].downtime.network_ms is -5",
            ),
            (
                "/migrations/0/downtime/network_ms",
                json!("12"),
                "not a number",
            ),
            (
                "/migrations/0/downtime/lost",
                json!(1.5),
                "a count is a whole number",
            ),
            (
                "/migrations/0/trigger/duration_ms",
                json!(1e300),
                "longer than any run",
            ),
            (
                "/targets/0/rtt_p99_ms",
                json!(-0.5),
                "targets[0].rtt_p99_ms",
            ),
            (
                "/downtime/difference_ms",
                json!(-1e300),
                "downtime.difference_ms",
            ),
        ];
        for (pointer, bad, want) in cases {
            let mut v = base.clone();
            let (parent, key) = pointer.rsplit_once('/').unwrap();
            let slot = v.pointer_mut(parent).unwrap_or_else(|| panic!("{pointer}"));
            match slot {
                Value::Array(items) => items[key.parse::<usize>().unwrap()] = bad,
                other => other[key] = bad,
            }
            let e = check(&v).unwrap_err().to_string();
            assert!(e.contains(want), "{pointer}: {e}");
        }
        let mut v = base.clone();
        v["downtime"]["difference_ms"] = json!(-80.5);
        v["outages"][0]["offset_ms"] = json!(-3);
        assert_eq!(check(&v), Ok(()), "signed figures may be negative");
    }
}
