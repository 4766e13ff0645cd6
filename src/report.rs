//! Reports: pure functions from a [`Tally`] and the catalog to bytes, and
//! an atomic writer (spec §4).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::catalog::{Annotation, Catalog};
use crate::error::{Error, Result};
use crate::input::Input;
use crate::record::{code_range, Category};
use crate::sys::peak_rss;
use crate::tally::{FormatCount, Tally};

/// The CSV report files, in the order they are written.
pub const CSV_FILES: [&str; 3] =
    ["by_category.csv", "by_code_range.csv", "by_code.csv"];

/// How many undocumented pairs `summary.json` lists.
pub const MAX_UNDOCUMENTED: usize = 1000;

/// One row of `by_code.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeRow {
    /// The final category.
    pub category: Category,
    /// The code.
    pub code: i64,
    /// The subcode, if any.
    pub subcode: Option<i64>,
    /// Records.
    pub count: u64,
    /// What the catalog says, if anything.
    pub annotation: Option<Annotation>,
}

/// Where counted records' categories came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CategorySources {
    /// The log gave a recognised category.
    pub from_log: u64,
    /// The catalog filled it in.
    pub from_catalog: u64,
    /// Neither: `Unknown`.
    pub unknown: u64,
}

/// A (code, subcode) the catalog does not know.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Undocumented {
    /// The code.
    pub code: i64,
    /// The subcode, if any.
    pub subcode: Option<i64>,
    /// Records.
    pub count: u64,
}

/// The aggregated, sorted contents of the reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// All counted records.
    pub counted: u64,
    /// `by_category.csv` rows.
    pub by_category: Vec<(Category, u64)>,
    /// `by_code_range.csv` rows.
    pub by_code_range: Vec<(Category, &'static str, u64)>,
    /// `by_code.csv` rows.
    pub by_code: Vec<CodeRow>,
    /// Where categories came from.
    pub category_sources: CategorySources,
    /// Pairs the catalog does not document, most frequent first.
    pub undocumented: Vec<Undocumented>,
}

impl Report {
    /// Resolve categories through the catalog and aggregate.
    pub fn build(tally: &Tally, catalog: &Catalog) -> Report {
        let mut sources = CategorySources::default();
        let mut keyed: FxHashMap<(Category, i64, Option<i64>), u64> =
            FxHashMap::default();
        for (t, &n) in &tally.counts {
            let category = match t.category {
                Some(c) => {
                    sources.from_log += n;
                    c
                }
                None => match catalog.category(t.code, t.subcode) {
                    Some(c) => {
                        sources.from_catalog += n;
                        c
                    }
                    None => {
                        sources.unknown += n;
                        Category::Unknown
                    }
                },
            };
            *keyed.entry((category, t.code, t.subcode)).or_insert(0) += n;
        }
        let mut by_category: FxHashMap<Category, u64> = FxHashMap::default();
        let mut by_range: FxHashMap<(Category, &'static str), u64> =
            FxHashMap::default();
        let mut pairs: FxHashMap<(i64, Option<i64>), u64> =
            FxHashMap::default();
        for (&(c, code, sub), &n) in &keyed {
            *by_category.entry(c).or_insert(0) += n;
            *by_range.entry((c, code_range(code))).or_insert(0) += n;
            *pairs.entry((code, sub)).or_insert(0) += n;
        }
        let mut by_code: Vec<CodeRow> = keyed
            .into_iter()
            .map(|((category, code, subcode), count)| CodeRow {
                category,
                code,
                subcode,
                count,
                annotation: catalog.annotate(code, subcode),
            })
            .collect();
        by_code.sort_by(|a, b| {
            b.count.cmp(&a.count).then_with(|| {
                (a.category.as_str(), code_range(a.code), a.code, a.subcode)
                    .cmp(&(
                        b.category.as_str(),
                        code_range(b.code),
                        b.code,
                        b.subcode,
                    ))
            })
        });
        let mut by_category: Vec<(Category, u64)> =
            by_category.into_iter().collect();
        by_category.sort_by(|a, b| {
            b.1.cmp(&a.1).then_with(|| a.0.as_str().cmp(b.0.as_str()))
        });
        let mut by_code_range: Vec<(Category, &'static str, u64)> =
            by_range.into_iter().map(|((c, r), n)| (c, r, n)).collect();
        by_code_range.sort_by(|a, b| {
            b.2.cmp(&a.2)
                .then_with(|| (a.0.as_str(), a.1).cmp(&(b.0.as_str(), b.1)))
        });
        let mut undocumented: Vec<Undocumented> = pairs
            .into_iter()
            .filter(|&((code, sub), _)| catalog.annotate(code, sub).is_none())
            .map(|((code, subcode), count)| Undocumented {
                code,
                subcode,
                count,
            })
            .collect();
        undocumented.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| (a.code, a.subcode).cmp(&(b.code, b.subcode)))
        });
        Report {
            counted: tally.counted,
            by_category,
            by_code_range,
            by_code,
            category_sources: sources,
            undocumented,
        }
    }

    fn share(&self, n: u64) -> String {
        if self.counted == 0 {
            return "0.000000".into();
        }
        format!("{:.6}", n as f64 / self.counted as f64)
    }

    /// `by_category.csv`.
    pub fn by_category_csv(&self) -> Vec<u8> {
        csv_bytes(["result_category", "count", "share"], |w| {
            for &(c, n) in &self.by_category {
                w.write_record([c.as_str(), &n.to_string(), &self.share(n)])?;
            }
            Ok(())
        })
    }

    /// `by_code_range.csv`.
    pub fn by_code_range_csv(&self) -> Vec<u8> {
        csv_bytes(["result_category", "code_range", "count", "share"], |w| {
            for &(c, r, n) in &self.by_code_range {
                w.write_record([
                    c.as_str(),
                    r,
                    &n.to_string(),
                    &self.share(n),
                ])?;
            }
            Ok(())
        })
    }

    /// `by_code.csv`.
    pub fn by_code_csv(&self) -> Vec<u8> {
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
        csv_bytes(header, |w| {
            for r in &self.by_code {
                let (known, summary, advice) = match &r.annotation {
                    Some(a) => ("true", &*a.summary, &*a.advice),
                    None => ("false", "", ""),
                };
                w.write_record([
                    r.category.as_str(),
                    code_range(r.code),
                    &r.code.to_string(),
                    &r.subcode.map(|s| s.to_string()).unwrap_or_default(),
                    &r.count.to_string(),
                    &self.share(r.count),
                    known,
                    summary,
                    advice,
                ])?;
            }
            Ok(())
        })
    }
}

