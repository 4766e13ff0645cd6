//! The subcommands (binary only): one file each, and the dispatch.

mod catalog;
mod explain;
mod report;

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;

use calltally::{Catalog, ExitCode};

use crate::cli::Job;

/// Run a validated command line, writing to standard output.
pub fn run(job: Job) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match job {
        Job::Report(job) => report::run(job, &mut out),
        Job::Explain(job) => explain::run(job, &mut out),
        Job::Catalog(job) => catalog::run(job, &mut out),
    }
}

/// The embedded catalog, plus a team's file if one is given.
fn load_catalog(path: Option<&Path>) -> anyhow::Result<Catalog> {
    let Some(path) = path else {
        return Ok(Catalog::from_rows(Catalog::embedded().rows().to_vec()));
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read catalog {}", path.display()))?;
    Ok(Catalog::with_overrides(&text, &path.display().to_string())?)
}

/// Where a subcommand writes its output.
type Out<'a> = &'a mut dyn Write;
