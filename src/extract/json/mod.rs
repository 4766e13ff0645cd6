//! The streaming JSON reader: one pass of serde_json over a line, keeping
//! only the fields that matter and building no tree.
//!
//! Every value the reader does not need is consumed with
//! `deserialize_any` (not `IgnoredAny`), so serde_json applies exactly the
//! checks it applies when it builds a full `Value`: UTF-8 (validated up
//! front, then read with `from_str`), escapes and surrogates, number syntax
//! and the 128-level depth limit. The plain reading in
//! [`super::tree`] is the oracle this reader is tested against.

use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor,
};

use super::line::Line;
use super::reason;
use super::tree;
use crate::record::{Fields, Nested, Record, Role, Roles, Shape};

pub mod document;

/// Where the records of an envelope go, one at a time.
pub trait Records<'de> {
    /// A `records` array starts: it replaces any earlier one (the last
    /// `records` member of an object wins).
    fn start(&mut self);
    /// Take one record.
    fn push(&mut self, rec: Record<'de>);
}

impl<'de> Records<'de> for Vec<Record<'de>> {
    fn start(&mut self) {
        self.clear();
    }
    fn push(&mut self, rec: Record<'de>) {
        Vec::push(self, rec);
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

mod values;
pub use values::payload_from_text;
use values::{
    skip_map, skip_seq, CatSeed, FieldSeed, IntSeed, KeySeed, PayloadSeed,
    ResultInfoSeed, Skip, TextSeed,
};

/// Read one non-blank JSON Lines line with serde_json alone.
pub fn read_line(line: &[u8]) -> Line<'_> {
    read_line_for(line, Roles::DEFAULT)
}

/// Read one non-blank JSON Lines line with serde_json alone, reading the
/// on-demand values `wanted` too.
pub fn read_line_for(line: &[u8], wanted: Roles) -> Line<'_> {
    let text = match std::str::from_utf8(line) {
        Ok(t) => t,
        Err(e) => return Line::malformed(reason::utf8(&e)),
    };
    let mut recs: Vec<Record<'_>> = Vec::new();
    let seed = TopSeed { sink: &mut recs, wanted };
    let mut de = serde_json::Deserializer::from_str(text);
    match seed.deserialize(&mut de).and_then(|top| de.end().map(|_| top)) {
        Ok(Top::Record(rec)) => Line::One(rec),
        Ok(Top::Records) => Line::Envelope(recs),
        Ok(Top::Tables(tables)) => {
            Line::Envelope(tree::tables(&tables, wanted))
        }
        Ok(Top::NotObject(what)) => Line::One(reason::not_object(what)),
        Err(e) => Line::malformed(reason::json(&e)),
    }
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
pub(crate) enum Top<'de> {
    /// One record.
    Record(Record<'de>),
    /// A `records` envelope, or a top-level array (a batch of events, or
    /// a document's list of records): its records went to the sink.
    Records,
    /// A `tables` result, read as a tree.
    Tables(tree::Value),
    /// Something other than an object or an array.
    NotObject(&'static str),
}

/// Reads a top-level value (of a line or a whole JSON document), where an
/// array is a list of records (spec §3). Envelope records go to `sink`.
pub(crate) struct TopSeed<'s, S> {
    pub(crate) sink: &'s mut S,
    pub(crate) wanted: Roles,
}

impl<'de, S: Records<'de>> DeserializeSeed<'de> for TopSeed<'_, S> {
    type Value = Top<'de>;
    fn deserialize<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> Result<Self::Value, D::Error> {
        d.deserialize_any(DocVisitor { sink: self.sink, wanted: self.wanted })
    }
}

/// A line or a whole document: an object, or an array of records.
struct DocVisitor<'s, S> {
    sink: &'s mut S,
    wanted: Roles,
}

