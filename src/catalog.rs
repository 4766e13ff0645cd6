//! The code catalog: what each (code, subcode) means (spec §3, "Catalog
//! lookup").
//!
//! The catalog CSV (`catalog/acs-codes.csv`) is compiled into the binary and
//! indexed once, on first use. Lookups are hash-map probes. A team's own
//! rows (`--catalog FILE`, same columns) are added on top: a row with the
//! same code, subcode and source replaces the embedded one, and a team's
//! rows are preferred over embedded rows at the same lookup step.

use std::fmt;
use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::record::{parse_int, Category};

/// The embedded catalog CSV.
pub const EMBEDDED_CSV: &str = include_str!("../catalog/acs-codes.csv");

/// The catalog's columns, in order.
pub const COLUMNS: [&str; 6] =
    ["code", "subcode", "result_category", "source", "summary", "advice"];

/// Sources in order of preference when several match at one step.
pub const SOURCE_PREFERENCE: [&str; 6] = [
    "calling-server",
    "calling-sdk-web",
    "pstn",
    "call-automation",
    "chat",
    "sms",
];

/// A source's place in [`SOURCE_PREFERENCE`] (unknown sources last).
pub fn source_rank(source: &str) -> usize {
    SOURCE_PREFERENCE
        .iter()
        .position(|s| *s == source)
        .unwrap_or(SOURCE_PREFERENCE.len())
}

/// One catalog row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The code; `None` for a subcode-only row.
    pub code: Option<i64>,
    /// The subcode; `None` for a code-only row.
    pub subcode: Option<i64>,
    /// The documented category, if any.
    pub category: Option<Category>,
    /// Where the row comes from (`calling-server`, `pstn`, …).
    pub source: String,
    /// What the code means, in one line.
    pub summary: String,
    /// What to do about it, in one line.
    pub advice: String,
    /// Whether the row came from a `--catalog` file.
    pub user: bool,
}

/// Which lookup step found a row (spec §3, in order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// The exact (code, subcode) pair; with no subcode, the code-only row.
    Exact,
    /// A row with that subcode and no code.
    SubcodeOnly,
    /// A row with that code and no subcode.
    CodeOnly,
    /// PSTN rule: a 540xxx/560xxx subcode's last three digits are the SIP
    /// response sent by the SBC.
    Pstn,
}

impl Step {
    /// A short name for reports and `explain --json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Exact => "exact",
            Step::SubcodeOnly => "subcode-only",
            Step::CodeOnly => "code-only",
            Step::Pstn => "pstn-rule",
        }
    }

    /// What the step means, for `explain`.
    pub fn describe(self) -> &'static str {
        match self {
            Step::Exact => "exact code/subcode row",
            Step::SubcodeOnly => "row for this subcode under any code",
            Step::CodeOnly => "row for this code with any subcode",
            Step::Pstn => {
                "PSTN rule: 540xxx/560xxx subcodes carry the SBC's SIP response"
            }
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the catalog says about one (code, subcode) for a report row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Annotation {
    /// The step that matched.
    pub step: Step,
    /// One-line meaning.
    pub summary: String,
    /// One-line advice.
    pub advice: String,
}

/// The PSTN reading of a subcode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PstnSubcode {
    /// The SIP response code (the last three digits).
    pub sip: u16,
    /// Whether the call was inbound (540xxx) or outbound (560xxx).
    pub inbound: bool,
}

impl PstnSubcode {
    /// Read a subcode with the PSTN rule, if it is 540xxx or 560xxx.
    pub fn of(subcode: i64) -> Option<PstnSubcode> {
        match subcode {
            540_000..=540_999 => Some(PstnSubcode {
                sip: (subcode - 540_000) as u16,
                inbound: true,
            }),
            560_000..=560_999 => Some(PstnSubcode {
                sip: (subcode - 560_000) as u16,
                inbound: false,
            }),
            _ => None,
        }
    }

