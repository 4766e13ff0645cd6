//! The three CSV report files (spec §4): `by_category.csv`,
//! `by_code_range.csv` and `by_code.csv`, RFC 4180 with `\n` line ends.

use std::io::{self, Write};

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::record::code_range;
use crate::report::{Distincts, Report};

/// `by_category.csv`.
pub fn by_category(report: &Report) -> Vec<u8> {
    in_memory(|w| write_by_category(report, w))
}

/// `by_code_range.csv`.
pub fn by_code_range(report: &Report) -> Vec<u8> {
    in_memory(|w| write_by_code_range(report, w))
}

/// `by_code.csv`.
pub fn by_code(report: &Report) -> Vec<u8> {
    in_memory(|w| write_by_code(report, w))
}

/// A table written into memory.
fn in_memory(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    write(&mut out).expect("write to memory");
    out
}

/// Write `by_category.csv` into `out` (a report file being staged: a
/// million rows are streamed, not held in memory).
pub fn write_by_category(
    report: &Report,
    out: &mut dyn Write,
) -> io::Result<()> {
    table(
        out,
        report,
        &["result_category", "count", "share", "calls", "participants"],
        &report.by_category,
        |r, row| {
            row.cell(r.category.as_str());
            row.number(r.count);
            row.share(report, r.group, r.count);
            row.distincts(r.ids);
            r.group
        },
    )
}

/// Write `by_code_range.csv` into `out`.
pub fn write_by_code_range(
    report: &Report,
    out: &mut dyn Write,
) -> io::Result<()> {
    table(
        out,
        report,
        &[
            "result_category",
            "code_range",
            "count",
            "share",
            "calls",
            "participants",
        ],
        &report.by_code_range,
        |r, row| {
            row.cell(r.category.as_str());
            row.cell(r.range);
            row.number(r.count);
            row.share(report, r.group, r.count);
            row.distincts(r.ids);
            r.group
        },
    )
}

/// The columns of `by_code.csv` after the dimensions.
const BY_CODE_COLUMNS: [&str; 12] = [
    "result_category",
    "code_range",
    "code",
    "subcode",
    "count",
    "share",
    "calls",
    "participants",
    "known",
    "match",
    "summary",
    "advice",
];

/// Write `by_code.csv` into `out`.
pub fn write_by_code(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    table(out, report, &BY_CODE_COLUMNS, &report.by_code, |r, row| {
        row.cell(r.category.as_str());
        row.cell(code_range(r.code));
        row.number(r.code);
        match r.subcode {
            Some(s) => row.number(s),
            None => row.cell(""),
        }
        row.number(r.count);
        row.share(report, r.group, r.count);
        row.distincts(r.ids);
        // The catalog's cells of a pair, rendered once per task (the
        // long texts were most of rendering a row).
        let key = r.annotation.as_ref().map_or(0, |a| Arc::as_ptr(a) as usize);
        row.cached(key, |row| {
            let (known, step, summary, advice) = match &r.annotation {
                Some(a) => ("true", a.step.as_str(), &*a.summary, &*a.advice),
                None => ("false", "none", "", ""),
            };
            row.cell(known);
            row.cell(step);
            row.text(summary);
            row.text(advice);
        });
        r.group
    })
}

/// A text cell (catalog text, values from logs): one that begins with
/// `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so
/// that a spreadsheet does not run it as a formula (spec §4).
pub fn text_cell(s: &str) -> String {
    let mut t = String::with_capacity(s.len() + 1);
    if formula_like(s) {
        t.push('\'');
    }
    t.push_str(s);
    t
}

