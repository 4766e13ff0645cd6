//! calltally counts Azure Communication Services (ACS) call result codes
//! — (code, subcode, result category) triples — in large logs, on all
//! cores, and writes CSV reports annotated from an embedded catalog of what
//! each code means.
//!
//! The pipeline: [`input::collect`] finds the inputs; [`pipeline`] maps or
//! reads each, cuts large ones into chunks at line ends and runs
//! [`extract`] over the chunks in parallel, each chunk into its own
//! [`Tally`]; tallies merge associatively; [`report::Report`] resolves
//! categories through the [`catalog::Catalog`] and sorts the rows.
//!
//! ```
//! use calltally::{catalog::Catalog, report::Report};
//!
//! let log = br#"{"properties":{"participantEndReason":"410","ParticipantEndSubCode":"3112","ResultCategory":"ExpectedError"}}
//! {"ParticipantEndReason":0,"ParticipantEndSubCode":"0"}
//! not json
//! "#;
//! let tally = calltally::extract::tally_jsonl(log, 0);
//! assert_eq!((tally.counted, tally.malformed), (2, 1));
//! let report = Report::build(&tally, Catalog::embedded());
//! let csv = String::from_utf8(calltally::render::csv::by_category(&report))
//!     .unwrap();
//! assert_eq!(csv, "result_category,count,share\n\
//!                  ExpectedError,1,0.500000\n\
//!                  Success,1,0.500000\n");
//! ```
#![deny(missing_docs)]

pub mod catalog;
pub mod config;
pub mod error;
pub mod exit;
pub mod extract;
pub mod input;
mod mmap;
pub mod pipeline;
pub mod record;
pub mod reference;
pub mod render;
pub mod report;
pub mod sys;
pub mod tally;

use std::time::Instant;

pub use crate::catalog::Catalog;
pub use crate::config::{Config, Format, MmapMode};
pub use crate::error::{Error, Result};
pub use crate::exit::ExitCode;
pub use crate::record::{Category, Outcome, Triple};
pub use crate::tally::Tally;

/// What a `report` run read and counted.
#[derive(Debug)]
pub struct Run {
    /// The inputs, in the order they were listed.
    pub inputs: Vec<input::Input>,
    /// The merged counts.
    pub tally: Tally,
    /// The aggregated report.
    pub report: report::Report,
    /// Wall time of reading and counting, in seconds.
    pub elapsed: f64,
}

/// Read and count every input of `config`, and build the report. Inputs
/// that cannot be read are listed in `tally.errors`; the rest still count.
pub fn run(config: &Config, catalog: &Catalog) -> Result<Run> {
    let start = Instant::now();
    let (inputs, errors) = input::collect(&config.paths);
    let mut tally = pipeline::tally_inputs(&inputs, config)?;
    tally.errors.extend(errors);
    tally.errors.sort();
    let report = report::Report::build(&tally, catalog);
    Ok(Run { inputs, tally, report, elapsed: start.elapsed().as_secs_f64() })
}

/// Run `report`: count, then write the reports atomically into
/// `config.out_dir`. With `config.strict`, a malformed record is an error
/// and nothing is written.
pub fn run_report(config: &Config, catalog: &Catalog) -> Result<Run> {
    let run = run(config, catalog)?;
    if config.strict {
        if let Some(s) = run.tally.samples.first() {
            return Err(Error::Strict {
                file: report::input_name(&run.inputs, s.input, "?").to_owned(),
                line: s.line,
                reason: s.reason.clone(),
            });
        }
    }
    let summary = report::Summary::new(
        &run.inputs,
        &run.tally,
        &run.report,
        run.elapsed,
    );
    report::write_atomically(
        &config.out_dir,
        &render::report_set(&run.report, &summary),
    )?;
    Ok(run)
}
