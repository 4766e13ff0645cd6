//! Mergeable distinct counting for "affected calls" (spec §7, issue 11):
//! a HyperLogLog sketch in the Apache DataSketches HLL format.
//!
//! [`Distinct`] counts distinct ids (correlation ids, participant ids) for
//! one report row. Partials merge with [`Distinct::merge`], and the state
//! after any merges is a function of the *set* of ids alone, so the
//! estimate and the bytes do not depend on how the input was split, in
//! which order or grouping the parts were merged, or the thread count.
//!
//! # What a sketch holds
//!
//! An id is hashed as DataSketches Java/C++ (and so Spark) hash a string:
//! MurmurHash3 x64 128 of its UTF-8 bytes with seed 9001, the empty string
//! skipped. The hash becomes a 32-bit *coupon*: a 26-bit address and a
//! 6-bit register value (leading zeros of the high hash word, plus one).
//! The hashing is the `datasketches` crate's
//! ([`Coupon::from_value`](datasketches::hll::Coupon::from_value) with
//! [`raw_bytes`](datasketches::hash::value::raw_bytes)), computed in one pass over the id (`hash.rs`; the tests
//! hold it to the crate's).
//!
//! - **Coupon mode** (DataSketches' LIST and SET modes): the distinct
//!   coupons, in a short list up to 8 and then in a hash table
//!   (`coupons.rs`), sorted only when an image is written. Up to [`Distinct::coupon_limit`] coupons:
//!   384 for lgK 12 (`3 · 2^(lgK−5)`, where DataSketches' hash set of
//!   `2^(lgK−3)` slots passes 3/4 full), 7 below lgK 8 (where DataSketches
//!   goes from a full 8-coupon list straight to HLL).
//! - **HLL mode**: `2^lgK` one-byte registers (`HLL_8`), each the largest
//!   coupon value whose address falls in it. The vector of coupons becomes
//!   registers the moment it passes the limit, at the same count as in
//!   DataSketches, so a sketch is in the mode DataSketches would put it in.
//!   (The sorted vector this used to be cost a binary search and a move
//!   per new coupon: a fifth of the default run's time went to it.)
//!
//! # The estimate
//!
//! DataSketches' own estimate of the canonical image, order-independent
//! (the composite estimator in HLL mode, never HIP): see `estimate.rs`.
//!
//! # Bytes
//!
//! [`Distinct::to_bytes`] writes the DataSketches HLL serialization
//! (serial version 1, family 7, target `HLL_8`), canonically:
//!
//! - LIST / SET mode: the *compact* image, coupons sorted ascending
//!   (DataSketches readers re-insert compact coupons, so any order reads);
//!   the SET image's `lgArr` is the one DataSketches' growth rule gives for
//!   that many coupons;
//! - HLL mode: the `HLL_8` image with the out-of-order flag, HIP
//!   accumulator 0, and `kxq0`/`kxq1`/zero count recomputed from the
//!   registers in slot order (as a DataSketches union result has them).
//!
//! These are images Spark's `hll_union_agg` and `hll_sketch_estimate`
//! read, and [`Distinct::from_bytes`] reads any DataSketches HLL image
//! (compact or updatable, `HLL_4`/`HLL_6`/`HLL_8`, as Spark's
//! `hll_sketch_agg` writes it). Checked against DataSketches C++ (the
//! Java library's twin in format and hashing; fixtures in
//! `tests/golden/distinct/`): its images of the same ids read to the same
//! sketch, it reads ours to the same estimate, and in HLL mode ours is
//! byte for byte the *updatable* image of a C++ union (what Spark's
//! `hll_union_agg` writes). Not checked against Spark itself. What differs
//! from Spark's bytes: `hll_sketch_agg` writes the updatable image of a
//! sketch fed in arrival order, whose LIST/SET slots follow that order and
//! whose HLL header carries the HIP state; the coupons and registers are
//! the same.
//!
//! # Memory (measured, lgK 12, 64-bit)
//!
//! The struct is 32 bytes; on the heap ([`Distinct::heap_bytes`]):
//!
//! | ids   | heap bytes |
//! |-------|-----------:|
//! | 0     | 0          |
//! | 1     | 0          |
//! | 2     | 16         |
//! | 8     | 32         |
//! | 10    | 128        |
//! | 100   | 1,024      |
//! | 384   | 2,048      |
//! | 1,000 | 4,096      |
//!
//! (4-byte coupons: one in the struct itself, then a list of 4, then 8;
//! a table of 32 slots, doubled
//! when 3/4 full, up to `2^(lgK−3)` slots; then `2^lgK` bytes). The tests
//! assert these.

