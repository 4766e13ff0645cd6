//! What a reader found in one record, and how spec §3 turns it into an
//! outcome. Every reader (the byte scanner, the serde reader, the tree
//! reading, CSV, text) fills [`Fields`] through [`Fields::set`] alone, so
//! which key goes where, and which wins, is decided in one place.

use std::borrow::Cow;

use super::keys::{count, KeyId, Role};
use super::{CatVal, IntVal, Outcome, Record, Triple};

/// Number of code keys.
pub const CODE_KEYS: usize = count(Role::Code);
/// Number of subcode keys, not counting `OperationPayload.SubCode`.
pub const SUBCODE_KEYS: usize = count(Role::Subcode);
/// Number of category keys.
pub const CATEGORY_KEYS: usize = count(Role::Category);
/// Number of log-kind keys.
pub const KIND_KEYS: usize = count(Role::Kind);

/// A value read for one key, in the shape its role asks for
/// ([`super::Shape`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    /// A code, subcode, or `OperationPayload`'s `SubCode`.
    Int(IntVal),
    /// A category.
    Cat(CatVal),
    /// A text (the log kind): trimmed, `None` if absent or not a string.
    Text(Option<Cow<'a, str>>),
}

/// The values found at one level of a record (its top level, or its
/// `properties`), one slot per key; the last occurrence of a key wins.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fields<'a> {
    code: [IntVal; CODE_KEYS],
    subcode: [IntVal; SUBCODE_KEYS],
    category: [CatVal; CATEGORY_KEYS],
    payload_subcode: IntVal,
    kind: [Option<Cow<'a, str>>; KIND_KEYS],
}

impl<'a> Fields<'a> {
    /// Record the value of `key`. A value of another shape than the key's
    /// is a reader's bug; it is ignored (and caught in debug builds).
    #[inline]
    pub fn set(&mut self, key: KeyId, value: Value<'a>) {
        let rank = key.rank as usize;
        match (key.role, value) {
            (Role::Code, Value::Int(v)) => self.code[rank] = v,
            (Role::Subcode, Value::Int(v)) => self.subcode[rank] = v,
            (Role::OperationPayload, Value::Int(v)) => {
                self.payload_subcode = v
            }
            (Role::Category, Value::Cat(v)) => self.category[rank] = v,
            (Role::Kind, Value::Text(v)) => self.kind[rank] = v,
            (role, value) => {
                debug_assert!(false, "{value:?} given for a {role:?} key")
            }
        }
    }

    /// Apply spec §3 to a record's top level and its `properties`: per
    /// key, top level before `properties`; the first non-absent value
    /// wins. The log kind comes from the top level alone.
    pub fn record(self, props: Option<&Fields<'_>>) -> Record<'a> {
        let outcome = self.outcome(props);
        let kind = match outcome {
            Outcome::Malformed(_) => None,
            _ => self.kind.into_iter().flatten().next(),
        };
        Record { outcome, kind }
    }

    /// The outcome alone (see [`Fields::record`]).
    pub fn outcome(&self, props: Option<&Fields<'_>>) -> Outcome {
        let code = pick(&self.code, props.map(|p| &p.code[..]));
        let mut subcode = pick(&self.subcode, props.map(|p| &p.subcode[..]));
        if subcode.is_absent() {
            subcode = first_present(
                &self.payload_subcode,
                props.map(|p| &p.payload_subcode),
            );
        }
        let category = self
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
    use crate::record::keys::key;
    use crate::record::Category;

    fn int(n: i64) -> Value<'static> {
        Value::Int(IntVal::Int(n))
    }

    fn counted(f: &Fields<'_>, props: Option<&Fields<'_>>) -> Option<Triple> {
        match f.outcome(props) {
            Outcome::Counted(t) => Some(t),
            _ => None,
        }
    }

    #[test]
    fn precedence_top_before_properties_per_key() {
        let mut top = Fields::default();
        let mut props = Fields::default();
        // resultCode at top, participantEndReason in properties: the
        // preferred key wins even though it is nested.
        top.set(key("resultcode"), int(200));
        props.set(key("participantendreason"), int(487));
        assert_eq!(counted(&top, Some(&props)).unwrap().code, 487);
        // Same key at both levels: top wins.
        top.set(key("participantendreason"), int(410));
        assert_eq!(counted(&top, Some(&props)).unwrap().code, 410);
    }

    #[test]
    fn bad_value_wins_over_later_keys() {
        let mut top = Fields::default();
        top.set(
            key("participantendreason"),
            Value::Int(IntVal::Bad("\"abc\"".into())),
        );
        top.set(key("resultcode"), int(200));
        assert!(matches!(top.outcome(None), Outcome::Malformed(_)));
        let mut top = Fields::default();
        top.set(key("_subcode"), Value::Int(IntVal::Bad("4.5".into())));
        assert!(matches!(top.outcome(None), Outcome::Malformed(_)));
    }

    #[test]
    fn payload_subcode_is_last_resort() {
        let mut top = Fields::default();
        top.set(key("resultsignature"), int(500));
        top.set(key("operationpayload"), int(41016));
        assert_eq!(counted(&top, None).unwrap().subcode, Some(41016));
        top.set(key("_subcode"), int(1));
        assert_eq!(counted(&top, None).unwrap().subcode, Some(1));
    }

    #[test]
    fn category_other_blocks_later_keys() {
        let mut top = Fields::default();
        top.set(key("participantendreason"), int(0));
        top.set(key("resultcategory"), Value::Cat(CatVal::Other));
        top.set(
            key("resulttype"),
            Value::Cat(CatVal::Known(Category::Success)),
        );
        assert_eq!(counted(&top, None).unwrap().category, None);
    }

    #[test]
    fn kind_is_the_first_kind_key_and_not_of_malformed_records() {
        let mut top = Fields::default();
        top.set(key("operationname"), Value::Text(Some("Op".into())));
        top.set(key("type"), Value::Text(Some("T".into())));
        top.set(key("code"), int(1));
        assert_eq!(top.clone().record(None).kind.as_deref(), Some("T"));
        top.set(key("code"), Value::Int(IntVal::Bad("x".into())));
        assert_eq!(top.record(None).kind, None);
    }
}
