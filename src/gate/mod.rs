//! Gates (spec §9): `--fail-on RULE` / `--warn-on RULE`, measured over a
//! report. This file holds the outcome type the renderers (Markdown, HTML,
//! `gates.json`, `gates.xml`) read and the evaluator; the rule grammar is
//! in [`rule`].
//!
//! Use: parse each rule ([`Rule::parse`]) and check it against the run
//! ([`Rule::check`]) before any input is read; [`Gates::prepare`] turns
//! the rules and an optional baseline ([`Snapshot::open`]) into fixed
//! thresholds, also before any input is read; after counting,
//! [`Gates::evaluate`] measures a [`Snapshot`] of the run
//! ([`Snapshot::of_run`]) and gives one [`GateOutcome`] per rule.
//! [`evaluate`] does both in one call for a run already counted.

pub mod rule;

use serde::Serialize;

pub use self::rule::{Context, Metric, Op, Rule, RuleError, Value};
use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::report::snapshot::{PairKeys, Snapshot};
use crate::report::Report;
use crate::tally::Tally;

/// Whether a rule fails the run (`--fail-on`) or only warns (`--warn-on`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// `--fail-on`: a breach exits 3.
    Fail,
    /// `--warn-on`: a breach is reported only.
    Warn,
}

/// A rule's outcome in one word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The rule's condition does not hold.
    Passed,
    /// A `--fail-on` rule's condition holds: the run exits 3.
    Failed,
    /// A `--warn-on` rule's condition holds.
    Warned,
}

/// One rule, measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GateOutcome {
    /// The rule as the user wrote it.
    pub rule: String,
    /// `--fail-on` or `--warn-on`.
    pub severity: Severity,
    /// What the rule measures.
    pub metric: Metric,
    /// The measured value (a count, a share as a fraction, calls, …).
    pub value: f64,
    /// The value the rule compares against, after a `--baseline` change
    /// (`+20%`) is turned into an absolute threshold.
    pub threshold: f64,
    /// The value as a person reads it (`1.25%`, `362`).
    pub shown: String,
    /// The threshold as a person reads it.
    pub threshold_shown: String,
    /// The baseline's value, for a rule whose VALUE is a change.
    pub baseline: Option<f64>,
    /// Whether the rule is breached (its condition holds: `5xx:share > 1%`
    /// measured at 1.25% is breached).
    pub breached: bool,
    /// `passed`, `failed` or `warned`.
    pub outcome: Verdict,
}

impl GateOutcome {
    /// One line for a person: `5xx:share > 1%: measured 1.25%, threshold
    /// 1% (failed)`.
    pub fn describe(&self) -> String {
        let base = match self.baseline {
            Some(b) => format!(", baseline {}", show(self.metric, b)),
            None => String::new(),
        };
        format!(
            "{}: measured {}, threshold {}{base}",
            self.rule, self.shown, self.threshold_shown
        )
    }
}

/// Rules ready to measure a run: thresholds fixed (a change from the
/// baseline already applied) and the baseline's pairs kept for `new`.
#[derive(Clone, Debug, Default)]
pub struct Gates {
    prepared: Vec<Prepared>,
    new_against: Option<PairKeys>,
}

#[derive(Clone, Debug)]
struct Prepared {
    rule: Rule,
    threshold: f64,
    baseline: Option<f64>,
}

impl Gates {
    /// Fix the thresholds of `rules` (already [`Rule::check`]ed): a change
    /// is measured on `baseline`, which must be grouped by the run's
    /// `dims`. The error names the rule a report-directory baseline cannot
    /// measure.
    pub fn prepare(
        rules: &[Rule],
        baseline: Option<&Snapshot<'_>>,
        dims: &[String],
    ) -> Result<Gates> {
        if let Some(b) = baseline {
            b.check_dims(dims, "this run")?;
        }
        let mut gates = Gates::default();
        for rule in rules {
            let base = match (rule.value.is_change(), baseline) {
                (true, Some(b)) => Some(
                    b.measure(&rule.selector, rule.metric, None).map_err(
                        |message| Error::Gate {
                            flag: rule.severity.flag(),
                            rule: rule.text.clone(),
                            message: format!("on the baseline: {message}"),
                        },
                    )?,
                ),
                (true, None) => {
                    return Err(Error::Gate {
                        flag: rule.severity.flag(),
                        rule: rule.text.clone(),
                        message: "a change needs --baseline".into(),
                    })
                }
                (false, _) => None,
            };
            if rule.selector.special == Some(rule::Special::New)
                && gates.new_against.is_none()
            {
                gates.new_against = baseline.map(Snapshot::pair_keys);
            }
            gates.prepared.push(Prepared {
                rule: rule.clone(),
                threshold: rule.value.threshold(base.unwrap_or(0.0)),
                baseline: base,
            });
        }
        Ok(gates)
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.prepared.is_empty()
    }

