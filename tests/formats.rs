//! Every container and record kind (spec §5): each fixture against the
//! hand-derived table `tests/golden/formats/expected.tsv`, through every
//! read path and standard input; golden reports (the plain, `.gz`, `.zst`
//! and misnamed copies of one log share one); a mixed tree is the sum of
//! its parts.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::Stdio;

use crate::util::{
    cmd, golden, read, report, root, run, scratch, stable_summary, stderr,
};

struct Row {
    fixture: String,
    format: String,
    records: u64,
    counted: u64,
    without_code: u64,
    malformed: u64,
    unmatched: u64,
    keys: String,
}

fn expected() -> Vec<Row> {
    let text = std::fs::read_to_string(
        root().join("tests/golden/formats/expected.tsv"),
    )
    .unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Row {
                fixture: f[0].into(),
                format: f[1].into(),
                records: f[2].parse().unwrap(),
                counted: f[3].parse().unwrap(),
                without_code: f[4].parse().unwrap(),
                malformed: f[5].parse().unwrap(),
                unmatched: f[6].parse().unwrap(),
                keys: f[7].into(),
            }
        })
        .collect()
}

fn pattern() -> String {
    std::fs::read_to_string(
        root().join("tests/golden/formats/gateway.pattern"),
    )
    .unwrap()
    .trim_end()
    .to_owned()
}

/// `Category:code/sub=N;…` from a by_code.csv, sorted as the table is.
fn key_counts(by_code: &str) -> String {
    let mut rdr = csv::Reader::from_reader(by_code.as_bytes());
    let mut keys: Vec<String> = rdr
        .records()
        .map(|r| {
            let r = r.unwrap();
            let sub = if r[3].is_empty() { "-" } else { &r[3] };
            format!("{}:{}/{}={}", &r[0], &r[2], sub, &r[4])
        })
        .collect();
    keys.sort();
    keys.join(";")
}

fn check(row: &Row, out: &std::path::Path, how: &str) {
    let s = stable_summary(out);
    let what = format!("{} ({how})", row.fixture);
    assert_eq!(s["records"], row.records, "{what}");
    assert_eq!(s["counted"], row.counted, "{what}");
    assert_eq!(s["without_code"], row.without_code, "{what}");
    assert_eq!(s["malformed"], row.malformed, "{what}");
    assert_eq!(s["unmatched"], row.unmatched, "{what}");
    // The line identity of spec §4: every line is blank, unmatched,
    // malformed, or yields records (JSON documents and quoted CSV fields
    // span lines, so it holds per line for the line formats).
    let n = |k: &str| s[k].as_u64().unwrap();
    let line_format = matches!(&*row.format, "jsonl" | "text");
    assert!(
        !line_format
            || n("lines")
                == n("blank") + n("unmatched") + n("records") + n("malformed")
                    - n("envelope_items")
                    + n("envelopes"),
        "{what}: {s}"
    );
    assert_eq!(
        s["formats"][&row.format]["files"], 1,
        "{what}: {}",
        s["formats"]
    );
    assert_eq!(key_counts(&read(out, "by_code.csv")), row.keys, "{what}");
}

/// The extra arguments a fixture needs.
fn extra(row: &Row) -> Vec<String> {
    if row.fixture == "text/gateway.log" {
        vec!["--pattern".into(), pattern()]
    } else {
        Vec::new()
    }
}

const WAYS: &[&[&str]] = &[
    &["-j1"],
    &["-j2", "--chunk-size", "16"],
    &["--no-mmap", "-j4", "--chunk-size", "7"],
];

#[test]
fn every_fixture_matches_the_hand_derived_table_every_way() {
    let rows = expected();
    assert_eq!(rows.len(), 18);
    for row in &rows {
        let path = format!("fixtures/formats/{}", row.fixture);
        for way in WAYS {
            let out = scratch("formats");
            let mut args: Vec<String> = vec![
                "report".into(),
                path.clone(),
                "-q".into(),
                "-o".into(),
                out.display().to_string(),
            ];
            args.extend(way.iter().map(|s| s.to_string()));
            args.extend(extra(row));
            let o = cmd().args(&args).output().unwrap();
            assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
            check(row, &out, &way.join(" "));
        }
    }
}

#[test]
fn every_fixture_reads_the_same_from_standard_input() {
    for row in expected() {
        let out = scratch("formats-stdin");
        let mut args: Vec<String> = vec![
            "report".into(),
            "-".into(),
            "-q".into(),
            "-o".into(),
            out.display().to_string(),
        ];
        args.extend(extra(&row));
        let mut child = cmd()
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let data =
            std::fs::read(root().join("fixtures/formats").join(&row.fixture))
                .unwrap();
        child.stdin.take().unwrap().write_all(&data).unwrap();
        let o = child.wait_with_output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}: {}",
            row.fixture,
            stderr(&o)
        );
        check(&row, &out, "stdin");
    }
}

