//! JSON documents: a whole input that is one JSON value — a pretty-printed
//! `{"records":[…]}` blob, an array of records, or a `{"tables":…}` query
//! result.
//!
//! A document is read as a stream of bytes and cut, by a small byte scanner
//! that knows strings and nesting, into the elements of its records array
//! (the top-level array, or the `records` array of the top-level object).
//! Each element is read on its own with the serde reader, so a large
//! document never becomes a tree and is never held whole, and a bad element
//! (invalid JSON, invalid UTF-8, nested too deep, longer than
//! `--max-record-bytes`) is one malformed record: the elements after it are
//! still read (spec §10). What the scanner cannot cut into elements (a
//! document cut short, bytes after its end) is one malformed record whose
//! reason says how many bytes were skipped.
//!
//! The rest of the top-level object (everything but the records arrays,
//! which are left empty) is read with the serde reader as before: a
//! `tables` result, bounded in size by the service, becomes a tree.

use std::io::{self, BufRead};

use serde::de::DeserializeSeed;

use super::{RecordSeed, Top, TopSeed};
use crate::extract::{reason, tree};
use crate::input::lines::LineCount;
use crate::record::{classify_key, Outcome, Record, Role, Sink};

/// serde_json's nesting limit: a value may open at most this many arrays
/// and objects, the document's own included.
const MAX_DEPTH: u32 = 127;

/// A byte stream being cut, with its physical lines.
struct Src<R> {
    r: R,
    lines: LineCount,
    /// A read error, which ends the stream.
    error: Option<io::Error>,
}

