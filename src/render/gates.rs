//! `gates.json` and `gates.xml`: every gate rule's outcome, for scripts
//! and for CI test tabs.
//!
//! `gates.xml` is a JUnit XML document with one `<testsuite>` and one
//! `<testcase>` per rule (classname `calltally.fail-on` or
//! `calltally.warn-on`, name the rule). A breached `--fail-on` holds a
//! `<failure>`; a breached `--warn-on` is a `<skipped>` test case, whose
//! message is the warning, so GitLab and Azure DevOps show it in their
//! test tabs without failing the pipeline; every test case's
//! `<system-out>` says what was measured. Nothing in it depends on the
//! clock, so it is a golden file like the rest.

use serde::Serialize;

use crate::gate::{GateOutcome, Verdict};

/// `gates.json`: the rules in the order given, and how many passed,
/// failed and warned.
pub fn json(outcomes: &[GateOutcome]) -> Vec<u8> {
    #[derive(Serialize)]
    struct Doc<'a> {
        passed: usize,
        failed: usize,
        warned: usize,
        rules: &'a [GateOutcome],
    }
    let n = |v: Verdict| outcomes.iter().filter(|o| o.outcome == v).count();
    let doc = Doc {
        passed: n(Verdict::Passed),
        failed: n(Verdict::Failed),
        warned: n(Verdict::Warned),
        rules: outcomes,
    };
    let mut out =
        serde_json::to_vec_pretty(&doc).expect("gate outcomes serialise");
    out.push(b'\n');
    out
}

/// `gates.xml`: the rules as a JUnit test suite.
pub fn junit(outcomes: &[GateOutcome]) -> Vec<u8> {
    let n = |v: Verdict| outcomes.iter().filter(|o| o.outcome == v).count();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<testsuite name=\"calltally gates\" tests=\"{}\" failures=\"{}\" \
         errors=\"0\" skipped=\"{}\">\n",
        outcomes.len(),
        n(Verdict::Failed),
        n(Verdict::Warned)
    ));
    for o in outcomes {
        let class = match o.severity {
            crate::gate::Severity::Fail => "calltally.fail-on",
            crate::gate::Severity::Warn => "calltally.warn-on",
        };
        let what = esc(&o.describe());
        x.push_str(&format!(
            "  <testcase classname=\"{class}\" name=\"{}\">\n",
            esc(&o.rule)
        ));
        match o.outcome {
            Verdict::Failed => x.push_str(&format!(
                "    <failure type=\"gate\" message=\"{what}\">breached: \
                 {what}</failure>\n"
            )),
            Verdict::Warned => x.push_str(&format!(
                "    <skipped message=\"warning: {what}\"/>\n"
            )),
            Verdict::Passed => {}
        }
        let verdict = match o.outcome {
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
            Verdict::Warned => "warned",
        };
        x.push_str(&format!(
            "    <system-out>{what} ({verdict})</system-out>\n  </testcase>\n"
        ));
    }
    x.push_str("</testsuite>\n");
    x.into_bytes()
}

/// Text for XML content and attribute values: markup characters as
/// entities, characters XML 1.0 forbids (most controls, U+FFFE, U+FFFF)
/// written as `\u{…}`.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => {
                out.push_str(&format!("&#{};", c as u32));
            }
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hostile_rule_stays_inside_its_attribute() {
        use crate::gate::{Rule, Severity};
        let text = "endpoint_type=\"/><x a='&\u{1b}\u{0},all:count > 0";
        assert!(Rule::parse(text, Severity::Warn).is_ok());
        let o = GateOutcome {
            rule: text.into(),
            severity: Severity::Warn,
            metric: crate::gate::Metric::Count,
            value: 1.0,
            threshold: 0.0,
            shown: "1".into(),
            threshold_shown: "0".into(),
            baseline: None,
            breached: true,
            outcome: Verdict::Warned,
        };
        let xml = String::from_utf8(junit(std::slice::from_ref(&o))).unwrap();
        assert!(xml.contains(
            "name=\"endpoint_type=&quot;/&gt;&lt;x a=&apos;&amp;\\u{1b}\\u{0},all:count &gt; 0\""
        ), "{xml}");
        assert!(!xml.contains('\u{1b}') && !xml.contains('\u{0}'));
        assert!(xml.contains("<skipped message=\"warning: "), "{xml}");
        let json: serde_json::Value =
            serde_json::from_slice(&json(&[o])).unwrap();
        assert_eq!(json["rules"][0]["rule"], text);
        assert_eq!(json["warned"], 1);
    }

    #[test]
    fn xml_text_is_escaped() {
        assert_eq!(
            esc("a<b>&\"'\u{1b}\t\u{ffff}"),
            "a&lt;b&gt;&amp;&quot;&apos;\\u{1b}&#9;\\u{ffff}"
        );
    }
}
