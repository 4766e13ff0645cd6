//! The rows of a report's cells aggregated a few whole groups at a time
//! ([`Part`]): each `by_code`, `by_code_range` and `by_category` row
//! with its union of ids and its estimates, for [`super::build`] to
//! share out among the run's threads and join.

use std::borrow::{Borrow, Cow};
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::{CategoryRow, CodeRow, Distincts, RangeRow, Undocumented};
use crate::catalog::{Annotation, Catalog};
use crate::record::{code_range_index, Category, CODE_RANGES};
use crate::tally::distinct::Distinct;
use crate::tally::{GroupKey, Ids, Plan};

/// A tally cell on its way to a [`CodeRow`]: its key with the category
/// resolved, its count and its ids (borrowed from a tally, or taken from
/// it). 40 bytes: a million of them are held while the rows are built.
pub(super) struct CellRow<I> {
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
    pub(super) fn new(
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
    pub(super) fn order(&self) -> (u64, i64, bool, i64) {
        // (The first three in one integer: most comparisons end there.)
        let head = u64::from(self.group) << 16
            | u64::from(self.category as u8) << 8
            | u64::from(self.range);
        (head, self.code, self.has_subcode, self.subcode)
    }
}

/// At least this many rows for the groups to be shared out among threads.
pub(super) const PARALLEL_ROWS: usize = 1 << 14;

/// What the rows of some whole groups aggregate to: their `by_code`,
/// `by_code_range` and `by_category` rows (estimates made), the union of
/// their ids, and what is summed per pair over the groups.
#[derive(Default)]
pub(super) struct Part {
    pub(super) by_code: Vec<CodeRow>,
    pub(super) by_range: Vec<RangeRow>,
    pub(super) by_category: Vec<CategoryRow>,
    pub(super) all: Option<Ids>,
    /// The records of each row of an undocumented pair (summed per pair
    /// at the end: a pair has a row per category and group).
    pub(super) undocumented: Vec<Undocumented>,
    /// With `--by`, what the catalog says of each pair, shared by its rows
    /// (without, a pair has a row per category at most, and a map of a
    /// million pairs cost more than annotating each row).
    pub(super) annotations:
        FxHashMap<(i64, Option<i64>), Option<Arc<Annotation>>>,
    /// With `--by`, each (category, pair)'s records over its groups and,
    /// with distinct counting and a failing category, the union of its
    /// calls ([`Report::code_totals`](super::Report::code_totals)).
    pub(super) pairs: FxHashMap<(Category, i64, Option<i64>), PairTotal>,
}

/// Whether a (category, pair) of a report under `plan` has the union of
/// its calls over the groups made ([`PairTotal::calls`]): with `--by` and
/// distinct counting, for a failing category.
pub(super) fn unions_calls(plan: &Plan, category: Category) -> bool {
    !plan.by.is_empty()
        && plan.distinct.is_some()
        && category != Category::Success
}

/// A (category, pair) over the groups of a [`Part`]: its records, and the
/// union of its calls (where [`unions_calls`]).
#[derive(Default)]
pub(super) struct PairTotal {
    pub(super) count: u64,
    /// `None` where the union is not made, or no row of the pair had ids.
    pub(super) calls: Option<Distinct>,
}

impl Part {
    /// Aggregate `rows` (sorted by [`CellRow::order`]), from the end,
    /// handing their memory back as they go.
    pub(super) fn of<I: CellIds>(
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
        // Totals over the groups only matter with groups; the unions of
        // calls are only read for failing pairs ([`Report::code_totals`]).
        let dims = !plan.by.is_empty();
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
                    if dims {
                        let total = out
                            .pairs
                            .entry((category, code, subcode))
                            .or_default();
                        total.count += count;
                        if unions_calls(plan, category) {
                            let calls =
                                ids.as_ref().map(|i| Cow::Borrowed(&i.calls));
                            add_calls(&mut total.calls, calls);
                        }
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
    pub(super) fn absorb(mut self, other: Part) -> Part {
        self.by_code.extend(other.by_code);
        self.by_range.extend(other.by_range);
        self.by_category.extend(other.by_category);
        add(&mut self.all, other.all);
        self.undocumented.extend(other.undocumented);
        self.annotations.extend(other.annotations);
        for (key, total) in other.pairs {
            let into = self.pairs.entry(key).or_default();
            into.count += total.count;
            add_calls(&mut into.calls, total.calls.map(Cow::Owned));
        }
        self
    }
}

/// `rows` (sorted by [`CellRow::order`]) cut into about `n` parts of
/// whole groups.
pub(super) fn split_at_groups<I>(
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
