//! What the human outputs (Markdown, HTML) show, read once from a report
//! and its summary: the run facts, the failing codes with their affected
//! calls, the timeline, the gate outcomes. Formatting is the callers'.

use rustc_hash::FxHashMap;

use crate::gate::{GateOutcome, Severity};
use crate::record::Category;
use crate::report::diff::DiffRow;
use crate::report::{Report, Summary};

/// What a human output is made of: the report, its summary, the gate
/// outcomes (empty without gates), and how many codes to list.
#[derive(Clone, Copy, Debug)]
pub struct View<'a> {
    /// The aggregated report.
    pub report: &'a Report,
    /// The run facts (`summary.json`).
    pub summary: &'a Summary<'a>,
    /// Every gate rule, measured; empty when the run has none.
    pub gates: &'a [GateOutcome],
    /// How many failing codes are listed (`--top`).
    pub top: usize,
    /// The differences from the `--baseline` run (empty without one).
    pub changes: &'a [DiffRow],
}

/// The cells of a change as both renderers show them: group, category,
/// code, before, now, delta, delta in percentage points, status (text from
/// logs not yet escaped).
pub fn change_cells(r: &DiffRow) -> [String; 8] {
    let group =
        if r.values.is_empty() { "-".to_owned() } else { r.values.join(", ") };
    [
        group,
        r.category.as_str().to_owned(),
        pair(r.code, r.subcode),
        r.count_old.to_string(),
        r.count_new.to_string(),
        format!("{:+}", r.delta()),
        format!("{:+.2} pp", r.delta_pp()),
        r.status.as_str().to_owned(),
    ]
}

/// The changes worth showing: rows whose count or share moved, largest
/// |delta_pp| first, at most `top`; and how many more moved.
pub fn changes(rows: &[DiffRow], top: usize) -> (Vec<&DiffRow>, usize) {
    let mut moved: Vec<&DiffRow> = rows
        .iter()
        .filter(|r| r.delta() != 0 || r.delta_pp().abs() >= 5e-5)
        .collect();
    moved.sort_by(|a, b| a.change_order(b));
    let more = moved.len().saturating_sub(top);
    moved.truncate(top);
    (moved, more)
}

/// Distinct calls of a code over the whole run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Calls {
    /// The run does not count calls (`--no-distinct`).
    NotCounted,
    /// The code's records fall in one group: the estimate of its rows.
    Exact(u64),
    /// The code spans several `--by` groups: distinct calls cannot be
    /// added up, so this is the largest group's figure (a lower bound).
    AtLeast(u64),
}

impl std::fmt::Display for Calls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Calls::NotCounted => f.write_str("–"),
            Calls::Exact(n) => write!(f, "{n}"),
            Calls::AtLeast(n) => write!(f, "≥{n}"),
        }
    }
}

/// One failing (non-`Success`) code over the whole run.
#[derive(Clone, Debug, PartialEq)]
pub struct Failing {
    /// Its category.
    pub category: Category,
    /// `410/3112`, or `410` without a subcode.
    pub pair: String,
    /// Records.
    pub count: u64,
    /// Share of all counted records.
    pub share: f64,
    /// Distinct calls.
    pub calls: Calls,
    /// What the catalog says, if anything.
    pub meaning: Option<String>,
}

/// `code/subcode`, or `code`.
pub fn pair(code: i64, subcode: Option<i64>) -> String {
    match subcode {
        Some(s) => format!("{code}/{s}"),
        None => code.to_string(),
    }
}

/// `n` of `total` as a fraction (0 when `total` is 0).
pub fn share(n: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        n as f64 / total as f64
    }
}

/// A fraction as a percentage with one decimal (`12.5%`).
pub fn percent(f: f64) -> String {
    format!("{:.1}%", 100.0 * f)
}

/// Every failing code over the whole run (summed over `--by` groups),
/// most records first, in the order of `by_code.csv`.
pub fn failing(report: &Report) -> Vec<Failing> {
    // (max calls of a row, rows) per (category, code, subcode).
    let mut spread: FxHashMap<(Category, i64, Option<i64>), (u64, u32)> =
        FxHashMap::default();
    for r in &report.by_code {
        let e = spread.entry((r.category, r.code, r.subcode)).or_default();
        e.0 = e.0.max(r.ids.calls().unwrap_or(0));
        e.1 += 1;
    }
    let counts_calls = report.plan.distinct.is_some();
    let mut out = Vec::new();
    for r in report.code_totals().iter() {
        if r.category == Category::Success {
            continue;
        }
        let (most, rows) = spread
            .get(&(r.category, r.code, r.subcode))
            .copied()
            .unwrap_or_default();
        // The totals carry the union over the groups; without it (a report
        // read back), the largest group's figure is a lower bound.
        let calls = match (counts_calls, r.ids.calls(), rows) {
            (false, ..) => Calls::NotCounted,
            (true, Some(n), _) => Calls::Exact(n),
            (true, None, 0 | 1) => Calls::Exact(most),
            (true, None, _) => Calls::AtLeast(most),
        };
        // (The annotation is the same in every row of a pair.)
        let meaning = r.annotation.as_ref().map(|a| a.summary.clone());
        out.push(Failing {
            category: r.category,
            pair: pair(r.code, r.subcode),
            count: r.count,
            share: share(r.count, report.counted),
            calls,
            meaning,
        });
    }
    out
}

