//! `calltally diff OLD NEW` (spec §9) on two runs of the fixtures:
//! `diff.csv` golden and checked row by row against both runs'
//! `by_code.csv`, the terminal table's order and `-t`, the default output
//! directory, and the refusal of runs with different `--by`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::gates::rows;
use crate::util::{cmd, golden, read, report, scratch, stderr, stdout};

fn run(input: &str, extra: &[&str]) -> PathBuf {
    let out = scratch("diff-run");
    let mut args = vec![input];
    args.extend(extra);
    let o = report(&out, &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    out
}

fn diff(
    old: &Path,
    new: &Path,
    extra: &[&str],
) -> (PathBuf, std::process::Output) {
    let out = scratch("diff");
    let o = cmd()
        .arg("diff")
        .arg(old)
        .arg(new)
        .arg("-o")
        .arg(&out)
        .args(extra)
        .output()
        .unwrap();
    (out, o)
}

/// `by_code.csv` rows by key (dimension values and the key columns).
fn by_key(dir: &Path, dims: &[&str]) -> HashMap<Vec<String>, (f64, f64)> {
    rows(dir, "by_code.csv")
        .into_iter()
        .map(|r| {
            let mut key: Vec<String> =
                dims.iter().map(|d| r[*d].clone()).collect();
            for c in ["result_category", "code_range", "code", "subcode"] {
                key.push(r[c].clone());
            }
            (key, (r["count"].parse().unwrap(), r["share"].parse().unwrap()))
        })
        .collect()
}

/// Check every row of `diff.csv` against the two runs.
fn check_rows(out: &Path, old: &Path, new: &Path, dims: &[&str]) {
    let (a, b) = (by_key(old, dims), by_key(new, dims));
    let got = rows(out, "diff.csv");
    let mut keys: Vec<&Vec<String>> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(got.len(), keys.len(), "one row per key of either run");
    for r in &got {
        let mut key: Vec<String> =
            dims.iter().map(|d| r[*d].clone()).collect();
        for c in ["result_category", "code_range", "code", "subcode"] {
            key.push(r[c].clone());
        }
        let (co, so) = a.get(&key).copied().unwrap_or((0.0, 0.0));
        let (cn, sn) = b.get(&key).copied().unwrap_or((0.0, 0.0));
        let n = |c: &str| r[c].parse::<f64>().unwrap();
        assert_eq!((n("count_old"), n("count_new")), (co, cn), "{key:?}");
        assert_eq!(n("delta"), cn - co, "{key:?}: delta is new - old");
        assert!(
            (n("share_old") - so).abs() < 1e-6
                && (n("share_new") - sn).abs() < 1e-6
        );
        assert!(
            (n("delta_pp") - (sn - so) * 100.0).abs() < 2e-4,
            "{key:?}: delta_pp in points"
        );
        let status = match (a.contains_key(&key), b.contains_key(&key)) {
            (false, true) => "new",
            (true, false) => "gone",
            _ if co != cn => "changed",
            _ => "same",
        };
        assert_eq!(r["status"], status, "{key:?}");
    }
}

#[test]
fn diff_of_two_runs_without_dimensions() {
    let old = run("fixtures/formats/csv", &[]);
    let new = run("fixtures/formats", &[]);
    let (out, o) = diff(&old, &new, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    check_rows(&out, &old, &new, &[]);
    let csv = read(&out, "diff.csv");
    assert!(csv.starts_with(
        "result_category,code_range,code,subcode,count_old,count_new,delta,\
         share_old,share_new,delta_pp,status\n"
    ));
    for status in ["new", "changed"] {
        assert!(csv.contains(&format!(",{status}\n")), "a {status} row");
    }
    golden("tests/golden/diff/formats/diff.csv", &csv);
    // The table: largest |delta_pp| first.
    let text = stdout(&o);
    let table: String = text
        .lines()
        .filter(|l| !l.starts_with("written to "))
        .map(|l| format!("{l}\n"))
        .collect();
    golden("tests/golden/diff/formats/table.txt", &table);
    let pps: Vec<f64> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(6)?.parse().ok())
        .collect();
    assert!(pps.len() > 3, "{text}");
    assert!(pps.windows(2).all(|w| w[0].abs() >= w[1].abs()), "{text}");
    // -t hides changes under PCT points; diff.csv keeps every row.
    let (out_t, o) = diff(&old, &new, &["-t", "5"]);
    let kept: Vec<f64> = stdout(&o)
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(6)?.parse().ok())
        .collect();
    assert!(!kept.is_empty() && kept.len() < pps.len(), "{}", stdout(&o));
    assert!(kept.iter().all(|p| p.abs() >= 5.0), "{}", stdout(&o));
    assert_eq!(read(&out_t, "diff.csv"), csv);
}