/// Whether a text cell needs the leading `'` of [`text_cell`].
fn formula_like(s: &str) -> bool {
    matches!(
        s.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// The cells of one row as CSV, written one after another into one
/// buffer that is reused from row to row (a vector of strings a row cost a
/// dozen allocations a row: a third of writing a million-row
/// `by_code.csv`). Numbers are written as they are (they never need
/// quotes); every text cell goes through the `csv` crate's engine
/// ([`Quoter`]).
#[derive(Default)]
struct Row {
    /// The row's cells so far, each followed by a comma.
    line: Vec<u8>,
    quoter: Quoter,
    /// Cells rendered once and kept by key ([`Row::cached`]): where each
    /// key's bytes are in `kept`.
    cache: FxHashMap<usize, (usize, usize)>,
    kept: Vec<u8>,
}

impl Row {
    fn clear(&mut self) {
        self.line.clear();
    }

    /// A cell of digits (a number never needs quotes).
    fn raw(&mut self, s: &[u8]) {
        debug_assert!(s
            .iter()
            .all(|b| b.is_ascii_digit() || b"-.".contains(b)));
        self.line.extend_from_slice(s);
        self.line.push(b',');
    }

    /// A cell, quoted as RFC 4180 says when it needs it.
    fn cell(&mut self, s: &str) {
        self.quoter.field(s.as_bytes(), &mut self.line);
    }

    /// A text cell, as [`text_cell`] writes it.
    fn text(&mut self, s: &str) {
        if formula_like(s) {
            self.cell(&text_cell(s));
        } else {
            self.cell(s);
        }
    }

    fn number(&mut self, n: impl itoa::Integer) {
        let mut buf = itoa::Buffer::new();
        self.raw(buf.format(n).as_bytes());
    }

    /// `n` as a share of the counted records of group `g` (of the whole
    /// run without `--by`), to six places.
    fn share(&mut self, report: &Report, g: u32, n: u64) {
        match report.groups.counted(g) {
            0 => self.raw(b"0.000000"),
            total => {
                write_six_places(&mut self.line, n as f64 / total as f64);
                self.line.push(b',');
            }
        }
    }

    /// The `calls` and `participants` cells: empty with `--no-distinct`.
    fn distincts(&mut self, ids: Distincts) {
        for n in [ids.calls(), ids.participants()] {
            match n {
                Some(n) => self.number(n),
                None => self.raw(b""),
            }
        }
    }

    /// The cells `write` writes, rendered the first time `key` is met
    /// and copied after.
    fn cached(&mut self, key: usize, write: impl FnOnce(&mut Row)) {
        if let Some(&(from, to)) = self.cache.get(&key) {
            self.line.extend_from_slice(&self.kept[from..to]);
            return;
        }
        let from = self.line.len();
        write(self);
        let at = self.kept.len();
        self.kept.extend_from_slice(&self.line[from..]);
        self.cache.insert(key, (at, self.kept.len()));
    }

    #[cfg(test)]
    fn cells(&self) -> Vec<String> {
        let mut r = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&self.line[..self.line.len().saturating_sub(1)]);
        let rec = r.records().next().and_then(Result::ok).unwrap_or_default();
        rec.iter().map(str::to_string).collect()
    }
}

/// Append `x`, a share (finite, `0 <= x <= 1`), to six places: the bytes
/// of `format!("{x:.6}")`, which rounds the exact binary value of `x`.
/// That rounding is done here in integers (the float formatter was a
/// tenth of rendering a `--by` report's rows); an exact tie, and anything
/// outside the range, is left to the formatter.
fn write_six_places(out: &mut Vec<u8>, x: f64) {
    const MILLION: u64 = 1_000_000;
    let fallback = |out: &mut Vec<u8>| {
        use std::io::Write as _;
        // (Writing to a Vec cannot fail.)
        let _ = write!(out, "{x:.6}");
    };
    if !(0.0..=1.0).contains(&x) {
        return fallback(out);
    }
    // x = mantissa * 2^-shift, exactly.
    let bits = x.to_bits();
    let exponent = (bits >> 52) as i32;
    let fraction = u128::from(bits & ((1 << 52) - 1));
    let (mantissa, shift) = match exponent {
        0 => (fraction, 1074),
        e => (fraction | 1 << 52, 1075 - e),
    };
    // (A share of a count in a u64 is 0 or at least 2^-64: shift < 128.)
    if x == 0.0 || !(1..128).contains(&shift) {
        return fallback(out);
    }
    // x * 10^6 < 2^73: its integer part and the rest, exactly.
    let scaled = mantissa * u128::from(MILLION);
    let whole = scaled >> shift;
    let rest = scaled & ((1 << shift) - 1);
    let half = 1u128 << (shift - 1);
    // (At most 10^6: the digits are cut in u64, not in u128's slow
    // division.)
    let q = match rest.cmp(&half) {
        std::cmp::Ordering::Less => whole,
        std::cmp::Ordering::Greater => whole + 1,
        std::cmp::Ordering::Equal => return fallback(out),
    } as u64;
    let mut digits = *b"0.000000";
    digits[0] = b'0' + (q / MILLION) as u8;
    let mut f = q % MILLION;
    for d in digits[2..].iter_mut().rev() {
        *d = b'0' + (f % 10) as u8;
        f /= 10;
    }
    out.extend_from_slice(&digits);
}

/// Text cells through the `csv` crate's engine (`csv-core`, configured as
/// [`writer`] configures it): quoted when that writer would quote them.
struct Quoter {
    w: ::csv_core::Writer,
}

impl Default for Quoter {
    fn default() -> Self {
        let w = ::csv_core::WriterBuilder::new()
            .terminator(::csv_core::Terminator::Any(b'\n'))
            .build();
        Quoter { w }
    }
}

impl Quoter {
    /// Append `field` to `out`, quoted if it needs it, and a comma.
    fn field(&mut self, field: &[u8], out: &mut Vec<u8>) {
        let start = out.len();
        // Room for the most it can take: every byte a doubled quote, two
        // quotes and the delimiter.
        out.resize(start + 2 * field.len() + 3, 0);
        let (_, read, n) = self.w.field(field, &mut out[start..]);
        let (_, m) = self.w.delimiter(&mut out[start + n..]);
        debug_assert_eq!(read, field.len(), "the room is enough");
        out.truncate(start + n + m);
    }
}

/// Rows rendered by one task when a table is rendered on several threads.
const TASK_ROWS: usize = 4096;

/// A CSV table into `out`: the dimension columns and `header`, then one
/// record per row, each starting with its group's dimension values
/// (`fill` writes a row's other cells and gives its group).
///
/// A large table is rendered on the current rayon pool's threads (the
/// run's `-j`): a few thousand rows per task, into memory, written in
/// order, a bounded window of tasks at a time. The bytes are those of one
/// writer: a CSV record's bytes do not depend on the records before it.
fn table<R: Sync>(
    out: &mut dyn Write,
    report: &Report,
    header: &[&str],
    rows: &[R],
    fill: impl Fn(&R, &mut Row) -> u32 + Sync,
) -> io::Result<()> {
    let names =
        report.dims.iter().map(String::as_str).chain(header.iter().copied());
    let mut w = writer(&mut *out);
    w.write_record(names)?;
    w.flush()?;
    drop(w);
    let threads = rayon::current_num_threads();
    let render = |rows: &[R]| {
        let mut part = Vec::new();
        records(&mut part, report, rows, &fill);
        part
    };
    if threads < 2 || rows.len() < 2 * TASK_ROWS {
        for rows in rows.chunks(TASK_ROWS) {
            out.write_all(&render(rows))?;
        }
        return out.flush();
    }
    use rayon::prelude::*;
    // Each window is rendered while the one before is written on this
    // thread (writing a 23 MB `by_code.csv` took 7 ms in the kernel, with
    // the other threads idle).
    let mut rendered: Vec<Vec<u8>> = Vec::new();
    for window in rows.chunks(TASK_ROWS * threads * 2) {
        let mut next = Vec::new();
        let written = rayon::in_place_scope(|s| {
            s.spawn(|_| {
                next = window.par_chunks(TASK_ROWS).map(render).collect();
            });
            rendered.iter().try_for_each(|part| out.write_all(part))
        });
        written?;
        rendered = next;
    }
    for part in rendered {
        out.write_all(&part)?;
    }
    out.flush()
}

/// The CSV writer of the reports: RFC 4180, `\n` line ends.
fn writer<W: Write>(out: W) -> ::csv::Writer<W> {
    ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(out)
}

/// The records of `rows` into `w` (see [`table`]).
fn records<R>(
    out: &mut Vec<u8>,
    report: &Report,
    rows: &[R],
    fill: &impl Fn(&R, &mut Row) -> u32,
) {
    let mut row = Row::default();
    // The cells of the last row's group (rows come group by group).
    let mut group: Option<(u32, Vec<u8>)> = None;
    for r in rows {
        row.clear();
        let g = fill(r, &mut row);
        if group.as_ref().is_none_or(|(last, _)| *last != g) {
            let mut cells = Vec::new();
            for v in report.groups.values(g) {
                row.quoter.field(v.as_bytes(), &mut cells);
            }
            group = Some((g, cells));
        }
        if let Some((_, cells)) = &group {
            out.extend_from_slice(cells);
        }
        // (The last cell's comma becomes the line end.)
        out.extend_from_slice(&row.line[..row.line.len().saturating_sub(1)]);
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::record::Category::*;
    use crate::report::tests::tally;
    use crate::tally::Tally;

    /// The shares of counts of every size, exact ties (multiples of
    /// 2^-7 and 2^-20 are ties at six places) and their neighbours
    /// print as the float formatter prints them.
    #[test]
    fn six_places_are_the_formatters() {
        use rand::rngs::SmallRng;
        use rand::{Rng, SeedableRng};
        let check = |x: f64| {
            let mut out = Vec::new();
            write_six_places(&mut out, x);
            assert_eq!(String::from_utf8(out).unwrap(), format!("{x:.6}"));
        };
        let mut rng = SmallRng::seed_from_u64(6);
        for _ in 0..200_000 {
            let total: u64 = match rng.gen_range(0..4) {
                0 => rng.gen_range(1..1_000),
                1 => rng.gen_range(1..10_000_000),
                2 => rng.gen_range(1..u64::MAX / 2),
                _ => rng.gen(),
            }
            .max(1);
            let n = match rng.gen_range(0..4) {
                0 => rng.gen_range(0..=total.min(5)),
                1 => total - rng.gen_range(0..=total.min(5)),
                _ => rng.gen_range(0..=total),
            };
            check(n as f64 / total as f64);
        }
        for k in 0..=1u64 << 20 {
            let x = k as f64 / (1u64 << 20) as f64;
            check(x);
            check(f64::from_bits(x.to_bits() + 1));
            if k > 0 {
                check(f64::from_bits(x.to_bits() - 1));
            }
        }
        for x in [0.0, 1.0, 0.5, 0.0078125, 1e-300, 5e-324, 0.9999995] {
            check(x);
        }
    }

    #[test]
    fn csv_rows_sorted_and_shared() {
        let t = tally(&[
            (0, Some(0), Some(Success), 2),
            (410, Some(3112), None, 1),
            (499, Some(99_999), None, 1),
        ]);
        let r = Report::build(&t, Catalog::embedded());
        assert_eq!(
            String::from_utf8(by_category(&r)).unwrap(),
            "result_category,count,share,calls,participants\n\
             Success,2,0.500000,,\n\
             ExpectedError,1,0.250000,,\n\
             Unknown,1,0.250000,,\n"
        );
        assert_eq!(
            String::from_utf8(by_code_range(&r)).unwrap(),
            "result_category,code_range,count,share,calls,participants\n\
             Success,0,2,0.500000,,\n\
             ExpectedError,4xx,1,0.250000,,\n\
             Unknown,4xx,1,0.250000,,\n"
        );
        let by_code = String::from_utf8(by_code(&r)).unwrap();
        let lines: Vec<&str> = by_code.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[1].starts_with("Success,0,0,0,2,0.500000,,,true,exact,"));
        assert!(lines[2].starts_with(
            "ExpectedError,4xx,410,3112,1,0.250000,,,true,exact,"
        ));
        assert_eq!(
            lines[3],
            "Unknown,4xx,499,99999,1,0.250000,,,false,none,,"
        );
    }

    /// A table large enough to be rendered in tasks writes the bytes of
    /// one writer, on one thread or several, whatever the window.
    #[test]
    fn tables_rendered_in_parallel_are_the_same_bytes() {
        use crate::record::Category::*;
        let cats = [Some(Success), None, Some(ExpectedError)];
        let rows: Vec<_> = (0..3 * TASK_ROWS as i64 + 17)
            .map(|i| {
                (
                    400 + i % 200,
                    Some(i),
                    cats[i as usize % 3],
                    1 + i as u64 % 7,
                )
            })
            .collect();
        let r = Report::build(&tally(&rows), Catalog::embedded());
        assert_eq!(r.by_code.len(), rows.len());
        let on = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| by_code(&r))
        };
        let one = on(1);
        assert_eq!(
            one.iter().filter(|&&b| b == b'\n').count(),
            rows.len() + 1
        );
        for threads in [2, 3, 4] {
            assert!(one == on(threads), "{threads} threads");
        }
    }

    #[test]
    fn an_empty_report_has_headers_and_zero_shares() {
        let r = Report::build(&tally(&[]), Catalog::embedded());
        assert_eq!(
            by_category(&r),
            b"result_category,count,share,calls,participants\n"
        );
        let mut row = Row::default();
        row.share(&r, 0, 0);
        assert_eq!(row.cells(), ["0.000000"]);
    }

    /// Calls and participants are the union of a row's cells' ids: a call
    /// seen in two cells of one row counts once; a participant id equal
    /// to its call does not count.
    #[test]
    fn distinct_counts_are_unions_of_the_cells() {
        use crate::record::Triple;
        use crate::tally::{Cell, GroupKey, Ids, Plan};
        let mut t = Tally::default();
        let triple =
            |category| Triple { code: 410, subcode: Some(3112), category };
        let mut a = Ids::new(12);
        a.insert(Some("call-1"), Some("p-1"));
        a.insert(Some("call-2"), Some("call-2"));
        let mut b = Ids::new(12);
        b.insert(Some("call-1"), Some("p-2"));
        t.cells.insert(
            GroupKey::of(triple(Some(ExpectedError))),
            Cell { count: 2, ids: Some(Box::new(a)) },
        );
        // The catalog gives 410/3112 ExpectedError: the same row.
        t.cells.insert(
            GroupKey::of(triple(None)),
            Cell { count: 1, ids: Some(Box::new(b)) },
        );
        t.acc.counted = 3;
        let plan = Plan { distinct: Some(12), ..Plan::default() };
        let r = Report::build_for(&t, Catalog::embedded(), &plan);
        assert_eq!(
            String::from_utf8(by_category(&r)).unwrap(),
            "result_category,count,share,calls,participants\n\
             ExpectedError,3,1.000000,2,2\n"
        );
        assert_eq!(r.totals.calls(), Some(2));
    }

    #[test]
    fn formula_cells_get_a_quote() {
        for s in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(text_cell(s), format!("'{s}"));
        }
        for s in ["", "plain", "1-2", " =x"] {
            assert_eq!(text_cell(s), s);
        }
        // A row's text cells are written the same way, and its cells
        // (empty ones too) come back as written.
        let mut row = Row::default();
        for s in ["=1+1", "", "plain", "@x"] {
            row.text(s);
        }
        row.number(-3);
        assert_eq!(row.cells(), ["'=1+1", "", "plain", "'@x", "-3"]);
        row.clear();
        assert!(row.cells().is_empty());
    }

    /// Rows assembled from cells rendered apart (a group's cells once, a
    /// pair's catalog cells once per task, numbers without the writer)
    /// are the bytes of the `csv` crate's writer given each whole record:
    /// dimension values that need quotes (or are empty, or look like
    /// formulas), documented and undocumented pairs, on 1 and 3 threads.
    #[test]
    fn rows_are_the_writers_records() {
        use crate::record::Triple;
        use crate::tally::{Cell, GroupKey, Ids, Plan};
        use crate::Dim;
        use std::borrow::Cow;
        let values =
            ["a,b", "say \"hi\"", "line\nbreak", "", "=cmd", "plain", "cr\r"];
        let pairs = [
            (410, Some(3112)),
            (0, Some(0)),
            (499, Some(99_999)),
            (487, None),
        ];
        let mut t = Tally::default();
        for i in 0..3 * TASK_ROWS {
            let (a, b) =
                (values[i % values.len()], values[i / 7 % values.len()]);
            let dims = t
                .groups
                .id(&[Cow::Borrowed(a), Cow::Owned(format!("{b}{}", i / 49))])
                .unwrap();
            let (code, subcode) = pairs[i % pairs.len()];
            let key =
                GroupKey::new(dims, Triple { code, subcode, category: None });
            let mut ids = Ids::new(12);
            ids.insert(Some(&format!("call-{}", i % 5)), Some("p"));
            t.cells.insert(
                key,
                Cell { count: 1 + i as u64 % 3, ids: Some(Box::new(ids)) },
            );
            t.acc.counted += 1 + i as u64 % 3;
        }
        let plan = Plan {
            by: vec![Dim::Resource, Dim::Operation],
            distinct: Some(12),
            ..Plan::default()
        };
        let r = Report::build_for(&t, Catalog::embedded(), &plan);
        let mut want = writer(Vec::new());
        want.write_record(
            ["resource", "operation"].iter().chain(&BY_CODE_COLUMNS),
        )
        .unwrap();
        for row in &r.by_code {
            let mut cells: Vec<String> =
                r.groups.values(row.group).map(str::to_string).collect();
            let total = r.groups.counted(row.group);
            let (known, step, summary, advice) = match &row.annotation {
                Some(a) => ("true", a.step.as_str(), &*a.summary, &*a.advice),
                None => ("false", "none", "", ""),
            };
            cells.extend([
                row.category.as_str().to_string(),
                code_range(row.code).to_string(),
                row.code.to_string(),
                row.subcode.map_or(String::new(), |s| s.to_string()),
                row.count.to_string(),
                format!("{:.6}", row.count as f64 / total as f64),
                row.ids.calls().unwrap().to_string(),
                row.ids.participants().unwrap().to_string(),
                known.to_string(),
                step.to_string(),
                text_cell(summary),
                text_cell(advice),
            ]);
            want.write_record(&cells).unwrap();
        }
        let want = want.into_inner().unwrap();
        assert!(r.by_code.iter().any(|row| row.annotation.is_none()));
        for threads in [1, 3] {
            let got = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| by_code(&r));
            assert!(
                got == want,
                "{threads} threads:\n{}",
                String::from_utf8_lossy(&got[..2000])
            );
        }
    }

    #[test]
    fn fields_are_quoted_as_rfc_4180_says() {
        let r = Report::build(&tally(&[]), Catalog::embedded());
        let out = in_memory(|w| {
            table(w, &r, &["a", "b"], &[()], |_, row| {
                row.cell("x,y");
                row.cell("say \"hi\"");
                0
            })
        });
        assert_eq!(out, b"a,b\n\"x,y\",\"say \"\"hi\"\"\"\n");
    }
}