    /// Measure every rule on `run`, in the order given.
    pub fn evaluate(&self, run: &Snapshot<'_>) -> Result<Vec<GateOutcome>> {
        self.prepared
            .iter()
            .map(|p| {
                let r = &p.rule;
                let value = run
                    .measure(&r.selector, r.metric, self.new_against.as_ref())
                    .map_err(|message| Error::Gate {
                        flag: r.severity.flag(),
                        rule: r.text.clone(),
                        message,
                    })?;
                let breached = r.op.holds(value, p.threshold);
                Ok(GateOutcome {
                    rule: r.text.clone(),
                    severity: r.severity,
                    metric: r.metric,
                    value,
                    threshold: p.threshold,
                    shown: show(r.metric, value),
                    threshold_shown: show(r.metric, p.threshold),
                    baseline: p.baseline,
                    breached,
                    outcome: match (breached, r.severity) {
                        (false, _) => Verdict::Passed,
                        (true, Severity::Fail) => Verdict::Failed,
                        (true, Severity::Warn) => Verdict::Warned,
                    },
                })
            })
            .collect()
    }
}

/// Measure `rules` on a run in one call: its `report`, the `tally` it was
/// built from (for the rows' sketches) and the `catalog` it was built
/// with, against an optional `baseline` grouped like the report. For
/// `merge` and other callers that hold a run already; `report` fixes the
/// thresholds before reading inputs instead ([`Gates::prepare`]).
pub fn evaluate(
    rules: &[Rule],
    report: &Report,
    tally: &Tally,
    catalog: &Catalog,
    baseline: Option<&Snapshot<'_>>,
) -> Result<Vec<GateOutcome>> {
    let gates = Gates::prepare(rules, baseline, &report.dims)?;
    gates.evaluate(&Snapshot::of_run(report, tally, catalog))
}

/// A measured value as a person reads it: a share as a percentage
/// (`1.7094%`), the rest as numbers (`12`, `12.5`).
pub fn show(metric: Metric, value: f64) -> String {
    match metric {
        Metric::Share => format!("{}%", rule::trim_number(value * 100.0)),
        _ => rule::trim_number(value),
    }
}

/// Whether any outcome is a failed `--fail-on`.
pub fn any_failed(outcomes: &[GateOutcome]) -> bool {
    outcomes.iter().any(|o| o.outcome == Verdict::Failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(log: &str) -> (Tally, crate::Plan) {
        let mut config = crate::Config::default();
        config.plan.distinct = Some(12);
        let plan = config.plan.clone();
        (crate::tally_bytes(log.as_bytes(), &config).unwrap(), plan)
    }

    const OLD: &str = r#"{"correlationId":"a","participantEndReason":500,"participantEndSubCode":1,"resultCategory":"UnexpectedServerError"}
{"correlationId":"b","participantEndReason":0,"participantEndSubCode":0}
"#;
    const NEW: &str = r#"{"correlationId":"a","participantEndReason":500,"participantEndSubCode":1,"resultCategory":"UnexpectedServerError"}
{"correlationId":"b","participantEndReason":500,"participantEndSubCode":2,"resultCategory":"ExpectedError"}
{"correlationId":"c","participantEndReason":500,"participantEndSubCode":2,"resultCategory":"ExpectedError"}
{"correlationId":"d","participantEndReason":0,"participantEndSubCode":0}
"#;

    #[test]
    fn a_run_measured_against_a_baseline_tally() {
        let catalog = Catalog::embedded();
        let (old, plan) = tally(OLD);
        // A baseline built from a tally (the partial-tally seam) keeps its
        // sketches: calls of several rows is their union.
        let base = Snapshot::from_tally(&old, catalog, &plan);
        let (new, _) = tally(NEW);
        let report = Report::build_for(&new, catalog, &plan);
        let rules: Vec<Rule> = [
            ("5xx:calls > +100%", Severity::Fail),
            ("5xx:count >= +2", Severity::Warn),
            ("new:count == 2", Severity::Fail),
            ("5xx:share > +25pp", Severity::Warn),
        ]
        .iter()
        .map(|(t, s)| Rule::parse(t, *s).unwrap())
        .collect();
        let out =
            evaluate(&rules, &report, &new, catalog, Some(&base)).unwrap();
        let got: Vec<(f64, f64, Option<f64>, Verdict)> = out
            .iter()
            .map(|o| (o.value, o.threshold, o.baseline, o.outcome))
            .collect();
        assert_eq!(
            got,
            [
                (3.0, 2.0, Some(1.0), Verdict::Failed),
                (3.0, 3.0, Some(1.0), Verdict::Warned),
                (2.0, 2.0, None, Verdict::Failed),
                (0.75, 0.75, Some(0.5), Verdict::Passed),
            ]
        );
        assert!(any_failed(&out));
        assert_eq!(
            out[0].describe(),
            "5xx:calls > +100%: measured 3, threshold 2, baseline 1"
        );
        assert_eq!(out[3].shown, "75%");
    }

    #[test]
    fn a_baseline_of_other_dimensions_is_refused() {
        let (old, plan) = tally(OLD);
        let base = Snapshot::from_tally(&old, Catalog::embedded(), &plan);
        let rule = Rule::parse("all:count > +1", Severity::Fail).unwrap();
        let e = Gates::prepare(&[rule], Some(&base), &["hour".into()])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("made with no --by, but this run has --by hour"),
            "{e}"
        );
    }
}
