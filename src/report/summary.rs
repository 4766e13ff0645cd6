//! `summary.json`: the run's facts and accounting.

use serde::Serialize;

use crate::input::{Input, WalkNotes};
use crate::sys::peak_rss;
use crate::tally::{Accounting, Filtered, FormatCount, Plan, Tally};

use super::{input_name, CategorySources, Report, Undocumented};

/// How many undocumented pairs `summary.json` lists.
pub const MAX_UNDOCUMENTED: usize = 1000;

/// How many log kinds `summary.json` lists; the rest are summed as
/// [`OTHER_KINDS`] (spec §4).
pub const MAX_KINDS: usize = 1000;

/// The kind that sums the kinds past [`MAX_KINDS`].
pub const OTHER_KINDS: &str = "(other)";

/// `summary.json`: the run's facts and accounting.
#[derive(Debug, Serialize)]
pub struct Summary<'a> {
    /// Always `calltally`.
    pub tool: &'static str,
    /// The tool's version.
    pub version: &'static str,
    /// The run's plan (`--by`, the window, `--where`, distinct counting).
    pub plan: PlanOut,
    /// Inputs read.
    pub inputs: InputsSummary<'a>,
    /// Inputs and records per input format.
    pub formats: std::collections::BTreeMap<&'static str, FormatCount>,
    /// Records per log kind (`category`, `Type` or `operationName`), most
    /// first.
    pub kinds: Vec<KindOut<'a>>,
    /// The accounting counters, `lines` to `envelope_items` (inputs and
    /// bytes are under `inputs`).
    #[serde(flatten)]
    pub accounting: Accounting,
    /// Distinct calls of the whole run (spec §7), unless `--no-distinct`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calls: Option<u64>,
    /// Distinct participants of the whole run, unless `--no-distinct`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participants: Option<u64>,
    /// Why records were filtered, when the plan filters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filtered_by: Option<Filtered>,
    /// Where counted records' categories came from.
    pub categories: CategorySources,
    /// Counted records per result category over the whole run, with their
    /// share of all counted records, most first (`jq` answers "share of
    /// server errors" without the CSVs).
    pub category_totals: Vec<CategoryTotal>,
    /// The most frequent (category, code, subcode) rows over the whole run
    /// (at most [`TOP_CODES`]), most first.
    pub top_codes: Vec<TopCode>,
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

/// How many rows `top_codes` lists.
pub const TOP_CODES: usize = 20;

/// One category's total in `summary.json`.
#[derive(Debug, Serialize)]
pub struct CategoryTotal {
    /// The category.
    pub category: &'static str,
    /// Counted records.
    pub count: u64,
    /// Share of all counted records.
    pub share: f64,
}

/// One of the top codes in `summary.json`.
#[derive(Debug, Serialize)]
pub struct TopCode {
    /// The category.
    pub category: &'static str,
    /// The code.
    pub code: i64,
    /// The subcode, if any.
    pub subcode: Option<i64>,
    /// Counted records.
    pub count: u64,
    /// Share of all counted records.
    pub share: f64,
    /// What the catalog says, if anything.
    pub summary: Option<String>,
}

/// The plan in `summary.json`.
#[derive(Debug, Serialize)]
pub struct PlanOut {
    /// The dimension columns.
    pub by: Vec<String>,
    /// `--since`, RFC 3339 UTC.
    pub since: Option<String>,
    /// `--until`, RFC 3339 UTC.
    pub until: Option<String>,
    /// The `--where` filters.
    #[serde(rename = "where")]
    pub filters: Vec<String>,
    /// `--max-groups`.
    pub max_groups: usize,
    /// The lgK of the distinct counts (`--distinct-precision`); `null`
    /// with `--no-distinct`.
    pub distinct_precision: Option<u8>,
}

impl PlanOut {
    /// The plan's words.
    pub fn of(plan: &Plan) -> PlanOut {
        PlanOut {
            by: plan.by.iter().map(|d| d.to_string()).collect(),
            since: plan.since.map(|t| t.to_string()),
            until: plan.until.map(|t| t.to_string()),
            filters: plan.filters.iter().map(|f| f.to_string()).collect(),
            max_groups: plan.max_groups,
            distinct_precision: plan.distinct,
        }
    }
}

