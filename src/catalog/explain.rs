//! `calltally explain`: what a code and subcode mean.

use std::fmt::Write as _;

use serde::Serialize;

use crate::catalog::{
    range_meaning, sip_phrase, source_rank, Catalog, PstnSubcode, Row,
};
use crate::record::code_range;

/// One catalog row in an explanation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MatchOut {
    /// The lookup step (`exact`, `subcode`, `subcode-elsewhere`, `code`,
    /// `pstn`).
    pub step: &'static str,
    /// The row's source.
    pub source: String,
    /// The row's code (`None` for subcode-only rows).
    pub code: Option<i64>,
    /// The row's subcode (`None` for code-only rows).
    pub subcode: Option<i64>,
    /// The row's category.
    pub category: Option<&'static str>,
    /// What it means.
    pub summary: String,
    /// What to do.
    pub advice: String,
}

/// The PSTN reading of a subcode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PstnOut {
    /// The SIP response the SBC sent.
    pub sip: u16,
    /// Its reason phrase, if standard.
    pub phrase: Option<&'static str>,
    /// `inbound` (540xxx) or `outbound` (560xxx).
    pub direction: &'static str,
    /// A sentence.
    pub meaning: String,
}

/// Everything `explain` says about a (code, subcode).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The code asked about.
    pub code: i64,
    /// The subcode asked about.
    pub subcode: Option<i64>,
    /// `0`, `1xx` … `9xx` or `other`.
    pub code_range: &'static str,
    /// What the range means.
    pub range_meaning: &'static str,
    /// Whether the catalog documents the pair (or a documented fallback).
    pub known: bool,
    /// The step that decides the report's `summary` column.
    pub matched_step: Option<&'static str>,
    /// The category the catalog gives when a log has none.
    pub category: Option<&'static str>,
    /// The report's `summary` for this pair.
    pub summary: Option<String>,
    /// The report's `advice` for this pair.
    pub advice: Option<String>,
    /// The PSTN reading, for 540xxx/560xxx subcodes.
    pub pstn: Option<PstnOut>,
    /// Every matching row, by step, preferred first.
    pub matches: Vec<MatchOut>,
    /// With no subcode given and a code that is no status code: rows that
    /// have this number as their subcode.
    pub as_subcode: Vec<MatchOut>,
}

fn match_out(step: &'static str, r: &Row) -> MatchOut {
    MatchOut {
        step,
        source: r.source.clone(),
        code: r.code,
        subcode: r.subcode,
        category: r.category.map(|c| c.as_str()),
        summary: r.summary.clone(),
        advice: r.advice.clone(),
    }
}

/// Explain a (code, subcode).
pub fn explain(
    catalog: &Catalog,
    code: i64,
    subcode: Option<i64>,
) -> Explanation {
    let matches: Vec<MatchOut> = catalog
        .matches(code, subcode)
        .into_iter()
        .flat_map(|(step, rows)| {
            rows.into_iter().map(move |r| match_out(step.as_str(), r))
        })
        .collect();
    let annotation = catalog.annotate(code, subcode);
    // A number given alone that is no status code may be a subcode.
    let lone_subcode = subcode.is_none() && !(0..=999).contains(&code);
    let pstn_subcode = subcode.or(lone_subcode.then_some(code));
    let pstn = pstn_subcode.and_then(PstnSubcode::of).map(|p| PstnOut {
        sip: p.sip,
        phrase: sip_phrase(p.sip),
        direction: if p.inbound { "inbound" } else { "outbound" },
        meaning: p.describe(),
    });
    // "560503" on its own is a subcode, not a code: say so.
    let as_subcode = if lone_subcode {
        let mut rows: Vec<&Row> = catalog
            .rows()
            .iter()
            .filter(|r| r.subcode == Some(code))
            .collect();
        rows.sort_by_key(|r| (!r.user, source_rank(&r.source)));
        rows.into_iter().map(|r| match_out("as-subcode", r)).collect()
    } else {
        Vec::new()
    };
    Explanation {
        code,
        subcode,
        code_range: code_range(code),
        range_meaning: range_meaning(code),
        known: annotation.is_some(),
        matched_step: annotation.as_ref().map(|a| a.step.as_str()),
        category: catalog.category(code, subcode).map(|c| c.as_str()),
        summary: annotation.as_ref().map(|a| a.summary.clone()),
        advice: annotation.map(|a| a.advice),
        pstn,
        matches,
        as_subcode,
    }
}

impl Explanation {
    /// `code/subcode`, or the code alone.
    pub fn pair(&self) -> String {
        match self.subcode {
            Some(s) => format!("{}/{}", self.code, s),
            None => self.code.to_string(),
        }
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("serialisable") + "\n"
    }

    /// The text `explain` prints.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{}", self.pair());
        let _ = writeln!(s, "  range:    {}", self.range_meaning);
        match (&self.summary, &self.advice) {
            (Some(summary), Some(advice)) => {
                let _ = writeln!(s, "  meaning:  {summary}");
                let _ = writeln!(s, "  advice:   {advice}");
                let _ = writeln!(
                    s,
                    "  category: {}",
                    self.category
                        .unwrap_or("none documented (reports say Unknown)")
                );
                let _ = writeln!(
                    s,
                    "  matched:  {}",
                    self.matched_step.unwrap_or("-")
                );
            }
            _ if !self.as_subcode.is_empty() || self.pstn.is_some() => {
                let _ = writeln!(
                    s,
                    "  not documented as a code; read as a subcode below"
                );
            }
            _ => {
                let _ = writeln!(
                    s,
                    "  not documented: the catalog has no row for {} (reports \
                     mark it known=false)",
                    self.pair()
                );
            }
        }
        if let Some(p) = &self.pstn {
            let _ = writeln!(s, "  pstn:     {}", p.meaning);
        }
        if !self.matches.is_empty() {
            let _ = writeln!(s, "catalog rows (preferred first):");
            for m in &self.matches {
                write_row(&mut s, m);
            }
        }
        if !self.as_subcode.is_empty() {
            let _ = writeln!(
                s,
                "{} is not a status code; as a subcode the catalog has:",
                self.code
            );
            for m in &self.as_subcode {
                write_row(&mut s, m);
            }
        }
        s
    }
}

fn write_row(s: &mut String, m: &MatchOut) {
    let opt =
        |v: Option<i64>| v.map_or_else(|| "*".to_owned(), |n| n.to_string());
    let _ = writeln!(
        s,
        "  [{}] {}/{} {} ({}): {}",
        m.step,
        opt(m.code),
        opt(m.subcode),
        m.source,
        m.category.unwrap_or("no category"),
        m.summary
    );
    if !m.advice.is_empty() {
        let _ = writeln!(s, "      advice: {}", m.advice);
    }
}
