//! The tuples of dimension values a tally groups records by, interned: a
//! [`super::GroupKey`] holds a tuple's id, so a counted record costs a few
//! short lookups and no allocation once its values have been seen.
//!
//! Ids are local to a tally; [`Groups::absorb`] maps another tally's ids
//! into this one's when tallies merge, so the merged result does not
//! depend on which piece saw a value first.

use std::borrow::Cow;

use rustc_hash::FxHashMap;

/// Interned tuples of dimension values. Id 0 is the empty tuple (a run
/// without dimensions); tuple ids start at 1.
#[derive(Clone, Debug)]
pub struct Groups {
    /// The most tuples held (`--max-groups`).
    max: usize,
    /// Per dimension, its distinct values.
    dims: Vec<Values>,
    /// The tuples, as value ids per dimension; tuple `i + 1` is `tuples[i]`.
    tuples: Vec<Box<[u32]>>,
    index: FxHashMap<Box<[u32]>, u32>,
}

/// The distinct values of one dimension.
#[derive(Clone, Debug, Default)]
struct Values {
    names: Vec<Box<str>>,
    index: FxHashMap<Box<str>, u32>,
}

impl Values {
    fn id(&mut self, value: &str) -> u32 {
        if let Some(&id) = self.index.get(value) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(value.into());
        self.index.insert(value.into(), id);
        id
    }
}

impl Default for Groups {
    fn default() -> Groups {
        Groups {
            max: usize::MAX,
            dims: Vec::new(),
            tuples: Vec::new(),
            index: FxHashMap::default(),
        }
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
        self.tuples.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.tuples.is_empty()
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
        let mut ids = [0u32; 16];
        let ids: &mut [u32] = if values.len() <= ids.len() {
            &mut ids[..values.len()]
        } else {
            return self.id_long(values);
        };
        for (slot, (dim, v)) in
            ids.iter_mut().zip(self.dims.iter_mut().zip(values))
        {
            *slot = dim.id(v);
        }
        self.tuple_id(ids)
    }

    #[cold]
    fn id_long(&mut self, values: &[Cow<'_, str>]) -> Option<u32> {
        let ids: Vec<u32> =
            self.dims.iter_mut().zip(values).map(|(d, v)| d.id(v)).collect();
        self.tuple_id(&ids)
    }

    fn tuple_id(&mut self, ids: &[u32]) -> Option<u32> {
        if let Some(&id) = self.index.get(ids) {
            return Some(id);
        }
        if self.tuples.len() >= self.max {
            return None;
        }
        self.tuples.push(ids.into());
        let id = self.tuples.len() as u32;
        self.index.insert(ids.into(), id);
        Some(id)
    }

    /// The values of tuple `id` (empty for id 0).
    pub fn values(&self, id: u32) -> Vec<&str> {
        match id.checked_sub(1).and_then(|i| self.tuples.get(i as usize)) {
            None => Vec::new(),
            Some(t) => t
                .iter()
                .zip(&self.dims)
                .map(|(&v, d)| &*d.names[v as usize])
                .collect(),
        }
    }

    /// The number of distinct values of each dimension.
    pub fn distinct_values(&self) -> Vec<usize> {
        self.dims.iter().map(|d| d.names.len()).collect()
    }

    /// Take in the tuples of `other`: the id each of its tuples has here
    /// (index 0 for id 0), or `None` past the bound (the lower of both).
    pub fn absorb(&mut self, other: &Groups) -> Vec<Option<u32>> {
        self.bound(other.max);
        let mut map = Vec::with_capacity(other.len() + 1);
        map.push(Some(0));
        for id in 1..=other.len() as u32 {
            let values: Vec<Cow<'_, str>> =
                other.values(id).into_iter().map(Cow::Borrowed).collect();
            map.push(self.id(&values));
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
