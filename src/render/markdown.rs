//! `--markdown FILE|-`: a GitHub-flavoured summary for CI job summaries
//! (`$GITHUB_STEP_SUMMARY`, Azure DevOps `task.uploadsummary`), spec §9:
//! run facts, a Mermaid pie of the categories, the top failing codes with
//! their meaning and affected calls, the gate outcomes. Never more than
//! [`MAX_BYTES`], whatever the input.

use std::fmt::Write as _;

use super::text::escape_control;
use super::view::{self, View};

/// The most bytes a summary holds: GitHub's limit per step summary.
pub const MAX_BYTES: usize = 1 << 20;

/// The longest text put in one table cell (catalog text, dimension
/// values), in characters.
const MAX_CELL: usize = 300;

/// How many groups the "failures by group" table lists.
const MAX_GROUPS: usize = 10;

/// The note that ends a summary cut at [`MAX_BYTES`].
const TRUNCATED: &str = "\n\n> **truncated**: this summary reached the 1 MiB \
                         limit of a CI job summary; the full figures are in \
                         the CSV reports.\n";

/// The Markdown summary of a run, at most [`MAX_BYTES`] long.
pub fn markdown(v: &View<'_>) -> String {
    let r = v.report;
    let mut s = String::with_capacity(16 << 10);
    s.push_str("## calltally report\n\n");
    gates(&mut s, v);
    s.push_str("| Run | |\n|---|---:|\n");
    for (label, value) in view::facts(v.summary, true) {
        let _ = writeln!(s, "| {label} | {} |", cell(&value));
    }
    let cats = r.category_totals();
    if !cats.is_empty() {
        s.push_str("\n### Result categories\n\n```mermaid\npie showData\n");
        for &(c, n) in &cats {
            // Category names are fixed words: nothing to escape.
            let _ = writeln!(s, "    \"{}\" : {n}", c.as_str());
        }
        s.push_str("```\n\n| Category | Records | Share |\n|---|---:|---:|\n");
        for &(c, n) in &cats {
            let _ = writeln!(
                s,
                "| {} | {n} | {} |",
                c.as_str(),
                view::percent(view::share(n, r.counted))
            );
        }
    }
    let failing = view::failing(r);
    if !failing.is_empty() {
        s.push_str(
            "\n### Top failing codes\n\n| Code | Category | Records | Share \
             | Calls | Meaning |\n|---|---|---:|---:|---:|---|\n",
        );
        for f in failing.iter().take(v.top) {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} |",
                f.pair,
                f.category.as_str(),
                f.count,
                view::percent(f.share),
                f.calls,
                cell(f.meaning.as_deref().unwrap_or("(not in the catalog)"))
            );
        }
        if failing.len() > v.top {
            let _ = writeln!(
                s,
                "\n{} more failing codes in `by_code.csv`.",
                failing.len() - v.top
            );
        }
    }
    groups(&mut s, v);
    changes(&mut s, v);
    cap(s)
}

/// The largest changes against the `--baseline` run (nothing without one).
fn changes(s: &mut String, v: &View<'_>) {
    let (rows, more) = view::changes(v.changes, v.top);
    if rows.is_empty() {
        return;
    }
    s.push_str(
        "\n### Changes against the baseline\n\n| Group | Category | Code \
         | Before | Now | Δ | Δ share | Status |\n|---|---|---|---:|---:|---:|---:|---|\n",
    );
    for r in rows {
        let c = view::change_cells(r);
        let _ = writeln!(s, "| {} | {} |", cell(&c[0]), c[1..].join(" | "));
    }
    if more > 0 {
        let _ = writeln!(s, "\n{more} more changes in `calltally diff`.");
    }
}

/// The gate outcomes, failed first (nothing without gates).
fn gates(s: &mut String, v: &View<'_>) {
    if v.gates.is_empty() {
        return;
    }
    let failed = v.gates.iter().filter(|g| view::outcome(g) == "failed");
    let n = failed.count();
    let _ = writeln!(
        s,
        "### Gates: {}\n\n| Outcome | Rule | Measured |\n|---|---|---|",
        if n == 0 { "passed".to_owned() } else { format!("{n} failed") }
    );
    let mut order: Vec<&crate::gate::GateOutcome> = v.gates.iter().collect();
    order.sort_by_key(|g| match view::outcome(g) {
        "failed" => 0,
        "warning" => 1,
        _ => 2,
    });
    for g in order {
        let mark = match view::outcome(g) {
            "failed" => "❌ failed",
            "warning" => "⚠️ warning",
            _ => "✅ passed",
        };
        let _ = writeln!(
            s,
            "| {mark} | `{}` | {} |",
            code(&g.rule),
            cell(&g.shown)
        );
    }
    s.push('\n');
}

