//! Text logs (SDK and console logs): one record per line, the triple found
//! by regular expressions — built-in keys, or a user's `--pattern`.

use regex::bytes::{Captures, Regex};

use super::line::Line;
use crate::record::keys::key;
use crate::record::{CatVal, Fields, IntVal, KeyId, Nested, Roles};

/// The keys a text line's values are taken as: the first of each role.
const CODE: KeyId = key("participantendreason");
const SUBCODE: KeyId = key("participantendsubcode");
const CATEGORY: KeyId = key("resultcategory");

/// A key not preceded by a word character, optionally quoted, then `=` or
/// `:` and an optionally quoted value.
fn key_regex(key: &str, value: &str) -> Regex {
    let re = format!(
        r#"(?i)(?:^|[^A-Za-z0-9_]){key}"?\s*[:=]\s*\[?\s*"?\s*({value})"#
    );
    Regex::new(&re).expect("built-in pattern")
}

/// How text lines are read.
#[derive(Clone, Debug)]
pub enum TextReader {
    /// The built-in `code`/`subCode`/`resultCategories` keys.
    Builtin {
        /// `code` or `_code`.
        code: Regex,
        /// `subCode` or `_subCode`.
        subcode: Regex,
        /// `resultCategories`, `_resultCategories`, `resultCategory`.
        category: Regex,
    },
    /// A user's pattern with named groups `code`, `subcode`, `category`.
    Pattern(Regex),
}

impl Default for TextReader {
    fn default() -> TextReader {
        let int = r"[+-]?[0-9]+";
        TextReader::Builtin {
            code: key_regex("_?code", int),
            subcode: key_regex("_?subcode", int),
            category: key_regex("_?resultcategor(?:y|ies)", "[A-Za-z]+"),
        }
    }
}

impl TextReader {
    /// A reader for a user's pattern; it must name a `code` group.
    pub fn with_pattern(pattern: &str) -> Result<TextReader, String> {
        let re = Regex::new(pattern).map_err(|e| e.to_string())?;
        if !re.capture_names().flatten().any(|n| n == "code") {
            return Err("the pattern has no (?P<code>…) group".into());
        }
        Ok(TextReader::Pattern(re))
    }

    /// Read one non-blank line: a record when a pattern matches it (one
    /// of the built-in keys, or the user's pattern), else
    /// [`Line::Unmatched`].
    pub fn read_line<'a>(&self, line: &'a [u8]) -> Line<'a> {
        let mut s = Fields::default();
        match self {
            TextReader::Builtin { code, subcode, category } => {
                let first = |re: &Regex| {
                    re.captures(line)
                        .and_then(|c| c.get(1))
                        .map(|m| m.as_bytes())
                };
                let (c, sub, cat_) =
                    (first(code), first(subcode), first(category));
                if c.is_none() && sub.is_none() && cat_.is_none() {
                    return Line::Unmatched;
                }
                s.set(CODE, c.map_or(IntVal::Absent, int));
                s.set(SUBCODE, sub.map_or(IntVal::Absent, int));
                s.set(CATEGORY, cat_.map_or(CatVal::Absent, cat));
            }
            TextReader::Pattern(re) => {
                let Some(c) = re.captures(line) else {
                    return Line::Unmatched;
                };
                s.set(CODE, group(&c, "code").map_or(IntVal::Absent, int));
                s.set(
                    SUBCODE,
                    group(&c, "subcode").map_or(IntVal::Absent, int),
                );
                s.set(
                    CATEGORY,
                    group(&c, "category").map_or(CatVal::Absent, cat),
                );
            }
        }
        Line::One(s.record(&Nested::default(), Roles::NONE))
    }
}

fn group<'a>(c: &Captures<'a>, name: &str) -> Option<&'a [u8]> {
    c.name(name).map(|m| m.as_bytes())
}

fn int(b: &[u8]) -> IntVal {
    match std::str::from_utf8(b) {
        Ok(t) => IntVal::from_str_value(t),
        Err(_) => {
            IntVal::Bad(format!("{:?}", String::from_utf8_lossy(b)).into())
        }
    }
}

fn cat(b: &[u8]) -> CatVal {
    std::str::from_utf8(b).map_or(CatVal::Other, CatVal::from_str_value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Outcome;

    fn show(r: &TextReader, line: &str) -> String {
        let rec = match r.read_line(line.as_bytes()) {
            Line::One(rec) => rec,
            Line::Unmatched => return "unmatched".into(),
            Line::Envelope(_) => unreachable!(),
        };
        match rec.outcome {
            Outcome::Counted(t) => format!(
                "{}/{} {}",
                t.code,
                t.subcode.map_or("-".into(), |s| s.to_string()),
                t.category.map_or("?", |c| c.as_str())
            ),
            Outcome::WithoutCode => "none".into(),
            Outcome::Malformed(_) => "bad".into(),
        }
    }

    #[test]
    fn builtin_keys() {
        let r = TextReader::default();
        let cases = [
            ("[CallClient][ACSCall{x}{Disconnected}] Call end reason=NoNgcEndpoint, code=480, subCode=10037", "480/10037 ?"),
            (r#"error {"code":410,"subCode":3112} at x"#, "410/3112 ?"),
            (r#"{"_code":0,"_subCode":5317,"_resultCategories":["ExpectedError"],"name":"CallingCommunicationError"}"#, "0/5317 ExpectedError"),
            ("errorCode=5 subCode=1", "none"),
            ("resultCategory=Success", "none"),
            ("code=abc", "unmatched"),
            ("errorCode=5", "unmatched"),
            ("azure:ACS-calling:info 2024-01-16T06:26:57.101Z CallClient70 Initialized", "unmatched"),
            ("CODE = \"487\" resultCategory=Success", "487/- Success"),
            ("code=99999999999999999999", "bad"),
            // The colon form (spec §5), in any casing.
            ("request failed: code: 500, subcode: 511404", "500/511404 ?"),
            ("Code : 404 SubCode : 560404", "404/560404 ?"),
            ("code: 500, subcode: null", "500/- ?"),
        ];
        for (line, want) in cases {
            assert_eq!(show(&r, line), want, "{line}");
        }
    }

    #[test]
    fn user_pattern() {
        let r = TextReader::with_pattern(
            r"status (?P<code>\S+) reason (?P<subcode>\S+) cat=(?P<category>\w+)",
        )
        .unwrap();
        assert_eq!(
            show(&r, "CALL-END status 487 reason 0 cat=Success"),
            "487/0 Success"
        );
        assert_eq!(
            show(&r, "CALL-END status 487 reason x cat=Success"),
            "bad"
        );
        assert_eq!(show(&r, "nothing here"), "unmatched");
        assert!(TextReader::with_pattern("(?P<sub>1)").is_err());
        assert!(TextReader::with_pattern("(").is_err());
    }
}
