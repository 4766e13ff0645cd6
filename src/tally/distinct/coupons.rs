//! The coupons of a sketch in coupon mode (DataSketches' LIST and SET
//! modes): a set of distinct nonzero coupons, held in no order.
//!
//! One coupon is held in the struct itself (no heap: most cells of a
//! sparse run hold one id a piece); up to [`LIST_MAX`] coupons sit in a
//! short array scanned from the start;
//! past that, in an open-addressing table of a power of two slots (0 marks
//! an empty slot: no coupon is 0, its value field being at least 1),
//! probed linearly from the coupon's low bits (its register address, which
//! is uniform), and doubled when more than 3/4 full, as DataSketches grows
//! its SET. An insert is a few compares whatever the size, where a sorted
//! vector paid a binary search (mispredicted branches) and a move of half
//! the vector. The order of the slots depends on the order of inserts, so
//! nothing reads it: the image sorts the coupons ([`Coupons::sorted`]), and
//! equality is set equality.

/// The most coupons held as a list (DataSketches' LIST holds 8).
pub(super) const LIST_MAX: usize = 8;

/// The slots of the first table.
const TABLE_MIN: usize = 32;

#[derive(Clone, Default)]
pub(super) struct Coupons {
    /// How many coupons there are.
    n: u32,
    /// The coupon of a set of one, with no slots: a sketch of a single
    /// id (most of a sparse `--by` run's cells in a piece) takes no heap.
    /// (It fills the struct's padding.)
    one: u32,
    /// No slots: the set is empty or `one`. A list (`slots.len() <=
    /// LIST_MAX`): the coupons are `slots[..n]`. A table (more slots, a
    /// power of two): the nonzero slots.
    slots: Box<[u32]>,
}

impl Coupons {
    pub(super) fn len(&self) -> usize {
        self.n as usize
    }

    pub(super) fn is_empty(&self) -> bool {
        self.n == 0
    }

    fn is_table(&self) -> bool {
        self.slots.len() > LIST_MAX
    }

    /// The coupons of a set that is not a table.
    fn list(&self) -> &[u32] {
        match self.slots.is_empty() {
            true => &std::slice::from_ref(&self.one)[..self.len()],
            false => &self.slots[..self.len()],
        }
    }

    /// Bytes on the heap.
    pub(super) fn heap_bytes(&self) -> usize {
        self.slots.len() * size_of::<u32>()
    }

    /// Adds `c` (nonzero) if it is not there. A table grows when more than
    /// 3/4 full, unless that makes more than `limit` coupons: then the
    /// sketch becomes registers, and a larger table would be wasted.
    #[inline]
    pub(super) fn insert(&mut self, c: u32, limit: usize) {
        debug_assert!(c != 0, "no coupon is 0");
        if self.is_table() {
            let Some(at) = self.vacant(c) else { return };
            self.slots[at] = c;
            self.n += 1;
            debug_assert!(self.len() < self.slots.len(), "a slot stays empty");
            let n = self.n as usize;
            if n * 4 > self.slots.len() * 3 && n <= limit {
                self.rehash(self.slots.len() * 2);
            }
            return;
        }
        let n = self.n as usize;
        if self.slots.is_empty() {
            match n {
                0 => {
                    self.one = c;
                    self.n = 1;
                }
                _ if self.one == c => {}
                _ => {
                    self.slots = vec![self.one, c, 0, 0].into_boxed_slice();
                    self.n = 2;
                }
            }
            return;
        }
        if self.slots[..n].contains(&c) {
            return;
        }
        if n == self.slots.len() {
            if n == LIST_MAX {
                self.rehash(TABLE_MIN);
                return self.insert(c, limit);
            }
            let mut grown = vec![0; (n * 2).max(4)].into_boxed_slice();
            grown[..n].copy_from_slice(&self.slots);
            self.slots = grown;
        }
        self.slots[n] = c;
        self.n += 1;
    }

    /// The slot a new `c` goes to in the table, or `None` if `c` is there.
    #[inline]
    fn vacant(&self, c: u32) -> Option<usize> {
        let mask = self.slots.len() - 1;
        let mut at = c as usize & mask;
        loop {
            match self.slots[at] {
                0 => return Some(at),
                s if s == c => return None,
                _ => at = (at + 1) & mask,
            }
        }
    }

    /// Moves the coupons into a table of `slots` slots.
    fn rehash(&mut self, slots: usize) {
        let was_table = self.is_table();
        let one = [self.one];
        let old = std::mem::replace(
            &mut self.slots,
            vec![0; slots].into_boxed_slice(),
        );
        let n = self.n as usize;
        let coupons = match (was_table, old.is_empty()) {
            (true, _) => &old[..],
            (false, true) => &one[..n],
            (false, false) => &old[..n],
        };
        for &c in coupons.iter().filter(|&&c| c != 0) {
            let at = self.vacant(c).expect("coupons are distinct");
            self.slots[at] = c;
        }
    }

    /// Makes room for `n` coupons in all (at most `limit`), so that a
    /// union of many coupons grows its table once, not once per doubling
    /// (the doublings were a third of a union's cost). A set of at most
    /// [`LIST_MAX`] stays a list.
    pub(super) fn reserve(&mut self, n: usize, limit: usize) {
        let n = n.min(limit);
        if n > LIST_MAX {
            let slots = table_slots(n);
            if slots > self.slots.len() {
                self.rehash(slots);
            }
        }
    }

