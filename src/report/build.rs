//! Building a [`Report`] from a tally: each cell's category resolved
//! through the catalog, the tables aggregated and sorted, in memory that
//! grows with distinct keys only.

use std::borrow::{Borrow, Cow};
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::{
    code_order, resolve_category, CategoryFrom, CategoryRow, CategorySources,
    CodeRow, Distincts, Groups, RangeRow, Report, Undocumented,
    MAX_UNDOCUMENTED,
};
use crate::catalog::{Annotation, Catalog};
use crate::record::{code_range_index, Category, CODE_RANGES};
use crate::tally::distinct::Distinct;
use crate::tally::{GroupKey, Ids, Plan, Tally};

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
    /// The index of the code's range ([`code_range_index`]).
    range: u8,
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
            range: code_range_index(t.code) as u8,
        }
    }

    /// The (code, subcode) pair.
    fn pair(&self) -> (i64, Option<i64>) {
        (self.code, self.has_subcode.then_some(self.subcode))
    }

    /// What the rows are sorted by: the group, category, code range and
    /// pair (the rows of one `by_code`, `by_code_range` or `by_category`
    /// row are then adjacent).
    fn order(&self) -> (u64, i64, bool, i64) {
        // (The first three in one integer: most comparisons end there.)
        let head = u64::from(self.group) << 16
            | u64::from(self.category as u8) << 8
            | u64::from(self.range);
        (head, self.code, self.has_subcode, self.subcode)
    }
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
        let cells =
            tally.cells.iter().map(|(k, c)| (*k, c.count, c.ids.as_deref()));
        let groups = groups_of(tally);
        let n = tally.cells.len();
        Report::of_cells(cells, n, groups, tally.acc.counted, catalog, plan)
    }

    /// [`Report::build_for`], taking the cells and the groups out of
    /// `tally` (they are left empty, so its counts no longer add up:
    /// [`Tally::is_consistent`] is false): their memory is released while
    /// the rows are built, so a run with a million distinct keys does not
    /// hold its map and its rows at once (spec §6, issue 12). For a run
    /// whose tally is not read again (no partial, no gates, no baseline).
    pub fn build_from(
        tally: &mut Tally,
        catalog: &Catalog,
        plan: &Plan,
    ) -> Report {
        let groups = groups_of(tally);
        tally.groups = Default::default();
        // (Loose cells repeat keys: the aggregation adds them up.)
        let cells = std::mem::take(&mut tally.cells);
        let n = cells.items();
        let cells = cells.into_iter().map(|(k, c)| (k, c.count, c.ids));
        Report::of_cells(cells, n, groups, tally.acc.counted, catalog, plan)
    }

    /// The rows of `n` cells (key, count, ids), each group's counted
    /// records added to `groups` and each category's source counted, then
    /// aggregated ([`Report::of_rows`]).
    fn of_cells<I: CellIds>(
        cells: impl Iterator<Item = (GroupKey, u64, Option<I>)>,
        n: usize,
        mut groups: Groups,
        counted: u64,
        catalog: &Catalog,
        plan: &Plan,
    ) -> Report {
        let mut sources = CategorySources::default();
        let mut rows = Vec::with_capacity(n);
        // The catalog's category of each pair the log gave none, looked
        // up once (a lookup cost a thousand instructions, for each of
        // tens of thousands of cells of a `--by` report), for the first
        // pairs: a run of a million distinct pairs must not hold a second
        // map of them (it peaked 68 MB higher).
        const KEPT_PAIRS: usize = 4096;
        let mut from_catalog: FxHashMap<(i64, Option<i64>), _> =
            FxHashMap::default();
        for (key, count, ids) in cells {
            groups.add_counted(key.dims(), count);
            let triple = key.triple();
            let pair = (triple.code, triple.subcode);
            let (category, from) = match from_catalog.get(&pair) {
                _ if triple.category.is_some() => {
                    resolve_category(&triple, catalog)
                }
                Some(&known) => known,
                None => {
                    let known = resolve_category(&triple, catalog);
                    if from_catalog.len() < KEPT_PAIRS {
                        from_catalog.insert(pair, known);
                    }
                    known
                }
            };
            sources.add(from, count);
            rows.push(CellRow::new(&key, count, ids, category));
        }
        Report::of_rows(rows, groups, sources, counted, catalog, plan)
    }

    /// Aggregate the rows of the tally cells. Memory grows with distinct
    /// keys only: the rows are sorted in place by group, category, code
    /// range and pair, then aggregated from the end and released as they
    /// go (no maps per key). A group's `by_code_range` and `by_category`
    /// rows are runs of adjacent rows, so each union of ids is built once,
    /// from the runs below it. With a few groups, whole groups are shared
    /// out among the current rayon pool's threads ([`Part`]).
    fn of_rows<I: CellIds>(
        mut rows: Vec<CellRow<I>>,
        groups: Groups,
        sources: CategorySources,
        counted: u64,
        catalog: &Catalog,
        plan: &Plan,
    ) -> Report {
        use rayon::prelude::*;
        let pooled = in_pool();
        if pooled {
            rows.par_sort_unstable_by_key(CellRow::order);
        } else {
            rows.sort_unstable_by_key(CellRow::order);
        }
        let threads = rayon::current_num_threads();
        let parts = if pooled && threads > 1 && rows.len() >= PARALLEL_ROWS {
            // (More parts than threads: groups differ in size.)
            split_at_groups(rows, 4 * threads)
        } else {
            vec![rows]
        };
        let of = |rows| Part::of(rows, catalog, plan);
        let part = if parts.len() > 1 {
            parts.into_par_iter().map(of).reduce_with(Part::absorb)
        } else {
            // On this thread (never the global pool's).
            parts.into_iter().map(of).next()
        };
        let Part {
            mut by_code,
            mut by_range,
            mut by_category,
            all,
            mut undocumented,
            calls,
            ..
        } = part.unwrap_or_default();
        by_code.shrink_to_fit();
        // A pair's records over its categories and groups.
        let mut top = TopUndocumented::default();
        undocumented.sort_unstable_by_key(|u| (u.code, u.subcode));
        for same in undocumented
            .chunk_by(|a, b| (a.code, a.subcode) == (b.code, b.subcode))
        {
            let count = same.iter().map(|u| u.count).sum();
            top.push(Undocumented { count, ..same[0] });
        }
        drop(undocumented);
        let pair_ids = calls
            .into_iter()
            .map(|(key, calls)| {
                let n = calls.map_or(0, |c| c.estimate());
                (key, Distincts::new(Some(n), None))
            })
            .collect();
        // Groups in the order of their values.
        let ngroups = groups.len();
        let mut order: Vec<u32> = (0..ngroups as u32).collect();
        // (With up to PARALLEL_GROUPS groups, each group's values are
        // collected once: comparing them through the iterator cost 600
        // instructions a comparison. A million groups' collected values
        // would peak 100 MB higher.)
        if ngroups <= PARALLEL_GROUPS {
            order
                .sort_by_cached_key(|&g| groups.values(g).collect::<Vec<_>>());
        } else {
            order.sort_by(|&a, &b| groups.values(a).cmp(groups.values(b)));
        }
        let mut rank = vec![0u32; ngroups];
        for (i, &g) in order.iter().enumerate() {
            rank[g as usize] = i as u32;
        }
        drop(order);
        // (Unstable: no two rows share a key, and a stable sort would
        // allocate half the rows again.)
        let code_rows = |a: &CodeRow, b: &CodeRow| {
            rank[a.group as usize]
                .cmp(&rank[b.group as usize])
                .then_with(|| code_order(a, b))
        };
        let category_rows = |a: &CategoryRow, b: &CategoryRow| {
            rank[a.group as usize]
                .cmp(&rank[b.group as usize])
                .then(b.count.cmp(&a.count))
                .then_with(|| a.category.as_str().cmp(b.category.as_str()))
        };
        let range_rows = |a: &RangeRow, b: &RangeRow| {
            rank[a.group as usize]
                .cmp(&rank[b.group as usize])
                .then(b.count.cmp(&a.count))
                .then_with(|| {
                    (a.category.as_str(), a.range)
                        .cmp(&(b.category.as_str(), b.range))
                })
        };
        if pooled {
            by_code.par_sort_unstable_by(code_rows);
            by_category.par_sort_unstable_by(category_rows);
            by_range.par_sort_unstable_by(range_rows);
        } else {
            by_code.sort_unstable_by(code_rows);
            by_category.sort_unstable_by(category_rows);
            by_range.sort_unstable_by(range_rows);
        }
        let (undocumented, undocumented_pairs) = top.finish();
        Report {
            counted,
            plan: plan.clone(),
            dims: plan.by.iter().map(|d| d.to_string()).collect(),
            groups,
            totals: Distincts::of(all.as_ref(), plan),
            by_category,
            by_code_range: by_range,
            by_code,
            category_sources: sources,
            undocumented,
            undocumented_pairs,
            pair_ids,
        }
    }
}