impl<R: BufRead> Src<R> {
    fn chunk(&mut self) -> &[u8] {
        if self.error.is_some() {
            return &[];
        }
        loop {
            match self.r.fill_buf() {
                // Reborrow to satisfy the borrow checker across the loop.
                Ok(_) => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.error = Some(e);
                    return &[];
                }
            }
        }
        self.r.fill_buf().unwrap_or(&[])
    }

    /// Consume `n` bytes of the current chunk.
    fn consume(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        let c = self.r.fill_buf().unwrap_or(&[]);
        let n = n.min(c.len());
        self.lines.feed(&c[..n]);
        self.r.consume(n);
    }

    fn peek(&mut self) -> Option<u8> {
        self.chunk().first().copied()
    }

    /// The 1-based line the next byte is on.
    fn line(&self) -> u64 {
        self.lines.newlines() + 1
    }

    /// Skip whitespace, copying it to `out` if given.
    fn skip_ws(&mut self, mut out: Option<&mut Vec<u8>>) {
        loop {
            let c = self.chunk();
            if c.is_empty() {
                return;
            }
            let n = c.iter().position(|b| !b.is_ascii_whitespace());
            let k = n.unwrap_or(c.len());
            if let Some(o) = out.as_deref_mut() {
                o.extend_from_slice(&c[..k]);
            }
            self.consume(k);
            if n.is_some() {
                return;
            }
        }
    }

    /// Skip to the end of the stream; the bytes skipped.
    fn skip_rest(&mut self) -> u64 {
        let mut n = 0u64;
        loop {
            let k = self.chunk().len();
            if k == 0 {
                return n;
            }
            self.consume(k);
            n += k as u64;
        }
    }

    /// Scan a JSON string whose `"` is next into `out`; `false`: the
    /// stream ended inside it, or it is longer than `max`.
    fn scan_string(&mut self, out: &mut Vec<u8>, max: usize) -> bool {
        out.push(b'"');
        self.consume(1);
        let mut esc = false;
        loop {
            let c = self.chunk();
            if c.is_empty() {
                return false;
            }
            let mut end = None;
            for (i, &b) in c.iter().enumerate() {
                if esc {
                    esc = false;
                } else if b == b'\\' {
                    esc = true;
                } else if b == b'"' {
                    end = Some(i + 1);
                    break;
                }
            }
            let k = end.unwrap_or(c.len());
            if out.len() + k > max {
                return false;
            }
            out.extend_from_slice(&c[..k]);
            self.consume(k);
            if end.is_some() {
                return true;
            }
        }
    }

    /// Scan one JSON value (or what stands for one) up to the `,` or the
    /// closing `]`/`}` that ends it at its own level, which is not
    /// consumed. Its bytes go to `out` while `out` holds fewer than `max`.
    fn scan_value(&mut self, out: &mut Vec<u8>, max: usize) -> Scanned {
        let mut s = Scanned::default();
        let (mut depth, mut in_str, mut esc) = (0u32, false, false);
        loop {
            let c = self.chunk();
            if c.is_empty() {
                s.eof = true;
                s.open = depth > 0 || in_str;
                return s;
            }
            let mut stop = None;
            for (i, &b) in c.iter().enumerate() {
                if in_str {
                    if esc {
                        esc = false;
                    } else if b == b'\\' {
                        esc = true;
                    } else if b == b'"' {
                        in_str = false;
                    }
                    continue;
                }
                match b {
                    b'"' => in_str = true,
                    b'{' | b'[' => {
                        depth += 1;
                        s.depth = s.depth.max(depth);
                    }
                    b'}' | b']' if depth == 0 => {
                        stop = Some(i);
                        break;
                    }
                    b'}' | b']' => depth -= 1,
                    b',' if depth == 0 => {
                        stop = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            let k = stop.unwrap_or(c.len());
            s.bytes += k as u64;
            if out.len() + k <= max {
                out.extend_from_slice(&c[..k]);
            } else {
                s.over = true;
            }
            self.consume(k);
            if stop.is_some() {
                return s;
            }
        }
    }
}

/// What [`Src::scan_value`] saw.
#[derive(Default)]
struct Scanned {
    /// Bytes scanned.
    bytes: u64,
    /// The deepest nesting inside the value.
    depth: u32,
    /// Longer than the bound: not all of it was kept.
    over: bool,
    /// The stream ended (`open`: inside the value).
    eof: bool,
    open: bool,
}

/// Hands a document's array elements to a sink, with their positions.
/// Elements carry no line of their own: they are all counted on the
/// document's first line, told apart by their position; a broken element
/// is reported at the line where it breaks.
struct Elements<'s, S> {
    sink: &'s mut S,
    items: u32,
    /// Records and malformed elements handed on.
    handed: u64,
    max: usize,
}

impl<S: Sink> Elements<'_, S> {
    fn start(&mut self) {
        self.sink.restart();
        self.items = 0;
        self.handed = 0;
    }

    fn push(&mut self, rec: Record<'_>, line: u64) {
        let rec = match rec.outcome {
            Outcome::Malformed(r) => {
                Record::malformed(format!("element {}: {r}", self.items))
            }
            _ => rec,
        };
        self.sink.record(rec, line, self.items);
        self.items += 1;
        self.handed += 1;
    }

    /// Read the elements of an array whose `[` (at nesting `level`) has
    /// just been consumed, up to and including its `]`. `false`: the
    /// stream ended inside the array (reported here).
    fn array<R: BufRead>(&mut self, src: &mut Src<R>, level: u32) -> bool {
        let mut buf = Vec::new();
        let mut first = true;
        loop {
            src.skip_ws(None);
            let after_comma = !std::mem::replace(&mut first, false);
            match src.peek() {
                None => {
                    let line = src.line();
                    self.push(
                        Record::malformed(
                            "the document ends before its array is closed"
                                .into(),
                        ),
                        line,
                    );
                    return false;
                }
                Some(b']') => {
                    if after_comma {
                        let line = src.line();
                        self.push(
                            Record::malformed(
                                "invalid JSON: trailing comma".into(),
                            ),
                            line,
                        );
                    }
                    src.consume(1);
                    return true;
                }
                Some(_) => {}
            }
            let start = src.line();
            buf.clear();
            let s = src.scan_value(&mut buf, self.max);
            if s.over {
                let rec = Record::malformed(format!(
                    "longer than --max-record-bytes ({} bytes), {} bytes \
                     skipped",
                    self.max, s.bytes
                ));
                self.push(rec, start);
            } else if s.depth + level > MAX_DEPTH {
                let rec = Record::malformed(format!(
                    "invalid JSON: nested deeper than {} levels",
                    MAX_DEPTH + 1
                ));
                self.push(rec, start);
            } else {
                self.read_element(&buf, start);
            }
            if s.open {
                return false;
            }
            match src.peek() {
                Some(b',') => src.consume(1),
                Some(b']') => {
                    src.consume(1);
                    return true;
                }
                // `}` where `]` belongs: the element is malformed already
                // (serde saw an unbalanced value) unless it was empty.
                Some(_) => src.consume(1),
                None => {
                    if s.eof && !s.open {
                        let line = src.line();
                        self.push(
                            Record::malformed(
                                "the document ends before its array is \
                                 closed"
                                    .into(),
                            ),
                            line,
                        );
                    }
                    return false;
                }
            }
        }
    }

    /// Read one element's bytes (starting on line `start`) and hand on its
    /// record.
    fn read_element(&mut self, bytes: &[u8], start: u64) {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let seed = RecordSeed { wanted: self.sink.wanted() };
        match seed.deserialize(&mut de).and_then(|r| de.end().map(|_| r)) {
            Ok(rec) => self.push(rec, 1),
            Err(e) => {
                let line = start + e.line().max(1) as u64 - 1;
                let rec = Record::malformed(reason::json(&e));
                self.push(rec, line);
            }
        }
    }
}

/// Read one JSON document from `r` into `sink`, holding no element longer
/// than `max` bytes; returns the physical lines read (the whole stream is
/// read) and the read error that ended it early, if any.
pub fn read<R: BufRead, S: Sink>(
    r: R,
    sink: &mut S,
    max: usize,
) -> (u64, Option<io::Error>) {
    let mut src = Src { r, lines: LineCount::default(), error: None };
    let mut el = Elements { sink, items: 0, handed: 0, max };
    src.skip_ws(None);
    match src.peek() {
        Some(b'[') => {
            src.consume(1);
            el.start();
            let closed = el.array(&mut src, 1);
            let handed = el.handed;
            el.sink.envelope(handed);
            if closed {
                trailing(&mut src, el.sink);
            }
        }
        Some(b'{') => object(&mut src, &mut el),
        _ => {
            // A scalar document (or an empty one): read as before.
            let mut rest = Vec::new();
            let s = src.scan_value(&mut rest, max);
            let _ = src.skip_rest();
            if s.over {
                el.sink.restart();
                el.sink.record(
                    Record::malformed(format!(
                        "document longer than --max-record-bytes ({max} \
                         bytes), skipped"
                    )),
                    1,
                    0,
                );
            } else {
                whole(&rest, &mut el, 0);
            }
        }
    }
    let lines = src.lines.lines();
    (lines, src.error)
}