fn csv_bytes<const N: usize>(
    header: [&str; N],
    rows: impl FnOnce(&mut csv::Writer<Vec<u8>>) -> csv::Result<()>,
) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    w.write_record(header).expect("write to memory");
    rows(&mut w).expect("write to memory");
    w.into_inner().expect("write to memory")
}

/// `summary.json`: the run's facts and accounting.
#[derive(Debug, Serialize)]
pub struct Summary<'a> {
    /// Always `calltally`.
    pub tool: &'static str,
    /// The tool's version.
    pub version: &'static str,
    /// Inputs read.
    pub inputs: InputsSummary<'a>,
    /// Inputs and records per input format.
    pub formats: std::collections::BTreeMap<&'static str, FormatCount>,
    /// Records per log kind (`category`, `Type` or `operationName`), most
    /// first.
    pub kinds: Vec<KindOut<'a>>,
    /// Physical lines.
    pub lines: u64,
    /// Blank lines.
    pub blank: u64,
    /// Records read (`counted + without_code`).
    pub records: u64,
    /// Records with a code.
    pub counted: u64,
    /// Records without a code.
    pub without_code: u64,
    /// Malformed lines and records.
    pub malformed: u64,
    /// Lines holding a `records`/`tables` envelope.
    pub envelopes: u64,
    /// Records and malformed elements from envelopes.
    pub envelope_items: u64,
    /// Where counted records' categories came from.
    pub categories: CategorySources,
    /// Distinct (code, subcode) pairs the catalog does not document.
    pub undocumented_pairs: usize,
    /// The most frequent of them (at most [`MAX_UNDOCUMENTED`]).
    pub undocumented: &'a [Undocumented],
    /// The first malformed records, in input order.
    pub malformed_samples: Vec<SampleOut<'a>>,
    /// Wall time of the run.
    pub elapsed_seconds: f64,
    /// Input megabytes (10^6 bytes) per second.
    pub throughput_mb_per_s: f64,
    /// The process's peak resident memory so far, in MB (10^6 bytes).
    pub peak_rss_mb: f64,
}

/// Inputs in `summary.json`.
#[derive(Debug, Serialize)]
pub struct InputsSummary<'a> {
    /// Inputs read (files and streams).
    pub files: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Inputs that could not be read.
    pub errors: Vec<ErrorOut<'a>>,
}

/// Records of one log kind in `summary.json`.
#[derive(Debug, Serialize)]
pub struct KindOut<'a> {
    /// The kind.
    pub kind: &'a str,
    /// Records.
    pub records: u64,
}

