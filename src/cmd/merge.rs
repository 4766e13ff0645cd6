//! `calltally merge PARTIAL…`: the reports of one run from partial
//! tallies (spec §8), or one merged partial.

use std::io::Read as _;
use std::path::Path;
use std::time::Instant;

use anyhow::Context as _;

use calltally::partial::{self, Merger};
use calltally::render::text::escape_control as esc;
use calltally::{Config, ExitCode};

use super::human;
use super::report::{finish, warn};
use super::terminal::Warnings;
use super::{load_catalog, say, Out};
use crate::cli::MergeJob;
use calltally::progress::InputDone;

/// Read the partials one at a time into a [`Merger`] (refusing a foreign,
/// damaged or newer file, or a different plan, before anything is
/// written), then write the merged partial, or the reports through the
/// same path as `report`.
pub fn run(job: MergeJob, out: Out<'_>) -> anyhow::Result<ExitCode> {
    let catalog = load_catalog(job.catalog.as_deref())?;
    if job.partial.is_none() {
        calltally::report::check_output_dir(&job.out_dir)?;
        human::check(&job.human)?;
    }
    // The baseline is read before any partial is.
    let baseline = job
        .baseline
        .as_deref()
        .map(|b| calltally::report::Snapshot::open(b, &catalog))
        .transpose()?;
    let start = Instant::now();
    let mut merger = Merger::new();
    for path in &job.partials {
        let name = path.display().to_string();
        let bytes = read_partial(path)
            .with_context(|| format!("cannot read partial {}", esc(&name)))?;
        merger.add(partial::read(&bytes, &name)?, &name)?;
    }
    for name in merger.repeated() {
        say(&format!(
            "warning: {}: read by more than one partial; counted each time",
            esc(name)
        ));
    }
    let merged = merger.finish().context("no partial given")?;
    if let Some(path) = &job.partial {
        partial::save(&partial::write(&merged), path)?;
        return Ok(ExitCode::Success);
    }
    if merged.catalog != partial::catalog_digest(&catalog) {
        say("note: the partials were counted with another catalog than this \
             merge's; the reports annotate with this merge's (give the same \
             --catalog to reproduce the partials' run)");
    }
    let elapsed = start.elapsed().as_secs_f64();
    let run = calltally::run_of_partial(
        merged, &catalog, elapsed, &job.rules, baseline,
    )?;
    warn(&run);
    // The first malformed records of the merged run, as a run shows them
    // when its inputs finish (kept samples are in input order).
    let warnings = Warnings::new(job.human.verbose, say);
    for same in run.tally.samples.chunk_by(|a, b| a.input == b.input) {
        let index = same[0].input;
        warnings.input_done(&InputDone {
            index,
            name: calltally::report::input_name(&run.inputs, index, "?"),
            malformed: same.len() as u64,
            samples: same,
            errors: &[],
        });
    }
    warnings.finish(run.tally.acc.malformed);
    let config = Config {
        out_dir: job.out_dir,
        plan: run.report.plan.clone(),
        ..Config::default()
    };
    calltally::write_reports(&config, &run)?;
    finish(
        &run,
        &catalog,
        &config.out_dir,
        &job.human,
        job.top,
        job.quiet,
        out,
    )
}

/// The bytes of a partial file (`-`: standard input).
fn read_partial(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin().lock().read_to_end(&mut bytes)?;
    } else {
        std::fs::File::open(path)?.read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}
