//! Where a CSV input may be cut for parallel reading: just after a newline
//! outside quoted fields.
//!
//! [`QuoteScan`] follows the quoting states of `csv-core` (a quote opens a
//! quoted field only at the start of a field; a doubled quote inside one is
//! an escaped quote) over the quote and newline bytes alone. Read from the
//! start, it finds every row end, but one byte after the other: serial.
//!
//! [`split_rows`] finds its cuts in parallel instead. Near each nominal cut
//! it scans a short stretch twice, once as if that stretch started inside a
//! quoted field and once as if outside. The scan's next step depends only
//! on where it stands and whether it is inside quotes, so once the two
//! readings stand at the same byte in the same state they agree from there
//! on, and so does the reading from the start of the input, which must be
//! in one of the two states where the stretch begins. The first row end
//! after that point is a row end of the serial scan: a safe cut. Where the
//! two readings do not meet within a piece's length (a quoted field of
//! megabytes, or a stray quote in a file without other quotes), the rest
//! of the input is cut by the serial scan. The differential tests and the
//! `csv_rows` fuzz target hold the cuts to the serial scan's row ends.

use memchr::memchr2;
use rayon::prelude::*;

/// Where a quote scan stands: inside a quoted field or not, and where
/// that field's quote is.
///
/// With a bound (`QuoteScan::new(max)`, spec §10), a quote still open
/// `max` bytes after it (no closing quote at or before `open + max`) ends
/// its row at the next newline after the quote, and the scan goes on from
/// there outside quotes: a resynchronisation. The row it ends is the last
/// row of its piece, so the row readers see its quote never close.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuoteScan {
    in_quotes: bool,
    /// The offset of the open field's quote (while `in_quotes`).
    open: usize,
    /// The bound (`usize::MAX`: none).
    max: usize,
}

impl Default for QuoteScan {
    fn default() -> QuoteScan {
        QuoteScan::new(usize::MAX)
    }
}

/// What one step of a [`QuoteScan`] found.
enum Step {
    /// A quote (or an escaped quote); the scan goes on at the offset.
    Quote(usize),
    /// A newline outside quotes: a row ends just before the offset.
    RowEnd(usize),
    /// A quote open too long: its row ends just before the offset (after
    /// the first newline after the quote), where the scan goes on.
    Resync(usize),
    /// A newline inside quotes; the scan goes on at the offset.
    Newline(usize),
    /// More bytes are needed to go on from the offset: a quote at the end
    /// whose meaning needs the next byte, or a quote open too long whose
    /// line has not ended yet.
    Wait(usize),
    /// No quote or newline is left.
    End,
}

impl QuoteScan {
    /// A scan from the start of a row, with the bound `max` on how long a
    /// quote stays open (`usize::MAX`: none).
    pub fn new(max: usize) -> QuoteScan {
        QuoteScan { in_quotes: false, open: 0, max: max.max(1) }
    }

    /// A scan standing inside a quoted field, or not, without a bound.
    fn inside(in_quotes: bool) -> QuoteScan {
        QuoteScan { in_quotes, ..QuoteScan::default() }
    }

    /// Whether the scan stands inside a quoted field.
    pub fn in_quotes(&self) -> bool {
        self.in_quotes
    }

    /// Where the open quoted field's quote is, while [`in_quotes`].
    ///
    /// [`in_quotes`]: QuoteScan::in_quotes
    pub fn open(&self) -> usize {
        self.open
    }

    /// The bound on how long a quote stays open.
    pub fn max(&self) -> usize {
        self.max
    }

    /// The bytes before `by` have been dropped from the buffer (the scan
    /// stands at or after `by`, and an open quote is not before it).
    pub fn shift(&mut self, by: usize) {
        self.open = self.open.saturating_sub(by);
    }