    /// "SBC sent SIP 503 Service Unavailable (outbound PSTN call)".
    pub fn describe(self) -> String {
        let dir = if self.inbound { "inbound" } else { "outbound" };
        match sip_phrase(self.sip) {
            Some(p) => {
                format!("SBC sent SIP {} {} ({dir} PSTN call)", self.sip, p)
            }
            None if self.sip == 0 => {
                format!("SBC ended the call normally ({dir} PSTN call)")
            }
            None => format!("SBC sent SIP {} ({dir} PSTN call)", self.sip),
        }
    }
}

/// The standard SIP reason phrase for a response code (RFC 3261 and
/// successors), where there is one.
pub fn sip_phrase(code: u16) -> Option<&'static str> {
    Some(match code {
        100 => "Trying",
        180 => "Ringing",
        181 => "Call Is Being Forwarded",
        182 => "Queued",
        183 => "Session Progress",
        200 => "OK",
        202 => "Accepted",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Moved Temporarily",
        305 => "Use Proxy",
        380 => "Alternative Service",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        410 => "Gone",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        421 => "Extension Required",
        423 => "Interval Too Brief",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        484 => "Address Incomplete",
        485 => "Ambiguous",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        491 => "Request Pending",
        493 => "Undecipherable",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Server Time-out",
        505 => "Version Not Supported",
        513 => "Message Too Large",
        600 => "Busy Everywhere",
        603 => "Decline",
        604 => "Does Not Exist Anywhere",
        606 => "Not Acceptable",
        _ => return None,
    })
}

/// What a code range means, for `explain`.
pub fn range_meaning(code: i64) -> &'static str {
    match code {
        0 => "0: normal end of a call (also used with many end subcodes)",
        100..=199 => "1xx: provisional response",
        200..=299 => "2xx: success",
        300..=399 => "3xx: redirection",
        400..=499 => "4xx: client error (for PSTN: the call did not connect)",
        500..=599 => "5xx: server error",
        600..=699 => {
            "6xx: global error (busy, declined or rejected everywhere)"
        }
        2000..=9999 => {
            "other: not SIP/HTTP-like (SMS delivery codes are 2000-9999)"
        }
        _ => "other: outside the SIP/HTTP-like ranges",
    }
}

/// The indexed catalog.
#[derive(Debug, Default)]
pub struct Catalog {
    rows: Vec<Row>,
    exact: FxHashMap<(i64, i64), Vec<u32>>,
    code_only: FxHashMap<i64, Vec<u32>>,
    subcode_only: FxHashMap<i64, Vec<u32>>,
    by_subcode: FxHashMap<i64, Vec<u32>>,
}

