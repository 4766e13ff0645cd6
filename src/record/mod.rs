//! The pieces of one record: key names, scalar values, result categories,
//! and the outcome of reading a record (spec §3, `docs/reading-rules.md`).
//!
//! Everything here is pure and shared by the streaming reader
//! ([`crate::extract`]) and the plain reading ([`crate::reference`]), so the
//! two cannot disagree on what a value means, only on how JSON is walked.

use std::fmt;

/// A normalised result category (spec §3, "Category normalisation").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// `Success`, `Succeeded`, `Completed`.
    Success,
    /// `ExpectedError`, `ExpectedClientError`.
    ExpectedError,
    /// `UnexpectedClientError` and the documented typo `UnxpectedClientError`.
    UnexpectedClientError,
    /// `UnexpectedServerError`.
    UnexpectedServerError,
    /// Neither the log nor the catalog gave a category.
    Unknown,
}

impl Category {
    /// All categories, in report-name order.
    pub const ALL: [Category; 5] = [
        Category::ExpectedError,
        Category::Success,
        Category::Unknown,
        Category::UnexpectedClientError,
        Category::UnexpectedServerError,
    ];

    /// The name written in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Success => "Success",
            Category::ExpectedError => "ExpectedError",
            Category::UnexpectedClientError => "UnexpectedClientError",
            Category::UnexpectedServerError => "UnexpectedServerError",
            Category::Unknown => "Unknown",
        }
    }

    /// Normalise a raw category text; `None` for anything unrecognised
    /// (which then falls back to the catalog).
    pub fn normalise(raw: &str) -> Option<Category> {
        let t = raw.trim_ascii();
        const TABLE: [(&str, Category); 8] = [
            ("success", Category::Success),
            ("succeeded", Category::Success),
            ("completed", Category::Success),
            ("expectederror", Category::ExpectedError),
            ("expectedclienterror", Category::ExpectedError),
            ("unexpectedclienterror", Category::UnexpectedClientError),
            ("unxpectedclienterror", Category::UnexpectedClientError),
            ("unexpectedservererror", Category::UnexpectedServerError),
        ];
        TABLE.iter().find(|(k, _)| t.eq_ignore_ascii_case(k)).map(|&(_, c)| c)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The code range column (spec §3): `0`, `1xx` … `9xx`, or `other`.
pub fn code_range(code: i64) -> &'static str {
    const R: [&str; 9] =
        ["1xx", "2xx", "3xx", "4xx", "5xx", "6xx", "7xx", "8xx", "9xx"];
    match code {
        0 => "0",
        100..=999 => R[(code / 100 - 1) as usize],
        _ => "other",
    }
}

/// Which key a (trimmed, case-folded) field name is, if it matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyId {
    /// A code key; the index is its preference (0 is preferred).
    Code(u8),
    /// A subcode key; the index is its preference.
    Subcode(u8),
    /// A category key; the index is its preference.
    Category(u8),
    /// `properties`: the one nested level that counts.
    Properties,
    /// `OperationPayload`: holds `SubCode` (last resort for the subcode).
    OperationPayload,
    /// `records`: an envelope of records (top level of a line only).
    Records,
    /// `tables`: a Log Analytics query result (top level of a line only).
    Tables,
    /// The log kind: `category` (0), `Type` (1), `operationName` (2); top
    /// level of a record only.
    Kind(u8),
}

/// Number of log-kind keys.
pub const KIND_KEYS: usize = 3;

/// The log kind reported when a record names none.
pub const NO_KIND: &str = "(none)";

/// Number of code keys (spec §3 table).
pub const CODE_KEYS: usize = 5;
/// Number of subcode keys, not counting `OperationPayload.SubCode`.
pub const SUBCODE_KEYS: usize = 4;
/// Number of category keys.
pub const CATEGORY_KEYS: usize = 4;

