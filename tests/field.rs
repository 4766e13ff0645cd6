//! `field:NAME` dimensions (spec §7) on `fixtures/field/`: golden reports
//! for each case of `tests/golden/field/cases.tsv` (JSON Lines with the
//! key at the top level and in `properties`/`data`, in several casings,
//! missing, absent, numbers, booleans, arrays and objects; an Event Grid
//! batch document; a CSV export), the same bytes at every thread count,
//! chunk size and read path; counts checked against a plain reading of
//! the fixture written here; `--where` on a field; the three JSON readers
//! agreeing on each value rule; partials that carry field names, and
//! merges of partials with other field names refused; a gate on a field.

use std::collections::BTreeMap;

use calltally::report::{CSV_FILES, GATES_JSON};
use calltally::testing::tree as reference;
use calltally::testing::{fast, json, Line, Record};

use crate::util::{
    golden_cases, read, report, report_counts, run, scratch, stable_summary,
    stderr, wanted,
};

const CALLS: &str = "fixtures/field/calls.jsonl";

#[test]
fn every_case_has_golden_reports_at_every_thread_count_and_path() {
    golden_cases("field", &[], "300", |_, _| {});
}

/// The count of each `field:region` value in `calls.jsonl`, read here
/// from the spec's words alone: the key in any casing, trimmed, at the top
/// level, then in `properties`, then in `data`; per level the last
/// member; absent values passed over; an object none.
#[test]
fn region_counts_match_a_plain_reading() {
    let text = std::fs::read_to_string(crate::util::root().join(CALLS))
        .expect("fixture");
    let mut want: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    for line in text.lines() {
        let Ok(serde_json::Value::Object(top)) =
            serde_json::from_str::<serde_json::Value>(line)
        else {
            continue;
        };
        let level = |m: &serde_json::Map<String, serde_json::Value>| {
            // serde_json's map keeps the last of duplicate keys (the
            // fixture has no level with two casings of the key).
            m.iter()
                .rfind(|(k, _)| k.trim().eq_ignore_ascii_case("region"))
                .and_then(|(_, v)| v.as_str())
                .map(str::trim)
                .filter(|v| {
                    !["", "null", "redacted"].contains(&&*v.to_lowercase())
                })
                .map(str::to_owned)
        };
        let nested = |name: &str| {
            top.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .and_then(|(_, v)| v.as_object())
                .and_then(level)
        };
        let props = top.get("properties").and_then(|p| p.as_object());
        let has_code =
            props.is_some_and(|p| p.contains_key("participantEndReason"));
        if !has_code {
            continue;
        }
        let region = level(&top)
            .or_else(|| nested("properties"))
            .or_else(|| nested("data"))
            .unwrap_or_else(|| "(none)".into());
        *want.entry(vec![region]).or_default() += 1;
    }
    let got = report_counts(
        &[CALLS, "--by", "field:region", "--no-distinct"],
        "by_code.csv",
        &[0],
        5,
    );
    assert_eq!(got, want);
    assert_eq!(want.values().sum::<u64>(), 8, "{want:?}");
}

