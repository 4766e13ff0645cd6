//! The rule grammar of spec §9: `SELECTOR:METRIC OP VALUE`.
//!
//! ```text
//! rule     = selector ":" metric op value
//! selector = term *("," term)
//! term     = DIM "=" VALUE          limit to a dimension group (a --by dimension)
//!          | Category               Success, ExpectedError, UnexpectedClientError,
//!                                   UnexpectedServerError, Unknown
//!          | "1xx" … "9xx" | "other"  a code range
//!          | CODE | CODE "/" SUBCODE  a code (any subcode) or a pair
//!          | "all" | "malformed" | "unknown" | "new"
//! metric   = "count" | "share" | "calls" | "participants"
//! op       = "<" | "<=" | ">" | ">=" | "==" | "!="
//! value    = NUMBER | NUMBER "%"                         absolute
//!          | ("+"|"-") NUMBER ["%" | "pp"]               a change from --baseline
//! ```
//!
//! The selector is split from the metric at the last `:` (the metric,
//! operator and value hold none), so dimension names (`field:region`) and
//! values (`hour=2026-11-20T10:00:00Z`) may hold `:`. Parsing never
//! panics, whatever the text: every failure is a [`RuleError`] naming the
//! rule and what is wrong.

use std::fmt;

use serde::Serialize;

use super::Severity;
use crate::record::dims::Dim;
use crate::record::{code_range, parse_int, Category, CODE_RANGES};

/// One parsed `--fail-on` / `--warn-on` rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// The rule as the user wrote it.
    pub text: String,
    /// `--fail-on` or `--warn-on`.
    pub severity: Severity,
    /// Which records it measures.
    pub selector: Selector,
    /// What it measures of them.
    pub metric: Metric,
    /// How the measure compares with the threshold.
    pub op: Op,
    /// The threshold, or the change from the baseline that makes it.
    pub value: Value,
}

/// Which records a rule measures: every term must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector {
    /// `DIM=VALUE` limits (canonical dimension name, value), in order.
    pub limits: Vec<(String, String)>,
    /// A category; `None`: a code is summed across categories.
    pub category: Option<Category>,
    /// A code range, code or pair.
    pub codes: Option<Codes>,
    /// `malformed`, `unknown` or `new`, if named.
    pub special: Option<Special>,
}

/// The codes a selector names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codes {
    /// A code range (`5xx`, `other`); code 0 is its own range, `0`.
    Range(&'static str),
    /// A code, any subcode.
    Code(i64),
    /// A code and subcode.
    Pair(i64, i64),
}

impl Codes {
    /// Whether `(code, subcode)` is among them.
    pub fn matches(self, code: i64, subcode: Option<i64>) -> bool {
        match self {
            Codes::Range(r) => code_range(code) == r,
            Codes::Code(c) => code == c,
            Codes::Pair(c, s) => code == c && subcode == Some(s),
        }
    }
}

/// The selectors that are not a category or codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Special {
    /// Malformed records (no dimension values, no ids).
    Malformed,
    /// Pairs the catalog does not document (`known` is `false`).
    Unknown,
    /// Pairs absent from the baseline (in the same dimension group).
    New,
}

/// What a rule measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Records.
    Count,
    /// Records as a fraction of all counted records (of the groups the
    /// selector names).
    Share,
    /// Distinct calls (the union of the matching rows' sketches).
    Calls,
    /// Distinct participants.
    Participants,
}

impl Metric {
    /// The metric's name in a rule.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Count => "count",
            Metric::Share => "share",
            Metric::Calls => "calls",
            Metric::Participants => "participants",
        }
    }

    /// Whether it counts distinct ids (and needs distinct counting).
    pub fn is_distinct(self) -> bool {
        matches!(self, Metric::Calls | Metric::Participants)
    }
}

/// A comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