use std::fmt;

use datasketches::hll::{HllSketch, HllType, HllUnion};

mod coupons;
mod estimate;
mod hash;
mod image;

use coupons::Coupons;

pub(crate) use hash::coupon;

/// The smallest and largest lgK (`--distinct-precision`), as DataSketches.
pub const LG_K_RANGE: std::ops::RangeInclusive<u8> = 4..=21;

/// The default lgK (spec §7).
pub const DEFAULT_LG_K: u8 = 12;

// The DataSketches HLL wire format (datasketches-java `PreambleUtil`,
// the crate's `hll/serialization.rs`).
const SERIAL_VERSION: u8 = 1;
const FAMILY_HLL: u8 = 7;
const LIST_PREINTS: u8 = 2;
const SET_PREINTS: u8 = 3;
const HLL_PREINTS: u8 = 10;
const EMPTY_FLAG: u8 = 4;
const COMPACT_FLAG: u8 = 8;
const OUT_OF_ORDER_FLAG: u8 = 16;
const MODE_LIST: u8 = 0;
const MODE_SET: u8 = 1;
const MODE_HLL: u8 = 2;
const TGT_HLL8: u8 = 2;
const LIST_HEADER: usize = 8;
const SET_HEADER: usize = 12;
const HLL_HEADER: usize = 40;
const LG_LIST: u8 = 3;
const LG_SET_MIN: u8 = 5;
const KEY_BITS: u32 = 26;
const KEY_MASK: u32 = (1 << KEY_BITS) - 1;

/// A byte image that is not a DataSketches HLL sketch this module reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a DataSketches HLL sketch: {0}")]
pub struct BadSketch(String);

/// A mergeable distinct counter: a DataSketches HLL sketch (`HLL_8`)
/// that stays a set of coupons while it is small. See the
/// [module documentation](self).
#[derive(Clone)]
pub struct Distinct {
    lg_k: u8,
    /// The last coupon inserted (0, which no id hashes to, before any):
    /// consecutive records of a call share its id, and inserting it again
    /// changes nothing, so it is not looked up again. Not part of the
    /// sketch's value (equality ignores it); it fills the struct's padding.
    last: u32,
    repr: Repr,
}

impl PartialEq for Distinct {
    fn eq(&self, other: &Distinct) -> bool {
        self.lg_k == other.lg_k && self.repr == other.repr
    }
}

impl Eq for Distinct {}

#[derive(Clone, PartialEq, Eq)]
enum Repr {
    /// Distinct coupons; at most `coupon_limit`.
    Coupons(Coupons),
    /// `2^lg_k` registers.
    Registers(Box<[u8]>),
}

impl Distinct {
    /// An empty sketch with `2^lg_k` registers in HLL mode.
    ///
    /// # Panics
    ///
    /// If `lg_k` is outside [`LG_K_RANGE`] (the CLI validates it first).
    pub fn new(lg_k: u8) -> Self {
        assert!(LG_K_RANGE.contains(&lg_k), "lgK {lg_k} outside 4..=21");
        Self { lg_k, last: 0, repr: Repr::Coupons(Coupons::default()) }
    }

    /// The sketch's lgK.
    pub fn lg_k(&self) -> u8 {
        self.lg_k
    }

