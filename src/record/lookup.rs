//! Classifying a record's field names against the key table
//! ([`super::keys::KEYS`]): trimmed of ASCII whitespace, ASCII
//! case-insensitive, for every key of every record. A key's candidates
//! come from its length and the low bits of its first and last bytes (a
//! mask per set of roles a reader reads), then one folded comparison.

use super::keys::{FieldKeys, KeyId, Role, Roles, IDS, KEYS};

/// One more than the longest key name.
const LEN_LIMIT: usize = {
    let mut max = 0;
    let mut i = 0;
    while i < KEYS.len() {
        if KEYS[i].0.len() > max {
            max = KEYS[i].0.len();
        }
        i += 1;
    }
    max + 1
};

/// The most keys of [`KEYS`] of one length.
const KEYS_PER_LEN: usize = 8;

/// The most keys of one length: of [`KEYS`], and a run's `field:` names.
const PER_LEN: usize = KEYS_PER_LEN + super::field_keys::MAX_FIELDS;

/// The keys of one name length: their names and ids, `len` of them.
#[derive(Clone, Copy, Debug)]
struct SameLength {
    names: [&'static [u8]; PER_LEN],
    ids: [KeyId; PER_LEN],
    len: usize,
}

/// For each name length, the keys of [`KEYS`] with that length.
const BY_LEN: [SameLength; LEN_LIMIT] = {
    let none = SameLength {
        names: [b""; PER_LEN],
        ids: [KeyId { role: Role::Code, rank: 0 }; PER_LEN],
        len: 0,
    };
    let mut t = [none; LEN_LIMIT];
    let mut i = 0;
    while i < KEYS.len() {
        let name = KEYS[i].0.as_bytes();
        let slot = &mut t[name.len()];
        assert!(
            slot.len < KEYS_PER_LEN,
            "raise KEYS_PER_LEN: too many keys of one length"
        );
        slot.names[slot.len] = name;
        slot.ids[slot.len] = IDS[i];
        slot.len += 1;
        let mut b = 0;
        while b < name.len() {
            assert!(
                (name[b] == b'_' && b == 0) || name[b].is_ascii_lowercase(),
                "key names are lower-case letters, and `_` only first"
            );
            b += 1;
        }
        i += 1;
    }
    t
};

/// The candidates of a key's first or last byte: bits 0–4 of the byte,
/// the same for a letter in either case (other bytes share an index with
/// some letter: the comparison decides).
#[inline(always)]
const fn letter_index(b: u8) -> usize {
    (b & 31) as usize
}

/// For each name length and each [`letter_index`] of a first (or last)
/// byte, the places in [`SameLength`] of the names read that start (end)
/// with it: a key's candidates are the places set in both.
#[derive(Debug)]
struct Candidates {
    first: [[u64; 32]; LEN_LIMIT],
    last: [[u64; 32]; LEN_LIMIT],
}

impl Candidates {
    /// The candidates of the names in `by_len` for which `read` holds.
    fn of(
        by_len: &[SameLength; LEN_LIMIT],
        read: impl Fn(KeyId) -> bool,
    ) -> &'static Candidates {
        let mut c = Box::new(Candidates {
            first: [[0; 32]; LEN_LIMIT],
            last: [[0; 32]; LEN_LIMIT],
        });
        for (len, same) in by_len.iter().enumerate() {
            for i in 0..same.len {
                let n = same.names[i];
                if n.is_empty() || !read(same.ids[i]) {
                    continue;
                }
                c.first[len][letter_index(n[0])] |= 1 << i;
                c.last[len][letter_index(n[n.len() - 1])] |= 1 << i;
            }
        }
        Box::leak(c)
    }
}

// Candidate places are bits of a `u64`.
const _: () = assert!(PER_LEN <= 64);

/// The keys a reader reads, by length, with their candidates by first and
/// last byte: the keys of the on-demand roles it does not read are left
/// out, so their names (`time`, `correlationId`, …) are not even
/// compared. For a run
/// with `field:` dimensions, every key of the table and the run's names
/// ([`FieldKeys`]; a name longer than the table's keys is looked up past
/// the candidates).
#[derive(Debug)]
pub struct KeyLetters {
    candidates: &'static Candidates,
    by_len: &'static [SameLength; LEN_LIMIT],
    fields: Option<&'static FieldKeys>,
}

