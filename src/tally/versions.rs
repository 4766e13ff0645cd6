//! CallSummaryUpdates versions (spec §3): of the records that carry a
//! `callUpdatesVersion`, only the highest version per (log kind,
//! `correlationId`, participant id) counts; the others are *superseded*.
//!
//! Records of one participant may sit in different chunks, files or
//! machines, so the choice cannot be made while reading. Each tally keeps
//! a table from the participant's key to the best version it has seen —
//! the version, its triple, its dimension group and the coupons of its
//! ids — and tables merge by keeping the better entry of each key, which
//! is associative and commutative like the rest of a [`super::Tally`].
//! When the run's tally is complete, [`super::Tally::settle_versions`]
//! counts each winner as if it had just been read.
//!
//! Which entry is better: the higher version; of equal versions, the one
//! with a code; then the smaller (category as written in the reports —
//! the empty name when the log gave none —, code, subcode); then the
//! smaller tuple of dimension values; then the smaller call and
//! participant coupons. Every step compares values, never positions, so
//! the winner does not depend on how the input was split or merged.
//!
//! Memory: a key is the 128-bit XXH3 hash of the three strings (the
//! chance that two of a billion participants share one is below 10⁻²¹);
//! an entry is 56 bytes of key and value in the map (BENCHMARKS.md has
//! the measured memory per participant).

use rustc_hash::FxHashMap;

use super::distinct::coupon;
use super::groups::Groups;
use crate::record::{Category, Triple};

/// A participant's key: the XXH3-128 of its log kind, `correlationId` and
/// participant id, each followed by a 0 byte, as two words (a `u128`
/// would align map entries to 16 bytes).
pub type VersionKey = [u64; 2];

/// The key of (kind, call, participant).
pub fn key(kind: &str, call: &str, participant: &str) -> VersionKey {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for part in [kind, call, participant] {
        h.update(part.as_bytes());
        h.update(&[0]);
    }
    let k = h.digest128();
    [k as u64, (k >> 64) as u64]
}

/// The best version of one participant's summary seen so far, packed
/// into 40 bytes (a map entry with its key is 56).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Version {
    /// Its `callUpdatesVersion`.
    pub version: i64,
    code: i64,
    subcode: i64,
    /// The DataSketches coupon of its `correlationId`.
    pub call: u32,
    /// The coupon of its participant id.
    pub participant: u32,
    /// [`Version::dims`], `u32::MAX` for none.
    dims: u32,
    /// The log's category ([`CATEGORIES`] index), [`NO_CATEGORY`] for none.
    category: u8,
    /// [`HAS_CODE`], [`HAS_SUBCODE`].
    flags: u8,
}

/// The categories by their packed index.
const CATEGORIES: [Category; 5] = Category::ALL;
const NO_CATEGORY: u8 = u8::MAX;
const HAS_CODE: u8 = 1;
const HAS_SUBCODE: u8 = 2;
const NO_DIMS: u32 = u32::MAX;

impl Version {
    /// A version read from a record: its triple (`None` for a version
    /// without a code) and its tuple of dimension values in the tally's
    /// [`Groups`] (`None` when the tuple would have passed `--max-groups`,
    /// or for a version without a code, which is never grouped).
    pub fn new(
        version: i64,
        triple: Option<Triple>,
        dims: Option<u32>,
        call: &str,
        participant: &str,
    ) -> Version {
        Version::from_parts(
            version,
            triple,
            dims,
            coupon(call),
            coupon(participant),
        )
    }

    /// A version from its parts, as a partial tally stores them: the
    /// coupons of its call and participant instead of the ids.
    pub fn from_parts(
        version: i64,
        triple: Option<Triple>,
        dims: Option<u32>,
        call: u32,
        participant: u32,
    ) -> Version {
        let t = triple.unwrap_or(Triple {
            code: 0,
            subcode: None,
            category: None,
        });
        Version {
            version,
            code: t.code,
            subcode: t.subcode.unwrap_or(0),
            call,
            participant,
            dims: dims.unwrap_or(NO_DIMS),
            category: t.category.map_or(NO_CATEGORY, |c| {
                CATEGORIES.iter().position(|&x| x == c).unwrap_or(4) as u8
            }),
            flags: u8::from(triple.is_some()) * HAS_CODE
                + u8::from(t.subcode.is_some()) * HAS_SUBCODE,
        }
    }

    /// Its triple; `None` for a version without a code.
    pub fn triple(&self) -> Option<Triple> {
        (self.flags & HAS_CODE != 0).then(|| Triple {
            code: self.code,
            subcode: (self.flags & HAS_SUBCODE != 0).then_some(self.subcode),
            category: CATEGORIES.get(usize::from(self.category)).copied(),
        })
    }

    /// Its tuple of dimension values, if it has one.
    pub fn dims(&self) -> Option<u32> {
        (self.dims != NO_DIMS).then_some(self.dims)
    }

    fn set_dims(&mut self, dims: Option<u32>) {
        self.dims = dims.unwrap_or(NO_DIMS);
    }