/// The run facts as (label, value) rows; `with_time` adds the elapsed
/// time and throughput (left out of outputs that must be deterministic).
pub fn facts(
    summary: &Summary<'_>,
    with_time: bool,
) -> Vec<(&'static str, String)> {
    let a = &summary.accounting;
    let i = &summary.inputs;
    let mut v = vec![
        (
            "Inputs",
            format!(
                "{} file{}, {}",
                i.files,
                if i.files == 1 { "" } else { "s" },
                bytes(i.bytes)
            ),
        ),
        ("Records", a.records.to_string()),
        ("Counted", a.counted.to_string()),
        ("Without code", a.without_code.to_string()),
        ("Malformed", a.malformed.to_string()),
    ];
    if a.filtered > 0 {
        v.push(("Filtered", a.filtered.to_string()));
    }
    if !i.errors.is_empty() {
        v.push(("Input errors", i.errors.len().to_string()));
    }
    if let Some(n) = i.pruned_files {
        v.push(("Pruned files", n.to_string()));
    }
    if let Some(n) = i.pruned_folders.filter(|&n| n > 0) {
        v.push(("Pruned folders", n.to_string()));
    }
    if let (Some(c), Some(p)) = (summary.calls, summary.participants) {
        v.push(("Calls", c.to_string()));
        v.push(("Participants", p.to_string()));
    }
    let plan = &summary.plan;
    if !plan.by.is_empty() {
        v.push(("By", plan.by.join(", ")));
    }
    if let Some(s) = &plan.since {
        v.push(("Since", s.clone()));
    }
    if let Some(u) = &plan.until {
        v.push(("Until", u.clone()));
    }
    for f in &plan.filters {
        v.push(("Where", f.clone()));
    }
    if with_time {
        v.push((
            "Elapsed",
            format!(
                "{:.2} s ({:.0} MB/s)",
                summary.elapsed_seconds, summary.throughput_mb_per_s
            ),
        ));
    }
    v
}

/// Bytes as a person reads them (`1.5 MB`, 10^6 bytes like the summary).
pub fn bytes(n: u64) -> String {
    match n {
        0..1_000 => format!("{n} B"),
        1_000..1_000_000 => format!("{:.1} kB", n as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        _ => format!("{:.2} GB", n as f64 / 1e9),
    }
}

/// The word for a gate outcome.
pub fn outcome(g: &GateOutcome) -> &'static str {
    match (g.breached, g.severity) {
        (true, Severity::Fail) => "failed",
        (true, Severity::Warn) => "warning",
        (false, _) => "passed",
    }
}

/// Counted records per time bucket and category, when `--by` has `hour`
/// or `day` (the first of them): buckets in time order (`unknown` last),
/// counts in [`TIMELINE_CATEGORIES`] order.
pub fn timeline(report: &Report) -> Option<Vec<(String, [u64; 5])>> {
    let col = report.dims.iter().position(|d| d == "hour" || d == "day")?;
    let mut buckets: std::collections::BTreeMap<(bool, &str), [u64; 5]> =
        std::collections::BTreeMap::new();
    for r in &report.by_category {
        let value = report.groups.value(r.group, col).unwrap_or_default();
        let slot = TIMELINE_CATEGORIES
            .iter()
            .position(|&c| c == r.category)
            .unwrap_or(4);
        buckets.entry((value == "unknown", value)).or_default()[slot] +=
            r.count;
    }
    let mut out: Vec<(String, [u64; 5])> =
        buckets.into_iter().map(|((_, v), n)| (v.to_owned(), n)).collect();
    fill_gaps(&mut out, report.dims[col] == "hour");
    Some(out)
}

/// The most columns a timeline gets by filling in empty buckets.
const MAX_BUCKETS: i64 = 5000;

