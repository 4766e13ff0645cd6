//! A run's `by_code` rows, as gates and `diff` measure them: built from
//! this run's [`Report`] and [`Tally`] (with the rows' distinct-id
//! sketches, so `calls` of several rows is the union of their sketches),
//! or read back from an earlier run's report directory ([`read`](super::read);
//! the CSVs hold estimates only).
//!
//! **The seam for partial tallies.** A partial tally read into a [`Tally`]
//! (with its plan and the catalog) becomes a snapshot through
//! [`Snapshot::from_tally`], sketches and all; [`Snapshot::open`] is the one
//! place that decides what a path given to `--baseline` or `diff` is, and
//! is where a partial file is to be recognised and read.

use std::borrow::Cow;
use std::path::Path;

use rustc_hash::{FxHashMap, FxHashSet};

use super::{resolve_category, Distincts, Groups, Report};
use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::gate::rule::{Codes, Metric, Selector, Special};
use crate::record::Category;
use crate::tally::{Ids, Plan, Tally};

/// One `by_code` row of a snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row<'a> {
    /// Its group of dimension values ([`Snapshot::groups`]).
    pub group: u32,
    /// The final category.
    pub category: Category,
    /// The code.
    pub code: i64,
    /// The subcode, if any.
    pub subcode: Option<i64>,
    /// Records.
    pub count: u64,
    /// Whether the catalog documents the pair (`known`).
    pub known: bool,
    /// The row's distinct calls and participants (estimates).
    pub ids: Distincts,
    /// The row's sketches, when the snapshot was built from a tally.
    pub(crate) sketches: Option<Cow<'a, Ids>>,
}

/// A row of `by_category.csv` or `by_code_range.csv` read back: the
/// estimates a report directory holds for more than one `by_code` row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coarse {
    /// Its group.
    pub group: u32,
    /// The category.
    pub category: Category,
    /// The code range (`by_code_range.csv`), or `None` (`by_category.csv`).
    pub range: Option<&'static str>,
    /// Its distinct calls and participants.
    pub ids: Distincts,
}

/// A run, as rules and `diff` see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot<'a> {
    /// Where it came from (a directory, or `this run`), for messages.
    pub source: String,
    /// The `--by` dimension names, in order.
    pub dims: Vec<String>,
    /// The groups of dimension values, by id, with their counted records.
    pub groups: Groups,
    /// The `by_code` rows.
    pub rows: Vec<Row<'a>>,
    /// Read-back `by_category`/`by_code_range` rows (empty when built
    /// from a tally, whose sketches answer every selector).
    pub coarse: Vec<Coarse>,
    /// Counted records.
    pub counted: u64,
    /// Records read (`counted + without_code`).
    pub records: u64,
    /// Malformed records.
    pub malformed: u64,
    /// Distinct calls and participants of the whole run.
    pub totals: Distincts,
    /// Whether the run counted distinct ids.
    pub distinct: bool,
}

/// The (group values, code, subcode) keys of a snapshot, for `new`.
pub type PairKeys = FxHashSet<(Vec<String>, i64, Option<i64>)>;

