//! The primitives of the partial format (`docs/partial-format.md` §2):
//! LEB128 varints, zigzag integers, length-prefixed strings and bytes,
//! written to a `Vec<u8>` and read from a slice with every length checked.

/// Appends values to a section body.
#[derive(Debug, Default)]
pub(super) struct Out {
    pub(super) buf: Vec<u8>,
}

impl Out {
    /// An unsigned LEB128 varint.
    pub(super) fn uint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push(v as u8 | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    /// A signed integer, zigzag-encoded as a varint.
    pub(super) fn int(&mut self, v: i64) {
        self.uint(((v << 1) ^ (v >> 63)) as u64);
    }

    /// One byte.
    pub(super) fn byte(&mut self, b: u8) {
        self.buf.push(b);
    }

    /// A varint length, then the bytes.
    pub(super) fn bytes(&mut self, b: &[u8]) {
        self.uint(b.len() as u64);
        self.buf.extend_from_slice(b);
    }

    /// A UTF-8 string: its byte length, then its bytes.
    pub(super) fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    /// Fixed 8 bytes, little-endian.
    pub(super) fn u64_le(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
}

/// Reads values from a section body; every error says what was being
/// read.
#[derive(Debug)]
pub(super) struct In<'a> {
    data: &'a [u8],
    at: usize,
}

/// The largest count a partial may state: a count above it is damage
/// (or a hostile file), and keeping counters below it lets thousands of
/// partials add up without overflow.
pub(super) const MAX_COUNT: u64 = 1 << 56;

impl<'a> In<'a> {
    pub(super) fn new(data: &'a [u8]) -> In<'a> {
        In { data, at: 0 }
    }

    /// Whether every byte was read.
    pub(super) fn is_done(&self) -> bool {
        self.at == self.data.len()
    }

    fn short(&self, what: &str) -> String {
        format!("section ends inside {what}")
    }

    /// An unsigned varint of at most 10 bytes.
    pub(super) fn uint(&mut self, what: &str) -> Result<u64, String> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = *self.data.get(self.at).ok_or_else(|| self.short(what))?;
            self.at += 1;
            if shift == 63 && b > 1 {
                return Err(format!("{what}: varint overflows 64 bits"));
            }
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(format!("{what}: varint longer than 10 bytes"))
    }

    /// A count: a varint no larger than [`MAX_COUNT`].
    pub(super) fn count(&mut self, what: &str) -> Result<u64, String> {
        let v = self.uint(what)?;
        if v > MAX_COUNT {
            return Err(format!("{what}: implausible count {v}"));
        }
        Ok(v)
    }

    /// A number of items that follow, each at least `min_bytes` long: no
    /// more than the bytes left can hold (so a damaged length cannot make
    /// the reader allocate).
    pub(super) fn len(
        &mut self,
        what: &str,
        min_bytes: usize,
    ) -> Result<usize, String> {
        let n = self.uint(what)?;
        let left = (self.data.len() - self.at) as u64;
        if n.saturating_mul(min_bytes.max(1) as u64) > left {
            return Err(format!(
                "{what}: {n} items cannot fit in the {left} bytes left"
            ));
        }
        Ok(n as usize)
    }

    /// A zigzag-encoded signed integer.
    pub(super) fn int(&mut self, what: &str) -> Result<i64, String> {
        let v = self.uint(what)?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    /// One byte.
    pub(super) fn byte(&mut self, what: &str) -> Result<u8, String> {
        let b = *self.data.get(self.at).ok_or_else(|| self.short(what))?;
        self.at += 1;
        Ok(b)
    }

    /// `n` raw bytes.
    pub(super) fn raw(
        &mut self,
        n: usize,
        what: &str,
    ) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.data.len());
        let end = end.ok_or_else(|| self.short(what))?;
        let b = &self.data[self.at..end];
        self.at = end;
        Ok(b)
    }

    /// A length-prefixed byte string.
    pub(super) fn bytes(&mut self, what: &str) -> Result<&'a [u8], String> {
        let n = self.len(what, 1)?;
        self.raw(n, what)
    }

    /// A length-prefixed UTF-8 string.
    pub(super) fn str(&mut self, what: &str) -> Result<&'a str, String> {
        let b = self.bytes(what)?;
        std::str::from_utf8(b).map_err(|_| format!("{what}: not UTF-8"))
    }

    /// Fixed 8 bytes, little-endian.
    pub(super) fn u64_le(&mut self, what: &str) -> Result<u64, String> {
        let b = self.raw(8, what)?;
        Ok(u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }
}

/// FNV-1a, 64 bits: the digest of the catalog and of a listing
/// (`docs/partial-format.md` §5).
pub(super) fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        let mut o = Out::default();
        for v in [0u64, 1, 127, 128, 300, u64::MAX] {
            o.uint(v);
        }
        for v in [0i64, -1, 1, i64::MIN, i64::MAX] {
            o.int(v);
        }
        o.str("héllo");
        let mut i = In::new(&o.buf);
        for v in [0u64, 1, 127, 128, 300, u64::MAX] {
            assert_eq!(i.uint("v").unwrap(), v);
        }
        for v in [0i64, -1, 1, i64::MIN, i64::MAX] {
            assert_eq!(i.int("v").unwrap(), v);
        }
        assert_eq!(i.str("s").unwrap(), "héllo");
        assert!(i.is_done());
        assert!(i.byte("b").unwrap_err().contains("ends inside b"));
    }

    #[test]
    fn bad_lengths_are_errors_not_allocations() {
        let mut o = Out::default();
        o.uint(u64::MAX / 2);
        assert!(In::new(&o.buf).len("n", 1).unwrap_err().contains("fit"));
        let eleven = [0xffu8; 11];
        assert!(In::new(&eleven).uint("v").is_err());
        assert!(In::new(&[0x80]).uint("v").unwrap_err().contains("ends"));
        assert_eq!(fnv1a(&[b"a"]), 0xaf63_dc4c_8601_ec8c);
    }
}