impl<'de, S: Records<'de>> Visitor<'de> for DocVisitor<'_, S> {
    type Value = Top<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object or array")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        map: A,
    ) -> Result<Self::Value, A::Error> {
        TopVisitor { sink: self.sink, wanted: self.wanted }.object(map)
    }

    fn visit_seq<A: SeqAccess<'de>>(
        self,
        seq: A,
    ) -> Result<Self::Value, A::Error> {
        RecordsVisitor { sink: self.sink, wanted: self.wanted }
            .visit_seq(seq)
            .map(|_| Top::Records)
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
    /// One of the record's nested levels (`properties`, `data`, `error`).
    Nested,
}

/// What a map read gave.
enum MapRead<'de> {
    /// A record's fields, and its nested levels' (boxed: the other
    /// variants are small).
    Fields(Box<(Fields<'de>, Nested<'de>)>),
    Records,
    Tables(tree::Value),
}

/// Read a record's map at `level`; envelope records (top of a line only)
/// go to `sink`.
fn read_map<'de, A, S>(
    level: Level,
    mut map: A,
    mut sink: Option<&mut S>,
    wanted: Roles,
) -> Result<MapRead<'de>, A::Error>
where
    A: MapAccess<'de>,
    S: Records<'de>,
{
    let mut read = Box::<(Fields<'de>, Nested<'de>)>::default();
    let (fields, nested) = &mut *read;
    // Last occurrence wins for `records` and `tables` too, so both are
    // remembered and decided at the end.
    let mut records = false;
    let mut tables: Option<tree::Value> = None;
    let keys = KeySeed { fields: wanted.1 };
    while let Some(key) = map.next_key_seed(keys)? {
        let Some(key) = key.filter(|k| level != Level::Nested || k.nests())
        else {
            map.next_value_seed(Skip)?;
            continue;
        };
        match key.shape() {
            Shape::Field => {
                // A name that is also a key of the table is read both
                // ways: from a tree, as the plain reading does.
                match key
                    .also()
                    .filter(|a| level != Level::Nested || a.nests())
                {
                    None => fields.set_field(
                        key,
                        map.next_value_seed(FieldSeed { nested: false })?,
                    ),
                    Some(also) => {
                        let v: tree::Value = map.next_value()?;
                        fields.set_field(key, tree::field_value(&v, false));
                        if wanted.reads(also.role) {
                            tree::set_value(fields, also, &v);
                        }
                    }
                }
            }
            Shape::Int => fields.set(key, map.next_value_seed(IntSeed)?),
            Shape::Category => fields
                .set(key, map.next_value_seed(CatSeed { nested: false })?),
            Shape::Text if wanted.reads(key.role) => fields.set(
                key,
                map.next_value_seed(TextSeed {
                    numbers: key.role.on_demand(),
                })?,
            ),
            Shape::Text => map.next_value_seed(Skip)?,
            Shape::Payload => {
                fields.set(key, map.next_value_seed(PayloadSeed)?)
            }
            Shape::Container => match key.role {
                Role::Properties | Role::Data | Role::Error => {
                    match map.next_value_seed(LevelSeed { wanted })? {
                        Some(read) => {
                            if let Some(l) = nested.fresh(key.role) {
                                *l = read.0;
                            }
                        }
                        None => nested.clear(key.role),
                    }
                }
                Role::ResultInformation => {
                    let [code, sub] = map.next_value_seed(ResultInfoSeed)?;
                    fields.set_result_information(code, sub);
                }
                Role::Records if level == Level::Line => {
                    match sink.as_deref_mut() {
                        Some(sink) => {
                            records = map.next_value_seed(RecordsSeed {
                                sink,
                                wanted,
                            })?;
                        }
                        None => map.next_value_seed(Skip)?,
                    }
                }
                Role::Tables if level == Level::Line => {
                    let v: tree::Value = map.next_value()?;
                    tables = matches!(v, tree::Value::Array(_)).then_some(v);
                }
                _ => map.next_value_seed(Skip)?,
            },
        }
    }
    Ok(if records {
        MapRead::Records
    } else if let Some(t) = tables {
        MapRead::Tables(t)
    } else {
        MapRead::Fields(read)
    })
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

struct TopVisitor<'s, S> {
    sink: &'s mut S,
    wanted: Roles,
}