/// With `--by`: the groups with the most failing records.
fn groups(s: &mut String, v: &View<'_>) {
    let r = v.report;
    if r.dims.is_empty() {
        return;
    }
    let mut failing = vec![0u64; r.groups.len()];
    for row in &r.by_category {
        if row.category != crate::record::Category::Success {
            failing[row.group as usize] += row.count;
        }
    }
    let mut order: Vec<usize> =
        (0..r.groups.len()).filter(|&g| failing[g] > 0).collect();
    // Most failing records first; ties in the order of the CSVs.
    order.sort_by(|&a, &b| {
        failing[b].cmp(&failing[a]).then_with(|| {
            r.groups.values(a as u32).cmp(r.groups.values(b as u32))
        })
    });
    if order.is_empty() {
        return;
    }
    let _ = write!(
        s,
        "\n### Failing records by {}\n\n|",
        cell(&r.dims.join(", "))
    );
    for d in &r.dims {
        let _ = write!(s, " {} |", cell(d));
    }
    s.push_str(" Failing | Records | Failing share |\n|");
    s.push_str(&"---|".repeat(r.dims.len()));
    s.push_str("---:|---:|---:|\n");
    for &g in order.iter().take(MAX_GROUPS) {
        s.push('|');
        for value in r.groups.values(g as u32) {
            let _ = write!(s, " {} |", cell(value));
        }
        let n = r.groups.counted(g as u32);
        let _ = writeln!(
            s,
            " {} | {n} | {} |",
            failing[g],
            view::percent(view::share(failing[g], n))
        );
    }
    if order.len() > MAX_GROUPS {
        let _ = writeln!(
            s,
            "\n{} more groups with failing records in `by_category.csv`.",
            order.len() - MAX_GROUPS
        );
    }
}

/// Text from logs, catalogs or the command line made safe for one table
/// cell: control characters escaped (a newline would end the row), cut
/// to 300 characters, HTML-special characters as entities (no
/// tag or comment can open), Markdown punctuation backslash-escaped (no
/// link, emphasis or code span can start), and pipes escaped (no column
/// can be forged).
pub fn cell(text: &str) -> String {
    let text = escape_control(text);
    let text = view::clip(&text, MAX_CELL);
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Emphasis, code, links, strikethrough, math, mentions, and
            // the column separator.
            '\\' | '`' | '*' | '_' | '[' | ']' | '!' | '|' | '~' | '$'
            | '@' => {
                out.push('\\');
                out.push(c);
            }
            // Autolinks: `http://` and `www.`.
            ':' if chars.peek() == Some(&'/') => out.push_str("\\:"),
            '.' if out.len() >= 3
                && out.as_bytes()[out.len() - 3..]
                    .eq_ignore_ascii_case(b"www") =>
            {
                out.push_str("\\.")
            }
            _ => out.push(c),
        }
    }
    out
}

/// Text shown in a code span (a rule as written): control characters
/// escaped, clipped, backticks and pipes replaced so that the span and the
/// row stay closed.
fn code(text: &str) -> String {
    let text = escape_control(text);
    view::clip(&text, MAX_CELL).replace('`', "'").replace('|', "¦")
}

