//! From bytes to records: sniffing the format of an input, and one reader
//! per format. Readers hand records to a [`Sink`]; they know nothing of
//! the run's plan or of counting.
//!
//! - [`fast`]: the byte scanner for common JSON Lines lines;
//! - [`json`]: the serde reader (every line the scanner is unsure of) and
//!   JSON documents;
//! - [`tree`]: the plain tree reading: `tables` results, and the oracle
//!   the fast paths are tested against;
//! - [`csv`], [`text`]: CSV exports and text logs;
//! - [`mod@line`], [`reason`]: what a line held, and the wording of malformed
//!   reasons.

pub mod csv;
pub mod fast;
pub mod json;
pub mod line;
pub mod reason;
pub mod text;
pub mod tree;

use crate::input::lines::strip_bom;
use crate::record::{Roles, Sink};
pub use line::{read_lines, Line};

/// The format an input is read in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Detected {
    /// JSON Lines (a line may hold an envelope).
    Jsonl,
    /// One JSON document.
    Json,
    /// CSV with a header row.
    Csv,
    /// Text lines.
    Text,
}

impl Detected {
    /// The name used in `summary.json`.
    pub fn name(self) -> &'static str {
        match self {
            Detected::Jsonl => "jsonl",
            Detected::Json => "json",
            Detected::Csv => "csv",
            Detected::Text => "text",
        }
    }
}

/// Read one non-blank JSON Lines line (no line terminator): the byte
/// scanner of [`fast`] where it is sure, else the serde reader.
#[inline]
pub fn read_jsonl_line(line: &[u8]) -> Line<'_> {
    read_jsonl_line_for(line, Roles::DEFAULT)
}

/// [`read_jsonl_line`], reading the on-demand values `wanted` too.
#[inline]
pub fn read_jsonl_line_for(line: &[u8], wanted: Roles) -> Line<'_> {
    match fast::read_line_for(line, wanted) {
        Some(l) => l,
        None => json::read_line_for(line, wanted),
    }
}

/// How an input is cut into pieces that can be read independently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cut {
    /// After any newline.
    Lines,
    /// After a newline outside quoted CSV fields.
    CsvRows,
    /// Not at all: the input is one JSON document.
    Whole,
}

/// The reader of one input, once its format is known (and, for CSV, its
/// header read).
#[derive(Debug)]
pub enum Reader<'r> {
    /// JSON Lines.
    Jsonl,
    /// Text lines.
    Text(&'r text::TextReader),
    /// CSV rows under a header.
    Csv(csv::Header),
    /// One JSON document, holding no element longer than this many bytes.
    Json(usize),
}

impl<'r> Reader<'r> {
    /// The reader for an input of `format` whose body (BOM removed) starts
    /// with `head`, and the bytes of `head` it takes before the first
    /// piece (the CSV header row). `None`: a CSV input without a header
    /// (an empty input), which holds nothing. `max`: the longest record
    /// held (`--max-record-bytes`).
    pub fn new(
        format: Detected,
        text: &'r text::TextReader,
        head: &[u8],
        max: usize,
    ) -> Option<(Reader<'r>, usize)> {
        Some(match format {
            Detected::Jsonl => (Reader::Jsonl, 0),
            Detected::Text => (Reader::Text(text), 0),
            Detected::Json => (Reader::Json(max), 0),
            Detected::Csv => {
                let (header, n) = csv::read_header(head)?;
                (Reader::Csv(header), n)
            }
        })
    }

    /// Where pieces may be cut.
    pub fn cut(&self) -> Cut {
        match self {
            Reader::Jsonl | Reader::Text(_) => Cut::Lines,
            Reader::Csv(_) => Cut::CsvRows,
            Reader::Json(_) => Cut::Whole,
        }
    }

    /// Read one piece (a whole input for `Cut::Whole`) into `sink`; line
    /// numbers are relative to the piece.
    pub fn read(&self, piece: &[u8], sink: &mut impl Sink) {
        match self {
            Reader::Jsonl => {
                let wanted = sink.wanted();
                read_lines(piece, sink, |l| read_jsonl_line_for(l, wanted))
            }
            Reader::Text(text) => {
                read_lines(piece, sink, |l| text.read_line(l))
            }
            Reader::Csv(header) => csv::read_rows(piece, header, sink),
            Reader::Json(max) => {
                // A slice never fails to read.
                let (lines, _) = json::document::read(piece, sink, *max);
                sink.lines(lines);
            }
        }
    }
}

