//! Building a [`Report`] from a tally: each cell's category resolved
//! through the catalog, the tables aggregated and sorted, in memory that
//! grows with distinct keys only.

use std::borrow::Borrow;
use std::sync::Arc;

use rayon::slice::ParallelSliceMut;
use rustc_hash::FxHashMap;

use super::sums::GroupSums;
use super::{
    code_order, resolve_category, CategoryFrom, CategoryRow, CategorySources,
    CodeRow, Distincts, Groups, RangeRow, Report, Undocumented,
    MAX_UNDOCUMENTED,
};
use crate::catalog::Catalog;
use crate::record::{code_range, Category};
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
        let cells = std::mem::take(&mut tally.cells);
        let n = cells.len();
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
        for (key, count, ids) in cells {
            groups.add_counted(key.dims(), count);
            let (category, from) = resolve_category(&key.triple(), catalog);
            sources.add(from, count);
            rows.push(CellRow::new(&key, count, ids, category));
        }
        Report::of_rows(rows, groups, sources, counted, catalog, plan)
    }

    /// Aggregate the rows of the tally cells. Memory grows with distinct
    /// keys only: the rows are sorted in place, merged into `by_code`
    /// rows from the end, and released as they go (no maps per key);
    /// each pair is annotated once. With a few groups, the pairs are
    /// shared out among the current rayon pool's threads (see
    /// [`Pairs`]).
    fn of_rows<I: CellIds>(
        mut rows: Vec<CellRow<I>>,
        groups: Groups,
        sources: CategorySources,
        counted: u64,
        catalog: &Catalog,
        plan: &Plan,
    ) -> Report {
        // One row per (group, pair, category): cells that differ only in
        // the category the log gave merge here.
        let pooled = in_pool();
        if pooled {
            rows.par_sort_unstable_by_key(CellRow::order);
        } else {
            rows.sort_unstable_by_key(CellRow::order);
        }
        let empty = Distincts::of(None, plan);
        let ngroups = groups.len();
        let threads = rayon::current_num_threads();
        let parts = if pooled
            && threads > 1
            && ngroups <= PARALLEL_GROUPS
            && rows.len() >= PARALLEL_ROWS
        {
            split_at_pairs(rows, threads)
        } else {
            vec![rows]
        };
        let of = |rows| Pairs::of(rows, ngroups, catalog, plan);
        let pairs = if parts.len() > 1 {
            use rayon::prelude::*;
            parts
                .into_par_iter()
                .map(of)
                .reduce_with(Pairs::absorb)
                .unwrap_or_else(|| Pairs::new(0, empty))
        } else {
            // On this thread (never the global pool's).
            parts
                .into_iter()
                .map(of)
                .next()
                .unwrap_or_else(|| Pairs::new(0, empty))
        };
        let Pairs { mut by_code, by_range, pair_ids, undocumented } = pairs;
        by_code.shrink_to_fit();
        let mut all_ids: Option<Ids> = None;
        // A category's rows are those of its code ranges, and all rows
        // those of all ranges: their counts and unions are taken from the
        // range sums (a union is a function of the set of ids, whatever
        // the order or grouping), a few merges a group instead of one a
        // `by_code` row.
        let mut by_category_sums: GroupSums<CategoryRow> =
            GroupSums::new(groups.len(), empty);
        by_range.each(|r, ids| {
            by_category_sums.add(r.group, r.category, r.count, ids);
            union(&mut all_ids, ids);
        });
        // Groups in the order of their values.
        let mut order: Vec<u32> = (0..ngroups as u32).collect();
        order.sort_by(|&a, &b| groups.values(a).cmp(groups.values(b)));
        let mut rank = vec![0u32; ngroups];
        for (i, &g) in order.iter().enumerate() {
            rank[g as usize] = i as u32;
        }
        drop(order);
        // (Unstable: no two rows share a key, and a stable sort would
        // allocate half the rows again.)
        let order = |a: &CodeRow, b: &CodeRow| {
            rank[a.group as usize]
                .cmp(&rank[b.group as usize])
                .then_with(|| code_order(a, b))
        };
        if pooled {
            by_code.par_sort_unstable_by(order);
        } else {
            by_code.sort_unstable_by(order);
        }
        let of = |ids: &Ids| Distincts::of(Some(ids), plan);
        let mut by_category = by_category_sums.into_rows(of);
        by_category.sort_unstable_by(|a, b| {
            rank[a.group as usize]
                .cmp(&rank[b.group as usize])
                .then(b.count.cmp(&a.count))
                .then_with(|| a.category.as_str().cmp(b.category.as_str()))
        });
        let mut by_code_range = by_range.into_rows(of);
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

/// At most this many groups for the pairs to be shared out among
/// threads: each thread sums the code ranges of the groups it meets, so
/// with many groups (a million `--by resource` groups) the sums could be
/// held twice; those runs build on one thread.
const PARALLEL_GROUPS: usize = 1 << 16;

/// Whether a report of `tally` is worth building on a pool of threads
/// (see [`in_pool`]): few enough groups that its steps run in parallel.
/// (A report of more is built on the calling thread, which frees the
/// tally's memory where the report takes it: on a pool thread, a million
/// `--by` groups peaked up to 50 MB higher with `--no-distinct`.)
pub(crate) fn builds_in_parallel(tally: &Tally) -> bool {
    tally.groups.len() <= PARALLEL_GROUPS
}

/// Whether the caller runs in a rayon pool (one it chose, of the run's
/// `-j` threads): the report's steps run in parallel only there, never on
/// the global pool.
pub(super) fn in_pool() -> bool {
    rayon::current_thread_index().is_some()
}

/// At least this many rows for the pairs to be shared out among threads.
const PARALLEL_ROWS: usize = 1 << 14;

/// What the rows of some (code, subcode) pairs aggregate to: their
/// `by_code` rows, their code-range sums per group, the union of each
/// pair's ids over the groups, and their undocumented pairs.
struct Pairs {
    by_code: Vec<CodeRow>,
    by_range: GroupSums<RangeRow>,
    pair_ids: FxHashMap<(Category, i64, Option<i64>), Distincts>,
    undocumented: TopUndocumented,
}

impl Pairs {
    fn new(groups: usize, empty: Distincts) -> Pairs {
        Pairs {
            by_code: Vec::new(),
            by_range: GroupSums::new(groups, empty),
            pair_ids: FxHashMap::default(),
            undocumented: TopUndocumented::default(),
        }
    }

    /// Aggregate `rows` (sorted by [`CellRow::order`]), from the end,
    /// handing their memory back as they go.
    fn of<I: CellIds>(
        mut rows: Vec<CellRow<I>>,
        groups: usize,
        catalog: &Catalog,
        plan: &Plan,
    ) -> Pairs {
        /// Rows taken before their memory is handed back (2.5 MB).
        const RELEASE_ROWS: usize = 1 << 16;
        let mut out = Pairs::new(groups, Distincts::of(None, plan));
        // (Reserved once: the pages of a large allocation are only taken
        // as rows are written into it, while `rows` hands its back.)
        out.by_code.reserve_exact(rows.len());
        // (A row's own ids are taken, not copied, where the report owns
        // them: most unions are of one row.)
        let take = |into: &mut Option<Ids>, ids: Option<I>| {
            if let Some(ids) = ids {
                match into {
                    Some(a) => a.merge(ids.borrow()),
                    None => *into = Some(ids.into_ids()),
                }
            }
        };
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
                    take(&mut ids, r.ids);
                }
                pair_count += count;
                let range = code_range(code);
                let key = (category, range);
                out.by_range.add(group, key, count, ids.as_ref());
                out.by_code.push(CodeRow {
                    group,
                    category,
                    code,
                    subcode,
                    count,
                    ids: Distincts::of(ids.as_ref(), plan),
                    annotation: annotation.clone(),
                });
                if per_pair {
                    match pair_union.iter_mut().find(|(c, _)| *c == category) {
                        Some((_, u)) => union(u, ids.as_ref()),
                        None => pair_union.push((category, ids)),
                    }
                }
            }
            for (category, u) in pair_union {
                out.pair_ids.insert(
                    (category, code, subcode),
                    Distincts::of(u.as_ref(), plan),
                );
            }
            if annotation.is_none() {
                out.undocumented.push(Undocumented {
                    code,
                    subcode,
                    count: pair_count,
                });
            }
            if rows.capacity() - rows.len() >= RELEASE_ROWS {
                rows.shrink_to_fit();
            }
        }
        out
    }

    /// Both aggregates: `other`'s pairs are not this one's.
    fn absorb(mut self, other: Pairs) -> Pairs {
        self.by_code.extend(other.by_code);
        self.by_range.absorb(other.by_range);
        self.pair_ids.extend(other.pair_ids);
        self.undocumented.absorb(other.undocumented);
        self
    }
}

