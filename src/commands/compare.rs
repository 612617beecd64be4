//! `migprobe compare A.json B.json [...] [--labels a,b] [--out DIR]`: reads
//! the reports (and the run files next to them, for the RTT traces), prints
//! the verdict and the side-by-side table, and writes compare.md and
//! compare.svg into `--out`.

use super::gate::rule_flags;
use crate::cli::CompareArgs;
use crate::config::input_limits;
use crate::exit::ExitCode;
use crate::outputs::{write_atomic, Kind, OutputSet, Policy};
use anyhow::{bail, Context, Result};
use migprobe_analysis::baseline::Policy as Rule;
use migprobe_analysis::compare::{self, markdown, svg, table, trace, verdict, RunFigures, Trace};
use migprobe_analysis::gate::policy::parse_percent;
use migprobe_probe::input::{read_all, Limits};
use migprobe_probe::record::{compact, read_run_spilled, ReadError};
use std::path::{Path, PathBuf};

/// The Markdown file written into `--out`.
pub(crate) const MD_FILE: &str = "compare.md";
/// The chart written into `--out`.
pub(crate) const SVG_FILE: &str = "compare.svg";

/// Splits `--labels` and checks it against the number of reports.
pub(crate) fn parse_labels(list: Option<&str>, reports: &[PathBuf]) -> Result<Vec<String>> {
    let Some(list) = list else {
        return Ok(reports
            .iter()
            .map(|p| compare::default_label(&p.display().to_string()))
            .collect());
    };
    let labels: Vec<String> = list.split(',').map(|l| l.trim().to_owned()).collect();
    if labels.len() != reports.len() {
        bail!(
            "--labels {list:?}: {} label(s) for {} report(s); give one comma-separated label per report, in the same order",
            labels.len(),
            reports.len()
        );
    }
    if let Some(empty) = labels.iter().position(String::is_empty) {
        bail!(
            "--labels {list:?}: label {} is empty; give one non-empty label per report",
            empty + 1
        );
    }
    Ok(labels)
}

/// The run file of a report (`run.jsonl.zst` or `run.jsonl`): next to it,
/// else in the report's `run.run_dir`.
fn run_file_of(report_path: &Path, fig: &RunFigures) -> Option<PathBuf> {
    let next = report_path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let in_dir = |d: &Path| compact::resolve(d).ok().filter(|p| p.is_file());
    in_dir(next).or_else(|| {
        fig.report
            .run
            .run_dir
            .as_ref()
            .and_then(|d| in_dir(Path::new(d)))
    })
}

/// The RTT trace of one run (its run file read within `limits`; lines it
/// skipped are added to `notes`), or the note that says why there is none.
fn trace_of(
    report_path: &Path,
    fig: &RunFigures,
    limits: Limits,
    notes: &mut Vec<String>,
) -> Result<Trace, String> {
    let Some(path) = run_file_of(report_path, fig) else {
        return Err(format!(
            "no run file (run.jsonl.zst or run.jsonl) next to {} nor in its run_dir",
            report_path.display()
        ));
    };
    let file = read_run_spilled(&path, limits).map_err(|e| match e {
        ReadError::Io { .. } => format!("{e} (next to {})", report_path.display()),
        other => other.to_string(),
    })?;
    let run = &file.run;
    notes.extend(
        run.skipped_lines()
            .map(|w| format!("{}: {}: {w}", fig.label, path.display())),
    );
    let t = trace::extract_probes(fig, run, &file.probes);
    file.probes
        .check()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let t = t.ok_or_else(|| {
        format!(
            "{}: no switchover and no headline outage to align on",
            path.display()
        )
    })?;
    if t.points.is_empty() && t.lost.is_empty() {
        return Err(format!(
            "{}: no probes of {} around the switchover",
            path.display(),
            t.target
        ));
    }
    Ok(t)
}

/// The verdict's rule from `--max-regression`, `--min-effect`, `--discard-warmup`.
fn rule(a: &CompareArgs) -> Result<Rule> {
    let defaults = Rule::default();
    let (min_effect, warmup) = rule_flags(&a.rule)?;
    Ok(Rule {
        max_regression_pct: match &a.max_regression {
            Some(v) => parse_percent("--max-regression", v)?,
            None => defaults.max_regression_pct,
        },
        min_effect_ms: min_effect.map_or(defaults.min_effect_ms, |d| d.as_secs_f64() * 1e3),
        discard_warmup: warmup.unwrap_or(defaults.discard_warmup),
    })
}