impl Op {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "==",
            Op::Ne => "!=",
        }
    }

    /// Whether `value OP threshold` holds. Values within a hair of each
    /// other (a relative 1e-12, at least 1e-9: the rounding of `+20%` or
    /// `+0.3pp`) are equal.
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        let tol = (threshold.abs().max(value.abs()) * 1e-12).max(1e-9);
        let eq = (value - threshold).abs() <= tol;
        match self {
            Op::Lt => value < threshold && !eq,
            Op::Le => value < threshold || eq,
            Op::Gt => value > threshold && !eq,
            Op::Ge => value > threshold || eq,
            Op::Eq => eq,
            Op::Ne => !eq,
        }
    }
}

/// A rule's VALUE.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// A number (`50`) of records, calls or participants.
    Number(f64),
    /// A share given as a percentage (`0.5%`), held as a fraction (0.005).
    Share(f64),
    /// `+50` / `-50`: the baseline's value plus this.
    Plus(f64),
    /// `+20%`: the baseline's value times (1 + this), held as 0.2.
    Relative(f64),
    /// `+0.3pp`: the baseline's share plus this, held as 0.003.
    Points(f64),
}

impl Value {
    /// Whether it is a change from the baseline.
    pub fn is_change(self) -> bool {
        matches!(self, Value::Plus(_) | Value::Relative(_) | Value::Points(_))
    }

    /// The threshold: the value itself, or the baseline's value changed.
    pub fn threshold(self, baseline: f64) -> f64 {
        match self {
            Value::Number(n) | Value::Share(n) => n,
            Value::Plus(d) | Value::Points(d) => baseline + d,
            Value::Relative(r) => baseline + baseline * r,
        }
    }
}

/// A rule that cannot be used: which, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    /// `--fail-on` or `--warn-on`.
    pub flag: &'static str,
    /// The rule as written.
    pub rule: String,
    /// What is wrong, and what to write instead.
    pub what: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = crate::render::text::escape_control(&self.rule);
        write!(f, "{} {:?}: {}", self.flag, shown, self.what)
    }
}

impl std::error::Error for RuleError {}

impl Severity {
    /// The flag that gives it.
    pub fn flag(self) -> &'static str {
        match self {
            Severity::Fail => "--fail-on",
            Severity::Warn => "--warn-on",
        }
    }
}

/// The run a rule is checked against before any input is read.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// The run's `--by` dimension names, canonical.
    pub by: &'a [String],
    /// Whether the run counts distinct calls and participants.
    pub distinct: bool,
    /// Whether a `--baseline` is given.
    pub baseline: bool,
}

impl Rule {
    /// Parse a rule. The error says what is wrong with the text alone.
    pub fn parse(text: &str, severity: Severity) -> Result<Rule, RuleError> {
        let err = |what: String| RuleError {
            flag: severity.flag(),
            rule: text.to_owned(),
            what,
        };
        let (selector, rest) = text.rsplit_once(':').ok_or_else(|| {
            err("expected SELECTOR:METRIC OP VALUE, e.g. 5xx:share > 1%"
                .into())
        })?;
        let selector = parse_selector(selector).map_err(err)?;
        let rest = rest.trim();
        let metric_end = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let (metric, rest) = rest.split_at(metric_end);
        let metric = match metric {
            "count" => Metric::Count,
            "share" => Metric::Share,
            "calls" => Metric::Calls,
            "participants" => Metric::Participants,
            "" => return Err(err(
                "no metric after ':' (count, share, calls or participants)"
                    .into(),
            )),
            m => {
                return Err(err(format!(
                "unknown metric {m:?} (count, share, calls or participants)"
            )))
            }
        };
        let rest = rest.trim_start();
        let op_end = rest
            .find(|c: char| !matches!(c, '<' | '>' | '=' | '!'))
            .unwrap_or(rest.len());
        let (op, value) = rest.split_at(op_end);
        let op = match op {
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "==" => Op::Eq,
            "!=" => Op::Ne,
            "" => {
                return Err(err(format!(
                    "no operator after {} (<, <=, >, >=, ==, !=)",
                    metric.as_str()
                )))
            }
            "=" => return Err(err("write == for equality".into())),
            o => {
                return Err(err(format!(
                    "unknown operator {o:?} (<, <=, >, >=, ==, !=)"
                )))
            }
        };
        let value = parse_value(value.trim()).map_err(err)?;
        check_units(&selector, metric, value).map_err(err)?;
        Ok(Rule {
            text: text.to_owned(),
            severity,
            selector,
            metric,
            op,
            value,
        })
    }

