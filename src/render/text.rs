//! The terminal summary of a `report` run, and the escaping of every
//! string that reaches the terminal.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::report::Report;
use crate::tally::Accounting;

/// A short human summary of a run: totals, categories and the top codes
/// with their meaning.
pub fn human(
    report: &Report,
    acc: &Accounting,
    elapsed: f64,
    top: usize,
) -> String {
    let mut s = String::new();
    let mb = acc.bytes as f64 / 1e6;
    let _ = writeln!(
        s,
        "{} input{}, {:.1} MB in {:.2} s ({:.0} MB/s): {} records, {} \
         counted, {} without code, {}{} malformed",
        acc.inputs,
        if acc.inputs == 1 { "" } else { "s" },
        mb,
        elapsed,
        if elapsed > 0.0 { mb / elapsed } else { 0.0 },
        acc.records,
        acc.counted,
        acc.without_code,
        if acc.filtered > 0 {
            format!("{} filtered, ", acc.filtered)
        } else {
            String::new()
        },
        acc.malformed,
    );
    if report.counted == 0 {
        return s;
    }
    let pct = |n: u64| 100.0 * n as f64 / report.counted as f64;
    let cats: Vec<String> = report
        .category_totals()
        .iter()
        .map(|&(c, n)| format!("{c} {n} ({:.1}%)", pct(n)))
        .collect();
    let _ = writeln!(s, "by category: {}", cats.join(", "));
    let _ = writeln!(s, "top codes:");
    let codes = report.code_totals();
    for r in codes.iter().take(top) {
        let pair = match r.subcode {
            Some(sub) => format!("{}/{}", r.code, sub),
            None => r.code.to_string(),
        };
        let meaning = r
            .annotation
            .as_ref()
            .map_or(Cow::Borrowed("(not in the catalog)"), |a| {
                escape_control(&a.summary)
            });
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
    if codes.len() > top {
        let _ = writeln!(s, "  … {} more in by_code.csv", codes.len() - top);
    }
    let failing = super::view::failing(report);
    if failing.is_empty() {
        return s;
    }
    let _ = writeln!(s, "top failures:");
    for f in failing.iter().take(top) {
        let meaning = f
            .meaning
            .as_deref()
            .map_or(Cow::Borrowed("(not in the catalog)"), escape_control);
        let calls = match f.calls {
            super::view::Calls::NotCounted => String::new(),
            c @ (super::view::Calls::Exact(1)
            | super::view::Calls::AtLeast(1)) => {
                format!(" ({c} call)")
            }
            c => format!(" ({c} calls)"),
        };
        let _ = writeln!(
            s,
            "  {:>9} {:>5.1}%  {:<12} {:<21} {meaning}{calls}",
            f.count,
            100.0 * f.share,
            f.pair,
            f.category.as_str(),
        );
    }
    if failing.len() > top {
        let _ = writeln!(
            s,
            "  … {} more failing codes in by_code.csv",
            failing.len() - top
        );
    }
    s
}

/// `s` with its control characters (C0, DEL and C1: escape sequences, a
/// newline that would forge a line, a carriage return) written as Rust
/// escapes (`\n`, `\u{1b}`), for the terminal (spec §10). Other text,
/// backslashes included, is left as is.
pub fn escape_control(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::record::Category::*;
    use crate::report::tests::tally;
    use crate::report::Distincts;

    #[test]
    fn totals_categories_and_the_top_codes() {
        let mut t = tally(&[
            (0, Some(0), Some(Success), 3),
            (499, Some(99_999), None, 1),
        ]);
        t.acc.inputs = 1;
        t.acc.bytes = 2_000_000;
        let r = Report::build(&t, Catalog::embedded());
        let text = human(&r, &t.acc, 1.0, 1);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "1 input, 2.0 MB in 1.00 s (2 MB/s): 4 records, 4 counted, 0 \
             without code, 0 malformed"
        );
        assert_eq!(
            lines[1],
            "by category: Success 3 (75.0%), Unknown 1 (25.0%)"
        );
        assert_eq!(lines[2], "top codes:");
        assert!(
            lines[3].starts_with("          3  75.0%  0/0          Success")
        );
        assert_eq!(lines[4], "  … 1 more in by_code.csv");
        // Beside the top codes, the top failing (non-Success) ones.
        assert_eq!(lines[5], "top failures:");
        assert_eq!(
            lines[6],
            "          1  25.0%  499/99999    Unknown               (not in \
             the catalog)"
        );
        assert_eq!(lines.len(), 7);
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_control("plain \\ text é"), "plain \\ text é");
        assert_eq!(
            escape_control("a\u{1b}[31mred\nb\r\t\u{9b}"),
            "a\\u{1b}[31mred\\nb\\r\\t\\u{9b}"
        );
    }

    #[test]
    fn failures_escape_catalog_text_and_show_calls() {
        let t = tally(&[(0, Some(0), Some(Success), 1)]);
        let mut r = Report::build(&t, Catalog::embedded());
        assert!(!human(&r, &t.acc, 1.0, 5).contains("top failures"));
        r.by_code[0].category = UnexpectedServerError;
        std::sync::Arc::make_mut(r.by_code[0].annotation.as_mut().unwrap())
            .summary = "a\u{1b}[2Jb".into();
        r.plan.distinct = Some(12);
        r.by_code[0].ids = Distincts::new(Some(4), None);
        let text = human(&r, &t.acc, 1.0, 5);
        let tail = text.split("top failures:\n").nth(1).unwrap();
        assert!(tail.contains("a\\u{1b}[2Jb (4 calls)"), "{text}");
        assert!(!text.contains('\u{1b}'));
    }

    #[test]
    fn nothing_counted_is_one_line() {
        let t = tally(&[]);
        let r = Report::build(&t, Catalog::embedded());
        assert_eq!(human(&r, &t.acc, 0.0, 10).lines().count(), 1);
    }
}
