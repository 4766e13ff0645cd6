//! JSON documents: a whole input that is one JSON value — a pretty-printed
//! `{"records":[…]}` blob, an array of records, or a `{"tables":…}` query
//! result. Records are counted as the parser reaches them, so a large
//! document never becomes a tree (a `tables` result, bounded in size by the
//! service, does), and a document cut short still counts the records before
//! the break.

use std::cell::RefCell;
use std::marker::PhantomData;

use serde::de::DeserializeSeed;

use crate::extract::json::{json_reason, Kind, Sink, Top, TopSeed};
use crate::extract::tree as reference;
use crate::record::Outcome;
use crate::tally::Tally;

/// Records of the `records` array (or top-level array) being read, with
/// their positions. Kept per thread: the parser calls [`Sink::push`]
/// without a way to pass state in, and one thread reads one document at a
/// time.
#[derive(Default)]
struct DocState {
    tally: Tally,
    item: u32,
    input: u32,
}

thread_local! {
    static DOC: RefCell<DocState> = RefCell::new(DocState::default());
}

/// The sink for a document's records. Creating one starts a new array
/// (a later `records` key replaces an earlier one, as on a line).
struct DocSink;

impl Default for DocSink {
    fn default() -> DocSink {
        DOC.with(|d| {
            let mut d = d.borrow_mut();
            let input = d.input;
            *d = DocState { input, ..DocState::default() };
        });
        DocSink
    }
}

impl<'de> Sink<'de> for DocSink {
    fn push(&mut self, out: Outcome, kind: Kind<'de>) {
        DOC.with(|d| {
            let d = &mut *d.borrow_mut();
            // Elements carry no line of their own; the sample names the
            // document's first line and the element's position.
            let out = match out {
                Outcome::Malformed(r) => {
                    Outcome::Malformed(format!("element {}: {r}", d.item))
                }
                o => o,
            };
            d.tally.add_record(out, kind.as_deref(), d.input, 1, d.item);
            d.item += 1;
        });
    }
}

/// Tally one JSON document read by `de` (a slice or a stream). `lines` and
/// `bytes` are left for the caller, who knows the input.
pub fn tally_document<'de, R: serde_json::de::Read<'de>>(
    de: &mut serde_json::Deserializer<R>,
    input: u32,
) -> Tally {
    DOC.with(|d| *d.borrow_mut() = DocState { input, ..DocState::default() });
    let seed = TopSeed::<DocSink> { doc: true, sink: PhantomData };
    let result =
        seed.deserialize(&mut *de).and_then(|top| de.end().map(|_| top));
    let mut streamed = DOC.with(|d| std::mem::take(&mut d.borrow_mut().tally));
    let mut t = Tally::default();
    match result {
        Ok(Top::Records(DocSink)) => {
            streamed.acc.envelopes = 1;
            streamed.acc.envelope_items =
                streamed.acc.records + streamed.acc.malformed;
            t = streamed;
        }
        Ok(Top::Record(out, kind)) => {
            t.add_record(out, kind.as_deref(), input, 1, 0);
        }
        Ok(Top::Tables(v)) => {
            t.acc.envelopes = 1;
            for (i, (out, kind)) in
                reference::tables(&v).into_iter().enumerate()
            {
                t.acc.envelope_items += 1;
                t.add_record(out, kind.as_deref(), input, 1, i as u32);
            }
        }
        Ok(Top::NotObject(what)) => t.add(
            Outcome::Malformed(format!(
                "document holds {what}, not an object or array"
            )),
            input,
            1,
        ),
        Err(e) => {
            // Records read before the break still count.
            t = streamed;
            t.acc.envelopes = u64::from(t.acc.records + t.acc.malformed > 0);
            t.acc.envelope_items = t.acc.records + t.acc.malformed;
            t.add_record(
                Outcome::Malformed(json_reason(&e)),
                None,
                input,
                e.line() as u64,
                u32::MAX,
            );
        }
    }
    t
}

/// Tally a JSON document held in memory.
pub fn tally_slice(body: &[u8], input: u32) -> Tally {
    let mut de = serde_json::Deserializer::from_slice(body);
    let mut t = tally_document(&mut de, input);
    t.acc.lines = crate::extract::csv::count_lines(body);
    t.acc.bytes = body.len() as u64;
    t
}
