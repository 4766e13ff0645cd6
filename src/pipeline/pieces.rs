//! Counting the pieces of one input in parallel, folded in input order so
//! sample line numbers follow the input whatever the scheduling.

use rayon::prelude::*;

use super::ctx::Release;
use crate::tally::Tally;

/// Finding the cuts between pieces read the bytes around each cut, and a
/// map may have brought a large block of pages in with them: drop them
/// again until their pieces are counted, or a file of many pieces would
/// start out with a block per cut resident.
pub(super) fn drop_cut_pages(pieces: &[&[u8]], release: Release<'_>) {
    let Some(r) = release else { return };
    for w in pieces.windows(2) {
        // The search for a cut starts at most a line before it; lines of
        // up to 64 KiB are covered, longer ones only leave a block.
        r(&w[0][w[0].len().saturating_sub(64 << 10)..]);
        r(&w[1][..w[1].len().min(1)]);
    }
}

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
        // Adjacent tallies merge as soon as both are counted, on the
        // workers (a reduction of an indexed iterator keeps the order):
        // the main thread is left the last merge, not one per piece.
        _ => pieces
            .par_iter()
            .map(|p| one(p))
            .reduce(Tally::default, join_in_order),
    }
}

/// The tally of consecutive parts `first` then `then`: the sample line
/// numbers of `then` are shifted by the lines of `first`. Associative, so
/// any grouping of a sequence of parts gives [`fold_in_order`]'s tally.
pub(super) fn join_in_order(mut first: Tally, mut then: Tally) -> Tally {
    then.shift_lines(first.acc.lines);
    first.merge_from(then);
    first
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

/// Fold consecutive pieces of one input: each piece's sample line numbers
/// are shifted by the lines before it.
pub(super) fn fold_in_order(parts: Vec<Tally>) -> Tally {
    parts.into_iter().fold(Tally::default(), join_in_order)
}
