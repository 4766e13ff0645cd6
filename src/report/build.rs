//! Building a [`Report`] from a tally: each cell's category resolved
//! through the catalog, the tables aggregated and sorted, in memory that
//! grows with distinct keys only.

use rustc_hash::FxHashMap;

use std::sync::Arc;

use super::part::{
    split_at_groups, unions_calls, CellIds, CellRow, PairTotal, Part,
    PARALLEL_ROWS,
};
use super::{
    code_order, resolve_category, CategoryFrom, CategoryRow, CategorySources,
    CodeRow, Distincts, Groups, RangeRow, Report, Undocumented,
    MAX_UNDOCUMENTED,
};
use crate::catalog::{Annotation, Catalog};
use crate::record::Category;
use crate::tally::distinct::Distinct;
use crate::tally::{Cell, GroupKey, Plan, Tally};

impl Report {
    /// Resolve categories through the catalog and aggregate, for a run
    /// without dimensions.
    pub fn build(tally: &Tally, catalog: &Catalog) -> Report {
        Report::build_for(tally, catalog, &Plan::default())
    }

    /// Resolve categories through the catalog and aggregate, with the
    /// dimension columns of `plan`. Rows are sorted by their group's
    /// values (time buckets sort chronologically as text), then count
    /// (most first), then their keys. The cells are borrowed, loose or
    /// settled (loose cells repeat keys: the aggregation adds them up).
    pub fn build_for(tally: &Tally, catalog: &Catalog, plan: &Plan) -> Report {
        let cells = tally
            .cells
            .items_iter()
            .map(|(k, c)| (*k, c.count, c.ids.as_deref()));
        let groups = groups_of(tally);
        let n = tally.cells.items();
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
            let (category, from) = if triple.category.is_some() {
                resolve_category(&triple, catalog)
            } else if let Some(&known) = from_catalog.get(&pair) {
                known
            } else {
                let known = resolve_category(&triple, catalog);
                if from_catalog.len() < KEPT_PAIRS {
                    from_catalog.insert(pair, known);
                }
                known
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
            annotations,
            pairs,
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
        let code_totals = code_totals(pairs, &annotations, plan, pooled);
        drop(annotations);
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
            code_totals,
        }
    }
}