impl<'a> Snapshot<'a> {
    /// This run: the report's rows, each with the union of the sketches of
    /// the tally cells it was built from (borrowed, or merged where a row
    /// has several cells).
    pub fn of_run(
        report: &Report,
        tally: &'a Tally,
        catalog: &Catalog,
    ) -> Snapshot<'a> {
        let mut rows: Vec<Row<'a>> = report
            .by_code
            .iter()
            .map(|r| Row {
                group: r.group,
                category: r.category,
                code: r.code,
                subcode: r.subcode,
                count: r.count,
                known: r.annotation.is_some(),
                ids: r.ids,
                sketches: None,
            })
            .collect();
        if report.plan.distinct.is_some() {
            let index: FxHashMap<(u32, Category, i64, Option<i64>), usize> =
                rows.iter()
                    .enumerate()
                    .map(|(i, r)| {
                        ((r.group, r.category, r.code, r.subcode), i)
                    })
                    .collect();
            for (key, cell) in &tally.cells {
                let Some(ids) = cell.ids.as_deref() else { continue };
                let t = key.triple();
                let (category, _) = resolve_category(&t, catalog);
                let k = (key.dims(), category, t.code, t.subcode);
                let Some(&i) = index.get(&k) else { continue };
                match &mut rows[i].sketches {
                    Some(s) => s.to_mut().merge(ids),
                    s @ None => *s = Some(Cow::Borrowed(ids)),
                }
            }
        }
        Snapshot {
            source: "this run".into(),
            dims: report.dims.clone(),
            groups: report.groups.clone(),
            rows,
            coarse: Vec::new(),
            counted: report.counted,
            records: tally.acc.records,
            malformed: tally.acc.malformed,
            totals: report.totals,
            distinct: report.plan.distinct.is_some(),
        }
    }

    /// A tally counted under `plan` (a run, or a partial tally read back):
    /// its report is built with `catalog` and the sketches kept.
    pub fn from_tally(
        tally: &'a Tally,
        catalog: &Catalog,
        plan: &Plan,
    ) -> Snapshot<'a> {
        let report = Report::build_for(tally, catalog, plan);
        Snapshot::of_run(&report, tally, catalog)
    }

    /// The earlier run at `path`: a report directory (its CSVs and
    /// `summary.json`), or a partial tally file (`report --partial`,
    /// `merge --partial`), whose report is built with `catalog` and whose
    /// sketches are kept, so `calls` and `participants` of any selector
    /// are exact unions.
    pub fn open(path: &Path, catalog: &Catalog) -> Result<Snapshot<'static>> {
        if path.is_dir() {
            return super::read::report_dir(path);
        }
        let name = path.display().to_string();
        let mut head = [0u8; 8];
        let is_partial = std::fs::File::open(path)
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
            .is_ok()
            && head == crate::partial::MAGIC;
        if !is_partial {
            let why = if path.exists() {
                "neither a report directory nor a partial tally; give the -o \
                 directory of an earlier report, or a file of report \
                 --partial"
            } else {
                "no such directory or file"
            };
            return Err(Error::Snapshot {
                path: path.to_owned(),
                message: why.into(),
            });
        }
        let bytes = std::fs::read(path).map_err(|e| Error::Snapshot {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        let p = crate::partial::read(&bytes, &name)?;
        let mut tally = p.tally;
        tally.settle_versions(p.plan.distinct);
        let mut snap =
            Snapshot::from_tally(&tally, catalog, &p.plan).into_owned();
        snap.source = name;
        Ok(snap)
    }

    /// The snapshot with its sketches owned.
    pub fn into_owned(self) -> Snapshot<'static> {
        Snapshot {
            rows: self
                .rows
                .into_iter()
                .map(|r| Row {
                    sketches: r.sketches.map(|s| Cow::Owned(s.into_owned())),
                    group: r.group,
                    category: r.category,
                    code: r.code,
                    subcode: r.subcode,
                    count: r.count,
                    known: r.known,
                    ids: r.ids,
                })
                .collect(),
            source: self.source,
            dims: self.dims,
            groups: self.groups,
            coarse: self.coarse,
            counted: self.counted,
            records: self.records,
            malformed: self.malformed,
            totals: self.totals,
            distinct: self.distinct,
        }
    }

    /// Refuse a snapshot grouped by other dimensions than `dims`.
    pub fn check_dims(&self, dims: &[String], what: &str) -> Result<()> {
        if self.dims == dims {
            return Ok(());
        }
        let show = |d: &[String]| {
            if d.is_empty() {
                "no --by".to_owned()
            } else {
                format!("--by {}", d.join(","))
            }
        };
        Err(Error::Snapshot {
            path: self.source.clone().into(),
            message: format!(
                "made with {}, but {what} has {}; compare runs made with \
                 the same --by",
                show(&self.dims),
                show(dims)
            ),
        })
    }

    /// Every (group values, code, subcode) of the rows.
    pub fn pair_keys(&self) -> PairKeys {
        self.rows
            .iter()
            .map(|r| (self.group_values(r.group), r.code, r.subcode))
            .collect()
    }

    /// The dimension values of group `g`, owned (a key of rows across
    /// snapshots).
    pub fn group_values(&self, g: u32) -> Vec<String> {
        self.groups.values(g).map(str::to_owned).collect()
    }

    /// Measure `metric` of the records `sel` selects. `new_against` holds
    /// the baseline's keys (for `new`). The error says why a value cannot
    /// be had (a report directory holds no sketches to unite).
    pub fn measure(
        &self,
        sel: &Selector,
        metric: Metric,
        new_against: Option<&PairKeys>,
    ) -> std::result::Result<f64, String> {
        if sel.special == Some(Special::Malformed) {
            let n = self.malformed as f64;
            return Ok(match metric {
                Metric::Share => {
                    ratio(n, (self.records + self.malformed) as f64)
                }
                _ => n,
            });
        }
        let in_group = self.groups_matching(sel);
        let rows: Vec<&Row<'a>> = self
            .rows
            .iter()
            .filter(|r| {
                in_group[r.group as usize]
                    && self.row_matches(r, sel, new_against)
            })
            .collect();
        let count: u64 = rows.iter().map(|r| r.count).sum();
        match metric {
            Metric::Count => Ok(count as f64),
            Metric::Share => {
                let total: u64 = (0..self.groups.len() as u32)
                    .zip(&in_group)
                    .filter(|(_, &m)| m)
                    .map(|(g, _)| self.groups.counted(g))
                    .sum();
                Ok(ratio(count as f64, total as f64))
            }
            Metric::Calls | Metric::Participants => {
                if !self.distinct {
                    return Err(format!(
                        "{} was made with --no-distinct",
                        self.source
                    ));
                }
                let pick = |d: Distincts| match metric {
                    Metric::Calls => d.calls(),
                    _ => d.participants(),
                };
                self.distinct_of(sel, &in_group, &rows)
                    .map(|d| pick(d).unwrap_or(0) as f64)
            }
        }
    }

    /// Per group id: whether its values meet the selector's limits.
    fn groups_matching(&self, sel: &Selector) -> Vec<bool> {
        let limits: Vec<(usize, &str)> = sel
            .limits
            .iter()
            .filter_map(|(d, v)| {
                self.dims.iter().position(|x| x == d).map(|i| (i, v.as_str()))
            })
            .collect();
        let unmatched_dim = limits.len() < sel.limits.len();
        (0..self.groups.len() as u32)
            .map(|g| {
                !unmatched_dim
                    && limits.iter().all(|&(i, v)| {
                        self.groups.value(g, i).is_some_and(|x| x == v)
                    })
            })
            .collect()
    }

    fn row_matches(
        &self,
        r: &Row<'_>,
        sel: &Selector,
        new_against: Option<&PairKeys>,
    ) -> bool {
        sel.category.is_none_or(|c| c == r.category)
            && sel.codes.is_none_or(|c| c.matches(r.code, r.subcode))
            && match sel.special {
                None | Some(Special::Malformed) => true,
                Some(Special::Unknown) => !r.known,
                Some(Special::New) => new_against.is_some_and(|keys| {
                    !keys.contains(&(
                        self.group_values(r.group),
                        r.code,
                        r.subcode,
                    ))
                }),
            }
    }

    /// Distinct ids of the selected rows: the union of their sketches; from
    /// a report directory, the one row of the finest table whose rows the
    /// selector can name that holds them all.
    fn distinct_of(
        &self,
        sel: &Selector,
        in_group: &[bool],
        rows: &[&Row<'a>],
    ) -> std::result::Result<Distincts, String> {
        match rows {
            [] => return Ok(Distincts::new(Some(0), Some(0))),
            [one] => return Ok(one.ids),
            _ => {}
        }
        if rows.iter().all(|r| r.sketches.is_some()) {
            let mut all: Option<Ids> = None;
            for s in rows.iter().filter_map(|r| r.sketches.as_deref()) {
                match &mut all {
                    Some(a) => a.merge(s),
                    None => all = Some(s.clone()),
                }
            }
            return Ok(Distincts::new(
                all.as_ref().map(|a| a.calls.estimate()),
                all.as_ref().map(|a| a.participants.estimate()),
            ));
        }
        let range = match sel.codes {
            None => None,
            Some(Codes::Range(r)) => Some(r),
            Some(_) => return Err(self.no_union(rows.len())),
        };
        if sel.special.is_some() {
            return Err(self.no_union(rows.len()));
        }
        if sel.limits.is_empty() && sel.category.is_none() && range.is_none() {
            return Ok(self.totals);
        }
        // The range table names a category and range; the category table
        // a category only.
        for want_range in [true, false] {
            if !want_range && range.is_some() {
                continue;
            }
            let hits: Vec<&Coarse> = self
                .coarse
                .iter()
                .filter(|c| {
                    c.range.is_some() == want_range
                        && in_group[c.group as usize]
                        && sel.category.is_none_or(|k| k == c.category)
                        && range.is_none_or(|r| c.range == Some(r))
                })
                .collect();
            if let [one] = hits[..] {
                return Ok(one.ids);
            }
        }
        Err(self.no_union(rows.len()))
    }

    fn no_union(&self, n: usize) -> String {
        format!(
            "the selector spans {n} rows of {}, whose union of distinct ids \
             a report directory does not hold; name a category, a range or \
             a pair that is one row there",
            self.source
        )
    }
}

