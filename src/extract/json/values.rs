//! The serde reader's value seeds: keys, codes, categories, texts,
//! `OperationPayload`, and skipping any value with serde_json's checks.

use std::borrow::Cow;
use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor,
};

use crate::record::{
    classify_key, kind_text, CatVal, FieldKeys, IntVal, KeyId,
    PAYLOAD_SUBCODE, RESULT_INFO_KEYS,
};

/// A text value (the log kind): a non-absent string, trimmed.
pub(super) struct TextSeed {
    /// Whether a number gives its digits (the values of spec §7, which
    /// [`crate::record::Role::on_demand`] names); the log kind is text only.
    pub(super) numbers: bool,
}

impl<'de> DeserializeSeed<'de> for TextSeed {
    type Value = Option<Cow<'de, str>>;
    fn deserialize<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> Result<Self::Value, D::Error> {
        d.deserialize_any(TextVisitor { numbers: self.numbers })
    }
}

struct TextVisitor {
    numbers: bool,
}

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Option<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(kind_text(v).map(Cow::Borrowed))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(kind_text(v).map(|t| Cow::Owned(t.to_owned())))
    }

    fn visit_seq<A: SeqAccess<'de>>(
        self,
        seq: A,
    ) -> Result<Self::Value, A::Error> {
        skip_seq(seq).map(|_| None)
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        map: A,
    ) -> Result<Self::Value, A::Error> {
        skip_map(map).map(|_| None)
    }

    /// A non-negative integer reads as its digits where numbers are read
    /// ([`crate::record::number_text`]); other numbers give none.
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(self.numbers.then(|| Cow::Owned(v.to_string())))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// A map key, classified without allocating: a key of the table, or
/// of a run's `field:` dimensions (`fields`).
#[derive(Clone, Copy)]
pub(super) struct KeySeed {
    pub(super) fields: Option<&'static FieldKeys>,
}

/// A key of the table (not of a level: no `field:` keys there).
pub(super) const TABLE_KEY: KeySeed = KeySeed { fields: None };

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Option<KeyId>;
    fn deserialize<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Option<KeyId>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(match self.fields {
            None => classify_key(v),
            Some(fields) => fields.classify(v),
        })
    }
}

/// The value of a `field:` key (`record::field_keys` says the rules).
/// `nested`: the first element of an array, which does not unwrap again.
pub(super) struct FieldSeed {
    pub(super) nested: bool,
}

impl<'de> DeserializeSeed<'de> for FieldSeed {
    type Value = Option<Cow<'de, str>>;
    fn deserialize<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FieldSeed {
    type Value = Option<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(kind_text(v).map(Cow::Borrowed))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(kind_text(v).map(|t| Cow::Owned(t.to_owned())))
    }

    /// Numbers as serde_json writes them.
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map(|n| Cow::Owned(n.to_string())))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(if v { "true" } else { "false" })))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> Result<Self::Value, A::Error> {
        if self.nested {
            return skip_seq(seq).map(|_| None);
        }
        let first =
            seq.next_element_seed(FieldSeed { nested: true })?.flatten();
        skip_seq(seq)?;
        Ok(first)
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        map: A,
    ) -> Result<Self::Value, A::Error> {
        skip_map(map).map(|_| None)
    }
}

/// A code or subcode value.
pub(super) struct IntSeed;

impl<'de> DeserializeSeed<'de> for IntSeed {
    type Value = IntVal;
    fn deserialize<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> Result<IntVal, D::Error> {
        d.deserialize_any(IntVisitor)
    }
}

struct IntVisitor;

