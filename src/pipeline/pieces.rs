//! Counting the pieces of one input in parallel, folded in input order so
//! sample line numbers follow the input whatever the scheduling.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;

use super::ctx::Release;
use crate::tally::Tally;

/// Tally consecutive pieces of one input in parallel, folded in order;
/// `release` gets each piece once it is counted.
pub(super) fn in_pieces(
    pieces: Vec<&[u8]>,
    release: Release<'_>,
    f: impl Fn(&[u8]) -> Tally + Sync + Send,
) -> Tally {
    let one = |p: &[u8]| {
        let t = f(p);
        if let Some(r) = release {
            r(p);
        }
        t
    };
    match pieces.len() {
        0 => Tally::default(),
        1 => one(pieces[0]),
        _ => {
            let folded = InOrder::default();
            pieces
                .par_iter()
                .enumerate()
                .for_each(|(i, p)| folded.add(i, one(p)));
            folded.finish()
        }
    }
}

/// The tallies of consecutive pieces, folded in order while the pieces
/// are counted: a worker that counts a piece folds it, and any that
/// waited for it, into the total unless another worker is folding (which
/// then takes it). The merges are the sequential fold's, in its order
/// (the total, which grows, takes in one piece at a time), only done on
/// the workers: the main thread is left the pieces counted last.
#[derive(Default)]
struct InOrder {
    /// The tally of the pieces folded so far, and the next piece's index.
    total: Mutex<(Tally, usize)>,
    /// Pieces counted before all those ahead of them were.
    waiting: Mutex<BTreeMap<usize, Tally>>,
}

impl InOrder {
    /// Take in the tally of piece `i`, and fold what can be folded.
    fn add(&self, i: usize, tally: Tally) {
        lock(&self.waiting).insert(i, tally);
        while let Ok(mut total) = self.total.try_lock() {
            loop {
                let next = lock(&self.waiting).remove(&total.1);
                let Some(part) = next else { break };
                let t = std::mem::take(&mut total.0);
                total.0 = join_in_order(t, part);
                total.1 += 1;
            }
            let next = total.1;
            drop(total);
            // A piece that came in between the last look and the unlock
            // would wait for the next one counted: look again.
            if !lock(&self.waiting).contains_key(&next) {
                break;
            }
        }
    }

    /// The tally of all the pieces.
    fn finish(self) -> Tally {
        let (total, _) =
            self.total.into_inner().unwrap_or_else(PoisonError::into_inner);
        let waiting =
            self.waiting.into_inner().unwrap_or_else(PoisonError::into_inner);
        waiting.into_values().fold(total, join_in_order)
    }
}

/// The value behind `m` (a worker that panicked while holding it has
/// already failed the run).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A batch of at most `max` items from `rx`, starting with `first`: with
/// `wait`, until it is full or the channel closes; without, only the items
/// already there.
pub(super) fn take_batch<T>(
    rx: &std::sync::mpsc::Receiver<T>,
    first: T,
    max: usize,
    wait: bool,
) -> Vec<T> {
    let mut batch = vec![first];
    while batch.len() < max {
        let next = if wait { rx.recv().ok() } else { rx.try_recv().ok() };
        match next {
            Some(item) => batch.push(item),
            None => break,
        }
    }
    batch
}

/// The tally of consecutive parts `first` then `then`: the sample line
/// numbers of `then` are shifted by the lines of `first`.
fn join_in_order(mut first: Tally, mut then: Tally) -> Tally {
    then.shift_lines(first.acc.lines);
    first.merge_from(then);
    first
}

/// Fold consecutive pieces of one input: each piece's sample line numbers
/// are shifted by the lines before it.
pub(super) fn fold_in_order(parts: Vec<Tally>) -> Tally {
    parts.into_iter().fold(Tally::default(), join_in_order)
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::record::{Category, Triple};
    use crate::tally::{Cell, GroupKey, Sample};

    /// The tally of piece `i`: lines, a malformed sample (its line is
    /// relative to the piece), and a count in a group that several pieces
    /// share.
    fn piece(i: u64) -> Tally {
        let mut t = Tally::default();
        t.acc.lines = 3 + i % 4;
        t.samples.push(Sample {
            input: 0,
            line: 1 + i % 3,
            item: 0,
            reason: format!("r{i}"),
        });
        let g = t.groups.id(&[Cow::Owned(format!("g{}", i % 5))]).unwrap();
        let triple = Triple {
            code: 400 + (i % 3) as i64,
            subcode: Some(1),
            category: Some(Category::ExpectedError),
        };
        t.cells.insert(
            GroupKey::new(g, triple),
            Cell { count: i + 1, ids: None },
        );
        t.acc.counted = i + 1;
        t
    }

    /// Pieces folded as they are counted, in any order of completion,
    /// give the tally of the sequential fold: the same counts, sample
    /// lines and group ids.
    #[test]
    fn folding_as_counted_is_the_sequential_fold() {
        let parts: Vec<Tally> = (0..40).map(piece).collect();
        let want = fold_in_order(parts.clone());
        assert!(want.samples.iter().any(|s| s.line > 40), "lines shifted");
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20 {
            let mut order: Vec<usize> = (0..parts.len()).collect();
            for k in (1..order.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                order.swap(k, (state % (k as u64 + 1)) as usize);
            }
            let folded = InOrder::default();
            for &i in &order {
                folded.add(i, parts[i].clone());
            }
            assert_eq!(folded.finish(), want, "order {order:?}");
        }
        // And on a pool, as `in_pieces` uses it.
        let pool =
            rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap();
        for _ in 0..10 {
            let folded = InOrder::default();
            pool.install(|| {
                parts
                    .par_iter()
                    .enumerate()
                    .for_each(|(i, p)| folded.add(i, p.clone()))
            });
            assert_eq!(folded.finish(), want);
        }
    }
}
