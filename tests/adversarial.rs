//! Hostile input: each fixture of `fixtures/adversarial/` (made by
//! `fixtures/make_adversarial.py`) has a golden report; inputs that cannot
//! be committed (a 100 MB line, a symlink loop, an unreadable file, a FIFO)
//! are made here. Nothing crashes, hangs or loses count.

use std::os::unix::process::ExitStatusExt;

use std::path::Path;

use calltally::report::{BY_CODE, SUMMARY_JSON};

use crate::util::{
    cases, golden, read, report, run, scratch, stable_summary, stderr,
};

/// Each fixture and its expected exit code; the expected reports are
/// `FIXTURE.summary.json` and `FIXTURE.by_code.csv` beside the list.
const CASES: &str = "tests/golden/adversarial/cases.tsv";

#[test]
fn every_adversarial_fixture_has_a_golden_report() {
    let cases: Vec<(String, i32)> = cases(CASES)
        .into_iter()
        .map(|c| (c[0].clone(), c[1].parse().unwrap()))
        .collect();
    let dir = crate::util::root().join("fixtures/adversarial");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let listed: Vec<&str> = cases.iter().map(|c| &*c.0).collect();
    assert_eq!(names, listed, "a fixture without a case, or the reverse");
    for (name, code) in &cases {
        for way in
            [&["-j1"][..], &["-j2", "--no-mmap", "--chunk-size", "1000"]]
        {
            let out = scratch("adversarial");
            let path = format!("fixtures/adversarial/{name}");
            let mut args =
                vec!["report", &path, "-q", "-o", out.to_str().unwrap()];
            args.extend_from_slice(way);
            let o = run(&args);
            assert_eq!(o.status.signal(), None, "{name}: killed");
            assert_eq!(
                o.status.code(),
                Some(*code),
                "{name} {way:?}: {}",
                stderr(&o)
            );
            let mut s = stable_summary(&out);
            // Error messages name the input; the golden is path-free.
            for e in s["inputs"]["errors"].as_array_mut().unwrap() {
                e["path"] = name.to_string().into();
            }
            let text = serde_json::to_string_pretty(&s).unwrap() + "\n";
            golden(
                &format!("tests/golden/adversarial/{name}.summary.json"),
                &text,
            );
            golden(
                &format!("tests/golden/adversarial/{name}.by_code.csv"),
                &read(&out, BY_CODE),
            );
        }
    }
}