/// Classify a field name: trimmed of ASCII whitespace, ASCII
/// case-insensitive. Escapes must already be decoded.
///
/// Called for every key of every record, so it avoids copying: the length
/// picks at most three candidates, compared in place.
#[inline]
pub fn classify_key(raw: &str) -> Option<KeyId> {
    use KeyId::*;
    let k = raw.as_bytes();
    let k = match (k.first(), k.last()) {
        (Some(a), Some(b))
            if a.is_ascii_whitespace() || b.is_ascii_whitespace() =>
        {
            k.trim_ascii()
        }
        _ => k,
    };
    // Most keys are rejected here, by length and first and last letter.
    let (&first, &last) = (k.first()?, k.last()?);
    let (Some(starts), Some(ends)) =
        (KEY_STARTS.get(k.len()), KEY_ENDS.get(k.len()))
    else {
        return None;
    };
    if starts & letter_bit(first) == 0 || ends & letter_bit(last) == 0 {
        return None;
    }
    let candidates: &[(&[u8], KeyId)] = match k.len() {
        4 => &[(b"code", Code(3)), (b"type", Kind(1))],
        5 => &[(b"_code", Code(4))],
        6 => &[(b"tables", Tables)],
        7 => &[(b"subcode", Subcode(2)), (b"records", Records)],
        8 => &[(b"_subcode", Subcode(3)), (b"category", Kind(0))],
        10 => &[
            (b"resultcode", Code(1)),
            (b"properties", Properties),
            (b"resulttype", Category(3)),
        ],
        13 => &[(b"resultsubcode", Subcode(1)), (b"operationname", Kind(2))],
        14 => &[(b"resultcategory", Category(0))],
        15 => &[(b"resultsignature", Code(2))],
        16 => &[
            (b"resultcategories", Category(1)),
            (b"operationpayload", OperationPayload),
        ],
        17 => &[(b"_resultcategories", Category(2))],
        20 => &[(b"participantendreason", Code(0))],
        21 => &[(b"participantendsubcode", Subcode(0))],
        _ => return None,
    };
    candidates.iter().find(|(name, _)| eq_folded(k, name)).map(|&(_, id)| id)
}

/// `k.eq_ignore_ascii_case(name)` for a key name (lower-case letters, and
/// `_` only first), eight bytes at a time: past the first byte, setting
/// bit 5 folds exactly the upper-case letters onto the lower-case ones.
#[inline]
fn eq_folded(k: &[u8], name: &[u8]) -> bool {
    const FOLD: u64 = 0x2020_2020_2020_2020;
    if k.len() != name.len() || !k[0].eq_ignore_ascii_case(&name[0]) {
        return false;
    }
    let (mut a, mut b) = (k.chunks_exact(8), name.chunks_exact(8));
    for (x, y) in (&mut a).zip(&mut b) {
        let x = u64::from_le_bytes(x.try_into().expect("8 bytes"));
        let y = u64::from_le_bytes(y.try_into().expect("8 bytes"));
        // Byte 0 of the first chunk was checked exactly above; fold both
        // sides so `_` (0x5F) there compares equal to itself.
        if x | FOLD != y | FOLD {
            return false;
        }
    }
    a.remainder().iter().zip(b.remainder()).all(|(x, y)| x | 0x20 == y | 0x20)
}

/// A bit for a key's first or last byte, case-folded: letters by their
/// place in the alphabet, anything else bit 31 (`_`, and bytes that are
/// then compared exactly).
const fn letter_bit(b: u8) -> u32 {
    let l = b | 0x20;
    if l >= b'a' && l <= b'z' {
        1 << (l - b'a')
    } else {
        1 << 31
    }
}

/// Every key name [`classify_key`] knows, lower-case.
const KEY_NAMES: [&[u8]; 20] = [
    b"participantendreason",
    b"resultcode",
    b"resultsignature",
    b"code",
    b"_code",
    b"participantendsubcode",
    b"resultsubcode",
    b"subcode",
    b"_subcode",
    b"resultcategory",
    b"resultcategories",
    b"_resultcategories",
    b"resulttype",
    b"properties",
    b"operationpayload",
    b"records",
    b"tables",
    b"category",
    b"type",
    b"operationname",
];

/// For each key length, the first (`last` false) or last bytes a known
/// key of that length has, as [`letter_bit`]s.
const fn key_letters(last: bool) -> [u32; 22] {
    let mut t = [0u32; 22];
    let mut i = 0;
    while i < KEY_NAMES.len() {
        let n = KEY_NAMES[i];
        let b = if last { n[n.len() - 1] } else { n[0] };
        t[n.len()] |= letter_bit(b);
        i += 1;
    }
    t
}

const KEY_STARTS: [u32; 22] = key_letters(false);
const KEY_ENDS: [u32; 22] = key_letters(true);

/// A code or subcode value as read from a record.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum IntVal {
    /// Missing, `null`, `""`, `"null"` or `"Redacted"`.
    #[default]
    Absent,
    /// An integer.
    Int(i64),
    /// Present but not an integer; the text says what was there.
    Bad(String),
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
            None => IntVal::Bad(format!("{:?}", clip(s))),
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
pub fn kind_text(s: &str) -> Option<&str> {
    let t = s.trim_ascii();
    (!is_absent_text(t)).then_some(t)
}

/// Whether trimmed string text stands for "no value".
pub fn is_absent_text(t: &str) -> bool {
    t.is_empty()
        || t.eq_ignore_ascii_case("null")
        || t.eq_ignore_ascii_case("redacted")
}

/// Parse trimmed text as an optional sign and ASCII digits into an `i64`.
pub fn parse_int(t: &str) -> Option<i64> {
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse::<i64>().ok()
}

