//! Reports: from a [`Tally`] and the catalog to sorted tables (spec §4).
//!
//! [`Report::build`] resolves each record's category through the catalog
//! and aggregates the tables; [`summary`] assembles `summary.json`;
//! [`write`](mod@write) writes the whole report set atomically. Turning
//! tables into bytes is `render`'s job (which imports this module, never
//! the reverse).

pub mod diff;
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
use crate::tally::{Ids, Plan, Tally};

pub use self::snapshot::Snapshot;
pub use self::summary::{Summary, MAX_KINDS, MAX_UNDOCUMENTED, OTHER_KINDS};
pub use self::write::{
    check_output_dir, remove_temp_files, write_atomically, write_report_set,
    BY_CATEGORY, BY_CODE, BY_CODE_RANGE, CSV_FILES, GATES_JSON, GATES_XML,
    GATE_FILES, REPORT_FILES, SET_FILES, SUMMARY_JSON,
};

/// A tally cell on its way to a [`CodeRow`]: its key with the category
/// resolved, and its count.
struct CellRow {
    group: u32,
    category: Category,
    code: i64,
    subcode: Option<i64>,
    count: u64,
}

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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Distincts {
    /// Distinct `correlationId`s.
    pub calls: Option<u64>,
    /// Distinct participant ids.
    pub participants: Option<u64>,
}

impl Distincts {
    /// The estimates of some ids (none seen: 0), or `None` without
    /// distinct counting.
    fn of(ids: Option<&Ids>, plan: &Plan) -> Distincts {
        if plan.distinct.is_none() {
            return Distincts::default();
        }
        Distincts {
            calls: Some(ids.map_or(0, |i| i.calls.estimate())),
            participants: Some(ids.map_or(0, |i| i.participants.estimate())),
        }
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
    pub groups: Vec<Group>,
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
    /// Pairs the catalog does not document, most frequent first.
    pub undocumented: Vec<Undocumented>,
    /// With `--by` and distinct counting: the distinct calls and
    /// participants of each (category, code, subcode) over all groups, from
    /// the union of its rows' sketches ([`Report::code_totals`]).
    pub pair_ids: FxHashMap<(Category, i64, Option<i64>), Distincts>,
}

/// One group of dimension values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// The values, one per dimension column.
    pub values: Vec<String>,
    /// Counted records of the group.
    pub counted: u64,
}

impl Report {
    /// Resolve categories through the catalog and aggregate, for a run
    /// without dimensions.
    pub fn build(tally: &Tally, catalog: &Catalog) -> Report {
        Report::build_for(tally, catalog, &Plan::default())
    }

