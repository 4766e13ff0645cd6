//! Counts for a piece of input, and how pieces combine.
//!
//! A [`Tally`] is a commutative monoid: [`Tally::merge`] is associative and
//! commutative and `Tally::default()` is its identity, so chunks, files and
//! (later) machines can be combined in any grouping and order with the same
//! result. Property tests in `tests/` hold it to that.

use rustc_hash::FxHashMap;

use crate::extract::json::Line;
use crate::record::{Outcome, Triple, NO_KIND};

/// How many malformed samples a run keeps (spec §4).
pub const MAX_SAMPLES: usize = 20;

/// One malformed record, for the report and for messages.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Sample {
    /// Index of the input in the run's input list.
    pub input: u32,
    /// 1-based line number within the input.
    pub line: u64,
    /// Position of the record within its line (envelope elements), so
    /// samples keep input order whatever the merge order.
    pub item: u32,
    /// Why the record is malformed.
    pub reason: String,
}

/// An input that could not be read, or failed part-way.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct InputError {
    /// Index of the input in the run's input list (`u32::MAX` for a path
    /// that never became an input, e.g. a directory that could not be
    /// walked; `path` then names it).
    pub input: u32,
    /// The path as given or found.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// Counts for some part of a run's input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Counted records by triple; a `None` category is resolved from the
    /// catalog when reports are made.
    pub counts: FxHashMap<Triple, u64>,
    /// Physical lines read.
    pub lines: u64,
    /// Blank lines.
    pub blank: u64,
    /// Records read (`counted + without_code`).
    pub records: u64,
    /// Records with a code.
    pub counted: u64,
    /// Records without a code.
    pub without_code: u64,
    /// Malformed lines and records.
    pub malformed: u64,
    /// Lines that held a `records`/`tables` envelope.
    pub envelopes: u64,
    /// Records and malformed elements that came out of envelopes.
    pub envelope_items: u64,
    /// Input files (or streams) read.
    pub inputs: u64,
    /// Input bytes read.
    pub bytes: u64,
    /// The first malformed records, in input order, at most
    /// [`MAX_SAMPLES`].
    pub samples: Vec<Sample>,
    /// Inputs that could not be read.
    pub errors: Vec<InputError>,
    /// Records by log kind (`category`, `Type` or `operationName`).
    pub kinds: FxHashMap<String, u64>,
    /// Inputs and records by the format they were read as.
    pub formats: FxHashMap<&'static str, FormatCount>,
}

/// Inputs and records read in one format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct FormatCount {
    /// Inputs.
    pub files: u64,
    /// Records (`counted + without_code`).
    pub records: u64,
}

impl Tally {
    /// Combine another tally into this one.
    pub fn merge(mut self, other: Tally) -> Tally {
        self.merge_from(other);
        self
    }

    /// Combine another tally into this one, in place.
    pub fn merge_from(&mut self, other: Tally) {
        let (mut big, small) = if self.counts.len() >= other.counts.len() {
            (std::mem::take(&mut self.counts), other.counts)
        } else {
            (other.counts, std::mem::take(&mut self.counts))
        };
        for (k, v) in small {
            *big.entry(k).or_insert(0) += v;
        }
        self.counts = big;
        self.lines += other.lines;
        self.blank += other.blank;
        self.records += other.records;
        self.counted += other.counted;
        self.without_code += other.without_code;
        self.malformed += other.malformed;
        self.envelopes += other.envelopes;
        self.envelope_items += other.envelope_items;
        self.inputs += other.inputs;
        self.bytes += other.bytes;
        self.samples.extend(other.samples);
        self.samples.sort();
        self.samples.truncate(MAX_SAMPLES);
        self.errors.extend(other.errors);
        self.errors.sort();
        for (k, v) in other.kinds {
            *self.kinds.entry(k).or_insert(0) += v;
        }
        for (k, v) in other.formats {
            let f = self.formats.entry(k).or_default();
            f.files += v.files;
            f.records += v.records;
        }
    }

