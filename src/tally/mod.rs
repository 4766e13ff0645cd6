//! Counts for a piece of input, and how pieces combine.
//!
//! A [`Tally`] is a commutative monoid: [`Tally::merge`] is associative and
//! commutative and `Tally::default()` is its identity, so chunks, files and
//! (later) machines can be combined in any grouping and order with the same
//! result. Property tests in `tests/` hold it to that.

mod batch;
mod cells;
mod counter;
mod dim_ids;
pub mod distinct;
pub mod groups;
mod key;
pub mod plan;
pub mod versions;

pub use self::batch::IdStore;
pub use self::counter::Counter;
use self::distinct::Distinct;
use self::versions::Versions;

use rustc_hash::FxHashMap;

pub use self::cells::Cells;
pub use self::groups::Groups;
pub use self::key::GroupKey;
pub use self::plan::{Filter, Plan};
pub use crate::input::InputError;
use crate::record::Outcome;

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

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Defines [`Accounting`] from one list of counters, with the `+=` that
/// sums them, so a counter is added in one place.
macro_rules! accounting {
    ($($(#[$meta:meta])* $field:ident,)*) => {
        /// The counters of spec §4's accounting identities, for some part
        /// of a run's input.
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
        pub struct Accounting {
            $($(#[$meta])* pub $field: u64,)*
        }

        impl std::ops::AddAssign for Accounting {
            fn add_assign(&mut self, other: Accounting) {
                $(self.$field += other.$field;)*
            }
        }
    };
}

accounting! {
    /// Physical lines read.
    lines,
    /// Blank lines.
    blank,
    /// Text lines that match no pattern (not records, spec §3).
    unmatched,
    /// Records read (`counted + without_code`).
    records,
    /// Records with a code.
    counted,
    /// Records without a code.
    without_code,
    /// Malformed lines and records.
    malformed,
    /// Lines that held a `records`/`tables` envelope.
    envelopes,
    /// Records and malformed elements that came out of envelopes.
    envelope_items,
    /// Records the run's window or filters left out (spec §7); in
    /// `summary.json` only when there are some.
    #[serde(skip_serializing_if = "is_zero")]
    filtered,
    /// Versioned records (CallSummaryUpdates) a higher version of the
    /// same participant's summary replaces (spec §3); in `summary.json`
    /// only when there are some.
    #[serde(skip_serializing_if = "is_zero")]
    superseded,
    /// Records that carried a `callUpdatesVersion` (counted, superseded or
    /// without code; keyed or not); in `summary.json` only when there are
    /// some.
    #[serde(skip_serializing_if = "is_zero")]
    versioned,
    /// Records of a CallSummary kind without a version: with
    /// [`Accounting::versioned`], a sign that a run read both the summaries
    /// and their updates ([`Tally::overlap_warning`]).
    #[serde(skip_serializing)]
    unversioned_summaries,
    /// Input files (or streams) read; in `summary.json` under `inputs`.
    #[serde(skip_serializing)]
    inputs,
    /// Input bytes read; in `summary.json` under `inputs`.
    #[serde(skip_serializing)]
    bytes,
}

/// What is kept for one group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cell {
    /// Counted records.
    pub count: u64,
    /// The distinct calls and participants of its records (spec §7), when
    /// the run counts them.
    pub ids: Option<Box<Ids>>,
}

/// The distinct calls (`correlationId`) and participants of some records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ids {
    /// Distinct `correlationId`s.
    pub calls: Distinct,
    /// Distinct participant ids.
    pub participants: Distinct,
}

impl Ids {
    /// Empty sketches of precision `lg_k`.
    pub fn new(lg_k: u8) -> Ids {
        Ids { calls: Distinct::new(lg_k), participants: Distinct::new(lg_k) }
    }

    /// Add another's ids (a union).
    pub fn merge(&mut self, other: &Ids) {
        self.calls.merge(&other.calls);
        self.participants.merge(&other.participants);
    }

    /// [`Ids::merge`] of ids given up ([`Distinct::merge_owned`]).
    pub fn merge_owned(&mut self, other: Ids) {
        self.calls.merge_owned(other.calls);
        self.participants.merge_owned(other.participants);
    }

    /// Count the ids of a record: its call, and its participant unless
    /// that is the call's id (spec §7).
    #[inline]
    pub fn insert(&mut self, call: Option<&str>, participant: Option<&str>) {
        let (call, participant) = counted_ids(call, participant);
        self.insert_coupons(
            call.map(distinct::coupon),
            participant.map(distinct::coupon),
        );
    }

    /// [`Ids::insert`] of ids already hashed (by the [`Counter`], counted
    /// in a piece's batches): `None` for an id not counted.
    #[inline]
    fn insert_coupons(&mut self, call: Option<u32>, participant: Option<u32>) {
        if let Some(c) = call {
            self.calls.insert_coupon(c);
        }
        if let Some(p) = participant {
            self.participants.insert_coupon(p);
        }
    }
}

/// The ids of a record that count (spec §7): not an empty one, nor a
/// participant id equal to the call's.
#[inline(always)]
fn counted_ids<'r>(
    call: Option<&'r str>,
    participant: Option<&'r str>,
) -> (Option<&'r str>, Option<&'r str>) {
    let participant = participant.filter(|p| Some(*p) != call);
    let id = |v: Option<&'r str>| v.filter(|v| !v.is_empty());
    (id(call), id(participant))
}

impl std::ops::AddAssign for Cell {
    fn add_assign(&mut self, other: Cell) {
        self.count += other.count;
        match (&mut self.ids, other.ids) {
            (Some(a), Some(b)) => a.merge_owned(*b),
            (a @ None, b) => *a = b,
            (Some(_), None) => {}
        }
    }
}

/// Counts for some part of a run's input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// The accounting counters.
    pub acc: Accounting,
    /// Counted records by group; a `None` category is resolved from the
    /// catalog when reports are made.
    pub cells: Cells,
    /// The first malformed records, in input order, at most
    /// [`MAX_SAMPLES`].
    pub samples: Vec<Sample>,
    /// Inputs that could not be read.
    pub errors: Vec<InputError>,
    /// Records by log kind (`category`, `Type` or `operationName`).
    pub kinds: FxHashMap<String, u64>,
    /// Inputs and records by the format they were read as.
    pub formats: FxHashMap<&'static str, FormatCount>,
    /// The tuples of dimension values the cells' keys refer to.
    pub groups: Groups,
    /// Why records were filtered (their sum is `acc.filtered`).
    pub filtered: Filtered,
    /// Counted records that could not be grouped: their tuple of
    /// dimension values would have passed `--max-groups`.
    pub ungrouped: u64,
    /// Inputs not opened: their storage-export path proves they hold no
    /// record of the window.
    pub pruned_files: u64,
    /// The best version of each participant's summary, counted by
    /// [`Tally::settle_versions`] once the run's tally is complete.
    pub versions: Versions,
}

