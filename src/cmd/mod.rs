//! The subcommands (binary only): one file each, and the dispatch.

mod catalog;
mod diff;
mod explain;
mod human;
mod merge;
mod report;
mod terminal;

use std::io::{Read as _, Write};
use std::path::Path;

use anyhow::Context as _;

use calltally::{Catalog, ExitCode};

use crate::cli::Job;

/// Run a validated command line, writing to standard output.
pub fn run(job: Job) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match job {
        Job::Report(job) => report::run(job, &mut out),
        Job::Diff(args) => diff::run(args, &mut out),
        Job::Merge(job) => merge::run(job, &mut out),
        Job::Explain(job) => explain::run(job, &mut out),
        Job::Catalog(job) => catalog::run(job, &mut out),
        Job::Completions(shell) => {
            use clap::CommandFactory;
            let mut cmd = crate::cli::Cli::command();
            clap_complete::generate(shell, &mut cmd, "calltally", &mut out);
            Ok(ExitCode::Success)
        }
        Job::Man => {
            use clap::CommandFactory;
            clap_mangen::Man::new(crate::cli::Cli::command())
                .render(&mut out)?;
            Ok(ExitCode::Success)
        }
    }
}

/// The embedded catalog, plus a team's file if one is given.
fn load_catalog(path: Option<&Path>) -> anyhow::Result<Catalog> {
    let Some(path) = path else {
        return Ok(Catalog::from_rows(Catalog::embedded().rows().to_vec()));
    };
    let what = || format!("cannot read catalog {}", path.display());
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_CATALOG_BYTES + 1).read_to_string(&mut text))
        .with_context(what)?;
    if text.len() as u64 > MAX_CATALOG_BYTES {
        anyhow::bail!(
            "{}: the file is larger than {} MiB; a catalog holds one row per \
             code and subcode, give a smaller file",
            what(),
            MAX_CATALOG_BYTES >> 20
        );
    }
    Ok(Catalog::with_overrides(&text, &path.display().to_string())?)
}

/// Print `calltally: {line}` on stderr, never failing: a closed stderr
/// does not stop a run (the caller escapes what came from outside).
pub fn say(line: &str) {
    calltally::sys::write_stderr(format!("calltally: {line}\n").as_bytes());
}

/// The largest `--catalog` file read (a team's catalog is a few hundred
/// KB; `/dev/zero` must not fill the memory).
pub const MAX_CATALOG_BYTES: u64 = 16 << 20;

/// Where a subcommand writes its output.
type Out<'a> = &'a mut dyn Write;