    /// Read the next quote or newline of `buf[i..]`.
    #[inline]
    fn step(&mut self, buf: &[u8], i: usize, more: bool) -> Step {
        let found = memchr2(b'"', b'\n', &buf[i..]).map(|off| i + off);
        if self.in_quotes {
            // A closing quote must come at or before `open + max`.
            let limit = self.open.saturating_add(self.max);
            if found.is_none_or(|p| p > limit) {
                if buf.len() <= limit {
                    return Step::End;
                }
                let from = self.open + 1;
                return match memchr::memchr(b'\n', &buf[from..]) {
                    Some(nl) => {
                        self.in_quotes = false;
                        self.open = 0;
                        Step::Resync(from + nl + 1)
                    }
                    None if more => Step::Wait(i),
                    None => Step::End,
                };
            }
        }
        let Some(p) = found else { return Step::End };
        if buf[p] == b'\n' {
            return match self.in_quotes {
                false => Step::RowEnd(p + 1),
                true => Step::Newline(p + 1),
            };
        }
        if self.in_quotes {
            match buf.get(p + 1) {
                // `""` inside quotes: an escaped quote.
                Some(b'"') => Step::Quote(p + 2),
                None if more => Step::Wait(p),
                _ => {
                    // (Outside quotes `open` is 0, so that two scans in
                    // the same place are equal.)
                    self.in_quotes = false;
                    self.open = 0;
                    Step::Quote(p + 1)
                }
            }
        } else {
            // A quote opens a quoted field only at the start of a field.
            self.in_quotes =
                p == 0 || matches!(buf[p - 1], b',' | b'\n' | b'\r');
            if self.in_quotes {
                self.open = p;
            }
            Step::Quote(p + 1)
        }
    }

    /// Scan `buf[from..]` (`buf[0]` is the start of a row, and
    /// `buf[..from]` was scanned before), calling `row_end` with the offset
    /// just past each newline outside quotes. Returns how far the scan got:
    /// a quote that is the last byte of `buf` inside a quoted field is left
    /// unscanned when `more` says bytes may follow (its meaning depends on
    /// the next byte).
    pub fn scan(
        &mut self,
        buf: &[u8],
        from: usize,
        more: bool,
        mut row_end: impl FnMut(usize),
    ) -> usize {
        self.scan_rows(buf, from, more, |end, _| {
            row_end(end);
            true
        })
    }

    /// [`scan`], telling `row_end` whether each row end is a
    /// resynchronisation; the scan stops after a row end for which
    /// `row_end` returns false.
    ///
    /// [`scan`]: QuoteScan::scan
    pub fn scan_rows(
        &mut self,
        buf: &[u8],
        from: usize,
        more: bool,
        mut row_end: impl FnMut(usize, bool) -> bool,
    ) -> usize {
        let mut i = from;
        loop {
            i = match self.step(buf, i, more) {
                Step::Quote(next) | Step::Newline(next) => next,
                Step::RowEnd(next) => match row_end(next, false) {
                    true => next,
                    false => return next,
                },
                Step::Resync(next) => match row_end(next, true) {
                    true => next,
                    false => return next,
                },
                Step::Wait(at) => return at,
                Step::End => return buf.len(),
            }
        }
    }
}

/// Cut `data` (starting at a row boundary) into pieces of about `size`
/// bytes, each ending at a row end of the serial [`QuoteScan`] bounded by
/// `max` (`--max-record-bytes`). The cuts are found in parallel; see the
/// module documentation.
///
/// Where the pieces found so are all at most `max` bytes long, no quote in
/// them can stay open `max` bytes, so the bound changes nothing in them.
/// Otherwise the rest is cut by the bounded serial scan, which also cuts
/// after every resynchronisation: a row that one ends is the last of its
/// piece.
pub fn split_rows(data: &[u8], size: usize, max: usize) -> Vec<&[u8]> {
    split_rows_with(data, size, max, &|_| {})
}

