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

use std::borrow::Borrow;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::catalog::{Annotation, Catalog};
use crate::input::Input;
use crate::record::{code_range, Category, Triple};
use crate::tally::{GroupKey, Ids, Plan, Tally};

pub use self::snapshot::Snapshot;
pub use self::summary::{Summary, MAX_KINDS, MAX_UNDOCUMENTED, OTHER_KINDS};
pub use self::write::{
    check_output_dir, remove_temp_files, write_atomically, write_report_files,
    write_report_set, Content, Render, BY_CATEGORY, BY_CODE, BY_CODE_RANGE,
    CSV_FILES, GATES_JSON, GATES_XML, GATE_FILES, REPORT_FILES, SET_FILES,
    SUMMARY_JSON,
};

/// A tally cell on its way to a [`CodeRow`]: its key with the category
/// resolved, its count and its ids (borrowed from a tally, or taken from
/// it). 40 bytes: a million of them are held while the rows are built.
struct CellRow<I> {
    code: i64,
    /// The subcode, or 0 when there is none.
    subcode: i64,
    count: u64,
    ids: Option<I>,
    group: u32,
    category: Category,
    has_subcode: bool,
}

impl<I> CellRow<I> {
    /// The row of a tally cell, its category resolved.
    fn new(
        key: &GroupKey,
        count: u64,
        ids: Option<I>,
        category: Category,
    ) -> Self {
        let t = key.triple();
        CellRow {
            code: t.code,
            subcode: t.subcode.unwrap_or(0),
            count,
            ids,
            group: key.dims(),
            category,
            has_subcode: t.subcode.is_some(),
        }
    }

    /// The (code, subcode) pair.
    fn pair(&self) -> (i64, Option<i64>) {
        (self.code, self.has_subcode.then_some(self.subcode))
    }

