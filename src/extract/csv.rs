//! CSV exports (Log Analytics): a header naming the columns, then one record
//! per row, read with the `csv` crate's `ByteRecord` path.
//!
//! A large CSV file is cut into chunks for parallel reading, only after a
//! newline outside quoted fields (`cut`: [`QuoteScan`], [`split_rows`]).
//! The chunks are then parsed independently; the differential tests hold
//! the result to one sequential pass.

mod cut;
mod fast;

pub use cut::{
    row_ends, split_rows, split_rows_serial, split_rows_with, QuoteScan,
};

use std::borrow::Cow;

use crate::extract::json::payload_from_text;
use crate::input::lines::count_lines;
use crate::record::{
    classify_key, kind_text, CatVal, Fields, IntVal, KeyId, Nested, Outcome,
    Record, Role, Roles, Shape, Sink,
};

/// The header of a CSV input: what each column is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    columns: Vec<Option<KeyId>>,
    /// The column names, suffixes dropped (`None`: not UTF-8), for the
    /// keys of a run's `field:` dimensions ([`Header::for_run`]).
    names: Vec<Option<Box<str>>>,
}

impl Header {
    /// Classify header cells. A trailing bracketed suffix (` [UTC]`) is
    /// ignored, then names are matched like JSON keys.
    pub fn new<'a>(names: impl IntoIterator<Item = &'a [u8]>) -> Header {
        let names: Vec<Option<Box<str>>> = names
            .into_iter()
            .map(|n| Some(strip_suffix(std::str::from_utf8(n).ok()?).into()))
            .collect();
        let columns = classify(&names, classify_key);
        Header { columns, names }
    }

    /// This header for a run: with the keys of its `field:` dimensions,
    /// if it has some (a column of such a name is that field; one that is
    /// also a key of the table is read both ways).
    pub fn for_run(&self, wanted: Roles) -> Cow<'_, Header> {
        match wanted.1 {
            None => Cow::Borrowed(self),
            Some(fields) => Cow::Owned(Header {
                columns: classify(&self.names, |n| fields.classify(n)),
                names: self.names.clone(),
            }),
        }
    }

    /// Whether any column is a code, subcode or category column (the CSV
    /// sniffing rule).
    pub fn has_triple_column(&self) -> bool {
        self.columns.iter().flatten().any(|k| {
            matches!(
                k.role,
                Role::Code
                    | Role::Subcode
                    | Role::Category
                    | Role::OperationPayload
            )
        })
    }

    /// The number of columns.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// Whether there are no columns.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }
}

/// What each column (of `names`) is, by `classify`: no nesting in CSV,
/// so only the keys of values count.
fn classify(
    names: &[Option<Box<str>>],
    classify: impl Fn(&str) -> Option<KeyId>,
) -> Vec<Option<KeyId>> {
    names
        .iter()
        .map(|n| {
            let key = classify(n.as_deref()?)?;
            (key.shape() != Shape::Container).then_some(key)
        })
        .collect()
}

/// `TimeGenerated [UTC]` → `TimeGenerated`.
fn strip_suffix(name: &str) -> &str {
    let t = name.trim_ascii_end();
    if let Some(body) = t.strip_suffix(']') {
        if let Some(open) = body.rfind('[') {
            return &t[..open];
        }
    }
    name
}

fn reader(data: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(data)
}

/// Read the header row at the start of `body`: the header and the number
/// of bytes it takes (its line end included). `None` for empty input.
pub fn read_header(body: &[u8]) -> Option<(Header, usize)> {
    let mut rdr = reader(body);
    let mut rec = csv::ByteRecord::new();
    match rdr.read_byte_record(&mut rec) {
        Ok(true) => {
            let mut end = (rdr.position().byte() as usize).min(body.len());
            // After `\r`, the reader may stop short of the `\n` of CRLF.
            if end > 0
                && body[end - 1] == b'\r'
                && body.get(end) == Some(&b'\n')
            {
                end += 1;
            }
            Some((Header::new(rec.iter()), end))
        }
        _ => None,
    }
}

