//! The process exit codes (spec §2), in one place.

/// How a `calltally` run ends. The binary returns it from `main`; the
/// signal handlers exit with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExitCode {
    /// 0: the run succeeded (malformed records do not fail a run).
    Success,
    /// 1: a runtime error, or an input that could not be read.
    Failure,
    /// 2: bad usage (an unknown flag, a bad value, a bad `--pattern`).
    Usage,
    /// 3: a gate failed (reserved for gates, spec §2).
    GateFailed,
    /// 130: interrupted by Ctrl-C or SIGTERM.
    Interrupted,
}

impl ExitCode {
    /// The numeric code the process exits with.
    pub const fn code(self) -> u8 {
        match self {
            ExitCode::Success => 0,
            ExitCode::Failure => 1,
            ExitCode::Usage => 2,
            ExitCode::GateFailed => 3,
            ExitCode::Interrupted => 130,
        }
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> std::process::ExitCode {
        std::process::ExitCode::from(code.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_documented_numbers() {
        let all = [
            ExitCode::Success,
            ExitCode::Failure,
            ExitCode::Usage,
            ExitCode::GateFailed,
            ExitCode::Interrupted,
        ];
        assert_eq!(all.map(ExitCode::code), [0, 1, 2, 3, 130]);
    }
}
