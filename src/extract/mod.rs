//! From bytes to counts: line splitting and the per-format readers.

pub mod json;

use memchr::memchr_iter;

use crate::tally::Tally;

/// The UTF-8 byte order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Remove a UTF-8 BOM from the start of an input.
pub fn strip_bom(data: &[u8]) -> &[u8] {
    data.strip_prefix(BOM).unwrap_or(data)
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
pub fn tally_lines(
    data: &[u8],
    input: u32,
    read: impl Fn(&[u8]) -> json::Line,
) -> Tally {
    let mut t = Tally::default();
    let mut n = 0u64;
    for_each_line(data, |line| {
        n += 1;
        if is_blank(line) {
            t.blank += 1;
        } else {
            t.add_line(read(line), input, n);
        }
    });
    t.lines = n;
    t.bytes = data.len() as u64;
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
    fn bom_only_at_start() {
        assert_eq!(strip_bom(b"\xEF\xBB\xBF{}"), b"{}");
        assert_eq!(strip_bom(b"{}"), b"{}");
    }
}
