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

use crate::util::{
    read, report, run as calltally_run, scratch, stable_summary, stderr,
};

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

/// The blob path of hour `h` (0-based from START, negative in December
/// 2023) under `root`.
fn blob(root: &Path, h: i64) -> PathBuf {
    let t = rfc3339(START + h * 3600);
    let (y, m, d, hour) = (&t[..4], &t[5..7], &t[8..10], &t[11..13]);
    root.join(format!(
        "insights-logs-callsummary/resourceId=/SUBSCRIPTIONS/0000/\
         RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/\
         COMMUNICATIONSERVICES/ACS1/y={y}/m={m}/d={d}/h={hour}/m=00/\
         PT1H.json"
    ))
}

/// The blobs of the 720 hours of January 1st to 30th, 2024.
const JANUARY: std::ops::Range<i64> = 0..HOURS;

/// Writes the tree of the blobs of `hours` under `dir/tree` and the same
/// blobs, one file per hour without partitions, under `dir/flat`; returns
/// every record.
fn write_trees(dir: &Path, hours: std::ops::Range<i64>) -> Vec<Rec> {
    let mut rng = SmallRng::seed_from_u64(30);
    let mut all = Vec::new();
    fs::create_dir_all(dir.join("flat")).unwrap();
    for h in hours {
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
        fs::write(dir.join(format!("flat/{:04}.json", h + 100)), &text)
            .unwrap();
        all.extend(recs);
    }
    all
}

