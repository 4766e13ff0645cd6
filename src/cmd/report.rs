//! `calltally report PATH…`: count, write the reports, print a summary.

use calltally::gate::{any_failed, Verdict};
use calltally::render::text::escape_control as esc;
use calltally::report::input_name;
use calltally::{render, ExitCode};

use super::{load_catalog, say, Out};
use crate::cli::ReportJob;

/// Check the output directory, count, and write the reports; warn about
/// files reached twice, malformed records and failed inputs on stderr
/// (every name and message with its control characters escaped). Failed
/// inputs make the exit code [`ExitCode::Failure`], though the reports are
/// written, unless no input could be read at all: then nothing is.
pub fn run(job: ReportJob, out: Out<'_>) -> anyhow::Result<ExitCode> {
    let catalog = load_catalog(job.catalog.as_deref())?;
    let config = job.config;
    calltally::report::check_output_dir(&config.out_dir)?;
    let run = calltally::run(&config, &catalog)?;
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
    calltally::check_run(&config, &run)?;
    calltally::write_reports(&config, &run)?;
    if !job.quiet {
        let text =
            render::text::human(&run.report, &tally.acc, run.elapsed, job.top);
        writeln!(
            out,
            "{text}reports written to {}",
            esc(&config.out_dir.display().to_string())
        )?;
    }
    let outcomes = run.gates.as_deref().unwrap_or_default();
    for o in outcomes {
        match o.outcome {
            Verdict::Failed => {
                say(&format!("gate failed: {}", esc(&o.describe())))
            }
            Verdict::Warned => {
                say(&format!("warning: gate: {}", esc(&o.describe())))
            }
            Verdict::Passed => {}
        }
    }
    if !job.quiet && !outcomes.is_empty() {
        let n =
            |v: Verdict| outcomes.iter().filter(|o| o.outcome == v).count();
        writeln!(
            out,
            "gates: {} passed, {} failed, {} warned (gates.json, gates.xml)",
            n(Verdict::Passed),
            n(Verdict::Failed),
            n(Verdict::Warned)
        )?;
    }
    // An input that could not be read outranks a gate: the gates measured
    // an incomplete run.
    Ok(if !tally.errors.is_empty() {
        ExitCode::Failure
    } else if any_failed(outcomes) {
        ExitCode::GateFailed
    } else {
        ExitCode::Success
    })
}