/// [`split_rows`], calling `scanned` with what the search for each cut
/// read, once that search is done, and with each long stretch a scan has
/// passed (the search for the last quote before a cut, in a file with few
/// quotes; the serial scan, where it runs): a memory map releases those
/// pages until they are counted.
pub fn split_rows_with<'a>(
    data: &'a [u8],
    size: usize,
    max: usize,
    scanned: &(dyn Fn(&'a [u8]) + Sync),
) -> Vec<&'a [u8]> {
    let size = size.max(1);
    let near: Vec<Near> = (1..=data.len() / size)
        .map(|k| k * size)
        .filter(|&at| at < data.len())
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|at| cut_near(data, at, size, scanned))
        .collect();
    let mut cuts = Vec::with_capacity(near.len());
    let mut last = 0;
    for n in near {
        // A serial scan for an earlier cut may have passed this one's
        // start: the readings from there say nothing of the scan from the
        // last cut.
        if last >= n.start {
            continue;
        }
        // No quote between the last cut and here: the reading from the
        // last cut stands here outside quotes.
        let quoteless = n.last_quote.is_none_or(|q| q < last);
        let cut = match quoteless {
            true => n.outside,
            false => n.met,
        };
        match cut {
            Some(cut) if cut <= last => {}
            Some(cut) if cut - last <= max => {
                cuts.push(cut);
                last = cut;
            }
            // The readings cannot tell (or the piece would pass the
            // bound): the serial scan from the last cut finds this cut.
            _ => {
                let from = last;
                last = serial_until(data, from, n.start, max, &mut cuts);
                scanned(&data[from..last]);
            }
        }
        if last >= data.len() {
            return pieces(data, &cuts);
        }
    }
    if data.len() - last > max {
        serial_cuts(data, last, size, max, &mut cuts, &mut |p| scanned(p));
    }
    pieces(data, &cuts)
}

/// [`split_rows`] with the serial scan alone: the cuts it is held to.
pub fn split_rows_serial(data: &[u8], size: usize, max: usize) -> Vec<&[u8]> {
    let mut cuts = Vec::new();
    serial_cuts(data, 0, size.max(1), max, &mut cuts, &mut |_| {});
    pieces(data, &cuts)
}

/// The row ends the serial scan bounded by `max` finds in `data`, from the
/// start (resynchronisations included).
pub fn row_ends(data: &[u8], max: usize) -> Vec<usize> {
    let mut ends = Vec::new();
    QuoteScan::new(max).scan(data, 0, false, |end| ends.push(end));
    ends
}

/// Push the bounded serial scan's cuts of `data[from..]` (`from` is a row
/// boundary) onto `cuts`: the first row end at least `size` bytes after
/// the last cut, and so on, and every resynchronisation. `scanned` gets
/// each piece once the scan has passed it.
fn serial_cuts<'a>(
    data: &'a [u8],
    from: usize,
    size: usize,
    max: usize,
    cuts: &mut Vec<usize>,
    scanned: &mut impl FnMut(&'a [u8]),
) {
    let mut next = from.saturating_add(size);
    let mut last = from;
    QuoteScan::new(max).scan_rows(&data[from..], 0, false, |end, resync| {
        let end = from + end;
        if (end >= next || resync) && end < data.len() {
            cuts.push(end);
            scanned(&data[last..end]);
            last = end;
            next = end.saturating_add(size);
        }
        true
    });
    scanned(&data[last..]);
}

/// The bounded serial scan from `from` (a row boundary) until the first
/// row end at or after `until`: pushes every resynchronisation before it
/// and that row end onto `cuts`; returns the last cut (`data.len()` when
/// no row end follows).
fn serial_until(
    data: &[u8],
    from: usize,
    until: usize,
    max: usize,
    cuts: &mut Vec<usize>,
) -> usize {
    let mut last = data.len();
    QuoteScan::new(max).scan_rows(&data[from..], 0, false, |end, resync| {
        let end = from + end;
        if end >= data.len() {
            return false;
        }
        if end >= until {
            cuts.push(end);
            last = end;
            return false;
        }
        if resync {
            cuts.push(end);
        }
        true
    });
    last
}

fn pieces<'a>(data: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for &c in cuts {
        pieces.push(&data[start..c]);
        start = c;
    }
    if start < data.len() {
        pieces.push(&data[start..]);
    }
    pieces
}

/// What the scans near a nominal cut found.
#[derive(Debug, PartialEq, Eq)]
struct Near {
    /// Where they started (the nominal cut, past any quotes before it).
    start: usize,
    /// The last quote between the nominal cut before and `start`.
    last_quote: Option<usize>,
    /// The first row end after `start` of a reading that starts there
    /// outside quotes (right when no quote comes between the last cut and
    /// `start`).
    outside: Option<usize>,
    /// The first row end after the point where a reading from inside
    /// quotes and one from outside meet (right whatever the state at
    /// `start`).
    met: Option<usize>,
}

