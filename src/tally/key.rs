//! The key of a tally cell: a group of dimension values and a triple,
//! packed.

use crate::record::{Category, Triple};

/// What counted records are grouped by: the values of the run's
/// dimensions, then the triple. Small and `Copy`, so counting a record
/// costs one hash of four words and no allocation; packed into 24 bytes
/// (a [`Triple`] and the tuple id take 40), so a tally cell takes 40 bytes
/// of its map where it took 56: the map of a run with a million distinct
/// keys is its largest part.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct GroupKey {
    /// The code.
    code: i64,
    /// The subcode, or 0 when there is none ([`GroupKey::has_subcode`]).
    subcode: i64,
    /// The tuple of dimension values, interned per tally (0: the run has
    /// no dimensions).
    dims: u32,
    /// The category from the log ([`Category`] as `u8`), or [`NO_CATEGORY`].
    category: u8,
    /// Whether the record had a subcode.
    has_subcode: bool,
}

/// [`GroupKey::category`] of a record whose log gave no category.
const NO_CATEGORY: u8 = u8::MAX;

impl GroupKey {
    /// The key of a triple without dimensions.
    #[inline]
    pub fn of(triple: Triple) -> GroupKey {
        GroupKey::new(0, triple)
    }

    /// The key of a triple in the group of dimension values `dims`.
    #[inline]
    pub fn new(dims: u32, triple: Triple) -> GroupKey {
        GroupKey {
            code: triple.code,
            subcode: triple.subcode.unwrap_or(0),
            dims,
            category: triple.category.map_or(NO_CATEGORY, |c| c as u8),
            has_subcode: triple.subcode.is_some(),
        }
    }

    /// The key's words folded into one (for picking a shard of the cells).
    #[inline]
    pub(super) fn mix(&self) -> u64 {
        self.code as u64
            ^ (self.subcode as u64).rotate_left(29)
            ^ u64::from(self.dims).rotate_left(47)
    }

    /// The tuple of dimension values (0: the run has no dimensions).
    #[inline]
    pub fn dims(&self) -> u32 {
        self.dims
    }

    /// The (code, subcode, category) read from the records.
    #[inline]
    pub fn triple(&self) -> Triple {
        Triple {
            code: self.code,
            subcode: self.has_subcode.then_some(self.subcode),
            category: Category::ALL
                .into_iter()
                .find(|&c| c as u8 == self.category),
        }
    }

    /// This key in the group `dims`.
    #[inline]
    pub fn with_dims(self, dims: u32) -> GroupKey {
        GroupKey { dims, ..self }
    }
}

impl std::fmt::Debug for GroupKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupKey")
            .field("dims", &self.dims)
            .field("triple", &self.triple())
            .finish()
    }
}

impl PartialOrd for GroupKey {
    fn partial_cmp(&self, other: &GroupKey) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for GroupKey {
    /// By the tuple of dimension values, then the triple.
    fn cmp(&self, other: &GroupKey) -> std::cmp::Ordering {
        (self.dims, self.triple()).cmp(&(other.dims, other.triple()))
    }
}

impl std::hash::Hash for GroupKey {
    /// Four words (the derived hash would write five).
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        h.write_u64(self.code as u64);
        // No subcode and a subcode of `i64::MIN` share a word: a rare
        // collision, which `==` resolves.
        h.write_u64(if self.has_subcode {
            self.subcode as u64
        } else {
            i64::MIN as u64
        });
        h.write_u32(self.dims);
        h.write_u8(self.category);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_give_their_triple_back_and_order_as_it() {
        let mut keys = Vec::new();
        for dims in [0, 7] {
            for code in [-5, 0, 410] {
                for subcode in [None, Some(i64::MIN), Some(0), Some(3112)] {
                    let cats = Category::ALL.into_iter().map(Some);
                    for category in cats.chain([None]) {
                        let t = Triple { code, subcode, category };
                        let k = GroupKey::new(dims, t);
                        assert_eq!((k.dims(), k.triple()), (dims, t));
                        keys.push(k);
                    }
                }
            }
        }
        let mut sorted = keys.clone();
        sorted.sort();
        keys.sort_by_key(|k| (k.dims(), k.triple()));
        assert_eq!(sorted, keys);
        // No subcode and a subcode of 0 are different keys.
        let t = |subcode| Triple { code: 1, subcode, category: None };
        assert_ne!(GroupKey::of(t(None)), GroupKey::of(t(Some(0))));
        assert_eq!(std::mem::size_of::<GroupKey>(), 24);
    }
}
