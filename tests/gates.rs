//! Gates (spec §9): `--fail-on`, `--warn-on`, `--baseline`, `gates.json`
//! and `gates.xml`, run by the binary on the fixtures. Every rule's
//! measured value and threshold are also worked out here from the runs'
//! CSVs, independently of the evaluator, so a wrong sign, unit or
//! baseline fails.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use calltally::report::{GATES_JSON, GATES_XML, REPORT_FILES};

use crate::util::{golden, read, report, scratch, stderr, stdout};

/// The formats fixtures: OLD is the CSV exports alone, NEW all formats.
const OLD_A: &str = "fixtures/formats/csv";
const NEW_A: &str = "fixtures/formats";
/// The slicing fixtures: OLD is one resource group, NEW both.
const OLD_B: &str = "fixtures/slicing/insights-logs-callsummary/\
    resourceId=SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/\
    RESOURCEGROUPS/RG1";
const NEW_B: &str = "fixtures/slicing";

type Row = HashMap<String, String>;

/// The rows of a report CSV, by column name.
pub fn rows(dir: &Path, file: &str) -> Vec<Row> {
    let text = read(dir, file);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> =
        r.headers().unwrap().iter().map(str::to_owned).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            header.iter().cloned().zip(rec.iter().map(str::to_owned)).collect()
        })
        .collect()
}

fn num(row: &Row, col: &str) -> f64 {
    row[col].parse().unwrap_or_else(|_| panic!("{col} in {row:?}"))
}

/// Sum of `col` over `file`'s rows that `pick` keeps.
fn sum(dir: &Path, file: &str, col: &str, pick: impl Fn(&Row) -> bool) -> f64 {
    rows(dir, file).iter().filter(|r| pick(r)).map(|r| num(r, col)).sum()
}

/// A number of `summary.json`.
fn summary(dir: &Path, key: &str) -> f64 {
    let v: serde_json::Value =
        serde_json::from_str(&read(dir, "summary.json")).unwrap();
    v[key].as_f64().unwrap_or_else(|| panic!("summary.json {key}"))
}

/// A report of `input` (with `extra` flags) into a fresh directory.
fn run(input: &str, extra: &[&str]) -> (PathBuf, std::process::Output) {
    let out = scratch("gates");
    let mut args = vec![input];
    args.extend(extra);
    let o = report(&out, &args);
    (out, o)
}

/// The outcome of each rule in `gates.json`, by rule text.
fn outcomes(dir: &Path) -> HashMap<String, serde_json::Value> {
    let v: serde_json::Value =
        serde_json::from_str(&read(dir, GATES_JSON)).unwrap();
    v["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["rule"].as_str().unwrap().to_owned(), r.clone()))
        .collect()
}

/// Flags for `rules`: `!` marks a --warn-on rule.
fn flags<'a>(rules: &[&'a str]) -> Vec<&'a str> {
    rules
        .iter()
        .flat_map(|r| match r.strip_prefix('!') {
            Some(w) => ["--warn-on", w],
            None => ["--fail-on", *r],
        })
        .collect()
}

fn check(
    got: &HashMap<String, serde_json::Value>,
    rule: &str,
    value: f64,
    threshold: f64,
    breached: bool,
) {
    let rule = rule.trim_start_matches('!');
    let o =
        got.get(rule).unwrap_or_else(|| panic!("{rule} not in gates.json"));
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    assert!(
        close(o["value"].as_f64().unwrap(), value),
        "{rule}: value {o}, want {value}"
    );
    assert!(
        close(o["threshold"].as_f64().unwrap(), threshold),
        "{rule}: threshold {o}, want {threshold}"
    );
    assert_eq!(o["breached"].as_bool(), Some(breached), "{rule}: {o}");
}

