//! Hostile input, the reading side (issue 12): nothing is lost silently and
//! memory stays bounded. Each case failed before the fix (silently counting
//! less, or holding unbounded memory).

use std::io::Write;
use std::path::{Path, PathBuf};

use calltally::report::SUMMARY_JSON;

use crate::util::{read, report, scratch, stderr};

/// `n` JSON Lines records with codes 0, 1, 2, ….
fn records(n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| format!("{{\"code\":{}}}\n", i % 3))
        .collect::<String>()
        .into_bytes()
}

fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

/// Run a report over `path` each way (map, plain reads); check the exit
/// code and return each summary.
fn summaries(
    path: &Path,
    code: i32,
    extra: &[&str],
) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for way in [&["-j1"][..], &["-j2", "--no-mmap", "--chunk-size", "1000"]] {
        let dir = scratch("hostile-out");
        let mut args = vec![path.to_str().unwrap()];
        args.extend_from_slice(way);
        args.extend_from_slice(extra);
        let o = report(&dir, &args);
        assert_eq!(
            o.status.code(),
            Some(code),
            "{path:?} {way:?}: {}",
            stderr(&o)
        );
        out.push(serde_json::from_str(&read(&dir, SUMMARY_JSON)).unwrap());
    }
    out
}

#[test]
fn jsonl_whose_first_line_is_an_array_is_jsonl() {
    let dir = scratch("hostile");
    // The first line is a batch of events: its elements are records.
    for (first, counted, malformed) in
        [("[]", 1000, 0), ("[\"x\"]", 1000, 1), ("[{\"code\":1}]", 1001, 0)]
    {
        let mut data = format!("{first}\n").into_bytes();
        data.extend(records(1000));
        let p = write(&dir, "a.jsonl", &data);
        for s in summaries(&p, 0, &[]) {
            assert_eq!(s["counted"], counted, "{first}: {s}");
            assert_eq!(s["malformed"], malformed, "{first}: {s}");
            assert_eq!(s["envelopes"], 1, "{first}: {s}");
            assert_eq!(s["lines"], 1001, "{first}");
        }
    }
}

#[test]
fn a_bad_document_element_does_not_hide_the_ones_after_it() {
    let dir = scratch("hostile");
    let good: Vec<Vec<u8>> =
        (0..5).map(|i| format!("{{\"code\":{i}}}").into_bytes()).collect();
    let deep = format!("{{\"x\":{}{}}}", "[".repeat(200), "]".repeat(200));
    let bads: [&[u8]; 4] =
        [b"tru", b"{\"code\":\"\xff\"}", deep.as_bytes(), b"{\"code\":1,}"];
    for bad in bads {
        for (open, close) in
            [("[\n", "\n]\n"), ("{\"records\": [\n", "\n]}\n")]
        {
            let mut els = good.clone();
            els.insert(2, bad.to_vec());
            let mut data = open.as_bytes().to_vec();
            data.extend(els.join(&b",\n"[..]));
            data.extend(close.as_bytes());
            let p = write(&dir, "doc.json", &data);
            for s in summaries(&p, 0, &[]) {
                let what = String::from_utf8_lossy(bad);
                assert_eq!(s["counted"], 5, "{what} {open}: {s}");
                assert_eq!(s["malformed"], 1, "{what} {open}");
                assert_eq!(s["malformed_samples"][0]["line"], 4, "{what}");
            }
        }
    }
}

