//! calltally counts Azure Communication Services (ACS) call result codes
//! — (code, subcode, result category) triples — in large logs, on all
//! cores, and writes CSV reports annotated from an embedded catalog of what
//! each code means.
//!
//! The pipeline: [`collect`] finds the inputs; the pipeline maps or reads
//! each, cuts large ones into chunks at line ends and runs a reader per
//! format over the chunks in parallel, each chunk into its own [`Tally`]
//! under the run's [`Plan`]; tallies merge associatively;
//! [`report::Report`] resolves categories through the
//! [`catalog::Catalog`] and sorts the rows.
//!
//! ```
//! use calltally::{catalog::Catalog, report::Report};
//!
//! let log = br#"{"properties":{"participantEndReason":"410","ParticipantEndSubCode":"3112","ResultCategory":"ExpectedError"}}
//! {"ParticipantEndReason":0,"ParticipantEndSubCode":"0"}
//! not json
//! "#;
//! let config = calltally::Config::default();
//! let tally = calltally::tally_bytes(log, &config)?;
//! assert_eq!((tally.acc.counted, tally.acc.malformed), (2, 1));
//! let report = Report::build(&tally, Catalog::embedded());
//! let csv = String::from_utf8(calltally::render::csv::by_category(&report))
//!     .unwrap();
//! assert_eq!(csv, "result_category,count,share,calls,participants\n\
//!                  ExpectedError,1,0.500000,,\n\
//!                  Success,1,0.500000,,\n");
//! # Ok::<(), calltally::Error>(())
//! ```
#![deny(missing_docs)]

pub mod catalog;
pub mod config;
pub mod error;
pub mod exit;
mod extract;
pub mod gate;
mod input;
pub mod partial;
mod pipeline;
pub mod progress;
mod record;
pub mod render;
pub mod report;
pub mod sys;
mod tally;

use std::time::Instant;

pub use crate::catalog::Catalog;
pub use crate::config::{Config, Format, MmapMode, Shard};
pub use crate::error::{Error, Result};
pub use crate::exit::ExitCode;
pub use crate::input::{
    collect, is_log_name, Input, InputError, Source, WalkNotes,
};
pub use crate::record::dims::Dim;
pub use crate::record::time::Timestamp;
pub use crate::record::{code_range, parse_int, Category, Outcome, Triple};
pub use crate::tally::plan::DEFAULT_MAX_GROUPS;
pub use crate::tally::{
    Accounting, Cell, Cells, Filter, Filtered, FormatCount, GroupKey, Plan,
    Sample, Tally, MAX_SAMPLES,
};

/// The readers, the plain tree reading they are tested against, and the
/// pieces of the pipeline, for the crate's own tests, benchmarks and fuzz
/// targets. Not a stable API.
#[doc(hidden)]
pub mod testing {
    pub use crate::extract::{
        csv, fast, json, read_jsonl_line, read_jsonl_line_for, read_lines,
        sniff, text, tree, Detected, Line, Reader,
    };
    pub use crate::input::lines;
    pub use crate::pipeline::{
        tally_data, tally_inputs, tally_reader, tally_slice,
    };
    pub use crate::record::{
        classify_key, dims, keys, time, CatVal, Fields, IntVal, KeyId, Record,
        Role, Roles, Shape, Sink, Slot, KEYS,
    };
    pub use crate::tally::distinct;
    pub use crate::tally::Counter;

    use crate::tally::{Plan, Tally};

    /// Count the JSON Lines in `data` (which starts at a line boundary) as
    /// input `input` under the default plan; sample lines are relative to
    /// the start of `data`.
    pub fn tally_jsonl(data: &[u8], input: u32) -> Tally {
        tally_lines(data, input, read_jsonl_line)
    }

    /// Count lines with a given line reader (the fast path, the serde
    /// reader, or the tree reading in differential tests).
    pub fn tally_lines<'d, F>(data: &'d [u8], input: u32, read: F) -> Tally
    where
        F: Fn(&'d [u8]) -> Line<'d>,
    {
        let plan = Plan::default();
        let mut counter = Counter::new(&plan, input);
        read_lines(data, &mut counter, read);
        let mut t = counter.finish();
        t.acc.bytes = data.len() as u64;
        t
    }
}

