//! The tally's cells: counted records by [`GroupKey`], in [`SHARDS`] hash
//! maps picked by bits of the key's code and subcode.
//!
//! One map of a million keys doubles from 2^20 to 2^21 buckets at once
//! (43 MB and 86 MB of 40-byte entries alive together while it rehashes):
//! that transient was the peak of a run's memory (issue 12). Sixteen maps
//! grow one sixteenth at a time, and a consuming iteration frees each map
//! as soon as it has been read, so the report's rows can take the place of
//! the cells. Picking a shard costs a shift and a mask of words the key
//! holds anyway; the map's own hash is unchanged.

use std::collections::hash_map::Entry;

use rustc_hash::FxHashMap;

use super::{Cell, GroupKey};

/// How many maps the cells are spread over.
pub const SHARDS: usize = 16;

/// Counted records by group key (see the module documentation).
#[derive(Clone, Default)]
pub struct Cells {
    /// Empty until the first insert, so that an empty tally (one per
    /// piece of input) allocates nothing.
    shards: Vec<FxHashMap<GroupKey, Cell>>,
    /// Cells taken in by [`Cells::add_loose`], not yet looked up: a key
    /// may repeat here and in `shards`. Folding the pieces of a `--by`
    /// run this way saves a lookup per cell in a map of all the run's
    /// cells (out of the cache: about a twentieth of a 150,000-cell
    /// run's CPU time, and 9% of its wall time, went to the folds); the
    /// report adds up repeated keys as it aggregates, and
    /// [`Cells::settle`] does for every other reader. One vector per
    /// fold, so that no large vector is copied as it grows.
    loose: Vec<Vec<(GroupKey, Cell)>>,
}

impl Cells {
    /// The shard of `key`: the top bits of a multiplicative mix of its
    /// words (codes, subcodes and groups each spread the keys alone).
    #[inline]
    fn shard(key: &GroupKey) -> usize {
        (key.mix().wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 60) as usize % SHARDS
    }

    /// The maps, made on first use.
    #[inline]
    fn shards_mut(&mut self) -> &mut [FxHashMap<GroupKey, Cell>] {
        if self.shards.is_empty() {
            self.shards = (0..SHARDS).map(|_| FxHashMap::default()).collect();
        }
        &mut self.shards
    }

    /// Take in `cells` without looking their keys up (see `loose`):
    /// until [`Cells::settle`], only the consuming iteration reads them.
    pub fn add_loose(&mut self, cells: Vec<(GroupKey, Cell)>) {
        if !cells.is_empty() {
            self.loose.push(cells);
        }
    }

    /// Add the loose cells into the maps: each key once again.
    pub fn settle(&mut self) {
        for (key, cell) in
            std::mem::take(&mut self.loose).into_iter().flatten()
        {
            *self.entry(key).or_default() += cell;
        }
    }

    /// These cells, settled (a copy, unless they are).
    fn settled(&self) -> std::borrow::Cow<'_, Cells> {
        if self.is_settled() {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut all = self.clone();
        all.settle();
        std::borrow::Cow::Owned(all)
    }

    /// Whether no cells are loose: the keyed reads, the iteration by
    /// reference and the count of keys need it (checked in debug builds).
    pub fn is_settled(&self) -> bool {
        self.loose.is_empty()
    }

    /// The number of cells, counting a loose key once per time it was
    /// taken in: room for the consuming iteration's items.
    pub fn items(&self) -> usize {
        self.shards.iter().map(|s| s.len()).sum::<usize>()
            + self.loose.iter().map(Vec::len).sum::<usize>()
    }