    /// Check the rule against the run it will measure: its dimension
    /// limits are `--by` dimensions, `calls`/`participants` are counted,
    /// and a change or `new` has a baseline.
    pub fn check(&self, cx: Context<'_>) -> Result<(), RuleError> {
        let err = |what: String| RuleError {
            flag: self.severity.flag(),
            rule: self.text.clone(),
            what,
        };
        for (dim, _) in &self.selector.limits {
            if !cx.by.contains(dim) {
                return Err(err(format!(
                    "{dim} is not a --by dimension of this run; add --by {dim}"
                )));
            }
        }
        if self.metric.is_distinct() && !cx.distinct {
            return Err(err(format!(
                "{} needs distinct counting; drop --no-distinct",
                self.metric.as_str()
            )));
        }
        if !cx.baseline {
            if self.value.is_change() {
                return Err(err(
                    "a change (+N, +N%, +Npp) needs --baseline DIR".into(),
                ));
            }
            if self.selector.special == Some(Special::New) {
                return Err(err("new needs --baseline DIR".into()));
            }
        }
        Ok(())
    }
}

/// Parse the terms of a selector.
fn parse_selector(text: &str) -> Result<Selector, String> {
    let mut sel = Selector::default();
    let mut all = false;
    if text.trim().is_empty() {
        return Err("no selector before ':' (e.g. 5xx, 410/3112, all)".into());
    }
    for term in text.split(',') {
        let term = term.trim();
        if term.is_empty() {
            return Err("an empty selector term (two commas?)".into());
        }
        if let Some((dim, value)) = term.split_once('=') {
            let dim = Dim::parse(dim)?.to_string();
            let value = value.trim();
            if value.is_empty() {
                return Err(format!("{dim}= needs a value"));
            }
            if sel.limits.iter().any(|(d, _)| *d == dim) {
                return Err(format!("{dim} is limited twice"));
            }
            sel.limits.push((dim, value.to_owned()));
            continue;
        }
        let special = match term {
            "all" => {
                if all {
                    return Err("all given twice".into());
                }
                all = true;
                continue;
            }
            "malformed" => Some(Special::Malformed),
            "unknown" => Some(Special::Unknown),
            "new" => Some(Special::New),
            _ => None,
        };
        if let Some(s) = special {
            if sel.special.is_some() {
                return Err(
                    "name at most one of malformed, unknown, new".into()
                );
            }
            sel.special = Some(s);
            continue;
        }
        // Case matters: `Unknown` is the category, `unknown` the
        // undocumented pairs.
        if let Some(&c) = Category::ALL.iter().find(|c| c.as_str() == term) {
            if sel.category.replace(c).is_some() {
                return Err("name at most one category".into());
            }
            continue;
        }
        let codes = parse_codes(term)?;
        if sel.codes.replace(codes).is_some() {
            return Err("name at most one code range, code or pair".into());
        }
    }
    let named = sel.category.is_some() || sel.codes.is_some();
    if all && (named || sel.special.is_some()) {
        return Err("all stands alone (or with DIM=VALUE limits)".into());
    }
    if sel.special == Some(Special::Malformed)
        && (named || !sel.limits.is_empty())
    {
        return Err("malformed records have no code, category or \
                    dimension values: write malformed alone"
            .into());
    }
    if !all && !named && sel.special.is_none() {
        return Err("DIM=VALUE limits need a selector: add all, a \
                    category, a range, a code or a pair"
            .into());
    }
    Ok(sel)
}

