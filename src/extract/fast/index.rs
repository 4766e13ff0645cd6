//! The quote index of a line: one pass (AVX2 or SSE2 on x86-64, chosen at
//! run time) that marks every `"` and classifies the other bytes. The
//! crate's SIMD `unsafe` lives here and nowhere else.

use memchr::memchr;

/// What [`index`] found besides quotes.
#[derive(Debug, PartialEq, Eq)]
pub enum Class {
    /// Only ASCII bytes from 0x20, no backslash.
    Ascii,
    /// Also bytes from 0x80 (UTF-8 still to be checked).
    Wide,
    /// A backslash or a control byte: the scanner does not read the line.
    Unsure,
}

/// Push one mask per 64 bytes of `line` onto `masks`, bit `i` set where
/// byte `i` of the block is `"`, and classify the other bytes, in one pass
/// (with AVX2 or SSE2 on x86-64).
///
/// Without a backslash every quote delimits a string, so a string ends at
/// the next quote: the scanner finds it in the masks.
pub fn index(line: &[u8], masks: &mut Vec<u64>) -> Class {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { index_avx2(line, masks) };
        }
    }
    index_with(line, masks, block64)
}

/// [`index`] compiled for AVX2.
///
/// # Safety
///
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn index_avx2(line: &[u8], masks: &mut Vec<u64>) -> Class {
    index_with(line, masks, block64_avx2)
}

/// [`index`] with a function that reads one 64-byte block.
#[inline(always)]
fn index_with(
    line: &[u8],
    masks: &mut Vec<u64>,
    block: impl Fn(&[u8; 64]) -> (u64, bool),
) -> Class {
    // (The masks are written in place, not pushed: a push checks the
    // capacity for every block. The last bytes are read as a block padded
    // with spaces, which are neither quotes nor special: a byte-by-byte
    // loop cost more than all the line's other blocks.)
    let start = masks.len();
    masks.resize(start + line.len().div_ceil(64), 0);
    let whole = line.len() / 64 * 64;
    let rest = &line[whole..];
    let mut padded = [b' '; 64];
    padded[..rest.len()].copy_from_slice(rest);
    let mut special = false;
    for (i, mask) in masks[start..].iter_mut().enumerate() {
        let c = match line.get(i * 64..i * 64 + 64) {
            Some(c) => c,
            None => &padded[..],
        };
        let (q, sp) = block(c.try_into().expect("64 bytes"));
        special |= sp;
        *mask = q;
    }
    if !special {
        Class::Ascii
    } else if memchr(b'\\', line).is_some() || has_control(line) {
        Class::Unsure
    } else {
        Class::Wide
    }
}

/// The quote mask of 64 bytes, and whether any byte is a backslash, below
/// 0x20 or from 0x80 (SSE2, part of the x86-64 baseline).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn block64(c: &[u8; 64]) -> (u64, bool) {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128,
        _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let mut quotes = 0u64;
    let mut special = 0i32;
    // SAFETY: SSE2 is part of the x86-64 baseline; each load reads 16
    // bytes inside `c` (offsets 0, 16, 32, 48 of a 64-byte array).
    unsafe {
        let quote = _mm_set1_epi8(b'"' as i8);
        let backslash = _mm_set1_epi8(b'\\' as i8);
        let space = _mm_set1_epi8(0x20);
        for k in 0..4 {
            let v = _mm_loadu_si128(c.as_ptr().add(16 * k).cast::<__m128i>());
            let q = _mm_movemask_epi8(_mm_cmpeq_epi8(v, quote));
            quotes |= u64::from(q as u16) << (16 * k);
            // Signed compare: bytes from 0x80 are negative, so "< 0x20"
            // catches control bytes and non-ASCII bytes alike.
            special |= _mm_movemask_epi8(_mm_or_si128(
                _mm_cmpeq_epi8(v, backslash),
                _mm_cmplt_epi8(v, space),
            ));
        }
    }
    (quotes, special != 0)
}