/// Inputs in `summary.json`.
#[derive(Debug, Serialize)]
pub struct InputsSummary<'a> {
    /// Inputs read (files and streams).
    pub files: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Inputs not opened because their path proves they hold no record of
    /// the time window (only with a window).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pruned_files: Option<u64>,
    /// Partition folders not entered because their path proves nothing
    /// under them holds a record of the time window (only with a window;
    /// their files are not listed, so not in `pruned_files`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pruned_folders: Option<u64>,
    /// Inputs that could not be read.
    pub errors: Vec<ErrorOut<'a>>,
    /// Files a directory walk skipped (earlier reports, this run's output
    /// directory); only when there are some, so runs that skip nothing
    /// keep the summary they always had.
    #[serde(skip_serializing_if = "is_zero")]
    pub skipped_files: u64,
    /// The first skipped files.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub skipped: &'a [String],
}

fn is_zero(n: &u64) -> bool {
    *n == 0
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
        if kinds.len() > MAX_KINDS {
            let rest: u64 =
                kinds.drain(MAX_KINDS - 1..).map(|k| k.records).sum();
            kinds.push(KindOut { kind: OTHER_KINDS, records: rest });
        }
        Summary {
            tool: "calltally",
            version: env!("CARGO_PKG_VERSION"),
            plan: PlanOut::of(&report.plan),
            inputs: InputsSummary {
                files: tally.acc.inputs,
                bytes: tally.acc.bytes,
                pruned_files: (report.plan.since.is_some()
                    || report.plan.until.is_some())
                .then_some(tally.pruned_files),
                pruned_folders: None,
                errors: tally
                    .errors
                    .iter()
                    .map(|e| ErrorOut { path: &e.path, message: &e.message })
                    .collect(),
                skipped_files: 0,
                skipped: &[],
            },
            formats,
            kinds,
            accounting: tally.acc,
            calls: report.totals.calls(),
            participants: report.totals.participants(),
            filtered_by: (report.plan.since.is_some()
                || report.plan.until.is_some()
                || !report.plan.filters.is_empty())
            .then_some(tally.filtered),
            categories: report.category_sources,
            category_totals: report
                .category_totals()
                .into_iter()
                .map(|(c, n)| CategoryTotal {
                    category: c.as_str(),
                    count: n,
                    share: share(n, report.counted),
                })
                .collect(),
            top_codes: top_codes(report),
            undocumented_pairs: report.undocumented_pairs,
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
                tally.acc.bytes as f64 / 1e6 / elapsed_seconds
            } else {
                0.0
            },
            peak_rss_mb: peak_rss() as f64 / 1e6,
        }
    }

    /// Add what the walk skipped, and the folders it pruned.
    pub fn with_walk(mut self, walk: &'a WalkNotes) -> Summary<'a> {
        self.inputs.skipped_files = walk.skipped_files;
        self.inputs.skipped = &walk.skipped_names;
        if self.inputs.pruned_files.is_some() {
            self.inputs.pruned_folders = Some(walk.pruned_folders);
        }
        self
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).expect("serialisable");
        v.push(b'\n');
        v
    }
}

/// `n` of `total`, rounded to six places (as the CSVs print it).
fn share(n: u64, total: u64) -> f64 {
    if total == 0 {
        return 0.0;
    }
    (n as f64 / total as f64 * 1e6).round() / 1e6
}

fn top_codes(report: &Report) -> Vec<TopCode> {
    report
        .code_totals()
        .iter()
        .take(TOP_CODES)
        .map(|r| TopCode {
            category: r.category.as_str(),
            code: r.code,
            subcode: r.subcode,
            count: r.count,
            share: share(r.count, report.counted),
            summary: r.annotation.as_ref().map(|a| a.summary.clone()),
        })
        .collect()
}