/// At most this many groups for a report to be built on the run's
/// threads: see [`builds_in_parallel`].
const PARALLEL_GROUPS: usize = 1 << 16;

/// Whether a report of `tally` is worth building on a pool of threads
/// (see [`in_pool`]): few enough groups. (A report of more is built on
/// the calling thread, which frees the tally's memory where the report
/// takes it: on a pool thread, a million `--by` groups peaked up to 50 MB
/// higher with `--no-distinct`.)
pub(crate) fn builds_in_parallel(tally: &Tally) -> bool {
    tally.groups.len() <= PARALLEL_GROUPS
}

/// Whether the caller runs in a rayon pool (one it chose, of the run's
/// `-j` threads): the report's steps run in parallel only there, never on
/// the global pool.
pub(super) fn in_pool() -> bool {
    rayon::current_thread_index().is_some()
}

/// At least this many rows for the groups to be shared out among threads.
const PARALLEL_ROWS: usize = 1 << 14;

/// What the rows of some whole groups aggregate to: their `by_code`,
/// `by_code_range` and `by_category` rows (estimates made), the union of
/// their ids, and what is summed per pair over the groups.
#[derive(Default)]
struct Part {
    by_code: Vec<CodeRow>,
    by_range: Vec<RangeRow>,
    by_category: Vec<CategoryRow>,
    all: Option<Ids>,
    /// The records of each row of an undocumented pair (summed per pair
    /// at the end: a pair has a row per category and group).
    undocumented: Vec<Undocumented>,
    /// With `--by`, what the catalog says of each pair, shared by its rows
    /// (without, a pair has a row per category at most, and a map of a
    /// million pairs cost more than annotating each row).
    annotations: FxHashMap<(i64, Option<i64>), Option<Arc<Annotation>>>,
    /// With `--by` and distinct counting, the union of the calls of each
    /// failing (category, pair) over its groups ([`Report::pair_ids`]).
    calls: FxHashMap<(Category, i64, Option<i64>), Option<Distinct>>,
}

