//! The fast path for JSON Lines: a byte scanner that reads the common line
//! shape without serde, and gives up on anything it cannot prove it reads
//! exactly as serde_json would.
//!
//! [`read_line`] returns `None` ("not sure") for any line holding a
//! backslash (so no string or key has an escape), a control byte (so the
//! only whitespace is the space, and no string holds a raw control
//! character), invalid UTF-8, a `tables` envelope, an envelope or batch
//! element that is not an object, a number it cannot judge by itself, nesting
//! deeper than [`MAX_DEPTH`], or anything that is not well-formed JSON.
//! The caller then reads the line with the serde reader
//! ([`super::json::read_line`]), which also writes the error message
//! for a malformed line. The scanner never reports a line malformed
//! itself.
//!
//! What the scanner does read, it reads into the same [`Fields`] as the
//! serde reader and decides with the same [`Fields::record`], value rules
//! ([`IntVal::from_str_value`], [`CatVal::from_str_value`], `kind_text`)
//! and key rule ([`classify_key`]), so the two can only differ in how bytes
//! are walked. Differential tests and a fuzz target hold the walk to
//! serde_json's.

use std::borrow::Cow;
use std::cell::RefCell;

pub(crate) mod index;

use super::json::payload_from_text;
use super::line::Line;
use crate::record::{
    classify_key, classify_key_for, kind_text, parse_int, CatVal, Fields,
    IntVal, KeyLetters, Nested, Record, Role, Roles, Shape, PAYLOAD_SUBCODE,
    RESULT_INFO_KEYS,
};
use index::{ascii_str, index};

/// The deepest nesting the scanner follows; serde_json's limit is 128.
pub const MAX_DEPTH: usize = 64;

/// Read one non-blank JSON Lines line, or `None` to have serde read it.
pub fn read_line(line: &[u8]) -> Option<Line<'_>> {
    read_line_for(line, Roles::DEFAULT)
}

/// [`read_line`], reading the on-demand values `wanted` too.
#[inline]
pub fn read_line_for(line: &[u8], wanted: Roles) -> Option<Line<'_>> {
    MASKS.with(|m| read_line_with(line, &mut m.borrow_mut(), wanted))
}

thread_local! {
    /// Quote masks of the line being read, reused from line to line.
    static MASKS: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// [`read_line`] with a buffer for the line's quote masks.
pub fn read_line_with<'a>(
    line: &'a [u8],
    masks: &mut Vec<u64>,
    wanted: Roles,
) -> Option<Line<'a>> {
    masks.clear();
    let class = index(line, masks);
    let text = ascii_str(line, &class)?;
    let letters = KeyLetters::of(wanted);
    let mut s = Scanner { text, pos: 0, masks, wanted, letters };
    s.ws();
    let read = if s.peek()? == b'[' {
        // A batch of events (spec §3): a container like `records`.
        Line::Envelope(s.records_array(0)?)
    } else {
        s.eat(b'{')?;
        let mut rec = Rec::default();
        s.record(Level::Line, 1, &mut rec)?;
        match rec.records {
            Some(recs) => Line::Envelope(recs),
            None => Line::One(rec.fields.record(&rec.nested, wanted)),
        }
    };
    s.ws();
    if s.pos != line.len() {
        return None;
    }
    Some(read)
}

/// Which level of a line a record's object is (as in the serde reader;
/// nested levels are read by [`Scanner::nested`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    /// The top of a line: envelopes count here.
    Line,
    /// A record inside a `records` envelope.
    Record,
}

/// What a record's object holds, filled in place (it is large, so it is
/// not moved around).
#[derive(Default)]
struct Rec<'a> {
    fields: Fields<'a>,
    nested: Nested<'a>,
    /// A `records` envelope (top level of a line only).
    records: Option<Vec<Record<'a>>>,
}

