//! The DataSketches coupon of a string id, hashed in one pass.
//!
//! DataSketches (Java, C++, and so Spark) hash a string's UTF-8 bytes
//! with MurmurHash3 x64 128, seed 9001, and make the 32-bit coupon from
//! the two 64-bit halves: the low 26 bits of the first half are the
//! address, the leading zeros of the second half plus one (at most 63)
//! the value. The `datasketches` crate computes the same through its
//! streaming `Hasher` (`Coupon::from_value`), which copies every id into
//! a 16-byte buffer and reads the tail byte by byte; ids are short (a
//! GUID is 36 bytes), so here the whole slice is hashed at once. The tests
//! check both against each other on every length up to 80 and on random
//! bytes, and pin a few coupons (`coupon_is_stable` in the parent module).

use super::{KEY_BITS, KEY_MASK};

/// DataSketches' default update seed.
const SEED: u64 = 9001;
const C1: u64 = 0x87c3_7b91_1142_53d5;
const C2: u64 = 0x4cf5_ad43_2745_937f;

/// The DataSketches coupon of `id`'s UTF-8 bytes (not zero: the value is
/// at least 1).
#[inline]
pub(crate) fn coupon(id: &str) -> u32 {
    let (lo, hi) = murmur3_x64_128(id.as_bytes());
    let value = hi.leading_zeros().min(62) + 1;
    (value << KEY_BITS) | (lo as u32 & KEY_MASK)
}

#[inline(always)]
fn mix_k1(k: u64) -> u64 {
    k.wrapping_mul(C1).rotate_left(31).wrapping_mul(C2)
}

#[inline(always)]
fn mix_k2(k: u64) -> u64 {
    k.wrapping_mul(C2).rotate_left(33).wrapping_mul(C1)
}

#[inline(always)]
fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^ (k >> 33)
}

/// Up to 8 bytes, little endian, zero-extended (8 bytes: one load).
#[inline(always)]
fn le(bytes: &[u8]) -> u64 {
    if let Ok(b) = <[u8; 8]>::try_from(bytes) {
        return u64::from_le_bytes(b);
    }
    let mut b = [0u8; 8];
    b[..bytes.len()].copy_from_slice(bytes);
    u64::from_le_bytes(b)
}

/// MurmurHash3 x64 128 of `data` with DataSketches' seed: `(h1, h2)`.
#[inline]
fn murmur3_x64_128(data: &[u8]) -> (u64, u64) {
    let (mut h1, mut h2) = (SEED, SEED);
    let mut blocks = data.chunks_exact(16);
    for b in &mut blocks {
        let (k1, k2) = b.split_at(8);
        h1 ^= mix_k1(le(k1));
        h1 = h1
            .rotate_left(27)
            .wrapping_add(h2)
            .wrapping_mul(5)
            .wrapping_add(0x52dc_e729);
        h2 ^= mix_k2(le(k2));
        h2 = h2
            .rotate_left(31)
            .wrapping_add(h1)
            .wrapping_mul(5)
            .wrapping_add(0x3849_5ab5);
    }
    // The last 0..=15 bytes, little endian, as (k1, k2): zero where there
    // is no byte, and a zero k mixes to zero, so no length test is needed.
    let tail = blocks.remainder();
    let (k1, k2) = if data.len() >= 16 {
        // The last 16 bytes of the id, shifted down to its tail.
        let end = data.len();
        let last = (u128::from(le(&data[end - 8..])) << 64)
            | u128::from(le(&data[end - 16..end - 8]));
        let t = last.checked_shr(8 * (16 - tail.len() as u32)).unwrap_or(0);
        (t as u64, (t >> 64) as u64)
    } else {
        let split = tail.len().min(8);
        (le(&tail[..split]), le(&tail[split..]))
    };
    h1 ^= mix_k1(k1);
    h2 ^= mix_k2(k2);
    let len = data.len() as u64;
    h1 ^= len;
    h2 ^= len;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    h1 = fmix64(h1);
    h2 = fmix64(h2);
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    (h1, h2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datasketches::hash::value::raw_bytes;
    use datasketches::hll::Coupon;
    use proptest::prelude::*;
    use std::hash::{Hash, Hasher};

    /// The crate's coupon: its `Coupon` hashes as exactly its `u32`.
    fn crates(id: &str) -> u32 {
        struct Capture(u32);
        impl Hasher for Capture {
            fn finish(&self) -> u64 {
                u64::from(self.0)
            }
            fn write(&mut self, _: &[u8]) {
                unreachable!("a Coupon hashes as one u32")
            }
            fn write_u32(&mut self, v: u32) {
                self.0 = v;
            }
        }
        let mut capture = Capture(0);
        Coupon::from_value(raw_bytes::from_str(id)).hash(&mut capture);
        capture.0
    }

    #[test]
    fn every_length_is_the_crates() {
        let text: String =
            ('a'..='z').chain('0'..='9').cycle().take(80).collect();
        for n in 0..=80 {
            assert_eq!(coupon(&text[..n]), crates(&text[..n]), "length {n}");
        }
        for id in ["é", "8:acs:1234", "2f8c0c4c-7014-41ed-80de-06ad1f06377f"]
        {
            assert_eq!(coupon(id), crates(id), "{id}");
        }
    }

    proptest! {
        #[test]
        fn any_string_is_the_crates(id in ".{0,100}") {
            prop_assert_eq!(coupon(&id), crates(&id));
        }
    }
}