impl Part {
    /// Aggregate `rows` (sorted by [`CellRow::order`]), from the end,
    /// handing their memory back as they go.
    fn of<I: CellIds>(
        mut rows: Vec<CellRow<I>>,
        catalog: &Catalog,
        plan: &Plan,
    ) -> Part {
        /// Rows taken before their memory is handed back (2.5 MB).
        const RELEASE_ROWS: usize = 1 << 16;
        let mut out = Part::default();
        // (Reserved once: the pages of a large allocation are only taken
        // as rows are written into it, while `rows` hands its back.)
        out.by_code.reserve_exact(rows.len());
        // Unions over the groups only matter with groups, and are only
        // read for the calls of failing pairs ([`Report::pair_ids`]).
        let dims = !plan.by.is_empty();
        let per_pair = dims && plan.distinct.is_some();
        let estimate = |ids: &Option<Ids>| Distincts::of(ids.as_ref(), plan);
        while let Some(last) = rows.last() {
            let (group, category) = (last.group, last.category);
            let mut category_count = 0;
            let mut category_ids: Option<Ids> = None;
            while let Some(last) = rows
                .last()
                .filter(|r| (r.group, r.category) == (group, category))
            {
                let range = last.range;
                let mut range_count = 0;
                let mut range_ids: Option<Ids> = None;
                while let Some(last) = rows.last().filter(|r| {
                    (r.group, r.category, r.range) == (group, category, range)
                }) {
                    // The rows of one (group, category, pair): cells that
                    // differ only in the category the log gave.
                    let pair = last.pair();
                    let mut count = 0;
                    let mut ids: Option<Ids> = None;
                    while let Some(r) = rows.pop_if(|r| {
                        (r.group, r.category, r.pair())
                            == (group, category, pair)
                    }) {
                        count += r.count;
                        add(&mut ids, r.ids);
                    }
                    let (code, subcode) = pair;
                    let annotation = if dims {
                        out.annotations
                            .entry(pair)
                            .or_insert_with(|| {
                                catalog.annotate(code, subcode).map(Arc::new)
                            })
                            .clone()
                    } else {
                        catalog.annotate(code, subcode).map(Arc::new)
                    };
                    if annotation.is_none() {
                        out.undocumented.push(Undocumented {
                            code,
                            subcode,
                            count,
                        });
                    }
                    if per_pair && category != Category::Success {
                        let calls =
                            ids.as_ref().map(|i| Cow::Borrowed(&i.calls));
                        let union = out.calls.entry((category, code, subcode));
                        add_calls(union.or_default(), calls);
                    }
                    out.by_code.push(CodeRow {
                        group,
                        category,
                        code,
                        subcode,
                        count,
                        ids: estimate(&ids),
                        annotation,
                    });
                    range_count += count;
                    add(&mut range_ids, ids);
                }
                out.by_range.push(RangeRow {
                    group,
                    category,
                    range: CODE_RANGES[usize::from(range)],
                    count: range_count,
                    ids: estimate(&range_ids),
                });
                category_count += range_count;
                add(&mut category_ids, range_ids);
                if rows.capacity() - rows.len() >= RELEASE_ROWS {
                    rows.shrink_to_fit();
                }
            }
            out.by_category.push(CategoryRow {
                group,
                category,
                count: category_count,
                ids: estimate(&category_ids),
            });
            add(&mut out.all, category_ids);
        }
        out
    }

