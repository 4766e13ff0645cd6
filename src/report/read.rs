//! Reading an earlier run's report directory back (`--baseline DIR`,
//! `calltally diff OLD NEW`): `summary.json` for the plan and the run
//! totals, the three CSVs for the rows. Every problem names the file (and
//! line) and says what is wrong.

use std::io::Read as _;
use std::path::Path;

use rustc_hash::FxHashMap;

use super::snapshot::{Coarse, Row, Snapshot};
use super::write::{BY_CATEGORY, BY_CODE, BY_CODE_RANGE, SUMMARY_JSON};
use super::{Distincts, Groups};
use crate::error::{Error, Result};
use crate::record::{parse_int, Category, CODE_RANGES};

/// The largest report file read back (a report of a million groups is
/// well under this; `/dev/zero` must not fill the memory).
const MAX_FILE_BYTES: u64 = 1 << 30;

/// Read the report directory `dir`.
pub fn report_dir(dir: &Path) -> Result<Snapshot<'static>> {
    let summary = read_file(dir, SUMMARY_JSON)?;
    let bad = |file: &str, message: String| Error::Snapshot {
        path: dir.join(file),
        message,
    };
    let v: serde_json::Value = serde_json::from_slice(&summary)
        .map_err(|e| bad(SUMMARY_JSON, format!("not JSON: {e}")))?;
    if v.get("tool").and_then(|t| t.as_str()) != Some("calltally") {
        return Err(bad(SUMMARY_JSON, "not a calltally summary".into()));
    }
    let num = |key: &str| {
        v.get(key)
            .and_then(|n| n.as_u64())
            .ok_or_else(|| bad(SUMMARY_JSON, format!("no number {key:?}")))
    };
    let plan = v.get("plan");
    let dims: Vec<String> = plan
        .and_then(|p| p.get("by"))
        .and_then(|b| b.as_array())
        .ok_or_else(|| bad(SUMMARY_JSON, "no plan.by".into()))?
        .iter()
        .map(|d| d.as_str().unwrap_or_default().to_owned())
        .collect();
    let distinct = plan
        .and_then(|p| p.get("distinct_precision"))
        .is_some_and(|d| !d.is_null());
    let mut snap = Snapshot {
        source: dir.display().to_string(),
        dims,
        groups: Groups::default(),
        rows: Vec::new(),
        coarse: Vec::new(),
        counted: num("counted")?,
        records: num("records")?,
        malformed: num("malformed")?,
        totals: Distincts::new(
            v.get("calls").and_then(|n| n.as_u64()),
            v.get("participants").and_then(|n| n.as_u64()),
        ),
        distinct,
    };
    let mut groups: FxHashMap<Vec<String>, u32> = FxHashMap::default();
    for (file, table) in [(BY_CODE, 0), (BY_CODE_RANGE, 1), (BY_CATEGORY, 2)] {
        let bytes = read_file(dir, file)?;
        read_table(&bytes, table, &mut snap, &mut groups)
            .map_err(|m| bad(file, m))?;
    }
    let rows_counted: u64 = snap.rows.iter().map(|r| r.count).sum();
    if rows_counted != snap.counted {
        return Err(bad(
            BY_CODE,
            format!(
                "its counts add up to {rows_counted}, summary.json says \
                 {} counted: the files are of different runs",
                snap.counted
            ),
        ));
    }
    Ok(snap)
}

/// Read one report file, at most [`MAX_FILE_BYTES`].
fn read_file(dir: &Path, name: &str) -> Result<Vec<u8>> {
    let path = dir.join(name);
    let mut bytes = Vec::new();
    std::fs::File::open(&path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| Error::Snapshot {
            path: path.clone(),
            message: format!(
                "cannot read it ({e}); is this a report directory?"
            ),
        })?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Error::Snapshot {
            path,
            message: "larger than 1 GiB: not a report file".into(),
        });
    }
    Ok(bytes)
}

/// Read a CSV: `table` 0 is `by_code.csv`, 1 `by_code_range.csv`, 2
/// `by_category.csv`.
fn read_table(
    bytes: &[u8],
    table: u8,
    snap: &mut Snapshot<'static>,
    groups: &mut FxHashMap<Vec<String>, u32>,
) -> std::result::Result<(), String> {
    let mut r = ::csv::ReaderBuilder::new().from_reader(bytes);
    let header: Vec<String> = r
        .headers()
        .map_err(|e| format!("bad header: {e}"))?
        .iter()
        .map(str::to_owned)
        .collect();
    let ndims = snap.dims.len();
    if header.get(..ndims) != Some(&snap.dims[..])
        || header.get(ndims).map(String::as_str) != Some("result_category")
    {
        return Err(format!(
            "its columns do not start with the --by dimensions of \
             summary.json ({}) and result_category",
            snap.dims.join(",")
        ));
    }
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("no {name} column"))
    };
    let (count, calls, participants) =
        (col("count")?, col("calls")?, col("participants")?);
    for (i, rec) in r.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| format!("line {line}: {e}"))?;
        let cell = |c: usize| rec.get(c).unwrap_or_default();
        let at = |what: String| format!("line {line}: {what}");
        let values: Vec<String> =
            (0..ndims).map(|c| untext_cell(cell(c)).to_owned()).collect();
        let next = groups.len() as u32;
        let group = *groups.entry(values.clone()).or_insert(next);
        if group == next {
            snap.groups.push(values.iter().map(String::as_str), 0);
        }
        let category = Category::ALL
            .into_iter()
            .find(|c| c.as_str() == cell(ndims))
            .ok_or_else(|| {
                at(format!("unknown category {:?}", cell(ndims)))
            })?;
        let ids = Distincts::new(
            opt_u64(cell(calls)).map_err(&at)?,
            opt_u64(cell(participants)).map_err(&at)?,
        );
        if table > 0 {
            let range = if table == 1 {
                let r = cell(col("code_range")?);
                Some(
                    CODE_RANGES.into_iter().find(|x| *x == r).ok_or_else(
                        || at(format!("unknown code range {r:?}")),
                    )?,
                )
            } else {
                None
            };
            snap.coarse.push(Coarse { group, category, range, ids });
            continue;
        }
        let n = opt_u64(cell(count))
            .map_err(&at)?
            .ok_or_else(|| at("no count".into()))?;
        let code = parse_int(cell(col("code")?))
            .ok_or_else(|| at("the code is not an integer".into()))?;
        let sub = cell(col("subcode")?);
        let subcode =
            if sub.is_empty() {
                None
            } else {
                Some(parse_int(sub).ok_or_else(|| {
                    at("the subcode is not an integer".into())
                })?)
            };
        snap.groups.add_counted(group, n);
        snap.rows.push(Row {
            group,
            category,
            code,
            subcode,
            count: n,
            known: cell(col("known")?) == "true",
            ids,
            sketches: None,
        });
    }
    Ok(())
}

