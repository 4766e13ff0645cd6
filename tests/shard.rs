//! `--shard I/N` and `--inputs-from FILE` (spec §8): N workers over one
//! listing read every input exactly once between them.

use std::collections::BTreeMap;

use crate::util::{read, report, scratch, stable_summary, stderr};

/// Counts per (category, code, subcode) of a by_code.csv.
fn counts(by_code: &str) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    let mut rdr = csv::Reader::from_reader(by_code.as_bytes());
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let key = format!("{},{},{}", &rec[0], &rec[2], &rec[3]);
        *m.entry(key).or_insert(0) += rec[4].parse::<u64>().unwrap();
    }
    m
}

#[test]
fn four_shards_read_what_one_run_reads() {
    let whole = scratch("shard-whole");
    let o = report(&whole, &["fixtures/storage", "fixtures/formats"]);
    assert!(
        o.status.code() == Some(0) || o.status.code() == Some(1),
        "{}",
        stderr(&o)
    );
    let want = counts(&read(&whole, "by_code.csv"));
    let files = stable_summary(&whole)["inputs"]["files"].as_u64().unwrap();
    let mut got: BTreeMap<String, u64> = BTreeMap::new();
    let mut shard_files = 0;
    for i in 0..4 {
        let out = scratch("shard");
        let shard = format!("{i}/4");
        let o = report(
            &out,
            &["fixtures/storage", "fixtures/formats", "--shard", &shard],
        );
        assert!(
            o.status.code() == Some(0) || o.status.code() == Some(1),
            "{}",
            stderr(&o)
        );
        for (k, v) in counts(&read(&out, "by_code.csv")) {
            *got.entry(k).or_insert(0) += v;
        }
        shard_files +=
            stable_summary(&out)["inputs"]["files"].as_u64().unwrap();
    }
    assert_eq!(got, want);
    assert_eq!(shard_files, files);
}

#[test]
fn inputs_come_from_a_list() {
    let dir = scratch("inputs-from");
    let list = dir.join("list.txt");
    std::fs::write(&list, "fixtures/storage\n\nfixtures/formats/csv\r\n")
        .unwrap();
    let from_list = dir.join("a");
    let o = report(&from_list, &["--inputs-from", list.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let named = dir.join("b");
    let o = report(&named, &["fixtures/storage", "fixtures/formats/csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(read(&from_list, "by_code.csv"), read(&named, "by_code.csv"));
    let missing = dir.join("c");
    let o = report(&missing, &["--inputs-from", "no/such/list"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no/such/list"), "{}", stderr(&o));
}

#[test]
fn a_bad_shard_is_a_usage_error() {
    for bad in ["4/4", "1", "a/b", "-1/2"] {
        let out = scratch("shard-bad");
        let o = report(&out, &["fixtures/storage", "--shard", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
    }
}
