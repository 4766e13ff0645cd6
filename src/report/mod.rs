//! Reports: from a [`Tally`](crate::Tally) and the catalog to sorted
//! tables (spec §4).
//!
//! [`Report::build`] resolves each record's category through the catalog
//! and aggregates the tables; [`summary`] assembles `summary.json`;
//! [`write`](mod@write) writes the whole report set atomically. Turning
//! tables into bytes is `render`'s job (which imports this module, never
//! the reverse).

mod build;

pub(crate) use build::{borrows_cells, builds_in_parallel};
pub mod diff;
mod groups;
mod part;
pub mod read;
pub mod snapshot;
pub mod summary;
pub mod write;

use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::catalog::{Annotation, Catalog};
use crate::input::Input;
use crate::record::{code_range, Category, Triple};
use crate::tally::{Ids, Plan};

pub use self::groups::{GroupValues, Groups};
pub use self::snapshot::Snapshot;
pub use self::summary::{Summary, MAX_KINDS, MAX_UNDOCUMENTED, OTHER_KINDS};
pub use self::write::{
    check_output_dir, remove_temp_files, write_atomically, write_report_files,
    write_report_set, Content, Render, BY_CATEGORY, BY_CODE, BY_CODE_RANGE,
    CSV_FILES, GATES_JSON, GATES_XML, GATE_FILES, REPORT_FILES, SET_FILES,
    SUMMARY_JSON,
};

/// One row of `by_code.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeRow {
    /// The row's group of dimension values ([`Report::groups`]).
    pub group: u32,
    /// The final category.
    pub category: Category,
    /// The code.
    pub code: i64,
    /// The subcode, if any.
    pub subcode: Option<i64>,
    /// Records.
    pub count: u64,
    /// Distinct calls and participants among them.
    pub ids: Distincts,
    /// What the catalog says, if anything (shared by the rows of one
    /// pair).
    pub annotation: Option<Arc<Annotation>>,
}

/// One row of `by_category.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CategoryRow {
    /// The row's group of dimension values.
    pub group: u32,
    /// The final category.
    pub category: Category,
    /// Records.
    pub count: u64,
    /// Distinct calls and participants among them.
    pub ids: Distincts,
}

/// One row of `by_code_range.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeRow {
    /// The row's group of dimension values.
    pub group: u32,
    /// The final category.
    pub category: Category,
    /// The code range.
    pub range: &'static str,
    /// Records.
    pub count: u64,
    /// Distinct calls and participants among them.
    pub ids: Distincts,
}

/// Distinct calls and participants of a row (spec §7): estimates from the
/// rows' sketches; `None` when the run does not count them.
///
/// 16 bytes, not the 32 of two `Option<u64>` (a report of a million
/// groups holds three million of them): "none" is kept as `u64::MAX`, so
/// an estimate is at most `u64::MAX - 1` ([`Distincts::new`] saturates
/// there; no sketch comes near).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Distincts {
    calls: u64,
    participants: u64,
}

/// The stored value of "none" in [`Distincts`].
const NO_ESTIMATE: u64 = u64::MAX;

/// An estimate as stored in [`Distincts`].
const fn stored(v: Option<u64>) -> u64 {
    match v {
        Some(v) if v < NO_ESTIMATE => v,
        Some(_) => NO_ESTIMATE - 1,
        None => NO_ESTIMATE,
    }
}

/// An estimate as [`Distincts`] stores it, read back.
const fn estimate(v: u64) -> Option<u64> {
    match v {
        NO_ESTIMATE => None,
        v => Some(v),
    }
}

impl Distincts {
    /// Neither counted.
    pub const NONE: Distincts =
        Distincts { calls: NO_ESTIMATE, participants: NO_ESTIMATE };

    /// Distinct calls and participants (`u64::MAX` is taken as
    /// `u64::MAX - 1`).
    pub const fn new(calls: Option<u64>, participants: Option<u64>) -> Self {
        Distincts { calls: stored(calls), participants: stored(participants) }
    }

    /// Distinct `correlationId`s, if counted.
    pub const fn calls(&self) -> Option<u64> {
        estimate(self.calls)
    }

    /// Distinct participant ids, if counted.
    pub const fn participants(&self) -> Option<u64> {
        estimate(self.participants)
    }

