//! CallSummaryUpdates versions (spec §3) on `fixtures/updates/` (made by
//! `fixtures/make_updates.py`, which also works out the expected counts
//! from the rule, independently of the library, into
//! `tests/golden/updates/expected.json`): the same counts at every thread
//! count, chunk size and read path, with and without distinct counting
//! (without it, a piece holding versions is read again for their ids),
//! with `--by`, and the accounting identity with `superseded`.

use std::collections::BTreeMap;

use crate::util::{read, report, scratch, stderr};

const FIXTURE: &str = "fixtures/updates";

type Row = (String, i64, i64);

fn expected() -> serde_json::Value {
    let text = std::fs::read_to_string("tests/golden/updates/expected.json")
        .expect("expected.json");
    serde_json::from_str(&text).unwrap()
}

/// by_code.csv rows without dimension columns, summed over the groups:
/// (category, code, subcode) → (count, calls, participants).
fn rows(csv: &str, dims: usize) -> BTreeMap<Row, (u64, String, String)> {
    let mut out: BTreeMap<Row, (u64, String, String)> = BTreeMap::new();
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let f = &f[dims..];
        let key =
            (f[0].to_owned(), f[2].parse().unwrap(), f[3].parse().unwrap());
        let e = out.entry(key).or_default();
        e.0 += f[4].parse::<u64>().unwrap();
        e.1 = f[6].to_owned();
        e.2 = f[7].to_owned();
    }
    out
}

#[test]
fn only_the_highest_version_of_each_participant_counts_on_every_path() {
    let want = expected();
    let want_rows: BTreeMap<Row, (u64, String, String)> = want["by_code"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                (
                    r["result_category"].as_str().unwrap().to_owned(),
                    r["code"].as_i64().unwrap(),
                    r["subcode"].as_i64().unwrap(),
                ),
                (
                    r["count"].as_u64().unwrap(),
                    r["calls"].to_string(),
                    r["participants"].to_string(),
                ),
            )
        })
        .collect();
    for way in [
        &["-j1"][..],
        &["-j2", "--chunk-size", "97"],
        &["-j2", "--no-mmap", "--chunk-size", "500"],
        &["-j1", "--no-distinct"],
        &["-j2", "--no-distinct", "--chunk-size", "300"],
        &["-j2", "--no-distinct", "--no-mmap", "--chunk-size", "97"],
    ] {
        let out = scratch("updates");
        let mut args = vec![FIXTURE];
        args.extend(way);
        let o = report(&out, &args);
        assert_eq!(o.status.code(), Some(0), "{way:?}: {}", stderr(&o));
        let got = rows(&read(&out, "by_code.csv"), 0);
        let distinct = !way.contains(&"--no-distinct");
        let want: BTreeMap<_, _> = want_rows
            .iter()
            .map(|(k, (n, c, p))| {
                let (c, p) = if distinct {
                    (c.clone(), p.clone())
                } else {
                    (String::new(), String::new())
                };
                (k.clone(), (*n, c, p))
            })
            .collect();
        assert_eq!(got, want, "{way:?}");
        let s: serde_json::Value =
            serde_json::from_str(&read(&out, "summary.json")).unwrap();
        for k in ["records", "counted", "without_code", "superseded"] {
            assert_eq!(s[k], want_summary(k), "{way:?}: {k}");
        }
    }
}

fn want_summary(key: &str) -> serde_json::Value {
    expected()[key].clone()
}

#[test]
fn versions_settle_within_dimension_groups_and_windows() {
    // With --by hour the winner's own hour counts: the totals per triple
    // are those of the plain run.
    let plain = scratch("updates");
    assert_eq!(report(&plain, &[FIXTURE, "-j1"]).status.code(), Some(0));
    let by = scratch("updates");
    let o = report(&by, &[FIXTURE, "-j2", "--by", "hour,kind"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let count_only = |m: BTreeMap<Row, (u64, String, String)>| {
        m.into_iter().map(|(k, v)| (k, v.0)).collect::<BTreeMap<_, _>>()
    };
    assert_eq!(
        count_only(rows(&read(&by, "by_code.csv"), 2)),
        count_only(rows(&read(&plain, "by_code.csv"), 0))
    );
    // A window applies before versions: records outside it are filtered,
    // and the rest still satisfy the accounting identity.
    let win = scratch("updates");
    let o = report(
        &win,
        &[
            FIXTURE,
            "--since",
            "2026-11-20T10:00:00Z",
            "--until",
            "2026-11-20T12:00:00Z",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s: serde_json::Value =
        serde_json::from_str(&read(&win, "summary.json")).unwrap();
    let n = |k: &str| s[k].as_u64().unwrap_or(0);
    assert!(n("filtered") > 0 && n("superseded") > 0, "{s}");
    assert_eq!(
        n("records"),
        n("counted") + n("without_code") + n("superseded") + n("filtered")
    );
}

#[test]
fn summaries_and_their_updates_read_together_are_warned_about() {
    // The fixture holds 5 plain CallSummary records of versioned
    // participants beside the versions.
    let out = scratch("updates");
    let o = report(&out, &[FIXTURE]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("5 CallSummary records without a callUpdatesVersion")
            && err.contains("each participant counts twice"),
        "{err}"
    );
    let s: serde_json::Value =
        serde_json::from_str(&read(&out, "summary.json")).unwrap();
    assert_eq!(s["versioned"], 203, "{s}");
    // The updates alone: no warning.
    let only = scratch("updates");
    let o = report(&only, &["fixtures/updates/updates-la-export.csv"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!stderr(&o).contains("counts twice"), "{}", stderr(&o));
}