/// A malformed sample in `summary.json`.
#[derive(Debug, Serialize)]
pub struct SampleOut<'a> {
    /// The input.
    pub file: &'a str,
    /// 1-based line.
    pub line: u64,
    /// Why.
    pub reason: &'a str,
}

/// An input error in `summary.json`.
#[derive(Debug, Serialize)]
pub struct ErrorOut<'a> {
    /// The path.
    pub path: &'a str,
    /// What went wrong.
    pub message: &'a str,
}

/// The name of input `i` (inputs that never became one carry their path).
pub fn input_name<'a>(
    inputs: &'a [Input],
    i: u32,
    fallback: &'a str,
) -> &'a str {
    inputs.get(i as usize).map_or(fallback, |inp| &inp.name)
}

impl<'a> Summary<'a> {
    /// Assemble the summary of a run.
    pub fn new(
        inputs: &'a [Input],
        tally: &'a Tally,
        report: &'a Report,
        elapsed_seconds: f64,
    ) -> Summary<'a> {
        let formats = tally.formats.iter().map(|(k, v)| (*k, *v)).collect();
        let mut kinds: Vec<KindOut<'a>> = tally
            .kinds
            .iter()
            .map(|(k, &n)| KindOut { kind: k, records: n })
            .collect();
        kinds.sort_by(|a, b| {
            b.records.cmp(&a.records).then(a.kind.cmp(b.kind))
        });
        Summary {
            tool: "calltally",
            version: env!("CARGO_PKG_VERSION"),
            inputs: InputsSummary {
                files: tally.inputs,
                bytes: tally.bytes,
                errors: tally
                    .errors
                    .iter()
                    .map(|e| ErrorOut { path: &e.path, message: &e.message })
                    .collect(),
            },
            formats,
            kinds,
            lines: tally.lines,
            blank: tally.blank,
            records: tally.records,
            counted: tally.counted,
            without_code: tally.without_code,
            malformed: tally.malformed,
            envelopes: tally.envelopes,
            envelope_items: tally.envelope_items,
            categories: report.category_sources,
            undocumented_pairs: report.undocumented.len(),
            undocumented: &report.undocumented
                [..report.undocumented.len().min(MAX_UNDOCUMENTED)],
            malformed_samples: tally
                .samples
                .iter()
                .map(|s| SampleOut {
                    file: input_name(inputs, s.input, "?"),
                    line: s.line,
                    reason: &s.reason,
                })
                .collect(),
            elapsed_seconds,
            throughput_mb_per_s: if elapsed_seconds > 0.0 {
                tally.bytes as f64 / 1e6 / elapsed_seconds
            } else {
                0.0
            },
            peak_rss_mb: peak_rss() as f64 / 1e6,
        }
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).expect("serialisable");
        v.push(b'\n');
        v
    }
}

/// Temporary report files being written, for [`remove_temp_files`].
static TEMP_FILES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn temp_files() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    TEMP_FILES.lock().unwrap_or_else(|e| e.into_inner())
}

/// Remove the temporary files of reports being written. For a Ctrl-C
/// handler: the process is about to exit without running destructors.
pub fn remove_temp_files() {
    for path in temp_files().iter() {
        let _ = std::fs::remove_file(path);
    }
}

/// Unregisters temporary paths when the write is over, however it ends.
struct Registered(Vec<PathBuf>);

impl Drop for Registered {
    fn drop(&mut self) {
        temp_files().retain(|p| !self.0.contains(p));
    }
}

/// Write report files into `dir` atomically: each goes to a temporary file
/// in `dir` first; only when all are written are they renamed into place.
/// A failure leaves earlier reports untouched and no temporary files (nor
/// does Ctrl-C, through [`remove_temp_files`]).
pub fn write_atomically(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<()> {
    let err =
        |path: &Path, source| Error::Write { path: path.to_owned(), source };
    std::fs::create_dir_all(dir).map_err(|e| err(dir, e))?;
    let mut registered = Registered(Vec::new());
    let mut staged = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| err(dir, e))?;
        temp_files().push(tmp.path().to_owned());
        registered.0.push(tmp.path().to_owned());
        tmp.write_all(bytes)
            .and_then(|_| tmp.as_file().sync_all())
            .map_err(|e| err(&dir.join(name), e))?;
        staged.push((tmp, dir.join(name)));
    }
    for (tmp, path) in staged {
        tmp.persist(&path).map_err(|e| err(&path, e.error))?;
    }
    Ok(())
}

