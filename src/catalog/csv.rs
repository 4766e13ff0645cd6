//! Catalog CSV in and out: the columns, parsing a catalog file (embedded or
//! a team's `--catalog`), and writing rows back (`calltally catalog`).

use crate::error::{Error, Result};
use crate::record::{parse_int, Category};

use super::Row;

/// The catalog's columns, in order.
pub const COLUMNS: [&str; 6] =
    ["code", "subcode", "result_category", "source", "summary", "advice"];

/// Parse catalog CSV text (header required; columns found by name).
pub fn parse_csv(text: &str, name: &str, user: bool) -> Result<Vec<Row>> {
    let bad = |line: u64, msg: String| Error::Catalog {
        file: name.to_owned(),
        line,
        message: msg,
    };
    let mut rdr = ::csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.strip_prefix('\u{feff}').unwrap_or(text).as_bytes());
    let headers = rdr.headers().map_err(|e| bad(1, e.to_string()))?.clone();
    let mut idx = [0usize; 6];
    for (slot, col) in idx.iter_mut().zip(COLUMNS) {
        *slot = headers
            .iter()
            .position(|h| h.trim_ascii().eq_ignore_ascii_case(col))
            .ok_or_else(|| {
                bad(
                    1,
                    format!(
                        "missing column `{col}` (the header must name {})",
                        COLUMNS.join(",")
                    ),
                )
            })?;
    }
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            bad(line, e.to_string())
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        let field = |i: usize| rec.get(idx[i]).unwrap_or("").trim_ascii();
        let int = |i: usize| -> Result<Option<i64>> {
            let f = field(i);
            if f.is_empty() {
                return Ok(None);
            }
            parse_int(f).map(Some).ok_or_else(|| {
                bad(line, format!("{} {f:?} is not an integer", COLUMNS[i]))
            })
        };
        let code = int(0)?;
        let subcode = int(1)?;
        if code.is_none() && subcode.is_none() {
            return Err(bad(line, "a row needs a code or a subcode".into()));
        }
        let category = match field(2) {
            "" => None,
            c => Some(Category::normalise(c).ok_or_else(|| {
                bad(
                    line,
                    format!(
                        "result_category {c:?} is not Success, ExpectedError, \
                         UnexpectedClientError or UnexpectedServerError"
                    ),
                )
            })?),
        };
        let source = match field(3) {
            "" if user => "custom".to_owned(),
            "" => return Err(bad(line, "empty source".into())),
            s => s.to_owned(),
        };
        rows.push(Row {
            code,
            subcode,
            category,
            source,
            summary: field(4).to_owned(),
            advice: field(5).to_owned(),
            user,
        });
    }
    Ok(rows)
}

/// Write rows as catalog CSV (`\n` line ends).
pub fn write_csv<'r, W: std::io::Write>(
    rows: impl IntoIterator<Item = &'r Row>,
    out: W,
) -> std::io::Result<()> {
    let mut w = ::csv::Writer::from_writer(out);
    let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    let write = || -> ::csv::Result<()> {
        w.write_record(COLUMNS)?;
        for r in rows {
            w.write_record([
                &*opt(r.code),
                &*opt(r.subcode),
                r.category.map_or("", |c| c.as_str()),
                &*r.source,
                &*r.summary,
                &*r.advice,
            ])?;
        }
        Ok(())
    };
    write().map_err(csv_io_error)?;
    w.flush()
}

/// A csv error as an I/O error, keeping the original I/O error (and so its
/// kind, e.g. `BrokenPipe`) when there is one.
fn csv_io_error(e: ::csv::Error) -> std::io::Error {
    match e.into_kind() {
        ::csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn bad_override_names_line() {
        let text = "code,subcode,result_category,source,summary,advice\n\
                    410,3112,,x,a,b\n\
                    4x0,,,x,a,b\n";
        let e = Catalog::with_overrides(text, "team.csv").unwrap_err();
        assert_eq!(
            e.to_string(),
            "team.csv:3: code \"4x0\" is not an integer"
        );
        let e =
            Catalog::with_overrides("code,subcode\n", "t.csv").unwrap_err();
        assert!(e.to_string().starts_with("t.csv:1: missing column"));
    }

    #[test]
    fn csv_round_trips() {
        let mut out = Vec::new();
        write_csv(Catalog::embedded().rows(), &mut out).unwrap();
        let again =
            parse_csv(std::str::from_utf8(&out).unwrap(), "x", false).unwrap();
        assert_eq!(again, Catalog::embedded().rows());
    }
}