    /// The estimates of some ids (none seen: 0), or `None` without
    /// distinct counting.
    fn of(ids: Option<&Ids>, plan: &Plan) -> Distincts {
        if plan.distinct.is_none() {
            return Distincts::NONE;
        }
        Distincts::new(
            Some(ids.map_or(0, |i| i.calls.estimate())),
            Some(ids.map_or(0, |i| i.participants.estimate())),
        )
    }
}

impl Default for Distincts {
    fn default() -> Self {
        Distincts::NONE
    }
}

impl std::fmt::Debug for Distincts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Distincts")
            .field("calls", &self.calls())
            .field("participants", &self.participants())
            .finish()
    }
}

impl Serialize for Distincts {
    fn serialize<S: serde::Serializer>(
        &self,
        s: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut st = s.serialize_struct("Distincts", 2)?;
        st.serialize_field("calls", &self.calls())?;
        st.serialize_field("participants", &self.participants())?;
        st.end()
    }
}

/// Where counted records' categories came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CategorySources {
    /// The log gave a recognised category.
    pub from_log: u64,
    /// The catalog filled it in.
    pub from_catalog: u64,
    /// Neither: `Unknown`.
    pub unknown: u64,
}

/// A (code, subcode) the catalog does not know.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Undocumented {
    /// The code.
    pub code: i64,
    /// The subcode, if any.
    pub subcode: Option<i64>,
    /// Records.
    pub count: u64,
}

/// The aggregated, sorted contents of the reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// All counted records.
    pub counted: u64,
    /// The plan the report was built for.
    pub plan: Plan,
    /// The dimension columns (`--by`), in order; empty without `--by`.
    pub dims: Vec<String>,
    /// Per group id: its dimension values, and its counted records (the
    /// denominator of `share`). Group 0 is the whole run without `--by`.
    pub groups: Groups,
    /// Distinct calls and participants of the whole run.
    pub totals: Distincts,
    /// `by_category.csv` rows.
    pub by_category: Vec<CategoryRow>,
    /// `by_code_range.csv` rows.
    pub by_code_range: Vec<RangeRow>,
    /// `by_code.csv` rows.
    pub by_code: Vec<CodeRow>,
    /// Where categories came from.
    pub category_sources: CategorySources,
    /// The pairs the catalog does not document, most frequent first (then
    /// by pair): the first [`MAX_UNDOCUMENTED`] of them.
    pub undocumented: Vec<Undocumented>,
    /// How many pairs the catalog does not document, in all.
    pub undocumented_pairs: usize,
    /// With `--by`: the `by_code` rows summed over all groups (group 0),
    /// in `by_code`'s order ([`Report::code_totals`]); empty without.
    /// A failing pair's `calls` are those of the union of its rows'
    /// sketches, not a sum; participants are not summed over groups.
    /// (What reads them: `summary.json`'s top codes, the terminal
    /// summary, the Markdown and the HTML. A union of every pair's calls
    /// and participants over the groups was most of the report's distinct
    /// counting.)
    pub code_totals: Vec<CodeRow>,
}

impl Report {
    /// Counted records per category over all groups, most first.
    pub fn category_totals(&self) -> Vec<(Category, u64)> {
        let mut m: FxHashMap<Category, u64> = FxHashMap::default();
        for r in &self.by_category {
            *m.entry(r.category).or_insert(0) += r.count;
        }
        let mut v: Vec<(Category, u64)> = m.into_iter().collect();
        v.sort_by(|a, b| {
            b.1.cmp(&a.1).then_with(|| a.0.as_str().cmp(b.0.as_str()))
        });
        v
    }

    /// `by_code` rows summed over all groups (group 0), most first, with
    /// the distinct calls of each failing pair over all groups: the rows
    /// themselves without `--by`, else those summed when the report was
    /// built ([`Report::code_totals`](Report#structfield.code_totals)).
    pub fn code_totals(&self) -> &[CodeRow] {
        if self.dims.is_empty() {
            &self.by_code
        } else {
            &self.code_totals
        }
    }
}

/// Where a row's category came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CategoryFrom {
    /// The log gave a recognised category.
    Log,
    /// The catalog filled it in.
    Catalog,
    /// Neither: `Unknown`.
    Neither,
}

/// The category a tally cell's records are reported under: the log's,
/// else the catalog's, else `Unknown` (the one home of this fallback, for
/// the reports and for the gates that measure a tally's cells).
pub fn resolve_category(
    t: &Triple,
    catalog: &Catalog,
) -> (Category, CategoryFrom) {
    match t.category {
        Some(c) => (c, CategoryFrom::Log),
        None => match catalog.category(t.code, t.subcode) {
            Some(c) => (c, CategoryFrom::Catalog),
            None => (Category::Unknown, CategoryFrom::Neither),
        },
    }
}

