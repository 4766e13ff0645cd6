//! Record times (spec §7): timestamps as ACS logs write them, to UTC, and
//! the hour and day buckets of `--by hour|day`.
//!
//! Accepted forms, all without allocating:
//! - RFC 3339 / ISO 8601: `2026-11-20T10:15:30Z`, with 0 to 9 fractional
//!   digits (`.7460000` from .NET), `Z`/`z` or an offset (`+02:00`,
//!   `-0530`, `+02`), `T`, `t` or a space between date and time; without
//!   an offset the time is taken as UTC (Log Analytics exports are UTC);
//! - the portal's CSV form: `5/25/2023, 5:43:25.746 PM` (month/day/year,
//!   a 12-hour clock, the comma optional), UTC.
//!
//! Anything else (a date alone, out-of-range fields, trailing text) is not
//! a time: the record's bucket is `unknown`.

use std::fmt;

/// A point in time, UTC: seconds since 1970-01-01T00:00:00Z and the
/// nanoseconds past them. Ordered chronologically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Whole seconds since the Unix epoch (negative before 1970).
    pub secs: i64,
    /// Nanoseconds past `secs`, `0..1_000_000_000`.
    pub nanos: u32,
}

impl Timestamp {
    /// Midnight UTC of a calendar date, if the date exists.
    pub fn from_date(year: i64, month: u32, day: u32) -> Option<Timestamp> {
        valid_date(year, month, day).then(|| Timestamp {
            secs: days_from_civil(year, month, day) * 86_400,
            nanos: 0,
        })
    }

    /// The start of its hour.
    pub fn hour(self) -> Timestamp {
        Timestamp { secs: self.secs.div_euclid(3600) * 3600, nanos: 0 }
    }

    /// The start of its day.
    pub fn day(self) -> Timestamp {
        Timestamp { secs: self.secs.div_euclid(86_400) * 86_400, nanos: 0 }
    }

    /// `self` moved by `secs` seconds.
    pub fn plus(self, secs: i64) -> Timestamp {
        Timestamp { secs: self.secs + secs, nanos: self.nanos }
    }

    /// The hour bucket: `2026-11-20T10:00:00Z`.
    pub fn hour_bucket(self) -> String {
        let (y, m, d) = civil_from_days(self.secs.div_euclid(86_400));
        let h = self.secs.rem_euclid(86_400) / 3600;
        format!("{y:04}-{m:02}-{d:02}T{h:02}:00:00Z")
    }

    /// The day bucket: `2026-11-20`.
    pub fn day_bucket(self) -> String {
        let (y, m, d) = civil_from_days(self.secs.div_euclid(86_400));
        format!("{y:04}-{m:02}-{d:02}")
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC, with the fraction only when there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d) = civil_from_days(self.secs.div_euclid(86_400));
        let s = self.secs.rem_euclid(86_400);
        write!(
            f,
            "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}",
            s / 3600,
            s / 60 % 60,
            s % 60
        )?;
        if self.nanos > 0 {
            let frac = format!("{:09}", self.nanos);
            write!(f, ".{}", frac.trim_end_matches('0'))?;
        }
        f.write_str("Z")
    }
}

/// Parse a record's time (trimmed of ASCII spaces) in any accepted form.
pub fn parse(text: &str) -> Option<Timestamp> {
    let b = text.trim_ascii().as_bytes();
    match b.get(4) {
        Some(b'-') => parse_iso(b),
        _ => parse_portal(b),
    }
}

/// [`parse`], faster for the times of a log: records mostly come in time
/// order, and a time in UTC (`Z`) whose date and hour are those of the
/// last such time parsed needs only its minutes, seconds and fraction
/// read (the date's checks and day count were most of a parse). Every
/// result is [`parse`]'s (the tests compare).
#[derive(Clone, Debug, Default)]
pub struct Parser {
    /// `YYYY-MM-DDTHH` of the last UTC time parsed (a digit first, so no
    /// space to trim), and the start of its hour; empty before one.
    head: [u8; 13],
    hour: i64,
}

