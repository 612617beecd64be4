//! Gate thresholds from command-line flags and from a TOML policy file.
//!
//! A policy file holds the same checks as the flags, as top-level keys:
//!
//! ```toml
//! max_downtime = "500ms"             # network-observed downtime
//! max_hypervisor_downtime = "300ms"  # libvirt's figure (QEMU's pause when libvirt gave none)
//! max_loss = 200                     # probes never answered, all targets, whole run
//! max_rtt_p99 = "50ms"               # worst target's RTT p99
//! require_completed = true           # migration completed and the trigger exited 0
//! baseline = "last.json"             # relative to the policy file's directory
//! max_regression = "20%"             # median network downtime against the baseline
//! min_effect = "30ms"                # no regression smaller than this counts (default 30 ms)
//! discard_warmup = 1                 # migrations left out at each campaign's start (default 1)
//! allow_inconclusive = false         # a campaign that drifted does not fail the gate
//! ```
//!
//! Flags given on the command line override the file's keys; an unknown key,
//! a value of the wrong type or a bad value is an error naming the key.

use crate::baseline;
use migprobe_probe::values::{validate_duration, validate_int, ConfigError};
use std::path::{Path, PathBuf};
use std::time::Duration;
use thiserror::Error;

/// Keys a policy file may hold.
pub const POLICY_KEYS: [&str; 11] = [
    "max_downtime",
    "max_hypervisor_downtime",
    "max_loss",
    "max_rtt_p99",
    "require_completed",
    "allow_unobserved",
    "baseline",
    "max_regression",
    "min_effect",
    "discard_warmup",
    "allow_inconclusive",
];

/// Most warm-up migrations `--discard-warmup` may leave out.
pub const MAX_DISCARD_WARMUP: u64 = 1000;

/// Longest duration threshold accepted.
pub const MAX_DURATION_THRESHOLD: Duration = Duration::from_secs(30 * 86_400);

/// Largest regression limit accepted, in percent.
pub const MAX_REGRESSION_PERCENT: f64 = 1_000_000.0;

/// Why the gate's thresholds are unusable.
#[derive(Debug, Error, PartialEq)]
pub enum PolicyError {
    /// A bad value of a flag or policy key.
    #[error(transparent)]
    Value(#[from] ConfigError),
    /// The policy file is not valid TOML, has an unknown key or a value of the wrong type.
    #[error("--policy {file}: {why}")]
    Policy {
        /// The policy file.
        file: String,
        /// What is wrong and how to fix it.
        why: String,
    },
    /// Flags that need each other.
    #[error("{flag}: {why}")]
    Usage {
        /// The flag at fault.
        flag: String,
        /// What is missing.
        why: String,
    },
    /// Nothing to check.
    #[error(
        "no checks given: pass at least one of --max-downtime DURATION, \
         --max-hypervisor-downtime DURATION, --max-loss N, --max-rtt-p99 DURATION, \
         --require-completed, --baseline BASE.json with --max-regression PERCENT, \
         or --policy FILE.toml holding the same checks as keys (max_downtime = \"500ms\", ...)"
    )]
    NoChecks,
}

/// Validated checks; `None` / `false` means the check is not run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Thresholds {
    /// Highest network-observed downtime (worst migration).
    pub max_downtime: Option<Duration>,
    /// Highest hypervisor-reported downtime (worst migration).
    pub max_hypervisor_downtime: Option<Duration>,
    /// Most probes never answered (all targets, whole run, unsettled ones included).
    pub max_loss: Option<u64>,
    /// Highest RTT p99 of any target.
    pub max_rtt_p99: Option<Duration>,
    /// The migration must have completed and the trigger exited 0.
    pub require_completed: bool,
    /// Largest regression of the median network downtime against the baseline, in percent.
    pub max_regression: Option<f64>,
    /// Unobserved windows that leave the verdict open do not fail the gate
    /// (the prober-coverage check still reports them).
    pub allow_unobserved: bool,
    /// Smallest regression that counts (`None`: [`baseline::DEFAULT_MIN_EFFECT_MS`]).
    pub min_effect: Option<Duration>,
    /// Warm-up migrations left out (`None`: [`baseline::DEFAULT_DISCARD_WARMUP`]).
    pub discard_warmup: Option<usize>,
    /// A regression check left inconclusive by drift does not fail the gate.
    pub allow_inconclusive: bool,
}

