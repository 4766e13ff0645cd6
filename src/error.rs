//! The library's error type.

use std::path::PathBuf;

/// Errors that stop a run (bad records never do: they are counted).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A `--catalog` file (or the embedded catalog) has a bad row.
    #[error("{file}:{line}: {message}")]
    Catalog {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The output directory or a report could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The output directory cannot take the reports (checked before any
    /// input is read).
    #[error(
        "cannot write the reports into {}: {source}; choose another \
         directory with -o",
        path.display()
    )]
    OutputDir {
        /// The output directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Not one input could be read: nothing is written.
    #[error(
        "no input could be read ({0}); no report was written, earlier \
         reports are untouched"
    )]
    NoInput(String),
    /// `--strict`: a malformed record.
    #[error("{file}:{line}: malformed record: {reason} (--strict)")]
    Strict {
        /// The input.
        file: String,
        /// 1-based line.
        line: u64,
        /// Why.
        reason: String,
    },
    /// The run's groups passed `--max-groups` (spec §7).
    #[error(
        "more than {max} groups: --by {dim} alone has {values} distinct \
         values; group by fewer or coarser dimensions, narrow the run with \
         --where or --since/--until, or raise --max-groups"
    )]
    TooManyGroups {
        /// The bound.
        max: usize,
        /// The dimension with the most distinct values.
        dim: String,
        /// How many it has.
        values: usize,
    },
    /// The `--inputs-from` list could not be read.
    #[error("cannot read the input list {}: {source}", path.display())]
    InputList {
        /// The list's path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file given as a partial tally is not one this calltally can use
    /// (spec §8): truncated, foreign, damaged or of a newer format.
    #[error("{file}: not a usable partial tally: {message}")]
    Partial {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// Partials of different plans cannot be merged (spec §8).
    #[error("cannot merge partials of different plans: {0}")]
    PlanMismatch(String),
    /// A partial tally could not be written.
    #[error("cannot write the partial tally {}: {source}", path.display())]
    WritePartial {
        /// The path (`-` for standard output).
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// `--pattern` is not a usable regular expression.
    #[error("--pattern: {0}")]
    Pattern(String),
    /// An earlier run (`--baseline`, `diff`) cannot be read or used.
    #[error("{}: {message}", path.display())]
    Snapshot {
        /// The directory or file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A gate rule cannot be measured against the baseline.
    #[error("{flag} {rule:?}: {message}")]
    Gate {
        /// `--fail-on` or `--warn-on`.
        flag: &'static str,
        /// The rule as written.
        rule: String,
        /// What is wrong.
        message: String,
    },
    /// The worker thread pool could not be built.
    #[error("cannot start worker threads: {0}")]
    Threads(String),
}

/// A `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
