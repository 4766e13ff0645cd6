//! The plain reading of spec §3: parse the whole line into a tree with
//! serde_json, then look the keys up exactly as the spec words it.
//!
//! This is slow on purpose and kept simple so it can be read against the
//! spec line by line. The streaming readers (the byte scanner and the serde reader) must give
//! identical outcomes on every input; the differential tests check it. The
//! tree keeps object members in document order, duplicates included, so the
//! "last occurrence wins" rule is applied here literally rather than
//! inherited from a map type.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use super::line::Line;
use super::reason;
use crate::record::{
    classify_key, kind_text, CatVal, Fields, IntVal, KeyId, Nested, Record,
    Role, Roles, Shape, KEYS, PAYLOAD_SUBCODE, RESULT_INFO_KEYS,
};
use std::borrow::Cow;

/// A JSON value with object members in document order.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number as serde_json classifies it.
    Number(serde_json::Number),
    /// A string, escapes decoded.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object: every member, in order, duplicates kept.
    Object(Vec<(String, Value)>),
}

impl<'de> de::Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("non-finite number"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(
        self,
        mut s: A,
    ) -> Result<Value, A::Error> {
        let mut v = Vec::new();
        while let Some(e) = s.next_element()? {
            v.push(e);
        }
        Ok(Value::Array(v))
    }
    fn visit_map<A: MapAccess<'de>>(
        self,
        mut m: A,
    ) -> Result<Value, A::Error> {
        let mut v = Vec::new();
        while let Some((k, e)) = m.next_entry::<String, Value>()? {
            v.push((k, e));
        }
        Ok(Value::Object(v))
    }
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

/// Read one non-blank JSON Lines line the plain way.
pub fn read_line(line: &[u8]) -> Line<'_> {
    read_line_for(line, Roles::DEFAULT)
}

/// [`read_line`], reading the on-demand values `wanted` too.
pub fn read_line_for(line: &[u8], wanted: Roles) -> Line<'_> {
    let text = match std::str::from_utf8(line) {
        Ok(t) => t,
        Err(e) => return Line::malformed(reason::utf8(&e)),
    };
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return Line::malformed(reason::json(&e)),
    };
    // A batch of events (spec §3): a container like `records`.
    if let Value::Array(items) = &value {
        return Line::Envelope(elements(items, wanted));
    }
    let Value::Object(members) = &value else {
        return Line::One(reason::not_object(value.kind()));
    };
    // An envelope: the last `records` member decides, then `tables`.
    if let Some(Value::Array(items)) = last(members, Role::Records) {
        return Line::Envelope(elements(items, wanted));
    }
    if let Some(t @ Value::Array(_)) = last(members, Role::Tables) {
        return Line::Envelope(tables(t, wanted));
    }
    Line::One(record(members, wanted))
}

/// The records of an envelope's elements: each an object, else malformed.
fn elements<'a>(items: &[Value], wanted: Roles) -> Vec<Record<'a>> {
    items
        .iter()
        .map(|item| match item {
            Value::Object(m) => record(m, wanted),
            other => reason::element_not_object(other.kind()),
        })
        .collect()
}

/// The records of a Log Analytics query API `tables` array: each row of
/// each table zipped with the column names into an object, read as a
/// record. (Production code too: the streaming readers read a `tables`
/// value into a tree and hand it here.)
pub fn tables<'a>(tables: &Value, wanted: Roles) -> Vec<Record<'a>> {
    match tables {
        Value::Array(ts) => {
            ts.iter().flat_map(|t| table_rows(t, wanted)).collect()
        }
        _ => Vec::new(),
    }
}

