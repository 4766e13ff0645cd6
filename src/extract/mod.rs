//! From bytes to counts: line splitting and the per-format readers.

pub mod csv;
pub mod fast;
pub mod json;
pub mod text;
pub mod tree;

use memchr::memchr_iter;

use crate::tally::Tally;

/// The UTF-8 byte order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Remove a UTF-8 BOM from the start of an input.
pub fn strip_bom(data: &[u8]) -> &[u8] {
    data.strip_prefix(BOM).unwrap_or(data)
}

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

/// Call `f` with each line of `data` (without `\n` and a trailing `\r`).
/// A final line without `\n` is a line; nothing follows a final `\n`.
pub fn for_each_line(data: &[u8], mut f: impl FnMut(&[u8])) {
    let mut start = 0;
    for nl in memchr_iter(b'\n', data) {
        f(trim_cr(&data[start..nl]));
        start = nl + 1;
    }
    if start < data.len() {
        f(trim_cr(&data[start..]));
    }
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Whether a line is blank: empty, or spaces and tabs only.
pub fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|&b| b == b' ' || b == b'\t')
}

/// Tally the JSON Lines in `data`, which starts at a line boundary of input
/// `input`. Sample line numbers are relative to the start of `data`.
pub fn tally_jsonl(data: &[u8], input: u32) -> Tally {
    tally_lines(data, input, json::read_line)
}

/// Tally lines with a given line reader (the streaming reader, or the plain
/// reading in differential tests).
pub fn tally_lines<F>(data: &[u8], input: u32, read: F) -> Tally
where
    F: for<'a> Fn(&'a [u8]) -> json::Line<'a>,
{
    let mut t = Tally::default();
    let mut n = 0u64;
    for_each_line(data, |line| {
        n += 1;
        if is_blank(line) {
            t.acc.blank += 1;
        } else {
            t.add_line(read(line), input, n);
        }
    });
    t.acc.lines = n;
    t.acc.bytes = data.len() as u64;
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(data: &[u8]) -> Vec<Vec<u8>> {
        let mut v = Vec::new();
        for_each_line(data, |l| v.push(l.to_vec()));
        v
    }

    #[test]
    fn line_splitting() {
        assert!(lines(b"").is_empty());
        assert_eq!(lines(b"a\n"), [b"a".to_vec()]);
        assert_eq!(lines(b"a"), [b"a".to_vec()]);
        assert_eq!(lines(b"a\r\nb\r\n"), [b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(lines(b"\n\n"), [b"".to_vec(), b"".to_vec()]);
        assert_eq!(lines(b"a\nb"), [b"a".to_vec(), b"b".to_vec()]);
    }

    #[test]
    fn blank_lines() {
        assert!(is_blank(b""));
        assert!(is_blank(b" \t "));
        assert!(!is_blank(b" x"));
        assert!(!is_blank(b"\x0c"));
    }

    #[test]
    fn sniffing() {
        use Detected::*;
        let cases: [(&[u8], Detected); 14] = [
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
