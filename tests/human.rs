//! The human outputs (spec §2, §9): `--markdown` and `--html` against
//! golden files of a fixture run, hostile values and the 1 MiB cap, the
//! page rendered in real headless Chromium, the progress bar on a
//! pseudo-terminal and never elsewhere, malformed-record warnings in
//! input order, and the top failures of the terminal summary.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::util::{cmd, golden, read, report, scratch, stderr, stdout};

const FIXTURE: &str = "fixtures/slicing";
const GOLDEN_ARGS: [&str; 3] = ["--by", "hour,endpoint_type", "--top"];

/// Run the golden case (`--by hour,endpoint_type`) with `extra` options;
/// returns the HTML page and the Markdown summary.
fn golden_run(extra: &[&str]) -> (String, String) {
    let out = scratch("human");
    let (html, md) = (out.join("page/report.html"), out.join("summary.md"));
    std::fs::create_dir_all(out.join("page")).unwrap();
    let mut a = vec![FIXTURE];
    a.extend(GOLDEN_ARGS);
    a.push("10");
    a.extend(if extra.is_empty() { &["-j1"] } else { extra });
    let (h, m) = (html.to_str().unwrap(), md.to_str().unwrap());
    a.extend(["--html", h, "--markdown", m]);
    let o = report(&out.join("reports"), &a);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let md = std::fs::read_to_string(&md).unwrap();
    (std::fs::read_to_string(&html).unwrap(), md)
}