impl Thresholds {
    /// The rule of the regression check, when there is one.
    pub fn regression_policy(&self) -> Option<baseline::Policy> {
        Some(baseline::Policy {
            max_regression_pct: self.max_regression?,
            min_effect_ms: self
                .min_effect
                .map_or(baseline::DEFAULT_MIN_EFFECT_MS, |d| d.as_secs_f64() * 1e3),
            discard_warmup: self
                .discard_warmup
                .unwrap_or(baseline::DEFAULT_DISCARD_WARMUP),
        })
    }

    /// Number of checks these thresholds run.
    pub fn count(&self) -> usize {
        [
            self.max_downtime.is_some(),
            self.max_hypervisor_downtime.is_some(),
            self.max_loss.is_some(),
            self.max_rtt_p99.is_some(),
            self.require_completed,
            self.max_regression.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count()
    }
}

/// Checks from one source (flags or a policy file), each optional; merged with
/// [`Settings::overridden_by`], then checked with [`Settings::finish`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    /// `max_downtime`.
    pub max_downtime: Option<Duration>,
    /// `max_hypervisor_downtime`.
    pub max_hypervisor_downtime: Option<Duration>,
    /// `max_loss`.
    pub max_loss: Option<u64>,
    /// `max_rtt_p99`.
    pub max_rtt_p99: Option<Duration>,
    /// `require_completed` (`None`: not said).
    pub require_completed: Option<bool>,
    /// `allow_unobserved` (`None`: not said).
    pub allow_unobserved: Option<bool>,
    /// The baseline report.
    pub baseline: Option<PathBuf>,
    /// `max_regression`, percent.
    pub max_regression: Option<f64>,
    /// `min_effect`.
    pub min_effect: Option<Duration>,
    /// `discard_warmup`.
    pub discard_warmup: Option<usize>,
    /// `allow_inconclusive` (`None`: not said).
    pub allow_inconclusive: Option<bool>,
}

/// A duration threshold: zero or more, with a unit (`500ms`, `1.5s`); negative values are refused.
pub fn parse_duration_threshold(flag: &str, value: &str) -> Result<Duration, ConfigError> {
    if value.trim_start().starts_with('-') {
        return Err(ConfigError {
            flag: flag.into(),
            value: value.into(),
            why: "a threshold cannot be negative; write a duration with a unit, e.g. 500ms".into(),
        });
    }
    validate_duration(flag, value, Duration::ZERO, MAX_DURATION_THRESHOLD)
}

/// A percentage with its `%` sign (`20%`, `12.5%`), from 0 to [`MAX_REGRESSION_PERCENT`].
pub fn parse_percent(flag: &str, value: &str) -> Result<f64, ConfigError> {
    let bad = |why: &str| ConfigError {
        flag: flag.into(),
        value: value.into(),
        why: why.into(),
    };
    let Some(number) = value.trim().strip_suffix('%') else {
        return Err(bad(
            "write a percentage with a % sign, e.g. 20% (how much worse than the baseline is allowed)",
        ));
    };
    let x: f64 = number
        .trim()
        .parse()
        .map_err(|_| bad("expected a number followed by %, e.g. 20% or 12.5%"))?;
    if !x.is_finite() {
        return Err(bad("expected a finite number followed by %, e.g. 20%"));
    }
    if x < 0.0 {
        return Err(bad(
            "a regression limit cannot be negative; write e.g. 20% (0% allows no regression at all)",
        ));
    }
    if x > MAX_REGRESSION_PERCENT {
        return Err(bad("at most 1000000%"));
    }
    Ok(x)
}