    /// The most coupons a sketch of this lgK keeps before it becomes
    /// registers (DataSketches' LIST/SET capacity).
    pub fn coupon_limit(lg_k: u8) -> usize {
        if lg_k < 8 {
            7
        } else {
            3 << (lg_k - 5)
        }
    }

    /// Whether nothing was inserted.
    pub fn is_empty(&self) -> bool {
        match &self.repr {
            Repr::Coupons(c) => c.is_empty(),
            Repr::Registers(r) => r.iter().all(|&v| v == 0),
        }
    }

    /// Whether the sketch holds registers (DataSketches' HLL mode).
    pub fn is_hll(&self) -> bool {
        matches!(self.repr, Repr::Registers(_))
    }

    /// Counts `id` (its UTF-8 bytes, hashed as DataSketches and Spark hash
    /// a string). The empty string is skipped, as there.
    #[inline]
    pub fn insert(&mut self, id: &str) {
        if !id.is_empty() {
            self.insert_coupon(coupon(id));
        }
    }

    #[inline]
    pub(crate) fn insert_coupon(&mut self, c: u32) {
        match &mut self.repr {
            Repr::Coupons(v) => {
                if c == self.last {
                    return;
                }
                self.last = c;
                let limit = Self::coupon_limit(self.lg_k);
                v.insert(c, limit);
                if v.len() > limit {
                    self.promote();
                }
            }
            Repr::Registers(r) => set_register(r, self.lg_k, c),
        }
    }

    /// Turns the coupons into registers.
    fn promote(&mut self) {
        if let Repr::Coupons(v) = &self.repr {
            let mut r = vec![0u8; 1 << self.lg_k].into_boxed_slice();
            for c in v.iter() {
                set_register(&mut r, self.lg_k, c);
            }
            self.repr = Repr::Registers(r);
        }
    }

    /// Lowers the sketch to `lg_k` (smaller than its own), as a
    /// DataSketches union does with a sketch of a larger lgK: the same
    /// state as counting the same ids at `lg_k`.
    fn downsample(&mut self, lg_k: u8) {
        debug_assert!(lg_k < self.lg_k);
        match &mut self.repr {
            Repr::Coupons(_) => {
                self.lg_k = lg_k;
                let n = self.coupons_len();
                if n > Self::coupon_limit(lg_k) {
                    self.promote();
                }
            }
            Repr::Registers(old) => {
                let mask = (1usize << lg_k) - 1;
                let mut r = vec![0u8; 1 << lg_k].into_boxed_slice();
                for (slot, &v) in old.iter().enumerate() {
                    let d = &mut r[slot & mask];
                    *d = (*d).max(v);
                }
                self.lg_k = lg_k;
                self.repr = Repr::Registers(r);
            }
        }
    }

    fn coupons_len(&self) -> usize {
        match &self.repr {
            Repr::Coupons(v) => v.len(),
            Repr::Registers(_) => 0,
        }
    }

    /// [`Distinct::merge`] of a sketch given up: the larger of the two
    /// takes the smaller one's coupons (the union is the same either way;
    /// a sketch in HLL mode counts as the larger).
    pub fn merge_owned(&mut self, mut other: Distinct) {
        if other.size() > self.size() {
            std::mem::swap(self, &mut other);
        }
        self.merge(&other);
    }

    /// How many coupons a merge of this sketch inserts: its coupons, or
    /// all of them in HLL mode.
    fn size(&self) -> usize {
        match self.is_hll() {
            true => usize::MAX,
            false => self.coupons_len(),
        }
    }