/// Parse a code range, code or pair.
fn parse_codes(term: &str) -> Result<Codes, String> {
    // (`0` is the code 0, not its range.)
    let ranges = &CODE_RANGES[1..];
    if let Some(&r) = ranges.iter().find(|r| r.eq_ignore_ascii_case(term)) {
        return Ok(Codes::Range(r));
    }
    let int = |s: &str| parse_int(s.trim());
    if let Some((c, s)) = term.split_once('/') {
        return match (int(c), int(s)) {
            (Some(c), Some(s)) => Ok(Codes::Pair(c, s)),
            _ => Err(format!("{term:?} is not a CODE/SUBCODE pair")),
        };
    }
    if let Some(c) = int(term) {
        return Ok(Codes::Code(c));
    }
    if let Some(c) =
        Category::ALL.iter().find(|c| c.as_str().eq_ignore_ascii_case(term))
    {
        return Err(format!(
            "unknown selector {term:?}; the category is \
                            spelled {c}"
        ));
    }
    Err(format!(
        "unknown selector {term:?}: give a category (Success, \
         ExpectedError, UnexpectedClientError, UnexpectedServerError, \
         Unknown), a range (5xx), a code (410), a pair (410/3112), all, \
         malformed, unknown, new, or DIM=VALUE"
    ))
}

/// Parse a VALUE.
fn parse_value(text: &str) -> Result<Value, String> {
    if text.is_empty() {
        return Err("no value after the operator".into());
    }
    let (sign, body) = match text.as_bytes()[0] {
        b'+' => (Some(1.0), &text[1..]),
        b'-' => (Some(-1.0), &text[1..]),
        _ => (None, text),
    };
    let (number, unit) =
        match body.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
            Some(i) => body.split_at(i),
            None => (body, ""),
        };
    let n = number_of(number).ok_or_else(|| {
        format!(
            "{text:?} is not a number, a percentage (0.5%) or a change \
                 (+50, +20%, +0.3pp)"
        )
    })?;
    Ok(match (sign, unit.trim()) {
        (None, "") => Value::Number(n),
        (None, "%") => Value::Share(n / 100.0),
        (None, "pp") => {
            return Err(format!(
                "{text:?}: percentage points are a change; write +{number}pp"
            ))
        }
        (Some(s), "") => Value::Plus(s * n),
        (Some(s), "%") => Value::Relative(s * n / 100.0),
        (Some(s), "pp") => Value::Points(s * n / 100.0),
        (_, u) => {
            return Err(format!(
                "unknown unit {u:?} in {text:?} (none, %, or pp)"
            ))
        }
    })
}

