//! The streaming JSON reader: one pass of serde_json over a line, keeping
//! only the fields that matter and building no tree.
//!
//! Every value the reader does not need is consumed with
//! `deserialize_any` (not `IgnoredAny`), so serde_json applies exactly the
//! checks it applies when it builds a full `Value`: UTF-8 (validated up
//! front, then read with `from_str`), escapes and surrogates, number syntax
//! and the 128-level depth limit. The plain reading in
//! [`crate::reference`] is the oracle this reader is tested against.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor,
};

use crate::extract::tree as reference;
use crate::record::{
    classify_key, kind_text, CatVal, IntVal, KeyId, Outcome, Slots, KIND_KEYS,
};

pub mod document;

/// A record's log kind (`category`, `Type` or `operationName`), borrowed
/// from the input where it can be.
pub type Kind<'a> = Option<Cow<'a, str>>;

/// Where the records of an envelope go, one at a time.
pub trait Sink<'de>: Default {
    /// Take one record.
    fn push(&mut self, out: Outcome, kind: Kind<'de>);
}

impl<'de> Sink<'de> for Vec<(Outcome, Kind<'de>)> {
    fn push(&mut self, out: Outcome, kind: Kind<'de>) {
        Vec::push(self, (out, kind));
    }
}

/// Visitor methods that give one value for every scalar (`str` included
/// unless `no_str` is given).
macro_rules! scalars_are {
    ($v:expr) => {
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok($v)
        }
        scalars_are!($v, no_str);
    };
    ($v:expr, no_str) => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($v)
        }
    };
}

/// What one non-blank line (of JSON Lines, or of a text log) held.
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// One record (or one malformed line).
    One(Outcome, Kind<'a>),
    /// A `records` or `tables` envelope: one outcome per element.
    Envelope(Vec<(Outcome, Kind<'a>)>),
}

impl Line<'_> {
    /// A malformed line.
    pub fn malformed(reason: String) -> Line<'static> {
        Line::One(Outcome::Malformed(reason), None)
    }
}

/// Read one non-blank JSON Lines line (no line terminator): the byte
/// scanner of [`super::fast`] where it is sure, else [`read_line_serde`].
pub fn read_line(line: &[u8]) -> Line<'_> {
    match super::fast::read_line(line) {
        Some(l) => l,
        None => read_line_serde(line),
    }
}

/// Read one non-blank JSON Lines line with serde_json alone.
pub fn read_line_serde(line: &[u8]) -> Line<'_> {
    let text = match std::str::from_utf8(line) {
        Ok(t) => t,
        Err(e) => return Line::malformed(utf8_reason(&e)),
    };
    let seed =
        TopSeed::<Vec<(Outcome, Kind<'_>)>> { doc: false, sink: PhantomData };
    let mut de = serde_json::Deserializer::from_str(text);
    match seed.deserialize(&mut de).and_then(|top| de.end().map(|_| top)) {
        Ok(Top::Record(out, kind)) => Line::One(out, kind),
        Ok(Top::Records(outs)) => Line::Envelope(outs),
        Ok(Top::Tables(tables)) => Line::Envelope(reference::tables(&tables)),
        Ok(Top::NotObject(what)) => Line::One(not_object(what), None),
        Err(e) => Line::malformed(json_reason(&e)),
    }
}

/// The reason for a line that is not valid UTF-8.
pub(crate) fn utf8_reason(e: &std::str::Utf8Error) -> String {
    format!("invalid UTF-8 at byte {}", e.valid_up_to() + 1)
}

/// The reason for a line serde_json rejects (its message, with the column).
pub(crate) fn json_reason(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let msg = msg.rsplit_once(" at line ").map_or(&*msg, |(m, _)| m);
    format!("invalid JSON at column {}: {}", e.column(), msg)
}

/// The outcome for a line holding a JSON value that is not an object.
pub(crate) fn not_object(what: &str) -> Outcome {
    Outcome::Malformed(format!("line holds {what}, not a JSON object"))
}

/// The reason for an envelope element that is not an object.
pub(crate) fn element_not_object(what: &str) -> Outcome {
    Outcome::Malformed(format!("envelope element is {what}, not an object"))
}