/// Put the empty hours (days) between the first and last bucket in, so
/// that the columns of a timeline are evenly spaced in time (not when
/// that would pass [`MAX_BUCKETS`] columns).
fn fill_gaps(buckets: &mut Vec<(String, [u64; 5])>, hourly: bool) {
    use crate::record::time::{parse, Timestamp};
    let at = |label: &str| {
        if hourly {
            parse(label)
        } else {
            parse(&format!("{label}T00:00:00Z"))
        }
    };
    let known: Vec<(Timestamp, [u64; 5])> =
        buckets.iter().filter_map(|(l, n)| at(l).map(|t| (t, *n))).collect();
    let (Some(&(first, _)), Some(&(last, _))) = (known.first(), known.last())
    else {
        return;
    };
    let step = if hourly { 3600 } else { 86_400 };
    let span = (last.secs - first.secs) / step + 1;
    if span > MAX_BUCKETS || span == known.len() as i64 {
        return;
    }
    let rest: Vec<(String, [u64; 5])> =
        buckets.drain(..).filter(|(l, _)| at(l).is_none()).collect();
    let mut known = known.into_iter().peekable();
    for i in 0..span {
        let t = first.plus(i * step);
        let n = match known.peek() {
            Some((k, n)) if *k == t => {
                let n = *n;
                known.next();
                n
            }
            _ => [0; 5],
        };
        let label = if hourly { t.hour_bucket() } else { t.day_bucket() };
        buckets.push((label, n));
    }
    buckets.extend(rest);
}

/// The order categories are stacked in (successes at the bottom).
pub const TIMELINE_CATEGORIES: [Category; 5] = [
    Category::Success,
    Category::ExpectedError,
    Category::UnexpectedClientError,
    Category::UnexpectedServerError,
    Category::Unknown,
];

/// The colour of a category in charts (readable on white, distinct for
/// the common kinds of colour blindness as far as five colours can be).
pub fn colour(c: Category) -> &'static str {
    match c {
        Category::Success => "#2e7d32",
        Category::ExpectedError => "#1f77b4",
        Category::UnexpectedClientError => "#e08214",
        Category::UnexpectedServerError => "#c62828",
        Category::Unknown => "#7f7f7f",
    }
}

/// `s` cut to at most `max` characters, with `…` when cut.
pub fn clip(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => std::borrow::Cow::Borrowed(s),
        Some((at, _)) => std::borrow::Cow::Owned(format!("{}…", &s[..at])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::record::Category::*;
    use crate::report::tests::tally;

    #[test]
    fn failing_codes_leave_successes_out() {
        let t = tally(&[
            (0, Some(0), Some(Success), 5),
            (410, Some(3112), None, 3),
            (500, None, Some(UnexpectedServerError), 2),
        ]);
        let r = Report::build(&t, Catalog::embedded());
        let f = failing(&r);
        let got: Vec<(&str, u64, Category)> =
            f.iter().map(|f| (f.pair.as_str(), f.count, f.category)).collect();
        assert_eq!(
            got,
            [
                ("410/3112", 3, ExpectedError),
                ("500", 2, UnexpectedServerError)
            ]
        );
        assert!(f[0].meaning.is_some());
        assert_eq!(f[0].calls, Calls::NotCounted);
        assert!((f[0].share - 0.3).abs() < 1e-12);
    }

    #[test]
    fn timeline_gaps_are_filled() {
        let mut b = vec![
            ("2026-11-20T22:00:00Z".to_owned(), [1, 0, 0, 0, 0]),
            ("2026-11-21T01:00:00Z".to_owned(), [0, 2, 0, 0, 0]),
            ("unknown".to_owned(), [0, 0, 0, 0, 3]),
        ];
        fill_gaps(&mut b, true);
        let labels: Vec<&str> = b.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(
            labels,
            [
                "2026-11-20T22:00:00Z",
                "2026-11-20T23:00:00Z",
                "2026-11-21T00:00:00Z",
                "2026-11-21T01:00:00Z",
                "unknown"
            ]
        );
        assert_eq!(b[3].1, [0, 2, 0, 0, 0]);
        assert_eq!(b[1].1, [0; 5]);
        let mut d = vec![
            ("2026-02-27".to_owned(), [1, 0, 0, 0, 0]),
            ("2026-03-02".to_owned(), [1, 0, 0, 0, 0]),
        ];
        fill_gaps(&mut d, false);
        assert_eq!(d.len(), 4);
        assert_eq!(d[2].0, "2026-03-01");
    }

    #[test]
    fn clip_and_bytes() {
        assert_eq!(clip("abcdef", 3), "abc…");
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("ééé", 2), "éé…");
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1_500_000), "1.5 MB");
        assert_eq!(Calls::AtLeast(3).to_string(), "≥3");
    }
}
