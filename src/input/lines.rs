//! Lines: the one home for cutting bytes into lines, counting them, and
//! the byte order mark.

use memchr::{memchr, memchr_iter};

/// The UTF-8 byte order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Remove a UTF-8 BOM from the start of an input.
pub fn strip_bom(data: &[u8]) -> &[u8] {
    data.strip_prefix(BOM).unwrap_or(data)
}

/// Call `f` with each line of `data` (without `\n` and a trailing `\r`).
/// A final line without `\n` is a line; nothing follows a final `\n`.
#[inline]
pub fn for_each_line<'d>(data: &'d [u8], mut f: impl FnMut(&'d [u8])) {
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

/// Physical lines in `data`: newlines, plus a final unterminated line.
pub fn count_lines(data: &[u8]) -> u64 {
    let n = memchr_iter(b'\n', data).count() as u64;
    n + u64::from(data.last().is_some_and(|&b| b != b'\n'))
}

/// Cut `data` into pieces of about `size` bytes, each ending right after a
/// `\n` (the last piece ends where `data` does). The pieces are contiguous
/// and cover `data` exactly.
pub fn split_lines(data: &[u8], size: usize) -> Vec<&[u8]> {
    split_lines_with(data, size, &|_| {})
}

/// [`split_lines`], handing `searched` the bytes read to find each cut as
/// soon as it is found (a mapped input releases their pages there: see
/// `pipeline::slice`).
pub fn split_lines_with<'a>(
    data: &'a [u8],
    size: usize,
    searched: &dyn Fn(&'a [u8]),
) -> Vec<&'a [u8]> {
    let size = size.max(1);
    let mut pieces = Vec::with_capacity(data.len() / size + 1);
    let mut rest = data;
    while rest.len() > size {
        let found = memchr(b'\n', &rest[size - 1..]);
        let end = found.map_or(rest.len(), |i| size + i);
        searched(&rest[size - 1..end]);
        match found {
            Some(_) => {
                let (a, b) = rest.split_at(end);
                pieces.push(a);
                rest = b;
            }
            None => break,
        }
    }
    if !rest.is_empty() {
        pieces.push(rest);
    }
    pieces
}

/// Counts the physical lines of bytes seen piece by piece, as
/// [`count_lines`] counts them whole.
#[derive(Clone, Copy, Debug)]
pub struct LineCount {
    newlines: u64,
    last: u8,
}

impl Default for LineCount {
    fn default() -> LineCount {
        LineCount { newlines: 0, last: b'\n' }
    }
}

impl LineCount {
    /// Count the next bytes.
    #[inline]
    pub fn feed(&mut self, bytes: &[u8]) {
        if let Some(&last) = bytes.last() {
            self.newlines += memchr_iter(b'\n', bytes).count() as u64;
            self.last = last;
        }
    }

    /// Newlines so far (the 1-based line of the next byte is this + 1).
    pub fn newlines(&self) -> u64 {
        self.newlines
    }

    /// The lines so far: newlines, plus a final unterminated line.
    pub fn lines(&self) -> u64 {
        self.newlines + u64::from(self.last != b'\n')
    }
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

    #[test]
    fn split_covers_input_at_newlines() {
        let data = b"aa\nbbbb\n\ncc\nd";
        for size in 1..20 {
            let pieces = split_lines(data, size);
            assert_eq!(pieces.concat(), data, "size {size}");
            for p in &pieces[..pieces.len() - 1] {
                assert_eq!(p.last(), Some(&b'\n'), "size {size}");
            }
        }
        assert!(split_lines(b"", 4).is_empty());
    }

    #[test]
    fn counted_lines_agree() {
        for data in [&b""[..], b"a", b"a\n", b"a\nb", b"\n\n", b"a\r\nb\r\n"] {
            // Fed whole, and a byte at a time.
            let mut whole = LineCount::default();
            whole.feed(data);
            assert_eq!(whole.lines(), count_lines(data), "{data:?}");
            let mut bytes = LineCount::default();
            for b in data.chunks(1) {
                bytes.feed(b);
            }
            assert_eq!(bytes.lines(), count_lines(data), "{data:?}");
        }
    }
}
