//! Scalar values as read from a record (spec §3, "Values"): integers,
//! categories, text, and what counts as absent.

use super::Category;

/// A code or subcode value as read from a record.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum IntVal {
    /// Missing, `null`, `""`, `"null"` or `"Redacted"`.
    #[default]
    Absent,
    /// An integer.
    Int(i64),
    /// Present but not an integer; the text says what was there.
    Bad(Box<str>),
}

impl IntVal {
    /// Whether the value is absent (so the next key is tried).
    pub fn is_absent(&self) -> bool {
        matches!(self, IntVal::Absent)
    }

    /// Judge a JSON string value.
    pub fn from_str_value(s: &str) -> IntVal {
        let t = s.trim_ascii();
        if is_absent_text(t) {
            return IntVal::Absent;
        }
        match parse_int(t) {
            Some(n) => IntVal::Int(n),
            None => IntVal::Bad(format!("{:?}", clip(s)).into()),
        }
    }
}

/// A category value as read from a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CatVal {
    /// Missing, `null`, `""`, `"null"`, `"Redacted"`, or an empty array.
    #[default]
    Absent,
    /// A recognised category.
    Known(Category),
    /// Present but not recognised: falls back to the catalog.
    Other,
}

impl CatVal {
    /// Whether the value is absent (so the next key is tried).
    pub fn is_absent(&self) -> bool {
        matches!(self, CatVal::Absent)
    }

    /// Judge a JSON string value.
    pub fn from_str_value(s: &str) -> CatVal {
        let t = s.trim_ascii();
        if is_absent_text(t) {
            return CatVal::Absent;
        }
        match Category::normalise(t) {
            Some(c) => CatVal::Known(c),
            None => CatVal::Other,
        }
    }
}

/// A log kind from a string value: trimmed, `None` if absent.
#[inline(always)]
pub fn kind_text(s: &str) -> Option<&str> {
    let t = s.trim_ascii();
    (!is_absent_text(t)).then_some(t)
}

/// Whether trimmed string text stands for "no value".
#[inline(always)]
pub fn is_absent_text(t: &str) -> bool {
    // (By length first: most texts are neither, and this runs for every
    // text value read.)
    match t.len() {
        0 => true,
        4 => t.eq_ignore_ascii_case("null"),
        8 => t.eq_ignore_ascii_case("redacted"),
        _ => false,
    }
}

/// Parse trimmed text as an optional sign and ASCII digits into an `i64`.
#[inline]
pub fn parse_int(t: &str) -> Option<i64> {
    let (negative, digits) = match t.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        all => (false, all),
    };
    if digits.is_empty() {
        return None;
    }
    // Up to 18 digits cannot overflow: summed in place (every code and
    // subcode is one of these); longer ones are left to `str::parse`.
    if digits.len() > 18 {
        return match digits.iter().all(u8::is_ascii_digit) {
            true => t.parse::<i64>().ok(),
            false => None,
        };
    }
    let mut n = 0i64;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + i64::from(d);
    }
    Some(if negative { -n } else { n })
}

/// The text of a JSON number read where text is expected for the values of
/// spec §7 (an id, a version, a dimension; not the log kind, which is
/// only ever a string): a non-negative integer that fits 64 bits reads
/// as its digits; a negative, fractional or exponent number gives none
/// (as the serde and tree readers see it: `u64` or not).
pub fn number_text(literal: &str) -> Option<&str> {
    (literal.bytes().all(|b| b.is_ascii_digit())
        && literal.parse::<u64>().is_ok())
    .then_some(literal)
}

/// Shorten a value for an error message.
pub fn clip(s: &str) -> &str {
    match s.char_indices().nth(40) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

impl IntVal {
    /// A JSON unsigned number as a code value.
    pub fn from_u64(v: u64) -> IntVal {
        match i64::try_from(v) {
            Ok(n) => IntVal::Int(n),
            Err(_) => IntVal::Bad(format!("{v} (out of range)").into()),
        }
    }

    /// A JSON number with a fraction or exponent as a code value, or one
    /// serde_json reads as a float: `-0` (the integer 0; so is any other
    /// spelling of negative zero, which readers cannot tell apart) and
    /// integers beyond the 64-bit range.
    pub fn from_f64(v: f64) -> IntVal {
        if v == 0.0 && v.is_sign_negative() {
            IntVal::Int(0)
        } else if v.fract() == 0.0 && v.abs() >= 9.2e18 {
            IntVal::Bad("an integer beyond the 64-bit range".into())
        } else {
            IntVal::Bad(format!("{v:?}").into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_zero_is_zero_and_huge_integers_say_so() {
        assert_eq!(IntVal::from_f64(-0.0), IntVal::Int(0));
        assert_eq!(IntVal::from_f64(0.5), IntVal::Bad("0.5".into()));
        assert_eq!(IntVal::from_f64(410.0), IntVal::Bad("410.0".into()));
        let huge = IntVal::from_f64(-9223372036854775809.0);
        assert_eq!(
            huge,
            IntVal::Bad("an integer beyond the 64-bit range".into())
        );
    }

    /// The in-place sum against `str::parse`, around the 18-digit line
    /// and the ends of the range.
    #[test]
    fn parse_int_agrees_with_str_parse() {
        let plain = |t: &str| {
            let d = t.strip_prefix(['+', '-']).unwrap_or(t);
            (!d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
                .then(|| t.parse::<i64>().ok())
                .flatten()
        };
        let mut texts: Vec<String> = [
            "",
            "+",
            "-",
            "0",
            "-0",
            "+0",
            "007",
            "410",
            "-1",
            "+7",
            "1a",
            "a1",
            "1 ",
            " 1",
            "--1",
            "+-1",
            "1e3",
            "4.5",
            "\u{0661}",
            "999999999999999999",
            "-999999999999999999",
            "1000000000000000000",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "-9223372036854775809",
            "00000000000000000000000042",
            "99999999999999999999",
            "12345678901234567x",
            "123456789012345678x",
            "/",
            ":",
        ]
        .map(String::from)
        .to_vec();
        for len in 1..=20 {
            texts.push("9".repeat(len));
            texts.push(format!("-{}", "9".repeat(len)));
            texts.push(format!("+{}", "1".repeat(len)));
        }
        for t in &texts {
            assert_eq!(parse_int(t), plain(t), "{t:?}");
        }
    }

    #[test]
    fn int_values() {
        assert_eq!(IntVal::from_str_value(" 410"), IntVal::Int(410));
        assert_eq!(IntVal::from_str_value("3112 "), IntVal::Int(3112));
        assert_eq!(IntVal::from_str_value("-1"), IntVal::Int(-1));
        assert_eq!(IntVal::from_str_value("+7"), IntVal::Int(7));
        assert_eq!(IntVal::from_str_value("007"), IntVal::Int(7));
        for absent in ["", "  ", "null", "NULL", "Redacted", " redacted "] {
            assert_eq!(IntVal::from_str_value(absent), IntVal::Absent);
        }
        for bad in
            ["abc", "n/a", "4.5", "1e3", "- 1", "+", "99999999999999999999"]
        {
            assert!(
                matches!(IntVal::from_str_value(bad), IntVal::Bad(_)),
                "{bad}"
            );
        }
    }
}
