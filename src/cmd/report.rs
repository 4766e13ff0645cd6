//! `calltally report PATH…`: count, write the reports, print a summary.

use calltally::gate::{any_failed, Verdict};
use calltally::render::text::escape_control as esc;
use calltally::render::View;
use calltally::{render, ExitCode};

use super::terminal::Terminal;
use super::{human, load_catalog, say, Out};
use crate::cli::ReportJob;

/// Check the output directory (and the `--markdown`/`--html` folders),
/// count, and write the reports and the human outputs; show a progress bar
/// on a terminal, and malformed records as inputs finish (the first three
/// in input order, all with `-v`); warn about files reached twice and
/// failed inputs on stderr (every name and message with its control
/// characters escaped). Failed inputs make the exit code
/// [`ExitCode::Failure`], though the reports are written, unless no input
/// could be read at all: then nothing is.
pub fn run(job: ReportJob, out: Out<'_>) -> anyhow::Result<ExitCode> {
    let catalog = load_catalog(job.catalog.as_deref())?;
    let mut config = job.config;
    calltally::report::check_output_dir(&config.out_dir)?;
    human::check(&job.human)?;
    let terminal = Terminal::start(!job.quiet, job.human.verbose);
    config.progress = Some(terminal.progress());
    let run = calltally::run(&config, &catalog);
    let malformed = run.as_ref().map_or(0, |r| r.tally.acc.malformed);
    terminal.finish(malformed);
    let run = run?;
    let tally = &run.tally;
    for d in &run.walk.duplicates {
        say(&format!(
            "warning: {}: reached more than once (named twice, or also \
             through a folder); read once",
            esc(d)
        ));
    }
    for (name, format) in &run.pattern_unused {
        say(&format!(
            "warning: {}: read as {format} (sniffed), so --pattern was not \
             used for it; give --format text to read it as text lines",
            esc(name)
        ));
    }
    if let Some(w) = tally.overlap_warning() {
        say(&format!("warning: {w}"));
    }
    for e in &tally.errors {
        say(&format!("error: {}: {}", esc(&e.path), esc(&e.message)));
    }
    calltally::check_run(&config, &run)?;
    calltally::write_reports(&config, &run)?;
    let summary = calltally::report::Summary::new(
        &run.inputs,
        tally,
        &run.report,
        run.elapsed,
    )
    .with_walk(&run.walk);
    let outcomes = run.gates.as_deref().unwrap_or_default();
    let view = View {
        report: &run.report,
        summary: &summary,
        gates: outcomes,
        top: job.top,
    };
    human::write(&job.human, &view, out)?;
    if !job.quiet && !human::takes_stdout(&job.human) {
        let text =
            render::text::human(&run.report, &tally.acc, run.elapsed, job.top);
        writeln!(
            out,
            "{text}reports written to {}",
            esc(&config.out_dir.display().to_string())
        )?;
    }
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
