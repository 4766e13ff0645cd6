//! What one line held, and how a piece of lines is read into a sink.

use crate::input::lines::{for_each_line, is_blank};
use crate::record::{Record, Sink};

/// What one non-blank line (of JSON Lines, or of a text log) held.
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// One record (or one malformed line).
    One(Record<'a>),
    /// A `records` or `tables` envelope, or a batch of events: one
    /// record per element.
    Envelope(Vec<Record<'a>>),
    /// A text line that matches no pattern: not a record.
    Unmatched,
}

impl Line<'_> {
    /// A malformed line.
    pub fn malformed<'a>(reason: String) -> Line<'a> {
        Line::One(Record::malformed(reason))
    }

    /// Hand the line's records, found on `line`, to `sink`.
    #[inline(always)]
    pub fn count(self, sink: &mut impl Sink, line: u64) {
        match self {
            Line::One(rec) => sink.record(rec, line, 0),
            Line::Unmatched => sink.unmatched(),
            Line::Envelope(recs) => {
                sink.envelope(recs.len() as u64);
                for (item, rec) in recs.into_iter().enumerate() {
                    sink.record(rec, line, item as u32);
                }
            }
        }
    }
}

/// Read the lines of `data` (which starts at a line boundary) with `read`
/// into `sink`: blank lines as blank, every other line as what `read`
/// finds in it.
#[inline]
pub fn read_lines<'d, S, F>(data: &'d [u8], sink: &mut S, read: F)
where
    S: Sink,
    F: Fn(&'d [u8]) -> Line<'d>,
{
    let mut n = 0u64;
    for_each_line(data, |line| {
        n += 1;
        if is_blank(line) {
            sink.blank();
        } else {
            read(line).count(sink, n);
        }
    });
    sink.lines(n);
}