impl Catalog {
    /// The embedded catalog, indexed on first use.
    pub fn embedded() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            let rows = parse_csv(EMBEDDED_CSV, "embedded catalog", false)
                .expect("the embedded catalog is valid (tested)");
            Catalog::from_rows(rows)
        })
    }

    /// The embedded catalog with a team's rows added (see module docs).
    pub fn with_overrides(text: &str, name: &str) -> Result<Catalog> {
        let user = parse_csv(text, name, true)?;
        let mut rows: Vec<Row> = Catalog::embedded()
            .rows
            .iter()
            .filter(|r| {
                !user.iter().any(|u| {
                    u.code == r.code
                        && u.subcode == r.subcode
                        && u.source == r.source
                })
            })
            .cloned()
            .collect();
        rows.extend(user);
        Ok(Catalog::from_rows(rows))
    }

    /// Index rows.
    pub fn from_rows(rows: Vec<Row>) -> Catalog {
        let mut c = Catalog { rows, ..Catalog::default() };
        for (i, r) in c.rows.iter().enumerate() {
            let i = i as u32;
            match (r.code, r.subcode) {
                (Some(code), Some(sub)) => {
                    c.exact.entry((code, sub)).or_default().push(i)
                }
                (Some(code), None) => {
                    c.code_only.entry(code).or_default().push(i)
                }
                (None, Some(sub)) => {
                    c.subcode_only.entry(sub).or_default().push(i)
                }
                (None, None) => {}
            }
            if let Some(sub) = r.subcode {
                c.by_subcode.entry(sub).or_default().push(i);
            }
        }
        let rank = |r: &Row| (!r.user, source_rank(&r.source));
        let rows = &c.rows;
        for v in c
            .exact
            .values_mut()
            .chain(c.code_only.values_mut())
            .chain(c.subcode_only.values_mut())
            .chain(c.by_subcode.values_mut())
        {
            v.sort_by_key(|&i| (rank(&rows[i as usize]), i));
        }
        c
    }

    /// All rows, in file order.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Every matching row, step by step, each step's rows in order of
    /// preference. Steps with no rows are left out.
    pub fn matches(
        &self,
        code: i64,
        subcode: Option<i64>,
    ) -> Vec<(Step, Vec<&Row>)> {
        let rows = |ids: Option<&Vec<u32>>| -> Vec<&Row> {
            ids.map_or_else(Vec::new, |v| {
                v.iter().map(|&i| &self.rows[i as usize]).collect()
            })
        };
        let mut out: Vec<(Step, Vec<&Row>)> = Vec::new();
        let mut steps: Vec<(Step, Vec<&Row>)> = Vec::with_capacity(4);
        match subcode {
            None => steps.push((Step::Exact, rows(self.code_only.get(&code)))),
            Some(sub) => {
                steps.push((Step::Exact, rows(self.exact.get(&(code, sub)))));
                steps.push((
                    Step::SubcodeOnly,
                    rows(self.subcode_only.get(&sub)),
                ));
                steps.push((Step::CodeOnly, rows(self.code_only.get(&code))));
                if PstnSubcode::of(sub).is_some() {
                    // Rows for the same PSTN subcode under another code.
                    let other: Vec<&Row> = rows(self.by_subcode.get(&sub))
                        .into_iter()
                        .filter(|r| r.code.is_some() && r.code != Some(code))
                        .collect();
                    steps.push((Step::Pstn, other));
                }
            }
        }
        out.extend(steps.into_iter().filter(|(_, found)| !found.is_empty()));
        out
    }

    /// The report annotation for a (code, subcode): the first step that
    /// matches, its preferred row; for a PSTN subcode with no row, the SIP
    /// response. `None` when the catalog knows nothing.
    pub fn annotate(
        &self,
        code: i64,
        subcode: Option<i64>,
    ) -> Option<Annotation> {
        if let Some((step, rows)) =
            self.matches(code, subcode).into_iter().next()
        {
            let r = rows[0];
            return Some(Annotation {
                step,
                summary: r.summary.clone(),
                advice: r.advice.clone(),
            });
        }
        let pstn = subcode.and_then(PstnSubcode::of)?;
        Some(Annotation {
            step: Step::Pstn,
            summary: pstn.describe(),
            advice: "Look at the SBC and carrier side: the SBC produced this \
                     SIP response"
                .into(),
        })
    }

    /// The category for a record whose log gave none: the first step with a
    /// categorised row, its preferred categorised row.
    pub fn category(
        &self,
        code: i64,
        subcode: Option<i64>,
    ) -> Option<Category> {
        self.matches(code, subcode)
            .into_iter()
            .find_map(|(_, rows)| rows.iter().find_map(|r| r.category))
    }
}