/// [`block64`] with AVX2; only called from [`index_avx2`].
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn block64_avx2(c: &[u8; 64]) -> (u64, bool) {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_cmpgt_epi8, _mm256_loadu_si256,
        _mm256_movemask_epi8, _mm256_or_si256, _mm256_set1_epi8,
    };
    let mut quotes = 0u64;
    let mut special = 0i32;
    // SAFETY: inlined only into `index_avx2`, which runs only on CPUs with
    // AVX2; each load reads 32 bytes inside `c` (offsets 0 and 32).
    unsafe {
        let quote = _mm256_set1_epi8(b'"' as i8);
        let backslash = _mm256_set1_epi8(b'\\' as i8);
        let space = _mm256_set1_epi8(0x20);
        for k in 0..2 {
            let v =
                _mm256_loadu_si256(c.as_ptr().add(32 * k).cast::<__m256i>());
            let q = _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, quote));
            quotes |= u64::from(q as u32) << (32 * k);
            // Signed: bytes from 0x80 are negative, so they are "< 0x20".
            special |= _mm256_movemask_epi8(_mm256_or_si256(
                _mm256_cmpeq_epi8(v, backslash),
                _mm256_cmpgt_epi8(space, v),
            ));
        }
    }
    (quotes, special != 0)
}

/// The quote mask of 64 bytes, and whether any byte is a backslash, below
/// 0x20 or from 0x80.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn block64(c: &[u8; 64]) -> (u64, bool) {
    let mut quotes = 0u64;
    let mut special = false;
    for (i, &b) in c.iter().enumerate() {
        quotes |= u64::from(b == b'"') << i;
        special |= b == b'\\' || !(0x20..0x80).contains(&b);
    }
    (quotes, special)
}

/// Whether any byte is below 0x20. Written as a fold without early exit
/// so the compiler vectorises it.
fn has_control(line: &[u8]) -> bool {
    let mut chunks = line.chunks_exact(64);
    for c in &mut chunks {
        if c.iter().fold(false, |a, &b| a | (b < 0x20)) {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| b < 0x20)
}

/// The line as text, for a line [`index`] classed [`Class::Ascii`].
pub fn ascii_str<'a>(line: &'a [u8], class: &Class) -> Option<&'a str> {
    match class {
        // SAFETY: `index` saw only bytes below 0x80 in `line`, and ASCII
        // is valid UTF-8.
        Class::Ascii => Some(unsafe { std::str::from_utf8_unchecked(line) }),
        Class::Wide => std::str::from_utf8(line).ok(),
        Class::Unsure => None,
    }
}

/// The text of `line` from `from` to `close`: the text of a string whose
/// opening quote is at `from - 1` and whose closing quote is at `close`,
/// as [`index`] marked them. `None` if `close` is before `from` or past
/// the line.
///
/// Cutting with `str::get`, which checks that both ends are character
/// boundaries, cost a tenth of the JSON scanner's instructions; this
/// cuts the bytes and leaves the check to the caller's proof.
///
/// # Safety
///
/// `from` and `close` must be character boundaries of `line` (when
/// within it). A quote is an ASCII byte, so the position of a quote and
/// the position after one always are.
#[inline(always)]
pub unsafe fn quoted(line: &str, from: usize, close: usize) -> Option<&str> {
    let inner = line.as_bytes().get(from..close)?;
    debug_assert!(line.is_char_boundary(from) && line.is_char_boundary(close));
    // SAFETY: `line` is valid UTF-8 and, by the caller's promise, `from`
    // and `close` are character boundaries, so the bytes between are
    // valid UTF-8 too.
    Some(unsafe { std::str::from_utf8_unchecked(inner) })
}

