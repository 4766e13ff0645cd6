//! The cells a [`Counter`](super::Counter) fills when the run counts calls
//! and participants: the ids of a record go into its cell's sketches in
//! batches, cell by cell, instead of as each record is read.
//!
//! A piece of the default report's input touches thousands of cells, and
//! each holds two sketches (up to 4 KB each): inserting every record's
//! ids as it comes reaches a different sketch each time, which is not in
//! the L1 cache, through branches that depend on the sketch's mode. That
//! cost the default run a tenth of its time (measured: the same inserts
//! into one sketch took an eighth of it). Here a record only appends its
//! cell's slot and two coupons to a list; the list is sorted by slot
//! (a counting sort: two passes) and each cell's coupons go into its
//! sketches together. The sketches' state is a function of the set of
//! coupons, so the order of inserts changes nothing (the tests compare).

use std::collections::hash_map::Entry;
use std::sync::{Mutex, PoisonError};

use rustc_hash::FxHashMap;

use super::{Cell, Cells, GroupKey, Ids};

/// How many records' ids wait before they are counted (12 bytes each).
const BATCH: usize = 1 << 16;

/// A cell of one piece: its count and its slot.
#[derive(Clone, Copy, Debug)]
struct PieceCell {
    count: u64,
    slot: u32,
}

/// Counted records of one piece by group key, with their ids (see the
/// module documentation).
#[derive(Debug)]
pub(super) struct PieceCells {
    lg_k: u8,
    cells: FxHashMap<GroupKey, PieceCell>,
    /// The cells' keys, by slot.
    keys: Vec<GroupKey>,
    /// The cells' own sketches, by slot (not those in a run's
    /// [`IdStore`]): boxed as the tally's cells hold them, so that they
    /// move there without a copy. (A vector of the sketches themselves,
    /// copied into boxes at the end, left a piece's worth of holes in
    /// the heap per piece: a run of a million groups peaked 130 MB
    /// higher.)
    ids: Vec<Option<Box<Ids>>>,
    /// Ids not yet counted: a slot, a call's coupon, a participant's
    /// coupon (0, which no id hashes to, for none).
    pending: Vec<[u32; 3]>,
    /// The pending coupons sorted by slot, and where each slot's run
    /// starts (kept between batches).
    sorted: Vec<[u32; 2]>,
    starts: Vec<u32>,
}

impl PieceCells {
    /// Cells whose sketches have precision `lg_k`.
    pub(super) fn new(lg_k: u8) -> PieceCells {
        PieceCells {
            lg_k,
            cells: FxHashMap::default(),
            keys: Vec::new(),
            ids: Vec::new(),
            pending: Vec::new(),
            sorted: Vec::new(),
            starts: Vec::new(),
        }
    }

    /// Count a record of the cell `key` with the coupons of its call and
    /// participant (`None`: not counted); `store`: where the sketches are.
    #[inline]
    pub(super) fn count(
        &mut self,
        key: GroupKey,
        call: Option<u32>,
        participant: Option<u32>,
        store: Option<&IdStore>,
    ) {
        let next = self.keys.len() as u32;
        let cell = self
            .cells
            .entry(key)
            .or_insert(PieceCell { count: 0, slot: next });
        cell.count += 1;
        let slot = cell.slot;
        if slot == next {
            self.keys.push(key);
        }
        self.pending.push([slot, call.unwrap_or(0), participant.unwrap_or(0)]);
        if self.pending.len() >= BATCH {
            self.flush(store);
        }
    }

    /// Count the pending ids into their sketches, cell by cell: into the
    /// cells' sketches in `store` (lent for the time it takes) when the
    /// batch has two records a cell or more, else (or without a store)
    /// into sketches of the piece's own. (A store of every cell of a
    /// sparse run, a million distinct pairs of a record each, held the
    /// sketches twice at its end, in the store and in the cells: 436 MB
    /// instead of 218.)
    fn flush(&mut self, store: Option<&IdStore>) {
        if self.pending.is_empty() {
            return;
        }
        let lg_k = self.lg_k;
        let slots = self.keys.len();
        self.ids.resize_with(slots, || None);
        if self.pending.len() < slots * 2 {
            // About one record per cell: no cell's sketch is used twice,
            // so sorting would gain nothing.
            for &[slot, call, participant] in &self.pending {
                let ids = self.ids[slot as usize]
                    .get_or_insert_with(|| Box::new(Ids::new(lg_k)));
                let counted = |c: u32| (c != 0).then_some(c);
                ids.insert_coupons(counted(call), counted(participant));
            }
            self.pending.clear();
            return;
        }
        // Counting sort by slot.
        self.starts.clear();
        self.starts.resize(slots + 1, 0);
        for p in &self.pending {
            self.starts[p[0] as usize + 1] += 1;
        }
        for i in 1..=slots {
            self.starts[i] += self.starts[i - 1];
        }
        self.sorted.clear();
        self.sorted.resize(self.pending.len(), [0; 2]);
        for &[slot, call, participant] in &self.pending {
            let at = &mut self.starts[slot as usize];
            self.sorted[*at as usize] = [call, participant];
            *at += 1;
        }
        self.pending.clear();
        // `starts[s]` is now where slot `s + 1` starts, `s`'s end.
        let run = |s: usize| {
            let from = if s == 0 { 0 } else { self.starts[s - 1] as usize };
            from..self.starts[s] as usize
        };
        let mut lent = match store {
            Some(store) => store.lend(&self.keys, lg_k),
            None => Vec::new(),
        };
        for s in 0..slots {
            let coupons = &self.sorted[run(s)];
            if coupons.is_empty() {
                continue;
            }
            let ids = match lent.get_mut(s) {
                Some(lent) => lent,
                None => {
                    self.ids[s].get_or_insert_with(|| Box::new(Ids::new(lg_k)))
                }
            };
            for &[call, _] in coupons {
                if call != 0 {
                    ids.calls.insert_coupon(call);
                }
            }
            for &[_, participant] in coupons {
                if participant != 0 {
                    ids.participants.insert_coupon(participant);
                }
            }
        }
        if let Some(store) = store {
            store.give_back(&self.keys, lent);
        }
    }