struct Scanner<'a, 'q> {
    text: &'a str,
    pos: usize,
    /// Quote masks, one per 64 bytes (see [`index()`]).
    masks: &'q [u64],
    /// The on-demand values to read (the others are skipped).
    wanted: Roles,
    /// The letters of the keys read for `wanted` (and the run's `field:`
    /// keys).
    letters: &'static KeyLetters,
}

impl<'a> Scanner<'a, '_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// Skip whitespace (only spaces can occur: control bytes were ruled
    /// out).
    fn ws(&mut self) {
        while self.text.as_bytes().get(self.pos) == Some(&b' ') {
            self.pos += 1;
        }
    }

    /// Step into the object or array whose opening byte is at `pos`:
    /// `None` when it is nested too deep, `Some(None)` when `close` follows
    /// at once (it is empty), else the depth of its members.
    #[inline]
    fn enter(&mut self, close: u8, depth: usize) -> Option<Option<usize>> {
        self.pos += 1;
        let depth = depth + 1;
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        Some(self.eat(close).is_none().then_some(depth))
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Some(())
        } else {
            None
        }
    }

    /// A string starting at `pos` (which holds `"`): its text. No escapes
    /// can occur, so the next quote closes it.
    fn string(&mut self) -> Option<&'a str> {
        debug_assert_eq!(
            self.peek(),
            Some(b'"'),
            "a string read at {}",
            self.pos
        );
        let from = self.pos + 1;
        let mut block = from / 64;
        let mut m = *self.masks.get(block)? & (!0u64 << (from % 64));
        while m == 0 {
            block += 1;
            m = *self.masks.get(block)?;
        }
        let close = block * 64 + m.trailing_zeros() as usize;
        self.pos = close + 1;
        // SAFETY: `from` follows the quote at `pos` (a string is only read
        // where `peek` saw one, as debug builds check above), and `close`
        // is a quote `index` marked in this line's masks: both are
        // character boundaries of `text`.
        unsafe { index::quoted(self.text, from, close) }
    }

    /// A literal (`true`, `false`, `null`) starting at `pos`.
    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if self.text.as_bytes().get(self.pos..self.pos + word.len())? == word {
            self.pos += word.len();
            Some(())
        } else {
            None
        }
    }

    /// A number starting at `pos`, checked against JSON's grammar; its
    /// text and whether it is a plain integer of at most 18 digits (not
    /// `-0`, which serde_json reads as a float).
    fn number(&mut self) -> Option<(&'a str, bool)> {
        let b = self.text.as_bytes();
        let start = self.pos;
        let mut i = start;
        let neg = b.get(i) == Some(&b'-');
        if neg {
            i += 1;
        }
        let int_start = i;
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while matches!(b.get(i), Some(b'0'..=b'9')) {
                    i += 1;
                }
            }
            _ => return None,
        }
        let int_len = i - int_start;
        let mut plain = int_len <= 18 && !(neg && b[int_start] == b'0');
        if b.get(i) == Some(&b'.') {
            i += 1;
            let d = i;
            while matches!(b.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
            if i == d {
                return None;
            }
            plain = false;
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let d = i;
            while matches!(b.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
            if i == d {
                return None;
            }
            plain = false;
        }
        self.pos = i;
        Some((self.text.get(start..i)?, plain))
    }

    /// A number as a code or subcode value.
    fn int_number(&mut self) -> Option<IntVal> {
        let (t, plain) = self.number()?;
        if plain {
            return parse_int(t).map(IntVal::Int);
        }
        // Floats, exponents and long integers: let serde_json decide, as it
        // does on the serde path (a float out of range is an error there).
        match serde_json::from_str::<serde_json::Number>(t).ok()? {
            n if n.is_u64() => Some(IntVal::from_u64(n.as_u64()?)),
            n if n.is_i64() => Some(IntVal::Int(n.as_i64()?)),
            n => Some(IntVal::from_f64(n.as_f64()?)),
        }
    }

    /// Check a number that is skipped: serde_json rejects floats out of
    /// range even where the value is not used.
    fn skip_number(&mut self) -> Option<()> {
        let (t, plain) = self.number()?;
        if !plain {
            serde_json::from_str::<serde_json::Number>(t).ok()?;
        }
        Some(())
    }

    /// A code or subcode value.
    fn int_value(&mut self, depth: usize) -> Option<IntVal> {
        match self.peek()? {
            b'"' => self.string().map(IntVal::from_str_value),
            b'n' => self.literal(b"null").map(|_| IntVal::Absent),
            b't' => self.literal(b"true").map(|_| IntVal::Bad("true".into())),
            b'f' => {
                self.literal(b"false").map(|_| IntVal::Bad("false".into()))
            }
            b'-' | b'0'..=b'9' => self.int_number(),
            b'[' => {
                self.skip_value(depth).map(|_| IntVal::Bad("an array".into()))
            }
            b'{' => {
                self.skip_value(depth).map(|_| IntVal::Bad("an object".into()))
            }
            _ => None,
        }
    }

    /// A category value: an array gives its first element, read as
    /// [`Self::cat_element`].
    fn cat_value(&mut self, depth: usize) -> Option<CatVal> {
        if self.peek()? != b'[' {
            return self.cat_element(depth);
        }
        let Some(depth) = self.enter(b']', depth)? else {
            return Some(CatVal::Absent);
        };
        let first = self.cat_element(depth)?;
        while !self.next_member(b']')? {
            self.ws();
            self.skip_value(depth)?;
        }
        Some(first)
    }

    /// A category value that is not unwrapped further: a string's
    /// category, `null` absent, anything else not a category.
    fn cat_element(&mut self, depth: usize) -> Option<CatVal> {
        match self.peek()? {
            b'"' => self.string().map(CatVal::from_str_value),
            b'n' => self.literal(b"null").map(|_| CatVal::Absent),
            _ => self.skip_value(depth).map(|_| CatVal::Other),
        }
    }

    /// `OperationPayload`: the `SubCode` of an object (the last one), or
    /// of a string holding one; anything else none.
    fn payload_value(&mut self, depth: usize) -> Option<IntVal> {
        match self.peek()? {
            b'"' => self.string().map(payload_from_text),
            b'{' => {
                let mut sub = IntVal::Absent;
                let Some(depth) = self.enter(b'}', depth)? else {
                    return Some(sub);
                };
                loop {
                    let key = self.key()?;
                    if classify_key(key) == Some(PAYLOAD_SUBCODE) {
                        sub = self.int_value(depth)?;
                    } else {
                        self.skip_value(depth)?;
                    }
                    if self.next_member(b'}')? {
                        return Some(sub);
                    }
                }
            }
            _ => self.skip_value(depth).map(|_| IntVal::Absent),
        }
    }

    /// `resultInformation`: the `code` and `subCode` of an object (the
    /// last of each); anything else gives two absent values.
    fn result_info(&mut self, depth: usize) -> Option<[IntVal; 2]> {
        let mut got = [IntVal::Absent, IntVal::Absent];
        if self.peek()? != b'{' {
            return self.skip_value(depth).map(|_| got);
        }
        let Some(depth) = self.enter(b'}', depth)? else {
            return Some(got);
        };
        loop {
            let key = classify_key(self.key()?);
            match RESULT_INFO_KEYS.iter().position(|&k| key == Some(k)) {
                Some(i) => got[i] = self.int_value(depth)?,
                None => self.skip_value(depth)?,
            }
            if self.next_member(b'}')? {
                return Some(got);
            }
        }
    }

    /// A text value (the log kind): a string's trimmed text; other values
    /// give none.
    #[inline]
    fn text_value(
        &mut self,
        depth: usize,
        numbers: bool,
    ) -> Option<Option<Cow<'a, str>>> {
        match self.peek()? {
            b'"' => self.string().map(|s| kind_text(s).map(Cow::Borrowed)),
            b'-' | b'0'..=b'9' if numbers => {
                let (t, plain) = self.number()?;
                if !plain {
                    serde_json::from_str::<serde_json::Number>(t).ok()?;
                }
                Some(crate::record::number_text(t).map(Cow::Borrowed))
            }
            _ => self.skip_value(depth).map(|_| None),
        }
    }

    /// Skip any value, checking it is well-formed. (A string, the usual
    /// value, is skipped in line; the rest in [`Scanner::skip_other`].)
    #[inline(always)]
    fn skip_value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            _ => self.skip_other(depth),
        }
    }

    /// [`Scanner::skip_value`] of a value that is not a string.
    #[inline(never)]
    fn skip_other(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'{' => {
                self.pos += 1;
                self.skip_object(depth + 1)
            }
            b'[' => {
                self.pos += 1;
                self.skip_array(depth + 1)
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.skip_number(),
            _ => None,
        }
    }

    /// The rest of an object after `{`, skipped.
    fn skip_object(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        if self.eat(b'}').is_some() {
            return Some(());
        }
        loop {
            self.key()?;
            self.skip_value(depth)?;
            if self.next_member(b'}')? {
                return Some(());
            }
        }
    }

    /// The rest of an array after `[`, skipped.
    fn skip_array(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        if self.eat(b']').is_some() {
            return Some(());
        }
        loop {
            self.ws();
            self.skip_value(depth)?;
            if self.next_member(b']')? {
                return Some(());
            }
        }
    }

    /// A member's key and the colon after it (whitespace skipped around).
    #[inline(always)]
    fn key(&mut self) -> Option<&'a str> {
        // (Compact JSON, `"key":value`, is tried first: a space is rare.)
        if self.peek()? != b'"' {
            self.ws();
            if self.peek()? != b'"' {
                return None;
            }
        }
        let k = self.string()?;
        if self.eat(b':').is_none() {
            self.ws();
            self.eat(b':')?;
        }
        self.ws();
        Some(k)
    }

    /// After a member: `true` at the closing `close`, `false` after a
    /// comma.
    fn next_member(&mut self, close: u8) -> Option<bool> {
        self.ws();
        match self.peek()? {
            b',' => {
                self.pos += 1;
                Some(false)
            }
            c if c == close => {
                self.pos += 1;
                Some(true)
            }
            _ => None,
        }
    }

    /// The rest of a record's object after `{`, read at `level` into
    /// `rec`: the same assignments, in the same order, as the serde
    /// reader's `MapReader`.
    fn record(
        &mut self,
        level: Level,
        depth: usize,
        rec: &mut Rec<'a>,
    ) -> Option<()> {
        self.ws();
        if self.eat(b'}').is_some() {
            return Some(());
        }
        loop {
            let key = self.key()?;
            self.member(level, depth, key, rec)?;
            if self.next_member(b'}')? {
                return Some(());
            }
        }
    }

    /// The value of member `key` of a record's object: the same
    /// assignments, in the same order, as the serde reader's `read_map`.
    fn member(
        &mut self,
        level: Level,
        depth: usize,
        key: &str,
        rec: &mut Rec<'a>,
    ) -> Option<()> {
        let Some(id) = classify_key_for(key, self.letters) else {
            return self.skip_value(depth);
        };
        match id.role {
            Role::Properties | Role::Data | Role::Error => {
                if self.peek()? == b'{' {
                    self.pos += 1;
                    self.nested(id.role, depth + 1, rec)?;
                } else {
                    self.skip_value(depth)?;
                    rec.nested.clear(id.role);
                }
            }
            Role::Records if level == Level::Line => {
                rec.records = self.records_value(depth)?;
            }
            Role::Tables if level == Level::Line => return None,
            _ => self.field(id, key, depth, &mut rec.fields, false)?,
        }
        Some(())
    }

    /// The value of a key that fills a field (any other key is skipped);
    /// `nested`: the key is in a nested level.
    #[inline(always)]
    fn field(
        &mut self,
        id: crate::record::KeyId,
        key: &str,
        depth: usize,
        fields: &mut Fields<'a>,
        nested: bool,
    ) -> Option<()> {
        match id.shape() {
            Shape::Field => return self.field_key(key, depth, fields, nested),
            Shape::Int => fields.set(id, self.int_value(depth)?),
            Shape::Category => fields.set(id, self.cat_value(depth)?),
            Shape::Text if self.wanted.reads(id.role) => {
                fields.set(id, self.text_value(depth, id.role.on_demand())?)
            }
            Shape::Text => return self.skip_value(depth),
            Shape::Payload => fields.set(id, self.payload_value(depth)?),
            Shape::Container if id.role == Role::ResultInformation => {
                let [code, sub] = self.result_info(depth)?;
                fields.set_result_information(code, sub);
            }
            Shape::Container => return self.skip_value(depth),
        }
        Some(())
    }

    /// The value of a `field:` key (`record::field_keys` says the
    /// rules); a name that is also a key of the table is read again as
    /// that key.
    #[inline(never)]
    fn field_key(
        &mut self,
        key: &str,
        depth: usize,
        fields: &mut Fields<'a>,
        nested: bool,
    ) -> Option<()> {
        // The letters' lookup is loose past the first byte (bit 5 folded):
        // the exact one decides.
        let exact = self.letters.fields().and_then(|f| f.classify(key));
        let id = match exact {
            Some(k) if k.role == Role::Field => k,
            Some(known) if !nested || known.nests() => {
                return self.field(known, key, depth, fields, nested)
            }
            _ => return self.skip_value(depth),
        };
        let start = self.pos;
        let value = self.field_value(depth, false)?;
        fields.set_field(id, value);
        if let Some(also) = id.also().filter(|a| !nested || a.nests()) {
            self.pos = start;
            self.field(also, key, depth, fields, nested)?;
        }
        Some(())
    }

    /// A `field:` value: a scalar as written (a number as serde_json
    /// writes it), an array's first element (`first`: this is one), else
    /// none.
    fn field_value(
        &mut self,
        depth: usize,
        first: bool,
    ) -> Option<Option<Cow<'a, str>>> {
        match self.peek()? {
            b'"' => self.string().map(|s| kind_text(s).map(Cow::Borrowed)),
            b'-' | b'0'..=b'9' => {
                let (t, plain) = self.number()?;
                if plain {
                    return Some(Some(Cow::Borrowed(t)));
                }
                let n = serde_json::from_str::<serde_json::Number>(t).ok()?;
                Some(Some(Cow::Owned(n.to_string())))
            }
            b't' => self.literal(b"true").map(|_| Some(Cow::Borrowed("true"))),
            b'f' => {
                self.literal(b"false").map(|_| Some(Cow::Borrowed("false")))
            }
            b'[' if !first => {
                let Some(depth) = self.enter(b']', depth)? else {
                    return Some(None);
                };
                let value = self.field_value(depth, true)?;
                while !self.next_member(b']')? {
                    self.ws();
                    self.skip_value(depth)?;
                }
                Some(value)
            }
            _ => self.skip_value(depth).map(|_| None),
        }
    }

    /// The rest of a nested level's object (`properties`, `data`,
    /// `error`: `role`) after `{`: its keys fill a fresh level of
    /// `rec.nested` (the last object of the key wins).
    fn nested(
        &mut self,
        role: Role,
        depth: usize,
        rec: &mut Rec<'a>,
    ) -> Option<()> {
        let level = rec.nested.fresh(role)?;
        self.ws();
        if self.eat(b'}').is_some() {
            return Some(());
        }
        loop {
            let key = self.key()?;
            match classify_key_for(key, self.letters) {
                Some(id) if id.nests() => {
                    self.field(id, key, depth, level, true)?
                }
                _ => self.skip_value(depth)?,
            }
            if self.next_member(b'}')? {
                return Some(());
            }
        }
    }

    /// `records`: an array of objects gives their outcomes; any other
    /// value none.
    fn records_value(
        &mut self,
        depth: usize,
    ) -> Option<Option<Vec<Record<'a>>>> {
        if self.peek()? != b'[' {
            return self.skip_value(depth).map(|_| None);
        }
        self.records_array(depth).map(Some)
    }

    /// An array of records at `pos` (a `records` value, or a batch of
    /// events making up a line): their outcomes. An element that is not
    /// an object is left to serde (whose message names what it is).
    fn records_array(&mut self, depth: usize) -> Option<Vec<Record<'a>>> {
        self.eat(b'[')?;
        let depth = depth + 1;
        let mut outs = Vec::new();
        self.ws();
        if self.eat(b']').is_some() {
            return Some(outs);
        }
        loop {
            self.ws();
            self.eat(b'{')?;
            let mut rec = Rec::default();
            self.record(Level::Record, depth + 1, &mut rec)?;
            outs.push(rec.fields.record(&rec.nested, self.wanted));
            if self.next_member(b']')? {
                return Some(outs);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::json::read_line as read_line_serde;

    /// Lines the scanner must read itself, agreeing with serde.
    #[test]
    fn reads_common_shapes() {
        let long = format!(
            r#"{{"{}":"é","code":7,"sdkVersion":"{}"}}"#,
            "ß".repeat(31),
            "€".repeat(22)
        );
        let lines = [
            r#"{"code":410,"subcode":"3112","resultCategory":"ExpectedError"}"#,
            r#"{"properties":{"participantEndReason":"0","ParticipantEndSubCode":"null","ResultCategory":"Success"},"category":"CallSummary"}"#,
            r#"  { "ResultSignature" : 487 , "ResultType" : " Succeeded " }  "#,
            r#"{"records":[{"code":1},{"code":"2","x":[1,2,{"y":null}]}]}"#,
            r#"{"resultCode":"-0"}"#,
            r#"{"code":-7,"d":1.5e3,"n":[],"o":{}}"#,
            r#"{"code":1.0}"#,
            r#"{"code":123456789012345678901}"#,
            r#"{"code":true}"#,
            r#"{"a":"é"}"#,
            r#"{"records":5,"code":3}"#,
            r#"{}"#,
            r#"{"code":[1, 2],"resultType":[ "Success" , 1 ]}"#,
            r#"{"OperationPayload":{"SubCode":1,"x":[]},"code":2}"#,
            r#"{"code":2,"operationPayload":"{SubCode: 1}"}"#,
            // Strings cut next to characters of two, three and four bytes
            // (the cut checks no character boundary), across a block.
            r#"{"é":"ü","code":"４１０","resultType":"Succeeded🙂","x":"🙂"}"#,
            r#"{"properties":{"endpointType":"ä","ResultCategory":"😀Success"},"code":0}"#,
            long.as_str(),
        ];
        for l in &lines {
            let fast = read_line(l.as_bytes());
            assert!(fast.is_some(), "scanner gave up on {l}");
            assert_eq!(fast.unwrap(), read_line_serde(l.as_bytes()), "{l}");
        }
    }

    /// Lines the scanner must leave to serde.
    #[test]
    fn gives_up_when_unsure() {
        let lines: [&[u8]; 14] = [
            br#"{"\u0063ode":1}"#,
            br#"{"code":"4\"1"}"#,
            b"{\"code\":\t1}",
            b"{\"code\":1}\x00",
            b"{\"code\":\"\xff\"}",
            br#"{"code":1,}"#,
            br#"{"code":01}"#,
            br#"{"code":1}x"#,
            br#"{"d":1e400}"#,
            br#"{"tables":[]}"#,
            br#"{"records":[1]}"#,
            br#"[1]"#,
            br#"{"code":1"#,
            br#"{"a":nul}"#,
        ];
        for l in lines {
            assert!(
                read_line(l).is_none(),
                "scanner read {}",
                String::from_utf8_lossy(l)
            );
        }
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(70), "]".repeat(70));
        assert!(read_line(deep.as_bytes()).is_none());
    }
}