    /// What the rows are sorted by: the pair, then its group and category
    /// (the rows of one `by_code` row are then adjacent).
    fn order(&self) -> (i64, bool, i64, u32, Category) {
        (self.code, self.has_subcode, self.subcode, self.group, self.category)
    }
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
    /// The pairs the catalog does not document, most frequent first (then
    /// by pair): the first [`MAX_UNDOCUMENTED`] of them.
    pub undocumented: Vec<Undocumented>,
    /// How many pairs the catalog does not document, in all.
    pub undocumented_pairs: usize,
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
        let mut sources = CategorySources::default();
        let mut groups = groups_of(tally);
        let mut rows = Vec::with_capacity(tally.cells.len());
        for (key, cell) in &tally.cells {
            let ids = cell.ids.as_deref();
            let row = cell_row(key, cell.count, ids, catalog, &mut groups);
            sources.add(row.1, cell.count);
            rows.push(row.0);
        }
        Report::of_rows(
            rows,
            groups,
            sources,
            tally.acc.counted,
            catalog,
            plan,
        )
    }

    /// [`Report::build_for`], taking the cells and the groups out of
    /// `tally` (they are left empty, so its counts no longer add up:
    /// [`Tally::is_consistent`] is false): their memory is released while
    /// the rows are built, which is what a run with a million distinct
    /// keys needs (spec §10). For a run whose tally is not read again
    /// (no partial, no gates, no baseline).
    pub fn build_from(
        tally: &mut Tally,
        catalog: &Catalog,
        plan: &Plan,
    ) -> Report {
        let mut sources = CategorySources::default();
        let mut groups = groups_of(tally);
        tally.groups = Default::default();
        let cells = std::mem::take(&mut tally.cells);
        let mut rows = Vec::with_capacity(cells.len());
        for (key, cell) in cells {
            let count = cell.count;
            let row = cell_row(&key, count, cell.ids, catalog, &mut groups);
            sources.add(row.1, count);
            rows.push(row.0);
        }
        Report::of_rows(
            rows,
            groups,
            sources,
            tally.acc.counted,
            catalog,
            plan,
        )
    }

    /// Aggregate the rows of the tally cells. Memory grows with distinct
    /// keys only: the rows are sorted in place, merged into `by_code`
    /// rows from the end, and released as they go (no maps per key);
    /// each pair is annotated once.
    fn of_rows<I: Borrow<Ids>>(
        mut rows: Vec<CellRow<I>>,
        groups: Vec<Group>,
        sources: CategorySources,
        counted: u64,
        catalog: &Catalog,
        plan: &Plan,
    ) -> Report {
        /// Rows taken before their memory is handed back (2.5 MB).
        const RELEASE_ROWS: usize = 1 << 16;
        // One row per (group, pair, category): cells that differ only in
        // the category the log gave merge here.
        rows.sort_unstable_by_key(CellRow::order);
        // (Reserved once: the pages of a large allocation are only taken
        // as rows are written into it, while `rows` hands its back.)
        let mut by_code: Vec<CodeRow> = Vec::with_capacity(rows.len());
        let mut by_category: Sums<(u32, Category)> = Sums::default();
        let mut by_range: Sums<(u32, Category, &'static str)> =
            Sums::default();
        let mut all_ids: Option<Ids> = None;
        let mut undocumented = TopUndocumented::default();
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
        while let Some(last) = rows.last() {
            let pair = last.pair();
            let (code, subcode) = pair;
            let annotation = catalog.annotate(code, subcode).map(Arc::new);
            let mut pair_count = 0;
            let mut pair_union: Vec<(Category, Option<Ids>)> = Vec::new();
            while let Some(last) = rows.last().filter(|r| r.pair() == pair) {
                // The rows of one (group, category) within the pair.
                let (group, category) = (last.group, last.category);
                let mut count = 0;
                let mut ids: Option<Ids> = None;
                while let Some(r) = rows.pop_if(|r| {
                    (r.pair(), r.group, r.category) == (pair, group, category)
                }) {
                    count += r.count;
                    union(&mut ids, r.ids.as_ref().map(Borrow::borrow));
                }
                pair_count += count;
                let range = code_range(code);
                by_category.add((group, category), count, ids.as_ref());
                by_range.add((group, category, range), count, ids.as_ref());
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
            if rows.capacity() - rows.len() >= RELEASE_ROWS {
                rows.shrink_to_fit();
            }
        }
        drop(rows);
        by_code.shrink_to_fit();
        let ngroups = groups.len();
        // Groups in the order of their values.
        let mut order: Vec<u32> = (0..ngroups as u32).collect();
        order.sort_by(|&a, &b| {
            groups[a as usize].values.cmp(&groups[b as usize].values)
        });
        let mut rank = vec![0usize; ngroups];
        for (i, &g) in order.iter().enumerate() {
            rank[g as usize] = i;
        }
        drop(order);
        // (Unstable: no two rows share a key, and a stable sort would
        // allocate half the rows again.)
        by_code.sort_unstable_by(|a, b| {
            rank[a.group as usize]
                .cmp(&rank[b.group as usize])
                .then_with(|| code_order(a, b))
        });
        let mut by_category: Vec<CategoryRow> = by_category
            .into_rows()
            .map(|((group, category), count, ids)| CategoryRow {
                group,
                category,
                count,
                ids: Distincts::of(ids.as_ref(), plan),
            })
            .collect();
        by_category.sort_unstable_by(|a, b| {
            rank[a.group as usize]
                .cmp(&rank[b.group as usize])
                .then(b.count.cmp(&a.count))
                .then_with(|| a.category.as_str().cmp(b.category.as_str()))
        });
        let mut by_code_range: Vec<RangeRow> = by_range
            .into_rows()
            .map(|((group, category, range), count, ids)| RangeRow {
                group,
                category,
                range,
                count,
                ids: Distincts::of(ids.as_ref(), plan),
            })
            .collect();
        by_code_range.sort_unstable_by(|a, b| {
            rank[a.group as usize]
                .cmp(&rank[b.group as usize])
                .then(b.count.cmp(&a.count))
                .then_with(|| {
                    (a.category.as_str(), a.range)
                        .cmp(&(b.category.as_str(), b.range))
                })
        });
        let (undocumented, undocumented_pairs) = undocumented.finish();
        Report {
            counted,
            plan: plan.clone(),
            dims: plan.by.iter().map(|d| d.to_string()).collect(),
            groups,
            totals: Distincts::of(all_ids.as_ref(), plan),
            by_category,
            by_code_range,
            by_code,
            category_sources: sources,
            undocumented,
            undocumented_pairs,
            pair_ids,
        }
    }
}

/// Per group id of `tally`: its dimension values, with no records yet.
fn groups_of(tally: &Tally) -> Vec<Group> {
    (0..=tally.groups.len() as u32)
        .map(|id| Group {
            values: tally
                .groups
                .values(id)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            counted: 0,
        })
        .collect()
}

/// The row of a tally cell, its category resolved through the catalog
/// (and where that came from); its records counted in its group.
fn cell_row<I>(
    key: &GroupKey,
    count: u64,
    ids: Option<I>,
    catalog: &Catalog,
    groups: &mut [Group],
) -> (CellRow<I>, CategoryFrom) {
    if let Some(g) = groups.get_mut(key.dims() as usize) {
        g.counted += count;
    }
    let (category, from) = resolve_category(&key.triple(), catalog);
    (CellRow::new(key, count, ids, category), from)
}

impl CategorySources {
    /// Count `n` records whose category came `from` somewhere.
    fn add(&mut self, from: CategoryFrom, n: u64) {
        *match from {
            CategoryFrom::Log => &mut self.from_log,
            CategoryFrom::Catalog => &mut self.from_catalog,
            CategoryFrom::Neither => &mut self.unknown,
        } += n;
    }
}

/// Records and ids summed per key (a group and category, or range): the
/// ids apart, so a run that does not count them holds 16 bytes a key.
struct Sums<K> {
    counts: FxHashMap<K, u64>,
    ids: FxHashMap<K, Ids>,
}

impl<K> Default for Sums<K> {
    fn default() -> Self {
        Sums { counts: FxHashMap::default(), ids: FxHashMap::default() }
    }
}

impl<K: std::hash::Hash + Eq + Copy> Sums<K> {
    /// Add `n` records and their ids under `key`.
    fn add(&mut self, key: K, n: u64, ids: Option<&Ids>) {
        *self.counts.entry(key).or_insert(0) += n;
        if let Some(ids) = ids {
            match self.ids.entry(key) {
                Entry::Occupied(mut e) => e.get_mut().merge(ids),
                Entry::Vacant(e) => {
                    e.insert(ids.clone());
                }
            }
        }
    }

    /// Each key, its records and its ids.
    fn into_rows(self) -> impl Iterator<Item = (K, u64, Option<Ids>)> {
        let mut ids = self.ids;
        self.counts.into_iter().map(move |(k, n)| (k, n, ids.remove(&k)))
    }
}

/// The most frequent undocumented pairs, [`MAX_UNDOCUMENTED`] of them
/// (what `summary.json` lists), kept as pairs come: memory does not grow
/// with the pairs.
#[derive(Default)]
struct TopUndocumented {
    rows: Vec<Undocumented>,
    seen: usize,
}

impl TopUndocumented {
    fn push(&mut self, u: Undocumented) {
        self.seen += 1;
        self.rows.push(u);
        if self.rows.len() >= 2 * MAX_UNDOCUMENTED {
            self.trim();
        }
    }

    /// Keep the first [`MAX_UNDOCUMENTED`]: most records first, then by
    /// pair.
    fn trim(&mut self) {
        self.rows.sort_unstable_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| (a.code, a.subcode).cmp(&(b.code, b.subcode)))
        });
        self.rows.truncate(MAX_UNDOCUMENTED);
    }

    /// The pairs kept, in order, and how many there were in all.
    fn finish(mut self) -> (Vec<Undocumented>, usize) {
        self.trim();
        (self.rows, self.seen)
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
    use crate::tally::Cell;

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
