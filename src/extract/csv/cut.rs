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

/// Where a quote scan stands: inside a quoted field or not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QuoteScan {
    in_quotes: bool,
}

/// What one step of a [`QuoteScan`] found.
enum Step {
    /// A quote (or an escaped quote); the scan goes on at the offset.
    Quote(usize),
    /// A newline outside quotes: a row ends just before the offset.
    RowEnd(usize),
    /// A newline inside quotes; the scan goes on at the offset.
    Newline(usize),
    /// A quote at the end of the bytes whose meaning needs the next byte,
    /// at the offset.
    Wait(usize),
    /// No quote or newline is left.
    End,
}

impl QuoteScan {
    /// A scan standing inside a quoted field, or not.
    fn inside(in_quotes: bool) -> QuoteScan {
        QuoteScan { in_quotes }
    }

    /// Whether the scan stands inside a quoted field.
    pub fn in_quotes(&self) -> bool {
        self.in_quotes
    }

    /// Read the next quote or newline of `buf[i..]`.
    #[inline]
    fn step(&mut self, buf: &[u8], i: usize, more: bool) -> Step {
        let Some(off) = memchr2(b'"', b'\n', &buf[i..]) else {
            return Step::End;
        };
        let p = i + off;
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
                    self.in_quotes = false;
                    Step::Quote(p + 1)
                }
            }
        } else {
            // A quote opens a quoted field only at the start of a field.
            self.in_quotes =
                p == 0 || matches!(buf[p - 1], b',' | b'\n' | b'\r');
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
        let mut i = from;
        loop {
            i = match self.step(buf, i, more) {
                Step::Quote(next) | Step::Newline(next) => next,
                Step::RowEnd(next) => {
                    row_end(next);
                    next
                }
                Step::Wait(at) => return at,
                Step::End => return buf.len(),
            }
        }
    }
}

/// Cut `data` (starting at a row boundary) into pieces of about `size`
/// bytes, each ending just after a newline outside quotes (a row end of
/// the serial [`QuoteScan`]). The cuts are found in parallel; see the
/// module documentation.
pub fn split_rows(data: &[u8], size: usize) -> Vec<&[u8]> {
    let size = size.max(1);
    let near: Vec<Near> = (1..=data.len() / size)
        .map(|k| k * size)
        .filter(|&at| at < data.len())
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|at| cut_near(data, at, size))
        .collect();
    let mut cuts = Vec::with_capacity(near.len());
    let mut last = 0;
    for n in near {
        match n {
            // A cut found near an earlier nominal one may lie past this
            // one's: then there is nothing to add.
            Near::At(cut) if cut > last => {
                cuts.push(cut);
                last = cut;
            }
            Near::At(_) => {}
            Near::None => break,
            Near::Unknown => {
                serial_cuts(data, last, size, &mut cuts);
                break;
            }
        }
    }
    pieces(data, &cuts)
}

/// [`split_rows`] with the serial scan alone: the cuts it is held to.
pub fn split_rows_serial(data: &[u8], size: usize) -> Vec<&[u8]> {
    let mut cuts = Vec::new();
    serial_cuts(data, 0, size.max(1), &mut cuts);
    pieces(data, &cuts)
}

/// The row ends the serial scan finds in `data`, from the start.
pub fn row_ends(data: &[u8]) -> Vec<usize> {
    let mut ends = Vec::new();
    QuoteScan::default().scan(data, 0, false, |end| ends.push(end));
    ends
}

/// Push the serial scan's cuts of `data[from..]` (`from` is a row
/// boundary) onto `cuts`: the first row end at least `size` bytes after
/// the last cut, and so on.
fn serial_cuts(data: &[u8], from: usize, size: usize, cuts: &mut Vec<usize>) {
    let mut next = from + size;
    QuoteScan::default().scan(&data[from..], 0, false, |end| {
        let end = from + end;
        if end >= next && end < data.len() {
            cuts.push(end);
            next = end + size;
        }
    });
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

/// What the scan near a nominal cut found.
#[derive(Debug, PartialEq, Eq)]
enum Near {
    /// A row end of the serial scan.
    At(usize),
    /// No row end follows: the rest is one piece.
    None,
    /// The two readings did not meet (or no row end followed them) within
    /// the window: only the serial scan can tell.
    Unknown,
}

/// The first row end of the serial scan that the two readings from `at`
/// (inside quotes and outside) agree on, looking at most `window` bytes
/// past `at`.
fn cut_near(data: &[u8], at: usize, window: usize) -> Near {
    // Start where no escaped quote straddles the start (a `""` read as
    // one step), so that the serial scan has a state exactly there.
    let mut start = at;
    while start < data.len() && data[start - 1] == b'"' {
        start += 1;
    }
    let end = start.saturating_add(window).min(data.len());
    let buf = &data[..end];
    let more = end < data.len();
    // The two readings, each with the offset it goes on from.
    let mut a = (QuoteScan::inside(false), start);
    let mut b = (QuoteScan::inside(true), start);
    while a != b {
        // Move the reading that is behind; a step never goes backwards.
        let t = if a.1 <= b.1 { &mut a } else { &mut b };
        t.1 = match t.0.step(buf, t.1, more) {
            Step::Quote(next) | Step::Newline(next) | Step::RowEnd(next) => {
                next
            }
            // The readings have not met: which is right is unknown.
            Step::Wait(_) | Step::End => return Near::Unknown,
        };
    }
    // One reading from here: the first row end after the meeting point.
    let (mut scan, mut i) = a;
    loop {
        i = match scan.step(buf, i, more) {
            Step::Quote(next) | Step::Newline(next) => next,
            Step::RowEnd(end) if end < data.len() => return Near::At(end),
            Step::RowEnd(_) => return Near::None,
            Step::Wait(_) => return Near::Unknown,
            Step::End if more => return Near::Unknown,
            Step::End => return Near::None,
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
        assert_eq!(ends(&split_rows(data, 1)), [10, 16, data.len()]);
        assert_eq!(ends(&split_rows_serial(data, 1)), [10, 16, data.len()]);
    }

    #[test]
    fn the_readings_meet_then_cut_at_a_serial_row_end() {
        // Inside the quoted field of row 1, the reading from outside
        // quotes would cut after "x\n"; they meet at `,"` of row 2.
        let data = b"a,\"q\nx\ny\",b\nc,\"d\",e\nf,g\n";
        let serial = row_ends(data);
        let mut cuts = 0;
        for at in 1..data.len() {
            match cut_near(data, at, data.len()) {
                Near::At(c) => {
                    assert!(serial.contains(&c), "cut {c} from {at}");
                    assert!(c > at);
                    cuts += 1;
                }
                Near::None => panic!("no cut from {at}"),
                // Near the end, the readings may not meet.
                Near::Unknown => assert!(at >= 17, "no meeting from {at}"),
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
        assert_eq!(cut_near(&data, 12, 40), Near::Unknown);
        assert_eq!(
            ends(&split_rows(&data, 40)),
            ends(&split_rows_serial(&data, 40))
        );
    }
}
