//! The SIMD row scanner: one pass over the byte classes of a CSV piece
//! ([`csv_index`]) finds the field and row ends, and only the key columns
//! of the header are decoded.
//!
//! Quotes are followed with a prefix XOR of the quote mask (each quote
//! toggles "inside"; a doubled quote toggles twice). That is how
//! `csv-core` reads them as long as every quote that opens is at the start
//! of a field (after `,`, a line end or a closing quote) and every quote
//! that closes is followed by `,`, a line end, a quote or the end of the
//! input. A row holding any other quote, a bare `\r`, the wrong number of
//! fields, invalid UTF-8, a doubled quote inside a key cell, or a quote
//! still open at the end of the input is read by `csv-core` instead
//! ([`read_one_core`]), and the scan starts afresh after it.

use memchr::memchr;

use super::{read_one_core, set_cell, Header, LineOf};
use crate::extract::fast::index::{ascii_text, csv_index, CsvMasks};
use crate::input::lines::count_lines;
use crate::record::{Fields, Nested, Outcome, Sink};

#[cfg(test)]
thread_local! {
    /// Rows handed to `csv-core` on this thread.
    static FALLBACKS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Blocks of 64 bytes indexed at a time (16 KiB).
const WINDOW: usize = 256;

/// Inclusive prefix XOR: bit `i` is the parity of bits `0..=i`.
#[inline(always)]
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// The first byte from `at` that is not a line end (`csv-core` skips line
/// ends between rows).
#[inline(always)]
fn skip_line_ends(data: &[u8], mut at: usize) -> usize {
    while at < data.len() && matches!(data[at], b'\n' | b'\r') {
        at += 1;
    }
    at
}

/// The row being scanned.
struct Row {
    /// Its first byte.
    start: usize,
    /// Where its current field starts.
    field_start: usize,
    /// The index of its current field.
    field: usize,
    /// Whether a byte from 0x80 was seen in it.
    high: bool,
}

/// Why a row is handed to `csv-core`.
struct Unsure;

/// Read the data rows of `data` as [`super::read_rows_core`] does.
pub(super) fn read_rows(data: &[u8], header: &Header, sink: &mut impl Sink) {
    let mut scan = Scan {
        data,
        header,
        spans: vec![(0, 0); header.columns.len()],
        lines: LineOf::default(),
        rec: csv::ByteRecord::new(),
        masks: Vec::with_capacity(WINDOW + 1),
    };
    // One `csv-core` reader for the rows handed to it, made on the first
    // and moved to each row's start after (making one per row cost 10% of
    // the instructions of a Log Analytics export).
    let mut core = None;
    let mut pos = skip_line_ends(data, 0);
    super::blanks(sink, super::blank_lines(data, 0, pos));
    while pos < data.len() {
        pos = match scan.segment(pos, sink) {
            Ok(()) => data.len(),
            Err(start) => {
                #[cfg(test)]
                FALLBACKS.with(|f| f.set(f.get() + 1));
                let end = read_one_core(
                    data,
                    start,
                    header,
                    &mut scan.lines,
                    &mut scan.rec,
                    &mut core,
                    sink,
                );
                let next = skip_line_ends(data, end);
                super::blanks(sink, super::blank_lines(data, end, next));
                next
            }
        };
    }
    sink.lines(count_lines(data));
}

struct Scan<'d, 'h> {
    data: &'d [u8],
    header: &'h Header,
    /// The cell of each key column of the current row.
    spans: Vec<(usize, usize)>,
    lines: LineOf,
    rec: csv::ByteRecord,
    masks: Vec<CsvMasks>,
}

impl<'d> Scan<'d, '_> {
    /// Scan from `pos` (a row start, outside quotes) to the end of the
    /// data, or until a row it cannot read: `Err` with that row's start.
    fn segment(
        &mut self,
        pos: usize,
        sink: &mut impl Sink,
    ) -> Result<(), usize> {
        let data = self.data;
        let mut row =
            Row { start: pos, field_start: pos, field: 0, high: false };
        // All ones while inside quotes at the end of the previous block.
        let mut inside_carry = 0u64;
        // Bit 0: whether the byte before the block lets a quote open.
        let mut open_carry = 1u64;
        let mut win = pos;
        while win < data.len() {
            let win_end = (win + 64 * WINDOW).min(data.len());
            // One block more: whether a closing quote is followed by a
            // delimiter looks one byte ahead.
            let look = (win_end + 64).min(data.len());
            self.masks.clear();
            csv_index(&data[win..look], &mut self.masks);
            let blocks = (win_end - win).div_ceil(64);
            for k in 0..blocks {
                let base = win + 64 * k;
                let m = self.masks[k];
                let n = (data.len() - base).min(64);
                let valid = if n == 64 { !0 } else { (1u64 << n) - 1 };
                let next0 = match self.masks.get(k + 1) {
                    Some(x) => (x.comma | x.lf | x.cr | x.quote) & 1,
                    None => 1,
                };
                let inside = prefix_xor(m.quote) ^ inside_carry;
                inside_carry = ((inside as i64) >> 63) as u64;
                let opens = m.quote & inside;
                let closes = m.quote & !inside;
                let may_open = ((m.comma | m.lf | m.quote) << 1) | open_carry;
                open_carry = (m.comma | m.lf | m.quote) >> 63;
                let may_close = ((m.comma | m.lf | m.cr | m.quote | !valid)
                    >> 1)
                    | (next0 << 63);
                let bad = (opens & !may_open) | (closes & !may_close);
                let mut events =
                    (((m.comma | m.lf | m.cr) & !inside) | bad) & valid;
                while events != 0 {
                    let b = events.trailing_zeros() as usize;
                    events &= events - 1;
                    let at = base + b;
                    if at < row.start {
                        // A line end between rows.
                        continue;
                    }
                    if bad >> b & 1 == 1 {
                        return Err(row.start);
                    }
                    match data[at] {
                        b',' => self.field_end(&mut row, at),
                        c => {
                            if c == b'\r' && data.get(at + 1) != Some(&b'\n') {
                                return Err(row.start);
                            }
                            row.high |=
                                m.high & below(b) & from(&row, base) != 0;
                            self.field_end(&mut row, at);
                            self.finish(&row, at, sink)?;
                            let next = skip_line_ends(data, at + 1);
                            super::blanks(
                                sink,
                                super::blank_lines(data, at + 1, next),
                            );
                            row = Row {
                                start: next,
                                field_start: next,
                                field: 0,
                                high: false,
                            };
                        }
                    }
                }
                if row.start < base + 64 {
                    row.high |= m.high & from(&row, base) != 0;
                }
            }
            win = win_end;
        }
        if row.start >= data.len() {
            return Ok(());
        }
        // The last row has no line end.
        if inside_carry != 0 {
            return Err(row.start);
        }
        self.field_end(&mut row, data.len());
        self.finish(&row, data.len(), sink)
    }

    #[inline(always)]
    fn field_end(&mut self, row: &mut Row, at: usize) {
        if let Some(s) = self.spans.get_mut(row.field) {
            *s = (row.field_start, at);
        }
        row.field += 1;
        row.field_start = at + 1;
    }

    /// Count the row `data[row.start..end]`, or `Err` with its start.
    #[inline(always)]
    fn finish(
        &mut self,
        row: &Row,
        end: usize,
        sink: &mut impl Sink,
    ) -> Result<(), usize> {
        self.count(row, end, sink).map_err(|Unsure| row.start)
    }

    fn count(
        &mut self,
        row: &Row,
        end: usize,
        sink: &mut impl Sink,
    ) -> Result<(), Unsure> {
        let data: &'d [u8] = self.data;
        let header = self.header;
        if row.field != header.columns.len() {
            return Err(Unsure);
        }
        if row.high && std::str::from_utf8(&data[row.start..end]).is_err() {
            return Err(Unsure);
        }
        let mut fields = Fields::default();
        let wanted = sink.wanted();
        for (&(a, b), key) in self.spans.iter().zip(&header.columns) {
            let Some(key) = (*key).filter(|k| wanted.reads(k.role)) else {
                continue;
            };
            let mut cell = &data[a..b];
            if cell.first() == Some(&b'"') {
                match cell {
                    [b'"', inner @ .., b'"']
                        if memchr(b'"', inner).is_none() =>
                    {
                        cell = inner;
                    }
                    _ => return Err(Unsure),
                }
            }
            let text = match row.high {
                false => ascii_text(cell),
                true => std::str::from_utf8(cell).ok(),
            };
            let Some(text) = text else { return Err(Unsure) };
            set_cell(&mut fields, key, text);
        }
        let record = fields.record(&Nested::default(), wanted);
        let (line, item) = match record.outcome {
            Outcome::Malformed(_) => self.lines.at_item(data, row.start),
            _ => (0, 0),
        };
        Sink::record(sink, record, line, item);
        Ok(())
    }
}