#[test]
fn fixture_reports_are_golden_and_codecs_share_one() {
    for row in expected() {
        let out = scratch("formats-golden");
        let mut args: Vec<String> = vec![
            "report".into(),
            format!("fixtures/formats/{}", row.fixture),
            "-q".into(),
            "-o".into(),
            out.display().to_string(),
        ];
        args.extend(extra(&row));
        let o = cmd().args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        // The plain, .gz, .zst and misnamed copies share one golden.
        let name = if row.fixture.starts_with("compressed/") {
            "compressed".to_owned()
        } else {
            row.fixture.replace('/', "__")
        };
        for report in ["by_category.csv", "by_code_range.csv", "by_code.csv"] {
            // Only the plain copy may rewrite the shared golden.
            if row.fixture.starts_with("compressed/")
                && row.fixture != "compressed/PT1H.json"
                && std::env::var_os("UPDATE_GOLDEN").is_some()
            {
                continue;
            }
            golden(
                &format!("tests/golden/formats/{name}/{report}"),
                &read(&out, report),
            );
        }
    }
}

/// by_code counts and accounting of a report directory.
fn totals(out: &std::path::Path) -> (BTreeMap<String, u64>, [u64; 6]) {
    let mut keys = BTreeMap::new();
    let by_code = read(out, "by_code.csv");
    let mut rdr = csv::Reader::from_reader(by_code.as_bytes());
    for r in rdr.records() {
        let r = r.unwrap();
        let k = format!("{}:{}/{}", &r[0], &r[2], &r[3]);
        *keys.entry(k).or_insert(0) += r[4].parse::<u64>().unwrap();
    }
    let s = stable_summary(out);
    let n = |k: &str| s[k].as_u64().unwrap();
    (
        keys,
        [
            n("lines"),
            n("records"),
            n("counted"),
            n("without_code"),
            n("malformed"),
            n("unmatched"),
        ],
    )
}

