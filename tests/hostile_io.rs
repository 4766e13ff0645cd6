//! Issue 12, hostile input: the report set replaced as a whole (races,
//! failures, Ctrl-C), report file modes, the output directory checked
//! before reading, walks that skip reports and read a file once, and
//! output hygiene (formula cells, escaped terminal text, closed stderr,
//! bounded `-j`, catalog and kinds).

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use calltally::report::{CSV_FILES, REPORT_FILES, SUMMARY_JSON};

use crate::util::{cmd, read, report, run, scratch, stderr, stdout};

/// A JSON Lines record of log kind `kind` with `code`/`subcode`.
fn line(kind: &str, code: u32, subcode: u32) -> String {
    format!(
        r#"{{"category":"{kind}","properties":{{"participantEndReason":"{code}","ParticipantEndSubCode":"{subcode}"}}}}"#
    )
}

/// Write a log of `n` records of (`code`, `subcode`).
fn log(path: &Path, n: usize, code: u32, subcode: u32) -> PathBuf {
    let mut text = String::new();
    for _ in 0..n {
        text.push_str(&line("CallSummary", code, subcode));
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
    path.to_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The report files of `dir`: (name, bytes), `summary.json` reduced to
/// its counts (the rest changes from run to run).
fn set(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> =
        CSV_FILES.iter().map(|f| (f.to_string(), read(dir, f))).collect();
    let v: serde_json::Value =
        serde_json::from_str(&read(dir, SUMMARY_JSON)).unwrap();
    files.push((SUMMARY_JSON.into(), v["counted"].to_string()));
    files
}

/// Names in `dir` that are neither reports nor expected.
fn strays(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !REPORT_FILES.contains(&n.as_str()))
        .collect()
}

fn spawn_report(out: &Path, args: &[&str], delay_ms: u64) -> Child {
    cmd()
        .arg("report")
        .args(args)
        .args(["-q", "-o", s(out)])
        .env("CALLTALLY_TEST_COMMIT_DELAY_MS", delay_ms.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn racing_runs_leave_one_runs_report_set() {
    let dir = scratch("race");
    let a = log(&dir.join("a.json"), 3, 0, 0);
    let b = log(&dir.join("b.json"), 5, 410, 3112);
    let (want_a, want_b) = (dir.join("want-a"), dir.join("want-b"));
    assert_eq!(report(&want_a, &[s(&a)]).status.code(), Some(0));
    assert_eq!(report(&want_b, &[s(&b)]).status.code(), Some(0));
    let (want_a, want_b) = (set(&want_a), set(&want_b));
    let out = dir.join("out");
    for round in 0..25 {
        // Debug builds pause between renames when asked, so that the
        // commits overlap if nothing keeps them apart.
        let delay = if round % 2 == 0 { 5 } else { 0 };
        let first = spawn_report(&out, &[s(&a)], delay);
        let second = spawn_report(&out, &[s(&b)], delay);
        for child in [first, second] {
            let o = child.wait_with_output().unwrap();
            assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        }
        let got = set(&out);
        assert!(
            got == want_a || got == want_b,
            "round {round}: a mix {got:?}"
        );
        assert_eq!(strays(&out), Vec::<String>::new());
    }
}

#[test]
fn a_run_that_reads_nothing_writes_nothing() {
    let dir = scratch("reads-nothing");
    let a = log(&dir.join("a.json"), 3, 0, 0);
    let out = dir.join("out");
    assert_eq!(report(&out, &[s(&a)]).status.code(), Some(0));
    let before = set(&out);
    let missing = dir.join("missing.json");
    let o = report(&out, &[s(&missing)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("missing.json"), "{}", stderr(&o));
    assert!(stderr(&o).contains("no input could be read"), "{}", stderr(&o));
    assert_eq!(set(&out), before);
    // Nor is a new output directory created.
    let fresh = dir.join("fresh");
    assert_eq!(report(&fresh, &[s(&missing)]).status.code(), Some(1));
    assert!(!fresh.exists());
}

#[test]
fn a_report_that_cannot_be_replaced_leaves_the_earlier_set() {
    let dir = scratch("blocked-summary");
    let a = log(&dir.join("a.json"), 3, 0, 0);
    let b = log(&dir.join("b.json"), 5, 410, 3112);
    let out = dir.join("out");
    assert_eq!(report(&out, &[s(&a)]).status.code(), Some(0));
    let before: Vec<String> =
        CSV_FILES.iter().map(|f| read(&out, f)).collect();
    // summary.json cannot be replaced: a folder is in its place.
    std::fs::remove_file(out.join(SUMMARY_JSON)).unwrap();
    std::fs::create_dir(out.join(SUMMARY_JSON)).unwrap();
    std::fs::write(out.join(SUMMARY_JSON).join("x"), "x").unwrap();
    let o = report(&out, &[s(&b)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains(SUMMARY_JSON), "{}", stderr(&o));
    let after: Vec<String> = CSV_FILES.iter().map(|f| read(&out, f)).collect();
    assert_eq!(after, before, "the CSVs were replaced");
    let mut strays = strays(&out);
    strays.retain(|n| n != SUMMARY_JSON);
    assert_eq!(strays, Vec::<String>::new());
}

#[test]
fn ctrl_c_during_the_commit_leaves_a_complete_set() {
    let dir = scratch("ctrl-c-commit");
    let a = log(&dir.join("a.json"), 3, 0, 0);
    let b = log(&dir.join("b.json"), 5, 410, 3112);
    let (out, want_b) = (dir.join("out"), dir.join("want-b"));
    assert_eq!(report(&out, &[s(&a)]).status.code(), Some(0));
    assert_eq!(report(&want_b, &[s(&b)]).status.code(), Some(0));
    let (want_a, want_b) = (set(&out), set(&want_b));
    let child = spawn_report(&out, &[s(&b)], 400);
    // Wait until the first report is renamed into place (its temporary
    // file is gone, the others are still staged), then interrupt.
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        let staged =
            strays(&out).iter().filter(|n| n.ends_with(".tmp")).count();
        if read(&out, CSV_FILES[0]) != want_a[0].1 && staged > 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert_eq!(set(&out), want_b, "a mix of two runs");
    assert_eq!(strays(&out), Vec::<String>::new());
}

#[test]
fn report_files_get_the_usual_mode() {
    let dir = scratch("mode");
    let a = log(&dir.join("a.json"), 3, 0, 0);
    for (umask, mode) in [("022", 0o644), ("002", 0o664)] {
        let out = dir.join(format!("out-{umask}"));
        let script =
            format!("umask {umask}; exec \"$0\" report -q -o \"$1\" \"$2\"");
        let o = std::process::Command::new("sh")
            .args(["-c", &script, env!("CARGO_BIN_EXE_calltally")])
            .args([s(&out), s(&a)])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        for f in REPORT_FILES {
            let m = std::fs::metadata(out.join(f)).unwrap();
            assert_eq!(m.permissions().mode() & 0o777, mode, "{f} {umask}");
        }
    }
}

#[test]
fn an_unwritable_output_fails_before_reading() {
    let dir = scratch("unwritable");
    let file = dir.join("a-file");
    std::fs::write(&file, "x").unwrap();
    let out = file.join("out");
    // Standard input never ends: only a check before reading can end it.
    let mut child = cmd()
        .args(["report", "-", "-q", "-o", s(&out)])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(10) {
            child.kill().unwrap();
            panic!("still reading: the output was not checked first");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains(s(&out)), "{err}");
    // The OS error is said once.
    assert_eq!(err.matches("os error").count(), 1, "{err}");
}

#[test]
fn walks_skip_their_own_reports_and_earlier_ones() {
    let dir = scratch("walk-skip");
    log(&dir.join("a.json"), 3, 0, 0);
    let out = dir.join("calltally-report");
    let counted = |o: &Output| {
        assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
        let v: serde_json::Value =
            serde_json::from_str(&read(&out, SUMMARY_JSON)).unwrap();
        v
    };
    let first = counted(&report(&out, &[s(&dir)]));
    assert_eq!(first["counted"], 3);
    assert!(first["inputs"].get("skipped_files").is_none());
    // An earlier report set elsewhere in the tree.
    let old = dir.join("old-reports");
    std::fs::create_dir(&old).unwrap();
    for f in REPORT_FILES {
        std::fs::copy(out.join(f), old.join(f)).unwrap();
    }
    // A log inside a report folder's subfolder is skipped with it.
    std::fs::create_dir(old.join("sub")).unwrap();
    log(&old.join("sub").join("c.json"), 4, 0, 0);
    let second = counted(&report(&out, &[s(&dir)]));
    assert_eq!(second["counted"], 3, "{second}");
    assert_eq!(second["inputs"]["files"], 1);
    assert_eq!(second["inputs"]["skipped_files"], 9, "{second}");
    // A summary.json that is not calltally's does not hide its folder.
    let other = dir.join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join(SUMMARY_JSON), r#"{"tool": "x"}"#).unwrap();
    log(&other.join("b.json"), 2, 0, 0);
    let third = counted(&report(&out, &[s(&dir)]));
    assert_eq!(third["counted"], 5, "{third}");
}

#[test]
fn a_file_reached_twice_is_read_once() {
    let dir = scratch("twice");
    let a = log(&dir.join("a.json"), 3, 0, 0);
    let out = dir.join("out");
    let o = report(&out, &[s(&a), s(&dir), s(&a)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value =
        serde_json::from_str(&read(&out, SUMMARY_JSON)).unwrap();
    assert_eq!(v["records"], 3, "{v}");
    assert_eq!(v["inputs"]["files"], 1);
    let err = stderr(&o);
    assert_eq!(err.matches("read once").count(), 2, "{err}");
}

/// A catalog with one row for 499/1 whose texts are `summary`, `advice`.
fn catalog(dir: &Path, summary: &str, advice: &str) -> PathBuf {
    let path = dir.join("team.csv");
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record([
        "code",
        "subcode",
        "result_category",
        "source",
        "summary",
        "advice",
    ])
    .unwrap();
    w.write_record([
        "499",
        "1",
        "UnexpectedClientError",
        "team",
        summary,
        advice,
    ])
    .unwrap();
    w.flush().unwrap();
    path
}

#[test]
fn formula_text_from_a_catalog_gets_a_quote() {
    let dir = scratch("formula");
    let a = log(&dir.join("a.json"), 1, 499, 1);
    for (text, want) in [
        ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"\"x\"\")"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
    ] {
        // (A catalog cell is trimmed, so a leading tab or CR cannot come
        // from one: `render::csv`'s unit test covers those.)
        let cat = catalog(&dir, text, text);
        let out = dir.join("out");
        let o = report(&out, &[s(&a), "--catalog", s(&cat)]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let by_code = read(&out, CSV_FILES[2]);
        assert!(
            by_code.contains(&format!(",true,exact,{want},"))
                || by_code.contains(&format!(",true,exact,\"{want}\",")),
            "{text:?} in {by_code:?}"
        );
    }
}

#[test]
fn control_characters_never_reach_the_terminal() {
    let dir = scratch("escapes");
    // Catalog text with an escape sequence, shown in the run summary.
    let a = log(&dir.join("a.json"), 1, 499, 1);
    let cat = catalog(&dir, "red \u{1b}[31m text \u{1b}]0;title\u{7}", "x");
    let out = dir.join("out");
    let o = run(&["report", s(&a), "--catalog", s(&cat), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stdout(&o).contains('\u{1b}'), "{}", stdout(&o));
    assert!(stdout(&o).contains("red \\u{1b}[31m text"), "{}", stdout(&o));
    let o = run(&["explain", "499/1", "--catalog", s(&cat)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stdout(&o).contains('\u{1b}'), "{}", stdout(&o));
    assert!(stdout(&o).contains("red \\u{1b}[31m text"), "{}", stdout(&o));
    // A file name with a newline and an escape, holding a malformed line:
    // its warning stays one line.
    let sub = dir.join("logs");
    std::fs::create_dir(&sub).unwrap();
    let evil = sub.join("x\ncalltally: error: forged\u{1b}[2J.json");
    std::fs::write(&evil, "{not json\n").unwrap();
    let o = report(&dir.join("out2"), &[s(&sub)]);
    let err = stderr(&o);
    assert!(!err.contains('\u{1b}'), "{err:?}");
    assert!(
        !err.lines().any(|l| l.starts_with("calltally: error: forged")),
        "{err:?}"
    );
    assert!(
        err.contains("x\\ncalltally: error: forged\\u{1b}[2J.json"),
        "{err:?}"
    );
}

#[test]
fn a_closed_stderr_never_panics() {
    let dir = scratch("closed-stderr");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{not json\n{\"a\":1}\n").unwrap();
    let missing = dir.join("missing.json");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let o = cmd()
        .args(["report", s(&bad), s(&missing), "-q", "-o"])
        .arg(dir.join("out"))
        .stderr(writer)
        .output()
        .unwrap();
    assert_eq!(o.status.signal(), None);
    // The missing input still fails the run, quietly; no panic (101).
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn too_many_threads_is_a_usage_error() {
    let dir = scratch("threads");
    let a = log(&dir.join("a.json"), 1, 0, 0);
    let start = Instant::now();
    let o = report(&dir.join("out"), &[s(&a), "-j", "1000000000"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("1024"), "{}", stderr(&o));
    assert!(start.elapsed() < Duration::from_secs(10));
    let o = report(&dir.join("out"), &[s(&a), "-j", "1024"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn an_endless_catalog_file_is_refused() {
    let dir = scratch("endless-catalog");
    let a = log(&dir.join("a.json"), 1, 0, 0);
    // Bounded address space: a reader without a limit fails here instead
    // of filling the machine's memory.
    let o = std::process::Command::new("sh")
        .args([
            "-c",
            "ulimit -v 2000000; exec \"$0\" report -q --catalog /dev/zero -o \"$1\" \"$2\"",
            env!("CARGO_BIN_EXE_calltally"),
        ])
        .arg(dir.join("out"))
        .arg(&a)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("/dev/zero"), "{}", stderr(&o));
    assert!(stderr(&o).contains("larger than 16 MiB"), "{}", stderr(&o));
}

#[test]
fn summary_json_lists_at_most_1000_clipped_kinds() {
    let dir = scratch("kinds");
    let path = dir.join("kinds.json");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let long = "K".repeat(50_000);
    writeln!(f, "{}", line(&long, 0, 0)).unwrap();
    for i in 0..1500 {
        writeln!(f, "{}", line(&format!("kind{i:04}"), 0, 0)).unwrap();
        if i < 10 {
            writeln!(f, "{}", line(&format!("kind{i:04}"), 0, 0)).unwrap();
        }
    }
    drop(f);
    let out = dir.join("out");
    let o = report(&out, &[s(&path)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value =
        serde_json::from_str(&read(&out, SUMMARY_JSON)).unwrap();
    let kinds = v["kinds"].as_array().unwrap();
    assert_eq!(kinds.len(), 1000);
    let total: u64 =
        kinds.iter().map(|k| k["records"].as_u64().unwrap()).sum();
    assert_eq!(total, 1511);
    assert_eq!(kinds[0]["kind"], "kind0000");
    assert_eq!(kinds[0]["records"], 2);
    let last = &kinds[999];
    assert_eq!(last["kind"], "(other)");
    assert_eq!(last["records"], 1511 - 10 * 2 - 989);
    for k in kinds {
        assert!(k["kind"].as_str().unwrap().len() <= 256);
    }
    assert!(read(&out, SUMMARY_JSON).len() < 200_000);
}
