//! Slicing (spec §7) on `fixtures/slicing/` (made by
//! `fixtures/make_slicing.py`): golden reports for each case of
//! `tests/golden/slicing/cases.tsv`, the same bytes at every thread count,
//! chunk size and read path, pruning of storage-export paths, the
//! `--max-groups` bound, and the counts of `--by hour,endpoint_type`
//! against a plain reading of the fixture written here, independently of
//! the library.

use std::collections::BTreeMap;

use crate::util::{
    golden, golden_cases, read, report, report_counts, scratch,
    stable_summary, stderr,
};

const FIXTURE: &str = "fixtures/slicing";

#[test]
fn every_case_has_golden_reports_at_every_thread_count_and_path() {
    golden_cases("slicing", &[FIXTURE], "500", |name, out| {
        let mut s = stable_summary(out);
        s["inputs"]["bytes"] = 0.into();
        golden(
            &format!("tests/golden/slicing/{name}/summary.json"),
            &(serde_json::to_string_pretty(&s).unwrap() + "\n"),
        );
    });
}

/// The accounting identity of spec §4 with filtered records.
#[test]
fn filtered_records_keep_the_identity() {
    let out = scratch("slicing-identity");
    let o = report(
        &out,
        &[
            FIXTURE,
            "--since",
            "2026-11-20T10:00:00Z",
            "--where",
            "endpoint_type=VoIP",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s = stable_summary(&out);
    let n = |k: &str| s[k].as_u64().unwrap();
    assert_eq!(n("records"), n("counted") + n("without_code") + n("filtered"));
    let by = &s["filtered_by"];
    let sum: u64 = ["outside_window", "no_time", "by_where"]
        .iter()
        .map(|k| by[k].as_u64().unwrap())
        .sum();
    assert_eq!(sum, n("filtered"));
    assert!(
        by["no_time"].as_u64().unwrap() > 0,
        "the fixture has records without a time"
    );
    assert!(by["by_where"].as_u64().unwrap() > 0);
}

/// A window at the end of the tree opens only the blobs that can hold its
/// records; the late 08:55 record in the 11:00 blob is still found.
#[test]
fn storage_paths_are_pruned_soundly() {
    let out = scratch("slicing-prune");
    let o = report(&out, &[FIXTURE, "--since", "2026-11-21T00:00:00Z"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s = stable_summary(&out);
    // 2 resources x 5 hourly blobs: only the two 00:00 blobs of the 21st
    // can hold such records (the 23:00 blobs end at midnight): the two
    // `d=20` folders, with the other 8 blobs, are not entered; the CSV has
    // no partitions and is read.
    assert_eq!(s["inputs"]["pruned_folders"], 2, "{s}");
    assert_eq!(s["inputs"]["pruned_files"], 0, "{s}");
    assert_eq!(s["inputs"]["files"], 3);
    let late = scratch("slicing-late");
    let o = report(
        &late,
        &[
            FIXTURE,
            "--since",
            "2026-11-20T08:55:00Z",
            "--until",
            "2026-11-20T08:56:00Z",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s = stable_summary(&late);
    assert_eq!(s["counted"], 2, "one late record per resource: {s}");
}

#[test]
fn too_many_groups_is_an_error_naming_the_dimension() {
    let out = scratch("slicing-max");
    let o = report(
        &out,
        &[FIXTURE, "--by", "call_type,hour", "--max-groups", "5"],
    );
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("more than 5 groups") && e.contains("--by hour"),
        "{e}"
    );
    assert!(!out.join("by_code.csv").exists(), "nothing written");
}

#[test]
fn bad_slicing_words_are_usage_errors() {
    for bad in [
        &["--by", "planet"][..],
        &["--by", "hour,hour"],
        &["--since", "soon"],
        &["--where", "os"],
        &["--since", "2026-11-21", "--until", "2026-11-20"],
        &["--by", "field:properties"],
    ] {
        let out = scratch("slicing-bad");
        let mut a = vec![FIXTURE];
        a.extend_from_slice(bad);
        let o = report(&out, &a);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", stderr(&o));
    }
}

// --- an independent plain reading of the fixture ---------------------------

/// Days since 1970-01-01 of a civil date.
fn days(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// The UTC hour bucket of the fixture's time forms, or `unknown`.
fn hour_bucket(t: Option<&str>) -> String {
    let Some(t) = t else { return "unknown".into() };
    let n =
        |a: usize, b: usize| t.get(a..b).and_then(|s| s.parse::<i64>().ok());
    let parsed = (|| {
        if t.contains('/') {
            // 11/20/2026, 7:24:56.645 AM
            let (date, clock) = t.split_once(", ")?;
            let mut d = date.split('/').map(|x| x.parse::<i64>().ok());
            let (mo, da, y) = (d.next()??, d.next()??, d.next()??);
            let h12: i64 = clock.split(':').next()?.parse().ok()?;
            let pm = clock.ends_with("PM");
            let h = h12 % 12 + if pm { 12 } else { 0 };
            return Some(days(y, mo, da) * 24 + h);
        }
        let (y, mo, d, h) = (n(0, 4)?, n(5, 7)?, n(8, 10)?, n(11, 13)?);
        let off = if t.ends_with("+02:00") { 2 } else { 0 };
        Some(days(y, mo, d) * 24 + h - off)
    })();
    match parsed {
        None => "unknown".into(),
        Some(hours) => {
            let (d, h) = (hours.div_euclid(24), hours.rem_euclid(24));
            // Back to a date: count forward from 2026-01-01 (the fixture's year).
            let mut day = days(2026, 1, 1);
            let (mut y, mut m, mut dd) = (2026, 1, 1);
            while day < d {
                day += 1;
                dd += 1;
                let len = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
                    [(m - 1) as usize];
                if dd > len {
                    dd = 1;
                    m += 1;
                    if m > 12 {
                        m = 1;
                        y += 1;
                    }
                }
            }
            format!("{y:04}-{m:02}-{dd:02}T{h:02}:00:00Z")
        }
    }
}

fn endpoint(v: Option<&str>) -> String {
    match v.map(str::trim) {
        None | Some("null") | Some("") => "(none)".into(),
        Some(v) if v.eq_ignore_ascii_case("voip") => "VoIP".into(),
        Some(v) if v.eq_ignore_ascii_case("bot") => "Bot".into(),
        Some(v) => v.into(),
    }
}

/// Counted records per [hour, endpoint type], read from the fixture's
/// files with serde_json and the rules of spec §7 as written.
fn plain_counts() -> BTreeMap<Vec<String>, u64> {
    let mut counts = BTreeMap::new();
    let root = crate::util::root().join(FIXTURE);
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            if p.extension().is_some_and(|x| x == "csv") {
                for line in text.lines().skip(1) {
                    let (t, rest) = line
                        .strip_prefix('"')
                        .unwrap()
                        .split_once("\",")
                        .unwrap();
                    let cells: Vec<&str> = rest.split(',').collect();
                    *counts
                        .entry(vec![
                            hour_bucket(Some(t)),
                            endpoint(Some(cells[2])),
                        ])
                        .or_insert(0) += 1;
                }
                continue;
            }
            for line in text.lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                let props = &v["properties"];
                let t = v["time"].as_str();
                let ep = props["endpointType"].as_str();
                *counts
                    .entry(vec![hour_bucket(t), endpoint(ep)])
                    .or_insert(0) += 1;
            }
        }
    }
    counts
}

#[test]
fn hour_and_endpoint_counts_match_a_plain_reading() {
    let got = report_counts(
        &[FIXTURE, "--by", "hour,endpoint_type"],
        "by_category.csv",
        &[0, 1],
        3,
    );
    let want = plain_counts();
    assert_eq!(got, want);
    assert!(want.keys().any(|k| k[0] == "unknown"));
    assert!(
        want.keys().any(|k| k[0] == "2026-11-20T23:00:00Z"),
        "the +02:00 forms cross midnight"
    );
}

#[test]
fn code_totals_over_groups_count_each_call_once() {
    // With --by, a code's calls over the whole run come from the union of
    // its rows' sketches: the same figure as a run without --by (not a sum,
    // not the largest group's figure).
    let by = scratch("slicing");
    let md = by.join("s.md");
    let o = report(
        &by,
        &[
            FIXTURE,
            "--by",
            "hour,endpoint_type",
            "--markdown",
            md.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let plain = scratch("slicing");
    assert_eq!(report(&plain, &[FIXTURE]).status.code(), Some(0));
    let calls: BTreeMap<String, String> = read(&plain, "by_code.csv")
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (format!("{}/{}", f[2], f[3]), f[6].to_owned())
        })
        .collect();
    let md = std::fs::read_to_string(md).unwrap();
    let section = md.split("### Top failing codes").nth(1).unwrap();
    let mut checked = 0;
    for row in section
        .lines()
        .filter(|l| l.starts_with("| 4") || l.starts_with("| 5"))
    {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert_eq!(Some(&cells[5].to_owned()), calls.get(cells[1]), "{row}");
        checked += 1;
    }
    assert!(checked >= 2, "{section}");
}
