//! Golden reports over the fixture tree, through every code path, and a
//! check against the hand-derived per-line expectations.

use std::collections::BTreeMap;

use calltally::report::{BY_CODE, CSV_FILES};

use crate::util::{
    golden, read, report, run, scratch, stable_summary, stderr,
};

/// Every way of running the same input; all must give identical bytes.
const WAYS: &[&[&str]] = &[
    &["-j1"],
    &["-j8", "--chunk-size", "64"],
    &["-j2", "--chunk-size", "1"],
    &["--no-mmap"],
    &["--no-mmap", "-j4", "--chunk-size", "7"],
    &["-j1", "--chunk-size", "1048576"],
];

#[test]
fn storage_tree_reports_are_golden_every_way() {
    for (i, way) in WAYS.iter().enumerate() {
        let out = scratch("golden-storage");
        let out_s = out.to_str().unwrap();
        let mut args = vec!["report", "fixtures/storage", "-q", "-o", out_s];
        args.extend_from_slice(way);
        let o = run(&args);
        assert_eq!(o.status.code(), Some(0), "{way:?}: {}", stderr(&o));
        for name in CSV_FILES {
            // The first way may rewrite the goldens; the others must match.
            if i == 0 || std::env::var_os("UPDATE_GOLDEN").is_none() {
                golden(
                    &format!("tests/golden/storage/{name}"),
                    &read(&out, name),
                );
            }
        }
        let summary = serde_json::to_string_pretty(&stable_summary(&out))
            .unwrap()
            + "\n";
        if i == 0 || std::env::var_os("UPDATE_GOLDEN").is_none() {
            golden("tests/golden/storage/summary.json", &summary);
        }
    }
}

/// One row of `tests/golden/storage/expected-lines.tsv`, written by hand
/// from the rules, line by line, without running calltally.
struct Expected {
    file: String,
    line: u64,
    class: String,
    key: (String, i64, Option<i64>),
    from: String,
}

fn expected_lines() -> Vec<Expected> {
    let text = std::fs::read_to_string(
        crate::util::root().join("tests/golden/storage/expected-lines.tsv"),
    )
    .unwrap();
    let mut rows = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 7, "bad tsv row {line:?}");
        let counted = f[2] == "counted";
        rows.push(Expected {
            file: f[0].to_owned(),
            line: f[1].parse().unwrap(),
            class: f[2].to_owned(),
            key: if counted {
                (
                    f[5].to_owned(),
                    f[3].parse().unwrap(),
                    (!f[4].is_empty()).then(|| f[4].parse().unwrap()),
                )
            } else {
                (String::new(), 0, None)
            },
            from: f[6].to_owned(),
        });
    }
    rows
}

#[test]
fn storage_tree_matches_hand_derived_expectations() {
    let rows = expected_lines();
    let out = scratch("expected-lines");
    let o = report(&out, &["fixtures/storage"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // Counts per (category, code, subcode) from by_code.csv.
    let mut got: BTreeMap<(String, i64, Option<i64>), u64> = BTreeMap::new();
    let by_code = read(&out, BY_CODE);
    let mut rdr = csv::Reader::from_reader(by_code.as_bytes());
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let sub = rec.get(3).unwrap();
        got.insert(
            (
                rec.get(0).unwrap().to_owned(),
                rec.get(2).unwrap().parse().unwrap(),
                (!sub.is_empty()).then(|| sub.parse().unwrap()),
            ),
            rec.get(4).unwrap().parse().unwrap(),
        );
    }
    let mut want: BTreeMap<(String, i64, Option<i64>), u64> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.class == "counted") {
        *want.entry(r.key.clone()).or_insert(0) += 1;
    }
    assert_eq!(got, want);

    // Accounting.
    let s = stable_summary(&out);
    let class = |c: &str| rows.iter().filter(|r| r.class == c).count() as u64;
    let lines = rows
        .iter()
        .map(|r| (&r.file, r.line))
        .collect::<std::collections::BTreeSet<_>>()
        .len() as u64;
    assert_eq!(s["lines"], lines);
    assert_eq!(s["blank"], class("blank"));
    assert_eq!(s["counted"], class("counted"));
    assert_eq!(s["without_code"], class("without_code"));
    assert_eq!(s["records"], class("counted") + class("without_code"));
    assert_eq!(s["malformed"], class("malformed"));
    assert_eq!(s["envelopes"], class("envelope"));
    let from = |f: &str| {
        rows.iter().filter(|r| r.class == "counted" && r.from == f).count()
            as u64
    };
    assert_eq!(s["categories"]["from_log"], from("log"));
    assert_eq!(s["categories"]["from_catalog"], from("catalog"));
    assert_eq!(s["categories"]["unknown"], from("unknown"));

    // Every malformed sample points at a line the table calls malformed.
    for sample in s["malformed_samples"].as_array().unwrap() {
        let file = sample["file"].as_str().unwrap();
        let rel = file.strip_prefix("fixtures/storage/").unwrap();
        let line = sample["line"].as_u64().unwrap();
        assert!(
            rows.iter().any(|r| r.file == rel
                && r.line == line
                && r.class == "malformed"),
            "sample {file}:{line} is not a malformed line in the table"
        );
    }
}

#[test]
fn accounting_identities_hold_on_the_fixture_tree() {
    let out = scratch("identities");
    let o = report(&out, &["fixtures/storage"]);
    assert_eq!(o.status.code(), Some(0));
    let s = stable_summary(&out);
    let n = |k: &str| s[k].as_u64().unwrap();
    assert_eq!(n("records"), n("counted") + n("without_code"));
    // Plain lines plus envelope lines: every line is accounted for once.
    assert_eq!(
        n("lines"),
        n("blank") + n("records") + n("malformed") - n("envelope_items")
            + n("envelopes")
    );
    for name in CSV_FILES {
        let text = read(&out, name);
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        let col =
            rdr.headers().unwrap().iter().position(|h| h == "count").unwrap();
        let sum: u64 = rdr
            .records()
            .map(|r| r.unwrap().get(col).unwrap().parse::<u64>().unwrap())
            .sum();
        assert_eq!(sum, n("counted"), "{name}");
    }
}