    /// Both aggregates: `other`'s groups are not this one's.
    fn absorb(mut self, other: Part) -> Part {
        self.by_code.extend(other.by_code);
        self.by_range.extend(other.by_range);
        self.by_category.extend(other.by_category);
        add(&mut self.all, other.all);
        self.undocumented.extend(other.undocumented);
        self.annotations.extend(other.annotations);
        for (key, calls) in other.calls {
            let union = self.calls.entry(key).or_default();
            add_calls(union, calls.map(Cow::Owned));
        }
        self
    }
}

/// `rows` (sorted by [`CellRow::order`]) cut into about `n` parts of
/// whole groups.
fn split_at_groups<I>(
    mut rows: Vec<CellRow<I>>,
    n: usize,
) -> Vec<Vec<CellRow<I>>> {
    let size = rows.len().div_ceil(n).max(1);
    let mut parts = Vec::with_capacity(n);
    while rows.len() > size {
        let mut at = rows.len() - size;
        let group = rows[at].group;
        while at > 0 && rows[at - 1].group == group {
            at -= 1;
        }
        if at == 0 {
            break;
        }
        parts.push(rows.split_off(at));
    }
    parts.push(rows);
    parts
}

/// Add `ids` (if any) to the union `into`: taken when `into` has none
/// yet (most unions are of one row), else merged.
fn add<I: CellIds>(into: &mut Option<Ids>, ids: Option<I>) {
    if let Some(ids) = ids {
        match into {
            Some(a) => ids.merge_into(a),
            None => *into = Some(ids.into_ids()),
        }
    }
}

