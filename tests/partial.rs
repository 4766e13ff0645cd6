//! Partial tallies and merge (spec §8): any split of any fixture tree into
//! partials, merged in any order and grouping, gives the bytes of one run;
//! a damaged, foreign or newer partial is refused with a message naming
//! the file, never a panic.

use std::path::PathBuf;

use calltally::partial::{self, Merger, Partial};
use calltally::report::{Summary, REPORT_FILES, SUMMARY_JSON};
use calltally::{Catalog, Config, Plan, Run, Shard};
use proptest::prelude::*;

use crate::util::{read, report, root, run, scratch, stable_summary, stderr};

const TREES: [&str; 6] = [
    // Every fixture at once: more malformed samples than a run keeps.
    "fixtures",
    "fixtures/formats",
    "fixtures/slicing",
    "fixtures/storage",
    "fixtures/adversarial",
    // Versions of one participant in several files: only a merge of the
    // partials' version tables counts each participant once.
    "fixtures/updates",
];

/// The plans the property runs under: the default, dimensions, a window
/// with a filter (which prunes storage files), and no distinct counts.
fn plan(i: usize) -> Plan {
    let (by, since, filters, distinct): (&[&str], _, &[&str], _) = match i {
        0 => (&[], None, &[], Some(12)),
        1 => (&["hour,kind"], None, &[], Some(12)),
        2 => (&[], Some("2025-06-01"), &["endpoint_type!=PSTN"], Some(12)),
        _ => (&["endpoint_type"], None, &[], None),
    };
    let by: Vec<String> = by.iter().map(|s| s.to_string()).collect();
    let filters: Vec<String> = filters.iter().map(|s| s.to_string()).collect();
    let now = calltally::Timestamp::now();
    Plan::from_args(&by, since, None, &filters, 1000, distinct, now).unwrap()
}

fn config(paths: Vec<PathBuf>, plan: &Plan, partial: bool) -> Config {
    Config {
        paths,
        plan: plan.clone(),
        threads: 2,
        partial: partial.then(|| PathBuf::from("-")),
        ..Config::default()
    }
}

/// The report files of a run, `summary.json` without what changes from
/// run to run.
fn files(run: &Run) -> Vec<(String, String)> {
    let summary = Summary::new(&run.inputs, &run.tally, &run.report, 0.0)
        .with_walk(&run.walk);
    calltally::render::report_set(&run.report, &summary, None)
        .into_iter()
        .map(|(name, bytes)| {
            let mut text = String::from_utf8(bytes).unwrap();
            if name == SUMMARY_JSON {
                text = text
                    .lines()
                    .filter(|l| !l.contains("\"peak_rss_mb\""))
                    .collect::<Vec<_>>()
                    .join("\n");
            }
            (name.to_owned(), text)
        })
        .collect()
}

/// The partial bytes of a run over `paths` (or a shard of them).
fn partial_of(
    paths: Vec<PathBuf>,
    plan: &Plan,
    shard: Option<Shard>,
) -> Vec<u8> {
    let catalog = Catalog::embedded();
    let mut c = config(paths, plan, true);
    c.shard = shard;
    let run = calltally::run(&c, catalog).unwrap();
    partial::write(&Partial::of_run(&run, catalog))
}