/// `--where` on a field keeps the records whose value is (or is not) one
/// of the values, `(none)` included; the rest are `filtered`.
#[test]
fn where_on_a_field_filters() {
    let count = |args: &[&str]| {
        let out = scratch("field");
        let mut a = vec![CALLS, "--no-distinct"];
        a.extend_from_slice(args);
        let o = report(&out, &a);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        let s = stable_summary(&out);
        (s["counted"].as_u64(), s["filtered"].as_u64())
    };
    assert_eq!(count(&["--where", "field:region=eu"]), (Some(3), Some(6)));
    assert_eq!(count(&["--where", "field:REGION=eu,us"]), (Some(5), Some(4)));
    assert_eq!(count(&["--where", "field:region!=eu"]), (Some(5), Some(3)));
    assert_eq!(count(&["--where", "field:region=(none)"]), (Some(1), Some(8)));
    // Two filters on fields, one a known key read both ways.
    assert_eq!(
        count(&[
            "--where",
            "field:region=eu",
            "--where",
            "field:endpointType=PSTN"
        ]),
        (Some(1), Some(8))
    );
    let out = scratch("field");
    let o = report(&out, &[CALLS, "--by", "field:properties"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a value"), "{}", stderr(&o));
}

/// The value of field `name` of each record of a line, by a reader.
fn values(line: Line<'_>, name: &str) -> Vec<Option<String>> {
    let recs: Vec<Record<'_>> = match line {
        Line::One(r) => vec![r],
        Line::Envelope(rs) => rs,
        other => panic!("{other:?}"),
    };
    recs.iter().map(|r| r.field(name).map(str::to_owned)).collect()
}

/// Each value rule of `record::field_keys`, read by the byte scanner, the
/// serde reader and the plain tree reading alike.
#[test]
fn the_three_readers_read_each_value_rule() {
    let wanted = wanted("field:v,field:code,field:category");
    let cases: [(&str, Option<&str>); 18] = [
        (r#"{"v":" eu "}"#, Some("eu")),
        (r#"{"V":"x","v":"y"}"#, Some("y")),
        (r#"{" v ":404}"#, Some("404")),
        (r#"{"v":-7}"#, Some("-7")),
        (r#"{"v":2.50}"#, Some("2.5")),
        (r#"{"v":1e3}"#, Some("1000.0")),
        (r#"{"v":-0}"#, Some("-0.0")),
        (r#"{"v":18446744073709551615}"#, Some("18446744073709551615")),
        (r#"{"v":true}"#, Some("true")),
        (r#"{"v":null,"properties":{"v":false}}"#, Some("false")),
        (r#"{"v":["a","b"]}"#, Some("a")),
        (r#"{"v":[[1]]}"#, None),
        (r#"{"v":[]}"#, None),
        (r#"{"v":{"a":1}}"#, None),
        (r#"{"v":"Redacted","data":{"v":"d"},"error":{"v":"e"}}"#, Some("d")),
        (r#"{"properties":{"v":"p"},"data":{"v":"d"}}"#, Some("p")),
        (r#"{"x":{"v":"deeper"}}"#, None),
        (r#"{"records":[{"v":1},{"v":"two"}]}"#, Some("1")),
    ];
    for (line, want) in cases {
        let b = line.as_bytes();
        let serde = json::read_line_for(b, wanted);
        let plain = reference::read_line_for(b, wanted);
        let scanned =
            fast::read_line_for(b, wanted).expect("scanner reads it");
        assert_eq!(serde, plain, "{line}");
        assert_eq!(scanned, serde, "{line}");
        let got = values(scanned, "V");
        assert_eq!(got[0].as_deref(), want, "{line}");
    }
    // A known key read both ways: the code still counts, the field shows
    // the value as written; the log kind comes from the top level only,
    // the field from any level.
    let line = br#"{"code":"007","properties":{"category":"nested"}}"#;
    for read in [
        json::read_line_for(line, wanted),
        reference::read_line_for(line, wanted),
        fast::read_line_for(line, wanted).unwrap(),
    ] {
        let Line::One(r) = read else { panic!() };
        assert!(
            matches!(r.outcome, calltally::Outcome::Counted(t) if t.code == 7)
        );
        assert_eq!(r.field("code"), Some("007"));
        assert_eq!(r.field("category"), Some("nested"));
        assert_eq!(r.kind, None);
    }
}

/// A partial keeps its field names: merged it gives the report of one run;
/// partials of other field names (or other casings: other columns) are
/// refused, naming the difference.
#[test]
fn partials_carry_field_names() {
    let dir = scratch("field");
    let by = "field:region,field:mediaTier";
    let part = |name: &str, by: &str| {
        let p = dir.join(name);
        let o = report(
            &dir.join("unused"),
            &[CALLS, "--by", by, "--partial", p.to_str().unwrap()],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        p
    };
    let a = part("a.partial", by);
    let direct = dir.join("direct");
    let o = report(&direct, &[CALLS, "--by", by]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let merged = dir.join("merged");
    let o = run(&[
        "merge",
        a.to_str().unwrap(),
        "-q",
        "-o",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for f in CSV_FILES {
        assert_eq!(read(&merged, f), read(&direct, f), "{f}");
    }
    assert!(read(&merged, "by_code.csv")
        .starts_with("field:region,field:mediaTier,"));
    for (other, says) in [
        ("field:region,field:tier", "field:region,field:mediaTier"),
        ("field:Region,field:mediaTier", "field:Region,field:mediaTier"),
    ] {
        let b = part("b.partial", other);
        let o = run(&[
            "merge",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "-q",
            "-o",
            dir.join("refused").to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(1), "{other}");
        let e = stderr(&o);
        assert!(e.contains("--by differs") && e.contains(says), "{e}");
    }
}

/// A gate limited to a field's group (spec §9).
#[test]
fn gates_select_field_groups() {
    let out = scratch("field");
    let o = report(
        &out,
        &[
            CALLS,
            "--by",
            "field:region",
            "--fail-on",
            "field:region=us,410:count >= 2",
            "--warn-on",
            "field:region=eu,all:count > 3",
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let v: serde_json::Value =
        serde_json::from_str(&read(&out, GATES_JSON)).unwrap();
    let rules = v["rules"].as_array().unwrap();
    let rule = |text: &str| {
        rules
            .iter()
            .find(|r| r["rule"] == text)
            .unwrap_or_else(|| panic!("{text} not in {v}"))
    };
    let us = rule("field:region=us,410:count >= 2");
    assert_eq!(
        (us["value"].as_f64(), us["breached"].as_bool()),
        (Some(2.0), Some(true))
    );
    let eu = rule("field:region=eu,all:count > 3");
    assert_eq!(
        (eu["value"].as_f64(), eu["breached"].as_bool()),
        (Some(3.0), Some(false))
    );
}

use crate::csv_fast::Calls;

/// The SIMD CSV scanner and `csv-core` read the same `field:` values on
/// generated CSV (columns of no key, of a key read both ways, with a
/// `[UTC]` suffix), whole and in pieces; and the values are there.
#[test]
fn csv_readers_agree_on_fields() {
    use calltally::testing::csv::{
        read_header, read_rows, read_rows_core, split_rows,
    };
    use calltally::testing::lines::strip_bom;
    let wanted = wanted(
        "field:note,field:ParticipantEndReason,field:timegenerated,field:Type",
    );
    let mut notes = 0;
    for seed in 0..40 {
        let input = crate::differential::generated_csv(seed, 200);
        let body = strip_bom(&input);
        let (header, n) = read_header(body).expect("a header");
        for size in [usize::MAX, 7, 300] {
            for piece in split_rows(&body[n..], size, usize::MAX) {
                let mut want = Calls(Vec::new(), wanted);
                let mut got = Calls(Vec::new(), wanted);
                read_rows_core(piece, &header, &mut want);
                read_rows(piece, &header, &mut got);
                assert_eq!(got, want, "seed {seed} size {size}");
                notes += want
                    .0
                    .iter()
                    .filter(|c| c.contains("Field(\"note\")"))
                    .count();
            }
        }
    }
    assert!(notes > 1000, "{notes}");
}

/// On generated lines (every key casing, padding, value style, level and
/// envelope of the differential tests), the byte scanner reads the
/// `field:` values of both field plans of `fast_path` itself, as the serde
/// reader and the tree reading do; and the values are there (a scanner
/// that read none would agree too).
#[test]
fn generated_lines_give_field_values() {
    use crate::differential::Gen;
    let plans = crate::fast_path::field_plans();
    let mut found = [0usize; 2];
    for seed in 0..20 {
        let mut g = Gen::new(7000 + seed, true);
        for _ in 0..300 {
            let line = g.one_line();
            for (plan, n) in plans.iter().zip(&mut found) {
                let serde = json::read_line_for(&line, *plan);
                assert_eq!(
                    reference::read_line_for(&line, *plan),
                    serde,
                    "{}",
                    String::from_utf8_lossy(&line)
                );
                let Some(fast) = fast::read_line_for(&line, *plan) else {
                    continue;
                };
                assert_eq!(fast, serde, "{}", String::from_utf8_lossy(&line));
                let recs = match fast {
                    Line::One(r) => vec![r],
                    Line::Envelope(rs) => rs,
                    Line::Unmatched => Vec::new(),
                };
                let names = plan.1.expect("field keys");
                *n += recs
                    .iter()
                    .flat_map(|r| names.names().filter_map(|k| r.field(k)))
                    .count();
            }
        }
    }
    assert!(found.iter().all(|&n| n > 500), "{found:?}");
}