/// Why records were left out (spec §7), for `summary.json`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Filtered {
    /// Outside the `--since`/`--until` window.
    pub outside_window: u64,
    /// Without a parseable time while a window is given.
    pub no_time: u64,
    /// Left out by a `--where` filter.
    pub by_where: u64,
}

impl std::ops::AddAssign for Filtered {
    fn add_assign(&mut self, o: Filtered) {
        self.outside_window += o.outside_window;
        self.no_time += o.no_time;
        self.by_where += o.by_where;
    }
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
        if self.groups.is_empty() && other.groups.is_empty() {
            self.cells.absorb(other.cells);
            self.acc.superseded +=
                self.versions.absorb(other.versions, None, &self.groups);
        } else {
            // Tuple ids are local: map the other's into ours.
            let map = self.groups.absorb(&other.groups);
            let mut loose = Vec::with_capacity(other.cells.items());
            for (k, v) in other.cells {
                match map.get(k.dims() as usize).copied().flatten() {
                    Some(dims) => loose.push((k.with_dims(dims), v)),
                    None => self.ungrouped += v.count,
                }
            }
            self.cells.add_loose(loose);
            self.acc.superseded +=
                self.versions.absorb(other.versions, Some(&map), &self.groups);
        }
        self.filtered += other.filtered;
        self.ungrouped += other.ungrouped;
        self.pruned_files += other.pruned_files;
        self.acc += other.acc;
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