impl<'de> Visitor<'de> for IntVisitor {
    type Value = IntVal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_i64<E>(self, v: i64) -> Result<IntVal, E> {
        Ok(IntVal::Int(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<IntVal, E> {
        Ok(IntVal::from_u64(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<IntVal, E> {
        Ok(IntVal::from_f64(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<IntVal, E> {
        Ok(IntVal::from_str_value(v))
    }

    fn visit_unit<E>(self) -> Result<IntVal, E> {
        Ok(IntVal::Absent)
    }

    fn visit_bool<E>(self, v: bool) -> Result<IntVal, E> {
        Ok(IntVal::Bad(v.to_string().into()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<IntVal, A::Error> {
        skip_seq(seq).map(|_| IntVal::Bad("an array".into()))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<IntVal, A::Error> {
        skip_map(map).map(|_| IntVal::Bad("an object".into()))
    }
}

/// A category value. `nested` is set for the first element of an array,
/// where arrays no longer unwrap.
pub(super) struct CatSeed {
    pub(super) nested: bool,
}

impl<'de> DeserializeSeed<'de> for CatSeed {
    type Value = CatVal;
    fn deserialize<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> Result<CatVal, D::Error> {
        d.deserialize_any(CatVisitor { nested: self.nested })
    }
}

struct CatVisitor {
    nested: bool,
}

impl<'de> Visitor<'de> for CatVisitor {
    type Value = CatVal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E>(self, v: &str) -> Result<CatVal, E> {
        Ok(CatVal::from_str_value(v))
    }

    fn visit_unit<E>(self) -> Result<CatVal, E> {
        Ok(CatVal::Absent)
    }

    fn visit_seq<A: SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> Result<CatVal, A::Error> {
        if self.nested {
            return skip_seq(seq).map(|_| CatVal::Other);
        }
        let first = seq
            .next_element_seed(CatSeed { nested: true })?
            .unwrap_or(CatVal::Absent);
        skip_seq(seq)?;
        Ok(first)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<CatVal, A::Error> {
        skip_map(map).map(|_| CatVal::Other)
    }

    fn visit_bool<E>(self, _: bool) -> Result<CatVal, E> {
        Ok(CatVal::Other)
    }
    fn visit_i64<E>(self, _: i64) -> Result<CatVal, E> {
        Ok(CatVal::Other)
    }
    fn visit_u64<E>(self, _: u64) -> Result<CatVal, E> {
        Ok(CatVal::Other)
    }
    fn visit_f64<E>(self, _: f64) -> Result<CatVal, E> {
        Ok(CatVal::Other)
    }
}

/// `OperationPayload`: its `SubCode`, from an object or a string holding
/// one.
pub(super) struct PayloadSeed;

impl<'de> DeserializeSeed<'de> for PayloadSeed {
    type Value = IntVal;
    fn deserialize<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> Result<IntVal, D::Error> {
        d.deserialize_any(PayloadVisitor { text: true })
    }
}

/// `text`: whether a string value is parsed as a payload (only at the
/// outer level: a string inside the string is not unwrapped again).
struct PayloadVisitor {
    text: bool,
}

impl<'de> Visitor<'de> for PayloadVisitor {
    type Value = IntVal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> Result<IntVal, A::Error> {
        let mut sub = IntVal::Absent;
        while let Some(key) = map.next_key_seed(TABLE_KEY)? {
            if key == Some(PAYLOAD_SUBCODE) {
                sub = map.next_value_seed(IntSeed)?;
            } else {
                map.next_value_seed(Skip)?;
            }
        }
        Ok(sub)
    }

    fn visit_str<E>(self, v: &str) -> Result<IntVal, E> {
        Ok(if self.text { payload_from_text(v) } else { IntVal::Absent })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<IntVal, A::Error> {
        skip_seq(seq).map(|_| IntVal::Absent)
    }

    scalars_are!(IntVal::Absent, no_str);
}

/// `resultInformation`: the `code` and `subCode` of an object (the last
/// of each); anything else gives two absent values.
pub(super) struct ResultInfoSeed;

impl<'de> DeserializeSeed<'de> for ResultInfoSeed {
    type Value = [IntVal; 2];
    fn deserialize<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> Result<[IntVal; 2], D::Error> {
        d.deserialize_any(ResultInfoVisitor)
    }
}

struct ResultInfoVisitor;

impl<'de> Visitor<'de> for ResultInfoVisitor {
    type Value = [IntVal; 2];

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> Result<[IntVal; 2], A::Error> {
        let mut got = [IntVal::Absent, IntVal::Absent];
        while let Some(key) = map.next_key_seed(TABLE_KEY)? {
            match RESULT_INFO_KEYS.iter().position(|&k| key == Some(k)) {
                Some(i) => got[i] = map.next_value_seed(IntSeed)?,
                None => map.next_value_seed(Skip)?,
            }
        }
        Ok(got)
    }

    fn visit_seq<A: SeqAccess<'de>>(
        self,
        seq: A,
    ) -> Result<[IntVal; 2], A::Error> {
        skip_seq(seq).map(|_| [IntVal::Absent, IntVal::Absent])
    }

    scalars_are!([IntVal::Absent, IntVal::Absent]);
}

/// `SubCode` from a payload given as a string: the string must parse as a
/// JSON object, else there is no subcode.
pub fn payload_from_text(text: &str) -> IntVal {
    struct P(IntVal);
    impl<'de> de::Deserialize<'de> for P {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<P, D::Error> {
            d.deserialize_any(PayloadVisitor { text: false }).map(P)
        }
    }
    // Only an object can hold SubCode; other JSON values give `Absent`
    // through the visitor, and unparsable text gives `Absent` here.
    serde_json::from_str::<P>(text).map_or(IntVal::Absent, |p| p.0)
}

/// Consumes any value, with all of serde_json's checks (see module docs).
pub(super) struct Skip;

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(SkipVisitor)
    }
}

impl<'de> de::Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Skip, D::Error> {
        d.deserialize_any(SkipVisitor).map(|_| Skip)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        skip_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        skip_map(map)
    }

    scalars_are!(());
}

pub(super) fn skip_seq<'de, A: SeqAccess<'de>>(
    mut seq: A,
) -> Result<(), A::Error> {
    while seq.next_element_seed(Skip)?.is_some() {}
    Ok(())
}

pub(super) fn skip_map<'de, A: MapAccess<'de>>(
    mut map: A,
) -> Result<(), A::Error> {
    // Keys are strings; `IgnoredAny` on a key still reads the whole string
    // through serde_json's key path, which checks escapes.
    while map.next_key::<KeyAsStr>()?.is_some() {
        map.next_value_seed(Skip)?;
    }
    Ok(())
}

/// A map key read as a (possibly borrowed) string and dropped.
struct KeyAsStr;

impl<'de> de::Deserialize<'de> for KeyAsStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<KeyAsStr, D::Error> {
        d.deserialize_str(KeyStrVisitor).map(|_| KeyAsStr)
    }
}

struct KeyStrVisitor;

impl<'de> Visitor<'de> for KeyStrVisitor {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
}