    /// Resolve categories through the catalog and aggregate, with the
    /// dimension columns of `plan`. Rows are sorted by their group's
    /// values (time buckets sort chronologically as text), then count
    /// (most first), then their keys.
    pub fn build_for(tally: &Tally, catalog: &Catalog, plan: &Plan) -> Report {
        // Memory grows with distinct keys only: one vector of rows, sorted
        // and merged in place (no maps per key), annotated once per pair.
        let mut sources = CategorySources::default();
        let ngroups = tally.groups.len() + 1;
        let mut groups: Vec<Group> = (0..ngroups as u32)
            .map(|id| Group {
                values: tally
                    .groups
                    .values(id)
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
                counted: 0,
            })
            .collect();
        // (One compact row per cell: 48 bytes, where a `CodeRow` is 80.)
        let mut rows: Vec<(CellRow, Option<&Ids>)> =
            Vec::with_capacity(tally.cells.len());
        for (key, cell) in &tally.cells {
            let (t, n) = (&key.triple, cell.count);
            groups[key.dims as usize].counted += n;
            let (category, from) = resolve_category(t, catalog);
            *match from {
                CategoryFrom::Log => &mut sources.from_log,
                CategoryFrom::Catalog => &mut sources.from_catalog,
                CategoryFrom::Neither => &mut sources.unknown,
            } += n;
            let row = CellRow {
                group: key.dims,
                category,
                code: t.code,
                subcode: t.subcode,
                count: n,
            };
            rows.push((row, cell.ids.as_deref()));
        }
        // One row per (group, pair, category): cells that differ only in
        // the category the log gave merge here.
        rows.sort_unstable_by_key(|(r, _)| {
            (r.code, r.subcode, r.group, r.category)
        });
        let mut by_code: Vec<CodeRow> = Vec::with_capacity(rows.len());
        let mut by_category: FxHashMap<(u32, Category), (u64, Option<Ids>)> =
            FxHashMap::default();
        let mut by_range: FxHashMap<
            (u32, Category, &'static str),
            (u64, Option<Ids>),
        > = FxHashMap::default();
        let mut all_ids: Option<Ids> = None;
        let mut undocumented: Vec<Undocumented> = Vec::new();
        let union = |into: &mut Option<Ids>, ids: Option<&Ids>| {
            if let Some(ids) = ids {
                match into {
                    Some(a) => a.merge(ids),
                    None => *into = Some(ids.clone()),
                }
            }
        };
        let mut pair_ids = FxHashMap::default();
        // Unions over the groups only matter with groups.
        let per_pair = !plan.by.is_empty() && plan.distinct.is_some();
        let mut i = 0;
        while i < rows.len() {
            let (code, subcode) = (rows[i].0.code, rows[i].0.subcode);
            let annotation = catalog.annotate(code, subcode).map(Arc::new);
            let mut pair_count = 0;
            let mut pair_union: Vec<(Category, Option<Ids>)> = Vec::new();
            while i < rows.len()
                && (rows[i].0.code, rows[i].0.subcode) == (code, subcode)
            {
                // The rows of one (group, category) within the pair.
                let (group, category) = (rows[i].0.group, rows[i].0.category);
                let mut count = 0;
                let mut ids: Option<Ids> = None;
                while i < rows.len()
                    && (
                        rows[i].0.code,
                        rows[i].0.subcode,
                        rows[i].0.group,
                        rows[i].0.category,
                    ) == (code, subcode, group, category)
                {
                    count += rows[i].0.count;
                    union(&mut ids, rows[i].1);
                    i += 1;
                }
                pair_count += count;
                let range = code_range(code);
                let c = by_category.entry((group, category)).or_default();
                c.0 += count;
                union(&mut c.1, ids.as_ref());
                let r = by_range.entry((group, category, range)).or_default();
                r.0 += count;
                union(&mut r.1, ids.as_ref());
                union(&mut all_ids, ids.as_ref());
                if per_pair {
                    match pair_union.iter_mut().find(|(c, _)| *c == category) {
                        Some((_, u)) => union(u, ids.as_ref()),
                        None => pair_union.push((category, ids.clone())),
                    }
                }
                by_code.push(CodeRow {
                    group,
                    category,
                    code,
                    subcode,
                    count,
                    ids: Distincts::of(ids.as_ref(), plan),
                    annotation: annotation.clone(),
                });
            }
            for (category, u) in pair_union {
                pair_ids.insert(
                    (category, code, subcode),
                    Distincts::of(u.as_ref(), plan),
                );
            }
            if annotation.is_none() {
                undocumented.push(Undocumented {
                    code,
                    subcode,
                    count: pair_count,
                });
            }
        }
        // Groups in the order of their values.
        let mut order: Vec<u32> = (0..ngroups as u32).collect();
        order.sort_by(|&a, &b| {
            groups[a as usize].values.cmp(&groups[b as usize].values)
        });
        let mut rank = vec![0usize; ngroups];
        for (i, &g) in order.iter().enumerate() {
            rank[g as usize] = i;
        }
        // (Unstable: no two rows share a key, and a stable sort would
        // allocate half the rows again.)
        by_code.sort_unstable_by(|a, b| {
            rank[a.group as usize]
                .cmp(&rank[b.group as usize])
                .then_with(|| code_order(a, b))
        });
        let mut by_category: Vec<CategoryRow> = by_category
            .into_iter()
            .map(|((group, category), (count, ids))| CategoryRow {
                group,
                category,
                count,
                ids: Distincts::of(ids.as_ref(), plan),
            })
            .collect();
        by_category.sort_by(|a, b| {
            rank[a.group as usize]
                .cmp(&rank[b.group as usize])
                .then(b.count.cmp(&a.count))
                .then_with(|| a.category.as_str().cmp(b.category.as_str()))
        });
        let mut by_code_range: Vec<RangeRow> = by_range
            .into_iter()
            .map(|((group, category, range), (count, ids))| RangeRow {
                group,
                category,
                range,
                count,
                ids: Distincts::of(ids.as_ref(), plan),
            })
            .collect();
        by_code_range.sort_by(|a, b| {
            rank[a.group as usize]
                .cmp(&rank[b.group as usize])
                .then(b.count.cmp(&a.count))
                .then_with(|| {
                    (a.category.as_str(), a.range)
                        .cmp(&(b.category.as_str(), b.range))
                })
        });
        undocumented.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| (a.code, a.subcode).cmp(&(b.code, b.subcode)))
        });
        Report {
            counted: tally.acc.counted,
            plan: plan.clone(),
            dims: plan.by.iter().map(|d| d.to_string()).collect(),
            groups,
            totals: Distincts::of(all_ids.as_ref(), plan),
            by_category,
            by_code_range,
            by_code,
            category_sources: sources,
            undocumented,
            pair_ids,
        }
    }
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
    /// the distinct calls and participants of each pair over all groups
    /// (the union of its rows' sketches, not a sum).
    pub fn code_totals(&self) -> std::borrow::Cow<'_, [CodeRow]> {
        if self.dims.is_empty() {
            // The rows are the totals already: borrowed, not copied (a
            // million pairs would otherwise be held twice).
            return std::borrow::Cow::Borrowed(&self.by_code);
        }
        let mut m: FxHashMap<(Category, i64, Option<i64>), CodeRow> =
            FxHashMap::default();
        for r in &self.by_code {
            let key = (r.category, r.code, r.subcode);
            m.entry(key)
                .or_insert_with(|| CodeRow {
                    group: 0,
                    count: 0,
                    ids: self.pair_ids.get(&key).copied().unwrap_or_default(),
                    ..r.clone()
                })
                .count += r.count;
        }
        let mut v: Vec<CodeRow> = m.into_values().collect();
        v.sort_by(code_order);
        std::borrow::Cow::Owned(v)
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
    use crate::tally::{Cell, GroupKey};

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
