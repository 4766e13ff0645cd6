//! `--html FILE`: one self-contained page (spec §9): no script, no
//! external URL, charts as inline SVG drawn with presentation attributes
//! (so they survive a CI artifact viewer that strips scripts and styles),
//! the same tables as the CSVs, the gate outcomes. Deterministic: the same
//! report gives the same bytes (no wall-clock time, no elapsed time).

use std::fmt::Write as _;

use super::svg::{self, Bar, Series};
use super::text::escape_control;
use super::view::{self, View};

/// The most rows a table of the page shows; the CSVs hold the rest.
pub const MAX_TABLE_ROWS: usize = 5000;

/// The most bars of the failing-codes chart (the table lists `--top`).
const MAX_BARS: usize = 25;

/// The most characters of one cell (catalog text, dimension values).
const MAX_CELL: usize = 500;

/// Only looks: the charts and tables read the same without it.
const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:24px;\
color:#222;max-width:1000px}h1{margin-bottom:4px}h2{margin-top:32px;\
border-bottom:1px solid #ddd}table{border-collapse:collapse;margin:8px 0 \
16px;font-size:13px}th,td{border:1px solid #ccc;padding:3px 8px;\
text-align:left;vertical-align:top}th{background:#f3f3f3}td.n{text-align:\
right;font-variant-numeric:tabular-nums}.failed{color:#b00020;\
font-weight:bold}.warning{color:#9a5b00;font-weight:bold}.passed{color:\
#2e7d32}details{margin:8px 0}summary{cursor:pointer;font-weight:bold}";

/// The HTML page of a run.
pub fn html(v: &View<'_>) -> String {
    let r = v.report;
    let mut s = String::with_capacity(64 << 10);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta \
         charset=\"utf-8\">\n<meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\">\n<title>calltally \
         report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>calltally \
         report</h1>\n<p>{} {}: ACS call result codes by category, range \
         and code.</p>\n",
        v.summary.tool, v.summary.version
    );
    gates(&mut s, v);
    s.push_str("<h2>Run</h2>\n<table>\n");
    for (label, value) in view::facts(v.summary, false) {
        let _ = writeln!(
            s,
            "<tr><th>{label}</th><td>{}</td></tr>",
            escape(&value)
        );
    }
    s.push_str("</table>\n");
    changes(&mut s, v);
    errors(&mut s, v);
    let cats = r.category_totals();
    if !cats.is_empty() {
        s.push_str("<h2>Result categories</h2>\n");
        let bars: Vec<Bar> = cats
            .iter()
            .map(|&(c, n)| Bar {
                label: c.as_str().to_owned(),
                value: n,
                note: format!(
                    "{n} ({})",
                    view::percent(view::share(n, r.counted))
                ),
                colour: view::colour(c),
            })
            .collect();
        s.push_str(&svg::bars("Counted records per result category", &bars));
    }
    failing(&mut s, v);
    if let Some(columns) = view::timeline(r) {
        let col = r.dims.iter().position(|d| d == "hour" || d == "day");
        let dim = col.map_or("time", |c| r.dims[c].as_str());
        let _ = writeln!(s, "<h2>Timeline (by {})</h2>", escape(dim));
        let series: Vec<Series> = view::TIMELINE_CATEGORIES
            .iter()
            .map(|&c| Series { name: c.as_str(), colour: view::colour(c) })
            .collect();
        let columns: Vec<(String, Vec<u64>)> =
            columns.into_iter().map(|(l, n)| (l, n.to_vec())).collect();
        s.push_str(&svg::stacked(
            "Counted records per time bucket, stacked by result category",
            &series,
            &columns,
        ));
    }
    s.push_str("<h2>Reports</h2>\n");
    let files = [
        (crate::report::BY_CATEGORY, super::csv::by_category(r)),
        (crate::report::BY_CODE_RANGE, super::csv::by_code_range(r)),
        (crate::report::BY_CODE, super::csv::by_code(r)),
    ];
    for (i, (name, bytes)) in files.iter().enumerate() {
        let _ = writeln!(
            s,
            "<details{}><summary>{name}</summary>",
            if i == 0 { " open" } else { "" }
        );
        csv_table(&mut s, bytes, name);
        s.push_str("</details>\n");
    }
    s.push_str("</body>\n</html>\n");
    s
}

