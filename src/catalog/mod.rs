//! The code catalog: what each (code, subcode) means (spec §3, "Catalog
//! lookup").
//!
//! The catalog CSV (`catalog/acs-codes.csv`) is compiled into the binary and
//! indexed once, on first use. Lookups are hash-map probes. A team's own
//! rows (`--catalog FILE`, same columns) are added on top: a row with the
//! same code, subcode and source replaces the embedded one, and a team's
//! rows are preferred over embedded rows at the same lookup step.
//!
//! This file holds the index and the lookup steps; [`csv`] reads and writes
//! catalog files, [`sip`] has the SIP/PSTN wording, and [`explain`] answers
//! `calltally explain`.

pub mod csv;
pub mod explain;
pub mod sip;

use std::fmt;
use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use crate::error::Result;
use crate::record::Category;

pub use self::csv::{parse_csv, write_csv, COLUMNS};
pub use self::sip::{range_meaning, sip_phrase, PstnSubcode, PSTN_ADVICE};

/// The embedded catalog CSV.
pub const EMBEDDED_CSV: &str = include_str!("../../catalog/acs-codes.csv");

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
    /// The exact (code, subcode) row.
    Exact,
    /// A row with that subcode and no code.
    Subcode,
    /// For a subcode of 1000 or more: a row with that subcode under another
    /// code (the lowest such code): the subcode names the precise reason,
    /// so it beats a generic code row.
    SubcodeElsewhere,
    /// A row with that code and no subcode (a record without a subcode
    /// goes straight here).
    Code,
    /// PSTN rule: a 540xxx/560xxx subcode's last three digits are the SIP
    /// response sent by the SBC.
    Pstn,
}

impl Step {
    /// A short name for reports and `explain --json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Exact => "exact",
            Step::Subcode => "subcode",
            Step::SubcodeElsewhere => "subcode-elsewhere",
            Step::Code => "code",
            Step::Pstn => "pstn",
        }
    }

    /// What the step means, for `explain`.
    pub fn describe(self) -> &'static str {
        match self {
            Step::Exact => "exact code/subcode row",
            Step::Subcode => "row for this subcode under any code",
            Step::SubcodeElsewhere => {
                "row for this subcode documented under another code"
            }
            Step::Code => "row for this code with any subcode",
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
            None => steps.push((Step::Code, rows(self.code_only.get(&code)))),
            Some(sub) => {
                steps.push((Step::Exact, rows(self.exact.get(&(code, sub)))));
                steps.push((Step::Subcode, rows(self.subcode_only.get(&sub))));
                if sub >= 1000 {
                    // The rows of the lowest other code with this subcode.
                    let other: Vec<&Row> = rows(self.by_subcode.get(&sub))
                        .into_iter()
                        .filter(|r| r.code.is_some() && r.code != Some(code))
                        .collect();
                    let lowest = other.iter().filter_map(|r| r.code).min();
                    let other = other
                        .into_iter()
                        .filter(|r| r.code == lowest)
                        .collect();
                    steps.push((Step::SubcodeElsewhere, other));
                }
                steps.push((Step::Code, rows(self.code_only.get(&code))));
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
            advice: PSTN_ADVICE.into(),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> &'static Catalog {
        Catalog::embedded()
    }

    #[test]
    fn embedded_catalog_parses_every_row() {
        let rows = cat().rows();
        assert_eq!(rows.len(), 376);
        let count = |s: &str| rows.iter().filter(|r| r.source == s).count();
        assert_eq!(count("calling-sdk-web"), 73);
        assert_eq!(count("calling-server"), 53);
        // A normal end without a subcode (78% of real CallSummary samples).
        assert_eq!(cat().category(0, None), Some(Category::Success));
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
        assert_eq!(a.step, Step::Subcode);
    }

    #[test]
    fn step4_code_only() {
        let a = cat().annotate(404, Some(123_456)).unwrap();
        assert_eq!(a.step, Step::Code);
        // No subcode: straight to the code row.
        let a = cat().annotate(404, None).unwrap();
        assert_eq!(a.step, Step::Code);
    }

    #[test]
    fn step3_subcode_elsewhere() {
        // 487/560487 is catalogued only as 497/560487: the subcode names
        // the precise reason, so it beats the generic 487 row.
        let m = cat().matches(487, Some(560_487));
        assert_eq!(m[0].0, Step::SubcodeElsewhere);
        assert_eq!(m[0].1[0].code, Some(497));
        let a = cat().annotate(487, Some(560_487)).unwrap();
        assert_eq!(a.step, Step::SubcodeElsewhere);
        // Small subcodes (below 1000) are not looked up elsewhere.
        let m = cat().matches(487, Some(3));
        assert!(m.iter().all(|(s, _)| *s != Step::SubcodeElsewhere));
    }

    #[test]
    fn step4_pstn_rule() {
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
        assert_eq!(c.rows().len(), 377);
        let a = c.annotate(410, Some(3112)).unwrap();
        assert_eq!(a.summary, "ours");
        assert_eq!(
            c.category(499, Some(99_999)),
            Some(Category::ExpectedError)
        );
        assert_eq!(c.rows().last().unwrap().source, "custom");
    }
}