/// The Markdown without its one timing row.
fn stable(md: &str) -> String {
    md.lines()
        .map(|l| {
            if l.starts_with("| Elapsed |") {
                "| Elapsed | … |"
            } else {
                l
            }
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn html_and_markdown_match_their_goldens_whatever_the_read_path() {
    let (html, md) = golden_run(&[]);
    golden("tests/golden/html/by-hour-endpoint.html", &html);
    golden("tests/golden/markdown/by-hour-endpoint.md", &stable(&md));
    for way in [&["-j2"][..], &["-j2", "--no-mmap", "--chunk-size", "300"]] {
        let (again, again_md) = golden_run(way);
        assert_eq!(again, html, "{way:?}: the page is deterministic");
        assert_eq!(stable(&again_md), stable(&md), "{way:?}");
    }
    // The page shows the CSVs' own numbers: every by_code.csv row is a
    // table row.
    let out = scratch("human");
    let o = report(&out, &[FIXTURE, "--by", "hour,endpoint_type"]);
    assert_eq!(o.status.code(), Some(0));
    for line in read(&out, "by_code.csv").lines().skip(1).take(40) {
        let cells: Vec<&str> = line.split(',').take(8).collect();
        let row = cells
            .iter()
            .map(|c| {
                if !c.is_empty()
                    && c.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                {
                    format!("<td class=\"n\">{c}</td>")
                } else {
                    format!("<td>{c}</td>")
                }
            })
            .collect::<String>();
        assert!(html.contains(&row), "{row}");
    }
    for bad in ["<script", "src=", "href=", "url(", "@import", "http"] {
        assert!(!html.contains(bad), "{bad}");
    }
}

#[test]
fn markdown_to_stdout_replaces_the_text_summary() {
    let out = scratch("human");
    let o = cmd()
        .args(["report", FIXTURE, "--markdown", "-", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("## calltally report\n"), "{text}");
    assert!(text.contains("```mermaid\npie showData\n"));
    assert!(!text.contains("reports written to"));
    // The reports are written too.
    assert!(out.join("by_code.csv").exists());
}

#[test]
fn an_unwritable_html_folder_fails_before_reading() {
    let out = scratch("human");
    let o = report(
        &out.join("r"),
        &[FIXTURE, "--html", "/proc/no-such-dir/x/report.html"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/proc/no-such-dir"), "{}", stderr(&o));
    assert!(!out.join("r").exists(), "nothing written");
}

/// JSON Lines with hostile `operation` values, `n` distinct groups of
/// failing records, and codes with a very long catalog summary.
fn hostile_input(dir: &Path, n: usize) -> (PathBuf, PathBuf) {
    let hostile = [
        "<script>alert(1)</script>",
        "a|b||c",
        "[x](http://evil.example/)",
        "\u{1b}[31mred\u{1b}[0m\r\nforged | row |",
        "**bold** _em_ `code` ~~s~~ $x$ @team www.evil.example",
        "<!-- open comment",
    ];
    let mut log = String::new();
    for i in 0..n {
        let tag = format!("{}{i}", hostile[i % hostile.len()]);
        let rec = serde_json::json!({
            "time": "2026-11-20T10:00:00Z",
            "correlationId": format!("c{i}"),
            "operationName": tag,
            "properties": {
                "participantEndReason": 500,
                "participantEndSubCode": 900_000 + (i % 3000),
                "resultCategory": "UnexpectedServerError",
            }
        });
        log.push_str(&rec.to_string());
        log.push('\n');
    }
    let path = dir.join("hostile.jsonl");
    std::fs::write(&path, log).unwrap();
    // A team catalog: every one of those codes with 2 KB of text.
    let mut catalog =
        String::from("code,subcode,result_category,source,summary,advice\n");
    for s in 0..3000 {
        let long = format!("<b>|{}</b>", "long catalog text ".repeat(110));
        catalog.push_str(&format!(
            "500,{},UnexpectedServerError,team,\"{long}\",check\n",
            900_000 + s
        ));
    }
    let cat = dir.join("catalog.csv");
    std::fs::write(&cat, catalog).unwrap();
    (path, cat)
}

#[test]
fn hostile_values_and_many_groups_stay_inside_their_cells_and_1_mib() {
    let dir = scratch("human");
    let (log, cat) = hostile_input(&dir, 20_000);
    let (md, html) = (dir.join("s.md"), dir.join("p.html"));
    let o = cmd()
        .arg("report")
        .arg(&log)
        .args(["--by", "operation", "--top", "100000", "-q", "--catalog"])
        .arg(&cat)
        .arg("--markdown")
        .arg(&md)
        .arg("--html")
        .arg(&html)
        .arg("-o")
        .arg(dir.join("out"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(md.len() <= 1 << 20, "{}", md.len());
    assert!(md.contains("> **truncated**"), "the cap says so");
    assert!(!md.contains('\u{1b}') && !md.contains('\r'));
    for bad in ["<script", "<b>", "<!--", "](http", "**bold**", "@team"] {
        assert!(!md.contains(bad), "{bad}");
    }
    // Every table row keeps its header's number of columns.
    let mut columns = 0;
    for line in md.lines() {
        if !line.starts_with('|') {
            columns = 0;
            continue;
        }
        let n = line.replace("\\|", "").matches('|').count();
        if columns == 0 {
            columns = n;
        }
        assert_eq!(n, columns, "{line}");
    }
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(!html.contains('\u{1b}'));
    for bad in ["<script", "<b>", "<!--", "href="] {
        assert!(!html.contains(bad), "{bad}");
    }
    // Control characters are shown, escaped, not obeyed.
    assert!(html.contains("\\u{1b}[31mred\\u{1b}[0m\\r\\nforged | row |"));
    // Large tables are cut, with a note.
    assert!(html.contains("more rows in by_code.csv"));
}

/// Run `f` with a time limit; the child is killed past it.
fn output_within(mut c: Command, limit: Duration) -> Output {
    let child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let start = Instant::now();
    let id = child.id();
    let waiter = std::thread::spawn(move || child.wait_with_output());
    while !waiter.is_finished() {
        if start.elapsed() > limit {
            let _ = Command::new("kill").arg(id.to_string()).status();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    waiter.join().unwrap().expect("wait")
}

/// A tool a test needs: its path, or `None` (the test then skips with a
/// reason) when it is missing outside CI; in CI (`CI` set) a missing tool
/// fails the test.
fn tool(path: &str, why: &str) -> Option<PathBuf> {
    let p = PathBuf::from(path);
    if p.exists() {
        return Some(p);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{path} is missing ({why}); .ci/run installs it"
    );
    eprintln!("skipped: {path} is missing ({why})");
    None
}

#[test]
fn the_html_report_renders_in_headless_chromium() {
    let Some(chromium) = tool("/usr/bin/chromium", "apt-get install chromium")
    else {
        return;
    };
    let (html, _) = golden_run(&[]);
    let dir = scratch("chromium");
    let page = dir.join("report.html");
    std::fs::write(&page, &html).unwrap();
    let url = format!("file://{}", page.display());
    let browse = |extra: &[&str]| {
        let profile = dir.join(format!("profile-{}", extra.len()));
        let mut c = Command::new(&chromium);
        c.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1200,2000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(&url);
        output_within(c, Duration::from_secs(120))
    };
    let shot = dir.join("shot.png");
    let o = browse(&[&format!("--screenshot={}", shot.display())]);
    assert!(shot.exists(), "no screenshot: {}", stderr(&o));
    let (non_white, colours) = pixels(&shot);
    // Charts, headings and tables: far from blank, and the category
    // colours are there.
    assert!(non_white > 50_000, "{non_white} non-white pixels");
    assert!(colours.len() > 20, "{} colours", colours.len());
    for c in [[0x2e, 0x7d, 0x32], [0x1f, 0x77, 0xb4]] {
        assert!(colours.contains(&c), "{c:?} drawn");
    }
    let dom = stdout(&browse(&["--dump-dom"]));
    assert_eq!(dom.matches("<svg").count(), 3, "categories, codes, timeline");
    // 2 categories and 2 failing codes in the fixture.
    assert_eq!(dom.matches("<rect class=\"bar\"").count(), 4);
    // One segment per (hour, category) with records: from the CSV.
    let out = scratch("human");
    report(&out, &[FIXTURE, "--by", "hour"]);
    let segments: BTreeSet<(String, String)> = read(&out, "by_category.csv")
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (c[0].to_owned(), c[1].to_owned())
        })
        .collect();
    assert_eq!(dom.matches("<rect class=\"seg\"").count(), segments.len());
}

/// Non-white pixels and distinct colours of a PNG.
fn pixels(path: &Path) -> (usize, BTreeSet<[u8; 3]>) {
    let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let mut decoder = png::Decoder::new(file);
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let step = info.color_type.samples();
    assert!(step >= 3, "{:?}", info.color_type);
    let mut non_white = 0;
    let mut colours = BTreeSet::new();
    for px in buf[..info.buffer_size()].chunks_exact(step) {
        let rgb = [px[0], px[1], px[2]];
        if rgb != [255, 255, 255] {
            non_white += 1;
        }
        colours.insert(rgb);
    }
    (non_white, colours)
}

/// A JSON Lines input of about `mb` MB.
fn big_input(dir: &Path, mb: usize) -> PathBuf {
    let line = "{\"properties\":{\"participantEndReason\":\"410\",\
                \"participantEndSubCode\":\"3112\",\"resultCategory\":\
                \"ExpectedError\"},\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n";
    let path = dir.join("big.jsonl");
    std::fs::write(&path, line.repeat(mb * 1_000_000 / line.len())).unwrap();
    path
}

#[test]
fn a_progress_bar_on_a_terminal_and_never_elsewhere() {
    let dir = scratch("human");
    let input = big_input(&dir, 8);
    // stderr to a pipe: no bar, even when it would show at once and the
    // run lasts over a second (standard input ends after 1.5 s).
    let mut child = cmd()
        .env("CALLTALLY_PROGRESS_DELAY_MS", "0")
        .args(["report", "-o"])
        .arg(dir.join("a"))
        .arg(&input)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let text = std::fs::read_to_string(&input).unwrap();
    let five_lines: String = text.split_inclusive('\n').take(5).collect();
    std::io::Write::write_all(&mut stdin, five_lines.as_bytes()).unwrap();
    drop(stdin);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.is_empty(), "no bar bytes on a pipe: {err:?}");
    assert!(stdout(&o).contains("2 inputs"), "{}", stdout(&o));
    let Some(script) = tool("/usr/bin/script", "util-linux's script(1)")
    else {
        return;
    };
    // On a pseudo-terminal: a bar with bytes, files, a rate and the time
    // left. Standard input that ends after 1.5 s keeps the run going
    // whatever the machine's speed.
    let on_pty = |quiet: bool| {
        let line = format!(
            "(sleep 1.5; head -n 5 {input}) | CALLTALLY_PROGRESS_DELAY_MS=0 \
             {} report {} -o {} {input} -",
            env!("CARGO_BIN_EXE_calltally"),
            if quiet { "-q" } else { "" },
            dir.join(if quiet { "q" } else { "b" }).display(),
            input = input.display(),
        );
        let mut c = Command::new(&script);
        c.args(["-qec", &line, "/dev/null"]).env("TERM", "xterm");
        let o = output_within(c, Duration::from_secs(300));
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stdout(&o)
    };
    let seen = on_pty(false);
    assert!(seen.contains("/2 files"), "{seen:?}");
    assert!(seen.contains("B/s") && seen.contains("ETA"), "{seen:?}");
    assert!(seen.contains("reports written to"));
    let quiet = on_pty(true);
    assert!(!quiet.contains("files") && !quiet.contains("ETA"), "{quiet:?}");
}

#[test]
fn the_progress_counters_add_up_to_the_run() {
    use calltally::progress::Progress;
    use std::sync::{Arc, Mutex};
    for (path, no_mmap) in [
        ("fixtures/formats/compressed", false),
        ("fixtures/storage", false),
        ("fixtures/storage", true),
    ] {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let hook = seen.clone();
        let progress = Arc::new(Progress::with_hook(move |d| {
            hook.lock().unwrap().push((d.index, d.malformed, d.samples.len()));
        }));
        let config = calltally::Config {
            paths: vec![crate::util::root().join(path)],
            mmap: if no_mmap {
                calltally::MmapMode::Never
            } else {
                calltally::MmapMode::Auto
            },
            chunk_size: 4096,
            progress: Some(progress.clone()),
            ..calltally::Config::default()
        };
        let run =
            calltally::run(&config, calltally::Catalog::embedded()).unwrap();
        let now = progress.snapshot();
        let n = run.inputs.len() as u64;
        assert_eq!((now.files_done, now.files_total), (n, n), "{path}");
        assert_eq!(now.read, run.tally.acc.bytes, "{path}: every stored byte");
        let on_disk: u64 = run
            .inputs
            .iter()
            .map(|i| match &i.source {
                calltally::Source::File(p) => {
                    std::fs::metadata(p).unwrap().len()
                }
                calltally::Source::Stdin => 0,
            })
            .sum();
        assert_eq!(now.total, on_disk, "{path}");
        if path.ends_with("compressed") {
            assert!(now.decoded > now.read, "{now:?}");
        } else {
            assert_eq!(now.decoded, 0);
        }
        // The hook heard each input once, with its malformed records.
        let mut seen = seen.lock().unwrap().clone();
        seen.sort();
        let indexes: Vec<u32> = seen.iter().map(|s| s.0).collect();
        assert_eq!(indexes, (0..n as u32).collect::<Vec<_>>());
        let malformed: u64 = seen.iter().map(|s| s.1).sum();
        assert_eq!(malformed, run.tally.acc.malformed);
    }
}

#[test]
fn malformed_records_the_first_three_in_input_order_then_a_count() {
    let dir = scratch("human");
    let inputs = dir.join("in");
    std::fs::create_dir_all(&inputs).unwrap();
    let good = "{\"properties\":{\"participantEndReason\":\"0\"}}\n";
    // Input order: a, b, c; each with bad lines, c's names hostile.
    for (name, bad) in [("a.jsonl", 2), ("b.jsonl", 0), ("c\u{1b}.jsonl", 4)] {
        let mut text = good.repeat(3);
        for i in 0..bad {
            text.push_str(&format!("{{not json {i}\n"));
        }
        std::fs::write(inputs.join(name), text).unwrap();
    }
    let run = |extra: &[&str]| {
        let mut a = vec![inputs.to_str().unwrap()];
        a.extend(extra);
        let o = report(&dir.join("out"), &a);
        assert_eq!(o.status.code(), Some(0));
        stderr(&o)
    };
    let err = run(&[]);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 4, "{err}");
    assert!(lines[0].contains("a.jsonl:4:"), "{err}");
    assert!(lines[1].contains("a.jsonl:5:"));
    assert!(lines[2].contains("c\\u{1b}.jsonl:4:"), "{err}");
    assert_eq!(
        lines[3],
        "calltally: warning: 3 more malformed records — see summary.json (-v lists more)"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&read(&dir.join("out"), "summary.json")).unwrap();
    assert_eq!(summary["malformed_samples"][2]["line"], 4);
    for threads in ["-j1", "-j3"] {
        assert_eq!(run(&[threads]), err, "{threads}");
    }
    let all = run(&["-v"]);
    assert_eq!(all.lines().count(), 6, "{all}");
    assert!(!all.contains("more malformed"));
    assert!(!all.contains('\u{1b}'));
}

#[test]
fn malformed_records_are_printed_while_the_run_goes_on() {
    use std::io::BufRead as _;
    let dir = scratch("human");
    let bad = dir.join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"properties\":{\"participantEndReason\":0}}\n{oops\n",
    )
    .unwrap();
    // The run also reads standard input, which stays open until the
    // warning about the file has been seen.
    let mut child = cmd()
        .args(["report", "-q", "-o"])
        .arg(dir.join("out"))
        .arg(&bad)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let err = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(err).lines() {
            let _ = tx.send(line.unwrap());
        }
    });
    let first = rx.recv_timeout(Duration::from_secs(60));
    drop(stdin);
    let status = child.wait().unwrap();
    let first = first.expect("a warning before standard input ended");
    assert!(first.contains("bad.jsonl:2:"), "{first}");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn the_text_summary_lists_the_top_failures() {
    let out = scratch("human");
    let o = cmd().args(["report", FIXTURE, "-o"]).arg(&out).output().unwrap();
    let text = stdout(&o);
    let tail = text.split("top failures:\n").nth(1).expect("a failures list");
    let first = tail.lines().next().unwrap();
    assert!(
        first.contains("410/3112") && first.contains("ExpectedError"),
        "{first}"
    );
    assert!(first.ends_with(" calls)"), "{first}");
    assert!(!tail.contains("Success"), "{text}");
}