#[test]
fn a_mixed_tree_is_the_sum_of_its_parts() {
    let whole = scratch("mixed-whole");
    // A walk reads log names only: the misnamed gzip copy `PT1H.bin` is
    // skipped and counted as such, unless --all-files.
    let o = report(&whole, &["fixtures/formats"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s = stable_summary(&whole);
    assert_eq!(s["inputs"]["skipped_files"], 1, "{s}");
    assert_eq!(
        s["inputs"]["skipped"][0],
        "fixtures/formats/compressed/PT1H.bin"
    );
    let o = report(&whole, &["fixtures/formats", "--all-files"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut keys: BTreeMap<String, u64> = BTreeMap::new();
    let mut sums = [0u64; 6];
    let rows = expected();
    for row in &rows {
        let out = scratch("mixed-part");
        let path = format!("fixtures/formats/{}", row.fixture);
        let o = report(&out, &[&path]);
        assert_eq!(o.status.code(), Some(0));
        let (k, s) = totals(&out);
        for (key, n) in k {
            *keys.entry(key).or_insert(0) += n;
        }
        for (a, b) in sums.iter_mut().zip(s) {
            *a += b;
        }
    }
    let (wk, ws) = totals(&whole);
    assert_eq!(wk, keys);
    assert_eq!(ws, sums);
    // Every format is in the mix, and summary.json says so.
    let s = stable_summary(&whole);
    for f in ["jsonl", "json", "csv", "text"] {
        assert!(s["formats"][f]["files"].as_u64().unwrap() > 0, "{f}");
    }
    let files: u64 = ["jsonl", "json", "csv", "text"]
        .iter()
        .map(|f| s["formats"][f]["files"].as_u64().unwrap())
        .sum();
    assert_eq!(files, rows.len() as u64);
    // And the log kinds that were mixed.
    let kinds: Vec<&str> = s["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"CallSummary"), "{kinds:?}");
    assert!(kinds.contains(&"CallClientOperations"), "{kinds:?}");
}

#[test]
fn format_can_be_forced() {
    // Read as text, a JSON Lines file finds its codes by the text keys
    // only: the records with a `code`-named key.
    let out = scratch("forced");
    let o = report(
        &out,
        &["fixtures/formats/sdk/errors.jsonl", "--format", "text"],
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stable_summary(&out)["formats"]["text"]["files"], 1);
    // `records` is the spec's name for JSON documents; `json` also works.
    for name in ["records", "json"] {
        let o = report(
            &out,
            &["fixtures/formats/array/records.json", "--format", name],
        );
        assert_eq!(o.status.code(), Some(0), "{name}");
    }
}

#[test]
fn a_pattern_not_used_because_sniffing_read_json_is_a_warning() {
    let out = scratch("pattern-unused");
    let o = report(
        &out,
        &[
            "fixtures/formats/sdk/errors.jsonl",
            "fixtures/formats/text/gateway.log",
            "fixtures/formats/csv/ACSCallSummary.csv",
            "--pattern",
            &pattern(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    let warnings: Vec<&str> =
        err.lines().filter(|l| l.contains("--pattern")).collect();
    assert_eq!(warnings.len(), 2, "{err}");
    assert!(
        warnings[0].contains(
            "warning: fixtures/formats/sdk/errors.jsonl: read as jsonl"
        ),
        "{err}"
    );
    assert!(
        warnings[1].contains(
            "warning: fixtures/formats/csv/ACSCallSummary.csv: read as csv"
        ),
        "{err}"
    );
    // Forcing a format says which one to use: no warning.
    let o = report(
        &out,
        &[
            "fixtures/formats/sdk/errors.jsonl",
            "--format",
            "text",
            "--pattern",
            &pattern(),
        ],
    );
    assert!(!stderr(&o).contains("--pattern"), "{}", stderr(&o));
    // Without --pattern, no warning either.
    let o = report(&out, &["fixtures/formats/sdk/errors.jsonl"]);
    assert!(!stderr(&o).contains("--pattern"), "{}", stderr(&o));
}

#[test]
fn a_bad_pattern_is_a_usage_error() {
    let o = run(&[
        "report",
        "fixtures/formats/text",
        "--pattern",
        "(",
        "-q",
        "-o",
        "target/it/x",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = run(&[
        "report",
        "fixtures/formats/text",
        "--pattern",
        "no groups",
        "-o",
        "target/it/x",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("code"), "{}", stderr(&o));
}

/// The whole formats tree (every container, record shape and level) gives
/// byte-identical reports whatever the threads, chunks and read path.
#[test]
fn the_formats_tree_reports_the_same_every_way() {
    let mut first: Option<Vec<String>> = None;
    for way in WAYS {
        let out = scratch("formats-tree-ways");
        let mut args = vec!["fixtures/formats"];
        args.extend_from_slice(way);
        let o = report(&out, &args);
        assert_eq!(o.status.code(), Some(0), "{way:?}: {}", stderr(&o));
        let got: Vec<String> =
            ["by_category.csv", "by_code_range.csv", "by_code.csv"]
                .iter()
                .map(|f| read(&out, f))
                .chain([stable_summary(&out).to_string()])
                .collect();
        match &first {
            None => first = Some(got),
            Some(want) => assert!(got == *want, "{way:?} differs"),
        }
    }
}

/// A later `records` member of a JSON document replaces an earlier one
/// (spec §3): the earlier member's records count nowhere, whether the run
/// counts calls (the default: their ids were counted in batches) or not,
/// with `--by` or without.
#[test]
fn a_later_records_member_replaces_the_earlier_in_every_plan() {
    let dir = scratch("records-twice");
    let record = |time: &str, code: u32, call: &str, endpoint: &str| {
        format!(
            "{{\"time\":\"{time}\",\"resultSignature\":{code},\
             \"correlationId\":\"{call}\",\
             \"properties\":{{\"endpointType\":\"{endpoint}\"}}}}"
        )
    };
    // More records than a batch of ids, so some were counted before the
    // second member came; on lines of their own, as exports write them
    // (read element by element).
    let first: Vec<String> = (0..70_000)
        .map(|i| record("2026-11-20T10:00:00Z", 410, &format!("c{i}"), "PSTN"))
        .collect();
    let second = record("2026-11-20T12:00:00Z", 500, "x", "Bot");
    let doc = format!(
        "{{\"records\":[\n{}\n],\n\"records\":[\n{second}\n]}}\n",
        first.join(",\n")
    );
    let input = dir.join("doc.json");
    std::fs::write(&input, doc).unwrap();
    let input = input.to_str().unwrap();
    let plans: [&[&str]; 4] = [
        &[],
        &["--no-distinct"],
        &["--by", "hour,endpoint_type"],
        &["--by", "endpoint_type", "--no-distinct"],
    ];
    for (i, plan) in plans.into_iter().enumerate() {
        let out = dir.join(format!("out{i}"));
        let mut args = vec![input];
        args.extend_from_slice(plan);
        let o = report(&out, &args);
        assert!(o.status.success(), "{plan:?}: {}", stderr(&o));
        let by_code = read(&out, "by_code.csv");
        let rows: Vec<&str> = by_code.lines().skip(1).collect();
        assert_eq!(rows.len(), 1, "{plan:?}:\n{by_code}");
        let distinct = !plan.contains(&"--no-distinct");
        let want = match (plan.contains(&"--by"), distinct) {
            (true, true) => ",Bot,Unknown,5xx,500,,1,1.000000,1,0,",
            (true, false) => "Bot,Unknown,5xx,500,,1,1.000000,,,",
            (false, true) => "Unknown,5xx,500,,1,1.000000,1,0,",
            (false, false) => "Unknown,5xx,500,,1,1.000000,,,",
        };
        assert!(rows[0].contains(want), "{plan:?}: {}", rows[0]);
        let summary = stable_summary(&out);
        assert_eq!(summary["counted"], 1, "{plan:?}");
        assert_eq!(summary["records"], 1, "{plan:?}");
    }
}