impl KeyLetters {
    /// The keys of the table and the names of `fields`: a name's key
    /// replaces the table's key of that name (its id says it is both),
    /// the others join their length. Lookups fold bit 5 of every byte but
    /// the first, exact for the table's names (letters, `_`) but loose
    /// for a name's other bytes: a reader checks a [`Role::Field`] key
    /// again with [`FieldKeys::classify`].
    pub(crate) fn with_fields(fields: &'static FieldKeys) -> KeyLetters {
        let mut by_len = Box::new(BY_LEN);
        for (n, id) in fields.names().zip(fields.ids()) {
            let (n, Some(id)) = (n.as_bytes(), id) else { continue };
            if n.is_empty() {
                continue;
            }
            let Some(same) = by_len.get_mut(n.len()) else { continue };
            match same.names[..same.len].iter().position(|k| k == &n) {
                Some(i) => same.ids[i] = id,
                None if same.len < PER_LEN => {
                    same.names[same.len] = n;
                    same.ids[same.len] = id;
                    same.len += 1;
                }
                None => {}
            }
        }
        let by_len: &'static [SameLength; LEN_LIMIT] = Box::leak(by_len);
        KeyLetters {
            candidates: Candidates::of(by_len, |_| true),
            by_len,
            fields: Some(fields),
        }
    }

    /// The run's `field:` keys, if it has some.
    pub fn fields(&self) -> Option<&'static FieldKeys> {
        self.fields
    }

    /// The keys read for `wanted`, built once per set.
    pub fn of(wanted: Roles) -> &'static KeyLetters {
        if let Some(fields) = wanted.1 {
            return fields.letters();
        }
        static TABLES: [std::sync::OnceLock<KeyLetters>;
            1 << Role::ON_DEMAND.len()] =
            [const { std::sync::OnceLock::new() }; 1 << Role::ON_DEMAND.len()];
        let mut index = 0;
        for (i, role) in Role::ON_DEMAND.iter().enumerate() {
            if wanted.0 & role.bit() != 0 {
                index |= 1 << i;
            }
        }
        TABLES[index].get_or_init(|| KeyLetters {
            candidates: Candidates::of(&BY_LEN, |id| wanted.reads(id.role)),
            by_len: &BY_LEN,
            fields: None,
        })
    }

    /// Every key of the table.
    fn all() -> &'static KeyLetters {
        static ALL: std::sync::OnceLock<KeyLetters> =
            std::sync::OnceLock::new();
        ALL.get_or_init(|| KeyLetters {
            candidates: Candidates::of(&BY_LEN, |_| true),
            by_len: &BY_LEN,
            fields: None,
        })
    }
}

/// Classify a field name: trimmed of ASCII whitespace, ASCII
/// case-insensitive. Escapes must already be decoded.
#[inline]
pub fn classify_key(raw: &str) -> Option<KeyId> {
    classify_key_for(raw, KeyLetters::all())
}

/// [`classify_key`] for a reader that reads the keys of `letters`
/// ([`KeyLetters::of`] its wanted roles): a key of an on-demand role it
/// does not read is reported as unknown (the reader skips it either
/// way). With a run's `field:` names, a key of such a name is a
/// [`Role::Field`] key (see [`FieldKeys::classify`]).
///
/// Called for every key of every record, so it avoids copying: the
/// length and the first and last bytes give the few names it can be
/// (most keys: none), compared in place.
#[inline(always)]
pub fn classify_key_for(raw: &str, letters: &KeyLetters) -> Option<KeyId> {
    let mut k = raw.as_bytes();
    let (&first, &last) = (k.first()?, k.last()?);
    // (Every ASCII whitespace byte is at most b' '.)
    if first <= b' ' || last <= b' ' {
        k = k.trim_ascii();
        if k.is_empty() {
            return None;
        }
    }
    let (first, last) = (k[0], k[k.len() - 1]);
    let (Some(firsts), Some(lasts)) = (
        letters.candidates.first.get(k.len()),
        letters.candidates.last.get(k.len()),
    ) else {
        return letters.fields.and_then(|f| f.field(k, None));
    };
    let mut places = firsts[letter_index(first)] & lasts[letter_index(last)];
    if places == 0 {
        return None;
    }
    let same = &letters.by_len[k.len()];
    while places != 0 {
        let i = places.trailing_zeros() as usize;
        if eq_folded(k, same.names[i]) {
            return Some(same.ids[i]);
        }
        places &= places - 1;
    }
    None
}