/// `n / d`, 0 when `d` is 0.
fn ratio(n: f64, d: f64) -> f64 {
    if d == 0.0 {
        0.0
    } else {
        n / d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::{Gates, Rule, Severity};

    /// Records of two categories under 500 and one under 410, with calls
    /// a..e: `5xx` spans rows whose calls overlap.
    const LOG: &str = r#"{"correlationId":"a","participantId":"p1","participantEndReason":500,"participantEndSubCode":1,"resultCategory":"UnexpectedServerError"}
{"correlationId":"b","participantId":"p2","participantEndReason":500,"participantEndSubCode":1,"resultCategory":"UnexpectedServerError"}
{"correlationId":"b","participantId":"p3","participantEndReason":500,"participantEndSubCode":2,"resultCategory":"ExpectedError"}
{"correlationId":"c","participantId":"p4","participantEndReason":500,"participantEndSubCode":2,"resultCategory":"ExpectedError"}
{"correlationId":"d","participantId":"p5","participantEndReason":410,"participantEndSubCode":3112}
{"correlationId":"e","participantId":"p6","participantEndReason":0,"participantEndSubCode":0}
"#;

    fn tally() -> (Tally, Plan) {
        let mut config = crate::Config::default();
        config.plan.distinct = Some(12);
        let plan = config.plan.clone();
        (crate::tally_bytes(LOG.as_bytes(), &config).unwrap(), plan)
    }

    fn measure(snap: &Snapshot<'_>, rule: &str) -> f64 {
        let gates = Gates::prepare(
            &[Rule::parse(rule, Severity::Fail).unwrap()],
            None,
            &[],
        )
        .unwrap();
        gates.evaluate(snap).unwrap()[0].value
    }

    #[test]
    fn calls_of_several_rows_are_the_union_of_their_sketches() {
        let (t, plan) = tally();
        let snap = Snapshot::from_tally(&t, Catalog::embedded(), &plan);
        // 500 rows: calls {a, b} and {b, c}: three, not four.
        assert_eq!(measure(&snap, "5xx:calls > 0"), 3.0);
        assert_eq!(measure(&snap, "500:participants > 0"), 4.0);
        assert_eq!(measure(&snap, "5xx:count > 0"), 4.0);
        assert_eq!(measure(&snap, "ExpectedError,5xx:calls > 0"), 2.0);
        // 410/3112 takes ExpectedError from the catalog.
        assert_eq!(measure(&snap, "ExpectedError:calls > 0"), 3.0);
        assert_eq!(measure(&snap, "all:calls > 0"), 5.0);
        assert_eq!(measure(&snap, "all:share > 0%"), 1.0);
        assert_eq!(measure(&snap, "5xx:share > 0%"), 4.0 / 6.0);
        assert_eq!(measure(&snap, "499:calls > 0"), 0.0, "nothing: 0");
    }

    #[test]
    fn a_report_directory_reads_back_as_the_run() {
        let (t, plan) = tally();
        let report = Report::build_for(&t, Catalog::embedded(), &plan);
        let summary = super::super::Summary::new(&[], &t, &report, 0.0);
        let dir = tempfile::tempdir().unwrap();
        let set = crate::render::report_set(&report, &summary, None);
        super::super::write_report_set(dir.path(), &set).unwrap();
        let back = Snapshot::open(dir.path(), Catalog::embedded()).unwrap();
        let run = Snapshot::of_run(&report, &t, Catalog::embedded());
        let strip = |s: &Snapshot<'_>| -> Vec<Row<'static>> {
            s.rows
                .iter()
                .map(|r| Row { sketches: None, ..r.clone() })
                .collect()
        };
        assert_eq!(strip(&back), strip(&run));
        assert_eq!(back.groups, run.groups);
        assert_eq!(
            (back.counted, back.records, back.malformed, back.totals),
            (run.counted, run.records, run.malformed, run.totals)
        );
        // Without sketches, a selector of one row of a coarser table
        // still has its calls; one of several rows does not.
        assert_eq!(measure(&back, "UnexpectedServerError:calls > 0"), 2.0);
        assert_eq!(measure(&back, "all:calls > 0"), 5.0);
        let sel = Rule::parse("5xx:calls > 0", Severity::Fail).unwrap();
        let e = back.measure(&sel.selector, sel.metric, None).unwrap_err();
        assert!(e.contains("spans 2 rows"), "{e}");
    }
}