/// What a `report` run read and counted.
#[derive(Debug)]
pub struct Run {
    /// The inputs, in the order they were listed.
    pub inputs: Vec<input::Input>,
    /// The merged counts. A run that writes reports without gates or a
    /// baseline hands its cells and groups to the report
    /// ([`report::Report::build_from`]): they are empty here, and only
    /// the report holds them; unless its report was faster to build from
    /// them borrowed (`report::borrows_cells`).
    pub tally: Tally,
    /// The aggregated report.
    pub report: report::Report,
    /// Wall time of reading and counting, in seconds.
    pub elapsed: f64,
    /// Files the walk skipped, and files reached twice.
    pub walk: WalkNotes,
    /// Inputs `--pattern` was given for but sniffing read as another
    /// format (spec §5): the input's name and that format, in input order.
    pub pattern_unused: Vec<(String, &'static str)>,
    /// Every gate rule's outcome, in the order given; `None` without
    /// rules.
    pub gates: Option<Vec<gate::GateOutcome>>,
    /// The `--baseline` run, read back (for "changes against the
    /// baseline": [`report::diff::diff`] of it and this run's
    /// [`report::Snapshot::of_run`]).
    pub baseline: Option<report::Snapshot<'static>>,
}

/// Count one input held in memory (any format; sniffed, decompressed) as
/// `config` says.
pub fn tally_bytes(data: &[u8], config: &Config) -> Result<Tally> {
    let mut tally = pipeline::tally_data(data, config, false)?;
    tally.settle_versions(config.plan.distinct);
    Ok(tally)
}

/// Read and count every input of `config`, and build the report. Inputs
/// that cannot be read are listed in `tally.errors`; the rest still count.
/// Directory walks skip `config.out_dir` and earlier report folders.
pub fn run(config: &Config, catalog: &Catalog) -> Result<Run> {
    let start = Instant::now();
    // The baseline is read, and the rules' thresholds fixed, before any
    // input is.
    let baseline = config
        .baseline
        .as_deref()
        .map(|b| report::Snapshot::open(b, catalog))
        .transpose()?;
    let dims: Vec<String> =
        config.plan.by.iter().map(|d| d.to_string()).collect();
    let gates = gate::Gates::prepare(&config.rules, baseline.as_ref(), &dims)?;
    let mut paths = config.paths.clone();
    if let Some(list) = &config.inputs_from {
        let more = config::read_input_list(list).map_err(|source| {
            Error::InputList { path: list.clone(), source }
        })?;
        paths.extend(more);
    }
    // Folders a window misses are not entered; with `--shard`, walked
    // through, so that shards split the listing of a run without a
    // window whatever the window (spec §7, §8).
    let pruning =
        input::prune::Window::new(config.plan.since, config.plan.until).map(
            |window| input::FolderPruning {
                window,
                positions: config.shard.is_some(),
            },
        );
    let input::Walked { inputs, positions, errors, notes: mut walk } =
        input::walk(&paths, Some(&config.out_dir), config.all_files, pruning);
    if config.partial.is_some() {
        let names: Vec<&str> =
            inputs.iter().map(|i| i.name.as_str()).collect();
        let errs: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.path.as_str(), e.message.as_str()))
            .collect();
        walk.listing = partial::listing_digest(&names, &errs, &walk);
    }
    let mut inputs: Vec<Input> = match config.shard {
        None => inputs,
        Some(shard) => inputs
            .into_iter()
            .zip(positions)
            .filter(|(_, p)| shard.takes(*p))
            .map(|(input, _)| input)
            .collect(),
    };
    if config.partial.is_some() {
        // The order a merge rebuilds (spec §8): the samples this partial
        // keeps are then the first of its inputs in the merged run.
        inputs.sort_by(|a, b| partial::path_order(&a.name, &b.name));
    }
    let (inputs, pruned) =
        input::prune::prune(inputs, config.plan.since, config.plan.until);
    // One pool counts and then builds the report (a second pool for the
    // build measured 2.5% slower on a 150k-row `--by` report; likely its
    // threads freeing sketches that the counting threads allocated).
    let workers = pipeline::pool(config.threads)?;
    let (mut tally, unused) =
        pipeline::tally_inputs_on(&workers, &inputs, config)?;
    let pattern_unused = unused
        .into_iter()
        .filter_map(|(i, f)| Some((inputs.get(i as usize)?.name.clone(), f)))
        .collect();
    tally.pruned_files = pruned;
    tally.errors.extend(errors);
    tally.errors.sort();
    // A partial keeps its versions for the merge to settle with others'.
    if config.partial.is_none() {
        tally.settle_versions(config.plan.distinct);
    }
    if tally.ungrouped > 0 {
        return Err(too_many_groups(&tally, &config.plan));
    }
    let judge = !config.rules.is_empty();
    let keep = judge || config.partial.is_some() || baseline.is_some();
    if keep {
        // Read again by key: the report's aggregation alone takes
        // loose cells.
        tally.cells.settle();
    }
    // The report is built on the run's threads (unless it has too many
    // groups for that), from the cells borrowed when that is faster.
    let borrow = keep
        || report::borrows_cells(
            &tally,
            &config.plan,
            workers.current_num_threads(),
        );
    let build = |tally: &mut Tally| {
        report_and_gates(tally, catalog, &config.plan, &gates, judge, borrow)
    };
    let (report, gates) = if report::builds_in_parallel(&tally) {
        workers.install(|| build(&mut tally))?
    } else {
        build(&mut tally)?
    };
    let elapsed = start.elapsed().as_secs_f64();
    Ok(Run {
        inputs,
        tally,
        report,
        elapsed,
        walk,
        pattern_unused,
        gates,
        baseline,
    })
}