/// An empty cell, or a count.
fn opt_u64(s: &str) -> std::result::Result<Option<u64>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|_| format!("{s:?} is not a count"))
}

/// The text of a cell written by `render::csv::text_cell`: the leading
/// `'` that keeps spreadsheets from running it as a formula removed.
fn untext_cell(s: &str) -> &str {
    match s.as_bytes() {
        [b'\'', b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r', ..] => &s[1..],
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_guards_come_off() {
        assert_eq!(untext_cell("'=1+1"), "=1+1");
        assert_eq!(untext_cell("'x"), "'x");
        assert_eq!(untext_cell("PSTN"), "PSTN");
        assert_eq!(untext_cell(""), "");
    }

    /// A directory holding `files` (name, bytes), beside a good summary.
    fn dir_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let summary = br#"{"tool":"calltally","plan":{"by":[],"distinct_precision":12},"counted":1,"records":1,"malformed":0,"calls":1,"participants":0}"#;
        std::fs::write(dir.path().join(SUMMARY_JSON), summary).unwrap();
        let good: [(&str, &[u8]); 3] = [
            (BY_CODE, b"result_category,code_range,code,subcode,count,share,calls,participants,known,match,summary,advice\nSuccess,0,0,0,1,1.000000,1,0,true,exact,,\n"),
            (BY_CODE_RANGE, b"result_category,code_range,count,share,calls,participants\nSuccess,0,1,1.000000,1,0\n"),
            (BY_CATEGORY, b"result_category,count,share,calls,participants\nSuccess,1,1.000000,1,0\n"),
        ];
        for (name, bytes) in good.iter().chain(files) {
            std::fs::write(dir.path().join(name), bytes).unwrap();
        }
        dir
    }

    #[test]
    fn a_good_directory_reads() {
        let snap = report_dir(dir_with(&[]).path()).unwrap();
        assert_eq!(snap.rows.len(), 1);
        assert_eq!(snap.groups.counted(0), 1);
        assert_eq!(snap.coarse.len(), 2);
    }

    #[test]
    fn hostile_report_files_are_errors_naming_the_file() {
        for (name, bytes, says) in [
            (SUMMARY_JSON, &b"\xff\x00"[..], "summary.json: not JSON"),
            (SUMMARY_JSON, b"{}", "not a calltally summary"),
            (SUMMARY_JSON, br#"{"tool":"calltally","plan":{"by":[]}}"#, "no number"),
            (BY_CODE, b"", "do not start with"),
            (BY_CODE, b"\xff\xfe,\n\x00", "by_code.csv"),
            (BY_CODE, b"result_category,count\nSuccess,1\n", "no calls column"),
            (BY_CODE, b"result_category,code_range,code,subcode,count,share,calls,participants,known\nNope,0,0,,1,1,,,true\n", "line 2: unknown category"),
            (BY_CODE, b"result_category,code_range,code,subcode,count,share,calls,participants,known\nSuccess,0,x,,1,1,,,true\n", "code is not an integer"),
            (BY_CODE, b"result_category,code_range,code,subcode,count,share,calls,participants,known\nSuccess,0,0,,-1,1,,,true\n", "is not a count"),
            (BY_CODE, b"result_category,code_range,code,subcode,count,share,calls,participants,known\nSuccess,0,0,,2,1,,,true\n", "different runs"),
            (BY_CODE_RANGE, b"result_category,code_range,count,share,calls,participants\nSuccess,7yy,1,1,,\n", "unknown code range"),
        ] {
            let dir = dir_with(&[(name, bytes)]);
            let e = report_dir(dir.path()).unwrap_err().to_string();
            assert!(e.contains(name) && e.contains(says), "{name}: {e}");
        }
    }

    #[test]
    fn counts_are_counts() {
        assert_eq!(opt_u64(""), Ok(None));
        assert_eq!(opt_u64("12"), Ok(Some(12)));
        assert!(opt_u64("-1").is_err() && opt_u64("1.5").is_err());
    }
}