/// What kind of JSON value a visitor saw, for messages.
fn kind_of_unexpected(u: &de::Unexpected<'_>) -> &'static str {
    match u {
        de::Unexpected::Bool(_) => "a boolean",
        de::Unexpected::Unsigned(_)
        | de::Unexpected::Signed(_)
        | de::Unexpected::Float(_) => "a number",
        de::Unexpected::Str(_) => "a string",
        de::Unexpected::Seq => "an array",
        de::Unexpected::Unit => "null",
        _ => "a value",
    }
}

/// The top-level value of a line or a JSON document.
pub(crate) enum Top<'de, S> {
    /// One record.
    Record(Outcome, Kind<'de>),
    /// A `records` envelope, or (documents only) a top-level array.
    Records(S),
    /// A `tables` result, read as a tree.
    Tables(reference::Value),
    /// Something other than an object (lines only).
    NotObject(&'static str),
}

/// Reads a top-level value; `doc`: a whole JSON document, where an array is
/// a list of records.
pub(crate) struct TopSeed<S> {
    pub(crate) doc: bool,
    pub(crate) sink: PhantomData<S>,
}

impl<'de, S: Sink<'de>> DeserializeSeed<'de> for TopSeed<S> {
    type Value = Top<'de, S>;
    fn deserialize<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> Result<Self::Value, D::Error> {
        if self.doc {
            d.deserialize_any(DocVisitor::<S>(PhantomData))
        } else {
            d.deserialize_any(NonObject(TopVisitor::<S>(PhantomData)))
        }
    }
}

/// A whole document: an object as on a line, or an array of records.
struct DocVisitor<S>(PhantomData<S>);

impl<'de, S: Sink<'de>> Visitor<'de> for DocVisitor<S> {
    type Value = Top<'de, S>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object or array")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        map: A,
    ) -> Result<Self::Value, A::Error> {
        TopVisitor::<S>(PhantomData).object(map)
    }

    fn visit_seq<A: SeqAccess<'de>>(
        self,
        seq: A,
    ) -> Result<Self::Value, A::Error> {
        RecordsVisitor::<S>(PhantomData)
            .visit_seq(seq)
            .map(|s| Top::Records(s.unwrap_or_default()))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Top::NotObject("a boolean"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Top::NotObject("a number"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Top::NotObject("a number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Top::NotObject("a number"))
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Top::NotObject("a string"))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Top::NotObject("null"))
    }
}

/// Which level of a record a map is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    /// The top of a line: records and tables envelopes count here.
    Line,
    /// A record inside an envelope.
    Record,
    /// The record's `properties` object.
    Properties,
}

/// Reads a record's map at `level` into slots; envelopes go to `S`.
struct MapReader<S> {
    level: Level,
    sink: PhantomData<S>,
}

impl<S> MapReader<S> {
    fn new(level: Level) -> MapReader<S> {
        MapReader { level, sink: PhantomData }
    }
}

/// What a map read gave.
enum MapRead<'de, S> {
    Slots(Box<Slots>, Option<Box<Slots>>, Kind<'de>),
    Records(S),
    Tables(reference::Value),
}

impl<S> MapReader<S> {
    fn read<'de, A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> Result<MapRead<'de, S>, A::Error>
    where
        S: Sink<'de>,
    {
        let mut slots = Slots::default();
        let mut props: Option<Box<Slots>> = None;
        let mut kinds: [Kind<'de>; KIND_KEYS] = Default::default();
        // Last occurrence wins for `records` and `tables` too, so both are
        // remembered and decided at the end.
        let mut records: Option<S> = None;
        let mut tables: Option<reference::Value> = None;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            match key {
                Some(KeyId::Code(i)) => {
                    slots.code[i as usize] = map.next_value_seed(IntSeed)?;
                }
                Some(KeyId::Subcode(i)) => {
                    slots.subcode[i as usize] =
                        map.next_value_seed(IntSeed)?;
                }
                Some(KeyId::Category(i)) => {
                    slots.category[i as usize] =
                        map.next_value_seed(CatSeed { nested: false })?;
                }
                Some(KeyId::OperationPayload) => {
                    slots.payload_subcode =
                        map.next_value_seed(PayloadSeed)?;
                }
                Some(KeyId::Properties) if self.level != Level::Properties => {
                    props = map.next_value_seed(PropsSeed)?;
                }
                Some(KeyId::Records) if self.level == Level::Line => {
                    records =
                        map.next_value_seed(RecordsSeed::<S>(PhantomData))?;
                }
                Some(KeyId::Tables) if self.level == Level::Line => {
                    let v: reference::Value = map.next_value()?;
                    tables =
                        matches!(v, reference::Value::Array(_)).then_some(v);
                }
                Some(KeyId::Kind(i)) if self.level != Level::Properties => {
                    kinds[i as usize] = map.next_value_seed(KindSeed)?;
                }
                _ => {
                    map.next_value_seed(Skip)?;
                }
            }
        }
        Ok(if let Some(outs) = records {
            MapRead::Records(outs)
        } else if let Some(t) = tables {
            MapRead::Tables(t)
        } else {
            let kind = kinds.into_iter().flatten().next();
            MapRead::Slots(Box::new(slots), props, kind)
        })
    }
}