/// The `by_code` rows of a report with dimensions summed over its groups
/// (group 0; [`Report::code_totals`]), in the order of [`code_order`]:
/// each pair's records, what the catalog says of it, and for a failing
/// pair counted with ids, the estimate of the union of its calls (on the
/// pool's threads when `pooled`: a few thousand pairs' unions of calls in
/// HLL mode took milliseconds on one).
fn code_totals(
    pairs: FxHashMap<(Category, i64, Option<i64>), PairTotal>,
    annotations: &FxHashMap<(i64, Option<i64>), Option<Arc<Annotation>>>,
    plan: &Plan,
    pooled: bool,
) -> Vec<CodeRow> {
    use rayon::prelude::*;
    let row = |((category, code, subcode), total): &(_, PairTotal)| {
        let (category, code, subcode) = (*category, *code, *subcode);
        let ids = if unions_calls(plan, category) {
            let n = total.calls.as_ref().map_or(0, |c| c.estimate());
            Distincts::new(Some(n), None)
        } else {
            Distincts::default()
        };
        CodeRow {
            group: 0,
            category,
            code,
            subcode,
            count: total.count,
            ids,
            annotation: annotations.get(&(code, subcode)).cloned().flatten(),
        }
    };
    // (The unions are read where they are and freed here, on one thread:
    // freeing a sketch another thread allocated waits on that thread's
    // allocator lock.)
    let pairs: Vec<_> = pairs.into_iter().collect();
    let mut rows: Vec<CodeRow> = if pooled {
        pairs.par_iter().map(row).collect()
    } else {
        pairs.iter().map(row).collect()
    };
    drop(pairs);
    // (Unstable: no two rows share a key.)
    rows.sort_unstable_by(code_order);
    rows
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

/// At most this many cells (a loose key counted each time it was taken
/// in) for a report to borrow them: see [`borrows_cells`].
const BORROWED_CELLS: usize = 1 << 18;

/// At most this many bytes of sketches on the heap, as
/// [`sketch_bytes_at_most`] bounds them, for a report to borrow its
/// cells.
const BORROWED_SKETCH_BYTES: usize = 128 << 20;

/// Whether a report of `tally`, built on a pool of `threads`, should
/// borrow its cells ([`Report::build_for`]) rather than take them
/// ([`Report::build_from`]): one that counts ids and is built on several
/// threads ([`builds_in_parallel`], enough rows to share out), of at most
/// [`BORROWED_CELLS`] cells whose sketches hold at most
/// [`BORROWED_SKETCH_BYTES`] on the heap.
///
/// Taken sketches are freed as they merge, on whichever thread merges
/// them, and a thread freeing memory the other counting thread allocated
/// waits on that thread's allocator lock (glibc's arena): the two threads
/// fell into step, and the parallel part of a 150,000-row `--by` build
/// took 0.15-0.16 s in most runs instead of 0.06 s. Borrowed, the
/// sketches are only read (each union starts as a copy of its first), at
/// the cost of holding the cells, and copies of some sketches, to the end
/// of the build (2 MB more for that report; the bounds keep it small).
pub(crate) fn borrows_cells(
    tally: &Tally,
    plan: &Plan,
    threads: usize,
) -> bool {
    threads > 1
        && builds_in_parallel(tally)
        && (PARALLEL_ROWS..=BORROWED_CELLS).contains(&tally.cells.items())
        && plan.distinct.is_some_and(|lg_k| {
            sketch_bytes_at_most(tally, lg_k, BORROWED_SKETCH_BYTES)
        })
}

/// Whether the sketches of `tally`'s cells hold at most `max` bytes on
/// the heap, by a bound read from the cells' counts (the sketches
/// themselves are not read: following each cell's pointer took 12 ms of
/// a 0.5 s run): a sketch of precision `lg_k` holds at most as many ids
/// as its cell has records, in at most 16 bytes each (one id is held in
/// the struct; a list or a table has fewer than 8/3 slots of 4 bytes per
/// id), and never more than a table at the coupon limit or its
/// registers. (The bound is loose: 38 MB for a 1 GiB `--by` report.)
fn sketch_bytes_at_most(tally: &Tally, lg_k: u8, max: usize) -> bool {
    let most = (1usize << lg_k).max(16 * Distinct::coupon_limit(lg_k));
    let cell = |c: &Cell| match c.ids {
        // (Two sketches: the calls' and the participants'.)
        Some(_) => 2 * most.min(16 * c.count as usize),
        None => 0,
    };
    tally
        .cells
        .items_iter()
        .map(|(_, c)| cell(c))
        .try_fold(0usize, |sum, n| Some(sum + n).filter(|&s| s <= max))
        .is_some()
}

/// Whether the caller runs in a rayon pool (one it chose, of the run's
/// `-j` threads): the report's steps run in parallel only there, never on
/// the global pool.
pub(super) fn in_pool() -> bool {
    rayon::current_thread_index().is_some()
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
    use crate::record::{Category, Triple};
    use crate::tally::{Cell, Ids, Tally};
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
    /// summed per key, taken or borrowed, on one thread and several.
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
            let borrowed = on_threads(threads, || {
                Report::build_for(&loose, Catalog::embedded(), &plan)
            });
            assert_eq!(borrowed, want, "{threads} threads, borrowed");
        }
        // Such a report borrows its cells on several threads only.
        assert!(borrows_cells(&loose, &plan, 2));
        assert!(!borrows_cells(&loose, &plan, 1));
        let no_ids = Plan { distinct: None, ..plan.clone() };
        assert!(!borrows_cells(&loose, &no_ids, 2));
    }

    /// A report borrows the cells of a tally only within its bounds: enough
    /// cells to share out, not too many, and sketches of bounded size.
    #[test]
    fn borrowing_is_bounded() {
        let plan = Plan { distinct: Some(12), ..Plan::default() };
        let tally_of = |cells: usize, records: u64| {
            let mut t = Tally::default();
            for i in 0..cells {
                let key = GroupKey::new(
                    0,
                    Triple { code: i as i64, subcode: None, category: None },
                );
                let ids = Some(Box::new(Ids::new(12)));
                t.cells.insert(key, Cell { count: records, ids });
            }
            t
        };
        assert!(!borrows_cells(&tally_of(PARALLEL_ROWS - 1, 1), &plan, 2));
        assert!(borrows_cells(&tally_of(PARALLEL_ROWS, 1), &plan, 2));
        assert!(!borrows_cells(&tally_of(BORROWED_CELLS + 1, 1), &plan, 2));
        // Two sketches of at most 6,144 bytes: 20,000 cells of 400 records
        // bound their sketches at 246 MB; of 100 records (16 bytes an id),
        // at 64 MB.
        assert!(!borrows_cells(&tally_of(20_000, 400), &plan, 2));
        assert!(borrows_cells(&tally_of(20_000, 100), &plan, 2));
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
