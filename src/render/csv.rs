//! The three CSV report files (spec §4): `by_category.csv`,
//! `by_code_range.csv` and `by_code.csv`, RFC 4180 with `\n` line ends.

use crate::record::code_range;
use crate::report::Report;

/// `by_category.csv`.
pub fn by_category(report: &Report) -> Vec<u8> {
    table(
        ["result_category", "count", "share"],
        report.by_category.iter().map(|&(c, n)| {
            [c.as_str().to_owned(), n.to_string(), share(report, n)]
        }),
    )
}

/// `by_code_range.csv`.
pub fn by_code_range(report: &Report) -> Vec<u8> {
    table(
        ["result_category", "code_range", "count", "share"],
        report.by_code_range.iter().map(|&(c, r, n)| {
            [
                c.as_str().to_owned(),
                r.to_owned(),
                n.to_string(),
                share(report, n),
            ]
        }),
    )
}

/// `by_code.csv`.
pub fn by_code(report: &Report) -> Vec<u8> {
    let header = [
        "result_category",
        "code_range",
        "code",
        "subcode",
        "count",
        "share",
        "known",
        "summary",
        "advice",
    ];
    table(
        header,
        report.by_code.iter().map(|r| {
            let (known, summary, advice) = match &r.annotation {
                Some(a) => ("true", &*a.summary, &*a.advice),
                None => ("false", "", ""),
            };
            [
                r.category.as_str().to_owned(),
                code_range(r.code).to_owned(),
                r.code.to_string(),
                r.subcode.map(|s| s.to_string()).unwrap_or_default(),
                r.count.to_string(),
                share(report, r.count),
                known.to_owned(),
                text_cell(summary),
                text_cell(advice),
            ]
        }),
    )
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

/// `n` as a share of the counted records, to six places.
fn share(report: &Report, n: u64) -> String {
    if report.counted == 0 {
        return "0.000000".into();
    }
    format!("{:.6}", n as f64 / report.counted as f64)
}

/// A CSV table: the header, then one record per row.
fn table<const N: usize>(
    header: [&str; N],
    rows: impl IntoIterator<Item = [String; N]>,
) -> Vec<u8> {
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    w.write_record(header).expect("write to memory");
    for row in rows {
        w.write_record(&row).expect("write to memory");
    }
    w.into_inner().expect("write to memory")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::record::Category::*;
    use crate::report::tests::tally;

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
            "result_category,count,share\n\
             Success,2,0.500000\n\
             ExpectedError,1,0.250000\n\
             Unknown,1,0.250000\n"
        );
        assert_eq!(
            String::from_utf8(by_code_range(&r)).unwrap(),
            "result_category,code_range,count,share\n\
             Success,0,2,0.500000\n\
             ExpectedError,4xx,1,0.250000\n\
             Unknown,4xx,1,0.250000\n"
        );
        let by_code = String::from_utf8(by_code(&r)).unwrap();
        let lines: Vec<&str> = by_code.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[1].starts_with("Success,0,0,0,2,0.500000,true,"));
        assert!(lines[2]
            .starts_with("ExpectedError,4xx,410,3112,1,0.250000,true,"));
        assert_eq!(lines[3], "Unknown,4xx,499,99999,1,0.250000,false,,");
    }

    #[test]
    fn an_empty_report_has_headers_and_zero_shares() {
        let r = Report::build(&tally(&[]), Catalog::embedded());
        assert_eq!(by_category(&r), b"result_category,count,share\n");
        assert_eq!(share(&r, 0), "0.000000");
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
        let out = table(["a", "b"], [["x,y".to_owned(), "say \"hi\"".into()]]);
        assert_eq!(out, b"a,b\n\"x,y\",\"say \"\"hi\"\"\"\n");
    }
}