/// Shorten a value for an error message.
pub fn clip(s: &str) -> &str {
    match s.char_indices().nth(40) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// The (code, subcode, category) read from one record, before the catalog
/// fallback for the category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Triple {
    /// The code.
    pub code: i64,
    /// The subcode, if any.
    pub subcode: Option<i64>,
    /// The category from the log; `None` means "ask the catalog".
    pub category: Option<Category>,
}

/// What one record turned out to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A record with a code: counted.
    Counted(Triple),
    /// A record without a code: read, not counted.
    WithoutCode,
    /// Not a readable record; the text says why.
    Malformed(String),
}

/// The values found for one record, one slot per key, top level and
/// `properties` separately. Both readers fill this and call
/// [`Slots::outcome`], so precedence is decided in one place.
#[derive(Clone, Debug, Default)]
pub struct Slots {
    /// Code keys, by preference.
    pub code: [IntVal; CODE_KEYS],
    /// Subcode keys, by preference.
    pub subcode: [IntVal; SUBCODE_KEYS],
    /// Category keys, by preference.
    pub category: [CatVal; CATEGORY_KEYS],
    /// `OperationPayload.SubCode`.
    pub payload_subcode: IntVal,
}

impl Slots {
    /// Apply spec §3: per key, top level before `properties`; the first
    /// non-absent value wins.
    pub fn outcome(top: &Slots, props: Option<&Slots>) -> Outcome {
        let code = pick(&top.code, props.map(|p| &p.code[..]));
        let mut subcode = pick(&top.subcode, props.map(|p| &p.subcode[..]));
        if subcode.is_absent() {
            subcode = first_present(
                &top.payload_subcode,
                props.map(|p| &p.payload_subcode),
            );
        }
        let category = top
            .category
            .iter()
            .enumerate()
            .flat_map(|(i, t)| {
                [Some(t), props.map(|p| &p.category[i])].into_iter().flatten()
            })
            .find(|v| !v.is_absent())
            .copied()
            .unwrap_or_default();
        let code = match code {
            IntVal::Bad(t) => {
                return Outcome::Malformed(format!(
                    "code {t} is not an integer"
                ))
            }
            IntVal::Absent => None,
            IntVal::Int(n) => Some(*n),
        };
        let subcode = match subcode {
            IntVal::Bad(t) => {
                return Outcome::Malformed(format!(
                    "subcode {t} is not an integer"
                ))
            }
            IntVal::Absent => None,
            IntVal::Int(n) => Some(*n),
        };
        match code {
            None => Outcome::WithoutCode,
            Some(code) => Outcome::Counted(Triple {
                code,
                subcode,
                category: match category {
                    CatVal::Known(c) => Some(c),
                    _ => None,
                },
            }),
        }
    }
}

fn pick<'s>(top: &'s [IntVal], props: Option<&'s [IntVal]>) -> &'s IntVal {
    for (i, t) in top.iter().enumerate() {
        let found = first_present(t, props.map(|p| &p[i]));
        if !found.is_absent() {
            return found;
        }
    }
    &IntVal::Absent
}