/// The report of `tally`, and with `judge` the outcomes of `gates` over
/// it. With `borrow`, the report borrows the tally's cells (it is read
/// again: a partial, gates, a baseline; or borrowing is faster:
/// [`report::borrows_cells`]); without, the tally gives its cells up to
/// the report, so that a million distinct keys are not held twice.
fn report_and_gates(
    tally: &mut Tally,
    catalog: &Catalog,
    plan: &Plan,
    gates: &gate::Gates,
    judge: bool,
    borrow: bool,
) -> Result<(report::Report, Option<Vec<gate::GateOutcome>>)> {
    let report = match borrow {
        true => report::Report::build_for(tally, catalog, plan),
        false => report::Report::build_from(tally, catalog, plan),
    };
    let outcomes = match judge {
        true => {
            let snapshot = report::Snapshot::of_run(&report, tally, catalog);
            Some(gates.evaluate(&snapshot)?)
        }
        false => None,
    };
    Ok((report, outcomes))
}

/// The error of a run whose groups passed `--max-groups`, naming the
/// dimension with the most distinct values.
fn too_many_groups(tally: &Tally, plan: &Plan) -> Error {
    let counts = tally.groups.distinct_values();
    let (dim, n) = plan
        .by
        .iter()
        .zip(counts)
        .max_by_key(|(_, n)| *n)
        .map(|(d, n)| (d.to_string(), n))
        .unwrap_or_default();
    Error::TooManyGroups { max: plan.max_groups, dim, values: n }
}

/// Run `report`: check that the output directory can be written, count,
/// then replace the report set in `config.out_dir` as a whole
/// ([`report::write_report_set`]). With `config.strict`, a malformed
/// record is an error; a run that read no input at all is an error; in
/// both cases nothing is written.
pub fn run_report(config: &Config, catalog: &Catalog) -> Result<Run> {
    report::check_output_dir(&config.out_dir)?;
    let run = run(config, catalog)?;
    check_run(config, &run)?;
    write_reports(config, &run)?;
    Ok(run)
}

/// Whether a counted run may write its reports: not when `config.strict`
/// and a record was malformed ([`Error::Strict`]), nor when no input could
/// be read at all ([`Error::NoInput`]; not for a partial, see
/// [`run_partial`]).
pub fn check_run(config: &Config, run: &Run) -> Result<()> {
    if config.strict {
        if let Some(s) = run.tally.samples.first() {
            return Err(Error::Strict {
                file: report::input_name(&run.inputs, s.input, "?").to_owned(),
                line: s.line,
                reason: s.reason.clone(),
            });
        }
    }
    if config.partial.is_some() {
        // A shard with nothing to read, or only unreadable files, is part
        // of a run that may read plenty: its partial says so, and the
        // merge decides (spec §8).
        return Ok(());
    }
    let failed: std::collections::BTreeSet<u32> = run
        .tally
        .errors
        .iter()
        .map(|e| e.input)
        .filter(|&i| i != u32::MAX)
        .collect();
    if run.inputs.is_empty() {
        let (files, folders) =
            (run.tally.pruned_files, run.walk.pruned_folders);
        let why = if !run.tally.errors.is_empty() {
            "every path failed".to_owned()
        } else if files + folders > 0 {
            format!(
                "the time window prunes every input: {files} files and \
                 {folders} partition folders"
            )
        } else {
            "no input files found".to_owned()
        };
        return Err(Error::NoInput(why));
    }
    // Inputs that failed without a byte read and cannot even be opened
    // (deleted, unreadable) were not read at all. One that was opened and
    // turned out not to be a log (binary, UTF-16, a damaged codec) was:
    // its error goes in the reports.
    let unopenable = |&i: &u32| match &run.inputs[i as usize].source {
        // (Only regular files are opened here: a FIFO would block.)
        input::Source::File(p) => match std::fs::metadata(p) {
            Ok(m) if m.is_file() => std::fs::File::open(p).is_err(),
            Ok(_) => false,
            Err(_) => true,
        },
        input::Source::Stdin => false,
    };
    if failed.len() == run.inputs.len()
        && run.tally.acc.bytes == 0
        && failed.iter().all(unopenable)
    {
        return Err(Error::NoInput("no input could be opened".into()));
    }
    Ok(())
}