    /// Move the cells into `cells`, with the sketches the piece kept
    /// (not those in the run's store).
    pub(super) fn finish_into(
        mut self,
        cells: &mut Cells,
        store: Option<&IdStore>,
    ) {
        self.flush(store);
        cells.reserve(self.cells.len());
        for (key, c) in self.cells {
            let sketches =
                self.ids.get_mut(c.slot as usize).and_then(Option::take);
            *cells.entry(key).or_default() +=
                Cell { count: c.count, ids: sketches };
        }
    }
}

/// The sketches of a run's cells, kept across its pieces when the run has
/// no dimensions (its cells' keys mean the same in every piece).
///
/// A piece starts its cells' sketches empty, and a sketch holds a set of
/// coupons until it has hundreds, then registers: each piece paid again
/// for every cell's set (a tenth of the default run), and the fold of
/// the pieces merged them all again. A counter instead borrows its cells'
/// sketches from the run's store to count a batch, and gives them back;
/// the piece's tally keeps only the counts. Sketches are sets, so which
/// worker counts which ids in what order changes nothing; two workers
/// that count into one cell at once each get a sketch, merged when the
/// second is given back. [`IdStore::attach`] puts them in the run's cells
/// at the end.
#[derive(Debug, Default)]
pub struct IdStore {
    sketches: Mutex<FxHashMap<GroupKey, Ids>>,
}

impl IdStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, FxHashMap<GroupKey, Ids>> {
        self.sketches.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The sketches of `keys`, taken out (new ones for keys without).
    fn lend(&self, keys: &[GroupKey], lg_k: u8) -> Vec<Ids> {
        let mut held = self.lock();
        keys.iter()
            .map(|k| held.remove(k).unwrap_or_else(|| Ids::new(lg_k)))
            .collect()
    }

    /// Put back the sketches of `keys` (merged into any another worker
    /// put back meanwhile).
    fn give_back(&self, keys: &[GroupKey], ids: Vec<Ids>) {
        let mut held = self.lock();
        for (key, ids) in keys.iter().zip(ids) {
            match held.entry(*key) {
                Entry::Occupied(mut e) => e.get_mut().merge(&ids),
                Entry::Vacant(e) => {
                    e.insert(ids);
                }
            }
        }
    }

    /// Put the sketches into the cells of their keys (every key counted
    /// a record of its cell), emptying the store.
    pub fn attach(&self, cells: &mut Cells) {
        for (key, ids) in std::mem::take(&mut *self.lock()) {
            let cell = cells.entry(key).or_default();
            debug_assert!(cell.count > 0, "a sketch of a cell counted");
            match &mut cell.ids {
                Some(held) => held.merge(&ids),
                None => cell.ids = Some(Box::new(ids)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Triple;
    use crate::tally::distinct::coupon;
    use proptest::prelude::*;

    fn key(code: i64) -> GroupKey {
        GroupKey::of(Triple { code, subcode: Some(0), category: None })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        /// Batched (across several flushes, sorted or not; in pieces that
        /// keep their sketches, or that count into a store) equals each
        /// record counted into its cell as it comes.
        #[test]
        fn same_cells_as_counting_each_record(
            records in proptest::collection::vec(
                (0i64..40, 0u32..500, 0u32..2000, any::<bool>()),
                0..(2 * BATCH + 100),
            ),
            few_cells in any::<bool>(),
            pieces in 1usize..5,
        ) {
            let store = IdStore::default();
            let mut direct = Cells::default();
            let mut kept = Cells::default();
            let mut stored = Cells::default();
            let size = records.len().div_ceil(pieces).max(1);
            for part in records.chunks(size) {
                let mut own = PieceCells::new(12);
                let mut lent = PieceCells::new(12);
                for &(code, call, participant, no_call) in part {
                    let code = if few_cells {
                        code % 3
                    } else {
                        code * 1000 + i64::from(call % 50)
                    };
                    let c = (!no_call).then(|| coupon(&format!("call-{call}")));
                    let p = (participant % 7 != 0)
                        .then(|| coupon(&format!("p-{participant}")));
                    own.count(key(code), c, p, None);
                    lent.count(key(code), c, p, Some(&store));
                    let cell = direct.entry(key(code)).or_default();
                    cell.count += 1;
                    let ids =
                        cell.ids.get_or_insert_with(|| Box::new(Ids::new(12)));
                    if let Some(c) = c {
                        ids.calls.insert_coupon(c);
                    }
                    if let Some(p) = p {
                        ids.participants.insert_coupon(p);
                    }
                }
                let mut piece = Cells::default();
                own.finish_into(&mut piece, None);
                kept.absorb(piece);
                let mut piece = Cells::default();
                lent.finish_into(&mut piece, Some(&store));
                // A dense piece (two records a cell or more, in each
                // batch) counts into the store alone; a sparse one into
                // sketches of its own.
                if few_cells && part.len() % BATCH >= 6 {
                    prop_assert!(piece.values().all(|c| c.ids.is_none()));
                }
                stored.absorb(piece);
            }
            store.attach(&mut stored);
            prop_assert_eq!(&kept, &direct);
            prop_assert_eq!(&stored, &direct);
        }
    }
}
