//! Output formats: each file turns a [`Report`] into bytes, as pure
//! functions (`csv` for the report files, `text` for the terminal,
//! `markdown` for CI job summaries, `html` for a self-contained page;
//! `view` holds what the last two show).
//!
//! Imports run one way: `render` reads [`crate::report`], never the
//! reverse; only the binary's `cmd` and the library's door
//! ([`crate::run_report`]) call it.

pub mod csv;
pub mod html;
pub mod markdown;
mod svg;
pub mod text;
pub mod view;

pub use self::view::View;

use crate::report::{Report, Summary, REPORT_FILES};

/// Every report file of a run, named and rendered, in the order of
/// [`REPORT_FILES`].
pub fn report_set(
    report: &Report,
    summary: &Summary<'_>,
) -> [(&'static str, Vec<u8>); REPORT_FILES.len()] {
    let [by_category, by_code_range, by_code, summary_json] = REPORT_FILES;
    [
        (by_category, self::csv::by_category(report)),
        (by_code_range, self::csv::by_code_range(report)),
        (by_code, self::csv::by_code(report)),
        (summary_json, summary.to_json()),
    ]
}