/// A plain decimal number: digits with at most one `.`, finite.
fn number_of(text: &str) -> Option<f64> {
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    let dots = text.bytes().filter(|&b| b == b'.').count();
    if digits == 0 || dots > 1 || digits + dots != text.len() {
        return None;
    }
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Check that the value's unit suits the metric and selector.
fn check_units(
    sel: &Selector,
    metric: Metric,
    value: Value,
) -> Result<(), String> {
    let m = metric.as_str();
    match (metric, value) {
        (Metric::Share, Value::Number(n)) => Err(format!(
            "a share is a percentage: write {}% (not {n})",
            trim_number(n * 100.0)
        )),
        (Metric::Share, Value::Plus(_)) => {
            Err("a change of a share is in points (+0.3pp) or relative (+20%)"
                .into())
        }
        (Metric::Share, _) => Ok(()),
        (_, Value::Share(_)) => Err(format!(
            "{m} is a number; a percentage compares with share \
             (e.g. 5xx:share > 1%)"
        )),
        (_, Value::Points(_)) => {
            Err(format!("percentage points (pp) change a share, not {m}"))
        }
        _ => Ok(()),
    }?;
    match sel.special {
        Some(Special::Malformed) if metric.is_distinct() => Err(format!(
            "malformed records have no ids: measure their count or share, \
             not {m}"
        )),
        Some(Special::New) if value.is_change() => {
            Err("new is already measured against the baseline: compare it \
             with a number (new:count > 0)"
                .into())
        }
        _ => Ok(()),
    }
}

/// A number without trailing zeros (`1`, `0.5`, `12.3456`).
pub fn trim_number(n: f64) -> String {
    let s = format!("{n:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Rule, String> {
        Rule::parse(text, Severity::Fail).map_err(|e| e.to_string())
    }

    #[test]
    fn every_selector_kind_parses() {
        let sel = |t: &str| parse(t).unwrap().selector;
        assert_eq!(
            sel("UnexpectedServerError:count > 0").category,
            Some(Category::UnexpectedServerError)
        );
        assert_eq!(sel("5xx:count>0").codes, Some(Codes::Range("5xx")));
        assert_eq!(sel("410:count>0").codes, Some(Codes::Code(410)));
        assert_eq!(sel("0:count>0").codes, Some(Codes::Code(0)));
        assert_eq!(
            sel("410/3112:count>0").codes,
            Some(Codes::Pair(410, 3112))
        );
        assert_eq!(sel("all:count>0"), Selector::default());
        assert_eq!(sel("malformed:count>0").special, Some(Special::Malformed));
        assert_eq!(sel("unknown:count>0").special, Some(Special::Unknown));
        assert_eq!(sel("new:count>0").special, Some(Special::New));
        let s = sel("endpoint_type=PSTN,ExpectedError,410/3112:count > 0");
        assert_eq!(s.limits, [("endpoint_type".into(), "PSTN".into())]);
        assert_eq!(s.category, Some(Category::ExpectedError));
        let s = sel("field:region=eu,hour=2026-11-20T10:00:00Z,all:count>1");
        assert_eq!(
            s.limits,
            [
                ("field:region".into(), "eu".into()),
                ("hour".into(), "2026-11-20T10:00:00Z".into())
            ]
        );
        assert_eq!(sel("Unknown:count>0").category, Some(Category::Unknown));
    }

    #[test]
    fn every_op_and_value_form_parses() {
        let r = |t: &str| {
            let r = parse(t).unwrap();
            (r.op, r.value)
        };
        assert_eq!(r("all:count < 5"), (Op::Lt, Value::Number(5.0)));
        assert_eq!(r("all:count<=5"), (Op::Le, Value::Number(5.0)));
        assert_eq!(r("all:count > 2.5"), (Op::Gt, Value::Number(2.5)));
        assert_eq!(r("all:count >= +50"), (Op::Ge, Value::Plus(50.0)));
        assert_eq!(r("all:count == -5"), (Op::Eq, Value::Plus(-5.0)));
        assert_eq!(r("all:calls != +20%"), (Op::Ne, Value::Relative(0.2)));
        assert_eq!(r("5xx:share > 0.5%"), (Op::Gt, Value::Share(0.005)));
        assert_eq!(r("5xx:share > +0.3pp"), (Op::Gt, Value::Points(0.003)));
        assert_eq!(r("5xx:share < -1.5pp"), (Op::Lt, Value::Points(-0.015)));
        assert_eq!(r("5xx:share > +20%"), (Op::Gt, Value::Relative(0.2)));
    }

    #[test]
    fn thresholds_follow_the_baseline() {
        assert_eq!(Value::Number(5.0).threshold(100.0), 5.0);
        assert_eq!(Value::Plus(50.0).threshold(100.0), 150.0);
        assert_eq!(Value::Plus(-50.0).threshold(100.0), 50.0);
        assert!((Value::Relative(0.2).threshold(100.0) - 120.0).abs() < 1e-9);
        assert!((Value::Points(0.003).threshold(0.01) - 0.013).abs() < 1e-12);
    }

    #[test]
    fn ops_compare_with_a_hair_of_tolerance() {
        let t = Value::Relative(0.2).threshold(10.0); // 12.000000000000002
        assert!(Op::Ge.holds(12.0, t) && Op::Le.holds(12.0, t));
        assert!(Op::Eq.holds(12.0, t) && !Op::Ne.holds(12.0, t));
        assert!(!Op::Gt.holds(12.0, t) && !Op::Lt.holds(12.0, t));
        assert!(Op::Gt.holds(13.0, 12.0) && !Op::Gt.holds(11.0, 12.0));
        assert!(Op::Lt.holds(11.0, 12.0) && Op::Ne.holds(11.0, 12.0));
        assert!(Op::Gt.holds(1e12 + 2.0, 1e12));
    }

    #[test]
    fn bad_rules_say_what_is_wrong() {
        for (rule, says) in [
            ("", "expected SELECTOR:METRIC"),
            ("5xx share > 1%", "expected SELECTOR:METRIC"),
            (":count > 1", "no selector"),
            ("5xx:cont > 1", "unknown metric \"cont\""),
            ("5xx: > 1", "no metric"),
            ("5xx:count 1", "no operator"),
            ("5xx:count = 1", "write =="),
            ("5xx:count => 1", "unknown operator \"=>\""),
            ("5xx:count >", "no value"),
            ("5xx:count > abc", "is not a number"),
            ("5xx:count > 1e3", "unknown unit"),
            ("5xx:count > 1..2", "is not a number"),
            ("5xx:count > 1%", "a percentage compares with share"),
            ("5xx:share > 1", "write 100%"),
            ("5xx:share > 0.005", "write 0.5%"),
            ("5xx:share > +1", "in points"),
            ("5xx:count > +1pp", "change a share"),
            ("5xx:share > 1pp", "write +1pp"),
            ("6xy:count > 1", "unknown selector \"6xy\""),
            ("success:count > 1", "spelled Success"),
            ("410/x:count > 1", "not a CODE/SUBCODE pair"),
            ("5xx,410:count > 1", "at most one code range"),
            ("Success,Unknown:count > 1", "at most one category"),
            ("unknown,new:count > 1", "at most one of malformed"),
            ("all,5xx:count > 1", "all stands alone"),
            ("malformed:calls > 1", "malformed records have no ids"),
            (
                "endpoint_type=PSTN,malformed:count > 1",
                "write malformed alone",
            ),
            ("endpoint_type=PSTN:count > 1", "need a selector"),
            ("nodim=x,all:count > 1", "unknown dimension"),
            ("endpoint_type=,all:count > 1", "needs a value"),
            ("5xx,,all:count > 1", "empty selector term"),
            ("new:count > +1", "already measured against the baseline"),
        ] {
            let e = parse(rule).unwrap_err();
            assert!(e.starts_with("--fail-on "), "{e}");
            assert!(e.contains(says), "{rule:?}: {e}");
        }
    }

    #[test]
    fn rules_are_checked_against_the_run() {
        let by = ["endpoint_type".to_string()];
        let cx = Context { by: &by, distinct: true, baseline: false };
        let check = |t: &str, cx| {
            parse(t).map(|r| r.check(cx).map_err(|e| e.to_string()))
        };
        assert!(check("endpoint_type=PSTN,5xx:count > 1", cx)
            .unwrap()
            .is_ok());
        let e = check("call_type=P2P,5xx:count > 1", cx).unwrap().unwrap_err();
        assert!(e.contains("add --by call_type"), "{e}");
        let e = check("5xx:count > +1", cx).unwrap().unwrap_err();
        assert!(e.contains("needs --baseline"), "{e}");
        let e = check("new:count > 1", cx).unwrap().unwrap_err();
        assert!(e.contains("new needs --baseline"), "{e}");
        let cx = Context { by: &by, distinct: false, baseline: true };
        let e = check("5xx:calls > 1", cx).unwrap().unwrap_err();
        assert!(e.contains("drop --no-distinct"), "{e}");
        assert!(check("new:count > 0", cx).unwrap().is_ok());
    }

    proptest::proptest! {
        #[test]
        fn hostile_text_never_panics(text in "\\PC{0,40}") {
            let _ = Rule::parse(&text, Severity::Warn);
        }

        #[test]
        fn rule_shaped_text_never_panics(
            sel in "[a-zA-Z0-9_=,:/ ]{0,20}",
            op in "[<>=! ]{0,3}",
            value in "[+\\-0-9.%p ]{0,8}",
        ) {
            let _ = Rule::parse(&format!("{sel}:count{op}{value}"), Severity::Fail);
            let _ = Rule::parse(&format!("{sel}:share {op} {value}"), Severity::Fail);
        }
    }
}