    /// Adds `other`'s ids (a union). Associative and commutative: the
    /// result is the sketch of the union of the ids whatever the grouping
    /// and order. Sketches of different lgK merge at the smaller one, as
    /// in a DataSketches union.
    pub fn merge(&mut self, other: &Distinct) {
        if other.lg_k < self.lg_k {
            self.downsample(other.lg_k);
        }
        if other.lg_k > self.lg_k {
            let mut o = other.clone();
            o.downsample(self.lg_k);
            return self.merge(&o);
        }
        // Coupons go in one by one, into coupons or registers: the state
        // is a function of the set either way, promoted midway or not.
        let lg_k = self.lg_k;
        match (&mut self.repr, &other.repr) {
            (Repr::Coupons(a), Repr::Coupons(b)) => {
                let limit = Self::coupon_limit(lg_k);
                // Room for both sets grows the table once, not once per
                // doubling, but only a set larger than `a` can need more
                // than one doubling. Room reserved for a smaller set that
                // mostly repeats `a` (a union of the calls of rows of one
                // call) was given back at once: two rehashes of the whole
                // union for each small set merged into it (0.6% of
                // building a 1 GiB `--by` report's instructions).
                let reserved = b.len() > a.len();
                if reserved {
                    a.reserve(a.len() + b.len(), limit);
                }
                let mut rest = b.iter();
                let mut over = false;
                for c in rest.by_ref() {
                    a.insert(c, limit);
                    if a.len() > limit {
                        over = true;
                        break;
                    }
                }
                if !over {
                    if reserved {
                        a.shrink_to_fit();
                    }
                    return;
                }
                self.promote();
                if let Repr::Registers(r) = &mut self.repr {
                    rest.for_each(|c| set_register(r, lg_k, c));
                }
            }
            (Repr::Registers(r), Repr::Coupons(b)) => {
                b.iter().for_each(|c| set_register(r, lg_k, c));
            }
            (Repr::Coupons(_), Repr::Registers(_)) => {
                let mut o = other.clone();
                o.merge(self);
                *self = o;
            }
            (Repr::Registers(a), Repr::Registers(b)) => {
                for (x, &y) in a.iter_mut().zip(b.iter()) {
                    *x = (*x).max(y);
                }
            }
        }
    }

    /// Heap bytes the sketch holds (not counting the struct itself).
    pub fn heap_bytes(&self) -> usize {
        match &self.repr {
            Repr::Coupons(v) => v.heap_bytes(),
            Repr::Registers(r) => r.len(),
        }
    }
}

/// The most coupons of a LIST image (DataSketches promotes a full list of 8).
const LG_LIST_CAPACITY_LAST: usize = (1 << LG_LIST) - 1;

impl fmt::Debug for Distinct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (mode, n) = match &self.repr {
            Repr::Coupons(v) => ("coupons", v.len()),
            Repr::Registers(r) => ("registers", r.len()),
        };
        f.debug_struct("Distinct")
            .field("lg_k", &self.lg_k)
            .field("mode", &mode)
            .field("len", &n)
            .finish()
    }
}

#[inline]
fn set_register(r: &mut [u8], lg_k: u8, c: u32) {
    let slot = ((c & KEY_MASK) as usize) & ((1 << lg_k) - 1);
    let v = (c >> KEY_BITS) as u8;
    // Branchless: whether the register grows is a coin toss while a
    // sketch fills, and the register is often not in L1.
    r[slot] = r[slot].max(v);
}

#[cfg(test)]
mod tests {
    use super::*;
    use datasketches::hash::value::raw_bytes;
    use proptest::prelude::*;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    pub(super) fn ids(seed: u64, n: usize) -> Vec<String> {
        let mut rng = SmallRng::seed_from_u64(seed);
        (0..n)
            .map(|i| {
                format!(
                    "{:08x}-{i}-{:016x}",
                    rng.gen::<u32>(),
                    rng.gen::<u64>()
                )
            })
            .collect()
    }

    const PINNED: [u32; 3] = [71_008_815, 157_858_286, 287_333_539];

    pub(super) fn sketch(lg_k: u8, ids: &[String]) -> Distinct {
        let mut d = Distinct::new(lg_k);
        ids.iter().for_each(|id| d.insert(id));
        d
    }

