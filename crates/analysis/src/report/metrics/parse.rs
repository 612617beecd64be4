//! A strict reader of the exposition [`super::render`] (and
//! [`super::render_live`]) writes, for tests and checks without promtool:
//! every line well formed, every sample after its family's `# HELP` and
//! `# TYPE` (gauge, counter, or histogram with its `_bucket`, `_sum` and
//! `_count` samples), a unit that ends the name, `# EOF` last.

use std::collections::{BTreeMap, BTreeSet};

/// One sample read back.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedSample {
    /// Metric name.
    pub name: String,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Value.
    pub value: f64,
}

/// A metric or label name: `[a-zA-Z_:][a-zA-Z0-9_:]*` (no `:` in labels).
fn is_name(s: &str, colon: bool) -> bool {
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '_' || (colon && c == ':');
    s.chars()
        .next()
        .is_some_and(|c| !c.is_ascii_digit() && ok(c))
        && s.chars().all(ok)
}

/// `k="v",...}` (after the `{`): the labels and the rest of the line.
fn labels(mut s: &str) -> Result<(BTreeMap<String, String>, &str), String> {
    let mut out = BTreeMap::new();
    loop {
        if let Some(rest) = s.strip_prefix('}') {
            return Ok((out, rest));
        }
        let (k, rest) = s.split_once("=\"").ok_or("a label without =\"")?;
        if !is_name(k, false) {
            return Err(format!("bad label name {k:?}"));
        }
        let mut v = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next().ok_or("an unterminated label value")? {
                (i, '"') => break i,
                (_, '\\') => match chars.next().ok_or("a dangling backslash")?.1 {
                    'n' => v.push('\n'),
                    c @ ('\\' | '"') => v.push(c),
                    c => return Err(format!("bad escape \\{c}")),
                },
                (_, c) => v.push(c),
            }
        };
        if out.insert(k.to_owned(), v).is_some() {
            return Err(format!("label {k} twice"));
        }
        s = &rest[end + 1..];
        s = s.strip_prefix(',').unwrap_or(s);
    }
}

/// One sample line.
fn sample(line: &str) -> Result<ParsedSample, String> {
    let split = line.find(['{', ' ']).ok_or("no value")?;
    let name = &line[..split];
    if !is_name(name, true) {
        return Err(format!("bad metric name {name:?}"));
    }
    let (labels, rest) = match line[split..].strip_prefix('{') {
        Some(inner) => labels(inner)?,
        None => (BTreeMap::new(), &line[split..]),
    };
    let v = rest.strip_prefix(' ').ok_or("no space before the value")?;
    let value = match v {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().map_err(|_| format!("bad value {v:?}"))?,
    };
    Ok(ParsedSample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// The families seen so far: which metadata each has.
#[derive(Default)]
struct Seen {
    help: BTreeSet<String>,
    /// Family name → its type.
    types: BTreeMap<String, String>,
}

impl Seen {
    /// A `# ` line (without the `# `).
    fn meta(&mut self, m: &str) -> Result<(), String> {
        let mut parts = m.splitn(3, ' ');
        let (kind, name, rest) = (parts.next(), parts.next(), parts.next());
        let (Some(kind), Some(name), Some(rest)) = (kind, name, rest) else {
            return Err(format!("bad metadata line {m:?}"));
        };
        if !is_name(name, true) {
            return Err(format!("bad metric name {name:?}"));
        }
        let fresh = match (kind, rest) {
            ("HELP", _) => self.help.insert(name.to_owned()),
            ("TYPE", t @ ("gauge" | "counter" | "histogram")) => {
                self.types.insert(name.to_owned(), t.to_owned()).is_none()
            }
            ("UNIT", u) if name.ends_with(&format!("_{u}")) => true,
            _ => return Err(format!("bad metadata line {m:?}")),
        };
        if fresh {
            Ok(())
        } else {
            Err(format!("{kind} of {name} twice"))
        }
    }

    /// Whether sample `name` belongs to a family with `# HELP` and `# TYPE`:
    /// its own, or a histogram's it is a `_bucket`, `_sum` or `_count` of.
    fn described(&self, name: &str) -> bool {
        let own = |n: &str| self.help.contains(n) && self.types.contains_key(n);
        own(name)
            || ["_bucket", "_sum", "_count"].iter().any(|suffix| {
                name.strip_suffix(suffix).is_some_and(|f| {
                    own(f) && self.types.get(f).map(String::as_str) == Some("histogram")
                })
            })
    }
}

/// Reads an exposition back; the first problem, with its line number.
pub fn check(text: &str) -> Result<Vec<ParsedSample>, String> {
    let body = text
        .strip_suffix("# EOF\n")
        .ok_or("the text does not end with # EOF")?;
    let mut seen = Seen::default();
    let mut out = Vec::new();
    for (n, line) in body.lines().enumerate() {
        let at = |e: String| format!("line {}: {e}", n + 1);
        if let Some(m) = line.strip_prefix("# ") {
            seen.meta(m).map_err(at)?;
            continue;
        }
        let s = sample(line).map_err(at)?;
        if !seen.described(&s.name) {
            return Err(at(format!("{} has no # HELP or # TYPE before it", s.name)));
        }
        out.push(s);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_is_written_and_refuses_the_rest() {
        let ok = "# HELP a_seconds x\n# TYPE a_seconds gauge\n# UNIT a_seconds seconds\na_seconds{k=\"v\\\"\\n\",z=\"\"} 1.5\na_seconds 2\n\
                  # HELP c_total y\n# TYPE c_total counter\nc_total 3\n\
                  # HELP h z\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 0.5\nh_count 1\n# EOF\n";
        let s = check(ok).unwrap();
        assert_eq!(s.len(), 6);
        assert_eq!(s[0].labels["k"], "v\"\n");
        assert_eq!((s[0].value, s[1].value), (1.5, 2.0));
        for bad in [
            "a 1\n",
            "a 1\n# EOF\n",
            "# HELP a x\na 1\n# EOF\n",
            "# HELP a x\n# TYPE a gauge\na{k=\"v} 1\n# EOF\n",
            "# HELP a x\n# TYPE a gauge\na{k=\"v\"} one\n# EOF\n",
            "# HELP a x\n# TYPE a gauge\n# UNIT a seconds\n# EOF\n",
            "# HELP a x\n# HELP a y\n# EOF\n",
            "# HELP 1a x\n# EOF\n",
            "# HELP a x\n# TYPE a gauge\na_count 1\n# EOF\n",
            "# HELP a x\n# TYPE a summary\n# EOF\n",
        ] {
            assert!(check(bad).is_err(), "{bad:?}");
        }
    }
}