/// Runs `report` over `input` with the window `[since, until)` and
/// `--by hour,endpoint_type`, and `extra` arguments; returns the report
/// directory.
fn run(
    dir: &Path,
    name: &str,
    input: &Path,
    (since, until): (i64, i64),
    extra: &[&str],
) -> PathBuf {
    let out = dir.join(name);
    let (s, u) = (rfc3339(since), rfc3339(until));
    let input = input.to_str().unwrap();
    let mut args = vec![
        input,
        "--since",
        &s,
        "--until",
        &u,
        "--by",
        "hour,endpoint_type",
    ];
    args.extend(extra);
    let o = report(&out, &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    out
}

/// Run shard `i` of `n` of a window over `input` into the partial file
/// `partial` (its reports under `dir/s{i}`).
fn shard(
    dir: &Path,
    input: &Path,
    window: (i64, i64),
    (i, n): (usize, usize),
    partial: &str,
) {
    let shard = format!("{i}/{n}");
    let extra = ["--shard", shard.as_str(), "--partial", partial];
    run(dir, &format!("s{i}"), input, window, &extra);
}

/// Counted records per code in a window, counted here.
fn expected(all: &[Rec], since: i64, until: i64) -> (u64, u64) {
    let inside = all.iter().filter(|r| (since..until).contains(&r.time));
    let late = inside.clone().filter(|r| r.late).count() as u64;
    (inside.count() as u64, late)
}

/// Midnight of the first day of the months the trees touch.
fn month_start(y: i64, m: i64) -> i64 {
    match (y, m) {
        (2023, 12) => START - 31 * 86_400,
        (2024, 1) => START,
        (2024, 2) => START + 31 * 86_400,
        _ => unreachable!("{y}-{m}"),
    }
}

/// The blobs a walk opens and the partition folders it prunes for the
/// window, worked out here from the blobs' hours: each folder of a blob's
/// path, from the year down to the minute folder, holds records received
/// in its year, month, day or hour, up to 48 hours old; the first of them
/// that the window misses is pruned, and a blob none of whose folders
/// the window misses is opened.
fn expected_walk(
    hours: std::ops::Range<i64>,
    since: i64,
    until: i64,
) -> (u64, u64) {
    let mut pruned = std::collections::BTreeSet::new();
    let mut opened = 0;
    for h in hours {
        let t = START + h * 3600;
        let day = t - t.rem_euclid(86_400);
        let date = rfc3339(t);
        let y: i64 = date[..4].parse().unwrap();
        let m: i64 = date[5..7].parse().unwrap();
        let (next_y, next_m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        let (year, days) =
            if y == 2023 { (START - 365 * 86_400, 365) } else { (START, 366) };
        let folders = [
            (format!("{y}"), year, year + days * 86_400),
            (
                format!("{y}-{m}"),
                month_start(y, m),
                month_start(next_y, next_m),
            ),
            (format!("d{day}"), day, day + 86_400),
            (format!("h{t}"), t, t + 3600),
        ];
        let missed = folders
            .into_iter()
            .find(|(_, from, to)| *to <= since || from - 48 * 3600 >= until);
        match missed {
            Some((name, _, _)) => drop(pruned.insert(name)),
            None => opened += 1,
        }
    }
    (opened, pruned.len() as u64)
}

/// Checks one window of the tree of the blobs of `hours`: the blobs
/// opened and folders pruned, and the same reports as the run over the
/// flat copy (which prunes nothing); returns the blobs opened.
fn check_window(
    dir: &Path,
    all: &[Rec],
    hours: std::ops::Range<i64>,
    since: i64,
    until: i64,
) -> u64 {
    let tag = format!("w{since}-{until}");
    let w = (since, until);
    let pruned_run =
        run(dir, &format!("{tag}-tree"), &dir.join("tree"), w, &[]);
    let full_run = run(dir, &format!("{tag}-flat"), &dir.join("flat"), w, &[]);
    let (p, f) = (stable_summary(&pruned_run), stable_summary(&full_run));
    let opened = p["inputs"]["files"].as_u64().unwrap();
    // Every blob is either under a pruned folder or opened: the blobs'
    // folders are those of their hours, so a blob is never pruned alone.
    let (want_opened, want_folders) =
        expected_walk(hours.clone(), since, until);
    assert_eq!(opened, want_opened, "{p}");
    assert_eq!(p["inputs"]["pruned_folders"], want_folders, "{p}");
    assert_eq!(p["inputs"]["pruned_files"], 0, "{p}");
    assert_eq!(f["inputs"]["pruned_files"], 0, "{f}");
    assert_eq!(f["inputs"]["pruned_folders"], 0, "{f}");
    assert_eq!(f["inputs"]["files"], hours.end - hours.start, "{f}");
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
/// would, but the tree ends); the issue allows 3. The walk does not enter
/// the 29 day folders before the last, nor its first 23 hour folders.
#[test]
fn last_hour_opens_at_most_three_blobs() {
    let dir = scratch("prune-window");
    let all = write_trees(&dir, JANUARY);
    let last = START + (HOURS - 1) * 3600;
    let opened = check_window(&dir, &all, JANUARY, last, last + 3600);
    assert!(opened <= 3, "{opened} blobs opened for the last hour");
    assert_eq!(opened, 1);
    assert_eq!(expected_walk(JANUARY, last, last + 3600), (1, 29 + 23));
    // `--since` alone, as a nightly job's "last hour" runs; the Markdown
    // summary's facts say what was pruned.
    let out = dir.join("since-only");
    let since = rfc3339(last);
    let tree = dir.join("tree");
    let md = dir.join("summary.md");
    let md_arg = md.to_str().unwrap();
    let tree_arg = tree.to_str().unwrap();
    let o = report(&out, &[tree_arg, "--since", &since, "--markdown", md_arg]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s = stable_summary(&out);
    assert_eq!(s["inputs"]["files"], 1, "{s}");
    assert_eq!(s["inputs"]["pruned_folders"], 29 + 23, "{s}");
    assert_eq!(s["inputs"]["pruned_files"], 0, "{s}");
    assert_eq!(s["counted"], expected(&all, last, i64::MAX).0, "{s}");
    let md = fs::read_to_string(&md).unwrap();
    assert!(md.contains("| Pruned files | 0 |"), "{md}");
    assert!(md.contains("| Pruned folders | 52 |"), "{md}");
}

/// An hour in the middle: its records may sit in any blob of the 48
/// hours after it, and the late ones there are found.
#[test]
fn mid_window_finds_late_records_in_later_blobs() {
    let dir = scratch("prune-window-mid");
    let all = write_trees(&dir, JANUARY);
    let mut late_windows = 0;
    for h in [0, 300, 301, 500, HOURS - 49] {
        let since = START + h * 3600;
        let opened = check_window(&dir, &all, JANUARY, since, since + 3600);
        // Blobs of hours h .. h + 48.
        assert_eq!(opened, 49.min((HOURS - h) as u64), "hour {h}");
        late_windows += u32::from(expected(&all, since, since + 3600).1 > 0);
    }
    assert!(late_windows >= 2, "late records in only {late_windows} windows");
    // Per code, the counts add up over the days (a 24-hour window from
    // midnight to midnight).
    let since = START + 10 * 86_400;
    let day = check_window(&dir, &all, JANUARY, since, since + 86_400);
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
    // A record 47 h 59 min old, alone in its window: found in the blob
    // two days later, past two day folders the walk does not enter.
    // (Records are written blob by blob, ON_TIME + 1 per blob.)
    let (_, oldest) = all
        .iter()
        .enumerate()
        .filter(|(_, r)| r.late && r.time > START + 86_400)
        .map(|(i, r)| {
            let blob = START + (i / (ON_TIME + 1)) as i64 * 3600;
            (blob - r.time, r)
        })
        .max_by_key(|(age, _)| *age)
        .unwrap();
    let since = oldest.time;
    let opened = check_window(&dir, &all, JANUARY, since, since + 1);
    assert_eq!(expected(&all, since, since + 1).1, 1);
    assert!(opened >= 48, "{opened}");
}

/// Windows that start and end on day, month and year boundaries, over a
/// tree of the blobs from December 29th, 2023 to January 2nd, 2024:
/// December's late records are found in January's blobs, and the folders
/// of the other month and year are not entered.
#[test]
fn windows_on_day_month_and_year_boundaries() {
    let dir = scratch("prune-window-months");
    let hours = -72..48;
    let all = write_trees(&dir, hours.clone());
    let day = 86_400;
    let windows = [
        // December 31st, up to the new year: its records are also in the
        // blobs of January 1st and 2nd.
        (START - day, START, (24 + 48, 2)),
        // The first day of January: December's folders are not entered
        // (its year, whose month and days it holds, counts once).
        (START, START + day, (48, 1)),
        // From the new year on, `--until` past the tree.
        (START, START + 30 * day, (48, 1)),
        // December 30th: the folders of December 29th and of January
        // 2nd cannot hold its records.
        (START - 2 * day, START - day, (24 + 48, 1 + 1)),
        // The last hour of the year, midnight to midnight of a month.
        (START - 3600, START, (49, 2 + 23)),
    ];
    for (since, until, want) in windows {
        assert_eq!(
            expected_walk(hours.clone(), since, until),
            want,
            "{} .. {}",
            rfc3339(since),
            rfc3339(until)
        );
        check_window(&dir, &all, hours.clone(), since, until);
    }
    // Records are written blob by blob, 72 blobs of December first.
    let late_in_january = all
        .iter()
        .skip(72 * (ON_TIME + 1))
        .filter(|r| r.late && r.time < START)
        .count();
    assert!(late_in_january > 0, "no December record in a January blob");
    // A window after the tree: the year 2023 and January 2024 are pruned,
    // and the run says so rather than that it found nothing.
    let tree = dir.join("tree");
    let o = report(
        &dir.join("after"),
        &[tree.to_str().unwrap(), "--since", "2024-02-10"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "the time window prunes every input: 0 files and 2 partition \
             folders"
        ),
        "{}",
        stderr(&o)
    );
}

/// `--shard` with a window: shards split the listing of a run without a
/// window (a window moves no input to another shard), the partials of
/// the shards merge to the reports of one run, pruned folders included.
#[test]
fn shards_of_a_pruned_walk_merge_to_one_run() {
    let dir = scratch("prune-window-shards");
    let all = write_trees(&dir, JANUARY);
    let tree = dir.join("tree");
    let since = START + 500 * 3600;
    let w = (since, since + 3600);
    let one = run(&dir, "one", &tree, w, &[]);
    assert_eq!(stable_summary(&one)["counted"], expected(&all, w.0, w.1).0);
    let partial = |name: &str| dir.join(name).display().to_string();
    let inputs = |name: &str| -> Vec<String> {
        let bytes = fs::read(partial(name)).unwrap();
        calltally::partial::read(&bytes, name).unwrap().inputs
    };
    let mut partials = Vec::new();
    for i in 0..3 {
        let p = partial(&format!("{i}.partial"));
        shard(&dir, &tree, w, (i, 3), &p);
        partials.push(p);
        // The same shard without a window: a superset.
        let all_p = partial(&format!("all{i}.partial"));
        let o = report(
            &dir.join(format!("all{i}")),
            &[
                tree.to_str().unwrap(),
                "--shard",
                &format!("{i}/3"),
                "--partial",
                &all_p,
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let (windowed, whole) = (
            inputs(&format!("{i}.partial")),
            inputs(&format!("all{i}.partial")),
        );
        assert!(!windowed.is_empty() && whole.len() == 240, "{}", whole.len());
        for name in &windowed {
            assert!(whole.contains(name), "{name} moved to another shard");
        }
    }
    let merged = merge_into(&dir.join("merged"), &partials);
    for name in CSV_FILES {
        assert_eq!(read(&one, name), read(&merged, name), "{name}");
    }
    let s = stable_summary(&one);
    assert_eq!(s, stable_summary(&merged));
    assert_eq!(s["inputs"]["files"], 49, "{s}");
    assert!(s["inputs"]["pruned_folders"].as_u64().unwrap() > 0, "{s}");
    // A partial without `--shard` walks as a run does (pruned folders not
    // entered), and merges to the same reports.
    let p = partial("whole.partial");
    run(&dir, "whole", &tree, w, &["--partial", &p]);
    let alone = merge_into(&dir.join("merged-whole"), &[p]);
    for name in CSV_FILES {
        assert_eq!(read(&one, name), read(&alone, name), "{name}");
    }
    assert_eq!(s, stable_summary(&alone));
}

/// `calltally merge PARTIALS… -o out`; returns `out`.
fn merge_into(out: &Path, partials: &[String]) -> PathBuf {
    let mut args = vec!["merge"];
    args.extend(partials.iter().map(String::as_str));
    let out_arg = out.to_str().unwrap();
    args.extend(["-q", "-o", out_arg]);
    let o = calltally_run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    out.to_owned()
}

/// What lies in a pruned folder (hidden and other files, a FIFO, a
/// symbolic link loop, an earlier report folder, the first place of a
/// file linked from elsewhere) is neither read nor noted: a run with a
/// window says what a walk that does not enter the folder says, and so
/// do the shards of a walk that goes through it to number its files.
#[test]
fn pruned_folders_say_nothing_of_what_they_hold() {
    let dir = scratch("prune-window-holds");
    write_trees(&dir, 0..2);
    let tree = dir.join("tree");
    let day1 = blob(&tree, 0);
    let day1 = day1.ancestors().nth(3).unwrap(); // .../d=01
    let kept = blob(&tree, 9 * 24).parent().unwrap().to_owned();
    fs::create_dir_all(&kept).unwrap();
    let since = START + 9 * 86_400;
    let mut rng = SmallRng::seed_from_u64(1);
    let rec = record(&mut rng, since + 3600, false);
    fs::write(kept.join("PT1H.json"), format!("{}\n", rec.line)).unwrap();
    for d in [day1, &kept] {
        fs::write(d.join(".hidden.json"), "{}\n").unwrap();
        fs::write(d.join("readme.md"), "notes\n").unwrap();
    }
    fs::create_dir_all(day1.join("report")).unwrap();
    fs::write(day1.join("report/summary.json"), "{\"tool\": \"calltally\"}")
        .unwrap();
    fs::write(day1.join("report/by_code.csv"), "x\n").unwrap();
    std::os::unix::fs::symlink("..", day1.join("loop")).unwrap();
    let fifo = day1.join("pipe.json");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.unwrap().success());
    // The first place of this blob is in the pruned folder.
    std::os::unix::fs::symlink(blob(&tree, 1), kept.join("early.json"))
        .unwrap();
    let w = (since, since + 86_400);
    let one = run(&dir, "one", &tree, w, &[]);
    let s = stable_summary(&one);
    assert_eq!(s["counted"], 1, "{s}");
    let inputs = &s["inputs"];
    assert_eq!(inputs["files"], 2, "{s}");
    assert_eq!(inputs["pruned_folders"], 1, "{s}");
    assert_eq!(inputs["pruned_files"], 0, "{s}");
    assert_eq!(inputs["skipped_files"], 2, "{s}");
    assert_eq!(inputs["errors"].as_array().unwrap().len(), 0, "{s}");
    // Without a window, the walk notes all of it (the FIFO and the loop
    // are errors: exit 1).
    let out = dir.join("whole");
    let o = report(&out, &[tree.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let whole = stable_summary(&out);
    assert_eq!(whole["inputs"]["files"], 3, "{whole}");
    assert_eq!(whole["inputs"]["errors"].as_array().unwrap().len(), 2);
    assert!(whole["inputs"]["skipped_files"].as_u64().unwrap() > 4);
    // Shards and their merge.
    let mut partials = Vec::new();
    for i in 0..2 {
        let p = dir.join(format!("{i}.partial")).display().to_string();
        shard(&dir, &tree, w, (i, 2), &p);
        partials.push(p);
    }
    let merged = merge_into(&dir.join("merged"), &partials);
    for name in CSV_FILES {
        assert_eq!(read(&one, name), read(&merged, name), "{name}");
    }
    assert_eq!(s, stable_summary(&merged));
}