/// `bytes` as text when they are all ASCII (a CSV cell in a row whose
/// masks showed no byte from 0x80).
#[inline(always)]
pub fn ascii_text(bytes: &[u8]) -> Option<&str> {
    // SAFETY: every byte is below 0x80, checked just before, and ASCII is
    // valid UTF-8.
    bytes.is_ascii().then(|| unsafe { std::str::from_utf8_unchecked(bytes) })
}

/// The byte classes of 64 bytes of CSV: bit `i` of each mask is set where
/// byte `i` of the block is that byte (`high`: a byte from 0x80). Bytes
/// past the end of the input count as none of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CsvMasks {
    /// `"`.
    pub quote: u64,
    /// `,`.
    pub comma: u64,
    /// `\n`.
    pub lf: u64,
    /// `\r`.
    pub cr: u64,
    /// A byte from 0x80 (not ASCII).
    pub high: u64,
}

/// Push the [`CsvMasks`] of each 64 bytes of `data` onto `out` (the last
/// block may be shorter), in one pass (with AVX2 or SSE2 on x86-64).
pub fn csv_index(data: &[u8], out: &mut Vec<CsvMasks>) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { csv_index_avx2(data, out) };
        }
    }
    csv_index_with(data, out, csv_block64)
}

/// [`csv_index`] compiled for AVX2.
///
/// # Safety
///
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn csv_index_avx2(data: &[u8], out: &mut Vec<CsvMasks>) {
    csv_index_with(data, out, csv_block64_avx2)
}

/// [`csv_index`] with a function that reads one 64-byte block.
#[inline(always)]
fn csv_index_with(
    data: &[u8],
    out: &mut Vec<CsvMasks>,
    block: impl Fn(&[u8; 64]) -> CsvMasks,
) {
    let mut chunks = data.chunks_exact(64);
    for c in &mut chunks {
        out.push(block(c.try_into().expect("64 bytes")));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        out.push(csv_plain(rest));
    }
}

/// The [`CsvMasks`] of up to 64 bytes, byte by byte.
fn csv_plain(bytes: &[u8]) -> CsvMasks {
    let mut m = CsvMasks::default();
    for (i, &b) in bytes.iter().enumerate() {
        m.quote |= u64::from(b == b'"') << i;
        m.comma |= u64::from(b == b',') << i;
        m.lf |= u64::from(b == b'\n') << i;
        m.cr |= u64::from(b == b'\r') << i;
        m.high |= u64::from(b >= 0x80) << i;
    }
    m
}

/// The [`CsvMasks`] of 64 bytes (SSE2, part of the x86-64 baseline).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn csv_block64(c: &[u8; 64]) -> CsvMasks {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8,
        _mm_set1_epi8,
    };
    let mut m = CsvMasks::default();
    // SAFETY: SSE2 is part of the x86-64 baseline; each load reads 16
    // bytes inside `c` (offsets 0, 16, 32, 48 of a 64-byte array).
    unsafe {
        let quote = _mm_set1_epi8(b'"' as i8);
        let comma = _mm_set1_epi8(b',' as i8);
        let lf = _mm_set1_epi8(b'\n' as i8);
        let cr = _mm_set1_epi8(b'\r' as i8);
        for k in 0..4 {
            let v = _mm_loadu_si128(c.as_ptr().add(16 * k).cast::<__m128i>());
            let bits = |x| u64::from(x as u16) << (16 * k);
            m.quote |= bits(_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)));
            m.comma |= bits(_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma)));
            m.lf |= bits(_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf)));
            m.cr |= bits(_mm_movemask_epi8(_mm_cmpeq_epi8(v, cr)));
            // The top bit of each byte: set from 0x80.
            m.high |= bits(_mm_movemask_epi8(v));
        }
    }
    m
}

