//! Pruning of a 30-day storage-export tree (spec §7, issue 11): a window
//! of one hour opens only the hourly blobs that can hold its records, and
//! the counts are those of a run that opens every blob (the same blobs
//! copied to paths without partitions) with the same window, and those of
//! a plain count of the records written here.
//!
//! The tree is written by the test: 720 hourly blobs (2024-01-01 to
//! 2024-01-30) of a few records each, with times in the blob's hour,
//! and one record per blob received late, up to 47 hours old (Azure
//! Monitor accepts 48).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use calltally::report::CSV_FILES;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::util::{read, report, scratch, stable_summary, stderr};

/// 2024-01-01T00:00:00Z.
const START: i64 = 1_704_067_200;
const HOURS: i64 = 30 * 24;
/// The records each blob holds in its own hour.
const ON_TIME: usize = 4;

/// One generated record: its time (Unix seconds) and its line.
struct Rec {
    time: i64,
    late: bool,
    line: String,
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a time from 2023-12-30 to 2024-01-31.
fn rfc3339(t: i64) -> String {
    let s = t - START;
    // Late records of the first blobs fall in December 2023.
    let (m, d) = if s < 0 {
        (12, 31 + s.div_euclid(86_400) + 1)
    } else {
        (1, s / 86_400 + 1)
    };
    let y = if s < 0 { 2023 } else { 2024 };
    let r = s.rem_euclid(86_400);
    format!(
        "{y}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        r / 3600,
        r / 60 % 60,
        r % 60
    )
}

fn record(rng: &mut SmallRng, time: i64, late: bool) -> Rec {
    const TRIPLES: [(&str, &str, &str); 5] = [
        ("0", "0", "Success"),
        ("0", "0", "Success"),
        ("487", "10003", "ExpectedError"),
        ("490", "10037", "UnexpectedClientError"),
        ("500", "560486", "UnexpectedServerError"),
    ];
    let (code, sub, cat) = TRIPLES[rng.gen_range(0..TRIPLES.len())];
    let endpoint = ["VoIP", "PSTN", "Bot"][rng.gen_range(0..3)];
    let line = format!(
        "{{\"time\":\"{}\",\"category\":\"CallSummary\",\
         \"operationName\":\"CallSummary\",\"correlationId\":\"call-{}\",\
         \"properties\":{{\"participantId\":\"p-{}\",\
         \"endpointType\":\"{endpoint}\",\"participantEndReason\":\"{code}\",\
         \"ParticipantEndSubCode\":{sub},\"ResultCategory\":\"{cat}\"}}}}",
        // A fraction of a second that cannot move it across a window
        // boundary (whole seconds).
        rfc3339(time).replace('Z', ".25Z"),
        rng.gen_range(0..400),
        rng.gen_range(0..2000),
    );
    Rec { time, late, line }
}

/// The blob path of hour `h` (0-based from START) under `root`.
fn blob(root: &Path, h: i64) -> PathBuf {
    let t = START + h * 3600;
    let day = (t - START) / 86_400 + 1;
    let hour = (t - START) / 3600 % 24;
    root.join(format!(
        "insights-logs-callsummary/resourceId=/SUBSCRIPTIONS/0000/\
         RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/\
         COMMUNICATIONSERVICES/ACS1/y=2024/m=01/d={day:02}/h={hour:02}/m=00/\
         PT1H.json"
    ))
}

/// Writes the tree under `dir/tree` and the same blobs, one file per
/// hour without partitions, under `dir/flat`; returns every record.
fn write_trees(dir: &Path) -> Vec<Rec> {
    let mut rng = SmallRng::seed_from_u64(30);
    let mut all = Vec::new();
    fs::create_dir_all(dir.join("flat")).unwrap();
    for h in 0..HOURS {
        let hour = START + h * 3600;
        let mut recs: Vec<Rec> = (0..ON_TIME)
            .map(|_| {
                let t = hour + rng.gen_range(0..3600);
                record(&mut rng, t, false)
            })
            .collect();
        // Received this hour, written up to 47 h 59 min earlier.
        let age = rng.gen_range(1..48 * 3600);
        recs.push(record(&mut rng, hour - age, true));
        let text: String =
            recs.iter().map(|r| format!("{}\n", r.line)).collect();
        let path = blob(&dir.join("tree"), h);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, &text).unwrap();
        fs::write(dir.join(format!("flat/{h:03}.json")), &text).unwrap();
        all.extend(recs);
    }
    all
}

