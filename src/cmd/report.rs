//! `calltally report PATH…`: count, write the reports, print a summary.

use calltally::report::input_name;
use calltally::{render, ExitCode};

use super::{load_catalog, Out};
use crate::cli::ReportJob;

/// Count and write the reports; warn about malformed records and failed
/// inputs on stderr. Failed inputs make the exit code
/// [`ExitCode::Failure`], though the reports are written.
pub fn run(job: ReportJob, out: Out<'_>) -> anyhow::Result<ExitCode> {
    let catalog = load_catalog(job.catalog.as_deref())?;
    let config = job.config;
    let run = calltally::run_report(&config, &catalog)?;
    let tally = &run.tally;
    for s in &tally.samples {
        let file = input_name(&run.inputs, s.input, "?");
        eprintln!("calltally: warning: {file}:{}: {}", s.line, s.reason);
    }
    let shown = tally.samples.len() as u64;
    if tally.acc.malformed > shown {
        eprintln!(
            "calltally: warning: {} more malformed records (counted in \
             summary.json)",
            tally.acc.malformed - shown
        );
    }
    for e in &tally.errors {
        eprintln!("calltally: error: {}: {}", e.path, e.message);
    }
    if !job.quiet {
        let text =
            render::text::human(&run.report, &tally.acc, run.elapsed, job.top);
        writeln!(
            out,
            "{text}reports written to {}",
            config.out_dir.display()
        )?;
    }
    Ok(if tally.errors.is_empty() {
        ExitCode::Success
    } else {
        ExitCode::Failure
    })
}