#[test]
fn a_document_cut_short_counts_what_it_holds() {
    let dir = scratch("hostile");
    let data = b"{\"records\":[\n{\"code\":1},\n{\"code\":2},\n{\"co";
    let p = write(&dir, "cut.json", data);
    for s in summaries(&p, 0, &[]) {
        assert_eq!(s["counted"], 2, "{s}");
        assert_eq!(s["malformed"], 1);
    }
    // Bytes after the end are reported with their size.
    let p = write(&dir, "tail.json", b"[\n{\"code\":1}\n]\nxyz\n");
    for s in summaries(&p, 0, &[]) {
        assert_eq!(s["counted"], 1, "{s}");
        let reason = s["malformed_samples"][0]["reason"].as_str().unwrap();
        assert!(reason.contains("4 bytes skipped"), "{reason}");
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e =
        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn a_small_damaged_gzip_counts_the_records_before_the_damage() {
    let dir = scratch("hostile");
    let g = gzip(&records(1000));
    let p = write(&dir, "cut.jsonl.gz", &g[..g.len() - 8]);
    for s in summaries(&p, 1, &[]) {
        assert_eq!(s["counted"], 1000, "{s}");
    }
    let mut junk = g.clone();
    junk.extend_from_slice(b"not gzip at all");
    let p = write(&dir, "junk.jsonl.gz", &junk);
    for s in summaries(&p, 1, &[]) {
        assert_eq!(s["counted"], 1000, "{s}");
        let m = s["inputs"]["errors"][0]["message"].as_str().unwrap();
        assert!(m.contains("15 bytes after the last gzip member"), "{m}");
    }
    let p = write(&dir, "two.jsonl.gz", &[g.clone(), g].concat());
    for s in summaries(&p, 0, &[]) {
        assert_eq!(s["counted"], 2000, "{s}");
    }
}

#[test]
fn zstd_with_a_skippable_frame_and_trailing_bytes() {
    let dir = scratch("hostile");
    let z = zstd::encode_all(&records(1000)[..], 3).unwrap();
    // As pzstd writes it: a skippable frame first.
    let mut data = vec![0x50, 0x2A, 0x4D, 0x18, 4, 0, 0, 0, 1, 2, 3, 4];
    data.extend_from_slice(&z);
    let p = write(&dir, "p.jsonl.zst", &data);
    for s in summaries(&p, 0, &[]) {
        assert_eq!(s["counted"], 1000, "{s}");
    }
    data.extend_from_slice(b"junk");
    let p = write(&dir, "junk.jsonl.zst", &data);
    for s in summaries(&p, 1, &[]) {
        assert_eq!(s["counted"], 1000, "{s}");
        let m = s["inputs"]["errors"][0]["message"].as_str().unwrap();
        assert!(m.contains("4 bytes after the last zstd frame"), "{m}");
    }
}

/// A file old enough to be mapped (see `input::mmap::settled`).
fn settled(p: &Path) {
    let old =
        std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(p)
        .unwrap()
        .set_modified(old)
        .unwrap();
}

#[test]
fn a_line_longer_than_the_bound_is_malformed_and_not_held() {
    let dir = scratch("hostile");
    let mut data = records(100);
    data.extend(
        format!("{{\"code\":\"{}\"}}\n", "x".repeat(3_000_000)).bytes(),
    );
    data.extend(records(100));
    data.extend(std::iter::repeat_n(b'y', 3_000_000));
    let p = write(&dir, "long.jsonl", &data);
    settled(&p);
    for format in ["auto", "text"] {
        let extra = ["--max-record-bytes", "1000000", "--format", format];
        for s in summaries(&p, 0, &extra) {
            assert_eq!(s["counted"], 200, "{format}: {s}");
            assert_eq!(s["malformed"], 2, "{format}");
            assert_eq!(s["lines"], 202, "{format}");
            let r = s["malformed_samples"][0]["reason"].as_str().unwrap();
            assert!(r.contains("line of 3000011 bytes"), "{r}");
        }
    }
    // The stream of zeros, from standard input: one line, one record.
    for format in ["jsonl", "text", "csv"] {
        let out = scratch("hostile-out");
        let mut child = crate::util::cmd()
            .args([
                "report",
                "-",
                "-q",
                "--format",
                format,
                "--max-record-bytes",
                "100000",
                "-o",
            ])
            .arg(&out)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(&vec![0u8; 20_000_000]).unwrap();
        drop(stdin);
        assert!(child.wait().unwrap().success(), "{format}");
        let s: serde_json::Value =
            serde_json::from_str(&read(&out, SUMMARY_JSON)).unwrap();
        // CSV: the head is taken for a header row first (the CSV
        // reader's to judge); the rest is one long line.
        let malformed = s["malformed"].as_u64().unwrap();
        assert!(
            malformed == 1 || format == "csv" && malformed == 2,
            "{format}: {s}"
        );
    }
}

/// A counted CallSummary record padded with `pad` bytes.
fn padded_record(pad: usize) -> String {
    format!(
        "{{\"category\":\"CallSummary\",\"properties\":{{\"participantEndReason\":\"0\",\"pad\":\"{}\"}}}}",
        "x".repeat(pad)
    )
}

#[test]
fn a_mapped_document_is_not_held_resident() {
    let dir = scratch("hostile");
    let rec = padded_record(300);
    let n = 200_000;
    let mut data = b"{\"records\": [\n".to_vec();
    for i in 0..n {
        data.extend_from_slice(rec.as_bytes());
        data.extend_from_slice(if i + 1 < n { b",\n" } else { b"\n" });
    }
    data.extend_from_slice(b"]}\n");
    let p = write(&dir, "big.json", &data);
    let size_mb = data.len() as f64 / 1e6;
    drop(data);
    settled(&p);
    let out = scratch("hostile-out");
    let (code, hwm_kb) = peak_rss_kb(
        crate::util::cmd()
            .args(["report", p.to_str().unwrap(), "-j2", "-q", "-o"])
            .arg(&out),
    );
    assert_eq!(code, Some(0));
    let s: serde_json::Value =
        serde_json::from_str(&read(&out, SUMMARY_JSON)).unwrap();
    assert_eq!(s["counted"], n);
    let rss = hwm_kb as f64 / 1e3;
    assert!(
        rss > 0.0 && rss < size_mb / 2.0,
        "peak RSS {rss} MB for a {size_mb} MB document"
    );
}

/// Run `cmd` to its end: its exit code and its own high-water mark of
/// resident memory (VmHWM, kB), polled while it runs (its getrusage peak
/// starts at this test process's, which holds more).
fn peak_rss_kb(cmd: &mut std::process::Command) -> (Option<i32>, u64) {
    let mut child = cmd.spawn().unwrap();
    let status = format!("/proc/{}/status", child.id());
    let mut hwm_kb = 0u64;
    let code = loop {
        if let Ok(text) = std::fs::read_to_string(&status) {
            let kb =
                text.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(
                    |v| v.trim().trim_end_matches("kB").trim().parse().ok(),
                );
            hwm_kb = hwm_kb.max(kb.unwrap_or(0));
        }
        if let Some(st) = child.try_wait().unwrap() {
            break st.code();
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    (code, hwm_kb)
}

/// A file read from disk is cached in 2 MiB pages (the map asks for them),
/// and each cut between pieces then maps 2 MiB: the cutters release what
/// they read as they go, so a file of many pieces does not start out with
/// a block per cut resident (a 1 GiB file of 64 pieces peaked at 122 MB).
/// On a kernel without such pages this holds trivially.
#[test]
fn cuts_of_a_file_cached_in_huge_pages_are_not_held_resident() {
    let dir = scratch("hostile-huge");
    let line = padded_record(400) + "\n";
    let csv_row = format!("\"{}\",0,0,Success\r\n", "y".repeat(400));
    let size = 64usize << 20;
    for (name, head, row) in [
        ("many.jsonl", "", line.as_str()),
        ("many.csv", "Pad,ParticipantEndReason,ParticipantEndSubCode,ResultCategory\r\n", csv_row.as_str()),
    ] {
        let mut data = head.as_bytes().to_vec();
        while data.len() < size {
            data.extend_from_slice(row.as_bytes());
        }
        let p = dir.join(name);
        let mut f = std::fs::File::create(&p).unwrap();
        f.write_all(&data).unwrap();
        f.sync_all().unwrap();
        drop(f);
        settled(&p);
        // Out of the page cache (where writing left it in 4 KiB pages),
        // then read from disk by a first run, through the map.
        let _ = std::process::Command::new("dd")
            .arg(format!("if={}", p.display()))
            .args(["iflag=nocache", "count=0", "status=none"])
            .status();
        let out = scratch("hostile-huge-out");
        let run = |out: &Path| {
            peak_rss_kb(
                crate::util::cmd()
                    .arg("report")
                    .arg(&p)
                    .args(["-j2", "-q", "--no-distinct", "--chunk-size"])
                    .arg((1usize << 20).to_string())
                    .arg("-o")
                    .arg(out),
            )
        };
        assert_eq!(run(&out).0, Some(0), "{name}");
        let (code, hwm_kb) = run(&out);
        assert_eq!(code, Some(0), "{name}");
        let s: serde_json::Value =
            serde_json::from_str(&read(&out, SUMMARY_JSON)).unwrap();
        assert!(s["counted"].as_u64().unwrap() > 100_000, "{name}: {s}");
        // 64 cuts holding 2 MiB each would be 128 MB (measured before
        // the cutters released: 70 MB; after: 15 to 17 MB).
        let rss = hwm_kb as f64 / 1e3;
        assert!(rss < 40.0, "{name}: peak RSS {rss} MB over 64 pieces");
    }
}

/// The fuzz property with small bounds (`max_record_bytes` 3, 16, 100),
/// over inputs with long lines, quotes, documents and envelopes: both read
/// paths agree and the accounting holds.
#[test]
fn small_bounds_keep_the_fuzz_property() {
    let inputs: [&[u8]; 8] = [
        b"{\"code\":1}\n{\"code\":22222222222222}\nxx\n\n{\"code\":3}",
        b"a,code\n1,2\n\"x\ny\",3\n123456789012345678901234567890,4\n",
        b"code=1\r\nsome long text line code=2 with words\r\ncode=3",
        b"[\n{\"code\":1},\n{\"code\":2,\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxx\"},\n3\n]",
        b"{\"records\":[\n{\"code\":1},\ntru,\n{\"code\":2}\n]}\n trailing",
        b"[]\n{\"code\":1}\n[{\"code\":2}]\n",
        b"\xEF\xBB\xBF{\"code\":1}\n\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\n",
        b"{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    ];
    for data in inputs {
        for selector in 0..80u8 {
            let mut input = vec![selector];
            input.extend_from_slice(data);
            crate::regression::whole_input(&input);
        }
    }
}

/// A CSV export: the header row, then `rows`.
fn csv_export(rows: &[&[u8]]) -> Vec<u8> {
    let mut data =
        b"ParticipantEndReason,ParticipantEndSubCode,ResultCategory\n"
            .to_vec();
    data.extend(rows.concat());
    data
}

/// A good row of [`csv_export`].
const ROW: &[u8] = b"410,3112,ExpectedError\n";

/// Write `data` as `NAME.csv` and `NAME.csv.gz` into `dir`; each, read
/// every way with `--max-record-bytes 100000`, counts `counted` records of
/// `lines` lines, with `malformed` malformed ones at the lines `at`, the
/// last sample's reason saying `reason`. Returns the `.csv` path.
fn bad_rows_cost_one_record_each(
    dir: &Path,
    name: &str,
    data: &[u8],
    (counted, malformed, lines): (u64, u64, u64),
    at: &[u64],
    reason: &str,
) -> PathBuf {
    let csv = write(dir, &format!("{name}.csv"), data);
    let gz = write(dir, &format!("{name}.csv.gz"), &gzip(data));
    for path in [&csv, &gz] {
        for s in summaries(path, 0, &["--max-record-bytes", "100000"]) {
            assert_eq!(s["counted"], counted, "{path:?}: {s}");
            assert_eq!(s["malformed"], malformed, "{path:?}");
            assert_eq!(s["lines"], lines, "{path:?}");
            let samples = s["malformed_samples"].as_array().unwrap();
            let got: Vec<_> =
                samples.iter().map(|m| m["line"].as_u64().unwrap()).collect();
            assert_eq!(got, at, "{path:?}");
            let r = samples.last().unwrap()["reason"].as_str().unwrap();
            assert!(r.contains(reason), "{path:?}: {r}");
        }
    }
    csv
}

/// A stray quote in a CSV export (issue 12: a 1 GB file used 4.19 GB and
/// every later row became one malformed record). Spec §10: a quote still
/// open after `--max-record-bytes` ends its row at its line; that row is
/// malformed and the rows after it are read, on every read path (map,
/// plain reads, gzip), without holding the rest of the file.
#[test]
fn a_stray_quote_in_a_csv_costs_one_row() {
    let dir = scratch("hostile");
    let mut rows = vec![ROW; 1000];
    rows.push(b"\"0,1,Success\n");
    rows.extend(vec![ROW; 200_000]);
    let csv = bad_rows_cost_one_record_each(
        &dir,
        "stray",
        &csv_export(&rows),
        (201_000, 1, 201_002),
        &[1002],
        "quoted field never closes",
    );
    // Before the bound, the quote is a quoted field that may span lines:
    // with the default bound the whole rest is that one row.
    for s in summaries(&csv, 0, &[]) {
        assert_eq!(s["counted"], 1000);
        assert_eq!(s["malformed"], 1);
    }
}

/// A CSV row longer than the bound is one malformed record on every path,
/// quoted or not, and the rows after it are read.
#[test]
fn a_csv_row_longer_than_the_bound_is_malformed() {
    let dir = scratch("hostile");
    let unquoted = format!("0,1,{}\n", "x".repeat(300_000));
    // A quoted field (closed within the bound) in a row of two lines.
    let quoted =
        format!("0,\"1\n{}\",{}\n", "y,".repeat(40_000), "z".repeat(250_000));
    let mut rows = vec![ROW, unquoted.as_bytes(), ROW, quoted.as_bytes()];
    rows.extend(vec![ROW; 10]);
    bad_rows_cost_one_record_each(
        &dir,
        "long",
        &csv_export(&rows),
        (12, 2, 16),
        &[3, 5],
        "row of 330008 bytes is longer",
    );
}
