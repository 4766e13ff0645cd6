//! Path pruning for time windows (spec §7): Azure Monitor storage exports
//! put each blob under `y=YYYY/m=MM/d=DD/h=HH/m=00/`, the hour the service
//! received its records. A blob holds records received in that hour, up to
//! [`MAX_AGE_HOURS`] old, so its records' times lie in
//! `[hour - 48 h, hour + 1 h)`; a blob whose range misses the window cannot
//! hold a record of it and is not opened.

use super::{Input, Source};
use crate::record::time::Timestamp;

/// How old a record may be when its blob's hour is written (Azure Monitor
/// accepts records up to 48 hours late).
pub const MAX_AGE_HOURS: i64 = 48;

/// The span of record times a path's partitions allow: `[from, to)`;
/// `None` for a path without `y=`/`m=`/`d=` partitions.
pub fn span(path: &str) -> Option<(Timestamp, Timestamp)> {
    let part = |key: &str| -> Option<u32> {
        path.split('/')
            .filter_map(|seg| seg.strip_prefix(key))
            .filter_map(|v| v.parse::<u32>().ok())
            .next()
    };
    let year = part("y=")?;
    let month = part("m=")?;
    let day = part("d=")?;
    let start = Timestamp::from_date(i64::from(year), month, day)?;
    // `m=` appears twice in a storage path (month, then minute 00): the
    // first is the month, which `part` takes.
    let (start, len) = match part("h=") {
        Some(h) if h < 24 => (start.plus(i64::from(h) * 3600), 3600),
        Some(_) => return None,
        None => (start, 86_400),
    };
    Some((start.plus(-MAX_AGE_HOURS * 3600), start.plus(len)))
}

/// Whether an input cannot hold a record of the window `[since, until)`.
pub fn outside(
    input: &Input,
    since: Option<Timestamp>,
    until: Option<Timestamp>,
) -> bool {
    let Source::File(path) = &input.source else { return false };
    let Some((from, to)) = path.to_str().and_then(span) else { return false };
    since.is_some_and(|s| to <= s) || until.is_some_and(|u| from >= u)
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
