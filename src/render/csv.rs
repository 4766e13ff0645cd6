//! The three CSV report files (spec §4): `by_category.csv`,
//! `by_code_range.csv` and `by_code.csv`, RFC 4180 with `\n` line ends.

use std::io::{self, Write};

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

/// Write `by_code.csv` into `out`.
pub fn write_by_code(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let header = [
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
    table(out, report, &header, &report.by_code, |r, row| {
        let (known, step, summary, advice) = match &r.annotation {
            Some(a) => ("true", a.step.as_str(), &*a.summary, &*a.advice),
            None => ("false", "none", "", ""),
        };
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
        row.cell(known);
        row.cell(step);
        row.text(summary);
        row.text(advice);
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

/// The cells of one row, written one after another into one buffer that
/// is reused from row to row (a vector of strings a row cost a dozen
/// allocations a row: a third of writing a million-row `by_code.csv`).
#[derive(Default)]
struct Row {
    text: String,
    ends: Vec<usize>,
}

impl Row {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    fn end(&mut self) {
        self.ends.push(self.text.len());
    }

    fn cell(&mut self, s: &str) {
        self.text.push_str(s);
        self.end();
    }

    /// A text cell, as [`text_cell`] writes it.
    fn text(&mut self, s: &str) {
        if formula_like(s) {
            self.text.push('\'');
        }
        self.cell(s);
    }

    fn number(&mut self, n: impl std::fmt::Display) {
        use std::fmt::Write as _;
        // (Writing to a String cannot fail.)
        let _ = write!(self.text, "{n}");
        self.end();
    }

    /// `n` as a share of the counted records of group `g` (of the whole
    /// run without `--by`), to six places.
    fn share(&mut self, report: &Report, g: u32, n: u64) {
        match report.groups.counted(g) {
            0 => self.cell("0.000000"),
            total => {
                self.number(format_args!("{:.6}", n as f64 / total as f64))
            }
        }
    }

    /// The `calls` and `participants` cells: empty with `--no-distinct`.
    fn distincts(&mut self, ids: Distincts) {
        for n in [ids.calls(), ids.participants()] {
            match n {
                Some(n) => self.number(n),
                None => self.cell(""),
            }
        }
    }

    fn cells(&self) -> impl Iterator<Item = &str> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|(a, &b)| &self.text[a..b])
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
    let threads = rayon::current_num_threads();
    if threads < 2 || rows.len() < 2 * TASK_ROWS {
        return records(&mut w, report, rows, &fill).and_then(|_| w.flush());
    }
    w.flush()?;
    drop(w);
    use rayon::prelude::*;
    for window in rows.chunks(TASK_ROWS * threads * 2) {
        let parts: Vec<io::Result<Vec<u8>>> = window
            .par_chunks(TASK_ROWS)
            .map(|rows| {
                let mut part = Vec::new();
                let mut w = writer(&mut part);
                records(&mut w, report, rows, &fill)?;
                w.flush()?;
                drop(w);
                Ok(part)
            })
            .collect();
        for part in parts {
            out.write_all(&part?)?;
        }
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
fn records<W: Write, R>(
    w: &mut ::csv::Writer<W>,
    report: &Report,
    rows: &[R],
    fill: &impl Fn(&R, &mut Row) -> u32,
) -> io::Result<()> {
    let mut row = Row::default();
    for r in rows {
        row.clear();
        let g = fill(r, &mut row);
        let dims = report.groups.values(g);
        w.write_record(dims.chain(row.cells()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::record::Category::*;
    use crate::report::tests::tally;
    use crate::tally::Tally;

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
        assert_eq!(row.cells().collect::<Vec<_>>(), ["0.000000"]);
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
        assert_eq!(
            row.cells().collect::<Vec<_>>(),
            ["'=1+1", "", "plain", "'@x", "-3"]
        );
        row.clear();
        assert_eq!(row.cells().count(), 0);
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