/// A short human summary of a run: totals, categories and the top codes
/// with their meaning.
pub fn human(
    report: &Report,
    tally: &Tally,
    elapsed: f64,
    top: usize,
) -> String {
    let mut s = String::new();
    let mb = tally.bytes as f64 / 1e6;
    let _ = writeln!(
        s,
        "{} input{}, {:.1} MB in {:.2} s ({:.0} MB/s): {} records, {} \
         counted, {} without code, {} malformed",
        tally.inputs,
        if tally.inputs == 1 { "" } else { "s" },
        mb,
        elapsed,
        if elapsed > 0.0 { mb / elapsed } else { 0.0 },
        tally.records,
        tally.counted,
        tally.without_code,
        tally.malformed,
    );
    if report.counted == 0 {
        return s;
    }
    let pct = |n: u64| 100.0 * n as f64 / report.counted as f64;
    let cats: Vec<String> = report
        .by_category
        .iter()
        .map(|&(c, n)| format!("{c} {n} ({:.1}%)", pct(n)))
        .collect();
    let _ = writeln!(s, "by category: {}", cats.join(", "));
    let _ = writeln!(s, "top codes:");
    for r in report.by_code.iter().take(top) {
        let pair = match r.subcode {
            Some(sub) => format!("{}/{}", r.code, sub),
            None => r.code.to_string(),
        };
        let meaning = r
            .annotation
            .as_ref()
            .map_or("(not in the catalog)", |a| a.summary.as_str());
        let _ = writeln!(
            s,
            "  {:>9} {:>5.1}%  {:<12} {:<21} {}",
            r.count,
            pct(r.count),
            pair,
            r.category.as_str(),
            meaning
        );
    }
    if report.by_code.len() > top {
        let _ = writeln!(
            s,
            "  … {} more in by_code.csv",
            report.by_code.len() - top
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Triple;

    fn tally(rows: &[(i64, Option<i64>, Option<Category>, u64)]) -> Tally {
        let mut t = Tally::default();
        for &(code, subcode, category, n) in rows {
            t.counts.insert(Triple { code, subcode, category }, n);
            t.counted += n;
            t.records += n;
        }
        t
    }

    #[test]
    fn csv_rows_sorted_and_shared() {
        use Category::*;
        let t = tally(&[
            (0, Some(0), Some(Success), 2),
            (410, Some(3112), None, 1),
            (499, Some(99_999), None, 1),
        ]);
        let r = Report::build(&t, Catalog::embedded());
        assert_eq!(
            String::from_utf8(r.by_category_csv()).unwrap(),
            "result_category,count,share\n\
             Success,2,0.500000\n\
             ExpectedError,1,0.250000\n\
             Unknown,1,0.250000\n"
        );
        assert_eq!(
            String::from_utf8(r.by_code_range_csv()).unwrap(),
            "result_category,code_range,count,share\n\
             Success,0,2,0.500000\n\
             ExpectedError,4xx,1,0.250000\n\
             Unknown,4xx,1,0.250000\n"
        );
        let by_code = String::from_utf8(r.by_code_csv()).unwrap();
        let lines: Vec<&str> = by_code.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[1].starts_with("Success,0,0,0,2,0.500000,true,"));
        assert!(lines[2]
            .starts_with("ExpectedError,4xx,410,3112,1,0.250000,true,"));
        assert_eq!(lines[3], "Unknown,4xx,499,99999,1,0.250000,false,,");
        assert_eq!(
            r.category_sources,
            CategorySources { from_log: 2, from_catalog: 1, unknown: 1 }
        );
        assert_eq!(
            r.undocumented,
            [Undocumented { code: 499, subcode: Some(99_999), count: 1 }]
        );
    }

    #[test]
    fn ties_sort_by_keys_numerically() {
        let t = tally(&[
            (1000, None, Some(Category::Success), 1),
            (200, Some(10), Some(Category::Success), 1),
            (200, Some(9), Some(Category::Success), 1),
            (200, None, Some(Category::Success), 1),
        ]);
        let r = Report::build(&t, Catalog::embedded());
        let keys: Vec<(i64, Option<i64>)> =
            r.by_code.iter().map(|r| (r.code, r.subcode)).collect();
        assert_eq!(
            keys,
            [(200, None), (200, Some(9)), (200, Some(10)), (1000, None)]
        );
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        write_atomically(dir.path(), &[("a.csv", b"one".to_vec())]).unwrap();
        write_atomically(dir.path(), &[("a.csv", b"two".to_vec())]).unwrap();
        assert_eq!(std::fs::read(dir.path().join("a.csv")).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }
}