/// Add `calls` (if any) to the union `into` ([`add`] of one sketch).
fn add_calls(into: &mut Option<Distinct>, calls: Option<Cow<'_, Distinct>>) {
    if let Some(calls) = calls {
        match into {
            Some(a) => match calls {
                Cow::Owned(c) => a.merge_owned(c),
                Cow::Borrowed(c) => a.merge(c),
            },
            None => *into = Some(calls.into_owned()),
        }
    }
}

/// The ids of a tally cell as the report reads them: borrowed from a
/// tally that is kept, or taken from one given up.
pub(super) trait CellIds: Borrow<Ids> + Send {
    /// The ids, owned (taken, or copied).
    fn into_ids(self) -> Ids;
    /// Add them to the union `into` (taken ids merge either way round:
    /// [`Ids::merge_owned`]).
    fn merge_into(self, into: &mut Ids);
}

impl CellIds for Box<Ids> {
    fn into_ids(self) -> Ids {
        *self
    }
    fn merge_into(self, into: &mut Ids) {
        into.merge_owned(*self)
    }
}

impl CellIds for Ids {
    fn into_ids(self) -> Ids {
        self
    }
    fn merge_into(self, into: &mut Ids) {
        into.merge_owned(self)
    }
}

impl CellIds for &Ids {
    fn into_ids(self) -> Ids {
        self.clone()
    }
    fn merge_into(self, into: &mut Ids) {
        into.merge(self)
    }
}

