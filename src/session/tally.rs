//! What a session counts as it goes, and what that makes of its end: the
//! footer's reason and the exit status.

use crate::exit::ExitCode;
use crate::trigger::Exit;

/// The session's counts and flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    /// Exit of the last trigger (`None` while it runs, or when it did not start).
    pub(crate) exit: Option<Exit>,
    /// A migration ended with the hypervisors saying it failed or was cancelled.
    pub(crate) migration_failed: bool,
    /// Stopped by an interrupt.
    pub(crate) interrupted: bool,
    /// Stopped by `--timeout`.
    pub(crate) timed_out: bool,
    /// Why the last trigger could not start.
    pub(crate) spawn_error: Option<String>,
    /// Why the `--wait-for` command before a migration failed.
    pub(crate) wait_error: Option<String>,
    /// Migrations started.
    pub(crate) started: u32,
    /// Migrations whose trigger or migration failed.
    pub(crate) failures: u32,
}

impl Tally {
    /// The footer's `reason`.
    pub(crate) fn reason(&self) -> String {
        if self.interrupted {
            "interrupted".into()
        } else if self.timed_out {
            "timeout".into()
        } else if let Some(e) = &self.spawn_error {
            format!("trigger failed to start: {e}")
        } else if let Some(e) = &self.wait_error {
            e.clone()
        } else if self.failures > 1 || (self.failures == 1 && self.started > 1) {
            format!("{} of {} migrations failed", self.failures, self.started)
        } else if self.migration_failed {
            "migration failed".into()
        } else {
            match &self.exit {
                Some(e) if e.success() && self.started > 1 => {
                    format!("{} migrations ended", self.started)
                }
                Some(e) if e.success() => "migration ended".into(),
                Some(e) => format!("trigger failed (exit {:?}, signal {:?})", e.code, e.signal),
                None => "stopped".into(),
            }
        }
    }

    /// Error when interrupted or timed out; Failed when a migration failed or
    /// none started; else Ok.
    pub(crate) fn exit_code(&self) -> ExitCode {
        if self.interrupted || self.timed_out {
            ExitCode::Error
        } else if self.failures > 0 || self.started == 0 || self.wait_error.is_some() {
            ExitCode::Failed
        } else {
            ExitCode::Ok
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exit(code: Option<i32>, signal: Option<i32>) -> Option<Exit> {
        Some(Exit { code, signal })
    }

    #[test]
    fn reason_and_exit_code() {
        let ok = exit(Some(0), None);
        let base = Tally {
            started: 1,
            exit: ok.clone(),
            ..Tally::default()
        };
        let cases: Vec<(&str, Tally, &str, ExitCode)> = vec![
            ("one ended", base.clone(), "migration ended", ExitCode::Ok),
            (
                "three ended",
                Tally {
                    started: 3,
                    ..base.clone()
                },
                "3 migrations ended",
                ExitCode::Ok,
            ),
            (
                "interrupt first",
                Tally {
                    interrupted: true,
                    timed_out: true,
                    failures: 1,
                    ..base.clone()
                },
                "interrupted",
                ExitCode::Error,
            ),
            (
                "timeout",
                Tally {
                    timed_out: true,
                    failures: 1,
                    ..base.clone()
                },
                "timeout",
                ExitCode::Error,
            ),
            (
                "spawn error",
                Tally {
                    spawn_error: Some("x".into()),
                    failures: 2,
                    started: 2,
                    exit: None,
                    ..base.clone()
                },
                "trigger failed to start: x",
                ExitCode::Failed,
            ),
            (
                "some of several failed",
                Tally {
                    failures: 1,
                    started: 4,
                    migration_failed: true,
                    ..base.clone()
                },
                "1 of 4 migrations failed",
                ExitCode::Failed,
            ),
            (
                "the hypervisors said failed",
                Tally {
                    failures: 1,
                    migration_failed: true,
                    exit: exit(Some(1), None),
                    ..base.clone()
                },
                "migration failed",
                ExitCode::Failed,
            ),
            (
                "the trigger failed",
                Tally {
                    failures: 1,
                    exit: exit(None, Some(15)),
                    ..base.clone()
                },
                "trigger failed (exit None, signal Some(15))",
                ExitCode::Failed,
            ),
            (
                "nothing started",
                Tally::default(),
                "stopped",
                ExitCode::Failed,
            ),
        ];
        for (name, t, reason, code) in cases {
            assert_eq!(
                (t.reason().as_str(), t.exit_code()),
                (reason, code),
                "{name}"
            );
        }
    }
}