#[test]
fn every_selector_op_and_value_form_against_a_baseline() {
    let (old, o) = run(OLD_A, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let old_s = old.to_str().unwrap();
    let rules = [
        "UnexpectedServerError:count >= 3",
        "5xx:count < 11",
        "410:count > 30",
        "410/3112:share <= 10%",
        "all:count == 213",
        "!malformed:count != 0",
        "!malformed:share > 5%",
        "unknown:count > 10",
        "new:count > 0",
        "!new:calls >= 1",
        "Success:count > +50",
        "UnexpectedClientError:count >= -2",
        "ExpectedError:calls > +20%",
        "4xx:share > +0.3pp",
        "Success:share < -1.5pp",
        "Success:share < +20%",
        "UnexpectedClientError,408:participants < 5",
        "all:calls > 40",
        "Unknown,5xx:calls == 3",
    ];
    let mut args = vec!["--baseline", old_s];
    args.extend(flags(&rules));
    let (new, o) = run(NEW_A, &args);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    for f in REPORT_FILES {
        assert!(new.join(f).is_file(), "{f} written despite exit 3");
    }
    let got = outcomes(&new);
    assert_eq!(got.len(), rules.len());
    let counted = summary(&new, "counted");
    let old_counted = summary(&old, "counted");
    let code = |dir: &Path, pick: &dyn Fn(&Row) -> bool| {
        sum(dir, "by_code.csv", "count", |r| pick(r))
    };
    let cat = |dir: &Path, c: &str, col: &str| {
        sum(dir, "by_category.csv", col, |r| r["result_category"] == c)
    };
    let range = |r: &Row, want: &str| r["code_range"] == want;

    check(
        &got,
        rules[0],
        cat(&new, "UnexpectedServerError", "count"),
        3.0,
        true,
    );
    let fives = code(&new, &|r| range(r, "5xx"));
    assert_eq!(fives, 10.0, "5xx summed across categories");
    check(&got, rules[1], fives, 11.0, true);
    let c410 = code(&new, &|r| r["code"] == "410");
    check(&got, rules[2], c410, 30.0, c410 > 30.0);
    let pair = code(&new, &|r| r["code"] == "410" && r["subcode"] == "3112")
        / counted;
    check(&got, rules[3], pair, 0.10, pair <= 0.10);
    check(&got, rules[4], counted, 213.0, true);
    let malformed = summary(&new, "malformed");
    let mshare = malformed / (summary(&new, "records") + malformed);
    check(&got, rules[5], malformed, 0.0, malformed != 0.0);
    check(&got, rules[6], mshare, 0.05, mshare > 0.05);
    let unknown = code(&new, &|r| r["known"] == "false");
    check(&got, rules[7], unknown, 10.0, unknown > 10.0);
    let old_pairs: Vec<(String, String)> = rows(&old, "by_code.csv")
        .iter()
        .map(|r| (r["code"].clone(), r["subcode"].clone()))
        .collect();
    let is_new = |r: &Row| {
        !old_pairs.contains(&(r["code"].clone(), r["subcode"].clone()))
    };
    let new_count = code(&new, &is_new);
    assert!(new_count > 0.0);
    check(&got, rules[8], new_count, 0.0, true);
    let base = cat(&old, "Success", "count");
    check(
        &got,
        rules[10],
        cat(&new, "Success", "count"),
        base + 50.0,
        cat(&new, "Success", "count") > base + 50.0,
    );
    let base = cat(&old, "UnexpectedClientError", "count");
    check(
        &got,
        rules[11],
        cat(&new, "UnexpectedClientError", "count"),
        base - 2.0,
        true,
    );
    let base = cat(&old, "ExpectedError", "calls");
    let now = cat(&new, "ExpectedError", "calls");
    check(&got, rules[12], now, base * 1.2, now > base * 1.2);
    let base = code(&old, &|r| range(r, "4xx")) / old_counted;
    let now = code(&new, &|r| range(r, "4xx")) / counted;
    check(&got, rules[13], now, base + 0.003, now > base + 0.003);
    let base = cat(&old, "Success", "count") / old_counted;
    let now = cat(&new, "Success", "count") / counted;
    check(&got, rules[14], now, base - 0.015, now < base - 0.015);
    check(&got, rules[15], now, base * 1.2, now < base * 1.2);
    let p408 = rows(&new, "by_code.csv");
    let p408: Vec<&Row> = p408
        .iter()
        .filter(|r| {
            r["result_category"] == "UnexpectedClientError"
                && r["code"] == "408"
        })
        .collect();
    assert!(p408.len() > 1, "the union spans several rows");
    let v = got[rules[16]]["value"].as_f64().unwrap();
    let most = p408.iter().map(|r| num(r, "participants")).fold(0.0, f64::max);
    let all: f64 = p408.iter().map(|r| num(r, "participants")).sum();
    assert!(v >= most && v <= all, "{v} between {most} and {all}");
    assert_eq!(got[rules[16]]["breached"].as_bool(), Some(v < 5.0));
    let calls = summary(&new, "calls");
    check(&got, rules[17], calls, 40.0, calls > 40.0);
    let u5 = sum(&new, "by_code_range.csv", "calls", |r| {
        r["result_category"] == "Unknown" && range(r, "5xx")
    });
    check(&got, rules[18], u5, 3.0, u5 == 3.0);
    // Outcomes: fail-on breaches are failures, warn-on breaches warnings.
    let e = stderr(&o);
    assert!(
        e.contains("gate failed: 5xx:count < 11: measured 10, threshold 11"),
        "{e}"
    );
    assert!(e.contains("warning: gate: malformed:count != 0"), "{e}");
    golden("tests/golden/gates/formats/gates.json", &read(&new, GATES_JSON));
    golden("tests/golden/gates/formats/gates.xml", &read(&new, GATES_XML));
}

#[test]
fn dimension_limited_rules_and_the_union_of_sketches() {
    let (old, o) = run(OLD_B, &["--by", "endpoint_type"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rules = [
        "!endpoint_type=PSTN,all:calls > 0",
        "!endpoint_type=PSTN,all:participants > 0",
        "!endpoint_type=PSTN,ExpectedError:share > 30%",
        "!endpoint_type=PSTN,410/3112:count > +2",
        "!endpoint_type=PSTN,new:count > 0",
        "!endpoint_type=Teams,all:count > 0",
        "!5xx:calls > 0",
        "!all:share == 100%",
    ];
    let mut args =
        vec!["--by", "endpoint_type", "--baseline", old.to_str().unwrap()];
    args.extend(flags(&rules));
    let (new, o) = run(NEW_B, &args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "warn-on breaches exit 0: {}",
        stderr(&o)
    );
    let got = outcomes(&new);
    // The union of the PSTN rows' sketches is the run's distinct ids
    // when the run keeps PSTN records only.
    let (only, o2) = run(NEW_B, &["--where", "endpoint_type=PSTN"]);
    assert_eq!(o2.status.code(), Some(0), "{}", stderr(&o2));
    let pstn_rows = rows(&new, "by_code.csv")
        .into_iter()
        .filter(|r| r["endpoint_type"] == "PSTN")
        .count();
    assert!(pstn_rows > 1, "the union spans {pstn_rows} rows");
    check(&got, rules[0], summary(&only, "calls"), 0.0, true);
    check(&got, rules[1], summary(&only, "participants"), 0.0, true);
    let share = sum(&new, "by_category.csv", "share", |r| {
        r["endpoint_type"] == "PSTN" && r["result_category"] == "ExpectedError"
    });
    let v = outcomes(&new)[rules[2].trim_start_matches('!')]["value"]
        .as_f64()
        .unwrap();
    assert!(
        (v - share).abs() < 5e-7,
        "share within the PSTN group: {v} vs {share}"
    );
    let pick = |r: &Row| {
        r["endpoint_type"] == "PSTN"
            && r["code"] == "410"
            && r["subcode"] == "3112"
    };
    let base = sum(&old, "by_code.csv", "count", pick);
    let now = sum(&new, "by_code.csv", "count", pick);
    check(&got, rules[3], now, base + 2.0, now > base + 2.0);
    let old_pstn: Vec<(String, String)> = rows(&old, "by_code.csv")
        .iter()
        .filter(|r| r["endpoint_type"] == "PSTN")
        .map(|r| (r["code"].clone(), r["subcode"].clone()))
        .collect();
    let fresh = sum(&new, "by_code.csv", "count", |r| {
        r["endpoint_type"] == "PSTN"
            && !old_pstn.contains(&(r["code"].clone(), r["subcode"].clone()))
    });
    check(&got, rules[4], fresh, 0.0, fresh > 0.0);
    check(&got, rules[5], 0.0, 0.0, false);
    // 5xx across groups and categories: the union, not a sum of rows.
    let five_rows: Vec<Row> = rows(&new, "by_code.csv")
        .into_iter()
        .filter(|r| r["code_range"] == "5xx")
        .collect();
    assert!(five_rows.len() > 1);
    let v = got[rules[6].trim_start_matches('!')]["value"].as_f64().unwrap();
    let row_sum: f64 = five_rows.iter().map(|r| num(r, "calls")).sum();
    let row_max =
        five_rows.iter().map(|r| num(r, "calls")).fold(0.0, f64::max);
    assert!(
        v >= row_max && v <= row_sum,
        "{v} between {row_max} and {row_sum}"
    );
    check(&got, rules[7], 1.0, 1.0, true);
    assert!(
        stderr(&o).contains("warning: gate: endpoint_type=PSTN,all:calls > 0")
    );
    golden("tests/golden/gates/slicing/gates.json", &read(&new, GATES_JSON));
    golden("tests/golden/gates/slicing/gates.xml", &read(&new, GATES_XML));
}

#[test]
fn a_bad_rule_is_a_usage_error_before_any_input_is_read() {
    for (rule, says) in [
        ("5xx:cont > 1", "unknown metric \"cont\""),
        ("5xx:share > 1", "write 100%"),
        ("5xx:count > +5", "needs --baseline"),
        ("endpoint_type=PSTN,all:count > 1", "add --by endpoint_type"),
        ("5xx share > 1%", "expected SELECTOR:METRIC OP VALUE"),
    ] {
        let out = scratch("gates-bad");
        let o = report(&out.join("r"), &["no/such/input", "--fail-on", rule]);
        assert_eq!(o.status.code(), Some(2), "{rule}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(
            e.contains(&format!("--fail-on {rule:?}")) && e.contains(says),
            "{rule}: {e}"
        );
        assert!(!out.join("r").exists(), "nothing written");
    }
    let o = report(
        &scratch("gates-bad"),
        &[NEW_A, "--no-distinct", "--warn-on", "all:calls > 1"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(
        "--warn-on \"all:calls > 1\": calls needs distinct counting"
    ));
}

#[test]
fn baselines_that_cannot_serve_are_refused() {
    let (old, _) = run(OLD_B, &["--by", "endpoint_type"]);
    let old = old.to_str().unwrap();
    let o = report(
        &scratch("gates"),
        &[NEW_B, "--baseline", old, "--fail-on", "all:count > +1"],
    );
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("made with --by endpoint_type, but this run has no --by"),
        "{e}"
    );
    // A report directory holds no union of 4xx rows of several categories.
    let (old, _) = run(OLD_A, &[]);
    let o = report(
        &scratch("gates"),
        &[
            NEW_A,
            "--baseline",
            old.to_str().unwrap(),
            "--fail-on",
            "4xx:calls > +10%",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("--fail-on \"4xx:calls > +10%\": on the baseline: the selector spans"), "{e}");
    let o = report(
        &scratch("gates"),
        &[NEW_A, "--baseline", "fixtures", "--fail-on", "all:count > +1"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("summary.json: cannot read it"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_run_without_gates_removes_the_gate_files_of_an_earlier_run() {
    let out = scratch("gates-stale");
    let o = report(&out, &[NEW_A, "--warn-on", "all:count > 1"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(out.join(GATES_JSON).is_file() && out.join(GATES_XML).is_file());
    let o = report(&out, &[NEW_A]);
    assert_eq!(o.status.code(), Some(0));
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let mut want: Vec<String> =
        REPORT_FILES.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(names, want);
}

#[test]
fn the_summary_line_counts_the_outcomes() {
    let out = scratch("gates-line");
    let o = crate::util::cmd()
        .args(["report", NEW_A, "-o"])
        .arg(&out)
        .args(["--fail-on", "all:count > 1", "--warn-on", "all:count < 1"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stdout(&o).contains(
            "gates: 1 passed, 1 failed, 0 warned (gates.json, gates.xml)"
        ),
        "{}",
        stdout(&o)
    );
}

/// A run with a gate or a baseline keeps its tally and builds its report
/// from a borrowed tally (`Report::build_for`); one without gives the tally
/// up to the report (`Report::build_from`). Both write the same reports,
/// byte for byte (summary.json but for its timing fields), with and
/// without `--by` and distinct counting.
#[test]
fn runs_that_keep_their_tally_write_the_same_reports() {
    use crate::util::stable_summary;
    use calltally::report::CSV_FILES;
    for plan in [
        &[][..],
        &["--no-distinct"],
        &["--by", "resource"],
        &["--by", "resource", "--no-distinct"],
        &["--by", "hour,endpoint_type,sdk_version"],
    ] {
        let (given_up, o) = run(NEW_B, plan);
        assert_eq!(o.status.code(), Some(0), "{plan:?}: {}", stderr(&o));
        let base = given_up.to_str().unwrap();
        let gate = ["--warn-on", "all:count > 1"];
        let baseline = ["--baseline", base];
        for keep in [&gate[..], &baseline[..]] {
            let flags: Vec<&str> = plan.iter().chain(keep).copied().collect();
            let (kept, o) = run(NEW_B, &flags);
            assert_eq!(o.status.code(), Some(0), "{flags:?}: {}", stderr(&o));
            for f in CSV_FILES {
                assert_eq!(
                    read(&kept, f),
                    read(&given_up, f),
                    "{flags:?} {f}"
                );
            }
            assert_eq!(
                stable_summary(&kept),
                stable_summary(&given_up),
                "{flags:?}"
            );
        }
    }
}