/// Run `report --partial`: count as [`run`] does, check the run as
/// [`check_run`] does (a partial of no input is written: the merge of all
/// partials is refused when no partial read any), then write the partial tally to `config.partial`
/// (`-`: standard output) instead of reports.
pub fn run_partial(config: &Config, catalog: &Catalog) -> Result<Run> {
    let run = run(config, catalog)?;
    check_run(config, &run)?;
    write_partial(config, &run, catalog)?;
    Ok(run)
}

/// Write the partial tally of a checked run to `config.partial` (`-`:
/// standard output); a file is replaced whole or not at all.
pub fn write_partial(
    config: &Config,
    run: &Run,
    catalog: &Catalog,
) -> Result<()> {
    let Some(path) = &config.partial else { return Ok(()) };
    let bytes = partial::write(&partial::Partial::of_run(run, catalog));
    partial::save(&bytes, path)
}

/// The run a merged partial stands for: its inputs, its tally with the
/// walk errors of its listings and its CallSummaryUpdates versions
/// settled, its walk notes, the report built with `catalog`, and the
/// outcomes of `rules` (checked against the partials' plan) measured
/// against `baseline`. A merge past `--max-groups` is an error, as in a
/// run.
pub fn run_of_partial(
    p: partial::Partial,
    catalog: &Catalog,
    elapsed: f64,
    rules: &[gate::Rule],
    baseline: Option<report::Snapshot<'static>>,
) -> Result<Run> {
    let dims: Vec<String> = p.plan.by.iter().map(|d| d.to_string()).collect();
    let cx = gate::Context {
        by: &dims,
        distinct: p.plan.distinct.is_some(),
        baseline: baseline.is_some(),
    };
    for r in rules {
        r.check(cx).map_err(|e| Error::Gate {
            flag: r.severity.flag(),
            rule: r.text.clone(),
            message: e.what,
        })?;
    }
    let gates = gate::Gates::prepare(rules, baseline.as_ref(), &dims)?;
    let mut tally = p.tally;
    tally.settle_versions(p.plan.distinct);
    let walk = partial::Listing::notes(&p.listings);
    for l in &p.listings {
        tally.errors.extend(l.errors.iter().map(|(path, message)| {
            input::InputError {
                input: u32::MAX,
                path: path.clone(),
                message: message.clone(),
            }
        }));
    }
    tally.errors.sort();
    if tally.ungrouped > 0 {
        return Err(too_many_groups(&tally, &p.plan));
    }
    if p.inputs.is_empty() {
        return Err(Error::NoInput("the partials read no input".into()));
    }
    let judge = !rules.is_empty();
    let keep = judge || baseline.is_some();
    let (report, gates) =
        report_and_gates(&mut tally, catalog, &p.plan, &gates, judge, keep)?;
    let inputs = p
        .inputs
        .into_iter()
        .map(|name| Input {
            source: input::Source::File(name.clone().into()),
            name,
        })
        .collect();
    Ok(Run {
        inputs,
        tally,
        report,
        elapsed,
        walk,
        pattern_unused: Vec::new(),
        gates,
        baseline,
    })
}

/// Render and write the report set of `run` into `config.out_dir` (with
/// `gates.json` and `gates.xml` when the run has rules; without, those of
/// an earlier run are removed).
pub fn write_reports(config: &Config, run: &Run) -> Result<()> {
    let summary = report::Summary::new(
        &run.inputs,
        &run.tally,
        &run.report,
        run.elapsed,
    )
    .with_walk(&run.walk);
    // The tables are rendered on the run's threads.
    pipeline::pool(config.threads)?.install(|| {
        report::write_report_files(
            &config.out_dir,
            &render::report_files(&run.report, &summary, run.gates.as_deref()),
        )
    })
}