/// Per group id of `tally`: its dimension values, with no records yet.
fn groups_of(tally: &Tally) -> Groups {
    let mut groups = Groups::with_capacity(tally.groups.len() + 1);
    for id in 0..=tally.groups.len() as u32 {
        groups.push(tally.groups.values(id), 0);
    }
    groups.shrink_to_fit();
    groups
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

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::record::Triple;
    use crate::tally::{Cell, Tally};
    use crate::Dim;

    /// `f` run on a pool of `threads` threads.
    fn on_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(f)
    }

    /// A tally of two groups, cells that merge (a log category and the
    /// catalog's), documented and undocumented pairs, and ids.
    fn tally(lg_k: u8) -> Tally {
        let mut t = Tally::default();
        let a = t.groups.id(&[Cow::Borrowed("a")]).unwrap();
        let b = t.groups.id(&[Cow::Borrowed("b")]).unwrap();
        let cells = [
            (a, 410, Some(3112), None, 3),
            (a, 410, Some(3112), Some(Category::ExpectedError), 2),
            (b, 410, Some(3112), None, 1),
            (a, 0, Some(0), Some(Category::Success), 5),
            (b, 499, None, None, 4),
            (b, 499, Some(1), Some(Category::Success), 4),
        ];
        for (i, (dims, code, subcode, category, count)) in
            cells.into_iter().enumerate()
        {
            let mut ids = Ids::new(lg_k);
            for c in 0..count {
                ids.insert(
                    Some(&format!("call-{}", (i as u64 + c) % 4)),
                    None,
                );
            }
            let key = GroupKey::new(dims, Triple { code, subcode, category });
            t.cells.insert(key, Cell { count, ids: Some(Box::new(ids)) });
            t.acc.counted += count;
        }
        t
    }

    /// A report of enough rows to be built on several threads (pairs
    /// shared out, range sums merged, estimates and sorts in parallel) is
    /// the report built on one, taken or read, with and without ids, and
    /// with groups past the bound built on one thread.
    #[test]
    fn built_on_threads_is_built_on_one() {
        let big = |lg_k: u8, groups: u32| {
            let mut t = Tally::default();
            let cats =
                [None, Some(Category::Success), Some(Category::ExpectedError)];
            for i in 0..(PARALLEL_ROWS as u32 + 500) {
                let g = i % groups;
                let name = format!("g{g}");
                let dims =
                    t.groups.id(&[Cow::Borrowed(name.as_str())]).unwrap();
                let code = 400 + i64::from(i % 97);
                let triple = Triple {
                    code,
                    subcode: Some(i64::from(i % 13)),
                    category: cats[(i % 3) as usize],
                };
                let mut ids = Ids::new(lg_k);
                for c in 0..(1 + i % 5) {
                    ids.insert(
                        Some(&format!("call-{}", (i + c) % 700)),
                        Some(&format!("p-{i}-{c}")),
                    );
                }
                let key = GroupKey::new(dims, triple);
                let cell = t.cells.entry(key).or_default();
                cell.count += 1;
                match &mut cell.ids {
                    Some(a) => a.merge(&ids),
                    None => cell.ids = Some(Box::new(ids)),
                }
                t.acc.counted += 1;
            }
            t
        };
        let on = |threads: usize, f: &(dyn Fn() -> Report + Sync)| {
            on_threads(threads, f)
        };
        for (distinct, groups) in [(Some(12), 300), (None, 300), (Some(8), 40)]
        {
            let plan =
                Plan { by: vec![Dim::Resource], distinct, ..Plan::default() };
            let t = big(distinct.unwrap_or(12), groups);
            let one =
                on(1, &|| Report::build_for(&t, Catalog::embedded(), &plan));
            assert!(one.by_code.len() > PARALLEL_ROWS / 2);
            for threads in [2, 3] {
                let read = on(threads, &|| {
                    Report::build_for(&t, Catalog::embedded(), &plan)
                });
                assert_eq!(read, one, "{threads} threads, {distinct:?}");
                let taken = on(threads, &|| {
                    Report::build_from(
                        &mut t.clone(),
                        Catalog::embedded(),
                        &plan,
                    )
                });
                assert_eq!(taken, one, "{threads} threads, taken");
            }
        }
    }

    /// Taking the cells out of a tally builds the same report as reading
    /// them, with and without ids.
    #[test]
    fn build_from_is_build_for() {
        for distinct in [None, Some(12)] {
            let plan =
                Plan { by: vec![Dim::Resource], distinct, ..Plan::default() };
            let mut t = tally(12);
            let want = Report::build_for(&t, Catalog::embedded(), &plan);
            let got = Report::build_from(&mut t, Catalog::embedded(), &plan);
            assert_eq!(got, want);
            assert!(t.cells.is_empty() && t.groups.is_empty());
            assert_eq!(got.by_code.len(), 5, "{:?}", got.by_code);
            assert_eq!(got.undocumented_pairs, 2);
            let counts: Vec<u64> =
                got.by_code.iter().map(|r| r.count).collect();
            assert_eq!(counts, [5, 5, 4, 4, 1]);
        }
    }
    /// Cells taken in loose, a key repeated (a fold of pieces:
    /// [`crate::tally::Cells::add_loose`]), build the report of the cells
    /// summed per key, on one thread and several.
    #[test]
    fn loose_cells_build_the_report_of_their_sums() {
        let cats =
            [None, Some(Category::Success), Some(Category::ExpectedError)];
        // Records counted into `whole`, and into one of three pieces.
        let mut whole = Tally::default();
        let mut pieces =
            [Tally::default(), Tally::default(), Tally::default()];
        for g in 0..40u32 {
            let name = format!("g{g}");
            for t in std::iter::once(&mut whole).chain(&mut pieces) {
                t.groups.id(&[Cow::Borrowed(name.as_str())]).unwrap();
            }
        }
        for i in 0..(PARALLEL_ROWS as u32 + 3000) {
            let key = GroupKey::new(
                1 + i % 40,
                Triple {
                    code: 400 + i64::from(i % 31),
                    subcode: Some(i64::from(i % 7)),
                    category: cats[(i % 3) as usize],
                },
            );
            let piece = (i.wrapping_mul(2_654_435_761) >> 30) as usize % 3;
            for t in [&mut whole, &mut pieces[piece]] {
                let cell = t.cells.entry(key).or_default();
                cell.count += 1;
                cell.ids
                    .get_or_insert_with(|| Box::new(Ids::new(12)))
                    .insert(Some(&format!("call-{}", i % 997)), None);
                t.acc.counted += 1;
            }
        }
        let plan = Plan {
            by: vec![Dim::Resource],
            distinct: Some(12),
            ..Plan::default()
        };
        let [mut loose, b, c] = pieces;
        for other in [b, c] {
            loose.cells.add_loose(other.cells.into_iter().collect());
            loose.acc.counted += other.acc.counted;
        }
        assert!(!loose.cells.is_settled());
        assert_eq!(loose.cells, whole.cells, "equal once settled");
        let want = Report::build_for(&whole, Catalog::embedded(), &plan);
        for threads in [1, 2] {
            let got = on_threads(threads, || {
                Report::build_from(
                    &mut loose.clone(),
                    Catalog::embedded(),
                    &plan,
                )
            });
            assert_eq!(got, want, "{threads} threads");
        }
    }

    /// An undocumented pair's records are summed over its categories and
    /// groups, with and without dimensions, on one thread and several.
    #[test]
    fn undocumented_pairs_sum_over_categories_and_groups() {
        let mut t = Tally::default();
        let a = t.groups.id(&[Cow::Borrowed("a")]).unwrap();
        let b = t.groups.id(&[Cow::Borrowed("b")]).unwrap();
        let cells = [
            (a, None, 3),
            (a, Some(Category::ExpectedError), 5),
            (b, Some(Category::UnexpectedServerError), 7),
            (b, None, 11),
        ];
        for (dims, category, count) in cells {
            let triple = Triple { code: 499, subcode: Some(77), category };
            t.cells.insert(
                GroupKey::new(dims, triple),
                Cell { count, ids: None },
            );
            t.acc.counted += count;
        }
        let one = Triple { code: 799, subcode: None, category: None };
        t.cells.insert(GroupKey::new(a, one), Cell { count: 2, ids: None });
        t.acc.counted += 2;
        for by in [vec![], vec![Dim::Resource]] {
            let plan = Plan { by, ..Plan::default() };
            for threads in [1, 2] {
                let r = on_threads(threads, || {
                    Report::build_for(&t, Catalog::embedded(), &plan)
                });
                let got: Vec<(i64, Option<i64>, u64)> = r
                    .undocumented
                    .iter()
                    .map(|u| (u.code, u.subcode, u.count))
                    .collect();
                assert_eq!(
                    got,
                    [(499, Some(77), 26), (799, None, 2)],
                    "{threads}"
                );
                assert_eq!(r.undocumented_pairs, 2);
            }
        }
    }

    /// Only the most frequent undocumented pairs are kept, all counted.
    #[test]
    fn undocumented_pairs_keep_the_first() {
        let mut top = TopUndocumented::default();
        let n = 2 * MAX_UNDOCUMENTED + 10;
        for i in 0..n as i64 {
            top.push(Undocumented {
                code: 900_000 + i,
                subcode: None,
                count: (i % 7) as u64,
            });
        }
        let (kept, seen) = top.finish();
        assert_eq!((kept.len(), seen), (MAX_UNDOCUMENTED, n));
        assert!(kept
            .windows(2)
            .all(|w| { (w[1].count, w[0].code) < (w[0].count, w[1].code) }));
        assert_eq!(kept[0].count, 6);
    }
}
