//! compare.md: the verdict sentence ([`super::verdict`]), the table, the
//! runs and the notes.

use super::table::{self, CONFIDENCE};
use super::verdict::verdict;
use super::RunFigures;
use crate::baseline::Policy;
use crate::report::text::{md_argv, md_escape};
use std::fmt::Write;

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

/// Renders compare.md; `notes` are the command's own (missing run files,
/// ...); the verdict judges by `policy`.
pub fn render(runs: &[RunFigures], notes: &[String], policy: &Policy) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "**{}**", md_escape(&verdict(runs, policy)));
    let _ = writeln!(s);
    let _ = writeln!(s, "## Side by side");
    let _ = writeln!(s);
    s.push_str(&table_md(&table::build(runs, policy)));
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
             with several migrations per run the values are median / max across migrations \
             (median / p95 / max from 20 migrations on: below that the p95 is the maximum) and \
             the delta is between the medians.",
            md_escape(&base.label)
        );
    }
    let _ = writeln!(s, "- {}", md_escape(&statistics_note(policy)));
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

/// What the verdict and the statistics rows mean.
fn statistics_note(policy: &Policy) -> String {
    format!(
        "Verdict and statistics as in `migprobe gate` (one rule, crate::baseline): the first {} \
         of each run left out as warm-up (when 2 or more remain); a shift counts only when it \
         is larger than the margin, {} % of the first run's median but at least {} ms, and a \
         one-sided Mann–Whitney U test of the run less the margin against the first run is \
         significant at {:.0} % (exact p-value up to 50 migrations per side without ties); a \
         run whose second half differs from its first by significantly more than the margin \
         makes it inconclusive. The interval is a {:.0} % bootstrap ({} resamples, fixed seed) \
         on the difference of the medians; \"smallest regression it would catch\" is the \
         regression (every migration that much longer) the test flags in 80 % of resampled \
         comparisons of the first run with itself. All need 2 or more migrations per side: \
         one migration per run is an anecdote.",
        migrations_word(policy.discard_warmup),
        policy.max_regression_pct,
        policy.min_effect_ms,
        CONFIDENCE * 100.0,
        CONFIDENCE * 100.0,
        crate::report::text::count(table::BOOTSTRAP_ITERATIONS as u64)
    )
}

fn migrations_word(n: usize) -> String {
    match n {
        1 => "migration".to_owned(),
        n => format!("{n} migrations"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture_runs as two;
    use super::*;

    #[test]
    fn markdown_has_the_table() {
        let md = render(
            &two(&[200.0], &[245.0]),
            &["x | y".into()],
            &Policy::default(),
        );
        assert!(md.starts_with("**after is 45 ms"), "{md}");
        assert!(md.contains("| figure | before | after | Δ after |"), "{md}");
        assert!(md.contains("- x \\| y"), "{md}");
        assert!(
            md.contains("the first migration of each run left out as warm-up"),
            "{md}"
        );
    }
}