/// Read the data rows in `data` (which starts at a row boundary) against
/// `header` into `sink`. Lines are relative to the start of `data`.
///
/// The SIMD row scanner (`csv::fast`) reads the rows it can prove it reads as
/// `csv-core` does and hands every other row to `csv-core`
/// ([`read_rows_core`], the oracle of the differential tests). Setting
/// `CALLTALLY_CSV_CORE=1` reads everything with `csv-core` (for A/B runs).
pub fn read_rows(data: &[u8], header: &Header, sink: &mut impl Sink) {
    let header = &*header.for_run(sink.wanted());
    static CORE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if *CORE.get_or_init(|| std::env::var_os("CALLTALLY_CSV_CORE").is_some()) {
        read_rows_core(data, header, sink);
    } else {
        fast::read_rows(data, header, sink);
    }
}

/// Blank lines in `data[from..to]`, a stretch of line ends before a row
/// (or at the end): its `\n`s, less the one that ends the row before when
/// that row ended with the `\r` of a CRLF (a reader stops after the `\r`).
/// The fast scanner and `csv-core` count the same stretches with it.
pub(super) fn blank_lines(data: &[u8], from: usize, to: usize) -> u64 {
    let to = to.min(data.len());
    if from >= to {
        return 0;
    }
    let n = memchr::memchr_iter(b'\n', &data[from..to]).count() as u64;
    let crlf = from > 0 && data[from - 1] == b'\r' && data[from] == b'\n';
    n.saturating_sub(u64::from(crlf))
}

/// Hand `n` blank lines to `sink`.
pub(super) fn blanks(sink: &mut impl Sink, n: u64) {
    for _ in 0..n {
        sink.blank();
    }
}

/// Count one row read by `csv-core` (`rec`'s positions are relative to
/// `data[base..]`); `last`: no row follows it in `data`.
#[allow(clippy::too_many_arguments)]
fn count_core(
    sink: &mut impl Sink,
    lines: &mut LineOf,
    data: &[u8],
    base: usize,
    rec: &csv::ByteRecord,
    header: &Header,
    all_utf8: bool,
    last: bool,
) {
    let mut record = row(rec, header, all_utf8, sink.wanted());
    let byte = base + rec.position().map_or(0, |p| p.byte()) as usize;
    // The last row of a piece may hold a quote that never closes: it ran
    // to the end of the input, or past `--max-record-bytes` (then the
    // bounded scan ended the row at its line, and the piece with it).
    // Said before the row's own faults: its fields are not what they seem.
    if last {
        let mut scan = QuoteScan::default();
        scan.scan(&data[byte.min(data.len())..], 0, false, |_| {});
        if scan.in_quotes() {
            record = Record::malformed(
                "a quoted field never closes (it runs to the end of \
                 the input, or past --max-record-bytes)"
                    .into(),
            );
        }
    }
    // A bare `\r` also ends a row, so rows can share a line: `item`
    // keeps their order.
    let (line, item) = match record.outcome {
        Outcome::Malformed(_) => lines.at_item(data, byte),
        _ => (0, 0),
    };
    Sink::record(sink, record, line, item);
}