/// The gate outcomes, failed first (nothing without gates).
fn gates(s: &mut String, v: &View<'_>) {
    if v.gates.is_empty() {
        return;
    }
    let mut order: Vec<_> = v.gates.iter().collect();
    order.sort_by_key(|g| match view::outcome(g) {
        "failed" => 0,
        "warning" => 1,
        _ => 2,
    });
    s.push_str(
        "<h2>Gates</h2>\n<table>\n<tr><th>Outcome</th><th>Rule</th>\
         <th>Measured</th></tr>\n",
    );
    for g in order {
        let word = view::outcome(g);
        let mark = match word {
            "failed" => "✗ failed",
            "warning" => "! warning",
            _ => "✓ passed",
        };
        let colour = match word {
            "failed" => "#b00020",
            "warning" => "#9a5b00",
            _ => "#2e7d32",
        };
        let _ = writeln!(
            s,
            "<tr class=\"gate\"><td class=\"{word}\"><font \
             color=\"{colour}\">{mark}</font></td><td><code>{}</code></td>\
             <td>{}</td></tr>",
            escape(&g.rule),
            escape(&g.shown)
        );
    }
    s.push_str("</table>\n");
}

/// The largest changes against the `--baseline` run (nothing without one).
fn changes(s: &mut String, v: &View<'_>) {
    let (rows, more) = view::changes(v.changes, v.top);
    if rows.is_empty() {
        return;
    }
    s.push_str(
        "<h2>Changes against the baseline</h2>\n<table>\n<tr><th>Group</th>\
         <th>Category</th><th>Code</th><th>Before</th><th>Now</th><th>Δ</th>\
         <th>Δ share</th><th>Status</th></tr>\n",
    );
    for r in rows {
        let c = view::change_cells(r);
        s.push_str("<tr class=\"change\">");
        for (i, text) in c.iter().enumerate() {
            let align =
                if (3..7).contains(&i) { " align=\"right\"" } else { "" };
            let _ = write!(s, "<td{align}>{}</td>", escape(text));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</table>\n");
    if more > 0 {
        let _ = writeln!(
            s,
            "<p>{more} more changes: see <code>calltally diff</code>.</p>"
        );
    }
}

/// Inputs that could not be read.
fn errors(s: &mut String, v: &View<'_>) {
    let errors = &v.summary.inputs.errors;
    if errors.is_empty() {
        return;
    }
    s.push_str("<h2>Input errors</h2>\n<ul>\n");
    for e in errors.iter().take(MAX_TABLE_ROWS) {
        let _ = writeln!(
            s,
            "<li><code>{}</code>: {}</li>",
            escape(e.path),
            escape(e.message)
        );
    }
    s.push_str("</ul>\n");
}

/// The top failing codes: a chart and a table with their meaning.
fn failing(s: &mut String, v: &View<'_>) {
    let all = view::failing(v.report);
    if all.is_empty() {
        return;
    }
    let top = &all[..all.len().min(v.top).min(MAX_TABLE_ROWS)];
    s.push_str("<h2>Top failing codes</h2>\n");
    let bars: Vec<Bar> = top
        .iter()
        .take(MAX_BARS)
        .map(|f| Bar {
            label: format!("{} {}", f.pair, f.category.as_str()),
            value: f.count,
            note: match f.calls {
                view::Calls::NotCounted => {
                    format!("{} ({})", f.count, view::percent(f.share))
                }
                calls => format!(
                    "{} ({}), {calls} calls",
                    f.count,
                    view::percent(f.share)
                ),
            },
            colour: view::colour(f.category),
        })
        .collect();
    s.push_str(&svg::bars(
        "Records of the most frequent failing codes",
        &bars,
    ));
    s.push_str(
        "<table>\n<tr><th>Code</th><th>Category</th><th>Records</th>\
         <th>Share</th><th>Calls</th><th>Meaning</th></tr>\n",
    );
    for f in top {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td \
             class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            f.pair,
            f.category.as_str(),
            f.count,
            view::percent(f.share),
            f.calls,
            escape(f.meaning.as_deref().unwrap_or("(not in the catalog)"))
        );
    }
    s.push_str("</table>\n");
    if all.len() > top.len() {
        let _ = writeln!(
            s,
            "<p>{} more failing codes in by_code.csv.</p>",
            all.len() - top.len()
        );
    }
    if all.iter().any(|f| matches!(f.calls, view::Calls::AtLeast(_))) {
        s.push_str(
            "<p>≥: the code spans several groups; distinct calls do not \
             add up, so this is the largest group's figure.</p>\n",
        );
    }
}

/// A report file as a table: its own header and cells, so the page shows
/// exactly the numbers of the CSV (at most [`MAX_TABLE_ROWS`] rows).
fn csv_table(s: &mut String, bytes: &[u8], name: &str) {
    let mut rd =
        ::csv::ReaderBuilder::new().has_headers(false).from_reader(bytes);
    s.push_str("<table>\n");
    let mut rows = 0usize;
    let mut more = 0usize;
    for (i, rec) in rd.records().enumerate() {
        let Ok(rec) = rec else { break };
        if i > MAX_TABLE_ROWS {
            more += 1;
            continue;
        }
        rows += 1;
        s.push_str("<tr>");
        for field in rec.iter() {
            if i == 0 {
                let _ = write!(s, "<th>{}</th>", escape(field));
            } else if is_number(field) {
                let _ = write!(s, "<td class=\"n\">{field}</td>");
            } else {
                let _ = write!(s, "<td>{}</td>", escape(field));
            }
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</table>\n");
    if more > 0 {
        let _ = writeln!(
            s,
            "<p>{more} more rows in {} (the page shows the first {}).</p>",
            escape(name),
            rows - 1
        );
    }
}

fn is_number(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
}

/// Text from logs, catalogs, file names or the command line made safe for
/// HTML text and attribute values: control characters escaped (visible as
/// `\u{1b}`), cut to 500 characters, `& < > " '` as entities.
pub fn escape(text: &str) -> String {
    let text = escape_control(text);
    let text = view::clip(&text, MAX_CELL);
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::gate::{GateOutcome, Severity};
    use crate::record::Category::*;
    use crate::report::tests::tally;
    use crate::report::{Report, Summary};

    fn page(gates: &[GateOutcome]) -> String {
        let t = tally(&[
            (0, Some(0), Some(Success), 6),
            (410, Some(3112), None, 3),
            (500, None, Some(UnexpectedServerError), 1),
        ]);
        let r = Report::build(&t, Catalog::embedded());
        let s = Summary::new(&[], &t, &r, 1.0);
        html(&View { report: &r, summary: &s, gates, top: 10, changes: &[] })
    }

    #[test]
    fn charts_tables_and_nothing_external() {
        let p = page(&[]);
        assert!(p.starts_with("<!DOCTYPE html>"));
        // Three categories, two failing codes.
        assert_eq!(p.matches("<rect class=\"bar\"").count(), 5);
        assert!(
            p.contains(
                "<td>ExpectedError</td><td class=\"n\">3</td>\
                            <td class=\"n\">0.300000</td>"
            ),
            "{p}"
        );
        for bad in ["<script", "src=", "href=", "url(", "@import", "http"] {
            assert!(!p.contains(bad), "{bad}");
        }
        assert!(!p.contains("Gates"));
        assert!(!p.contains("Timeline"));
        // Deterministic: the elapsed time is not in it.
        assert_eq!(p, page(&[]));
        assert!(!p.contains("Elapsed"));
    }

    #[test]
    fn gates_are_listed_failed_first() {
        let g = |rule: &str, severity, breached| GateOutcome {
            rule: rule.into(),
            severity,
            value: 0.0,
            threshold: 0.0,
            shown: "1.25% > 1%".into(),
            threshold_shown: String::new(),
            metric: crate::gate::Metric::Count,
            baseline: None,
            breached,
            outcome: match (breached, severity) {
                (false, _) => crate::gate::Verdict::Passed,
                (true, Severity::Fail) => crate::gate::Verdict::Failed,
                (true, Severity::Warn) => crate::gate::Verdict::Warned,
            },
        };
        let p = page(&[
            g("all:count > 0", Severity::Warn, false),
            g("5xx:share > 1%", Severity::Fail, true),
            g("<b>x</b>", Severity::Warn, true),
        ]);
        assert_eq!(p.matches("<tr class=\"gate\">").count(), 3);
        let failed = p.find("✗ failed").unwrap();
        assert!(failed < p.find("! warning").unwrap());
        assert!(p.find("! warning").unwrap() < p.find("✓ passed").unwrap());
        assert!(p.contains("<code>&lt;b&gt;x&lt;/b&gt;</code>"));
    }

    #[test]
    fn the_chart_keeps_to_25_bars_and_the_table_to_top() {
        let rows: Vec<_> = (0..100)
            .map(|i| (500, Some(i), Some(UnexpectedServerError), 1 + i as u64))
            .collect();
        let t = tally(&rows);
        let r = Report::build(&t, Catalog::embedded());
        let s = Summary::new(&[], &t, &r, 1.0);
        let p = html(&View {
            report: &r,
            summary: &s,
            gates: &[],
            top: 60,
            changes: &[],
        });
        // One category bar, then the failing codes.
        assert_eq!(p.matches("<rect class=\"bar\"").count(), 1 + MAX_BARS);
        assert_eq!(p.matches("<tr><td>500/").count(), 60);
        assert!(p.contains("<p>40 more failing codes in by_code.csv.</p>"));
    }

    #[test]
    fn escapes_markup_quotes_and_controls() {
        assert_eq!(
            escape("<a href='x'>\"&\u{1b}[2J"),
            "&lt;a href=&#39;x&#39;&gt;&quot;&amp;\\u{1b}[2J"
        );
    }
}
