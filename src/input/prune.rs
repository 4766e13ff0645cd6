//! Path pruning for time windows (spec §7): Azure Monitor storage exports
//! put each blob under `y=YYYY/m=MM/d=DD/h=HH/m=00/`, the hour the service
//! received its records. A blob holds records received in that hour, up to
//! [`MAX_AGE_HOURS`] old, so its records' times lie in
//! `[hour - 48 h, hour + 1 h)`; a blob whose range misses the window cannot
//! hold a record of it and is not opened.
//!
//! The same reasoning bounds a partition *folder*: everything under
//! `d=DD/` was received that day, so its records lie in
//! `[day - 48 h, day + 24 h)`, and likewise for a month (`y=/m=`) or a
//! year (`y=`) folder. [`span`] gives the bound of any path, folder or
//! file, and [`Window::misses`] decides for both: a directory walk does not
//! enter a folder the window misses ([`super::walk`]).

use std::path::Path;

use super::{Input, Source};
use crate::record::time::Timestamp;

/// How old a record may be when its blob's hour is written (Azure Monitor
/// accepts records up to 48 hours late).
pub const MAX_AGE_HOURS: i64 = 48;

/// The span of record times a path's partitions allow: `[from, to)`;
/// `None` for a path without a `y=` partition, or with a partition that
/// is not a date (`m=13`, `h=24`).
///
/// Partitions narrow in the order `y=`, `m=`, `d=`, `h=`: a path with
/// `y=` alone spans its year, with `y=/m=` its month, with `y=/m=/d=` its
/// day, with all four its hour; a partition below a missing one is not
/// used (`y=2026/d=20` spans the year). Each span is widened by
/// [`MAX_AGE_HOURS`] before its start. The first value of each key is
/// used: `m=` appears twice in a storage path (month, then minute `00`
/// under `h=`), and the first is the month. So a folder's span holds the
/// span of everything under it.
pub fn span(path: &str) -> Option<(Timestamp, Timestamp)> {
    let part = |key: &str| -> Option<u32> {
        path.split('/')
            .filter_map(|seg| seg.strip_prefix(key))
            .filter_map(|v| v.parse::<u32>().ok())
            .next()
    };
    let year = i64::from(part("y=")?);
    let (start, end) = match part("m=") {
        None => (
            Timestamp::from_date(year, 1, 1)?,
            Timestamp::from_date(year + 1, 1, 1)?,
        ),
        Some(month) => match part("d=") {
            None => {
                let (y, m) = if month == 12 {
                    (year + 1, 1)
                } else {
                    (year, month + 1)
                };
                (
                    Timestamp::from_date(year, month, 1)?,
                    Timestamp::from_date(y, m, 1)?,
                )
            }
            Some(day) => {
                let day = Timestamp::from_date(year, month, day)?;
                match part("h=") {
                    Some(h) if h < 24 => {
                        let hour = day.plus(i64::from(h) * 3600);
                        (hour, hour.plus(3600))
                    }
                    Some(_) => return None,
                    None => (day, day.plus(86_400)),
                }
            }
        },
    };
    Some((start.plus(-MAX_AGE_HOURS * 3600), end))
}

/// A time window `[since, until)` (either end open) that prunes paths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// The first time kept.
    pub since: Option<Timestamp>,
    /// The first time past the window.
    pub until: Option<Timestamp>,
}