#[test]
fn a_100_mb_line_is_read_without_copies() {
    let dir = scratch("huge-line");
    let file = dir.join("huge.json");
    let mut data = Vec::with_capacity(101 << 20);
    data.extend_from_slice(br#"{"category":"CallSummary","properties":{"participantEndReason":"0","ParticipantEndSubCode":"0","ResultCategory":"Success","callDebuggingInfo":""#);
    data.resize(data.len() + (100 << 20), b'a');
    data.extend_from_slice(b"\"}}\n{\"code\":\"1\"}\n");
    std::fs::write(&file, &data).unwrap();
    drop(data);
    for way in [&["-j2"][..], &["-j1", "--no-mmap"]] {
        let out = dir.join("out");
        let mut args = vec![
            "report",
            file.to_str().unwrap(),
            "-q",
            // Above the 100 MB line (the default, 64 MiB, skips it).
            "--max-record-bytes",
            "200000000",
            "-o",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(way);
        let o = run(&args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let s: serde_json::Value =
            serde_json::from_str(&read(&out, SUMMARY_JSON)).unwrap();
        assert_eq!(s["counted"], 2);
        assert_eq!(s["lines"], 2);
        // One copy of the line in memory at most, with headroom for the
        // buffer's growth: well under three copies.
        let rss = s["peak_rss_mb"].as_f64().unwrap();
        assert!(rss < 320.0, "peak RSS {rss} MB for a 100 MB line ({way:?})");
    }
}

/// A tree `logs/` holding one good record (`a.json`) and an entry that
/// `make_bad` adds: the run reports it (exit 1, stderr naming `message`)
/// and still counts the good record.
fn tree_with_one_bad_entry(
    name: &str,
    make_bad: impl FnOnce(&Path),
    message: &str,
) {
    let dir = scratch(name);
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(logs.join("a.json"), "{\"code\":1}\n").unwrap();
    make_bad(&logs);
    let out = dir.join("out");
    let o = report(&out, &[logs.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains(message), "{}", stderr(&o));
    assert_eq!(stable_summary(&out)["counted"], 1);
}

#[test]
fn a_symlink_loop_is_reported_and_the_rest_counted() {
    tree_with_one_bad_entry(
        "loop",
        |logs| {
            std::fs::create_dir_all(logs.join("sub")).unwrap();
            std::os::unix::fs::symlink("..", logs.join("sub/up")).unwrap();
        },
        "symbolic link loop",
    );
}

#[test]
fn an_unreadable_file_is_reported_and_the_rest_counted() {
    tree_with_one_bad_entry(
        "unreadable",
        |logs| {
            let bad = logs.join("b.json");
            std::fs::write(&bad, "{\"code\":2}\n").unwrap();
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::Permissions::from_mode(0o000);
            std::fs::set_permissions(&bad, mode).unwrap();
            if std::fs::read(&bad).is_ok() {
                // Root reads anything: a dangling link is the unreadable
                // file.
                std::fs::remove_file(&bad).unwrap();
                std::os::unix::fs::symlink("/nonexistent/target", &bad)
                    .unwrap();
            }
        },
        "b.json",
    );
}

#[test]
fn a_fifo_in_a_tree_is_skipped_not_waited_on() {
    tree_with_one_bad_entry(
        "fifo",
        |logs| {
            // A log name: a walk reads only those (spec §5).
            let fifo = logs.join("pipe.log");
            let made = std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .expect("run mkfifo");
            assert!(made.success());
        },
        "not a regular file",
    );
}

#[test]
fn forcing_a_format_reads_binary_anyway() {
    let out = scratch("forced-binary");
    let o = report(
        &out,
        &["fixtures/adversarial/random-binary.bin", "--format", "jsonl"],
    );
    assert_eq!(o.status.code(), Some(0));
    let s = stable_summary(&out);
    assert!(s["malformed"].as_u64().unwrap() > 0);
    assert_eq!(
        s["lines"].as_u64().unwrap(),
        s["blank"].as_u64().unwrap() + s["malformed"].as_u64().unwrap()
    );
}

#[test]
fn a_hundred_thousand_distinct_pairs_are_counted() {
    let dir = scratch("many-keys");
    let file = dir.join("many.json");
    let mut data = String::new();
    for i in 0..100_000u32 {
        data.push_str(&format!(
            "{{\"code\":{},\"subCode\":{}}}\n",
            400 + i % 100,
            1_000_000 + i
        ));
    }
    std::fs::write(&file, data).unwrap();
    let out = dir.join("out");
    let o = report(&out, &[file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let by_code = read(&out, BY_CODE);
    assert_eq!(by_code.lines().count(), 100_001);
    let s = stable_summary(&out);
    assert_eq!(s["counted"], 100_000);
    // Pairs under a code with a code-only catalog row are documented
    // through that fallback; the rest are listed (the first 1000).
    let unknown =
        by_code.lines().filter(|l| l.ends_with(",false,none,,")).count();
    assert!(unknown > 50_000, "{unknown}");
    assert_eq!(s["undocumented_pairs"], unknown);
    assert_eq!(s["undocumented"].as_array().unwrap().len(), 1000);
}

#[test]
fn a_report_that_cannot_be_written_fails_cleanly() {
    let dir = scratch("write-fails");
    let out = dir.join("out");
    std::fs::create_dir_all(out.join(BY_CODE)).unwrap();
    let o = report(&out, &["fixtures/storage"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains(BY_CODE), "{}", stderr(&o));
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}
