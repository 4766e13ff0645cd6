//! `calltally report PATH…`: count, write the reports (or a partial
//! tally), print a summary.

use calltally::gate::{any_failed, Verdict};
use calltally::render::text::escape_control as esc;
use calltally::render::View;
use calltally::report::Snapshot;
use calltally::{render, ExitCode, Run};

use super::terminal::Terminal;
use super::{human, load_catalog, say, Out};
use crate::cli::{HumanArgs, ReportJob};

/// Check the output directory (and the `--markdown`/`--html` folders),
/// count, and write the reports and the human outputs; show a progress bar
/// on a terminal, and malformed records as inputs finish (the first three
/// in input order, all with `-v`); warn about files reached twice and
/// failed inputs on stderr (every name and message with its control
/// characters escaped). Failed inputs make the exit code
/// [`ExitCode::Failure`], though the reports are written, unless no input
/// could be read at all: then nothing is. With `--partial`, the partial
/// tally is written instead of the reports.
pub fn run(job: ReportJob, out: Out<'_>) -> anyhow::Result<ExitCode> {
    let catalog = load_catalog(job.catalog.as_deref())?;
    let mut config = job.config;
    if config.partial.is_none() {
        calltally::report::check_output_dir(&config.out_dir)?;
        human::check(&job.human)?;
    }
    let terminal = Terminal::start(!job.quiet, job.human.verbose);
    config.progress = Some(terminal.progress());
    let run = calltally::run(&config, &catalog);
    let malformed = run.as_ref().map_or(0, |r| r.tally.acc.malformed);
    terminal.finish(malformed);
    let run = run?;
    warn(&run);
    calltally::check_run(&config, &run)?;
    if config.partial.is_some() {
        calltally::write_partial(&config, &run, &catalog)?;
        return Ok(exit_code(&run));
    }
    calltally::write_reports(&config, &run)?;
    let code = finish(
        &run,
        &catalog,
        &config.out_dir,
        &job.human,
        job.top,
        job.quiet,
        out,
    );
    // The process exits next, and the kernel takes its memory back whole:
    // the run is not freed piece by piece (a `--by` run of 1 GiB spent
    // 5-7 ms of its 0.6 s freeing its tally's sketches and its rows).
    std::mem::forget(run);
    code
}

/// Say on stderr what a run met: files reached twice, inputs `--pattern`
/// was not used for, summaries read with their updates, inputs that
/// failed. (Malformed records are reported as inputs finish.)
pub fn warn(run: &Run) {
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
}

/// After the reports of `run` are written to `out_dir`: the Markdown and
/// HTML outputs, the terminal summary, the gates' outcomes; the exit code
/// (an input that could not be read outranks a failed gate: the gates
/// measured an incomplete run).
pub fn finish(
    run: &Run,
    catalog: &calltally::Catalog,
    out_dir: &std::path::Path,
    human_args: &HumanArgs,
    top: usize,
    quiet: bool,
    out: Out<'_>,
) -> anyhow::Result<ExitCode> {
    let summary = calltally::report::Summary::new(
        &run.inputs,
        &run.tally,
        &run.report,
        run.elapsed,
    )
    .with_walk(&run.walk);
    let outcomes = run.gates.as_deref().unwrap_or_default();
    // Changes against the baseline, for the Markdown and the HTML.
    let changes = match &run.baseline {
        Some(b)
            if human_args.markdown.is_some() || human_args.html.is_some() =>
        {
            let now = Snapshot::of_run(&run.report, &run.tally, catalog);
            calltally::report::diff::diff(b, &now)?
        }
        _ => Vec::new(),
    };
    let view = View {
        report: &run.report,
        summary: &summary,
        gates: outcomes,
        top,
        changes: &changes,
    };
    human::write(human_args, &view, out)?;
    if !quiet && !human::takes_stdout(human_args) {
        let text =
            render::text::human(&run.report, &run.tally.acc, run.elapsed, top);
        writeln!(
            out,
            "{text}reports written to {}",
            esc(&out_dir.display().to_string())
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
    if !quiet && !outcomes.is_empty() {
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
    Ok(if !run.tally.errors.is_empty() {
        ExitCode::Failure
    } else if any_failed(outcomes) {
        ExitCode::GateFailed
    } else {
        ExitCode::Success
    })
}

/// Failed inputs make a run exit 1, though its reports (or its partial)
/// are written.
pub fn exit_code(run: &Run) -> ExitCode {
    if run.tally.errors.is_empty() {
        ExitCode::Success
    } else {
        ExitCode::Failure
    }
}
