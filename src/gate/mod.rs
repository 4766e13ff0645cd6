//! Gates (spec §9): `--fail-on RULE` / `--warn-on RULE`, measured over a
//! report. This file holds the outcome type the renderers (Markdown, HTML,
//! `gates.json`, `gates.xml`) read; the rule grammar and the evaluation
//! live beside it.

use serde::Serialize;

/// Whether a rule fails the run (`--fail-on`) or only warns (`--warn-on`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// `--fail-on`: a breach exits 3.
    Fail,
    /// `--warn-on`: a breach is reported only.
    Warn,
}

/// One rule, measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GateOutcome {
    /// The rule as the user wrote it.
    pub rule: String,
    /// `--fail-on` or `--warn-on`.
    pub severity: Severity,
    /// The measured value (a count, a share as a fraction, calls, …).
    pub value: f64,
    /// The value the rule compares against, after a `--baseline` change
    /// (`+20%`) is turned into an absolute threshold.
    pub threshold: f64,
    /// The value and threshold as a person reads them (`1.25%`, `362`).
    pub shown: String,
    /// Whether the rule is breached (its condition holds: `5xx:share > 1%`
    /// measured at 1.25% is breached).
    pub breached: bool,
}