/// `migprobe compare`.
pub(crate) fn execute(a: &CompareArgs) -> Result<ExitCode> {
    if a.reports.len() < 2 {
        bail!("give at least 2 reports to compare (report.json files written by `migprobe run` or `migprobe report`)");
    }
    let rule = rule(a)?;
    let labels = parse_labels(a.labels.as_deref(), &a.reports)?;
    let report_limits = input_limits(&a.caps, Limits::REPORT)?;
    let run_limits = input_limits(&a.caps, Limits::RUN_FILE)?;
    // Fail fast on a bad --out, before reading anything large.
    if let Some(dir) = &a.out {
        OutputSet::in_dir("--out", dir, Policy::Replace)
            .with_each([MD_FILE, SVG_FILE], Kind::Finished)
            .prepare()?;
    }
    let mut runs = Vec::with_capacity(a.reports.len());
    for (path, label) in a.reports.iter().zip(&labels) {
        let name = path.display().to_string();
        let bytes = read_all(path, report_limits).with_context(|| {
            format!("cannot read report {name}: give the path of a report.json written by `migprobe run` or `migprobe report`")
        })?;
        runs.push(compare::load(label, &name, &bytes)?);
    }
    let text = || {
        format!(
            "{}\n\n{}",
            verdict::verdict(&runs, &rule),
            table::build(&runs, &rule).to_text(crate::terminal::stdout_columns())
        )
    };
    super::stdout::emit(a.stdout, text, || Ok(compare::json::render(&runs, &rule)))?;
    let Some(dir) = &a.out else {
        return Ok(ExitCode::Ok);
    };
    let mut notes: Vec<String> = Vec::new();
    let traces: Vec<Result<Trace, String>> = a
        .reports
        .iter()
        .zip(&runs)
        .map(|(p, f)| trace_of(p, f, run_limits, &mut notes))
        .collect();
    for (r, t) in runs.iter().zip(&traces) {
        match t {
            Err(e) => notes.push(format!("{}: RTT trace not drawn: {e}", r.label)),
            Ok(t) if t.anchor == trace::Anchor::OutageStart => notes.push(format!(
                "{}: no hypervisor events; its RTT trace is aligned on the start of its headline outage",
                r.label
            )),
            Ok(_) => {}
        }
        let open: Vec<String> = (1..)
            .zip(&r.migrations)
            .filter(|(_, m)| m.open_end)
            .map(|(i, _)| i.to_string())
            .collect();
        if !open.is_empty() {
            notes.push(format!(
                "{}: the network downtime of migration {} is open-ended (the guest had not answered again when probing stopped): only a lower bound enters the comparison",
                r.label,
                open.join(", ")
            ));
        }
        if t.is_ok() && r.repeated && r.migrations.len() > 1 {
            notes.push(format!(
                "{}: the RTT trace shows its first migration",
                r.label
            ));
        }
    }
    let md = markdown::render(&runs, &notes, &rule);
    let chart = svg::render(&runs, &traces, &rule, svg::WIDTH);
    for (name, bytes) in [(MD_FILE, md.as_bytes()), (SVG_FILE, chart.as_slice())] {
        write_atomic(&dir.join(name), bytes)?;
    }
    for n in &notes {
        crate::say!("migprobe: note: {n}");
    }
    crate::say!(
        "migprobe: wrote {}  {}",
        dir.join(MD_FILE).display(),
        dir.join(SVG_FILE).display()
    );
    Ok(ExitCode::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_must_match_the_reports() {
        let two = [PathBuf::from("before/report.json"), PathBuf::from("b.json")];
        assert_eq!(parse_labels(None, &two).unwrap(), ["before", "b"]);
        assert_eq!(parse_labels(Some("x, y"), &two).unwrap(), ["x", "y"]);
        let e = parse_labels(Some("x"), &two).unwrap_err().to_string();
        assert!(
            e.starts_with("--labels \"x\": 1 label(s) for 2 report(s)"),
            "{e}"
        );
        assert!(parse_labels(Some("x,"), &two).is_err());
    }
}