/// Parse catalog CSV text (header required; columns found by name).
pub fn parse_csv(text: &str, name: &str, user: bool) -> Result<Vec<Row>> {
    let bad = |line: u64, msg: String| Error::Catalog {
        file: name.to_owned(),
        line,
        message: msg,
    };
    let mut rdr = csv::ReaderBuilder::new()
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
    let mut w = csv::Writer::from_writer(out);
    let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    let write = || -> csv::Result<()> {
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
fn csv_io_error(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> &'static Catalog {
        Catalog::embedded()
    }

    #[test]
    fn embedded_catalog_parses_every_row() {
        let rows = cat().rows();
        assert_eq!(rows.len(), 375);
        let count = |s: &str| rows.iter().filter(|r| r.source == s).count();
        assert_eq!(count("calling-sdk-web"), 73);
        assert_eq!(count("calling-server"), 52);
        assert_eq!(count("call-automation"), 209);
        assert_eq!(count("pstn"), 20);
        assert_eq!(count("chat"), 4);
        assert_eq!(count("sms"), 17);
        assert_eq!(rows.iter().filter(|r| r.code.is_none()).count(), 118);
    }

    #[test]
    fn step1_exact_prefers_calling_server() {
        // 401/71005 is in calling-sdk-web, calling-server, call-automation.
        let m = cat().matches(401, Some(71005));
        assert_eq!(m[0].0, Step::Exact);
        let sources: Vec<&str> = m[0].1.iter().map(|r| &*r.source).collect();
        assert_eq!(
            sources,
            ["calling-server", "calling-sdk-web", "call-automation"]
        );
        assert_eq!(
            cat().annotate(401, Some(71005)).unwrap().step,
            Step::Exact
        );
    }

    #[test]
    fn step2_subcode_only() {
        // 7504 is a Call Automation generic subcode (no code column); a
        // code it is not listed under still finds it.
        let a = cat().annotate(499, Some(7504)).unwrap();
        assert_eq!(a.step, Step::SubcodeOnly);
    }

    #[test]
    fn step3_code_only() {
        let a = cat().annotate(404, Some(123_456)).unwrap();
        assert_eq!(a.step, Step::CodeOnly);
        // No subcode: the code-only row is the exact match.
        let a = cat().annotate(404, None).unwrap();
        assert_eq!(a.step, Step::Exact);
    }

    #[test]
    fn step4_pstn_rule() {
        // 487/560487 is catalogued only as 497/560487.
        let m = cat().matches(487, Some(560_487));
        assert_eq!(m.last().unwrap().0, Step::Pstn);
        assert_eq!(m.last().unwrap().1[0].code, Some(497));
        // A PSTN subcode with no row anywhere: the SIP response is named.
        let a = cat().annotate(499, Some(560_502)).unwrap();
        assert_eq!(a.step, Step::Pstn);
        assert!(a.summary.contains("SIP 502 Bad Gateway"), "{}", a.summary);
        assert!(a.summary.contains("outbound"));
        let a = cat().annotate(499, Some(540_480)).unwrap();
        assert!(a.summary.contains("inbound"));
    }

    #[test]
    fn unknown_pair_is_unknown() {
        assert_eq!(cat().annotate(499, Some(99_999)), None);
        assert_eq!(cat().category(499, Some(99_999)), None);
    }

    #[test]
    fn category_fallback_skips_uncategorised_rows() {
        // 408/4506: calling-server says UnexpectedClientError.
        assert_eq!(
            cat().category(408, Some(4506)),
            Some(Category::UnexpectedClientError)
        );
        // 410/3112 ExpectedError, 0/0 Success.
        assert_eq!(
            cat().category(410, Some(3112)),
            Some(Category::ExpectedError)
        );
        assert_eq!(cat().category(0, Some(0)), Some(Category::Success));
        // 0/560486 is only catalogued as 486/560486 (Success): PSTN rule.
        assert_eq!(cat().category(0, Some(560_486)), Some(Category::Success));
        // 503/560503: rows exist but none has a category.
        assert_eq!(cat().category(503, Some(560_503)), None);
    }

    #[test]
    fn overrides_replace_and_add() {
        let text = "code,subcode,result_category,source,summary,advice\n\
                    410,3112,UnexpectedClientError,calling-server,ours,fix it\n\
                    499,99999,ExpectedError,,team code,ignore\n";
        let c = Catalog::with_overrides(text, "team.csv").unwrap();
        assert_eq!(c.rows().len(), 376);
        let a = c.annotate(410, Some(3112)).unwrap();
        assert_eq!(a.summary, "ours");
        assert_eq!(
            c.category(499, Some(99_999)),
            Some(Category::ExpectedError)
        );
        assert_eq!(c.rows().last().unwrap().source, "custom");
    }

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
        write_csv(cat().rows(), &mut out).unwrap();
        let again =
            parse_csv(std::str::from_utf8(&out).unwrap(), "x", false).unwrap();
        assert_eq!(again, cat().rows());
    }
}
