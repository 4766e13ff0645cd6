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
        report.by_category.iter().map(|r| {
            let mut row = vec![
                r.category.as_str().to_owned(),
                r.count.to_string(),
                share(report, r.group, r.count),
            ];
            row.extend(distinct_cells(r.ids));
            (r.group, row)
        }),
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
        report.by_code_range.iter().map(|r| {
            let mut row = vec![
                r.category.as_str().to_owned(),
                r.range.to_owned(),
                r.count.to_string(),
                share(report, r.group, r.count),
            ];
            row.extend(distinct_cells(r.ids));
            (r.group, row)
        }),
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
    table(
        out,
        report,
        &header,
        report.by_code.iter().map(|r| {
            let (known, step, summary, advice) = match &r.annotation {
                Some(a) => ("true", a.step.as_str(), &*a.summary, &*a.advice),
                None => ("false", "none", "", ""),
            };
            let mut row = vec![
                r.category.as_str().to_owned(),
                code_range(r.code).to_owned(),
                r.code.to_string(),
                r.subcode.map(|s| s.to_string()).unwrap_or_default(),
                r.count.to_string(),
                share(report, r.group, r.count),
            ];
            row.extend(distinct_cells(r.ids));
            row.extend([
                known.to_owned(),
                step.to_owned(),
                text_cell(summary),
                text_cell(advice),
            ]);
            (r.group, row)
        }),
    )
}

/// The `calls` and `participants` cells: empty with `--no-distinct`.
fn distinct_cells(ids: Distincts) -> [String; 2] {
    let cell = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
    [cell(ids.calls()), cell(ids.participants())]
}

/// A text cell (catalog text, values from logs): one that begins with
/// `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so
/// that a spreadsheet does not run it as a formula (spec §4).
pub fn text_cell(s: &str) -> String {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{s}"),
        _ => s.to_owned(),
    }
}

/// `n` as a share of the counted records of group `g` (of the whole run
/// without `--by`), to six places.
fn share(report: &Report, g: u32, n: u64) -> String {
    let total = report.groups.counted(g);
    if total == 0 {
        return "0.000000".into();
    }
    format!("{:.6}", n as f64 / total as f64)
}

/// A CSV table into `out`: the dimension columns and `header`, then one
/// record per row, each starting with its group's dimension values.
fn table(
    out: &mut dyn Write,
    report: &Report,
    header: &[&str],
    rows: impl IntoIterator<Item = (u32, Vec<String>)>,
) -> io::Result<()> {
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(out);
    let names =
        report.dims.iter().map(String::as_str).chain(header.iter().copied());
    w.write_record(names)?;
    for (g, row) in rows {
        let dims = report.groups.values(g);
        w.write_record(dims.chain(row.iter().map(String::as_str)))?;
    }
    w.flush()
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

    #[test]
    fn an_empty_report_has_headers_and_zero_shares() {
        let r = Report::build(&tally(&[]), Catalog::embedded());
        assert_eq!(
            by_category(&r),
            b"result_category,count,share,calls,participants\n"
        );
        assert_eq!(share(&r, 0, 0), "0.000000");
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
    }

    #[test]
    fn fields_are_quoted_as_rfc_4180_says() {
        let r = Report::build(&tally(&[]), Catalog::embedded());
        let out = in_memory(|w| {
            table(
                w,
                &r,
                &["a", "b"],
                [(0, vec!["x,y".to_owned(), "say \"hi\"".into()])],
            )
        });
        assert_eq!(out, b"a,b\n\"x,y\",\"say \"\"hi\"\"\"\n");
    }
}
