//! The tuples of dimension values a tally groups records by, interned: a
//! [`super::GroupKey`] holds a tuple's id, so a counted record costs a few
//! short lookups and no allocation once its values have been seen.
//!
//! Ids are local to a tally; [`Groups::absorb`] maps another tally's ids
//! into this one's when tallies merge, so the merged result does not
//! depend on which piece saw a value first.

use std::borrow::Cow;
use std::hash::{BuildHasher, Hash};

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

/// Interned tuples of dimension values. Id 0 is the empty tuple (a run
/// without dimensions); tuple ids start at 1.
///
/// Each value and each tuple is held once, in flat vectors, and indexed
/// by its position (a tuple of one value costs about 50 bytes: a run of a
/// million groups holds them in every tally being merged).
#[derive(Clone)]
pub struct Groups {
    /// The most tuples held (`--max-groups`).
    max: usize,
    /// Per dimension, its distinct values.
    dims: Vec<Values>,
    /// The value ids of the tuples, one tuple after another.
    tuple_values: Vec<u32>,
    /// Where each tuple ends in `tuple_values`: tuple `i + 1` ends at
    /// `tuple_ends[i]`.
    tuple_ends: Vec<usize>,
    /// Tuple ids, by the hash of their value ids.
    index: HashTable<u32>,
}

/// The hash of a value or of a tuple's value ids.
fn hash_of<T: Hash + ?Sized>(v: &T) -> u64 {
    FxBuildHasher.hash_one(v)
}

/// The distinct values of one dimension.
#[derive(Clone, Default)]
struct Values {
    /// The values, one after another.
    text: String,
    /// Where each value ends in `text`.
    ends: Vec<usize>,
    /// Value ids, by the hash of their text.
    index: HashTable<u32>,
}

/// Item `id` of items laid one after another, each ending at its `ends`.
fn item<'a, T>(all: &'a [T], ends: &[usize], id: usize) -> &'a [T] {
    let start = if id == 0 { 0 } else { ends[id - 1] };
    &all[start..ends[id]]
}

impl Values {
    /// The value of id `id`.
    fn get(&self, id: u32) -> &str {
        let start = if id == 0 { 0 } else { self.ends[id as usize - 1] };
        &self.text[start..self.ends[id as usize]]
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn id(&mut self, value: &str) -> u32 {
        // (Hashed as bytes, so a rehash needs no text.)
        let hash = hash_of(value.as_bytes());
        if let Some(&id) = self.index.find(hash, |&id| self.get(id) == value) {
            return id;
        }
        let id = self.ends.len() as u32;
        self.text.push_str(value);
        self.ends.push(self.text.len());
        let Values { text, ends, index } = self;
        index.insert_unique(hash, id, |&id| {
            hash_of(item(text.as_bytes(), ends, id as usize))
        });
        id
    }
}

impl Default for Groups {
    fn default() -> Groups {
        Groups {
            max: usize::MAX,
            dims: Vec::new(),
            tuple_values: Vec::new(),
            tuple_ends: Vec::new(),
            index: HashTable::new(),
        }
    }
}

impl std::fmt::Debug for Groups {
    /// The tuples' values, in id order.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries((1..=self.len() as u32).map(|id| self.values(id)))
            .finish()
    }
}

impl PartialEq for Groups {
    /// Equal when they hold the same tuples in the same order of ids.
    fn eq(&self, other: &Groups) -> bool {
        self.len() == other.len()
            && (1..=self.len() as u32)
                .all(|id| self.values(id) == other.values(id))
    }
}

impl Eq for Groups {}

impl Groups {
    /// The number of tuples.
    pub fn len(&self) -> usize {
        self.tuple_ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.tuple_ends.is_empty()
    }

    /// Hold at most `max` tuples from now on.
    pub fn bound(&mut self, max: usize) {
        self.max = self.max.min(max);
    }

