//! JSON documents: a whole input that is one JSON value — a pretty-printed
//! `{"records":[…]}` blob, an array of records, or a `{"tables":…}` query
//! result. Records are counted as the parser reaches them, so a large
//! document never becomes a tree (a `tables` result, bounded in size by the
//! service, does), and a document cut short still counts the records before
//! the break.

use serde::de::DeserializeSeed;

use super::{Records, Top, TopSeed};
use crate::extract::{reason, tree};
use crate::record::{Outcome, Record, Sink};

/// Hands a document's array elements to a sink as they are parsed, with
/// their positions. Elements carry no line of their own: they are all on
/// the document's first line, told apart by their position.
struct Elements<'s, S> {
    sink: &'s mut S,
    items: u32,
    /// Records and malformed elements handed on.
    handed: u64,
}

impl<'de, S: Sink> Records<'de> for Elements<'_, S> {
    fn start(&mut self) {
        self.sink.restart();
        self.items = 0;
        self.handed = 0;
    }

    fn push(&mut self, rec: Record<'de>) {
        let rec = match rec.outcome {
            Outcome::Malformed(r) => {
                Record::malformed(format!("element {}: {r}", self.items))
            }
            _ => rec,
        };
        self.sink.record(rec, 1, self.items);
        self.items += 1;
        self.handed += 1;
    }
}

/// Read one JSON document from `de` (a slice or a stream) into `sink`.
/// Lines are left for the caller, who knows the input.
pub fn read<'de, R, S>(de: &mut serde_json::Deserializer<R>, sink: &mut S)
where
    R: serde_json::de::Read<'de>,
    S: Sink,
{
    let mut elements = Elements { sink, items: 0, handed: 0 };
    let wanted = elements.sink.wanted();
    let seed = TopSeed { doc: true, sink: &mut elements, wanted };
    let result =
        seed.deserialize(&mut *de).and_then(|top| de.end().map(|_| top));
    let handed = elements.handed;
    match result {
        Ok(Top::Records) => sink.envelope(handed),
        Ok(Top::Record(rec)) => {
            sink.restart();
            sink.record(rec, 1, 0);
        }
        Ok(Top::Tables(v)) => {
            sink.restart();
            let recs = tree::tables(&v, wanted);
            sink.envelope(recs.len() as u64);
            for (i, rec) in recs.into_iter().enumerate() {
                sink.record(rec, 1, i as u32);
            }
        }
        Ok(Top::NotObject(what)) => {
            sink.restart();
            sink.record(
                Record::malformed(format!(
                    "document holds {what}, not an object or array"
                )),
                1,
                0,
            );
        }
        Err(e) => {
            // Records read before the break still count.
            if handed > 0 {
                sink.envelope(handed);
            }
            sink.record(
                Record::malformed(reason::json(&e)),
                e.line() as u64,
                u32::MAX,
            );
        }
    }
}