    pub(super) fn crate_sketch(lg_k: u8, ids: &[String]) -> HllSketch {
        let mut s = HllSketch::new(lg_k, HllType::Hll8).unwrap();
        ids.iter().for_each(|id| s.update(raw_bytes::from_str(id)));
        s
    }

    #[test]
    fn coupons_are_the_crates() {
        for id in ids(1, 200).iter().map(String::as_str).chain(["a", "é", "x"])
        {
            let mut s = HllSketch::new(12, HllType::Hll8).unwrap();
            s.update(raw_bytes::from_str(id));
            let image = s.serialize();
            assert_eq!(image.len(), LIST_HEADER + 4);
            assert_eq!(
                coupon(id),
                u32::from_le_bytes(image[8..12].try_into().unwrap())
            );
        }
    }

    /// The coupons of a few ids, pinned, so that a change of hashing (in
    /// the crate or here) shows: partials of one version must merge with
    /// those of the next. Printed with `--nocapture`.
    #[test]
    fn coupon_is_stable() {
        let got: Vec<u32> = ["a", "call-0", "8:acs:1234"]
            .iter()
            .map(|id| coupon(id))
            .collect();
        eprintln!("coupons {got:?}");
        assert_eq!(got, PINNED);
    }

    /// An id inserted again, right after itself or later, changes
    /// nothing: the sketch equals, and writes the bytes of, one that saw
    /// each id once, in coupon mode and in register mode.
    #[test]
    fn repeated_ids_change_nothing() {
        for n in [5usize, 300, 3000] {
            let v = ids(n as u64 + 40, n);
            let once = sketch(12, &v);
            let mut again = Distinct::new(12);
            for (i, id) in v.iter().enumerate() {
                again.insert(id);
                again.insert(id);
                again.insert(&v[i / 2]);
                again.insert(id);
            }
            assert_eq!(again, once, "n {n}");
            assert_eq!(again.to_bytes(), once.to_bytes(), "n {n}");
        }
    }