impl<'de, S: Records<'de>> ObjectVisitor<'de> for TopVisitor<'_, S> {
    type Value = Top<'de>;

    fn object<A: MapAccess<'de>>(self, map: A) -> Result<Top<'de>, A::Error> {
        let wanted = self.wanted;
        Ok(match read_map(Level::Line, map, Some(self.sink), wanted)? {
            MapRead::Fields(read) => {
                let (mut top, nested) = *read;
                Top::Record(top.record(&nested, wanted))
            }
            MapRead::Records => Top::Records,
            MapRead::Tables(t) => Top::Tables(t),
        })
    }

    fn not_object(self, kind: &'static str) -> Top<'de> {
        Top::NotObject(kind)
    }
}

/// A record inside a `records` envelope.
struct RecordVisitor {
    wanted: Roles,
}

impl<'de> ObjectVisitor<'de> for RecordVisitor {
    type Value = Record<'de>;

    fn object<A: MapAccess<'de>>(
        self,
        map: A,
    ) -> Result<Record<'de>, A::Error> {
        // Envelopes do not nest: no sink.
        let wanted = self.wanted;
        match read_map::<A, Vec<Record<'de>>>(
            Level::Record,
            map,
            None,
            wanted,
        )? {
            MapRead::Fields(read) => {
                let (mut top, nested) = *read;
                Ok(top.record(&nested, wanted))
            }
            MapRead::Records | MapRead::Tables(_) => unreachable!(),
        }
    }

    fn not_object(self, kind: &'static str) -> Record<'de> {
        reason::element_not_object(kind)
    }
}

pub(crate) struct RecordSeed {
    pub(crate) wanted: Roles,
}

impl<'de> DeserializeSeed<'de> for RecordSeed {
    type Value = Record<'de>;
    fn deserialize<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> Result<Self::Value, D::Error> {
        d.deserialize_any(NonObject(RecordVisitor { wanted: self.wanted }))
    }
}

/// `records`: an array gives its records (into the sink) and `true`;
/// anything else `false`.
struct RecordsSeed<'s, S> {
    sink: &'s mut S,
    wanted: Roles,
}

impl<'de, S: Records<'de>> DeserializeSeed<'de> for RecordsSeed<'_, S> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> Result<Self::Value, D::Error> {
        d.deserialize_any(RecordsVisitor {
            sink: self.sink,
            wanted: self.wanted,
        })
    }
}

struct RecordsVisitor<'s, S> {
    sink: &'s mut S,
    wanted: Roles,
}

impl<'de, S: Records<'de>> Visitor<'de> for RecordsVisitor<'_, S> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> Result<Self::Value, A::Error> {
        self.sink.start();
        let seed = || RecordSeed { wanted: self.wanted };
        while let Some(rec) = seq.next_element_seed(seed())? {
            self.sink.push(rec);
        }
        Ok(true)
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        map: A,
    ) -> Result<Self::Value, A::Error> {
        skip_map(map).map(|_| false)
    }

    scalars_are!(false);
}

/// A nested level (`properties`, `data`, `error`): an object gives its
/// fields; anything else is ignored.
struct LevelSeed {
    wanted: Roles,
}

impl<'de> DeserializeSeed<'de> for LevelSeed {
    type Value = Option<Box<(Fields<'de>, Nested<'de>)>>;
    fn deserialize<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> Result<Self::Value, D::Error> {
        d.deserialize_any(LevelVisitor { wanted: self.wanted })
    }
}

struct LevelVisitor {
    wanted: Roles,
}

impl<'de> Visitor<'de> for LevelVisitor {
    type Value = Option<Box<(Fields<'de>, Nested<'de>)>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        map: A,
    ) -> Result<Self::Value, A::Error> {
        match read_map::<A, Vec<Record<'de>>>(
            Level::Nested,
            map,
            None,
            self.wanted,
        )? {
            MapRead::Fields(read) => Ok(Some(read)),
            MapRead::Records | MapRead::Tables(_) => unreachable!(),
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