/// [`read_rows`] with `csv-core` alone: the reading the fast path is held
/// to.
pub fn read_rows_core(data: &[u8], header: &Header, sink: &mut impl Sink) {
    let header = &*header.for_run(sink.wanted());
    let mut rdr = reader(data);
    // Each row is counted when the next one has been read (`prev` holds
    // it), so the last can still be judged: one whose quoted field never
    // closes has swallowed the rest of the input, and is malformed.
    let mut prev = csv::ByteRecord::new();
    let mut cur = csv::ByteRecord::new();
    let mut have_prev = false;
    // The csv crate's own line numbers drift on CRLF input, so a row's line
    // is counted here from its byte offset, incrementally and only for the
    // malformed rows that need one.
    let mut lines = LineOf::default();
    // One check of the whole piece spares a check per row (only a piece
    // with invalid UTF-8 somewhere has its rows checked one by one).
    let all_utf8 = std::str::from_utf8(data).is_ok();
    // Where the last row read ended: the line ends after it are blank
    // lines (`csv-core` skips them), counted before the next row.
    let mut after = 0usize;
    loop {
        match rdr.read_byte_record(&mut cur) {
            Ok(true) => {
                let start = cur.position().map_or(0, |p| p.byte() as usize);
                let content = data.get(start..).map_or(0, |r| {
                    r.iter().take_while(|&&b| b == b'\n' || b == b'\r').count()
                });
                let gap = blank_lines(data, start, start + content);
                after = (rdr.position().byte() as usize).min(data.len());
                if have_prev {
                    count_core(
                        sink, &mut lines, data, 0, &prev, header, all_utf8,
                        false,
                    );
                }
                // (After the row before, as the fast scanner hands them on.)
                blanks(sink, gap);
                std::mem::swap(&mut prev, &mut cur);
                have_prev = true;
            }
            Ok(false) => break,
            Err(e) => {
                // Reading a slice fails only on malformed data, which the
                // lenient reader accepts; should it happen, count it.
                if std::mem::take(&mut have_prev) {
                    count_core(
                        sink, &mut lines, data, 0, &prev, header, all_utf8,
                        false,
                    );
                }
                let byte = e.position().map_or(0, |p| p.byte());
                let line = lines.at(data, byte as usize);
                sink.record(Record::malformed(format!("CSV: {e}")), line, 0);
                break;
            }
        }
    }
    if have_prev {
        count_core(sink, &mut lines, data, 0, &prev, header, all_utf8, true);
    }
    if data[after.min(data.len())..].iter().all(|&b| b == b'\n' || b == b'\r')
    {
        blanks(sink, blank_lines(data, after, data.len()));
    }
    sink.lines(count_lines(data));
}

/// Read the one row that starts at `data[start..]` with `csv-core`, as
/// [`read_rows_core`] reads it, into `sink`. Returns where the row ends
/// (`data.len()` when nothing follows).
#[allow(clippy::too_many_arguments)]
fn read_one_core<'d>(
    data: &'d [u8],
    start: usize,
    header: &Header,
    lines: &mut LineOf,
    rec: &mut csv::ByteRecord,
    core: &mut Option<csv::Reader<std::io::Cursor<&'d [u8]>>>,
    sink: &mut impl Sink,
) -> usize {
    let rdr = core.get_or_insert_with(|| {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(4096)
            .from_reader(std::io::Cursor::new(data))
    });
    let mut at = csv::Position::new();
    at.set_byte(start as u64);
    // Seeking a cursor cannot fail (nor can a header be read: none is).
    if rdr.seek_raw(std::io::SeekFrom::Start(start as u64), at).is_err() {
        return data.len();
    }
    match rdr.read_byte_record(rec) {
        Ok(true) => {
            let end = (rdr.position().byte() as usize).min(data.len());
            // No row follows when only line ends do.
            let last = data[end..].iter().all(|&b| b == b'\n' || b == b'\r');
            count_core(sink, lines, data, 0, rec, header, false, last);
            end
        }
        Ok(false) => data.len(),
        Err(e) => {
            let byte =
                e.position().map_or(start as u64, |p| p.byte()) as usize;
            let line = lines.at(data, byte);
            sink.record(Record::malformed(format!("CSV: {e}")), line, 0);
            data.len()
        }
    }
}

/// 1-based line numbers of byte offsets, for offsets that only grow.
#[derive(Default)]
struct LineOf {
    upto: usize,
    newlines: u64,
    /// The last line asked for by `at_item`, and how often.
    last: (u64, u32),
}

impl LineOf {
    /// The line of `byte`, and the position of this row among the rows
    /// asked for on the same line.
    fn at_item(&mut self, data: &[u8], byte: usize) -> (u64, u32) {
        let line = self.at(data, byte);
        self.last = if self.last.0 == line {
            (line, self.last.1 + 1)
        } else {
            (line, 0)
        };
        (line, self.last.1)
    }

    fn at(&mut self, data: &[u8], byte: usize) -> u64 {
        // The reader reports a row where it started looking for it: at the
        // `\n` of a CRLF, or at blank lines it skipped. A row never starts
        // with a line end, so skip them.
        let skip = data.get(byte..).map_or(0, |r| {
            r.iter().take_while(|&&b| b == b'\n' || b == b'\r').count()
        });
        let end = (byte + skip).min(data.len()).max(self.upto);
        self.newlines +=
            memchr::memchr_iter(b'\n', &data[self.upto..end]).count() as u64;
        self.upto = end;
        self.newlines + 1
    }
}

