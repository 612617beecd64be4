//! The process exit status: one enum for `app` and every command (commands
//! return it and never import `app`).

/// How a command ended, as the process exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Success: 0.
    Ok = 0,
    /// A gate check, the trigger or a migration failed: 1.
    Failed = 1,
    /// Bad usage, a runtime error, or a run interrupted or timed out: 2.
    Error = 2,
}

impl ExitCode {
    /// The number the process exits with.
    pub const fn code(self) -> i32 {
        self as i32
    }
}

#[cfg(test)]
mod tests {
    use super::ExitCode;

    #[test]
    fn exit_codes_are_distinct() {
        let codes = [ExitCode::Ok, ExitCode::Failed, ExitCode::Error].map(ExitCode::code);
        assert_eq!(codes, [0, 1, 2]);
    }
}
