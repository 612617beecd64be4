//! compare.md and the verdict sentence: what a person reads first.

use super::table::{self, delta_cell, direction, p_text, signed, Delta, CONFIDENCE, SIGNIFICANCE};
use super::{Metric, RunFigures};
use crate::report::text::{md_argv, md_escape};
use std::fmt::Write;

/// "evidence thin: 1 migration each", "evidence thin: 1 migration vs 10".
fn thin(d: &Delta) -> String {
    match (d.n_base, d.n) {
        (1, 1) => "evidence thin: 1 migration each".to_owned(),
        (a, b) => format!(
            "evidence thin: {a} migration{} vs {b}",
            if a == 1 { "" } else { "s" }
        ),
    }
}

/// The clause about one run against the first, on network downtime.
fn clause(base: &RunFigures, run: &RunFigures) -> String {
    let d = Delta::of(Metric::Network, base, run);
    let (Some(b), Some(_)) = (d.base, d.value) else {
        let missing = if d.base.is_none() { base } else { run };
        return format!(
            "{} and {} cannot be compared: {} has no network downtime",
            run.label, base.label, missing.label
        );
    };
    let median = if d.n_base > 1 || d.n > 1 {
        "median "
    } else {
        ""
    };
    let shift = match d.diff() {
        Some(x) if x != 0.0 => {
            let amount = delta_cell(&d);
            // "+45 ms (+23 %)" → "45 ms (+23 %)": the direction is in the words.
            let amount = amount
                .strip_prefix(['+', '-'])
                .unwrap_or(&amount)
                .to_owned();
            format!(
                "{} is {amount} {} than {} in {median}network downtime",
                run.label,
                direction(&d),
                base.label
            )
        }
        _ => format!(
            "{} has the same {median}network downtime as {} ({})",
            run.label,
            base.label,
            table::value(Metric::Network, b)
        ),
    };
    match d.test {
        None => format!("{shift}; {}", thin(&d)),
        Some(t) => {
            let p = d.p_value().unwrap_or(1.0);
            let sig = if p < SIGNIFICANCE && d.diff().unwrap_or(0.0) != 0.0 {
                "significant"
            } else {
                "not significant"
            };
            let ci =
                t.ci.map(|(lo, hi)| {
                    format!(
                        "; {:.0} % CI of the median difference {} … {}",
                        CONFIDENCE * 100.0,
                        signed(Metric::Network, lo),
                        signed(Metric::Network, hi)
                    )
                })
                .unwrap_or_default();
            format!(
                "{shift}, {sig} (one-sided Mann–Whitney {}{ci}; {})",
                p_text(p),
                d.evidence()
            )
        }
    }
}

/// One sentence per run after the first, against the first, on network downtime.
pub fn verdict(runs: &[RunFigures]) -> String {
    let Some((base, rest)) = runs.split_first() else {
        return "nothing to compare".to_owned();
    };
    if rest.is_empty() {
        return format!("only {}: nothing to compare it with", base.label);
    }
    rest.iter()
        .map(|r| clause(base, r))
        .collect::<Vec<_>>()
        .join(". ")
}