fn table_rows<'a>(table: &Value, wanted: Roles) -> Vec<Record<'a>> {
    let Value::Object(t) = table else {
        return vec![reason::element_not_object(table.kind())];
    };
    let member = |name: &str| {
        t.iter().rev().find(|(k, _)| k.trim_ascii().eq_ignore_ascii_case(name))
    };
    let names: Vec<String> = match member("columns") {
        Some((_, Value::Array(cols))) => cols
            .iter()
            .map(|c| match c {
                Value::Object(m) => m
                    .iter()
                    .rev()
                    .find(|(k, _)| k.trim_ascii().eq_ignore_ascii_case("name"))
                    .and_then(|(_, v)| match v {
                        Value::String(s) => Some(s.clone()),
                        _ => None,
                    })
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .collect(),
        _ => Vec::new(),
    };
    let Some((_, Value::Array(rows))) = member("rows") else {
        return Vec::new();
    };
    rows.iter()
        .map(|row| match row {
            Value::Array(cells) if cells.len() == names.len() => {
                let obj: Vec<(String, Value)> =
                    names.iter().cloned().zip(cells.iter().cloned()).collect();
                record(&obj, wanted)
            }
            Value::Array(cells) => Record::malformed(format!(
                "table row has {} cells for {} columns",
                cells.len(),
                names.len()
            )),
            other => Record::malformed(format!(
                "table row is {}, not an array",
                other.kind()
            )),
        })
        .collect()
}

/// The value of the last member whose key is `key`.
fn last_key(members: &[(String, Value)], key: KeyId) -> Option<&Value> {
    members
        .iter()
        .rev()
        .find(|(k, _)| classify_key(k) == Some(key))
        .map(|m| &m.1)
}

/// The value of the last member with a key of `role` (for the roles that
/// have one key).
fn last(members: &[(String, Value)], role: Role) -> Option<&Value> {
    members
        .iter()
        .rev()
        .find(|(k, _)| classify_key(k).is_some_and(|id| id.role == role))
        .map(|m| &m.1)
}

/// One record (an object): spec §3 applied to its members, and its kind.
/// Its nested levels are the last `properties`, `data` and `error`
/// members, when they are objects.
fn record<'a>(members: &[(String, Value)], wanted: Roles) -> Record<'a> {
    let mut top = fields(members, false, wanted);
    let mut nested = Nested::default();
    for role in [Role::Properties, Role::Data, Role::Error] {
        if let Some(Value::Object(m)) = last(members, role) {
            if let Some(level) = nested.fresh(role) {
                *level = fields(m, true, wanted);
            }
        }
    }
    top.record(&nested, wanted)
}

/// The value of every key of one level (last occurrence of each), looked
/// up key by key in the order of the table. `nested`: a nested level
/// object, where only the keys that nest count.
fn fields<'a>(
    members: &[(String, Value)],
    nested: bool,
    wanted: Roles,
) -> Fields<'a> {
    let mut f = Fields::default();
    for (name, _) in KEYS {
        let id = classify_key(name).expect("a key of the table");
        if (nested && !id.nests()) || !wanted.reads(id.role) {
            continue;
        }
        let Some(v) = last_key(members, id) else { continue };
        set_value(&mut f, id, v);
    }
    // The keys of the run's `field:` dimensions: the last member of each
    // name; a name that is also a key of the table was read above too.
    for (name, id) in wanted.1.iter().flat_map(|k| k.names().zip(k.ids())) {
        let Some(id) = id else { continue };
        let last = members
            .iter()
            .rev()
            .find(|(k, _)| k.trim_ascii().eq_ignore_ascii_case(name));
        if let Some((_, v)) = last {
            f.set_field(id, field_value(v, false));
        }
    }
    // `resultInformation`: the last one; its `code` and `subCode`.
    let [code, subcode] = match last(members, Role::ResultInformation) {
        Some(Value::Object(ri)) => RESULT_INFO_KEYS
            .map(|k| last_key(ri, k).map_or_else(IntVal::default, int_value)),
        _ => [IntVal::Absent, IntVal::Absent],
    };
    f.set_result_information(code, subcode);
    f
}

/// Set the value `v` of `id`, a key of the table, as its shape reads it.
pub(crate) fn set_value<'a>(f: &mut Fields<'a>, id: KeyId, v: &Value) {
    match id.shape() {
        Shape::Int => f.set(id, int_value(v)),
        Shape::Category => f.set(id, cat_value(v, false)),
        Shape::Text => f.set(
            id,
            match v {
                Value::String(s) => {
                    kind_text(s).map(|t| Cow::Owned(t.to_owned()))
                }
                Value::Number(n) if id.role.on_demand() => {
                    n.as_u64().map(|u| u.to_string().into())
                }
                _ => None,
            },
        ),
        Shape::Payload => f.set(
            id,
            match v {
                Value::Object(p) => payload_subcode(p),
                Value::String(text) => match serde_json::from_str(text) {
                    Ok(Value::Object(p)) => payload_subcode(&p),
                    _ => IntVal::Absent,
                },
                _ => IntVal::Absent,
            },
        ),
        Shape::Container | Shape::Field => {}
    }
}

/// The value of a `field:` key (`record::field_keys` says the rules):
/// a scalar as written; an array's first element (`nested`: this is one,
/// and does not unwrap further); an object none.
pub(crate) fn field_value(
    v: &Value,
    nested: bool,
) -> Option<Cow<'static, str>> {
    match v {
        Value::String(s) => kind_text(s).map(|t| Cow::Owned(t.to_owned())),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => {
            Some(Cow::Borrowed(if *b { "true" } else { "false" }))
        }
        Value::Array(items) if !nested => {
            items.first().and_then(|e| field_value(e, true))
        }
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

fn payload_subcode(members: &[(String, Value)]) -> IntVal {
    last_key(members, PAYLOAD_SUBCODE).map_or_else(IntVal::default, int_value)
}

fn int_value(v: &Value) -> IntVal {
    match v {
        Value::Null => IntVal::Absent,
        Value::String(s) => IntVal::from_str_value(s),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                IntVal::Int(i)
            } else if let Some(u) = n.as_u64() {
                IntVal::from_u64(u)
            } else {
                IntVal::from_f64(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Value::Bool(b) => IntVal::Bad(b.to_string().into()),
        Value::Array(_) => IntVal::Bad("an array".into()),
        Value::Object(_) => IntVal::Bad("an object".into()),
    }
}

fn cat_value(v: &Value, nested: bool) -> CatVal {
    match v {
        Value::Null => CatVal::Absent,
        Value::String(s) => CatVal::from_str_value(s),
        Value::Array(items) if !nested => {
            items.first().map_or(CatVal::Absent, |f| cat_value(f, true))
        }
        _ => CatVal::Other,
    }
}