impl Window {
    /// The window of `--since`/`--until`; `None` when neither is given
    /// (nothing can be pruned).
    pub fn new(
        since: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> Option<Window> {
        (since.is_some() || until.is_some()).then_some(Window { since, until })
    }

    /// Whether the partitions of `path` (a folder or a file) prove that
    /// nothing under it holds a record of the window.
    pub fn misses(&self, path: &Path) -> bool {
        let Some((from, to)) = path.to_str().and_then(span) else {
            return false;
        };
        self.since.is_some_and(|s| to <= s)
            || self.until.is_some_and(|u| from >= u)
    }
}

/// Whether an input cannot hold a record of the window `[since, until)`.
pub fn outside(
    input: &Input,
    since: Option<Timestamp>,
    until: Option<Timestamp>,
) -> bool {
    let Source::File(path) = &input.source else { return false };
    Window::new(since, until).is_some_and(|w| w.misses(path))
}

/// Keep the inputs that may hold records of the window; the number left
/// out is returned beside them.
pub fn prune(
    inputs: Vec<Input>,
    since: Option<Timestamp>,
    until: Option<Timestamp>,
) -> (Vec<Input>, u64) {
    if since.is_none() && until.is_none() {
        return (inputs, 0);
    }
    let before = inputs.len();
    let kept: Vec<Input> =
        inputs.into_iter().filter(|i| !outside(i, since, until)).collect();
    let pruned = (before - kept.len()) as u64;
    (kept, pruned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::time::parse;

    fn input(path: &str) -> Input {
        Input { name: path.into(), source: Source::File(path.into()) }
    }

    const BLOB: &str = "logs/insights-logs-callsummary/resourceId=/SUBSCRIPTIONS/X/y=2026/m=11/d=20/h=10/m=00/PT1H.json";

    #[test]
    fn spans_of_storage_paths() {
        let (from, to) = span(BLOB).unwrap();
        assert_eq!(from, parse("2026-11-18T10:00:00Z").unwrap());
        assert_eq!(to, parse("2026-11-20T11:00:00Z").unwrap());
        let (from, to) = span("x/y=2026/m=11/d=20/PT1H.json").unwrap();
        assert_eq!(from, parse("2026-11-18T00:00:00Z").unwrap());
        assert_eq!(to, parse("2026-11-21T00:00:00Z").unwrap());
        assert_eq!(span("logs/2026/11/20/a.json"), None);
        assert_eq!(span("x/y=2026/m=13/d=20/a.json"), None);
        assert_eq!(span("x/y=2026/m=11/d=20/h=24/a.json"), None);
    }

    #[test]
    fn spans_of_partition_folders() {
        let span_of = |p: &str| {
            let (from, to) = span(p).unwrap();
            (from.to_string(), to.to_string())
        };
        let root = "logs/insights-logs-callsummary/resourceId=/S/X";
        let s = |from: &str, to: &str| (from.to_owned(), to.to_owned());
        // A year, widened by 48 hours before it.
        assert_eq!(
            span_of(&format!("{root}/y=2026")),
            s("2025-12-30T00:00:00Z", "2027-01-01T00:00:00Z")
        );
        // A month; December ends with the year; February of a leap year.
        assert_eq!(
            span_of(&format!("{root}/y=2026/m=11")),
            s("2026-10-30T00:00:00Z", "2026-12-01T00:00:00Z")
        );
        assert_eq!(
            span_of(&format!("{root}/y=2026/m=12")),
            s("2026-11-29T00:00:00Z", "2027-01-01T00:00:00Z")
        );
        assert_eq!(
            span_of("y=2024/m=02"),
            s("2024-01-30T00:00:00Z", "2024-03-01T00:00:00Z")
        );
        // A day, an hour, and the minute folder `m=00` under the hour
        // (the first `m=` is the month): the hour's span, as its blob's.
        assert_eq!(
            span_of(&format!("{root}/y=2026/m=11/d=20")),
            s("2026-11-18T00:00:00Z", "2026-11-21T00:00:00Z")
        );
        let hour = span_of(&format!("{root}/y=2026/m=11/d=20/h=10"));
        assert_eq!(hour, s("2026-11-18T10:00:00Z", "2026-11-20T11:00:00Z"));
        assert_eq!(
            span_of(&format!("{root}/y=2026/m=11/d=20/h=10/m=00")),
            hour
        );
        assert_eq!(span_of(BLOB), hour);
        // Each folder's span holds its children's.
        let chain = ["y=2026", "m=11", "d=20", "h=10", "m=00", "PT1H.json"];
        for n in 1..chain.len() {
            let (outer, inner) = (chain[..n].join("/"), chain[..=n].join("/"));
            let ((a, b), (c, d)) =
                (span(&outer).unwrap(), span(&inner).unwrap());
            assert!(a <= c && d <= b, "{outer} does not hold {inner}");
        }
        // A partition below a missing one is not used; a partition that
        // is not a date proves nothing.
        assert_eq!(span_of("y=2026/d=20"), span_of("y=2026"));
        assert_eq!(span_of("y=2026/m=11/h=10"), span_of("y=2026/m=11"));
        assert_eq!(span("x/m=11/d=20"), None);
        assert_eq!(span("x/y=2026/m=0"), None);
        assert_eq!(span("x/y=2026/m=02/d=30"), None);
        assert_eq!(span("x/y=abc/m=02"), None);
    }

    #[test]
    fn folders_are_missed_only_when_nothing_under_them_can_match() {
        let w = |since: Option<&str>, until: Option<&str>| {
            Window::new(since.and_then(parse), until.and_then(parse)).unwrap()
        };
        let missed = |w: Window, p: &str| w.misses(Path::new(p));
        // The last hour of the 30th of January: December is missed,
        // January is not; the day folders before the 30th are missed (a
        // blob holds records older than its hour, never newer), the 30th
        // is not, but its hours before 23:00 are.
        let last =
            w(Some("2024-01-30T23:00:00Z"), Some("2024-01-31T00:00:00Z"));
        assert!(missed(last, "t/y=2023"));
        assert!(missed(last, "t/y=2023/m=12"));
        assert!(!missed(last, "t/y=2024"));
        assert!(!missed(last, "t/y=2024/m=01"));
        assert!(missed(last, "t/y=2024/m=01/d=29"));
        assert!(!missed(last, "t/y=2024/m=01/d=30"));
        assert!(missed(last, "t/y=2024/m=01/d=30/h=22"));
        assert!(missed(last, "t/y=2024/m=01/d=30/h=22/m=00"));
        assert!(!missed(last, "t/y=2024/m=01/d=30/h=23/m=00"));
        // Later folders hold records up to 48 hours old: the blobs of
        // the 48 hours after the window's hour may hold some of it, the
        // 49th may not.
        assert!(!missed(last, "t/y=2024/m=02"));
        assert!(!missed(last, "t/y=2024/m=02/d=01/h=23"));
        assert!(missed(last, "t/y=2024/m=02/d=02"));
        assert!(missed(last, "t/y=2024/m=02/d=02/h=00/m=00"));
        assert!(missed(last, "t/y=2025"));
        // A window that starts at midnight of a month's first day: the
        // previous month can hold none of its records, its last day's
        // folder neither; the month after can, for 48 hours.
        let feb =
            w(Some("2024-02-01T00:00:00Z"), Some("2024-02-02T00:00:00Z"));
        assert!(missed(feb, "t/y=2024/m=01"));
        assert!(missed(feb, "t/y=2024/m=01/d=31"));
        assert!(!missed(feb, "t/y=2024/m=02/d=01"));
        assert!(!missed(feb, "t/y=2024/m=02/d=03"));
        assert!(missed(feb, "t/y=2024/m=02/d=04"));
        assert!(!missed(feb, "t/y=2024/m=02"));
        assert!(missed(feb, "t/y=2024/m=03"));
        // One bound only; no window prunes nothing; no partitions, no
        // proof.
        let since = w(Some("2024-03-01T00:00:00Z"), None);
        assert!(missed(since, "t/y=2024/m=02"));
        assert!(!missed(since, "t/y=2024/m=03"));
        assert!(!missed(since, "t/y=2030"));
        assert!(!missed(since, "t/2023/01"));
        let until = w(None, Some("2024-03-01T00:00:00Z"));
        assert!(!missed(until, "t/y=2024/m=02"));
        // March 1st's folder holds records 48 hours older: of February.
        assert!(!missed(until, "t/y=2024/m=03/d=01"));
        assert!(!missed(until, "t/y=2024/m=03/d=02/h=23"));
        assert!(missed(until, "t/y=2024/m=03/d=03"));
        assert_eq!(Window::new(None, None), None);
    }

    #[test]
    fn windows_prune_only_what_cannot_match() {
        let t = |s| parse(s);
        // Records of the 10:00 blob are before 11:00: a window from 11:00
        // misses it; one from 10:59:59 does not.
        assert!(outside(&input(BLOB), t("2026-11-20T11:00:00Z"), None));
        assert!(!outside(&input(BLOB), t("2026-11-20T10:59:59Z"), None));
        // A record 48 hours late is still in the 10:00 blob.
        assert!(!outside(&input(BLOB), None, t("2026-11-18T10:00:01Z")));
        assert!(outside(&input(BLOB), None, t("2026-11-18T10:00:00Z")));
        assert!(!outside(
            &input("stdin-like/a.json"),
            t("2030-01-01T00:00:00Z"),
            None
        ));
        let (kept, pruned) = prune(
            vec![input(BLOB), input("other.json")],
            t("2026-11-21T00:00:00Z"),
            None,
        );
        assert_eq!((kept.len(), pruned), (1, 1));
    }
}
