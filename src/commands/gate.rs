//! `migprobe gate`: reads the report, the baseline and the policy, judges, writes
//! JUnit, prints the verdict; exit 0 pass, 1 fail, 2 error.

use crate::cli::{GateArgs, RuleArgs};
use crate::config::input_limits;
use crate::exit::ExitCode;
use crate::outputs::{write_atomic, Kind, OutputSet, Policy};
use anyhow::{Context, Result};
use migprobe_analysis::gate::policy::{
    parse_count, parse_duration_threshold, parse_percent, parse_warmup, PolicyError,
};
use migprobe_analysis::gate::{evaluate, junit, GateInput, Settings};
use migprobe_probe::input::{read_all, InputError, Limits};
use std::path::Path;
use std::time::Duration;

/// Runs the gate; `Ok(Failed)` when a check failed, `Err` on bad input.
pub(crate) fn execute(a: &GateArgs) -> Result<ExitCode> {
    let format = super::stdout::gate_format(&a.format, a.stdout)?;
    let flags = settings_from_flags(a)?;
    let file = match &a.policy {
        Some(p) => {
            let bytes = read_input("--policy", p, input_limits(&a.caps, Limits::POLICY)?)?;
            let text = String::from_utf8(bytes).map_err(|e| {
                anyhow::anyhow!(
                    "--policy {}: not UTF-8 text (byte {}); give a TOML policy file",
                    p.display(),
                    e.utf8_error().valid_up_to()
                )
            })?;
            let dir = p.parent().unwrap_or(Path::new("."));
            Settings::from_policy(&text, &p.display().to_string(), dir)?
        }
        None => Settings::default(),
    };
    let (thresholds, baseline_path) = file.overridden_by(flags).finish()?;
    let junit_out = a
        .junit
        .as_deref()
        .map(|j| OutputSet::file("--junit", j, Kind::Finished, Policy::Replace));
    if let Some(o) = &junit_out {
        o.prepare()?;
    }
    let limits = input_limits(&a.caps, Limits::REPORT)?;
    let report = load("REPORT.json", &a.report, limits)?;
    let baseline = baseline_path
        .as_deref()
        .map(|p| load("--baseline", p, limits))
        .transpose()?;
    let verdict = evaluate(&thresholds, &report, baseline.as_ref());
    if let Some(j) = &a.junit {
        let xml = junit::render(&verdict).with_context(|| format!("--junit {}", j.display()))?;
        write_atomic(j, xml.as_bytes()).with_context(|| format!("--junit {}", j.display()))?;
    }
    if !a.stdout.quiet {
        super::stdout::write(&format.render(&verdict))?;
    }
    Ok(if verdict.pass {
        ExitCode::Ok
    } else {
        ExitCode::Failed
    })
}

/// A report (`what` names it in messages), read within `limits`.
fn load(what: &str, path: &Path, limits: Limits) -> Result<GateInput> {
    let bytes = read_input(what, path, limits)?;
    GateInput::parse(&bytes).with_context(|| format!("{what} {}", path.display()))
}

/// The bytes of an input (`what` names it in messages), read within `limits`.
fn read_input(what: &str, path: &Path, limits: Limits) -> Result<Vec<u8>> {
    read_all(path, limits).map_err(|e| {
        let at = format!("{what} {}", path.display());
        match e {
            InputError::Io { source, .. } => {
                anyhow::Error::new(source).context(format!("{at}: cannot read"))
            }
            other => anyhow::Error::new(other).context(at),
        }
    })
}

/// The checks given as flags.
fn settings_from_flags(a: &GateArgs) -> Result<Settings, PolicyError> {
    let (min_effect, discard_warmup) = rule_flags(&a.rule)?;
    let dur = |flag: &str, v: &Option<String>| {
        v.as_deref()
            .map(|v| parse_duration_threshold(flag, v))
            .transpose()
    };
    Ok(Settings {
        max_downtime: dur("--max-downtime", &a.max_downtime)?,
        max_hypervisor_downtime: dur("--max-hypervisor-downtime", &a.max_hypervisor_downtime)?,
        max_loss: a
            .max_loss
            .as_deref()
            .map(|v| parse_count("--max-loss", v))
            .transpose()?,
        max_rtt_p99: dur("--max-rtt-p99", &a.max_rtt_p99)?,
        require_completed: a.require_completed.then_some(true),
        allow_unobserved: a.allow_unobserved.then_some(true),
        baseline: a.baseline.clone(),
        max_regression: a
            .max_regression
            .as_deref()
            .map(|v| parse_percent("--max-regression", v))
            .transpose()?,
        min_effect,
        discard_warmup,
        allow_inconclusive: a.allow_inconclusive.then_some(true),
    })
}

/// `--min-effect` and `--discard-warmup`, each when given.
pub(crate) fn rule_flags(r: &RuleArgs) -> Result<(Option<Duration>, Option<usize>), PolicyError> {
    let min_effect = r
        .min_effect
        .as_deref()
        .map(|v| parse_duration_threshold("--min-effect", v))
        .transpose()?;
    let warmup = r
        .discard_warmup
        .as_deref()
        .map(|v| parse_warmup("--discard-warmup", v))
        .transpose()?;
    Ok((min_effect, warmup))
}