/// Runs `report` over `input` with the window `[since, until)` and
/// `--by hour,endpoint_type`; returns the report directory.
fn run(
    dir: &Path,
    name: &str,
    input: &Path,
    since: i64,
    until: i64,
) -> PathBuf {
    let out = dir.join(name);
    let (s, u) = (rfc3339(since), rfc3339(until));
    let input = input.to_str().unwrap();
    let args =
        [input, "--since", &s, "--until", &u, "--by", "hour,endpoint_type"];
    let o = report(&out, &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    out
}

/// Counted records per code in a window, counted here.
fn expected(all: &[Rec], since: i64, until: i64) -> (u64, u64) {
    let inside = all.iter().filter(|r| (since..until).contains(&r.time));
    let late = inside.clone().filter(|r| r.late).count() as u64;
    (inside.count() as u64, late)
}

/// Checks one window: blobs opened, and the same reports as the run over
/// the flat copy (which prunes nothing); returns the blobs opened.
fn check_window(dir: &Path, all: &[Rec], since: i64, until: i64) -> u64 {
    let tag = format!("w{since}");
    let pruned_run =
        run(dir, &format!("{tag}-tree"), &dir.join("tree"), since, until);
    let full_run =
        run(dir, &format!("{tag}-flat"), &dir.join("flat"), since, until);
    let (p, f) = (stable_summary(&pruned_run), stable_summary(&full_run));
    let opened = p["inputs"]["files"].as_u64().unwrap();
    let pruned = p["inputs"]["pruned_files"].as_u64().unwrap();
    assert_eq!(opened + pruned, HOURS as u64, "{p}");
    assert_eq!(f["inputs"]["pruned_files"], 0, "{f}");
    assert_eq!(f["inputs"]["files"], HOURS, "{f}");
    let (want, _) = expected(all, since, until);
    assert!(want > 0, "an empty window proves nothing");
    assert_eq!(p["counted"], want, "{p}");
    assert_eq!(f["counted"], want, "{f}");
    for name in CSV_FILES {
        assert_eq!(
            read(&pruned_run, name),
            read(&full_run, name),
            "{name}: the pruned run differs from the run over every blob"
        );
    }
    opened
}

/// The last hour of the tree: one blob can hold its records (later blobs
/// would, but the tree ends); the issue allows 3.
#[test]
fn last_hour_opens_at_most_three_blobs() {
    let dir = scratch("prune-window");
    let all = write_trees(&dir);
    let last = START + (HOURS - 1) * 3600;
    let opened = check_window(&dir, &all, last, last + 3600);
    assert!(opened <= 3, "{opened} blobs opened for the last hour");
    assert_eq!(opened, 1);
    // `--since` alone, as a nightly job's "last hour" runs.
    let out = dir.join("since-only");
    let since = rfc3339(last);
    let tree = dir.join("tree");
    let o = report(&out, &[tree.to_str().unwrap(), "--since", &since]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s = stable_summary(&out);
    assert_eq!(s["inputs"]["pruned_files"], HOURS - 1, "{s}");
    assert_eq!(s["counted"], expected(&all, last, i64::MAX).0, "{s}");
}

/// An hour in the middle: its records may sit in any blob of the 48
/// hours after it, and the late ones there are found.
#[test]
fn mid_window_finds_late_records_in_later_blobs() {
    let dir = scratch("prune-window-mid");
    let all = write_trees(&dir);
    let mut late_windows = 0;
    for h in [0, 300, 301, 500, HOURS - 49] {
        let since = START + h * 3600;
        let opened = check_window(&dir, &all, since, since + 3600);
        // Blobs of hours h .. h + 48.
        assert_eq!(opened, 49.min((HOURS - h) as u64), "hour {h}");
        late_windows += u32::from(expected(&all, since, since + 3600).1 > 0);
    }
    assert!(late_windows >= 2, "late records in only {late_windows} windows");
    // Per code, the counts add up over the days (a 24-hour window).
    let since = START + 10 * 86_400;
    let day = check_window(&dir, &all, since, since + 86_400);
    assert_eq!(day, 24 + 48);
    let counts: BTreeMap<bool, u64> = all
        .iter()
        .filter(|r| (since..since + 86_400).contains(&r.time))
        .fold(BTreeMap::new(), |mut m, r| {
            *m.entry(r.late).or_default() += 1;
            m
        });
    assert_eq!(counts[&false], 24 * ON_TIME as u64);
    assert!(counts[&true] > 0, "{counts:?}");
}
