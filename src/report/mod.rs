//! Reports: from a [`Tally`] and the catalog to sorted tables (spec §4).
//!
//! [`Report::build`] resolves each record's category through the catalog
//! and aggregates the tables; [`summary`] assembles `summary.json`;
//! [`write`](mod@write) writes the whole report set atomically. Turning
//! tables into bytes is `render`'s job (which imports this module, never
//! the reverse).

pub mod summary;
pub mod write;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::catalog::{Annotation, Catalog};
use crate::input::Input;
use crate::record::{code_range, Category};
use crate::tally::Tally;

pub use self::summary::{Summary, MAX_UNDOCUMENTED};
pub use self::write::{
    remove_temp_files, write_atomically, BY_CATEGORY, BY_CODE, BY_CODE_RANGE,
    CSV_FILES, REPORT_FILES, SUMMARY_JSON,
};

/// One row of `by_code.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeRow {
    /// The final category.
    pub category: Category,
    /// The code.
    pub code: i64,
    /// The subcode, if any.
    pub subcode: Option<i64>,
    /// Records.
    pub count: u64,
    /// What the catalog says, if anything.
    pub annotation: Option<Annotation>,
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
    /// `by_category.csv` rows.
    pub by_category: Vec<(Category, u64)>,
    /// `by_code_range.csv` rows.
    pub by_code_range: Vec<(Category, &'static str, u64)>,
    /// `by_code.csv` rows.
    pub by_code: Vec<CodeRow>,
    /// Where categories came from.
    pub category_sources: CategorySources,
    /// Pairs the catalog does not document, most frequent first.
    pub undocumented: Vec<Undocumented>,
}

impl Report {
    /// Resolve categories through the catalog and aggregate.
    pub fn build(tally: &Tally, catalog: &Catalog) -> Report {
        // Memory grows with distinct keys only: one vector of rows, sorted
        // and merged in place (no maps per key), annotated once per pair.
        let mut sources = CategorySources::default();
        let mut by_code: Vec<CodeRow> = Vec::with_capacity(tally.cells.len());
        for (key, cell) in &tally.cells {
            let (t, n) = (&key.triple, cell.count);
            let category = match t.category {
                Some(c) => {
                    sources.from_log += n;
                    c
                }
                None => match catalog.category(t.code, t.subcode) {
                    Some(c) => {
                        sources.from_catalog += n;
                        c
                    }
                    None => {
                        sources.unknown += n;
                        Category::Unknown
                    }
                },
            };
            by_code.push(CodeRow {
                category,
                code: t.code,
                subcode: t.subcode,
                count: n,
                annotation: None,
            });
        }
        // Groups of other dimensions fold into one row per key.
        by_code.sort_unstable_by_key(|r| (r.code, r.subcode, r.category));
        by_code.dedup_by(|b, a| {
            let same = (a.code, a.subcode, a.category)
                == (b.code, b.subcode, b.category);
            if same {
                a.count += b.count;
            }
            same
        });
        let mut by_category: FxHashMap<Category, u64> = FxHashMap::default();
        let mut by_range: FxHashMap<(Category, &'static str), u64> =
            FxHashMap::default();
        // Rows of one (code, subcode) pair are adjacent.
        let mut undocumented_pairs = 0;
        let mut i = 0;
        while i < by_code.len() {
            let j = pair_end(&by_code, i);
            let (code, subcode) = (by_code[i].code, by_code[i].subcode);
            let annotation = catalog.annotate(code, subcode);
            undocumented_pairs += usize::from(annotation.is_none());
            for row in &mut by_code[i..j] {
                *by_category.entry(row.category).or_insert(0) += row.count;
                *by_range
                    .entry((row.category, code_range(code)))
                    .or_insert(0) += row.count;
                row.annotation.clone_from(&annotation);
            }
            i = j;
        }
        // Sized once: a list of a million pairs grown by doubling would
        // hold up to twice its size.
        let mut undocumented: Vec<Undocumented> =
            Vec::with_capacity(undocumented_pairs);
        let mut i = 0;
        while i < by_code.len() {
            let j = pair_end(&by_code, i);
            let rows = &by_code[i..j];
            if rows[0].annotation.is_none() {
                undocumented.push(Undocumented {
                    code: rows[0].code,
                    subcode: rows[0].subcode,
                    count: rows.iter().map(|r| r.count).sum(),
                });
            }
            i = j;
        }
        by_code.sort_by(|a, b| {
            b.count.cmp(&a.count).then_with(|| {
                (a.category.as_str(), code_range(a.code), a.code, a.subcode)
                    .cmp(&(
                        b.category.as_str(),
                        code_range(b.code),
                        b.code,
                        b.subcode,
                    ))
            })
        });
        let mut by_category: Vec<(Category, u64)> =
            by_category.into_iter().collect();
        by_category.sort_by(|a, b| {
            b.1.cmp(&a.1).then_with(|| a.0.as_str().cmp(b.0.as_str()))
        });
        let mut by_code_range: Vec<(Category, &'static str, u64)> =
            by_range.into_iter().map(|((c, r), n)| (c, r, n)).collect();
        by_code_range.sort_by(|a, b| {
            b.2.cmp(&a.2)
                .then_with(|| (a.0.as_str(), a.1).cmp(&(b.0.as_str(), b.1)))
        });
        undocumented.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| (a.code, a.subcode).cmp(&(b.code, b.subcode)))
        });
        Report {
            counted: tally.acc.counted,
            by_category,
            by_code_range,
            by_code,
            category_sources: sources,
            undocumented,
        }
    }
}

/// The end of the rows of the (code, subcode) pair of `rows[i]` (rows
/// sorted by pair).
fn pair_end(rows: &[CodeRow], i: usize) -> usize {
    let key = (rows[i].code, rows[i].subcode);
    i + rows[i..].iter().take_while(|r| (r.code, r.subcode) == key).count()
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
    use crate::record::Triple;
    use crate::tally::{Cell, GroupKey};

    /// A tally holding `(code, subcode, category, count)` rows.
    pub(crate) fn tally(
        rows: &[(i64, Option<i64>, Option<Category>, u64)],
    ) -> Tally {
        let mut t = Tally::default();
        for &(code, subcode, category, n) in rows {
            let key = GroupKey::of(Triple { code, subcode, category });
            t.cells.insert(key, Cell { count: n });
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
        assert_eq!(
            r.by_category,
            [(Success, 2), (ExpectedError, 1), (Unknown, 1)]
        );
        assert_eq!(
            r.by_code_range,
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