/// Bytes after the end of the document: one malformed record that says
/// how many bytes were skipped.
fn trailing<R: BufRead, S: Sink>(src: &mut Src<R>, sink: &mut S) {
    src.skip_ws(None);
    if src.peek().is_none() {
        return;
    }
    let line = src.line();
    let n = src.skip_rest();
    sink.record(
        Record::malformed(format!(
            "invalid JSON: trailing characters after the document; {n} \
             bytes skipped"
        )),
        line,
        u32::MAX,
    );
}

/// A top-level object whose `{` is next: its `records` arrays are read
/// element by element; the rest of it is kept (the arrays left empty, with
/// their newlines, so positions stay right) and read as before.
fn object<R: BufRead, S: Sink>(src: &mut Src<R>, el: &mut Elements<'_, S>) {
    let max = el.max;
    let mut kept = Vec::new();
    kept.push(b'{');
    src.consume(1);
    let mut over = false;
    loop {
        src.skip_ws(Some(&mut kept));
        match src.peek() {
            None => break,
            Some(b'}') => {
                kept.push(b'}');
                src.consume(1);
                break;
            }
            Some(b'"') => {}
            Some(_) => {
                // Not a key: keep the rest of the object for serde to
                // report.
                over |= src.scan_value(&mut kept, max).over;
                break;
            }
        }
        let key_start = kept.len();
        if !src.scan_string(&mut kept, max) {
            over = true;
            break;
        }
        let is_records = serde_json::from_slice::<String>(&kept[key_start..])
            .ok()
            .and_then(|k| classify_key(&k))
            .is_some_and(|k| k.role == Role::Records);
        src.skip_ws(Some(&mut kept));
        if src.peek() != Some(b':') {
            over |= src.scan_value(&mut kept, max).over;
            break;
        }
        kept.push(b':');
        src.consume(1);
        src.skip_ws(Some(&mut kept));
        if is_records && src.peek() == Some(b'[') {
            src.consume(1);
            let first = src.lines.newlines();
            el.start();
            let closed = el.array(src, 2);
            if !closed {
                // Cut short inside the array, reported there.
                let handed = el.handed;
                el.sink.envelope(handed);
                let _ = src.skip_rest();
                return;
            }
            kept.push(b'[');
            kept.extend(std::iter::repeat_n(
                b'\n',
                (src.lines.newlines() - first) as usize,
            ));
            kept.push(b']');
        } else {
            let s = src.scan_value(&mut kept, max);
            over |= s.over;
            if s.eof {
                break;
            }
        }
        if src.peek() == Some(b',') {
            kept.push(b',');
            src.consume(1);
        }
        if over || kept.len() > max {
            over = true;
            break;
        }
    }
    finish_object(src, el, kept, over);
}

fn finish_object<R: BufRead, S: Sink>(
    src: &mut Src<R>,
    el: &mut Elements<'_, S>,
    mut kept: Vec<u8>,
    over: bool,
) {
    let max = el.max;
    // Bytes after the object go to serde too (it reports them), bounded.
    let mut rest = Vec::new();
    let s = src.scan_value(&mut rest, max.saturating_sub(kept.len()));
    let skipped = src.skip_rest();
    if over || s.over {
        let handed = el.handed;
        if handed > 0 {
            el.sink.envelope(handed);
        }
        el.sink.record(
            Record::malformed(format!(
                "the document outside its records is longer than \
                 --max-record-bytes ({max} bytes); {} bytes skipped",
                s.bytes + skipped
            )),
            src.line(),
            u32::MAX,
        );
        return;
    }
    kept.extend_from_slice(&rest);
    let handed = el.handed;
    whole(&kept, el, handed);
}

/// Read a whole (small) document with the serde reader, as it always was
/// read; `handed`: records already handed on from its records arrays.
fn whole<S: Sink>(bytes: &[u8], el: &mut Elements<'_, S>, handed: u64) {
    let mut none: Vec<Record<'_>> = Vec::new();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let wanted = el.sink.wanted();
    let seed = TopSeed { sink: &mut none, wanted };
    let result =
        seed.deserialize(&mut de).and_then(|top| de.end().map(|_| top));
    let sink = &mut *el.sink;
    match result {
        Ok(Top::Records) => {
            // A top-level array read whole (a scalar document cannot be
            // one) or an envelope whose arrays were read element by element.
            let n = handed + none.len() as u64;
            for (i, rec) in none.into_iter().enumerate() {
                sink.record(rec, 1, i as u32);
            }
            sink.envelope(n);
        }
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