/// [`csv_block64`] with AVX2; only called from [`csv_index_avx2`].
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn csv_block64_avx2(c: &[u8; 64]) -> CsvMasks {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8,
        _mm256_set1_epi8,
    };
    let mut m = CsvMasks::default();
    // SAFETY: inlined only into `csv_index_avx2`, which runs only on CPUs
    // with AVX2; each load reads 32 bytes inside `c` (offsets 0 and 32).
    unsafe {
        let quote = _mm256_set1_epi8(b'"' as i8);
        let comma = _mm256_set1_epi8(b',' as i8);
        let lf = _mm256_set1_epi8(b'\n' as i8);
        let cr = _mm256_set1_epi8(b'\r' as i8);
        for k in 0..2 {
            let v =
                _mm256_loadu_si256(c.as_ptr().add(32 * k).cast::<__m256i>());
            let bits = |x| u64::from(x as u32) << (32 * k);
            m.quote |= bits(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, quote)));
            m.comma |= bits(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, comma)));
            m.lf |= bits(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, lf)));
            m.cr |= bits(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, cr)));
            m.high |= bits(_mm256_movemask_epi8(v));
        }
    }
    m
}

/// The [`CsvMasks`] of 64 bytes.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn csv_block64(c: &[u8; 64]) -> CsvMasks {
    csv_plain(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quote masks and class of a line, byte by byte.
    fn index_plain(line: &[u8]) -> (Vec<u64>, Class) {
        let masks = line
            .chunks(64)
            .map(|c| {
                c.iter()
                    .enumerate()
                    .fold(0u64, |m, (i, &b)| m | (u64::from(b == b'"') << i))
            })
            .collect();
        let class = if line.iter().any(|&b| b == b'\\' || b < 0x20) {
            Class::Unsure
        } else if line.iter().any(|&b| b >= 0x80) {
            Class::Wide
        } else {
            Class::Ascii
        };
        (masks, class)
    }

    /// Every block reader (SSE2, AVX2 where the CPU has it) against the
    /// byte-by-byte reading.
    #[test]
    fn index_matches_plain_reading() {
        let alphabet = b"\"\\ a{}\x00\x1f\x20\x7f\x80\xc3\xff";
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..4000 {
            let len = (next() % 300) as usize;
            // Mostly one filler byte, so each class shows up often.
            let fill = if round % 3 == 0 { b'a' } else { b'"' };
            let line: Vec<u8> = (0..len)
                .map(|_| {
                    if next() % 8 == 0 {
                        alphabet[(next() % alphabet.len() as u64) as usize]
                    } else {
                        fill
                    }
                })
                .collect();
            let want = index_plain(&line);
            let mut m = Vec::new();
            let class = index_with(&line, &mut m, block64);
            assert_eq!((m, class), want, "{line:?}");
            let mut m = Vec::new();
            let class = index(&line, &mut m);
            assert_eq!((m, class), want, "{line:?}");
        }
    }

    #[test]
    fn control_bytes_found_anywhere() {
        for n in [0, 1, 63, 64, 65, 130] {
            let mut l = vec![b'a'; 131];
            assert!(!has_control(&l));
            l[n] = b'\r';
            assert!(has_control(&l), "{n}");
        }
    }

    /// Every CSV block reader against the byte-by-byte reading.
    #[test]
    fn csv_index_matches_plain_reading() {
        let alphabet = b"\",\n\r a\x00\x7f\x80\xc3\xff";
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..3000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 300) as usize;
            let data: Vec<u8> = (0..len)
                .map(|i| {
                    let h = state.rotate_left(i as u32 % 64) ^ (i as u64 * 31);
                    alphabet[(h % alphabet.len() as u64) as usize]
                })
                .collect();
            let want: Vec<CsvMasks> = data.chunks(64).map(csv_plain).collect();
            let mut got = Vec::new();
            csv_index_with(&data, &mut got, csv_block64);
            assert_eq!(got, want, "{data:?}");
            let mut got = Vec::new();
            csv_index(&data, &mut got);
            assert_eq!(got, want, "{data:?}");
        }
    }
}