/// Bits below `b`.
#[inline(always)]
fn below(b: usize) -> u64 {
    (1u64 << b) - 1
}

/// Bits of the block at `base` from the start of `row` on.
#[inline(always)]
fn from(row: &Row, base: usize) -> u64 {
    match row.start.checked_sub(base) {
        None | Some(0) => !0,
        Some(s) if s < 64 => !0 << s,
        Some(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows of `data` handed to `csv-core`, and the records.
    fn fallbacks(data: &[u8]) -> (usize, usize) {
        #[derive(Default)]
        struct N(usize);
        impl Sink for N {
            fn record(
                &mut self,
                _: crate::record::Record<'_>,
                _: u64,
                _: u32,
            ) {
                self.0 += 1;
            }
            fn blank(&mut self) {}
            fn unmatched(&mut self) {}
            fn envelope(&mut self, _: u64) {}
            fn lines(&mut self, _: u64) {}
            fn restart(&mut self) {}
        }
        let (h, n) = super::super::read_header(data).unwrap();
        FALLBACKS.with(|f| f.set(0));
        let mut sink = N::default();
        read_rows(&data[n..], &h, &mut sink);
        (FALLBACKS.with(|f| f.get()), sink.0)
    }

    #[test]
    fn clean_rows_stay_on_the_scanner() {
        let long = "z".repeat(100);
        let data = format!(
            "Note,ParticipantEndReason,ResultCategory,Type\r\n\
             \"a,\"\"b\"\"\r\n{long}\",\"410\",Failed,\"x\"\r\n\
             \r\n\
             {long},0,\"Success\",\u{e9}\r\n\
             ,abc,,\n\
             \"\",\"\",,"
        );
        assert_eq!(fallbacks(data.as_bytes()), (0, 4));
        // Each odd row alone goes to csv-core.
        let odd: &[u8] = b"Note,code,ResultCategory,Type\n\
            a,b,c,d\n1,2,3\n\"4\"\"\",1,2,3\nx\"y,1,2,3\n\
            \"q\"r,1,2,3\na,b\rc,d\n\xff,1,2,3\n1,2,3,\"open";
        // To csv-core: the short row, the two stray quotes, the bare CR,
        // the short row after it, the invalid UTF-8, the quote open at the
        // end (a doubled quote in a cell that is not a key stays here).
        assert_eq!(fallbacks(odd), (7, 9));
    }
}