    #[test]
    fn modes_are_datasketches() {
        // Same mode, lgArr and coupons as the crate's sketch fed in order;
        // same registers in HLL mode.
        for lg_k in [4u8, 7, 8, 10, 12] {
            for n in [
                1usize, 7, 8, 24, 25, 48, 49, 96, 97, 192, 193, 384, 385, 2000,
            ] {
                let v = ids(7 + n as u64, n);
                let ours = sketch(lg_k, &v).to_bytes();
                let theirs = crate_sketch(lg_k, &v).serialize();
                assert_eq!(ours[..5], theirs[..5], "lgK {lg_k} n {n} header");
                assert_eq!(ours[7], theirs[7], "lgK {lg_k} n {n} mode");
                match ours[7] & 3 {
                    MODE_HLL => {
                        assert_eq!(ours[HLL_HEADER..], theirs[HLL_HEADER..])
                    }
                    m => {
                        let at = if m == MODE_LIST {
                            LIST_HEADER
                        } else {
                            SET_HEADER
                        };
                        assert_eq!(
                            ours[..at],
                            theirs[..at],
                            "lgK {lg_k} n {n}"
                        );
                        let mut t: Vec<_> = theirs[at..].chunks(4).collect();
                        t.sort_by_key(|b| {
                            u32::from_le_bytes((*b).try_into().unwrap())
                        });
                        assert_eq!(
                            ours[at..],
                            t.concat()[..],
                            "lgK {lg_k} n {n}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn split_two_ways_same_estimate_and_bytes() {
        // The case: 50,000 ids split two ways.
        let v = ids(4, 50_000);
        let whole = sketch(12, &v);
        let mut halves = sketch(12, &v[25_000..]);
        halves.merge(&sketch(12, &v[..25_000]));
        let mut many = Distinct::new(12);
        for part in v.chunks(999).rev() {
            many.merge(&sketch(12, part));
        }
        assert_eq!(whole.to_bytes(), halves.to_bytes());
        assert_eq!(whole.to_bytes(), many.to_bytes());
        assert_eq!(whole.estimate(), many.estimate());
        let err = (whole.estimate() as f64 - 50_000.0).abs() / 50_000.0;
        assert!(err < 0.03, "{}", whole.estimate());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Any split of the ids into parts, merged in any order and
        /// grouping (taken or borrowed), gives the same bytes (and so the same estimate) as
        /// one sketch of all of them.
        #[test]
        fn any_split_any_order(
            n in prop_oneof![0usize..20, 0usize..500, 300usize..3000],
            lg_k in prop_oneof![Just(12u8), 4u8..=14],
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..8),
            order in any::<u64>(),
            seed in any::<u64>(),
        ) {
            let v = ids(seed, n);
            // duplicates across parts
            let mut all = v.clone();
            all.extend(v.iter().take(n / 3).cloned());
            let mut at: Vec<usize> = cuts.iter().map(|c| c.index(all.len() + 1)).collect();
            at.extend([0, all.len()]);
            at.sort_unstable();
            let mut parts: Vec<Distinct> =
                at.windows(2).map(|w| sketch(lg_k, &all[w[0]..w[1]])).collect();
            let whole = sketch(lg_k, &v);
            // merge in a random grouping: repeatedly merge two random parts
            let mut rng = SmallRng::seed_from_u64(order);
            while parts.len() > 1 {
                let i = rng.gen_range(0..parts.len());
                let a = parts.swap_remove(i);
                let j = rng.gen_range(0..parts.len());
                // A sketch given up merges either way round.
                match rng.gen::<bool>() {
                    true => parts[j].merge_owned(a),
                    false => parts[j].merge(&a),
                }
            }
            let merged = parts.pop().unwrap();
            prop_assert_eq!(merged.to_bytes(), whole.to_bytes());
            prop_assert_eq!(merged.estimate(), whole.estimate());
            prop_assert_eq!(&merged, &whole);
        }
    }

    #[test]
    fn round_trip() {
        for lg_k in [4u8, 8, 12, 16] {
            for n in [0usize, 1, 5, 8, 30, 300, 385, 5000] {
                let d = sketch(lg_k, &ids(n as u64 + 99, n));
                let bytes = d.to_bytes();
                let back = Distinct::from_bytes(&bytes).unwrap();
                assert_eq!(back, d, "lgK {lg_k} n {n}");
                assert_eq!(back.to_bytes(), bytes);
                assert_eq!(back.estimate(), d.estimate());
            }
        }
    }

    #[test]
    fn reads_other_datasketches_images() {
        // The crate's own images (the updatable/HIP HLL_8 image like
        // Spark's, and HLL_4/HLL_6) read to the same sketch as counting.
        for n in [3usize, 100, 5000] {
            let v = ids(n as u64 + 5, n);
            let ours = sketch(12, &v);
            for t in [HllType::Hll8, HllType::Hll6, HllType::Hll4] {
                let mut s = HllSketch::new(12, t).unwrap();
                v.iter().for_each(|id| s.update(raw_bytes::from_str(id)));
                let back = Distinct::from_bytes(&s.serialize()).unwrap();
                assert_eq!(back, ours, "n {n} {t:?}");
            }
        }
        assert!(Distinct::from_bytes(b"").is_err());
        assert!(Distinct::from_bytes(&[2, 1, 9, 12, 3, 8, 0, 8]).is_err());
    }

    #[test]
    fn bytes_are_stable() {
        // The image of a fixed set of ids, pinned: a change of hashing,
        // mode rule or layout shows here (partials must read across
        // versions).
        let v: Vec<String> = (0..3).map(|i| format!("call-{i}")).collect();
        let b = sketch(12, &v).to_bytes();
        assert_eq!(b[..8], [2, 1, 7, 12, 3, 8, 3, 8]);
        assert_eq!(b.len(), 8 + 12);
        let mut sorted: Vec<u32> = v.iter().map(|id| coupon(id)).collect();
        sorted.sort_unstable();
        let want: Vec<u8> =
            sorted.iter().flat_map(|c| c.to_le_bytes()).collect();
        assert_eq!(b[8..], want[..]);
    }

    #[test]
    fn merge_across_lg_k_is_the_smaller() {
        let v = ids(21, 20_000);
        let mut a = sketch(14, &v[..10_000]);
        a.merge(&sketch(11, &v[10_000..]));
        assert_eq!(a.lg_k(), 11);
        assert_eq!(a.to_bytes(), sketch(11, &v).to_bytes());
        let mut b = sketch(8, &v[..10]);
        b.merge(&sketch(12, &v[10..30]));
        assert_eq!(b.to_bytes(), sketch(8, &v[..30]).to_bytes());
    }

    /// A union of overlapping sketches holds what a sketch of the union
    /// holds, memory included, whichever is larger: room made at once for
    /// a larger set is given back to the size the union needs, and a
    /// smaller set grows the table as inserting it would.
    #[test]
    fn merged_is_inserted() {
        let all = ids(9, 1200);
        for (a, b) in [
            (0..6, 0..6),
            (0..100, 0..100),
            (0..3, 2..9),
            (0..100, 50..300),
            (0..300, 1..380),
            (0..10, 0..390),
            (0..384, 380..1200),
            (0..380, 0..20),
            (0..200, 150..350),
        ] {
            let mut m = sketch(12, &all[a.clone()]);
            m.merge(&sketch(12, &all[b.clone()]));
            let want =
                sketch(12, &all[a.start.min(b.start)..a.end.max(b.end)]);
            assert_eq!(m, want, "{a:?} {b:?}");
            assert_eq!(m.heap_bytes(), want.heap_bytes(), "{a:?} {b:?}");
            assert_eq!(m.to_bytes(), want.to_bytes());
        }
    }

    #[test]
    fn memory() {
        assert!(size_of::<Distinct>() <= 32, "{}", size_of::<Distinct>());
        let heap = |n| sketch(12, &ids(n as u64, n)).heap_bytes();
        for n in [0, 1, 10, 100, 384, 385, 1000] {
            eprintln!("lgK 12, {n} ids: {} heap bytes", heap(n));
        }
        assert_eq!(heap(0), 0);
        assert_eq!(heap(1), 0);
        assert!(heap(2) <= 16, "{}", heap(2));
        assert!(heap(8) <= 32, "{}", heap(8));
        assert!(heap(10) <= 128, "{}", heap(10));
        assert!(heap(100) <= 1024, "{}", heap(100));
        assert!(heap(1000) <= 4096, "{}", heap(1000));
        // never more than DataSketches' own HLL array
        for n in [200, 384, 385] {
            assert!(heap(n) <= 4096, "{n}: {}", heap(n));
        }
    }

    /// Images written by DataSketches C++ (tests/golden/distinct/README.md):
    /// they read to the sketch of the same ids counted here (so the
    /// string hashing and the modes agree), and in HLL mode our image is
    /// byte for byte the C++ union's updatable image.
    #[test]
    fn agrees_with_datasketches_cpp() {
        let calls = |n: usize| -> Vec<String> {
            (0..n).map(|i| format!("call-{i}")).collect()
        };
        let set =
            include_bytes!("../../../tests/golden/distinct/cpp-set-100.bin");
        assert_eq!(
            Distinct::from_bytes(set).unwrap(),
            sketch(12, &calls(100))
        );
        let hll =
            include_bytes!("../../../tests/golden/distinct/cpp-hll-5000.bin");
        let ours = sketch(12, &calls(5000));
        assert_eq!(Distinct::from_bytes(hll).unwrap(), ours);
        let union = include_bytes!(
            "../../../tests/golden/distinct/cpp-union-5000.bin"
        );
        assert_eq!(ours.to_bytes(), union);
        // C++ reads our image to the same estimate (measured: 4,996; its
        // HIP estimate for the in-order sketch is 4,941).
        assert_eq!(ours.estimate(), 4996);
    }
}