impl Parser {
    /// [`parse`] of `text`.
    #[inline]
    pub fn parse(&mut self, text: &str) -> Option<Timestamp> {
        let b = text.as_bytes();
        let utc = b.len() > 16
            && matches!(b[b.len() - 1], b'Z' | b'z')
            && b[0].is_ascii_digit();
        if utc && b[..13] == self.head {
            return within_hour(&b[13..b.len() - 1]).map(|(secs, nanos)| {
                Timestamp { secs: self.hour + secs, nanos }
            });
        }
        let t = parse(text)?;
        if utc && b[4] == b'-' {
            // The hour of the head, from the seconds into it: a leap
            // second (`10:59:60Z`) is 11:00:00, in the next hour, but the
            // next `10:…` time is not.
            if let Some((secs, _)) = within_hour(&b[13..b.len() - 1]) {
                self.head.copy_from_slice(&b[..13]);
                self.hour = t.secs - secs;
            }
        }
        Some(t)
    }
}

/// The seconds into its hour and the nanoseconds of the rest of an RFC
/// 3339 time after `YYYY-MM-DDTHH` and before its `Z`: `:MM`, then
/// optionally `:SS` and a fraction, as [`parse_iso`] reads them.
#[inline]
fn within_hour(b: &[u8]) -> Option<(i64, u32)> {
    let mut c = Bytes { b, i: 0 };
    c.eat(b':')?;
    let minute = c.digits(2)?;
    let (second, nanos) = c.seconds()?;
    if !c.done() || minute > 59 || second > 60 {
        return None;
    }
    Some((i64::from(minute * 60 + second), nanos))
}

/// A cursor over the bytes of a time.
struct Bytes<'a> {
    b: &'a [u8],
    i: usize,
}