/// `rows` (sorted by [`CellRow::order`]) cut into about `n` parts of
/// whole pairs.
fn split_at_pairs<I>(
    mut rows: Vec<CellRow<I>>,
    n: usize,
) -> Vec<Vec<CellRow<I>>> {
    let size = rows.len().div_ceil(n).max(1);
    let mut parts = Vec::with_capacity(n);
    while rows.len() > size {
        let mut at = rows.len() - size;
        let pair = rows[at].pair();
        while at > 0 && rows[at - 1].pair() == pair {
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

/// Add `ids` (if any) to the union `into`.
fn union(into: &mut Option<Ids>, ids: Option<&Ids>) {
    if let Some(ids) = ids {
        match into {
            Some(a) => a.merge(ids),
            None => *into = Some(ids.clone()),
        }
    }
}

/// The ids of a tally cell as the report reads them: borrowed from a
/// tally that is kept, or taken from one given up.
pub(super) trait CellIds: Borrow<Ids> + Send {
    /// The ids, owned (taken, or copied).
    fn into_ids(self) -> Ids;
}

impl CellIds for Box<Ids> {
    fn into_ids(self) -> Ids {
        *self
    }
}

impl CellIds for &Ids {
    fn into_ids(self) -> Ids {
        self.clone()
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

    /// Both sets of pairs (the first of the union are among the first of
    /// each).
    fn absorb(&mut self, other: TopUndocumented) {
        self.seen += other.seen;
        self.rows.extend(other.rows);
        if self.rows.len() >= 2 * MAX_UNDOCUMENTED {
            self.trim();
        }
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
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(f)
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