/// Decide the format of an input from its first bytes (`head`, BOM
/// already removed or not); `complete` says `head` is the whole input.
/// See `docs/reading-rules.md`.
pub fn sniff(head: &[u8], complete: bool) -> Detected {
    let head = strip_bom(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else { return Detected::Jsonl };
    let rest = &head[start..];
    let first_line = |b: &[u8]| -> Option<usize> { memchr::memchr(b'\n', b) };
    // `[` starts a JSON array only if a JSON value (or `]`) follows; a log
    // line like `[CallClient] …` does not.
    let json_array = rest[0] == b'['
        && rest[1..]
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_none_or(|b| b"{[]\"-0123456789tfn".contains(b));
    if json_array {
        // A document only when the first value does not end on its first
        // line (spec §10): a JSON Lines file may start with an array line.
        // A first line longer than the head, or the only line, is a
        // document (a minified array).
        let Some(end) = first_line(rest) else { return Detected::Json };
        let more = rest[end + 1..].iter().any(|b| !b.is_ascii_whitespace());
        if (more || !complete)
            && serde_json::from_slice::<serde::de::IgnoredAny>(&rest[..end])
                .is_ok()
        {
            return Detected::Jsonl;
        }
        return Detected::Json;
    }
    match rest[0] {
        b'{' => {
            let end = first_line(rest);
            let line = &rest[..end.unwrap_or(rest.len())];
            if end.is_none() && !complete {
                // A first line longer than the head: JSON Lines records
                // are long lines; documents start with a short one.
                return Detected::Jsonl;
            }
            if serde_json::from_slice::<serde::de::IgnoredAny>(line).is_ok() {
                return Detected::Jsonl;
            }
            // Not a complete value. A document's first line opens a
            // structure (`{`, `{"records": [`); otherwise it is JSON Lines
            // with a bad first line if the next line starts a record.
            if line.trim_ascii_end().ends_with(b"{")
                || line.trim_ascii_end().ends_with(b"[")
            {
                return Detected::Json;
            }
            let next = end.map(|e| &rest[e + 1..]).and_then(|r| {
                r.split(|&b| b == b'\n')
                    .map(|l| l.trim_ascii_start())
                    .find(|l| !l.is_empty())
            });
            match next {
                Some(l) if l.starts_with(b"{") => Detected::Jsonl,
                _ => Detected::Json,
            }
        }
        _ => {
            let end = first_line(head).unwrap_or(head.len());
            match csv::read_header(&head[..end]) {
                Some((h, _)) if h.has_triple_column() => Detected::Csv,
                _ => Detected::Text,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing() {
        use Detected::*;
        let cases: [(&[u8], Detected); 19] = [
            (b"[]\n{\"code\":1}\n", Jsonl),
            (b"[\"x\"]\n{\"code\":1}\n", Jsonl),
            (b"[{\"code\":1}]\n{\"code\":1}\n", Jsonl),
            (b"[{\"code\":1},\n{\"code\":2}]", Json),
            (b"[{\"code\":1}]\n\n", Json),
            (b"[\n  {\"code\":1}\n]", Json),
            (b"{\"records\":[{\"code\":1},\n{\"code\":2}]}", Jsonl),
            (b"{\"code\":1}\n{\"code\":2}\n", Jsonl),
            (b"\xEF\xBB\xBF  {\"code\":1}", Jsonl),
            (b"{\n  \"records\": [\n", Json),
            (b"{\"records\": [\n  {\"code\":1}\n]}", Json),
            (b"[{\"code\":1}]", Json),
            (b"{\"code\":1\n{\"code\":2}\n", Jsonl),
            (b"TimeGenerated [UTC],ParticipantEndReason\r\n1,2\r\n", Csv),
            (b"\xEF\xBB\xBF\"ResultSignature\",x\n", Csv),
            (b"a,b,c\n1,2,3\n", Text),
            (b"[CallClient] code=480, subCode=10037\n", Text),
            (b"azure:ACS-calling:info code=480\n", Text),
            (b"", Jsonl),
        ];
        for (head, want) in cases {
            assert_eq!(
                sniff(head, true),
                want,
                "{}",
                String::from_utf8_lossy(head)
            );
        }
        // A first line longer than the head is taken as JSON Lines.
        assert_eq!(sniff(b"{\"a\":\"xxxx", false), Jsonl);
    }

    #[test]
    fn bom_only_at_start() {
        assert_eq!(strip_bom(b"\xEF\xBB\xBF{}"), b"{}");
        assert_eq!(strip_bom(b"{}"), b"{}");
    }
}
