//! The command line: exit codes, messages, stdin, atomic output, the
//! catalog commands.

use std::io::Write;
use std::process::Stdio;

use calltally::report::{BY_CODE, CSV_FILES, REPORT_FILES};

use crate::util::{
    cmd, read, report, run, scratch, stable_summary, stderr, stdout,
};

const H11: &str = "fixtures/storage/insights-logs-callsummary/resourceId=/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/ACS-RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS-PROD/y=2024/m=05/d=02/h=11/m=00/PT1H.json";
const DIAG: &str = "fixtures/storage/insights-logs-calldiagnostics";

#[test]
fn exit_0_and_a_human_summary_on_success() {
    let out = scratch("exit0");
    let o = run(&[
        "report",
        "fixtures/storage",
        "-v",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("99 records, 84 counted, 15 without code, 11 malformed"),
        "{text}"
    );
    assert!(text.contains("410/3112"), "{text}");
    assert!(text.contains("Call setup failed"), "{text}");
    // Malformed records are reported with file and line (all of them
    // with -v).
    let err = stderr(&o);
    assert!(
        err.contains("h=11/m=00/PT1H.json:8: code \"abc\" is not an integer"),
        "{err}"
    );
    for f in REPORT_FILES {
        assert!(out.join(f).is_file(), "{f}");
    }
}

#[test]
fn exit_2_on_bad_usage() {
    for args in [
        &["report"][..],
        &["report", "--threads", "many", "x"],
        &["report", "--format", "xml", "x"],
        &["frobnicate"],
        &["explain"],
        &["explain", "4x0"],
        &["explain", "410", "abc"],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).is_empty());
    }
}

#[test]
fn exit_1_for_a_missing_input_but_the_rest_is_reported() {
    let out = scratch("missing");
    let o = report(&out, &[DIAG, "no/such/file.json"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("no/such/file.json"), "{err}");
    let s = stable_summary(&out);
    assert_eq!(s["without_code"], 8);
    assert_eq!(s["inputs"]["errors"][0]["path"], "no/such/file.json");
}

#[test]
fn strict_fails_on_the_first_malformed_record_and_writes_nothing() {
    let out = scratch("strict");
    let o = run(&["report", "--strict", H11, "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("h=11/m=00/PT1H.json:3: malformed record: invalid JSON"),
        "{err}"
    );
    assert!(!out.join(BY_CODE).exists());
    // Clean input passes --strict.
    let o = report(&out, &["--strict", DIAG]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn exit_1_when_the_output_cannot_be_written() {
    let dir = scratch("unwritable");
    let file = dir.join("a-file");
    std::fs::write(&file, "x").unwrap();
    let o = report(&file, &[DIAG]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("cannot write"), "{}", stderr(&o));
}

#[test]
fn reports_are_replaced_atomically() {
    let out = scratch("replace");
    let o1 = report(&out, &["fixtures/storage"]);
    assert_eq!(o1.status.code(), Some(0));
    let o2 = report(&out, &[DIAG]);
    assert_eq!(o2.status.code(), Some(0));
    // The second run replaced every report; no temporary file is left.
    assert_eq!(
        read(&out, BY_CODE),
        "result_category,code_range,code,subcode,count,share,calls,participants,known,match,summary,advice\n"
    );
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want = REPORT_FILES;
    want.sort();
    assert_eq!(names, want, "{names:?}");
}

#[test]
fn stdin_gives_the_same_reports_as_the_file() {
    let a = scratch("stdin-file");
    let b = scratch("stdin-pipe");
    let o = report(&a, &[H11]);
    assert_eq!(o.status.code(), Some(0));
    let mut child = cmd()
        .args(["report", "-", "-q", "-o", b.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let data = std::fs::read(crate::util::root().join(H11)).unwrap();
    child.stdin.take().unwrap().write_all(&data).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for f in CSV_FILES {
        assert_eq!(read(&a, f), read(&b, f), "{f}");
    }
    assert!(stderr(&o).contains("<stdin>:3: invalid JSON"), "{}", stderr(&o));
}

#[test]
fn broken_pipe_exits_quietly() {
    let mut child = cmd()
        .args(["catalog"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stderr(&o), "");
}

#[test]
fn catalog_prints_the_embedded_csv() {
    let o = run(&["catalog"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert_eq!(text.lines().count(), 377);
    assert!(text
        .starts_with("code,subcode,result_category,source,summary,advice\n"));
    let o = run(&["catalog", "--source", "pstn"]);
    assert_eq!(stdout(&o).lines().count(), 21);
    assert!(stdout(&o).lines().skip(1).all(|l| l.contains(",pstn,")));
}

#[test]
fn a_team_catalog_overrides_rows_in_reports() {
    let dir = scratch("team-catalog");
    let cat = dir.join("team.csv");
    std::fs::write(
        &cat,
        "code,subcode,result_category,source,summary,advice\n\
         499,99999,ExpectedError,team,Our gateway's retry code,Ignore\n",
    )
    .unwrap();
    let out = dir.join("out");
    let o = run(&[
        "report",
        "fixtures/storage",
        "-q",
        "--catalog",
        cat.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let by_code = read(&out, BY_CODE);
    assert!(
        by_code.contains("ExpectedError,4xx,499,99999,1,0.011905,1,1,true,exact,Our gateway's retry code,Ignore\n"),
        "{by_code}"
    );
    // A bad catalog is an error naming the line.
    std::fs::write(
        &cat,
        "code,subcode,result_category,source,summary,advice\n4x9,,,,a,b\n",
    )
    .unwrap();
    let o = run(&[
        "report",
        DIAG,
        "--catalog",
        cat.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("team.csv:2: code \"4x9\" is not an integer"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn directories_are_walked_in_sorted_order() {
    let dir = scratch("walk");
    for (name, code) in [("b/2.json", 2), ("a/1.json", 1), ("c.json", 3)] {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, format!("{{\"code\":\"x{code}\"}}\n")).unwrap();
    }
    let out = dir.join("out");
    let o = report(&out, &[dir.to_str().unwrap()]);
    let err = stderr(&o);
    let pos = |s: &str| err.find(s).unwrap_or_else(|| panic!("{s} in {err}"));
    assert!(pos("a/1.json") < pos("b/2.json"));
    assert!(pos("b/2.json") < pos("c.json"));
}

#[test]
fn completions_and_the_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = run(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", stderr(&o));
        let text = stdout(&o);
        assert!(text.contains("calltally"), "{shell}");
        assert!(
            text.contains("since") && text.contains("max-groups"),
            "{shell}: report options"
        );
    }
    assert_eq!(run(&["completions", "tcsh"]).status.code(), Some(2));
    let o = run(&["man"]);
    assert_eq!(o.status.code(), Some(0));
    let page = stdout(&o);
    assert!(page.contains(".TH calltally 1"), "{page}");
    assert!(page.contains("report"), "subcommands listed");
}
