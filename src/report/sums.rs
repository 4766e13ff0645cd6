//! The rows of `by_category` and `by_code_range`, summed per group and key
//! as the `by_code` rows are built: the rows themselves are the sums (no
//! second copy is made at the end), found through a short list per group
//! (a group has a few keys), not a map of (group, key).

use std::borrow::Cow;

use super::{CategoryRow, Distincts, RangeRow};
use crate::record::Category;
use crate::tally::Ids;

/// A row summed per (group, key).
pub(super) trait SumRow {
    /// What the rows of one group differ by.
    type Key: Copy + Eq;

    /// A row of `group` and `key`, no records yet, and `ids`.
    fn new(group: u32, key: Self::Key, ids: Distincts) -> Self;

    /// The row's group.
    fn group(&self) -> u32;

    /// The row's key.
    fn key(&self) -> Self::Key;

    /// The row's records.
    fn count_mut(&mut self) -> &mut u64;

    /// The row's distinct calls and participants.
    fn ids_mut(&mut self) -> &mut Distincts;
}

impl SumRow for CategoryRow {
    type Key = Category;

    fn new(group: u32, category: Category, ids: Distincts) -> Self {
        CategoryRow { group, category, count: 0, ids }
    }

    fn group(&self) -> u32 {
        self.group
    }

    fn key(&self) -> Category {
        self.category
    }

    fn count_mut(&mut self) -> &mut u64 {
        &mut self.count
    }

    fn ids_mut(&mut self) -> &mut Distincts {
        &mut self.ids
    }
}

impl SumRow for RangeRow {
    type Key = (Category, &'static str);

    fn new(group: u32, (category, range): Self::Key, ids: Distincts) -> Self {
        RangeRow { group, category, range, count: 0, ids }
    }

    fn group(&self) -> u32 {
        self.group
    }

    fn key(&self) -> Self::Key {
        (self.category, self.range)
    }

    fn count_mut(&mut self) -> &mut u64 {
        &mut self.count
    }

    fn ids_mut(&mut self) -> &mut Distincts {
        &mut self.ids
    }
}

/// Rows summed per group and key, with the union of their ids apart (a
/// run that does not count ids holds the rows and 4 bytes a row, and 4 a
/// group).
pub(super) struct GroupSums<R> {
    /// Per group, its last row, plus one (0: none yet).
    heads: Vec<u32>,
    rows: Vec<R>,
    /// Per row, the row of its group before it, plus one (0: none).
    next: Vec<u32>,
    /// Per row, its ids in `ids`, plus one (0: none); empty until a row
    /// has ids.
    ids_at: Vec<u32>,
    ids: Vec<Option<Ids>>,
    /// The ids of a row that has none (zeros, or none counted).
    empty: Distincts,
}

impl<R: SumRow> GroupSums<R> {
    /// Sums for `groups` groups; `empty` is the ids of a row without any.
    pub(super) fn new(groups: usize, empty: Distincts) -> Self {
        GroupSums {
            heads: vec![0; groups],
            rows: Vec::new(),
            next: Vec::new(),
            ids_at: Vec::new(),
            ids: Vec::new(),
            empty,
        }
    }

    /// Add `n` records and their ids under `key` in `group`.
    pub(super) fn add(
        &mut self,
        group: u32,
        key: R::Key,
        n: u64,
        ids: Option<&Ids>,
    ) {
        let i = self.row(group, key);
        *self.rows[i].count_mut() += n;
        if let Some(ids) = ids {
            self.union(i, Cow::Borrowed(ids));
        }
    }

    /// Add `other`'s rows (taking their ids).
    pub(super) fn absorb(&mut self, other: GroupSums<R>) {
        let GroupSums { mut rows, ids_at, mut ids, .. } = other;
        for (i, row) in rows.iter_mut().enumerate() {
            let at = self.row(row.group(), row.key());
            *self.rows[at].count_mut() += *row.count_mut();
            let j = ids_at.get(i).copied().unwrap_or(0) as usize;
            if let Some(u) = j.checked_sub(1).and_then(|j| ids[j].take()) {
                self.union(at, Cow::Owned(u));
            }
        }
    }

    /// The index of the row of `group` and `key` (made if new).
    fn row(&mut self, group: u32, key: R::Key) -> usize {
        let g = group as usize;
        if g >= self.heads.len() {
            self.heads.resize(g + 1, 0);
        }
        let mut at = self.heads[g];
        while at != 0 && self.rows[at as usize - 1].key() != key {
            at = self.next[at as usize - 1];
        }
        if at == 0 {
            self.rows.push(R::new(group, key, self.empty));
            self.next.push(self.heads[g]);
            at = self.rows.len() as u32;
            self.heads[g] = at;
        }
        at as usize - 1
    }

    /// Add `ids` to the union of row `i`.
    fn union(&mut self, i: usize, ids: Cow<'_, Ids>) {
        if self.ids_at.len() < self.rows.len() {
            self.ids_at.resize(self.rows.len(), 0);
        }
        match self.ids_at[i] {
            0 => {
                self.ids.push(Some(ids.into_owned()));
                self.ids_at[i] = self.ids.len() as u32;
            }
            j => {
                if let Some(a) = &mut self.ids[j as usize - 1] {
                    a.merge(&ids);
                }
            }
        }
    }

    /// Each row, in no particular order, with the union of its ids (if
    /// any row added to it had ids).
    pub(super) fn each(&self, mut f: impl FnMut(&R, Option<&Ids>)) {
        for (i, row) in self.rows.iter().enumerate() {
            let ids = match self.ids_at.get(i) {
                Some(&j) if j > 0 => self.ids[j as usize - 1].as_ref(),
                _ => None,
            };
            f(row, ids);
        }
    }

    /// The rows, in no particular order, each with the estimates of its
    /// ids (`of` turns a union into estimates).
    /// The estimates are made on the threads of the rayon pool the caller
    /// runs in, if any.
    pub(super) fn into_rows(
        self,
        of: impl Fn(&Ids) -> Distincts + Sync,
    ) -> Vec<R>
    where
        R: Send,
    {
        use rayon::prelude::*;
        let GroupSums { heads, mut rows, next, ids_at, ids, .. } = self;
        drop((heads, next));
        let estimate = |(row, &j): (&mut R, &u32)| {
            let u = (j as usize).checked_sub(1).and_then(|j| ids[j].as_ref());
            if let Some(u) = u {
                *row.ids_mut() = of(u);
            }
        };
        if super::build::in_pool() {
            rows.par_iter_mut().zip(&ids_at).for_each(estimate);
        } else {
            rows.iter_mut().zip(&ids_at).for_each(estimate);
        }
        drop((ids_at, ids));
        rows.shrink_to_fit();
        rows
    }
}
