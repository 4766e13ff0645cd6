//! Output formats: each file turns a [`Report`] into bytes, as pure
//! functions (`csv` for the report files, `text` for the terminal,
//! `markdown` for CI job summaries, `html` for a self-contained page;
//! `view` holds what the last two show).
//!
//! Imports run one way: `render` reads [`crate::report`], never the
//! reverse; only the binary's `cmd` and the library's door
//! ([`crate::run_report`]) call it.

pub mod csv;
pub mod diff;
pub mod gates;
pub mod html;
pub mod markdown;
mod svg;
pub mod text;
pub mod view;

pub use self::view::View;

use crate::gate::GateOutcome;
use crate::report::{Report, Summary, GATE_FILES, REPORT_FILES};

/// Every report file of a run, named and rendered, in the order of
/// [`REPORT_FILES`], then, when the run has gates, [`GATE_FILES`]. Write it
/// with [`crate::report::write_report_set`], which removes the gate files
/// of an earlier run from a set without gates.
pub fn report_set(
    report: &Report,
    summary: &Summary<'_>,
    gates: Option<&[GateOutcome]>,
) -> Vec<(&'static str, Vec<u8>)> {
    let [by_category, by_code_range, by_code, summary_json] = REPORT_FILES;
    let mut set = vec![
        (by_category, self::csv::by_category(report)),
        (by_code_range, self::csv::by_code_range(report)),
        (by_code, self::csv::by_code(report)),
        (summary_json, summary.to_json()),
    ];
    if let Some(outcomes) = gates {
        let [json, xml] = GATE_FILES;
        set.push((json, self::gates::json(outcomes)));
        set.push((xml, self::gates::junit(outcomes)));
    }
    set
}