    /// The entry of `key`.
    #[inline]
    pub fn entry(&mut self, key: GroupKey) -> Entry<'_, GroupKey, Cell> {
        self.shards_mut()[Cells::shard(&key)].entry(key)
    }

    /// Set the cell of `key`, returning the one it replaces.
    pub fn insert(&mut self, key: GroupKey, cell: Cell) -> Option<Cell> {
        self.shards_mut()[Cells::shard(&key)].insert(key, cell)
    }

    /// The cell of `key`.
    pub fn get(&self, key: &GroupKey) -> Option<&Cell> {
        debug_assert!(self.is_settled());
        self.shards.get(Cells::shard(key))?.get(key)
    }

    /// Whether `key` has a cell.
    pub fn contains_key(&self, key: &GroupKey) -> bool {
        self.get(key).is_some()
    }

    /// The number of cells.
    pub fn len(&self) -> usize {
        debug_assert!(self.is_settled());
        self.shards.iter().map(|s| s.len()).sum()
    }

    /// Whether there are no cells.
    pub fn is_empty(&self) -> bool {
        self.shards.iter().all(|s| s.is_empty()) && self.loose.is_empty()
    }

    /// Make room for about `n` more cells (spread evenly).
    pub fn reserve(&mut self, n: usize) {
        let each = n.div_ceil(SHARDS);
        for s in self.shards_mut() {
            s.reserve(each);
        }
    }

    /// The cells, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&GroupKey, &Cell)> {
        debug_assert!(self.is_settled());
        self.shards.iter().flat_map(|s| s.iter())
    }

    /// Every cell, a loose key once per time it was taken in (as
    /// [`Cells::items`] counts them), in no particular order: what the
    /// consuming iteration yields, borrowed.
    pub fn items_iter(&self) -> impl Iterator<Item = (&GroupKey, &Cell)> {
        let loose = self.loose.iter().flatten().map(|(k, c)| (k, c));
        self.shards.iter().flat_map(|s| s.iter()).chain(loose)
    }

    /// The cells' values, in no particular order.
    pub fn values(&self) -> impl Iterator<Item = &Cell> {
        debug_assert!(self.is_settled());
        self.shards.iter().flat_map(|s| s.values())
    }

    /// Add `other`'s cells into these: in each shard the larger map takes
    /// the smaller one's cells.
    pub fn absorb(&mut self, mut other: Cells) {
        self.settle();
        other.settle();
        if other.shards.is_empty() {
            return;
        }
        if self.shards.is_empty() {
            *self = other;
            return;
        }
        for (mine, theirs) in self.shards.iter_mut().zip(&mut other.shards) {
            let (mut big, small) = if mine.len() >= theirs.len() {
                (std::mem::take(mine), std::mem::take(theirs))
            } else {
                (std::mem::take(theirs), std::mem::take(mine))
            };
            for (k, v) in small {
                *big.entry(k).or_default() += v;
            }
            *mine = big;
        }
    }
}

impl IntoIterator for Cells {
    type Item = (GroupKey, Cell);
    type IntoIter = std::iter::Chain<
        std::iter::Flatten<std::vec::IntoIter<FxHashMap<GroupKey, Cell>>>,
        std::iter::Flatten<std::vec::IntoIter<Vec<(GroupKey, Cell)>>>,
    >;

    /// The cells, each map (and each loose vector) freed once read; a
    /// key comes once per time it was taken in while loose.
    fn into_iter(self) -> Self::IntoIter {
        self.shards
            .into_iter()
            .flatten()
            .chain(self.loose.into_iter().flatten())
    }
}

impl<'a> IntoIterator for &'a Cells {
    type Item = (&'a GroupKey, &'a Cell);
    type IntoIter = std::iter::FlatMap<
        std::slice::Iter<'a, FxHashMap<GroupKey, Cell>>,
        std::collections::hash_map::Iter<'a, GroupKey, Cell>,
        fn(
            &'a FxHashMap<GroupKey, Cell>,
        ) -> std::collections::hash_map::Iter<'a, GroupKey, Cell>,
    >;

    fn into_iter(self) -> Self::IntoIter {
        debug_assert!(self.is_settled());
        self.shards.iter().flat_map(|s| s.iter())
    }
}