impl Bytes<'_> {
    /// Exactly `n` ASCII digits.
    fn digits(&mut self, n: usize) -> Option<u32> {
        let s = self.b.get(self.i..self.i + n)?;
        let mut v = 0u32;
        for &c in s {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(c - b'0');
        }
        self.i += n;
        Some(v)
    }

    /// One or two ASCII digits.
    fn one_or_two(&mut self) -> Option<u32> {
        let first = self.digits(1)?;
        match self.peek() {
            Some(c) if c.is_ascii_digit() => {
                self.i += 1;
                Some(first * 10 + u32::from(c - b'0'))
            }
            _ => Some(first),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// Nothing, or `.` or `,` and 1 to 9 digits, as nanoseconds (no digit
    /// or more than 9 is not a time).
    #[inline]
    fn fraction(&mut self) -> Option<u32> {
        /// `10^(9 - n)` for `n` digits read.
        const SCALE: [u32; 10] = [
            1_000_000_000,
            100_000_000,
            10_000_000,
            1_000_000,
            100_000,
            10_000,
            1_000,
            100,
            10,
            1,
        ];
        if !matches!(self.peek(), Some(b'.' | b',')) {
            return Some(0);
        }
        let rest = &self.b[self.i + 1..];
        let (mut n, mut nanos) = (0, 0u32);
        while let Some(&c) = rest.get(n) {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            if n == 9 {
                return None;
            }
            nanos = nanos * 10 + u32::from(d);
            n += 1;
        }
        if n == 0 {
            return None;
        }
        self.i += 1 + n;
        Some(nanos * SCALE[n])
    }

    /// Nothing, or `:SS` and a [`Bytes::fraction`]: the seconds and
    /// nanoseconds after the minutes (0 and 0 for nothing).
    #[inline]
    fn seconds(&mut self) -> Option<(u32, u32)> {
        if self.eat(b':').is_none() {
            return Some((0, 0));
        }
        Some((self.digits(2)?, self.fraction()?))
    }

    fn done(&self) -> bool {
        self.i == self.b.len()
    }
}

/// The two-digit number at `i` of `b`; `None` if either is not a digit.
#[inline]
fn two_digits(b: &[u8; 16], i: usize) -> Option<u32> {
    let (x, y) = (b[i].wrapping_sub(b'0'), b[i + 1].wrapping_sub(b'0'));
    (x <= 9 && y <= 9).then(|| u32::from(x) * 10 + u32::from(y))
}

/// `YYYY-MM-DD[T ]HH:MM[:SS[.f]][Z|±HH[:MM]]`.
fn parse_iso(b: &[u8]) -> Option<Timestamp> {
    // The head, `YYYY-MM-DDTHH:MM`, has fixed offsets: read in place.
    let head: &[u8; 16] = b.get(..16)?.try_into().ok()?;
    if head[4] != b'-'
        || head[7] != b'-'
        || !matches!(head[10], b'T' | b't' | b' ')
        || head[13] != b':'
    {
        return None;
    }
    let year = two_digits(head, 0)? * 100 + two_digits(head, 2)?;
    let month = two_digits(head, 5)?;
    let day = two_digits(head, 8)?;
    let hour = two_digits(head, 11)?;
    let minute = two_digits(head, 14)?;
    let mut c = Bytes { b, i: 16 };
    let (second, nanos) = c.seconds()?;
    let offset = match c.peek() {
        None => 0,
        Some(b'Z' | b'z') => {
            c.i += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            c.i += 1;
            let h = c.digits(2)?;
            let m = if c.done() {
                0
            } else {
                c.eat(b':');
                c.digits(2)?
            };
            if h > 23 || m > 59 {
                return None;
            }
            let secs = i64::from(h * 3600 + m * 60);
            if sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        Some(_) => return None,
    };
    if !c.done() {
        return None;
    }
    build(i64::from(year), month, day, hour, minute, second, nanos, offset)
}

/// `M/D/YYYY[,] h:mm:ss[.f] AM|PM`, UTC.
fn parse_portal(b: &[u8]) -> Option<Timestamp> {
    let mut c = Bytes { b, i: 0 };
    let month = c.one_or_two()?;
    c.eat(b'/')?;
    let day = c.one_or_two()?;
    c.eat(b'/')?;
    let year = c.digits(4)?;
    c.eat(b',');
    c.eat(b' ')?;
    while c.eat(b' ').is_some() {}
    let hour12 = c.one_or_two()?;
    c.eat(b':')?;
    let minute = c.digits(2)?;
    c.eat(b':')?;
    let second = c.digits(2)?;
    let nanos = c.fraction()?;
    c.eat(b' ')?;
    let pm = match c.b.get(c.i..c.i + 2)? {
        [a, m] if m.eq_ignore_ascii_case(&b'm') => {
            match a.to_ascii_lowercase() {
                b'a' => false,
                b'p' => true,
                _ => return None,
            }
        }
        _ => return None,
    };
    c.i += 2;
    if !c.done() || !(1..=12).contains(&hour12) {
        return None;
    }
    let hour = hour12 % 12 + if pm { 12 } else { 0 };
    build(i64::from(year), month, day, hour, minute, second, nanos, 0)
}

/// A timestamp from its fields, all checked; `offset` seconds east of UTC.
#[allow(clippy::too_many_arguments)]
fn build(
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
    offset: i64,
) -> Option<Timestamp> {
    // A leap second (:60) is accepted and lands on the next second.
    if !valid_date(year, month, day) || hour > 23 || minute > 59 || second > 60
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs =
        days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset;
    Some(Timestamp { secs, nanos })
}

fn valid_date(year: i64, month: u32, day: u32) -> bool {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (`civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A `--since`/`--until` value: an RFC 3339 time, a date (`2026-11-20`,
/// midnight UTC), or a duration before `now` (`90m`, `1h`, `2d`, `30s`).
pub fn parse_bound(arg: &str, now: Timestamp) -> Result<Timestamp, String> {
    let t = arg.trim();
    if let Some(ts) = parse(t) {
        return Ok(ts);
    }
    let b = t.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        let mut c = Bytes { b, i: 0 };
        let date = (|| {
            let y = c.digits(4)?;
            c.eat(b'-')?;
            let m = c.digits(2)?;
            c.eat(b'-')?;
            let d = c.digits(2)?;
            Timestamp::from_date(i64::from(y), m, d)
        })();
        return date.ok_or_else(|| format!("{t:?} is not a date"));
    }
    if let Some(unit) = t.chars().last() {
        let scale = match unit {
            's' => Some(1),
            'm' => Some(60),
            'h' => Some(3600),
            'd' => Some(86_400),
            _ => None,
        };
        if let (Some(scale), Ok(n)) = (scale, t[..t.len() - 1].parse::<u32>())
        {
            return Ok(now.plus(-i64::from(n) * scale));
        }
    }
    Err(format!(
        "{t:?} is not a time: give an RFC 3339 time (2026-11-20T10:00:00Z), \
         a date (2026-11-20) or a duration before now (90m, 1h, 2d)"
    ))
}

impl Timestamp {
    /// The current time.
    pub fn now() -> Timestamp {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp { secs: d.as_secs() as i64, nanos: d.subsec_nanos() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A leap second ends its hour in the next one: the hour kept is the
    /// head's all the same (found by `parser_is_parse`).
    #[test]
    fn parser_keeps_the_head_hour_after_a_leap_second() {
        let mut p = Parser::default();
        for text in [
            "2026-11-20T10:59:60Z",
            "2026-11-20T10:59Z",
            "2026-11-20T10:00:00.5Z",
            "2026-11-20T11:00:00Z",
        ] {
            assert_eq!(p.parse(text), parse(text), "{text}");
        }
    }

    proptest::proptest! {
        /// The parser that keeps the last hour gives [`parse`]'s result
        /// for every time of a sequence: heads repeated and changed, tails
        /// valid and not (minutes and seconds out of range, fractions of 0
        /// to 10 digits, offsets, spaces, letters), `Z` and not.
        #[test]
        fn parser_is_parse(
            times in proptest::collection::vec(
                (0usize..4, 0u32..70, 0u32..70, 0usize..11, 0usize..9),
                1..60,
            ),
        ) {
            let heads = ["2026-11-20T10", "2026-11-20T23", "2024-02-29T00", "2023-02-29T01"];
            let ends = ["Z", "z", "", "+02:00", " Z", "Z ", "ZZ", ":00Z", "x"];
            let mut p = Parser::default();
            for (h, m, sec, frac, end) in times {
                let fraction = match frac {
                    0 => String::new(),
                    n => format!(".{}", "1234567890".get(..n - 1).unwrap_or("")),
                };
                for text in [
                    format!("{}:{m:02}:{sec:02}{fraction}{}", heads[h], ends[end]),
                    format!("{}:{m:02}{}", heads[h], ends[end]),
                    format!(" {}:{m:02}:{sec:02}Z", heads[h]),
                ] {
                    proptest::prop_assert_eq!(p.parse(&text), parse(&text), "{}", text);
                }
            }
        }
    }

    fn p(s: &str) -> Option<String> {
        parse(s).map(|t| t.to_string())
    }

    #[test]
    fn rfc3339_forms() {
        let cases = [
            ("2026-11-20T10:15:30Z", "2026-11-20T10:15:30Z"),
            ("2026-11-20T10:15:30.746Z", "2026-11-20T10:15:30.746Z"),
            ("2023-05-25T17:43:25.7460000Z", "2023-05-25T17:43:25.746Z"),
            (
                "2023-05-25T17:43:25.123456789Z",
                "2023-05-25T17:43:25.123456789Z",
            ),
            (" 2026-11-20 10:15:30z ", "2026-11-20T10:15:30Z"),
            ("2026-11-20T10:15", "2026-11-20T10:15:00Z"),
            ("2026-11-20T10:15:30", "2026-11-20T10:15:30Z"),
            // Offsets: across midnight and the year.
            ("2026-11-21T01:30:00+02:00", "2026-11-20T23:30:00Z"),
            ("2026-12-31T22:00:00-0300", "2027-01-01T01:00:00Z"),
            ("2026-11-20T10:00:00+05", "2026-11-20T05:00:00Z"),
            ("2024-02-29T23:59:60Z", "2024-03-01T00:00:00Z"),
            ("1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"),
        ];
        for (raw, want) in cases {
            assert_eq!(p(raw).as_deref(), Some(want), "{raw}");
        }
    }

    #[test]
    fn portal_form() {
        assert_eq!(
            p("5/25/2023, 5:43:25.746 PM").as_deref(),
            Some("2023-05-25T17:43:25.746Z")
        );
        assert_eq!(
            p("12/1/2023, 12:00:00 AM").as_deref(),
            Some("2023-12-01T00:00:00Z")
        );
        assert_eq!(
            p("12/1/2023 12:00:01 pm").as_deref(),
            Some("2023-12-01T12:00:01Z")
        );
        assert_eq!(
            p("1/31/2024, 11:59:59.9999999 PM").as_deref(),
            Some("2024-01-31T23:59:59.9999999Z")
        );
    }

    /// Every cut of a time is a time exactly when it ends after the
    /// minutes, the seconds, a fraction of 1 to 9 digits, or an offset;
    /// a tenth fractional digit is refused.
    #[test]
    fn cuts_of_a_time() {
        let full = "2026-11-20T10:15:30.123456789+02:00";
        let ends = [16, 19, 21, 22, 23, 24, 25, 26, 27, 28, 29, 32, 35];
        for n in 0..=full.len() {
            let cut = &full[..n];
            assert_eq!(parse(cut).is_some(), ends.contains(&n), "{cut:?}");
        }
        assert_eq!(
            p("2026-11-20T10:15:30,5Z").as_deref(),
            Some("2026-11-20T10:15:30.5Z")
        );
        assert_eq!(
            p("2026-11-20 10:15:30.000000001z").as_deref(),
            Some("2026-11-20T10:15:30.000000001Z")
        );
        assert_eq!(p("2026-11-20T10:15:30.1234567890Z"), None);
        assert_eq!(p("2026-11-20T10:15:30.Z"), None);
        for bad in [
            "2026-11-20X10:15",
            "2026-11-20T10-15",
            "2026_11-20T10:15",
            "2026-11/20T10:15",
            "2026-1x-20T10:15",
            "202a-11-20T10:15",
            "2026-11-20T1x:15",
            "2026-11-20T10:1x",
            "2026-11-2xT10:15",
        ] {
            assert_eq!(p(bad), None, "{bad}");
        }
    }

    #[test]
    fn not_times() {
        for raw in [
            "",
            "2026-11-20",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-11-20T24:00:00Z",
            "2026-11-20T10:60:00Z",
            "2026-11-20T10:00:00.1234567890Z",
            "2026-11-20T10:00:00Zx",
            "2026-11-20T10:00:00+25:00",
            "20261120T100000Z",
            "13/1/2023, 1:00:00 PM",
            "5/25/2023, 0:43:25 PM",
            "5/25/2023, 5:43:25",
            "yesterday",
            "2026-11-20T1:00:00Z",
            "2023-05-25T17:43:25.Z",
        ] {
            assert_eq!(parse(raw), None, "{raw}");
        }
    }

    #[test]
    fn buckets() {
        let t = parse("2026-11-21T01:30:00+02:00").unwrap();
        assert_eq!(t.hour_bucket(), "2026-11-20T23:00:00Z");
        assert_eq!(t.day_bucket(), "2026-11-20");
        let t = parse("1969-12-31T23:59:59.5Z").unwrap();
        assert_eq!(t.hour_bucket(), "1969-12-31T23:00:00Z");
        assert_eq!(t.hour(), parse("1969-12-31T23:00:00Z").unwrap());
        assert_eq!(t.day(), parse("1969-12-31T00:00:00Z").unwrap());
    }

    /// Every day for 800 years round-trips through the date arithmetic.
    #[test]
    fn civil_days_round_trip() {
        for z in -150_000..150_000 {
            let (y, m, d) = civil_from_days(z);
            assert!(valid_date(y, m, d));
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    /// Seeded random instants written in every accepted form parse back to
    /// the same instant (to the precision the form keeps).
    #[test]
    fn every_form_round_trips() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        for _ in 0..20_000 {
            let secs = next(4_102_444_800) as i64; // 1970 .. 2100
            let nanos = next(1_000_000_000) as u32;
            let t = Timestamp { secs, nanos };
            let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
            let sod = secs.rem_euclid(86_400);
            let (h, mi, se) = (sod / 3600, sod / 60 % 60, sod % 60);
            // Fraction digits 0..=9, truncating the nanoseconds.
            let digits = next(10) as u32;
            let kept = nanos / 10u32.pow(9 - digits) * 10u32.pow(9 - digits);
            let frac = if digits == 0 {
                String::new()
            } else {
                format!(".{:09}", nanos)[..1 + digits as usize].to_string()
            };
            let want = Timestamp { secs, nanos: kept };
            let z =
                format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{se:02}{frac}Z");
            assert_eq!(parse(&z), Some(want), "{z}");
            // The same instant at an offset east or west.
            let off =
                next(14 * 60) as i64 * 60 * if next(2) == 0 { 1 } else { -1 };
            let local = t.plus(off);
            let (ly, lmo, ld) = civil_from_days(local.secs.div_euclid(86_400));
            let ls = local.secs.rem_euclid(86_400);
            let sign = if off < 0 { '-' } else { '+' };
            let o = off.abs();
            let text = format!(
                "{ly:04}-{lmo:02}-{ld:02}T{:02}:{:02}:{:02}{frac}{sign}{:02}:{:02}",
                ls / 3600,
                ls / 60 % 60,
                ls % 60,
                o / 3600,
                o / 60 % 60
            );
            assert_eq!(parse(&text), Some(want), "{text}");
            // The portal form (milliseconds).
            let ms = nanos / 1_000_000;
            let (h12, ampm) = match h {
                0 => (12, "AM"),
                1..=11 => (h, "AM"),
                12 => (12, "PM"),
                _ => (h - 12, "PM"),
            };
            let portal = format!(
                "{mo}/{d}/{y:04}, {h12}:{mi:02}:{se:02}.{ms:03} {ampm}"
            );
            assert_eq!(
                parse(&portal),
                Some(Timestamp { secs, nanos: ms * 1_000_000 }),
                "{portal}"
            );
        }
    }

    #[test]
    fn bounds() {
        let now = parse("2026-11-20T10:00:00Z").unwrap();
        let b = |s| parse_bound(s, now).map(|t| t.to_string());
        assert_eq!(b("1h").as_deref(), Ok("2026-11-20T09:00:00Z"));
        assert_eq!(b("90m").as_deref(), Ok("2026-11-20T08:30:00Z"));
        assert_eq!(b("2d").as_deref(), Ok("2026-11-18T10:00:00Z"));
        assert_eq!(b("2026-11-19").as_deref(), Ok("2026-11-19T00:00:00Z"));
        assert_eq!(
            b("2026-11-19T12:00:00+01:00").as_deref(),
            Ok("2026-11-19T11:00:00Z")
        );
        assert!(b("2026-02-30").is_err());
        assert!(b("soon").is_err());
        assert!(b("-1h").is_err());
    }
}