#[test]
fn diff_of_two_runs_by_endpoint_type() {
    let by = ["--by", "endpoint_type"];
    let old = run(
        "fixtures/slicing/insights-logs-callsummary/resourceId=SUBSCRIPTIONS/\
         00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/RG1",
        &by,
    );
    let new = run("fixtures/slicing", &by);
    let (out, o) = diff(&old, &new, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    check_rows(&out, &old, &new, &["endpoint_type"]);
    golden("tests/golden/diff/slicing/diff.csv", &read(&out, "diff.csv"));
    // Same run twice: every row the same, no change in the table.
    let (out, o) = diff(&new, &new, &[]);
    assert!(rows(&out, "diff.csv").iter().all(|r| r["status"] == "same"));
    assert!(stdout(&o).starts_with("no changes\n"), "{}", stdout(&o));
}

#[test]
fn runs_with_different_dimensions_are_refused() {
    let old = run("fixtures/formats/csv", &[]);
    let new = run("fixtures/slicing", &["--by", "endpoint_type"]);
    let (out, o) = diff(&old, &new, &[]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("made with --by endpoint_type")
            && e.contains("has no --by"),
        "{e}"
    );
    assert!(!out.join("diff.csv").exists());
    let (_, o) = diff(&old, Path::new("no/such/dir"), &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no/such/dir: no such directory"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn diff_writes_into_the_current_directory_by_default() {
    let old = run("fixtures/formats/csv", &[]);
    let here = scratch("diff-cwd");
    let o = cmd()
        .current_dir(&here)
        .arg("diff")
        .arg(&old)
        .arg(&old)
        .arg("-q")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    assert!(rows(&here, "diff.csv").iter().all(|r| r["status"] == "same"));
}

/// The partial tally of a run over `input` (`report --partial FILE`).
fn partial_of(input: &str, extra: &[&str]) -> PathBuf {
    let dir = scratch("diff-partial");
    let file = dir.join("run.partial");
    let o = cmd()
        .arg("report")
        .arg(input)
        .arg("--partial")
        .arg(&file)
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    file
}

#[test]
fn partials_are_runs_for_diff_and_baselines() {
    // diff of two partials: the bytes of the diff of their report folders.
    let (old_dir, new_dir) =
        (run("fixtures/formats/csv", &[]), run("fixtures/formats", &[]));
    let (old_p, new_p) = (
        partial_of("fixtures/formats/csv", &[]),
        partial_of("fixtures/formats", &[]),
    );
    let (a, o) = diff(&old_dir, &new_dir, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (b, o) = diff(&old_p, &new_p, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(read(&a, "diff.csv"), read(&b, "diff.csv"));
    // A partial baseline measures what a folder baseline measures, and
    // more: a change in calls over several rows (a union of sketches,
    // which a report folder's estimates cannot give).
    let rules = ["Success:count > +50", "new:count > 0", "4xx:share > +0.3pp"];
    let gates = |baseline: &Path, extra: &[&str]| {
        let out = scratch("diff-gates");
        let mut args = vec!["fixtures/formats", "--baseline"];
        let b = baseline.to_str().unwrap().to_owned();
        args.push(&b);
        for r in rules {
            args.extend(["--warn-on", r]);
        }
        args.extend(extra);
        let o = report(&out, &args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        read(&out, "gates.json")
    };
    assert_eq!(gates(&old_dir, &[]), gates(&old_p, &[]));
    let out = gates(&old_p, &["--warn-on", "4xx:calls > +10%"]);
    assert!(out.contains("4xx:calls > +10%"), "{out}");
    // A file that is neither is refused, naming it.
    let junk = scratch("diff-junk").join("junk.bin");
    std::fs::write(&junk, b"not a partial").unwrap();
    let (_, o) = diff(&junk, &new_p, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("neither a report directory nor a partial"));
}

#[test]
fn markdown_and_html_show_the_largest_changes_against_the_baseline() {
    let old = run("fixtures/formats/csv", &[]);
    let dir = scratch("diff-human");
    let (md, html) = (dir.join("s.md"), dir.join("s.html"));
    let o = report(
        &dir.join("out"),
        &[
            "fixtures/formats",
            "--baseline",
            old.to_str().unwrap(),
            "--markdown",
            md.to_str().unwrap(),
            "--html",
            html.to_str().unwrap(),
            "--top",
            "3",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let md = std::fs::read_to_string(md).unwrap();
    let section = md
        .split("### Changes against the baseline")
        .nth(1)
        .expect("a changes section");
    let rows: Vec<&str> =
        section.lines().filter(|l| l.starts_with("| - |")).collect();
    assert_eq!(rows.len(), 3, "{section}");
    // The same order as `calltally diff`'s table: the largest |delta_pp|.
    let (_, d) = diff(&old, &dir.join("out"), &["--top", "1"]);
    let first = stdout(&d).lines().nth(1).unwrap().to_owned();
    let code = first.split_whitespace().nth(2).unwrap().to_owned();
    assert!(
        rows[0].contains(&format!("| {code} |")),
        "{first} vs {}",
        rows[0]
    );
    let html = std::fs::read_to_string(html).unwrap();
    assert_eq!(html.matches("<tr class=\"change\">").count(), 3);
    // Without a baseline there is no such section.
    let plain = scratch("diff-human");
    let md2 = plain.join("s.md");
    let o = report(
        &plain.join("out"),
        &["fixtures/formats", "--markdown", md2.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(!std::fs::read_to_string(md2)
        .unwrap()
        .contains("Changes against"));
}