/// The same cells, whatever the maps hold of them and in which order,
/// and whether some are loose.
impl PartialEq for Cells {
    fn eq(&self, other: &Cells) -> bool {
        if !(self.is_settled() && other.is_settled()) {
            return self.settled() == other.settled();
        }
        self.len() == other.len()
            && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl Eq for Cells {}

impl std::ops::Index<&GroupKey> for Cells {
    type Output = Cell;

    fn index(&self, key: &GroupKey) -> &Cell {
        self.get(key).expect("a cell of the key")
    }
}

impl std::fmt::Debug for Cells {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.settled().iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Triple;

    fn key(code: i64, subcode: i64) -> GroupKey {
        GroupKey::of(Triple { code, subcode: Some(subcode), category: None })
    }

    #[test]
    fn cells_spread_merge_and_iterate_as_one_map() {
        let mut a = Cells::default();
        assert!(a.is_empty() && a.shards.is_empty());
        for i in 0..1000 {
            a.entry(key(i, i / 7)).or_default().count += 1;
        }
        let mut b = Cells::default();
        for i in 500..1500 {
            b.insert(key(i, i / 7), Cell { count: 2, ids: None });
        }
        a.absorb(b);
        assert_eq!(a.len(), 1500);
        assert!(a.shards.iter().all(|s| s.len() > 40), "spread");
        assert_eq!(a[&key(10, 1)].count, 1);
        assert_eq!(a[&key(600, 85)].count, 3);
        assert_eq!(a.get(&key(1400, 200)).unwrap().count, 2);
        assert!(!a.contains_key(&key(2000, 0)));
        assert_eq!(a.values().map(|c| c.count).sum::<u64>(), 1000 + 2000);
        assert_eq!(a.iter().count(), 1500);
        // Equal whatever the order of inserts.
        let mut c = Cells::default();
        for (k, v) in
            a.clone().into_iter().collect::<Vec<_>>().into_iter().rev()
        {
            c.insert(k, v);
        }
        assert_eq!(a, c);
        // Empty is empty, with or without maps.
        let mut d = Cells::default();
        d.reserve(10);
        assert_eq!(d, Cells::default());
        assert_ne!(a, d);
    }

    /// Loose cells repeat keys until settled, then add up as entries
    /// would; a merge settles both sides; equality looks past looseness.
    #[test]
    fn loose_cells_settle_into_their_sums() {
        let mut by_entry = Cells::default();
        let mut loose = Cells::default();
        loose.insert(key(1, 1), Cell { count: 1, ids: None });
        by_entry.entry(key(1, 1)).or_default().count += 1;
        for part in 0..3i64 {
            let cells: Vec<_> = (0..100)
                .map(|i| {
                    (key(i % (40 + part), 0), Cell { count: 1, ids: None })
                })
                .collect();
            for (k, c) in &cells {
                by_entry.entry(*k).or_default().count += c.count;
            }
            loose.add_loose(cells);
        }
        loose.add_loose(Vec::new());
        assert!(!loose.is_settled() && !loose.is_empty());
        assert_eq!(loose.items(), 1 + 300);
        assert_eq!(loose.clone().into_iter().count(), 301, "keys repeat");
        assert_eq!(loose, by_entry);
        let mut other = loose.clone();
        other.add_loose(vec![(key(7, 7), Cell { count: 5, ids: None })]);
        let mut merged = loose.clone();
        merged.absorb(other);
        assert!(merged.is_settled());
        assert_eq!(merged[&key(7, 7)].count, 5);
        assert_eq!(merged[&key(0, 0)].count, 2 * by_entry[&key(0, 0)].count);
        loose.settle();
        assert!(loose.is_settled());
        assert_eq!(loose.len(), by_entry.len());
        assert!(loose.iter().all(|(k, c)| by_entry[k] == *c));
    }
}