/// Merge partial images into one image.
fn merge(parts: &[&[u8]]) -> Vec<u8> {
    let mut m = Merger::new();
    for (i, p) in parts.iter().enumerate() {
        let name = format!("part{i}");
        m.add(partial::read(p, &name).unwrap(), &name).unwrap();
    }
    partial::write(&m.finish().unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Split a tree's files into up to five partials (by list, or by
    /// `--shard`), merge them pairwise in a random order and grouping:
    /// the reports are those of one run, and the merged partial's bytes
    /// are those of a flat merge in another order.
    #[test]
    fn any_split_merged_any_way_gives_one_run(
        tree in 0..TREES.len(),
        plan_no in 0usize..4,
        parts in 1usize..6,
        by_shard in any::<bool>(),
        assign in proptest::collection::vec(0usize..5, 64),
        picks in proptest::collection::vec(any::<prop::sample::Index>(), 16),
    ) {
        let plan = plan(plan_no);
        let catalog = Catalog::embedded();
        let (listed, _) = calltally::collect(&[TREES[tree].into()]);
        // One run over what the partials read: the tree walked (shards of
        // its listing), or the files the lists name (files named are read
        // whatever their names, and a walk's notes are not theirs).
        let one_paths: Vec<PathBuf> = if by_shard {
            vec![TREES[tree].into()]
        } else {
            listed.iter().map(|i| PathBuf::from(&i.name)).collect()
        };
        let one = calltally::run(&config(one_paths, &plan, false), catalog)
            .unwrap();
        let images: Vec<Vec<u8>> = if by_shard {
            (0..parts as u32)
                .map(|index| partial_of(
                    vec![TREES[tree].into()],
                    &plan,
                    Some(Shard { index, count: parts as u32 }),
                ))
                .collect()
        } else {
            let mut lists = vec![Vec::new(); parts];
            for (i, input) in listed.iter().enumerate() {
                lists[assign[i % assign.len()] % parts].push(PathBuf::from(&input.name));
            }
            lists.into_iter().map(|l| partial_of(l, &plan, None)).collect()
        };
        // Pairwise merges in a random order and grouping.
        let mut pool = images.clone();
        let mut k = 0;
        while pool.len() > 1 {
            let a = pool.remove(picks[k % picks.len()].index(pool.len()));
            let b = pool.remove(picks[(k + 1) % picks.len()].index(pool.len()));
            k += 2;
            pool.push(merge(&[&a, &b]));
        }
        let flat: Vec<&[u8]> = images.iter().rev().map(Vec::as_slice).collect();
        prop_assert_eq!(&pool[0], &merge(&flat), "merge order changed the bytes");
        let merged = partial::read(&pool[0], "merged").unwrap();
        let run = calltally::run_of_partial(merged, catalog, 0.0, &[], None);
        if one.inputs.is_empty() {
            // Every file pruned: one run has nothing to read, nor the merge.
            prop_assert!(matches!(run, Err(calltally::Error::NoInput(_))));
            return Ok(());
        }
        let run = run.unwrap();
        let (want, got) = (files(&one), files(&run));
        for ((name, w), (_, g)) in want.iter().zip(&got) {
            prop_assert!(w == g, "{} differs:\n{}\nvs\n{}", name, w, g);
        }
    }
}

/// A small partial of the formats tree (with samples, errors, sketches).
fn sample_partial() -> Vec<u8> {
    partial_of(vec!["fixtures/formats/csv".into()], &plan(1), None)
}

fn refused(bytes: &[u8]) -> String {
    match partial::read(bytes, "x.partial") {
        Ok(_) => panic!("read {} bytes as a partial", bytes.len()),
        Err(e) => {
            let msg = e.to_string();
            assert!(
                msg.starts_with("x.partial: not a usable partial"),
                "{msg}"
            );
            msg
        }
    }
}

#[test]
fn every_truncation_and_every_flipped_bit_is_refused() {
    let good = sample_partial();
    assert!(partial::read(&good, "x").is_ok());
    for len in 0..good.len() {
        let msg = refused(&good[..len]);
        assert!(msg.contains("truncated"), "{len}: {msg}");
    }
    for at in 0..good.len() {
        for bit in [0, 3, 7] {
            let mut bad = good.clone();
            bad[at] ^= 1 << bit;
            refused(&bad);
        }
    }
}

#[test]
fn foreign_and_future_partials_say_so() {
    let good = sample_partial();
    assert!(refused(b"{\"tool\":\"calltally\"}").contains("wrong magic"));
    let mut future = good.clone();
    future[8] = 2;
    let crc = crc32(&future[..12]);
    future[12..16].copy_from_slice(&crc.to_le_bytes());
    let msg = refused(&future);
    assert!(msg.contains("format version 2 is newer"), "{msg}");
    let mut extra = good.clone();
    extra.push(0);
    assert!(refused(&extra).contains("1 bytes after the end section"));
}

fn crc32(b: &[u8]) -> u32 {
    let mut c = flate2::Crc::new();
    c.update(b);
    c.sum()
}

/// A section `id` with `flags` and `body`, framed as the format says.
fn section(id: u16, flags: u16, body: &[u8]) -> Vec<u8> {
    let mut s = Vec::new();
    s.extend_from_slice(&id.to_le_bytes());
    s.extend_from_slice(&flags.to_le_bytes());
    s.extend_from_slice(&(body.len() as u64).to_le_bytes());
    s.extend_from_slice(body);
    let crc = crc32(&s);
    s.extend_from_slice(&crc.to_le_bytes());
    s
}

#[test]
fn unknown_optional_sections_are_skipped_unknown_required_refused() {
    let good = sample_partial();
    let end = good.len() - 16; // the END section: 12 + 0 + 4 bytes
    let with = |s: Vec<u8>| [&good[..end], &s, &good[end..]].concat();
    let skipped =
        partial::read(&with(section(0x4000, 0, b"later")), "x").unwrap();
    assert_eq!(skipped, partial::read(&good, "x").unwrap());
    // The version table is known: a damaged one is refused as damage.
    let msg = refused(&with(section(partial::section::UPDATES, 1, b"v")));
    assert!(msg.contains("versions"), "{msg}");
    let msg = refused(&with(section(0x4001, 1, b"")));
    assert!(msg.contains("does not know and must not skip"), "{msg}");
}

#[test]
fn merge_cli_refuses_other_plans_and_bad_files_naming_them() {
    let dir = scratch("partial-cli");
    let p = |name: &str| dir.join(name).display().to_string();
    for (name, by) in [("a.partial", "hour,kind"), ("b.partial", "hour")] {
        let o = run(&[
            "report",
            "fixtures/slicing",
            "--by",
            by,
            "--partial",
            &p(name),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let o = run(&["merge", &p("a.partial"), &p("b.partial"), "-o", &p("out")]);
    assert_eq!(o.status.code(), Some(1));
    let want = format!(
        "--by differs: hour,kind in {} vs hour in {}",
        p("a.partial"),
        p("b.partial")
    );
    assert!(stderr(&o).contains(&want), "{}", stderr(&o));
    assert!(!dir.join("out").exists(), "nothing written");
    std::fs::write(dir.join("c.partial"), b"not a partial").unwrap();
    let o = run(&["merge", &p("a.partial"), &p("c.partial"), "-o", &p("out")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o)
            .contains(&format!("{}: not a usable partial", p("c.partial"))),
        "{}",
        stderr(&o)
    );
    assert!(!dir.join("out").exists(), "nothing written");
}

#[test]
fn merge_cli_writes_the_reports_of_one_run() {
    let dir = scratch("partial-cli-run");
    let one = dir.join("one");
    // (Named in path order: the order a merge rebuilds.)
    let o = report(&one, &["fixtures/formats", "fixtures/storage"]);
    let code = o.status.code();
    let p = |i: u32| dir.join(format!("{i}.partial")).display().to_string();
    let mut args = vec!["merge".to_owned()];
    for i in 0..3 {
        let shard = format!("{i}/3");
        let o = run(&[
            "report",
            "fixtures/storage",
            "fixtures/formats",
            "--shard",
            &shard,
            "--partial",
            &p(i),
        ]);
        assert_eq!(o.status.code(), code, "{}", stderr(&o));
        args.push(p(i));
    }
    let merged = dir.join("merged");
    args.extend(["-q".into(), "-o".into(), merged.display().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run(&args);
    assert_eq!(o.status.code(), code, "the run's exit code: {}", stderr(&o));
    for f in &REPORT_FILES[..3] {
        assert_eq!(read(&one, f), read(&merged, f), "{f}");
    }
    assert_eq!(stable_summary(&one), stable_summary(&merged));
    // To stdout and back through stdin.
    let o = run(&["report", "fixtures/slicing", "--partial", "-"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(&o.stdout[..8], &partial::MAGIC);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Damage past the checksums (bytes changed, then every CRC
    /// recomputed) reaches the section decoders: an error or a partial
    /// that writes back canonically, merges and reports, never a panic
    /// (the `partial` fuzz target's property).
    #[test]
    fn damage_behind_valid_checksums_never_panics(
        changes in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let mut bytes = sample_partial();
        for (at, b) in changes {
            let at = 16 + at.index(bytes.len() - 16);
            bytes[at] = b;
        }
        let bytes = partial::reseal(&bytes);
        if let Ok(p) = partial::read(&bytes, "x") {
            let again = partial::write(&p);
            let q = partial::read(&again, "y").unwrap();
            prop_assert_eq!(partial::write(&q), again);
            let mut m = Merger::new();
            m.add(p, "a").unwrap();
            m.add(q, "b").unwrap();
            let _ = calltally::run_of_partial(m.finish().unwrap(), Catalog::embedded(), 0.0, &[], None);
        }
    }
}

#[test]
fn an_empty_shard_writes_a_partial_and_a_merge_of_nothing_fails() {
    let dir = scratch("partial-empty");
    let p = |name: &str| dir.join(name).display().to_string();
    // fixtures/slicing holds fewer than 50 files: shard 49/50 is empty.
    let o = run(&[
        "report",
        "fixtures/slicing",
        "--shard",
        "49/50",
        "--partial",
        &p("e.partial"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let e =
        partial::read(&std::fs::read(p("e.partial")).unwrap(), "e").unwrap();
    assert!(e.inputs.is_empty() && e.tally.cells.is_empty());
    let o = run(&["merge", &p("e.partial"), &p("e.partial"), "-o", &p("out")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("the partials read no input"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.join("out").exists());
}

/// Walk notes belong to the listing: three shards of a tree holding an
/// earlier report folder (skipped) and a FIFO (a walk error) merge to the
/// one run's notes and errors, counted once.
#[test]
fn shards_of_one_listing_count_its_walk_notes_once() {
    let dir = scratch("partial-walk");
    let tree = dir.join("logs");
    std::fs::create_dir_all(tree.join("old-report")).unwrap();
    let csv = root().join("fixtures/slicing/export.csv");
    std::fs::copy(csv, tree.join("export.csv")).unwrap();
    let logs = root().join("fixtures/storage");
    let o = report(&tree.join("old-report"), &[logs.to_str().unwrap()]);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
    let fifo = tree.join("pipe");
    let made =
        std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let plan = plan(0);
    let catalog = Catalog::embedded();
    let one =
        calltally::run(&config(vec![tree.clone()], &plan, false), catalog)
            .unwrap();
    assert!(one.walk.skipped_files > 0, "the old report is skipped");
    let images: Vec<Vec<u8>> = (0..3)
        .map(|index| {
            partial_of(
                vec![tree.clone()],
                &plan,
                Some(Shard { index, count: 3 }),
            )
        })
        .collect();
    let parts: Vec<&[u8]> = images.iter().map(Vec::as_slice).collect();
    let merged = partial::read(&merge(&parts), "m").unwrap();
    let run =
        calltally::run_of_partial(merged, catalog, 0.0, &[], None).unwrap();
    assert_eq!(run.walk.skipped_files, one.walk.skipped_files);
    assert_eq!(files(&one), files(&run));
}