/// One data row as a record.
/// `all_utf8`: the whole piece the row is in is known to be valid UTF-8.
fn row<'r>(
    rec: &'r csv::ByteRecord,
    header: &Header,
    all_utf8: bool,
    wanted: Roles,
) -> Record<'r> {
    if rec.len() != header.len() {
        return Record::malformed(format!(
            "row has {} fields, the header has {}",
            rec.len(),
            header.len()
        ));
    }
    if let Err(e) = match all_utf8 {
        true => Ok(""),
        false => std::str::from_utf8(rec.as_slice()),
    } {
        return Record::malformed(format!(
            "invalid UTF-8 at byte {} of the row",
            e.valid_up_to() + 1
        ));
    }
    let mut fields = Fields::default();
    for (cell, key) in rec.iter().zip(&header.columns) {
        let Some(key) = *key else { continue };
        // Valid UTF-8: checked for the whole row above.
        let cell = std::str::from_utf8(cell).unwrap_or_default();
        if wanted.reads(key.role) {
            set_cell(&mut fields, key, cell);
        }
    }
    fields.record(&Nested::default(), wanted)
}

/// Set the value of a text cell for `key`, as a JSON string of the same
/// text would give it.
fn set_cell<'r>(fields: &mut Fields<'r>, key: KeyId, cell: &'r str) {
    match key.shape() {
        Shape::Int => fields.set(key, IntVal::from_str_value(cell)),
        Shape::Category => fields.set(key, CatVal::from_str_value(cell)),
        Shape::Text => fields.set(key, kind_text(cell).map(Cow::Borrowed)),
        Shape::Payload => fields.set(key, payload_from_text(cell)),
        Shape::Field => {
            fields.set_field(key, kind_text(cell).map(Cow::Borrowed));
            if let Some(also) = key.also() {
                set_cell(fields, also, cell);
            }
        }
        Shape::Container => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_suffixes_and_keys() {
        let h = Header::new([
            &b"TimeGenerated [UTC]"[..],
            b"ParticipantEndReason",
            b" ResultCategory [x]",
            b"Type",
            b"Other",
        ]);
        use crate::record::keys::key;
        assert_eq!(
            h.columns,
            [
                Some(key("timegenerated")),
                Some(key("participantendreason")),
                Some(key("resultcategory")),
                Some(key("type")),
                None
            ]
        );
        assert!(h.has_triple_column());
        assert!(!Header::new([&b"a"[..], b"b"]).has_triple_column());
        // Columns of the values of spec 7 alone do not make a CSV a log.
        assert!(!Header::new([&b"TimeGenerated [UTC]"[..], b"CorrelationId"])
            .has_triple_column());
    }

    #[test]
    fn rows_become_records() {
        let data =
            b"ParticipantEndReason,ParticipantEndSubCode,ResultCategory\r\n\
                     410,3112,ExpectedError\r\n\
                     \" 0 \",,Failed\r\n\
                     abc,1,x\r\n\
                     1,2\r\n";
        let (h, n) = read_header(data).unwrap();
        assert_eq!(data[n - 1], b'\n');
        /// Counted records, the lines of malformed ones, and lines.
        #[derive(Default)]
        struct Seen(u64, Vec<u64>, u64);
        impl Sink for Seen {
            fn record(&mut self, rec: Record<'_>, line: u64, _: u32) {
                match rec.outcome {
                    Outcome::Counted(_) => self.0 += 1,
                    Outcome::Malformed(_) => self.1.push(line),
                    Outcome::WithoutCode => {}
                }
            }
            fn blank(&mut self) {}
            fn unmatched(&mut self) {}
            fn envelope(&mut self, _: u64) {}
            fn lines(&mut self, n: u64) {
                self.2 += n;
            }
            fn restart(&mut self) {}
        }
        let mut seen = Seen::default();
        read_rows(&data[n..], &h, &mut seen);
        assert_eq!((seen.0, seen.1, seen.2), (2, vec![3, 4], 4));
    }
}
