//! `calltally report PATH…`: count, write the reports (or a partial
//! tally), print a summary.

use calltally::render::text::escape_control as esc;
use calltally::report::input_name;
use calltally::{render, ExitCode, Run};

use super::{load_catalog, say, Out};
use crate::cli::ReportJob;

/// Check the output directory, count, and write the reports; warn about
/// files reached twice, malformed records and failed inputs on stderr
/// (every name and message with its control characters escaped). Failed
/// inputs make the exit code [`ExitCode::Failure`], though the reports are
/// written, unless no input could be read at all: then nothing is. With
/// `--partial`, the partial tally is written instead of the reports.
pub fn run(job: ReportJob, out: Out<'_>) -> anyhow::Result<ExitCode> {
    let catalog = load_catalog(job.catalog.as_deref())?;
    let config = job.config;
    if config.partial.is_none() {
        calltally::report::check_output_dir(&config.out_dir)?;
    }
    let run = calltally::run(&config, &catalog)?;
    warn(&run);
    calltally::check_run(&config, &run)?;
    if config.partial.is_some() {
        calltally::write_partial(&config, &run, &catalog)?;
        return Ok(exit_code(&run));
    }
    calltally::write_reports(&config, &run)?;
    print_summary(&run, &config.out_dir, job.top, job.quiet, out)?;
    Ok(exit_code(&run))
}

/// Say on stderr what a run met: files reached twice, malformed records,
/// inputs that failed.
pub fn warn(run: &Run) {
    let tally = &run.tally;
    for d in &run.walk.duplicates {
        say(&format!(
            "warning: {}: reached more than once (named twice, or also \
             through a folder); read once",
            esc(d)
        ));
    }
    for s in &tally.samples {
        let file = input_name(&run.inputs, s.input, "?");
        say(&format!("warning: {}:{}: {}", esc(file), s.line, esc(&s.reason)));
    }
    let shown = tally.samples.len() as u64;
    if tally.acc.malformed > shown {
        say(&format!(
            "warning: {} more malformed records (counted in summary.json)",
            tally.acc.malformed - shown
        ));
    }
    for e in &tally.errors {
        say(&format!("error: {}: {}", esc(&e.path), esc(&e.message)));
    }
}

/// The terminal summary of a run whose reports went to `out_dir`.
pub fn print_summary(
    run: &Run,
    out_dir: &std::path::Path,
    top: usize,
    quiet: bool,
    out: Out<'_>,
) -> anyhow::Result<()> {
    if !quiet {
        let text =
            render::text::human(&run.report, &run.tally.acc, run.elapsed, top);
        writeln!(
            out,
            "{text}reports written to {}",
            esc(&out_dir.display().to_string())
        )?;
    }
    Ok(())
}

/// Failed inputs make a run exit 1, though its reports are written.
pub fn exit_code(run: &Run) -> ExitCode {
    if run.tally.errors.is_empty() {
        ExitCode::Success
    } else {
        ExitCode::Failure
    }
}