/// The scans near the nominal cut `at` (`at - window` is the nominal cut
/// before), looking at most `window` bytes past it. `None` for a row end
/// means: none found before the end of the input or of the window.
fn cut_near<'a>(
    data: &'a [u8],
    at: usize,
    window: usize,
    scanned: &(dyn Fn(&'a [u8]) + Sync),
) -> Near {
    // Start where no escaped quote straddles the start (a `""` read as
    // one step), so that the serial scan has a state exactly there.
    let mut start = at;
    while start < data.len() && data[start - 1] == b'"' {
        start += 1;
    }
    let from = at.saturating_sub(window);
    let last_quote =
        memchr::memrchr(b'"', &data[from..start]).map(|q| from + q);
    // Pages read far behind the cut are not needed until counted.
    let read_from = last_quote.unwrap_or(from);
    if start - read_from > 1 << 20 {
        scanned(&data[read_from..start - (64 << 10)]);
    }
    let end = start.saturating_add(window).min(data.len());
    let buf = &data[..end];
    let more = end < data.len();
    let outside = first_row_end(buf, (QuoteScan::inside(false), start), more);
    // Newlines do not change the state: the readings can only meet after
    // a quote, so both start at the first one.
    let met = match memchr::memchr(b'"', &buf[start..]) {
        None => None,
        Some(q) => {
            let mut a = (QuoteScan::inside(false), start + q);
            let mut b = (QuoteScan::inside(true), start + q);
            loop {
                if a == b {
                    break first_row_end(buf, a, more);
                }
                // Move the reading that is behind; a step never goes
                // backwards.
                let t = if a.1 <= b.1 { &mut a } else { &mut b };
                t.1 = match t.0.step(buf, t.1, more) {
                    Step::Quote(next)
                    | Step::Newline(next)
                    | Step::RowEnd(next) => next,
                    // The readings have not met: which is right is
                    // unknown. (They are unbounded: no resynchronisation.)
                    Step::Wait(_) | Step::End | Step::Resync(_) => break None,
                };
            }
        }
    };
    // What was read near the cut is not needed until counted either: a
    // file cached in 2 MiB pages maps 2 MiB here, and the cuts of a large
    // file held a block each until all were found. (A reading that found
    // nothing read on to the window's end.)
    let reach = match (outside, met) {
        (Some(a), Some(b)) => a.max(b),
        _ => end,
    };
    // (From before `at`: the quote test above read the byte there.)
    let read = read_from.min(at - 1)..reach.clamp(start, data.len());
    scanned(&data[read]);
    let last_of_input = |c: Option<usize>| c.filter(|&c| c < data.len());
    Near {
        start,
        last_quote,
        outside: last_of_input(outside),
        met: last_of_input(met),
    }
}

/// The first row end of the unbounded reading `(scan, i)` in `buf` (`more`:
/// the input goes on after `buf`).
fn first_row_end(
    buf: &[u8],
    (mut scan, mut i): (QuoteScan, usize),
    more: bool,
) -> Option<usize> {
    loop {
        i = match scan.step(buf, i, more) {
            Step::Quote(next) | Step::Newline(next) => next,
            Step::RowEnd(end) => return Some(end),
            Step::Wait(_) | Step::Resync(_) | Step::End => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ends(pieces: &[&[u8]]) -> Vec<usize> {
        pieces
            .iter()
            .scan(0, |acc, p| {
                *acc += p.len();
                Some(*acc)
            })
            .collect()
    }

    #[test]
    fn quote_scan_finds_row_ends_only() {
        let data = b"a,\"x\ny\",b\nc,d\"e\nf,\"\"\"\n\",g\n";
        let mut s = QuoteScan::default();
        let mut found = Vec::new();
        let reached = s.scan(data, 0, false, |e| found.push(e));
        assert_eq!(reached, data.len());
        assert_eq!(found, [10, 16, data.len()]);
        // A quote at the end of a quoted field waits for the next byte.
        let mut s = QuoteScan::default();
        assert_eq!(s.scan(b"a,\"x\"", 0, true, |_| {}), 4);
        // Cuts: after "b\n" (10), after "d\"e\n" (16), at the end.
        assert_eq!(ends(&split_rows(data, 1, 1 << 20)), [10, 16, data.len()]);
        assert_eq!(
            ends(&split_rows_serial(data, 1, 1 << 20)),
            [10, 16, data.len()]
        );
    }

    #[test]
    fn the_readings_meet_then_cut_at_a_serial_row_end() {
        // Inside the quoted field of row 1, the reading from outside
        // quotes would cut after "x\n"; they meet at `,"` of row 2.
        let data = b"a,\"q\nx\ny\",b\nc,\"d\",e\nf,g\n";
        let serial = row_ends(data, usize::MAX);
        let mut cuts = 0;
        for at in 1..data.len() {
            let n = cut_near(data, at, data.len(), &|_| {});
            match n.met {
                Some(c) => {
                    assert!(serial.contains(&c), "cut {c} from {at}");
                    assert!(c > at);
                    cuts += 1;
                }
                // Near the end, the readings may not meet.
                None => assert!(at >= 17, "no meeting from {at}"),
            }
            // Outside quotes from `at`: a row end of that reading.
            if let Some(c) = n.outside {
                assert!(c > at && data[c - 1] == b'\n');
            }
        }
        assert!(cuts >= 16);
    }

    #[test]
    fn a_stray_quote_without_other_quotes_is_left_to_the_serial_scan() {
        let mut data = b"a,b\n\"x,y\n".to_vec();
        for _ in 0..50 {
            data.extend_from_slice(b"1,2\n");
        }
        // Only the reading from outside quotes finds a row end, and a
        // quote comes before: the serial scan decides.
        let n = cut_near(&data, 12, 40, &|_| {});
        assert_eq!(
            (n.last_quote, n.outside, n.met),
            (Some(4), Some(13), None)
        );
        for max in [1000, 8] {
            let serial = row_ends(&data, max);
            for cut in ends(&split_rows(&data, 40, max)) {
                assert!(cut == data.len() || serial.contains(&cut));
            }
        }
        // Unbounded, the quote takes the rest; bounded, one line.
        assert_eq!(ends(&split_rows(&data, 40, 1000)), [data.len()]);
        assert_eq!(ends(&split_rows(&data, 40, 8))[..2], [9, 41]);
    }

    #[test]
    fn a_quote_open_too_long_ends_its_row_at_the_next_line() {
        // The stray quote of row 2 never closes: with a bound of 8 bytes,
        // its row ends at the newline after it, and the rows after it are
        // rows again.
        let data = b"a,b\n\"x,y\n1,2\n3,4\n5,6\n";
        assert_eq!(row_ends(data, usize::MAX), [4]);
        assert_eq!(row_ends(data, 8), [4, 9, 13, 17, 21]);
        let mut found = Vec::new();
        QuoteScan::new(8).scan_rows(data, 0, false, |e, resync| {
            found.push((e, resync));
            true
        });
        assert_eq!(found[1], (9, true));
        // A quote that closes within the bound is a quoted field.
        let data = b"a,\"x\ny\",b\nc,d\n";
        assert_eq!(row_ends(data, 4), [10, 14]);
        assert_eq!(row_ends(data, 3), [5, 10, 14]);
        // Cut after the resynchronisation, whatever the size.
        let data = b"a,b\n\"x,y\n1,2\n3,4\n5,6\n";
        assert_eq!(ends(&split_rows(data, 100, 8)), [9, data.len()]);
        // Found by the csv_rows fuzzer: a resynchronisation with a piece
        // size of usize::MAX (the sizes saturate).
        let data = b"\"ab\ncd\nef\n";
        assert_eq!(ends(&split_rows(data, usize::MAX, 3)), [4, data.len()]);
        // Streams wait for the newline after the quote.
        let mut s = QuoteScan::new(3);
        assert_eq!(s.scan(b"\"xyzw", 0, true, |_| {}), 1);
        assert!(s.in_quotes());
    }
}