/// The table as Markdown (figures left, values right-aligned).
pub fn table_md(t: &table::Table) -> String {
    let mut s = String::new();
    let cells = |row: &[String]| {
        row.iter()
            .map(|c| md_escape(c))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    let _ = writeln!(s, "| {} |", cells(&t.header));
    let align: Vec<&str> = (0..t.header.len())
        .map(|i| if i == 0 { "---" } else { "--:" })
        .collect();
    let _ = writeln!(s, "|{}|", align.join("|"));
    for r in &t.rows {
        let _ = writeln!(s, "| {} |", cells(r));
    }
    s
}

fn run_line(r: &RunFigures) -> String {
    let rep = &r.report;
    let mut parts = vec![format!("recorded {}", rep.run.start_utc)];
    if !rep.run.host.is_empty() {
        parts.push(format!(
            "prober {} (kernel {})",
            rep.run.host, rep.run.kernel
        ));
    }
    for side in ["src", "dst"] {
        if let Some(h) = rep.run.hypervisors.get(side) {
            let f = |k: &str| h.get(k).and_then(|v| v.as_str()).unwrap_or("?").to_owned();
            parts.push(format!(
                "{side} {}: libvirt {}, hypervisor {}",
                f("hostname"),
                f("libvirt_version"),
                f("hypervisor_version")
            ));
        }
    }
    if let Some(m) = &rep.migration {
        parts.push(format!("migration {}", m.result));
    }
    let mut line = format!(
        "- **{}**: `{}` — {}",
        md_escape(&r.label),
        r.source.replace('`', "'"),
        md_escape(&parts.join("; "))
    );
    if let Some(t) = &rep.trigger {
        let _ = write!(line, "; trigger {}", md_argv(&t.argv));
    }
    line
}

/// Renders compare.md; `notes` are the command's own (missing run files, ...).
pub fn render(runs: &[RunFigures], notes: &[String]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "**{}**", md_escape(&verdict(runs)));
    let _ = writeln!(s);
    let _ = writeln!(s, "## Side by side");
    let _ = writeln!(s);
    s.push_str(&table_md(&table::build(runs)));
    let _ = writeln!(s);
    let _ = writeln!(s, "## Runs");
    let _ = writeln!(s);
    for r in runs {
        let _ = writeln!(s, "{}", run_line(r));
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "## Notes");
    let _ = writeln!(s);
    if let Some(base) = runs.first() {
        let _ = writeln!(
            s,
            "- Δ columns are against the first run, {}: a positive delta is longer (slower) or more; \
             with several migrations per run the values are p50 / p95 / max across migrations and \
             the delta is between the medians.",
            md_escape(&base.label)
        );
    }
    let _ = writeln!(
        s,
        "- Statistics as in `migprobe gate`: a one-sided Mann–Whitney U test (exact p-value up to \
         50 migrations per side without ties, else the normal approximation; with 3 against 3 \
         the smallest possible p-value is 0.05) in the direction of the shift, and a {:.0} % bootstrap \
         interval ({} resamples, fixed seed) on the difference of the medians; both need at least \
         2 migrations on each side. One migration per run is an anecdote: compare reports that \
         hold several migrations each (a `migrations` array) for a verdict that holds.",
        CONFIDENCE * 100.0,
        crate::report::text::count(table::BOOTSTRAP_ITERATIONS as u64)
    );
    for n in notes {
        let _ = writeln!(s, "- {}", md_escape(n));
    }
    for r in runs {
        for n in &r.report.notes {
            let _ = writeln!(s, "- {}: {}", md_escape(&r.label), md_escape(n));
        }
        if r.report.truncated {
            let _ = writeln!(
                s,
                "- {}: the run was cut short (no footer in its run file).",
                md_escape(&r.label)
            );
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::super::fixture_runs as two;
    use super::*;

    #[test]
    fn verdict_sentences() {
        assert_eq!(
            verdict(&two(&[200.0], &[245.0])),
            "after is 45 ms (+23 %) slower than before in network downtime; evidence thin: 1 migration each"
        );
        assert_eq!(
            verdict(&two(&[200.0], &[200.0])),
            "after has the same network downtime as before (200 ms); evidence thin: 1 migration each"
        );
        let base: Vec<f64> = (0..10).map(|i| 200.0 + 10.0 * f64::from(i)).collect();
        let fast: Vec<f64> = base.iter().map(|x| x - 100.0).collect();
        let v = verdict(&two(&base, &fast));
        assert!(v.starts_with("after is 100 ms (-41 %) faster than before in median network downtime, significant (one-sided Mann–Whitney p"), "{v}");
        assert!(v.ends_with("10 vs 10 migrations)"), "{v}");
        assert!(verdict(&two(&[], &[1.0])).contains("before has no network downtime"));
    }

    #[test]
    fn markdown_has_the_table() {
        let md = render(&two(&[200.0], &[245.0]), &["x | y".into()]);
        assert!(md.starts_with("**after is 45 ms"), "{md}");
        assert!(md.contains("| figure | before | after | Δ after |"), "{md}");
        assert!(md.contains("- x \\| y"), "{md}");
    }
}