/// `s`, or its first lines up to [`MAX_BYTES`] with a note that it was
/// cut (and a code fence it cut open closed again).
fn cap(mut s: String) -> String {
    if s.len() <= MAX_BYTES {
        return s;
    }
    let room = MAX_BYTES - TRUNCATED.len() - "```\n".len();
    let mut end = room;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let end = s[..end].rfind('\n').map_or(0, |i| i + 1);
    s.truncate(end);
    if s.lines().filter(|l| l.starts_with("```")).count() % 2 == 1 {
        s.push_str("```\n");
    }
    s.push_str(TRUNCATED);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::gate::{GateOutcome, Severity};
    use crate::record::Category::*;
    use crate::report::tests::tally;
    use crate::report::{Report, Summary};

    fn render(
        rows: &[(i64, Option<i64>, Option<crate::Category>, u64)],
        gates: &[GateOutcome],
        top: usize,
    ) -> String {
        let t = tally(rows);
        let r = Report::build(&t, Catalog::embedded());
        let s = Summary::new(&[], &t, &r, 1.0);
        markdown(&View { report: &r, summary: &s, gates, top, changes: &[] })
    }

    #[test]
    fn facts_pie_and_failing_codes() {
        let md = render(
            &[
                (0, Some(0), Some(Success), 6),
                (410, Some(3112), None, 3),
                (500, None, Some(UnexpectedServerError), 1),
            ],
            &[],
            10,
        );
        assert!(md.starts_with("## calltally report\n\n| Run | |\n"), "{md}");
        assert!(md.contains("| Counted | 10 |\n"), "{md}");
        assert!(md.contains(
            "```mermaid\npie showData\n    \"Success\" : 6\n    \
             \"ExpectedError\" : 3\n    \"UnexpectedServerError\" : 1\n```"
        ));
        assert!(
            md.contains("| 410/3112 | ExpectedError | 3 | 30.0% | – |"),
            "{md}"
        );
        assert!(md.contains("| 500 | UnexpectedServerError | 1 | 10.0% |"));
        // No gates, no gates section; successes are not failures.
        assert!(!md.contains("Gates"));
        assert!(!md.contains("| 0/0 |"));
    }

    #[test]
    fn gates_show_failed_first() {
        let g = |rule: &str, severity, breached| GateOutcome {
            rule: rule.into(),
            severity,
            value: 1.0,
            threshold: 2.0,
            shown: format!("{rule} measured"),
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
        let gates = [
            g("all:count > 100", Severity::Fail, false),
            g("5xx:share > 1%", Severity::Warn, true),
            g("410/3112:count > 0", Severity::Fail, true),
            g("a|b`c", Severity::Fail, false),
        ];
        let md = render(&[(0, Some(0), Some(Success), 1)], &gates, 10);
        let at = |needle: &str| {
            md.find(needle).unwrap_or_else(|| panic!("{needle} in {md}"))
        };
        assert!(md.contains("### Gates: 1 failed\n"));
        assert!(
            at("❌ failed | `410/3112:count > 0`")
                < at("⚠️ warning | `5xx:share > 1%`")
        );
        assert!(at("⚠️ warning") < at("✅ passed | `all:count > 100`"));
        // A rule cannot break its code span or its row.
        assert!(md.contains("| ✅ passed | `a¦b'c` |"), "{md}");
        // The gates come before the run facts.
        assert!(at("### Gates") < at("| Run | |"));
    }

    #[test]
    fn cells_cannot_forge_markup() {
        let hostile = "a|b\n| x | <script>alert(1)</script> [l](http://e) *e* `c` \u{1b}[31m";
        let c = cell(hostile);
        assert!(
            !c.contains('\n') && !c.contains('<') && !c.contains('\u{1b}')
        );
        assert!(!c.replace("\\|", "").contains('|'), "{c}");
        assert!(c.contains("\\[l\\](http\\://e)"), "{c}");
        assert_eq!(cell("see www.x.org, 10:00"), "see www\\.x.org, 10:00");
        assert_eq!(cell(&"x".repeat(1000)).chars().count(), MAX_CELL + 1);
    }

    #[test]
    fn never_more_than_1_mib() {
        // 40,000 failing codes listed in full would pass 1 MiB.
        let rows: Vec<_> = (0..40_000)
            .map(|i| {
                (
                    500,
                    Some(100_000 + i),
                    Some(UnexpectedServerError),
                    1 + i as u64 % 7,
                )
            })
            .collect();
        let md = render(&rows, &[], usize::MAX);
        assert!(md.len() <= MAX_BYTES, "{}", md.len());
        assert!(md.len() > MAX_BYTES - 4096);
        assert!(md.ends_with(TRUNCATED));
        assert!(md.contains("| 500/"));
        // Small summaries are left whole.
        let small = render(&rows[..10], &[], usize::MAX);
        assert!(!small.contains("truncated"));
    }

    #[test]
    fn a_cut_closes_an_open_fence() {
        let long = format!("a\n```mermaid\n{}", "x\n".repeat(MAX_BYTES));
        let c = cap(long);
        assert!(c.len() <= MAX_BYTES);
        assert!(c.ends_with(&format!("```\n{TRUNCATED}")));
    }
}