fn first_present<'s>(
    top: &'s IntVal,
    props: Option<&'s IntVal>,
) -> &'s IntVal {
    if !top.is_absent() {
        return top;
    }
    props.unwrap_or(&IntVal::Absent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_ranges() {
        assert_eq!(code_range(0), "0");
        assert_eq!(code_range(99), "other");
        assert_eq!(code_range(100), "1xx");
        assert_eq!(code_range(410), "4xx");
        assert_eq!(code_range(699), "6xx");
        assert_eq!(code_range(999), "9xx");
        assert_eq!(code_range(1000), "other");
        assert_eq!(code_range(-1), "other");
        assert_eq!(code_range(2000), "other");
    }

    #[test]
    fn categories_normalise() {
        use Category::*;
        let cases = [
            ("Success", Some(Success)),
            (" succeeded ", Some(Success)),
            ("COMPLETED", Some(Success)),
            ("ExpectedError", Some(ExpectedError)),
            ("expectedclienterror", Some(ExpectedError)),
            ("UnxpectedClientError", Some(UnexpectedClientError)),
            ("UnexpectedClientError", Some(UnexpectedClientError)),
            ("UnexpectedServerError", Some(UnexpectedServerError)),
            ("Failed", None),
            ("Failure", None),
            ("Canceled", None),
            ("Unknown", None),
        ];
        for (raw, want) in cases {
            assert_eq!(Category::normalise(raw), want, "{raw}");
        }
    }

    #[test]
    fn keys_classify() {
        assert_eq!(classify_key("participantEndReason"), Some(KeyId::Code(0)));
        assert_eq!(
            classify_key(" ParticipantEndSubCode "),
            Some(KeyId::Subcode(0))
        );
        assert_eq!(
            classify_key("_resultCategories"),
            Some(KeyId::Category(2))
        );
        assert_eq!(classify_key("PROPERTIES"), Some(KeyId::Properties));
        assert_eq!(classify_key("SubCode"), Some(KeyId::Subcode(2)));
        assert_eq!(classify_key("participantEndReasonX"), None);
        assert_eq!(classify_key("cod"), None);
        assert_eq!(classify_key("côde"), None);
    }

    /// The length-indexed lookup against a plain lower-case-and-match.
    #[test]
    fn keys_classify_like_plain_lookup() {
        use KeyId::*;
        let names = [
            ("participantendreason", Code(0)),
            ("resultcode", Code(1)),
            ("resultsignature", Code(2)),
            ("code", Code(3)),
            ("_code", Code(4)),
            ("participantendsubcode", Subcode(0)),
            ("resultsubcode", Subcode(1)),
            ("subcode", Subcode(2)),
            ("_subcode", Subcode(3)),
            ("resultcategory", Category(0)),
            ("resultcategories", Category(1)),
            ("_resultcategories", Category(2)),
            ("resulttype", Category(3)),
            ("properties", Properties),
            ("operationpayload", OperationPayload),
            ("records", Records),
            ("tables", Tables),
            ("category", Kind(0)),
            ("type", Kind(1)),
            ("operationname", Kind(2)),
        ];
        let plain = |raw: &str| {
            let k = raw.trim_ascii().to_ascii_lowercase();
            names.iter().find(|(n, _)| *n == k).map(|&(_, id)| id)
        };
        let mut inputs: Vec<String> = Vec::new();
        for (n, _) in names {
            inputs.push(n.to_string());
            inputs.push(n.to_ascii_uppercase());
            inputs.push(format!(" \t{n}\r\n"));
            inputs.push(format!("{n}x"));
            inputs.push(n[1..].to_string());
            inputs.push(n.replacen('e', "é", 1));
            // Alternate case, as in camelCase and PascalCase.
            inputs.push(
                n.chars()
                    .enumerate()
                    .map(
                        |(i, c)| {
                            if i % 2 == 0 {
                                c.to_ascii_uppercase()
                            } else {
                                c
                            }
                        },
                    )
                    .collect(),
            );
        }
        // DEL is `_` with bit 5 set: it must not pass for `_`.
        inputs.extend(
            [
                "",
                " ",
                "\u{212A}ode",
                "c0de",
                "co de",
                "\x7fcode",
                "\x7fsubcode",
                "\x7fresultcategories",
                "participantStartTime",
                "participantEndReaso\x0e",
            ]
            .map(String::from),
        );
        for raw in &inputs {
            assert_eq!(classify_key(raw), plain(raw), "{raw:?}");
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

    #[test]
    fn precedence_top_before_properties_per_key() {
        let mut top = Slots::default();
        let mut props = Slots::default();
        // resultCode at top, participantEndReason in properties: the
        // preferred key wins even though it is nested.
        top.code[1] = IntVal::Int(200);
        props.code[0] = IntVal::Int(487);
        let out = Slots::outcome(&top, Some(&props));
        assert!(matches!(out, Outcome::Counted(t) if t.code == 487));
        // Same key at both levels: top wins.
        top.code[0] = IntVal::Int(410);
        let out = Slots::outcome(&top, Some(&props));
        assert!(matches!(out, Outcome::Counted(t) if t.code == 410));
    }

    #[test]
    fn bad_value_wins_over_later_keys() {
        let mut top = Slots::default();
        top.code[0] = IntVal::Bad("\"abc\"".into());
        top.code[1] = IntVal::Int(200);
        assert!(matches!(Slots::outcome(&top, None), Outcome::Malformed(_)));
        let mut top = Slots::default();
        top.subcode[3] = IntVal::Bad("4.5".into());
        assert!(matches!(Slots::outcome(&top, None), Outcome::Malformed(_)));
    }

    #[test]
    fn payload_subcode_is_last_resort() {
        let mut top = Slots::default();
        top.code[2] = IntVal::Int(500);
        top.payload_subcode = IntVal::Int(41016);
        let out = Slots::outcome(&top, None);
        assert!(
            matches!(out, Outcome::Counted(t) if t.subcode == Some(41016))
        );
        top.subcode[3] = IntVal::Int(1);
        let out = Slots::outcome(&top, None);
        assert!(matches!(out, Outcome::Counted(t) if t.subcode == Some(1)));
    }

    #[test]
    fn category_other_blocks_later_keys() {
        let mut top = Slots::default();
        top.code[0] = IntVal::Int(0);
        top.category[0] = CatVal::Other;
        top.category[3] = CatVal::Known(Category::Success);
        let out = Slots::outcome(&top, None);
        assert!(matches!(out, Outcome::Counted(t) if t.category.is_none()));
    }
}