    /// Whether `self` beats `other` (see the module documentation); the
    /// dimension tuples of both are in `groups`.
    fn beats(&self, other: &Version, groups: &Groups) -> bool {
        use std::cmp::Ordering::*;
        let outcome = |v: &Version| {
            v.triple().map(|t| {
                let cat = t.category.map_or("", |c| c.as_str());
                (cat, t.code, t.subcode)
            })
        };
        let order = other
            .version
            .cmp(&self.version)
            // `Some` (a code) before `None`.
            .then_with(|| {
                other.triple().is_some().cmp(&self.triple().is_some())
            })
            .then_with(|| outcome(self).cmp(&outcome(other)))
            .then_with(|| {
                let values = |v: &Version| v.dims().map(|d| groups.values(d));
                // A grouped version before an ungrouped one.
                match (values(self), values(other)) {
                    (Some(a), Some(b)) => a.cmp(&b),
                    (a, b) => b.is_some().cmp(&a.is_some()),
                }
            })
            .then_with(|| {
                (self.call, self.participant)
                    .cmp(&(other.call, other.participant))
            });
        order == Less
    }
}

/// The best version of each participant's summary in a tally.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Versions {
    best: FxHashMap<VersionKey, Version>,
}

impl Versions {
    /// Participants seen: each will count once.
    pub fn len(&self) -> usize {
        self.best.len()
    }

    /// Whether no versioned record was seen.
    pub fn is_empty(&self) -> bool {
        self.best.is_empty()
    }

    /// Offer a version of `key`; whether one version (this one or the
    /// one kept so far) is now superseded.
    pub fn offer(
        &mut self,
        key: VersionKey,
        v: Version,
        groups: &Groups,
    ) -> bool {
        match self.best.entry(key) {
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(v);
                false
            }
            std::collections::hash_map::Entry::Occupied(mut e) => {
                if v.beats(e.get(), groups) {
                    e.insert(v);
                }
                true
            }
        }
    }

    /// Merge another tally's table, whose dimension tuple `i` is ours
    /// `map[i]` (`None`: it would have passed `--max-groups`, or no
    /// mapping is needed when `map` is empty); how many versions are now
    /// superseded.
    pub fn absorb(
        &mut self,
        other: Versions,
        map: Option<&[Option<u32>]>,
        groups: &Groups,
    ) -> u64 {
        let mut other = other.best;
        if let Some(map) = map {
            for v in other.values_mut() {
                v.set_dims(
                    v.dims().and_then(|d| map.get(d as usize).copied()?),
                );
            }
        }
        // Insert the smaller table into the larger: a merge of pieces then
        // never regrows (and copies) a large table.
        if other.len() > self.best.len() {
            std::mem::swap(&mut self.best, &mut other);
        }
        let mut superseded = 0;
        for (k, v) in other {
            superseded += u64::from(self.offer(k, v, groups));
        }
        superseded
    }

    /// Add the entry of a key not in the table yet (a partial tally's
    /// table); `false` if the key is there already.
    pub fn insert_new(&mut self, key: VersionKey, v: Version) -> bool {
        match self.best.entry(key) {
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(v);
                true
            }
            std::collections::hash_map::Entry::Occupied(_) => false,
        }
    }

    /// The winners, in no particular order.
    pub fn into_winners(self) -> impl Iterator<Item = Version> {
        self.best.into_values()
    }

    /// The entries, for writing a partial tally.
    pub fn entries(&self) -> impl Iterator<Item = (&VersionKey, &Version)> {
        self.best.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    #[test]
    fn versions_pack_and_unpack() {
        assert_eq!(std::mem::size_of::<Version>(), 40);
        for category in CATEGORIES.iter().map(|&c| Some(c)).chain([None]) {
            for subcode in [None, Some(0), Some(i64::MIN), Some(560486)] {
                let t = Triple { code: -7, subcode, category };
                let v = Version::new(3, Some(t), Some(9), "c", "p");
                assert_eq!((v.triple(), v.dims()), (Some(t), Some(9)));
            }
        }
        let none = Version::new(1, None, None, "c", "p");
        assert_eq!((none.triple(), none.dims()), (None, None));
    }

    fn v(version: i64, code: Option<i64>) -> Version {
        let triple = code.map(|code| Triple {
            code,
            subcode: None,
            category: Some(Category::ExpectedError),
        });
        Version::new(version, triple, None, "call", "p")
    }

    #[test]
    fn the_highest_version_wins_in_any_order() {
        let groups = Groups::default();
        let all =
            [v(1, Some(0)), v(3, Some(410)), v(2, Some(500)), v(3, None)];
        for rot in 0..all.len() {
            let mut t = Versions::default();
            let mut superseded = 0;
            for x in all.iter().cycle().skip(rot).take(all.len()) {
                superseded += u64::from(t.offer([7, 0], *x, &groups));
            }
            assert_eq!(superseded, 3);
            let w: Vec<_> = t.into_winners().collect();
            assert_eq!(w, [v(3, Some(410))], "rotation {rot}");
        }
    }

    #[test]
    fn ties_break_on_values_not_order() {
        let mut groups = Groups::default();
        let a = groups.id(&[Cow::from("b")]).unwrap();
        let b = groups.id(&[Cow::from("a")]).unwrap();
        let mut x = v(2, Some(410));
        x.set_dims(Some(a));
        let mut y = x;
        y.set_dims(Some(b));
        assert!(y.beats(&x, &groups) && !x.beats(&y, &groups));
        assert!(!x.beats(&x, &groups));
        let low = Version::new(
            2,
            Some(Triple { code: 400, subcode: None, category: None }),
            None,
            "call",
            "p",
        );
        assert!(low.beats(&x, &groups), "no category sorts first");
    }

    #[test]
    fn keys_separate_their_parts() {
        assert_ne!(key("a", "bc", "d"), key("ab", "c", "d"));
        assert_eq!(key("k", "c", "p"), key("k", "c", "p"));
    }
}