    /// The warning for a run that read both CallSummary records without a
    /// version and versioned CallSummaryUpdates records: where both
    /// describe the same calls, each participant counts twice.
    pub fn overlap_warning(&self) -> Option<String> {
        let a = &self.acc;
        (a.versioned > 0 && a.unversioned_summaries > 0).then(|| {
            format!(
                "{} CallSummary records without a callUpdatesVersion and {} \
                 versioned CallSummaryUpdates records were both read: where \
                 they describe the same calls, each participant counts twice; \
                 read one of the two exports (in a storage export, the folder \
                 insights-logs-callsummary or insights-logs-callsummaryupdates)",
                a.unversioned_summaries, a.versioned
            )
        })
    }

    /// Count the best version of each participant's summary (spec §3), as
    /// if it had just been read, once the run's tally is complete: no
    /// later record can supersede it. `lg_k` is the run's distinct
    /// precision, if it counts calls.
    pub fn settle_versions(&mut self, lg_k: Option<u8>) {
        for v in std::mem::take(&mut self.versions).into_winners() {
            let Some(triple) = v.triple() else {
                self.acc.without_code += 1;
                continue;
            };
            self.acc.counted += 1;
            let Some(dims) = v.dims() else {
                self.ungrouped += 1;
                continue;
            };
            let cell =
                self.cells.entry(GroupKey::new(dims, triple)).or_default();
            cell.count += 1;
            if let Some(lg_k) = lg_k {
                let ids =
                    cell.ids.get_or_insert_with(|| Box::new(Ids::new(lg_k)));
                ids.calls.insert_coupon(v.call);
                ids.participants.insert_coupon(v.participant);
            }
        }
    }

    /// Count one record outcome found on `line` (1-based, relative to the
    /// piece being tallied) of input `input`.
    pub fn add(&mut self, out: Outcome, input: u32, line: u64) {
        self.add_item(out, input, line, 0);
    }

    /// Count the `item`-th record of a line.
    #[inline]
    fn add_item(&mut self, out: Outcome, input: u32, line: u64, item: u32) {
        match out {
            Outcome::Counted(t) => {
                self.acc.records += 1;
                self.acc.counted += 1;
                self.cells.entry(GroupKey::of(t)).or_default().count += 1;
            }
            Outcome::WithoutCode => {
                self.acc.records += 1;
                self.acc.without_code += 1;
            }
            Outcome::Malformed(reason) => {
                self.acc.malformed += 1;
                if self.samples.len() < MAX_SAMPLES {
                    self.samples.push(Sample { input, line, item, reason });
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
        let a = &self.acc;
        let plain_items = a.records + a.malformed - a.envelope_items;
        a.records
            == a.counted
                + a.without_code
                + a.filtered
                + a.superseded
                + self.versions.len() as u64
            && self.cells.values().map(|c| c.count).sum::<u64>() == a.counted
            && a.lines == a.blank + a.unmatched + plain_items + a.envelopes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Category, Triple};

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
        assert_eq!(ab.acc.malformed, 30);
    }

    #[test]
    fn add_counts_by_outcome() {
        let mut t = Tally::default();
        t.acc.lines = 4;
        t.add(Outcome::Counted(triple(0)), 0, 1);
        t.add(Outcome::Counted(triple(0)), 0, 2);
        t.add(Outcome::WithoutCode, 0, 3);
        t.add(Outcome::Malformed("x".into()), 0, 4);
        let a = t.acc;
        assert_eq!((a.records, a.counted, a.without_code), (3, 2, 1));
        assert_eq!(t.cells[&GroupKey::of(triple(0))].count, 2);
        assert!(t.is_consistent());
    }
}