/// The order of `by_code` rows within a group: count, highest first, then
/// category, range, code and subcode (numbers as numbers).
fn code_order(a: &CodeRow, b: &CodeRow) -> std::cmp::Ordering {
    b.count.cmp(&a.count).then_with(|| {
        (a.category.as_str(), code_range(a.code), a.code, a.subcode).cmp(&(
            b.category.as_str(),
            code_range(b.code),
            b.code,
            b.subcode,
        ))
    })
}

/// The name of input `i` (inputs that never became one carry their path).
pub fn input_name<'a>(
    inputs: &'a [Input],
    i: u32,
    fallback: &'a str,
) -> &'a str {
    inputs.get(i as usize).map_or(fallback, |inp| &inp.name)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::tally::{Cell, GroupKey, Tally};

    /// A tally holding `(code, subcode, category, count)` rows.
    pub(crate) fn tally(
        rows: &[(i64, Option<i64>, Option<Category>, u64)],
    ) -> Tally {
        let mut t = Tally::default();
        for &(code, subcode, category, n) in rows {
            let key = GroupKey::of(Triple { code, subcode, category });
            t.cells.insert(key, Cell { count: n, ids: None });
            t.acc.counted += n;
            t.acc.records += n;
        }
        t
    }

    #[test]
    fn categories_resolve_through_the_catalog() {
        use Category::*;
        let t = tally(&[
            (0, Some(0), Some(Success), 2),
            (410, Some(3112), None, 1),
            (499, Some(99_999), None, 1),
        ]);
        let r = Report::build(&t, Catalog::embedded());
        let cats: Vec<(Category, u64)> =
            r.by_category.iter().map(|r| (r.category, r.count)).collect();
        assert_eq!(cats, [(Success, 2), (ExpectedError, 1), (Unknown, 1)]);
        let ranges: Vec<(Category, &str, u64)> = r
            .by_code_range
            .iter()
            .map(|r| (r.category, r.range, r.count))
            .collect();
        assert_eq!(
            ranges,
            [
                (Success, "0", 2),
                (ExpectedError, "4xx", 1),
                (Unknown, "4xx", 1)
            ]
        );
        assert_eq!(
            r.category_sources,
            CategorySources { from_log: 2, from_catalog: 1, unknown: 1 }
        );
        assert_eq!(
            r.undocumented,
            [Undocumented { code: 499, subcode: Some(99_999), count: 1 }]
        );
    }

    /// `Distincts` holds two estimates or none in 16 bytes, and shows and
    /// serializes as two `Option<u64>`.
    #[test]
    fn distincts_are_two_options_in_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<Distincts>(), 16);
        assert_eq!(std::mem::size_of::<CodeRow>(), 64);
        let d = Distincts::new(Some(0), None);
        assert_eq!((d.calls(), d.participants()), (Some(0), None));
        assert_eq!(Distincts::default(), Distincts::NONE);
        assert_eq!(Distincts::NONE.calls(), None);
        let max = Distincts::new(Some(u64::MAX), Some(u64::MAX - 1));
        assert_eq!(max.calls(), Some(u64::MAX - 1));
        assert_eq!(max.participants(), Some(u64::MAX - 1));
        assert_eq!(
            format!("{d:?}"),
            "Distincts { calls: Some(0), participants: None }"
        );
        assert_eq!(
            serde_json::to_string(&Distincts::new(Some(7), Some(9))).unwrap(),
            r#"{"calls":7,"participants":9}"#
        );
    }

    #[test]
    fn ties_sort_by_keys_numerically() {
        let t = tally(&[
            (1000, None, Some(Category::Success), 1),
            (200, Some(10), Some(Category::Success), 1),
            (200, Some(9), Some(Category::Success), 1),
            (200, None, Some(Category::Success), 1),
        ]);
        let r = Report::build(&t, Catalog::embedded());
        let keys: Vec<(i64, Option<i64>)> =
            r.by_code.iter().map(|r| (r.code, r.subcode)).collect();
        assert_eq!(
            keys,
            [(200, None), (200, Some(9)), (200, Some(10)), (1000, None)]
        );
    }
}