    /// Gives back the slots of a table larger than its coupons need (after
    /// a [`Coupons::reserve`] for ids that were partly there already), so
    /// a set holds the memory inserting its coupons would have taken.
    pub(super) fn shrink_to_fit(&mut self) {
        if !self.is_table() {
            return;
        }
        let n = self.len();
        if n <= 1 {
            // None, or the one coupon held inline.
            let one = self.iter().next().unwrap_or(0);
            self.one = one;
            self.slots = Box::default();
        } else if n <= LIST_MAX {
            // The list of 4 or 8 that inserts would have made.
            let mut list = vec![0; if n <= 4 { 4 } else { LIST_MAX }];
            for (at, c) in self.iter().enumerate() {
                list[at] = c;
            }
            self.slots = list.into_boxed_slice();
        } else if table_slots(n) < self.slots.len() {
            self.rehash(table_slots(n));
        }
    }

    /// Whether `c` is there.
    pub(super) fn contains(&self, c: u32) -> bool {
        if self.is_table() {
            c != 0 && self.vacant(c).is_none()
        } else {
            self.list().contains(&c)
        }
    }

    /// The coupons, in slot order (which depends on the order of inserts).
    pub(super) fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        let held = if self.is_table() { &self.slots[..] } else { self.list() };
        held.iter().copied().filter(|&c| c != 0)
    }

    /// The coupons, ascending: the canonical order of an image.
    pub(super) fn sorted(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self.iter().collect();
        v.sort_unstable();
        v
    }
}

/// The slots of the table that inserting `n` coupons (more than
/// [`LIST_MAX`]) one by one grows to: [`TABLE_MIN`], doubled while more
/// than 3/4 full.
fn table_slots(n: usize) -> usize {
    let mut slots = TABLE_MIN;
    while n * 4 > slots * 3 {
        slots *= 2;
    }
    slots
}

impl PartialEq for Coupons {
    /// The same set of coupons, in whatever slots.
    fn eq(&self, other: &Coupons) -> bool {
        self.n == other.n && self.iter().all(|c| other.contains(c))
    }
}

impl Eq for Coupons {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    proptest! {
        /// Against a `BTreeSet`: the same members, count and sorted
        /// order, through the list, every table size and repeats.
        #[test]
        fn is_a_set(
            raw in proptest::collection::vec(1u32..3000, 0..600),
            limit in prop_oneof![Just(384usize), Just(24), 1usize..1000],
        ) {
            let mut c = Coupons::default();
            let mut want = BTreeSet::new();
            for &x in &raw {
                // Coupons spread like real ones: nonzero, low bits mixed.
                let x = x.wrapping_mul(0x9E37_79B1) | 1 << 26;
                c.insert(x, limit);
                want.insert(x);
                prop_assert_eq!(c.len(), want.len());
                if c.len() > limit {
                    // The sketch becomes registers here.
                    break;
                }
            }
            prop_assert_eq!(c.sorted(), want.iter().copied().collect::<Vec<_>>());
            for x in &want {
                prop_assert!(c.contains(*x));
            }
            prop_assert!(!c.contains(7));
            prop_assert!(!c.contains(0));
            // Inserted in another order: a different slot layout, equal.
            let mut d = Coupons::default();
            for x in want.iter().rev() {
                d.insert(*x, limit);
            }
            prop_assert!(c == d);
        }

        /// Room made for two sets that overlap, their union inserted, and
        /// the room given back: the union, in the slots inserting it one
        /// by one takes (a list of 4 or 8, or the table's growth).
        #[test]
        fn reserved_then_shrunk_is_inserted(
            a in proptest::collection::vec(1u32..800, 0..300),
            b in proptest::collection::vec(1u32..800, 0..300),
        ) {
            let limit = 384;
            let spread = |x: u32| x.wrapping_mul(0x9E37_79B1) | 1 << 26;
            let mut c = Coupons::default();
            let mut want = Coupons::default();
            for &x in &a {
                c.insert(spread(x), limit);
            }
            c.reserve(c.len() + b.len(), limit);
            for &x in a.iter().chain(&b) {
                want.insert(spread(x), limit);
            }
            for &x in &b {
                c.insert(spread(x), limit);
            }
            prop_assume!(want.len() <= limit);
            c.shrink_to_fit();
            prop_assert!(c == want);
            prop_assert_eq!(c.heap_bytes(), want.heap_bytes());
            prop_assert_eq!(c.is_table(), want.is_table());
        }
    }

    #[test]
    fn grows_like_datasketches_set() {
        let mut c = Coupons::default();
        let mut sizes = vec![];
        for i in 1..=400u32 {
            c.insert(i.wrapping_mul(0x9E37_79B1) & 0x3FF_FFFF | 1 << 26, 384);
            sizes.push((c.len(), c.heap_bytes() / 4));
        }
        let slots = |n: usize| sizes[n - 1].1;
        // One coupon takes no slots; a list of 4, then 8.
        assert_eq!(slots(1), 0);
        assert_eq!(slots(2), 4);
        assert_eq!(slots(5), 8);
        assert_eq!(slots(8), 8);
        assert_eq!(slots(9), 32);
        assert_eq!(slots(24), 32);
        assert_eq!(slots(25), 64);
        assert_eq!(slots(384), 512);
        // Past the limit the table stays: the sketch becomes registers.
        assert_eq!(slots(400), 512);
    }
}
