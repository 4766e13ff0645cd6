//! What one record is: key names ([`keys`]), scalar values ([`values`]),
//! what a reader found ([`fields`]), result categories, and the outcome of
//! reading a record (spec §3, `docs/reading-rules.md`).
//!
//! Everything here is pure and shared by every reader
//! ([`crate::extract`]), the fast ones and the plain tree reading alike,
//! so they cannot disagree on what a key or a value means, only on how
//! bytes are walked. Readers hand records to a [`Sink`]; the counting
//! side ([`crate::tally`]) is one.

pub mod dims;
pub mod field_keys;
pub mod fields;
pub mod keys;
mod lookup;
pub mod time;
pub mod values;

use std::borrow::Cow;

use std::fmt;

pub use fields::{Fields, Nested, Slot};
pub use keys::{
    classify_key, classify_key_for, FieldKeys, KeyId, KeyLetters, Role, Roles,
    Shape, KEYS, PAYLOAD_SUBCODE, RESULT_INFO_KEYS,
};
pub use values::{kind_text, number_text, parse_int, CatVal, IntVal};

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
    CODE_RANGES[code_range_index(code)]
}

/// The index of [`code_range`] in [`CODE_RANGES`].
pub fn code_range_index(code: i64) -> usize {
    match code {
        0 => 0,
        100..=999 => (code / 100) as usize,
        _ => 10,
    }
}

/// Every code range [`code_range`] gives, in report order.
pub const CODE_RANGES: [&str; 11] = [
    "0", "1xx", "2xx", "3xx", "4xx", "5xx", "6xx", "7xx", "8xx", "9xx",
    "other",
];

/// The log kind reported when a record names none.
pub const NO_KIND: &str = "(none)";

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

/// What a text of a record ([`Texts`]) is the value of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Text {
    /// An on-demand role ([`Role::on_demand`]), or `operationName`.
    Role(Role),
    /// A `field:` dimension's key: its name, lower case
    /// ([`FieldKeys::names`]).
    Field(&'static str),
}

/// The values of the on-demand roles and `field:` keys of a record (spec
/// §7), each at most once: empty (no allocation) unless the run asked for
/// them. (An inline `SmallVec` was measured: larger records to move cost
/// more instructions on runs that read none, and saved nothing on runs
/// that do.)
pub type Texts<'a> = Vec<(Text, Cow<'a, str>)>;

/// One record as a reader hands it on.
#[derive(Clone, Debug, Eq)]
pub struct Record<'a> {
    /// What the record turned out to be.
    pub outcome: Outcome,
    /// Its log kind (`category`, `Type`, else `operationName`), borrowed
    /// from the input where it can be; `None` for malformed records.
    pub kind: Option<Cow<'a, str>>,
    /// The values the run asked for (its time, dimensions), but for the
    /// two ids, held apart.
    pub texts: Texts<'a>,
    /// The call's id (`correlationId`), when the run reads it and it is
    /// the input's own text (an id decoded from escapes is in `texts`):
    /// most runs read the two ids and nothing else, and so need no
    /// vector. [`Record::text`] finds it either way.
    pub call: Option<&'a str>,
    /// The participant's id (spec §7), as `call` is held.
    pub participant: Option<&'a str>,
}

impl PartialEq for Record<'_> {
    /// The same outcome, kind and values, wherever the ids are held (a
    /// reader that decoded them holds them in `texts`).
    fn eq(&self, other: &Record<'_>) -> bool {
        fn others<'r>(r: &'r Record<'_>) -> Vec<(Text, &'r str)> {
            let ids =
                [Text::Role(Role::Correlation), Text::Role(Role::Participant)];
            r.texts
                .iter()
                .filter(|(t, _)| !ids.contains(t))
                .map(|(t, v)| (*t, &**v))
                .collect()
        }
        self.outcome == other.outcome
            && self.kind == other.kind
            && self.text(Role::Correlation) == other.text(Role::Correlation)
            && self.text(Role::Participant) == other.text(Role::Participant)
            && others(self) == others(other)
    }
}

impl<'a> Record<'a> {
    /// A malformed record.
    pub fn malformed(reason: String) -> Record<'a> {
        Record {
            outcome: Outcome::Malformed(reason),
            kind: None,
            texts: Texts::new(),
            call: None,
            participant: None,
        }
    }

    /// A record of this outcome, with no kind or values.
    pub(crate) fn malformed_with(outcome: Outcome) -> Record<'a> {
        Record {
            outcome,
            kind: None,
            texts: Texts::new(),
            call: None,
            participant: None,
        }
    }

    /// A record without a code or kind.
    pub fn without_code() -> Record<'a> {
        Record {
            outcome: Outcome::WithoutCode,
            kind: None,
            texts: Texts::new(),
            call: None,
            participant: None,
        }
    }

    /// The value of an on-demand role, if the record has one.
    #[inline]
    pub fn text(&self, role: Role) -> Option<&str> {
        let id = match role {
            Role::Correlation => self.call,
            Role::Participant => self.participant,
            _ => None,
        };
        id.or_else(|| {
            let role = Text::Role(role);
            self.texts.iter().find(|(r, _)| *r == role).map(|(_, v)| &**v)
        })
    }

    /// The value of the key of a `field:NAME` dimension (any casing), if
    /// the record has one.
    pub fn field(&self, name: &str) -> Option<&str> {
        let name = name.trim_ascii();
        self.texts.iter().find_map(|(t, v)| match t {
            Text::Field(n) if n.eq_ignore_ascii_case(name) => Some(&**v),
            _ => None,
        })
    }
}

/// Where readers put what they read from a piece of input. Line numbers
/// are 1-based and relative to the start of the piece.
pub trait Sink {
    /// The `item`-th record found on `line` (envelope elements, and CSV
    /// rows that share a line, have several per line).
    fn record(&mut self, rec: Record<'_>, line: u64, item: u32);
    /// A blank line.
    fn blank(&mut self);
    /// A text line that matches no pattern: not a record (spec §3).
    fn unmatched(&mut self);
    /// A line (or a document) that held an envelope of `items` elements,
    /// each also handed to [`Sink::record`].
    fn envelope(&mut self, items: u64);
    /// The piece held `n` physical lines.
    fn lines(&mut self, n: u64);
    /// Forget every record handed on so far (a later `records` member of
    /// a JSON document replaces an earlier one).
    fn restart(&mut self);
    /// The on-demand values ([`Role::on_demand`]) readers should read for
    /// this sink (none unless the run's plan asks for them).
    fn wanted(&self) -> Roles {
        Roles::NONE
    }
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
            ("Succes", None),
            ("successes", None),
            ("UnexpectedError", None),
            (" \tExpectedError\r\n", Some(ExpectedError)),
        ];
        for (raw, want) in cases {
            assert_eq!(Category::normalise(raw), want, "{raw}");
        }
    }
}