/// A log-kind value: a non-absent string, trimmed.
struct KindSeed;

impl<'de> DeserializeSeed<'de> for KindSeed {
    type Value = Kind<'de>;
    fn deserialize<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> Result<Kind<'de>, D::Error> {
        d.deserialize_any(KindVisitor)
    }
}

struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = Kind<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Kind<'de>, E> {
        Ok(kind_text(v).map(Cow::Borrowed))
    }

    fn visit_str<E>(self, v: &str) -> Result<Kind<'de>, E> {
        Ok(kind_text(v).map(|t| Cow::Owned(t.to_owned())))
    }

    fn visit_seq<A: SeqAccess<'de>>(
        self,
        seq: A,
    ) -> Result<Kind<'de>, A::Error> {
        skip_seq(seq).map(|_| None)
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        map: A,
    ) -> Result<Kind<'de>, A::Error> {
        skip_map(map).map(|_| None)
    }

    scalars_are!(None, no_str);
}

/// Wraps a map visitor: any non-map value becomes `not_object(kind)`.
struct NonObject<V>(V);

/// A visitor for things that must be objects.
trait ObjectVisitor<'de>: Sized {
    type Value;
    fn object<A: MapAccess<'de>>(
        self,
        map: A,
    ) -> Result<Self::Value, A::Error>;
    fn not_object(self, kind: &'static str) -> Self::Value;
}

