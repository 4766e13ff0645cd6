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
use crate::report::{Content, Report, Summary, GATE_FILES, REPORT_FILES};

/// Every report file of a run, named and rendered, in the order of
/// [`REPORT_FILES`], then, when the run has gates, [`GATE_FILES`]. Write it
/// with [`crate::report::write_report_set`], which removes the gate files
/// of an earlier run from a set without gates.
pub fn report_set(
    report: &Report,
    summary: &Summary<'_>,
    gates: Option<&[GateOutcome]>,
) -> Vec<(&'static str, Vec<u8>)> {
    report_files(report, summary, gates)
        .into_iter()
        .map(|(name, content)| {
            let bytes = match content {
                Content::Bytes(b) => b.into_owned(),
                Content::Stream(render) => {
                    let mut out = Vec::new();
                    // Writing to a Vec cannot fail.
                    render(&mut out).expect("write to memory");
                    out
                }
            };
            (name, bytes)
        })
        .collect()
}

/// [`report_set`], with the CSV tables streamed into their files (a
/// table of a million rows is never held in memory): write it with
/// [`crate::report::write_report_files`].
pub fn report_files<'a>(
    report: &'a Report,
    summary: &Summary<'_>,
    gates: Option<&[GateOutcome]>,
) -> Vec<(&'static str, Content<'a>)> {
    let [by_category, by_code_range, by_code, summary_json] = REPORT_FILES;
    let stream = |f: fn(&Report, &mut dyn std::io::Write) -> _| {
        Content::Stream(Box::new(move |w: &mut dyn std::io::Write| {
            f(report, w)
        }))
    };
    // (The largest first: it is synced while the others render.)
    let mut set = vec![
        (by_code, stream(self::csv::write_by_code)),
        (by_code_range, stream(self::csv::write_by_code_range)),
        (by_category, stream(self::csv::write_by_category)),
        (summary_json, Content::Bytes(summary.to_json().into())),
    ];
    if let Some(outcomes) = gates {
        let [json, xml] = GATE_FILES;
        set.push((json, Content::Bytes(self::gates::json(outcomes).into())));
        set.push((xml, Content::Bytes(self::gates::junit(outcomes).into())));
    }
    set
}