/// `k.eq_ignore_ascii_case(name)` for a key name of the same length
/// (lower-case letters, and `_`): every byte compared with bit 5 set on
/// both sides, in two overlapping words, which folds exactly the
/// upper-case letters onto the lower-case ones. The one other byte it
/// folds onto a name's byte is DEL onto `_`, which names have only first:
/// a first byte of DEL is turned away.
#[inline(always)]
fn eq_folded(k: &[u8], name: &[u8]) -> bool {
    if k.len() != name.len() || k[0] == 0x7F {
        return false;
    }
    let n = k.len();
    // `_` (0x5F) folds onto DEL (0x7F), so names keep `_` first, where a
    // DEL is turned away above (the table is checked for that at compile
    // time).
    if n >= 8 {
        const FOLD: u64 = 0x2020_2020_2020_2020;
        let word = |s: &[u8], at: usize| {
            u64::from_le_bytes(s[at..at + 8].try_into().expect("8 bytes"))
                | FOLD
        };
        word(k, 0) == word(name, 0) && word(k, n - 8) == word(name, n - 8)
    } else if n >= 4 {
        const FOLD: u32 = 0x2020_2020;
        let word = |s: &[u8], at: usize| {
            u32::from_le_bytes(s[at..at + 4].try_into().expect("4 bytes"))
                | FOLD
        };
        word(k, 0) == word(name, 0) && word(k, n - 4) == word(name, n - 4)
    } else {
        k.iter().zip(name).all(|(x, y)| x | 0x20 == y | 0x20)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::keys::PAYLOAD_SUBCODE;

    fn id(name: &str) -> Option<KeyId> {
        KEYS.iter().position(|(n, _)| *n == name).map(|i| IDS[i])
    }

    #[test]
    fn keys_classify() {
        assert_eq!(
            classify_key("participantEndReason"),
            id("participantendreason")
        );
        assert_eq!(
            classify_key(" ParticipantEndSubCode "),
            id("participantendsubcode")
        );
        assert_eq!(classify_key("_resultCategories"), id("_resultcategories"));
        assert_eq!(classify_key("PROPERTIES"), id("properties"));
        assert_eq!(classify_key("SubCode"), Some(PAYLOAD_SUBCODE));
        assert_eq!(classify_key("participantEndReasonX"), None);
        assert_eq!(classify_key("cod"), None);
        assert_eq!(classify_key("côde"), None);
    }

    /// The length-indexed lookup against a plain lower-case-and-match.
    #[test]
    fn keys_classify_like_plain_lookup() {
        let plain = |raw: &str| id(&raw.trim_ascii().to_ascii_lowercase());
        let mut inputs: Vec<String> = Vec::new();
        for (n, _) in KEYS {
            inputs.push(n.to_string());
            inputs.push(n.to_ascii_uppercase());
            inputs.push(format!(" \t{n}\r\n"));
            inputs.push(format!("{n}x"));
            inputs.push(n[1..].to_string());
            inputs.push(n.replacen('e', "é", 1));
            // Alternate case, as in camelCase and PascalCase.
            inputs.push(
                n.chars()
                    .enumerate()
                    .map(
                        |(i, c)| {
                            if i % 2 == 0 {
                                c.to_ascii_uppercase()
                            } else {
                                c
                            }
                        },
                    )
                    .collect(),
            );
        }
        // DEL is `_` with bit 5 set: it must not pass for `_`.
        inputs.extend(
            [
                "",
                " ",
                "\u{212A}ode",
                "c0de",
                "co de",
                "\x7fcode",
                "\x7fsubcode",
                "\x7fresultcategories",
                "participantStartTime",
                "participantEndReaso\x0e",
                // Bytes whose low five bits are a letter's.
                "\x03ode",
                "Cod\x05",
                "@ndpointid",
                "correlationI\x04",
                "\x7fcorrelationid",
            ]
            .map(String::from),
        );
        for raw in &inputs {
            assert_eq!(classify_key(raw), plain(raw), "{raw:?}");
        }
        // A reader's keys: those of the roles it reads (the others are
        // unknown to it), for every set of on-demand roles.
        for set in 0..1u32 << Role::ON_DEMAND.len() {
            let wanted = Role::ON_DEMAND
                .iter()
                .enumerate()
                .filter(|(i, _)| set & (1 << i) != 0)
                .fold(Roles::NONE, |w, (_, r)| w.with(*r));
            let letters = KeyLetters::of(wanted);
            for raw in &inputs {
                let want = plain(raw).filter(|k| wanted.reads(k.role));
                assert_eq!(
                    classify_key_for(raw, letters),
                    want,
                    "{raw:?} {wanted:?}"
                );
            }
        }
    }
}