/// A number of warm-up migrations, 0 to [`MAX_DISCARD_WARMUP`].
pub fn parse_warmup(flag: &str, value: &str) -> Result<usize, ConfigError> {
    if value.trim_start().starts_with('-') {
        return Err(ConfigError {
            flag: flag.into(),
            value: value.into(),
            why: "cannot be negative; write how many migrations to leave out at the start of \
                  each campaign, e.g. 1 (0 keeps them all)"
                .into(),
        });
    }
    let n = validate_int(flag, value, 0, MAX_DISCARD_WARMUP)?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// A probe-count threshold.
pub fn parse_count(flag: &str, value: &str) -> Result<u64, ConfigError> {
    if value.trim_start().starts_with('-') {
        return Err(ConfigError {
            flag: flag.into(),
            value: value.into(),
            why: "a threshold cannot be negative; write a whole number of probes, e.g. 0".into(),
        });
    }
    validate_int(flag, value, 0, u64::MAX >> 1)
}

impl Settings {
    /// The checks of a policy file's text; `file` names it in errors, relative
    /// `baseline` paths are taken from `dir` (the file's directory).
    pub fn from_policy(text: &str, file: &str, dir: &Path) -> Result<Settings, PolicyError> {
        let policy = |why: String| PolicyError::Policy {
            file: file.into(),
            why,
        };
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            policy(format!(
                "not valid TOML: {}",
                e.to_string()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            ))
        })?;
        let mut s = Settings::default();
        for (key, value) in &table {
            s.set(key, value, file, dir)?;
        }
        Ok(s)
    }

    /// Sets `key` of a policy file to `value`.
    fn set(
        &mut self,
        key: &str,
        value: &toml::Value,
        file: &str,
        dir: &Path,
    ) -> Result<(), PolicyError> {
        let policy = |why: String| PolicyError::Policy {
            file: file.into(),
            why,
        };
        let flag = format!("{key} in {file}");
        let want_string = |example: &str| {
            policy(format!(
                "`{key}` must be a string, e.g. {key} = \"{example}\" (found {})",
                value.type_str()
            ))
        };
        let want_bool = || {
            policy(format!(
                "`{key}` must be true or false (found {})",
                value.type_str()
            ))
        };
        match key {
            "max_downtime" | "max_hypervisor_downtime" | "max_rtt_p99" | "min_effect" => {
                let v = value.as_str().ok_or_else(|| want_string("500ms"))?;
                let d = Some(parse_duration_threshold(&flag, v)?);
                match key {
                    "max_downtime" => self.max_downtime = d,
                    "max_hypervisor_downtime" => self.max_hypervisor_downtime = d,
                    "min_effect" => self.min_effect = d,
                    _ => self.max_rtt_p99 = d,
                }
            }
            "max_loss" | "discard_warmup" => {
                let text = match value {
                    toml::Value::Integer(n) => n.to_string(),
                    toml::Value::String(v) => v.clone(),
                    other => {
                        return Err(policy(format!(
                            "`{key}` must be a whole number, e.g. {key} = {} (found {})",
                            if key == "max_loss" { 0 } else { 1 },
                            other.type_str()
                        )))
                    }
                };
                if key == "max_loss" {
                    self.max_loss = Some(parse_count(&flag, &text)?);
                } else {
                    self.discard_warmup = Some(parse_warmup(&flag, &text)?);
                }
            }
            "require_completed" => {
                self.require_completed = Some(value.as_bool().ok_or_else(want_bool)?)
            }
            "allow_unobserved" => {
                self.allow_unobserved = Some(value.as_bool().ok_or_else(want_bool)?)
            }
            "allow_inconclusive" => {
                self.allow_inconclusive = Some(value.as_bool().ok_or_else(want_bool)?)
            }
            "baseline" => {
                let v = value.as_str().ok_or_else(|| want_string("last.json"))?;
                self.baseline = Some(dir.join(v));
            }
            "max_regression" => {
                let v = value.as_str().ok_or_else(|| want_string("20%"))?;
                self.max_regression = Some(parse_percent(&flag, v)?);
            }
            _ => {
                return Err(policy(format!(
                    "unknown key `{key}`; the known keys are {}",
                    POLICY_KEYS.join(", ")
                )))
            }
        }
        Ok(())
    }

    /// `self` with every check that `over` sets replaced by `over`'s value.
    pub fn overridden_by(self, over: Settings) -> Settings {
        Settings {
            max_downtime: over.max_downtime.or(self.max_downtime),
            max_hypervisor_downtime: over
                .max_hypervisor_downtime
                .or(self.max_hypervisor_downtime),
            max_loss: over.max_loss.or(self.max_loss),
            max_rtt_p99: over.max_rtt_p99.or(self.max_rtt_p99),
            require_completed: over.require_completed.or(self.require_completed),
            allow_unobserved: over.allow_unobserved.or(self.allow_unobserved),
            baseline: over.baseline.or(self.baseline),
            max_regression: over.max_regression.or(self.max_regression),
            min_effect: over.min_effect.or(self.min_effect),
            discard_warmup: over.discard_warmup.or(self.discard_warmup),
            allow_inconclusive: over.allow_inconclusive.or(self.allow_inconclusive),
        }
    }

    /// The thresholds and the baseline's path; an error when a baseline comes
    /// without a regression limit (or the other way round) or nothing is checked.
    pub fn finish(self) -> Result<(Thresholds, Option<PathBuf>), PolicyError> {
        match (&self.baseline, self.max_regression) {
            (None, Some(_)) => {
                return Err(PolicyError::Usage {
                    flag: "--max-regression".into(),
                    why: "needs a baseline to compare against: add --baseline BASE.json \
                          (or `baseline = \"BASE.json\"` in the policy file)"
                        .into(),
                })
            }
            (Some(_), None) => {
                return Err(PolicyError::Usage {
                    flag: "--baseline".into(),
                    why: "needs a limit: add --max-regression PERCENT, e.g. --max-regression 20% \
                          (or `max_regression = \"20%\"` in the policy file)"
                        .into(),
                })
            }
            _ => {}
        }
        if self.max_regression.is_none() {
            let only = [
                ("--min-effect", "min_effect", self.min_effect.is_some()),
                (
                    "--discard-warmup",
                    "discard_warmup",
                    self.discard_warmup.is_some(),
                ),
                (
                    "--allow-inconclusive",
                    "allow_inconclusive",
                    self.allow_inconclusive.is_some(),
                ),
            ];
            if let Some((flag, key, _)) = only.iter().find(|o| o.2) {
                return Err(PolicyError::Usage {
                    flag: (*flag).into(),
                    why: format!(
                        "only applies to the regression check: add --baseline BASE.json \
                         --max-regression PERCENT (or `baseline` and `max_regression` in the \
                         policy file), or drop {flag} / `{key}`"
                    ),
                });
            }
        }
        let t = Thresholds {
            max_downtime: self.max_downtime,
            max_hypervisor_downtime: self.max_hypervisor_downtime,
            max_loss: self.max_loss,
            max_rtt_p99: self.max_rtt_p99,
            require_completed: self.require_completed.unwrap_or(false),
            max_regression: self.max_regression,
            allow_unobserved: self.allow_unobserved.unwrap_or(false),
            min_effect: self.min_effect,
            discard_warmup: self.discard_warmup,
            allow_inconclusive: self.allow_inconclusive.unwrap_or(false),
        };
        if t.count() == 0 {
            return Err(PolicyError::NoChecks);
        }
        Ok((t, self.baseline))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str) -> Result<Settings, PolicyError> {
        Settings::from_policy(text, "gate.toml", Path::new("/ci"))
    }

    #[test]
    fn durations_percent_and_counts() {
        assert_eq!(
            parse_duration_threshold("--max-downtime", "500ms"),
            Ok(Duration::from_millis(500))
        );
        assert_eq!(
            parse_duration_threshold("--max-downtime", "0ms"),
            Ok(Duration::ZERO)
        );
        let e = parse_duration_threshold("--max-downtime", "-5ms").unwrap_err();
        assert!(e.to_string().contains("cannot be negative"), "{e}");
        assert!(parse_duration_threshold("--max-downtime", "500").is_err());
        assert_eq!(parse_percent("--max-regression", "20%"), Ok(20.0));
        assert_eq!(parse_percent("--max-regression", " 12.5 % "), Ok(12.5));
        let e = parse_percent("--max-regression", "20").unwrap_err();
        assert!(e.to_string().contains("% sign"), "{e}");
        for bad in ["-5%", "nan%", "inf%", "x%", "%", "2000000%"] {
            assert!(parse_percent("--max-regression", bad).is_err(), "{bad}");
        }
        assert_eq!(parse_count("--max-loss", "0"), Ok(0));
        assert_eq!(parse_warmup("--discard-warmup", " 3 "), Ok(3));
        for bad in ["-1", "x", "1.5", "1001"] {
            assert!(parse_warmup("--discard-warmup", bad).is_err(), "{bad}");
        }
        assert!(parse_count("--max-loss", "-1").is_err());
    }

    #[test]
    fn policy_keys_and_errors() {
        let s = policy(
            "max_downtime = \"500ms\"\nmax_loss = 3\nrequire_completed = true\n\
             baseline = \"last.json\"\nmax_regression = \"20%\"\nmax_rtt_p99 = \"50ms\"\n\
             max_hypervisor_downtime = \"1s\"\n",
        )
        .unwrap();
        assert_eq!(s.max_downtime, Some(Duration::from_millis(500)));
        assert_eq!(s.max_loss, Some(3));
        assert_eq!(s.baseline, Some(PathBuf::from("/ci/last.json")));
        assert_eq!(s.max_regression, Some(20.0));
        let e = policy("max_downtim = \"5ms\"").unwrap_err().to_string();
        assert!(
            e.contains("unknown key `max_downtim`") && e.contains("max_downtime"),
            "{e}"
        );
        let e = policy("max_downtime = 500").unwrap_err().to_string();
        assert!(e.contains("must be a string"), "{e}");
        let e = policy("max_loss = -1").unwrap_err().to_string();
        assert!(
            e.contains("max_loss in gate.toml") && e.contains("negative"),
            "{e}"
        );
        let e = policy("max_regression = 20").unwrap_err().to_string();
        assert!(e.contains("must be a string"), "{e}");
        let s = policy(
            "min_effect = \"25ms\"\ndiscard_warmup = 2\nallow_inconclusive = true\n\
             max_regression = \"10%\"\nbaseline = \"b.json\"",
        )
        .unwrap();
        let (t, _) = s.finish().unwrap();
        let rule = t.regression_policy().unwrap();
        assert_eq!(
            (
                rule.min_effect_ms,
                rule.discard_warmup,
                t.allow_inconclusive
            ),
            (25.0, 2, true)
        );
        let e = policy("discard_warmup = -1").unwrap_err().to_string();
        assert!(
            e.contains("discard_warmup in gate.toml") && e.contains("negative"),
            "{e}"
        );
        let e = policy("discard_warmup = 1.5").unwrap_err().to_string();
        assert!(e.contains("must be a whole number"), "{e}");
        let e = policy("min_effect = 30").unwrap_err().to_string();
        assert!(e.contains("must be a string"), "{e}");
        let e = policy("allow_inconclusive = \"yes\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("true or false"), "{e}");
        let e = policy("max_downtime = ").unwrap_err().to_string();
        assert!(e.starts_with("--policy gate.toml: not valid TOML"), "{e}");
        assert!(!e.contains('\n'), "{e}");
    }

    #[test]
    fn flags_override_and_pairs() {
        let file = policy("max_downtime = \"500ms\"\nmax_loss = 3").unwrap();
        let flags = Settings {
            max_downtime: Some(Duration::from_millis(200)),
            ..Settings::default()
        };
        let (t, base) = file.overridden_by(flags).finish().unwrap();
        assert_eq!(t.max_downtime, Some(Duration::from_millis(200)));
        assert_eq!((t.max_loss, t.count(), base), (Some(3), 2, None));
        assert_eq!(Settings::default().finish(), Err(PolicyError::NoChecks));
        let only_base = Settings {
            baseline: Some("b.json".into()),
            max_downtime: Some(Duration::ZERO),
            ..Settings::default()
        };
        assert!(only_base
            .finish()
            .unwrap_err()
            .to_string()
            .contains("--max-regression"));
        let only_limit = Settings {
            max_regression: Some(20.0),
            ..Settings::default()
        };
        assert!(only_limit
            .finish()
            .unwrap_err()
            .to_string()
            .contains("--baseline"));
        // The rule's knobs without a regression check are a mistake, named.
        let stray = Settings {
            max_downtime: Some(Duration::ZERO),
            discard_warmup: Some(2),
            ..Settings::default()
        };
        let e = stray.finish().unwrap_err().to_string();
        assert!(
            e.starts_with("--discard-warmup: only applies to the regression check"),
            "{e}"
        );
        // Without them the defaults apply.
        let (t, _) = Settings {
            baseline: Some("b.json".into()),
            max_regression: Some(20.0),
            ..Settings::default()
        }
        .finish()
        .unwrap();
        assert_eq!(
            t.regression_policy(),
            Some(crate::baseline::Policy::default())
        );
        assert_eq!(Thresholds::default().regression_policy(), None);
    }
}
