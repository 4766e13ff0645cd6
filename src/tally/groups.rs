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
/// by its position (a tuple of one value costs about 58 bytes, its hash
/// included: a run of a million groups holds them in every tally being
/// merged).
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
    /// Each tuple's [`ids_hash`], kept so that growing `index` does not
    /// hash every tuple again.
    tuple_hashes: Vec<u64>,
    /// Tuple ids, by the hash of their value ids ([`ids_hash`]): a
    /// counter that knows its record's value ids (it keeps them by raw
    /// value) finds the tuple with one short hash and one probe.
    index: HashTable<u32>,
}

/// The hash of a value.
fn hash_of<T: Hash + ?Sized>(v: &T) -> u64 {
    FxBuildHasher.hash_one(v)
}

/// The hash of a tuple of value ids, one per dimension (ids are local to
/// a [`Groups`]: [`Groups::absorb`] maps them before hashing).
fn ids_hash(ids: &[u32]) -> u64 {
    FxBuildHasher.hash_one(ids)
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
    #[inline]
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
            tuple_hashes: Vec::new(),
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
    /// when it is new and the bound is reached. (Its values are interned
    /// all the same, as `distinct_values` counts them.)
    pub fn id(&mut self, values: &[Cow<'_, str>]) -> Option<u32> {
        let ids: smallvec::SmallVec<[u32; 8]> = values
            .iter()
            .enumerate()
            .map(|(dim, v)| self.value_id(dim, v))
            .collect();
        self.tuple_id(&ids)
    }

    /// The id of `value` among the values of dimension `dim`, interned.
    #[inline]
    pub fn value_id(&mut self, dim: usize, value: &str) -> u32 {
        if self.dims.len() <= dim {
            self.dims.resize_with(dim + 1, Values::default);
        }
        self.dims[dim].id(value)
    }

    /// The value ids of tuple `id` (1-based).
    fn tuple(&self, id: u32) -> &[u32] {
        item(&self.tuple_values, &self.tuple_ends, id as usize - 1)
    }

    /// The id of the tuple of value ids `ids` (each from
    /// [`Groups::value_id`] of its dimension), interned; `None` when it is
    /// new and the bound is reached.
    #[inline]
    pub fn tuple_id(&mut self, ids: &[u32]) -> Option<u32> {
        let hash = ids_hash(ids);
        if let Some(&id) = self.index.find(hash, |&id| self.tuple(id) == ids) {
            return Some(id);
        }
        self.insert_tuple(ids, hash)
    }

    /// Add the tuple of value ids `ids` (not held yet), whose
    /// [`ids_hash`] is `hash`, unless the bound is reached.
    fn insert_tuple(&mut self, ids: &[u32], hash: u64) -> Option<u32> {
        if self.len() >= self.max {
            return None;
        }
        self.tuple_values.extend_from_slice(ids);
        self.tuple_ends.push(self.tuple_values.len());
        self.tuple_hashes.push(hash);
        let id = self.tuple_ends.len() as u32;
        let hashes = &self.tuple_hashes;
        self.index.insert_unique(hash, id, |&id| hashes[id as usize - 1]);
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

    /// A tuple is found by its values' text: values that only differ in
    /// where one ends and the next starts are other tuples, a tuple past
    /// the bound still interns its values, and tuples taken in from
    /// another tally are found by their text too.
    #[test]
    fn tuples_are_found_by_their_text() {
        let mut g = Groups::default();
        let ab_c = g.id(&cows(&["ab", "c"])).unwrap();
        let a_bc = g.id(&cows(&["a", "bc"])).unwrap();
        assert_ne!(ab_c, a_bc);
        assert_eq!(g.id(&[Cow::Owned("ab".into()), "c".into()]), Some(ab_c));
        assert_eq!(g.id(&cows(&["a"])), Some(3), "a shorter tuple");
        assert_eq!(g.id(&cows(&["a", "bc"])), Some(a_bc));
        g.bound(3);
        assert_eq!(g.id(&cows(&["x", "c"])), None);
        assert_eq!(g.distinct_values(), [3, 2], "x is interned all the same");
        let mut other = Groups::default();
        other.id(&cows(&["q", "c"]));
        other.id(&cows(&["a", "bc"]));
        let mut h = Groups::default();
        assert_eq!(h.absorb(&other), [Some(0), Some(1), Some(2)]);
        assert_eq!(h.id(&cows(&["a", "bc"])), Some(2));
        assert_eq!(h.id(&cows(&["q", "c"])), Some(1));
        assert_eq!(h.len(), 2);
    }

    /// Many tuples, interned directly or taken in from other tallies in
    /// pieces, get the ids of a plain map of their values (first seen,
    /// first numbered), across the tables' growth.
    #[test]
    fn ids_match_a_map_of_values() {
        let tuple = |i: u32| {
            let i = i.wrapping_mul(2_654_435_761) % 5_000;
            [format!("h{}", i % 97), format!("{}", i % 7), format!("v{}", i)]
        };
        let mut want: std::collections::HashMap<[String; 3], u32> =
            Default::default();
        let mut whole = Groups::default();
        let mut merged = Groups::default();
        for piece in 0..4u32 {
            let mut part = Groups::default();
            for i in piece * 3_000..(piece + 1) * 3_000 {
                let t = tuple(i);
                let next = want.len() as u32 + 1;
                let id = *want.entry(t.clone()).or_insert(next);
                let values: Vec<Cow<'_, str>> =
                    t.iter().map(|s| Cow::Borrowed(s.as_str())).collect();
                assert_eq!(whole.id(&values), Some(id));
                part.id(&values);
            }
            merged.absorb(&part);
        }
        assert_eq!(merged, whole);
        for (t, &id) in &want {
            assert_eq!(
                whole.values(id),
                t.iter().map(String::as_str).collect::<Vec<_>>()
            );
        }
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