impl<'de, V: ObjectVisitor<'de>> Visitor<'de> for NonObject<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        map: A,
    ) -> Result<V::Value, A::Error> {
        self.0.object(map)
    }

    fn visit_seq<A: SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> Result<V::Value, A::Error> {
        while seq.next_element_seed(Skip)?.is_some() {}
        Ok(self.0.not_object("an array"))
    }

    fn visit_bool<E>(self, v: bool) -> Result<V::Value, E> {
        Ok(self.0.not_object(kind_of_unexpected(&de::Unexpected::Bool(v))))
    }
    fn visit_i64<E>(self, _: i64) -> Result<V::Value, E> {
        Ok(self.0.not_object("a number"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<V::Value, E> {
        Ok(self.0.not_object("a number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<V::Value, E> {
        Ok(self.0.not_object("a number"))
    }
    fn visit_str<E>(self, _: &str) -> Result<V::Value, E> {
        Ok(self.0.not_object("a string"))
    }
    fn visit_unit<E>(self) -> Result<V::Value, E> {
        Ok(self.0.not_object("null"))
    }
}

struct TopVisitor<S>(PhantomData<S>);

impl<'de, S: Sink<'de>> ObjectVisitor<'de> for TopVisitor<S> {
    type Value = Top<'de, S>;

    fn object<A: MapAccess<'de>>(
        self,
        map: A,
    ) -> Result<Top<'de, S>, A::Error> {
        Ok(match MapReader::<S>::new(Level::Line).read(map)? {
            MapRead::Slots(top, props, kind) => {
                Top::Record(Slots::outcome(&top, props.as_deref()), kind)
            }
            MapRead::Records(outs) => Top::Records(outs),
            MapRead::Tables(t) => Top::Tables(t),
        })
    }

    fn not_object(self, kind: &'static str) -> Top<'de, S> {
        Top::NotObject(kind)
    }
}

/// A record inside a `records` envelope.
struct RecordVisitor;

impl<'de> ObjectVisitor<'de> for RecordVisitor {
    type Value = (Outcome, Kind<'de>);

    fn object<A: MapAccess<'de>>(
        self,
        map: A,
    ) -> Result<(Outcome, Kind<'de>), A::Error> {
        // Envelopes do not nest, so the sink type is never used here.
        let reader =
            MapReader::<Vec<(Outcome, Kind<'de>)>>::new(Level::Record);
        match reader.read(map)? {
            MapRead::Slots(top, props, kind) => {
                Ok((Slots::outcome(&top, props.as_deref()), kind))
            }
            MapRead::Records(_) | MapRead::Tables(_) => unreachable!(),
        }
    }

    fn not_object(self, kind: &'static str) -> (Outcome, Kind<'de>) {
        (element_not_object(kind), None)
    }
}

struct RecordSeed;

impl<'de> DeserializeSeed<'de> for RecordSeed {
    type Value = (Outcome, Kind<'de>);
    fn deserialize<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> Result<Self::Value, D::Error> {
        d.deserialize_any(NonObject(RecordVisitor))
    }
}

/// `records`: an array gives its records (into a sink); anything else
/// `None`.
struct RecordsSeed<S>(PhantomData<S>);

impl<'de, S: Sink<'de>> DeserializeSeed<'de> for RecordsSeed<S> {
    type Value = Option<S>;
    fn deserialize<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> Result<Self::Value, D::Error> {
        d.deserialize_any(RecordsVisitor::<S>(PhantomData))
    }
}

struct RecordsVisitor<S>(PhantomData<S>);

impl<'de, S: Sink<'de>> Visitor<'de> for RecordsVisitor<S> {
    type Value = Option<S>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> Result<Self::Value, A::Error> {
        let mut sink = S::default();
        while let Some((out, kind)) = seq.next_element_seed(RecordSeed)? {
            sink.push(out, kind);
        }
        Ok(Some(sink))
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        map: A,
    ) -> Result<Self::Value, A::Error> {
        skip_map(map).map(|_| None)
    }

    scalars_are!(None);
}

/// `properties`: an object gives its slots; anything else is ignored.
struct PropsSeed;

impl<'de> DeserializeSeed<'de> for PropsSeed {
    type Value = Option<Box<Slots>>;
    fn deserialize<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> Result<Self::Value, D::Error> {
        d.deserialize_any(PropsVisitor)
    }
}

struct PropsVisitor;

impl<'de> Visitor<'de> for PropsVisitor {
    type Value = Option<Box<Slots>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        map: A,
    ) -> Result<Self::Value, A::Error> {
        let reader =
            MapReader::<Vec<(Outcome, Kind<'de>)>>::new(Level::Properties);
        match reader.read(map)? {
            MapRead::Slots(s, _, _) => Ok(Some(s)),
            MapRead::Records(_) | MapRead::Tables(_) => unreachable!(),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(
        self,
        seq: A,
    ) -> Result<Self::Value, A::Error> {
        skip_seq(seq).map(|_| None)
    }

    scalars_are!(None);
}

/// A map key, classified without allocating.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Option<KeyId>;
    fn deserialize<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> Result<Self::Value, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Option<KeyId>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(classify_key(v))
    }
}

/// A code or subcode value.
struct IntSeed;

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
        Ok(int_from_u64(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<IntVal, E> {
        Ok(int_from_f64(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<IntVal, E> {
        Ok(IntVal::from_str_value(v))
    }

    fn visit_unit<E>(self) -> Result<IntVal, E> {
        Ok(IntVal::Absent)
    }

    fn visit_bool<E>(self, v: bool) -> Result<IntVal, E> {
        Ok(IntVal::Bad(v.to_string()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<IntVal, A::Error> {
        skip_seq(seq).map(|_| IntVal::Bad("an array".into()))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<IntVal, A::Error> {
        skip_map(map).map(|_| IntVal::Bad("an object".into()))
    }
}

/// A JSON unsigned number as a code value.
pub(crate) fn int_from_u64(v: u64) -> IntVal {
    match i64::try_from(v) {
        Ok(n) => IntVal::Int(n),
        Err(_) => IntVal::Bad(format!("{v} (out of range)")),
    }
}

/// A JSON number with a fraction or exponent as a code value.
pub(crate) fn int_from_f64(v: f64) -> IntVal {
    IntVal::Bad(format!("{v:?}"))
}

/// A category value. `nested` is set for the first element of an array,
/// where arrays no longer unwrap.
struct CatSeed {
    nested: bool,
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
struct PayloadSeed;

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
        while let Some(key) = map.next_key_seed(KeySeed)? {
            if key == Some(KeyId::Subcode(2)) {
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

/// `SubCode` from a payload given as a string: the string must parse as a
/// JSON object, else there is no subcode.
pub(crate) fn payload_from_text(text: &str) -> IntVal {
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
struct Skip;

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

fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element_seed(Skip)?.is_some() {}
    Ok(())
}

fn skip_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
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