    /// The id of a tuple of values (one per dimension), interned; `None`
    /// when it is new and the bound is reached.
    pub fn id(&mut self, values: &[Cow<'_, str>]) -> Option<u32> {
        if self.dims.len() < values.len() {
            self.dims.resize_with(values.len(), Values::default);
        }
        let ids: smallvec::SmallVec<[u32; 8]> = self
            .dims
            .iter_mut()
            .zip(values)
            .map(|(dim, v)| dim.id(v))
            .collect();
        self.tuple_id(&ids)
    }

    /// The value ids of tuple `id` (1-based).
    fn tuple(&self, id: u32) -> &[u32] {
        item(&self.tuple_values, &self.tuple_ends, id as usize - 1)
    }

    fn tuple_id(&mut self, ids: &[u32]) -> Option<u32> {
        let hash = hash_of(ids);
        if let Some(&id) = self.index.find(hash, |&id| self.tuple(id) == ids) {
            return Some(id);
        }
        if self.len() >= self.max {
            return None;
        }
        self.tuple_values.extend_from_slice(ids);
        self.tuple_ends.push(self.tuple_values.len());
        let id = self.tuple_ends.len() as u32;
        let Groups { tuple_values, tuple_ends, index, .. } = self;
        index.insert_unique(hash, id, |&id| {
            hash_of(item(tuple_values, tuple_ends, id as usize - 1))
        });
        Some(id)
    }

    /// The values of tuple `id` (empty for id 0).
    pub fn values(&self, id: u32) -> Vec<&str> {
        if id == 0 || id as usize > self.len() {
            return Vec::new();
        }
        self.tuple(id).iter().zip(&self.dims).map(|(&v, d)| d.get(v)).collect()
    }

    /// The number of distinct values of each dimension.
    pub fn distinct_values(&self) -> Vec<usize> {
        self.dims.iter().map(Values::len).collect()
    }

    /// Take in the tuples of `other`: the id each of its tuples has here
    /// (index 0 for id 0), or `None` past the bound (the lower of both).
    pub fn absorb(&mut self, other: &Groups) -> Vec<Option<u32>> {
        self.bound(other.max);
        if self.dims.len() < other.dims.len() {
            self.dims.resize_with(other.dims.len(), Values::default);
        }
        // Each of its values' id here, looked up once.
        let values: Vec<Vec<u32>> = other
            .dims
            .iter()
            .zip(&mut self.dims)
            .map(|(theirs, ours)| {
                (0..theirs.len() as u32)
                    .map(|v| ours.id(theirs.get(v)))
                    .collect()
            })
            .collect();
        let mut map = Vec::with_capacity(other.len() + 1);
        map.push(Some(0));
        let mut ids: smallvec::SmallVec<[u32; 8]> = smallvec::SmallVec::new();
        for id in 1..=other.len() as u32 {
            ids.clear();
            ids.extend(
                other
                    .tuple(id)
                    .iter()
                    .zip(&values)
                    .map(|(&v, m)| m[v as usize]),
            );
            map.push(self.tuple_id(&ids));
        }
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cows<'a>(v: &[&'a str]) -> Vec<Cow<'a, str>> {
        v.iter().map(|s| Cow::Borrowed(*s)).collect()
    }

    #[test]
    fn tuples_intern_and_resolve() {
        let mut g = Groups::default();
        g.bound(2);
        let a = g.id(&cows(&["2026-11-20T10:00:00Z", "PSTN"])).unwrap();
        let b = g.id(&cows(&["2026-11-20T10:00:00Z", "VoIP"])).unwrap();
        assert_eq!(g.id(&cows(&["2026-11-20T10:00:00Z", "PSTN"])), Some(a));
        assert_ne!(a, b);
        assert_eq!(g.values(b), ["2026-11-20T10:00:00Z", "VoIP"]);
        assert_eq!(g.values(0), Vec::<&str>::new());
        assert_eq!(g.distinct_values(), [1, 2]);
        assert_eq!(g.id(&cows(&["x", "y"])), None, "past the bound");
        assert_eq!(g.id(&cows(&["2026-11-20T10:00:00Z", "VoIP"])), Some(b));
    }

    #[test]
    fn absorb_maps_ids_whatever_the_order() {
        let mut a = Groups::default();
        a.id(&cows(&["p"]));
        a.id(&cows(&["q"]));
        let mut b = Groups::default();
        b.id(&cows(&["q"]));
        b.id(&cows(&["r"]));
        let map = a.absorb(&b);
        assert_eq!(map, [Some(0), Some(2), Some(3)]);
        assert_eq!(a.values(3), ["r"]);
        let mut c = Groups::default();
        c.bound(3);
        c.id(&cows(&["s"]));
        assert_eq!(a.absorb(&c), [Some(0), None], "the lower bound holds");
    }
}