    /// Count one record and its log kind.
    pub fn add_record(
        &mut self,
        out: Outcome,
        kind: Option<&str>,
        input: u32,
        line: u64,
        item: u32,
    ) {
        if !matches!(out, Outcome::Malformed(_)) {
            let kind = kind.unwrap_or(NO_KIND);
            match self.kinds.get_mut(kind) {
                Some(n) => *n += 1,
                None => {
                    self.kinds.insert(kind.to_owned(), 1);
                }
            }
        }
        self.add_item(out, input, line, item);
    }

    /// Count one record outcome found on `line` (1-based, relative to the
    /// piece being tallied) of input `input`.
    pub fn add(&mut self, out: Outcome, input: u32, line: u64) {
        self.add_item(out, input, line, 0);
    }

    /// Count the `item`-th record of a line.
    fn add_item(&mut self, out: Outcome, input: u32, line: u64, item: u32) {
        match out {
            Outcome::Counted(t) => {
                self.records += 1;
                self.counted += 1;
                *self.counts.entry(t).or_insert(0) += 1;
            }
            Outcome::WithoutCode => {
                self.records += 1;
                self.without_code += 1;
            }
            Outcome::Malformed(reason) => {
                self.malformed += 1;
                if self.samples.len() < MAX_SAMPLES {
                    self.samples.push(Sample { input, line, item, reason });
                }
            }
        }
    }

    /// Count what one non-blank line held.
    pub fn add_line(&mut self, l: Line<'_>, input: u32, line: u64) {
        match l {
            Line::One(out, kind) => {
                self.add_record(out, kind.as_deref(), input, line, 0)
            }
            Line::Envelope(outs) => {
                self.envelopes += 1;
                self.envelope_items += outs.len() as u64;
                for (item, (out, kind)) in outs.into_iter().enumerate() {
                    self.add_record(
                        out,
                        kind.as_deref(),
                        input,
                        line,
                        item as u32,
                    );
                }
            }
        }
    }

    /// Shift the line numbers of this tally's samples by `base` lines (a
    /// piece that started after `base` lines of its input).
    pub fn shift_lines(&mut self, base: u64) {
        for s in &mut self.samples {
            s.line += base;
        }
    }

    /// Whether the accounting identities of spec §4 hold.
    pub fn is_consistent(&self) -> bool {
        let plain_items = self.records + self.malformed - self.envelope_items;
        self.records == self.counted + self.without_code
            && self.counts.values().sum::<u64>() == self.counted
            && self.lines == self.blank + plain_items + self.envelopes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Category;

    fn triple(code: i64) -> Triple {
        Triple { code, subcode: None, category: Some(Category::Success) }
    }

    #[test]
    fn merge_keeps_first_samples_in_order() {
        let mut a = Tally::default();
        let mut b = Tally::default();
        for i in 0..15 {
            a.add(Outcome::Malformed("a".into()), 1, i + 1);
            b.add(Outcome::Malformed("b".into()), 0, i + 100);
        }
        let ab = a.clone().merge(b.clone());
        let ba = b.merge(a);
        assert_eq!(ab, ba);
        assert_eq!(ab.samples.len(), MAX_SAMPLES);
        assert!(ab.samples[..15].iter().all(|s| s.input == 0));
        assert_eq!(ab.samples[15].input, 1);
        assert_eq!(ab.malformed, 30);
    }

    #[test]
    fn add_counts_by_outcome() {
        let mut t = Tally { lines: 4, ..Tally::default() };
        t.add(Outcome::Counted(triple(0)), 0, 1);
        t.add(Outcome::Counted(triple(0)), 0, 2);
        t.add(Outcome::WithoutCode, 0, 3);
        t.add(Outcome::Malformed("x".into()), 0, 4);
        assert_eq!((t.records, t.counted, t.without_code), (3, 2, 1));
        assert_eq!(t.counts[&triple(0)], 2);
        assert!(t.is_consistent());
    }
}
