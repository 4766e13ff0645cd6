//! Directory walks (spec §5): which files a walk reads (log names,
//! optionally compressed; no hidden files or folders), what it counts as
//! skipped, `--all-files`, and files named on the command line.

use std::io::Write as _;
use std::path::Path;

use calltally::report::SUMMARY_JSON;

use crate::util::{read, report, scratch, stderr};

fn put(dir: &Path, rel: &str, data: &[u8]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e =
        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// An incident folder as an on-call engineer leaves it: exports, a
/// console log, notes and a README quoting codes, an editor's hidden
/// files and a `.git` folder.
fn incident(dir: &Path) {
    put(dir, "PT1H.json", b"{\"code\":410,\"subCode\":3112}\n");
    put(dir, "export.JSONL", b"{\"code\":487,\"subCode\":0}\n");
    put(
        dir,
        "hub/capture.ndjson.gz",
        &gzip(b"{\"code\":480,\"subCode\":10037}\n"),
    );
    put(
        dir,
        "ACSCallSummary.csv",
        b"ParticipantEndReason,ParticipantEndSubCode\n603,0\n",
    );
    put(dir, "console.log", b"Call end reason=x, code=0, subCode=0\n");
    put(
        dir,
        "console.txt.zst",
        &zstd::encode_all(&b"code=500, subCode=560503\n"[..], 1).unwrap(),
    );
    // Not read by a walk: they quote codes but are not logs.
    put(dir, "notes.md", b"saw code: 500, subcode: 511404 twice\n");
    put(dir, "README", b"{\"code\":999}\n");
    put(dir, "screenshot.png", b"\x89PNG code=1\n");
    put(dir, ".scratch.json", b"{\"code\":998}\n");
    put(dir, ".git/objects/x.json", b"{\"code\":997}\n");
}

fn summary(out: &Path) -> serde_json::Value {
    serde_json::from_str(&read(out, SUMMARY_JSON)).unwrap()
}

fn codes(out: &Path) -> Vec<String> {
    let by_code = read(out, "by_code.csv");
    let mut v: Vec<String> = by_code
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            format!("{}/{}", f[2], f[3])
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_walk_reads_log_names_and_skips_notes_and_hidden_files() {
    let dir = scratch("walk-incident");
    let logs = dir.join("incident");
    incident(&logs);
    let out = dir.join("out");
    let o = report(&out, &[logs.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        codes(&out),
        ["0/0", "410/3112", "480/10037", "487/0", "500/560503", "603/0"]
    );
    let s = summary(&out);
    assert_eq!(s["inputs"]["files"], 6, "{s}");
    assert_eq!(s["inputs"]["skipped_files"], 5, "{s}");
    let skipped: Vec<String> = s["inputs"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let n = n.as_str().unwrap();
            n[n.find("incident/").unwrap() + 9..].to_owned()
        })
        .collect();
    assert_eq!(
        skipped,
        [
            ".git/objects/x.json",
            ".scratch.json",
            "README",
            "notes.md",
            "screenshot.png"
        ]
    );
}

#[test]
fn all_files_reads_every_file_of_a_walk() {
    let dir = scratch("walk-all");
    let logs = dir.join("incident");
    incident(&logs);
    let out = dir.join("out");
    let o = report(&out, &[logs.to_str().unwrap(), "--all-files"]);
    // The PNG holds no code but is text enough to be read; nothing fails.
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s = summary(&out);
    assert_eq!(s["inputs"]["files"], 11, "{s}");
    assert!(s["inputs"].get("skipped_files").is_none(), "{s}");
    let got = codes(&out);
    for code in ["500/511404", "999/", "998/", "997/", "1/"] {
        assert!(got.iter().any(|c| c == code), "{code} in {got:?}");
    }
}

#[test]
fn a_file_named_on_the_command_line_is_always_read() {
    let dir = scratch("walk-named");
    let logs = dir.join("incident");
    incident(&logs);
    let out = dir.join("out");
    let readme = logs.join("README");
    let hidden = logs.join(".scratch.json");
    let o =
        report(&out, &[readme.to_str().unwrap(), hidden.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(codes(&out), ["998/", "999/"]);
    // A hidden folder named on the command line is walked too (its own
    // name does not count, the names inside it do).
    let o = report(&out, &[logs.join(".git").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(codes(&out), ["997/"]);
}

#[test]
fn log_names_are_the_spec_list_optionally_compressed() {
    use calltally::is_log_name;
    use std::ffi::OsStr;
    for yes in [
        "PT1H.json",
        "PT05M_2.json",
        "a.jsonl",
        "a.NDJSON",
        "x.csv.gz",
        "app.log.zst",
        "notes.txt",
        "a.b.log",
    ] {
        assert!(is_log_name(OsStr::new(yes)), "{yes}");
    }
    for no in [
        "README",
        "README.md",
        "notes.md",
        "a.json.bak",
        "a.gz",
        "a.zst",
        "a.json.gz.gz",
        ".json",
        "json",
        "PT1H.bin",
        "a.log.bz2",
        "a.json~",
    ] {
        assert!(!is_log_name(OsStr::new(no)), "{no}");
    }
}
