//! The keys of a run's `field:NAME` dimensions (spec §7): names known only
//! at run time, matched like the keys of [`super::KEYS`] (trimmed of ASCII
//! whitespace, ASCII case-insensitive, escapes decoded) and read at the
//! levels of spec §3 (the top level, then `properties`, `data`, `error`;
//! per level the last occurrence; the first level with a value wins).
//!
//! # The value of a field
//!
//! Read by every reader alike:
//! - a string: its text, trimmed; `""`, `"null"` and `"Redacted"` are
//!   absent, as for every value of spec §3;
//! - a number: its JSON text as serde_json writes it, which is the text
//!   as written for integers (`404`, `-1`); other numbers in their
//!   shortest form (`1.50` → `1.5`, `1e3` → `1000.0`, `-0` → `-0.0`);
//! - `true`, `false`: as written; `null`: absent;
//! - an array: its first element, read by these rules (like a category
//!   of spec §3); an empty array, or a first element that is itself an
//!   array or an object, is absent;
//! - an object: absent (spec §3 reads values, not nested objects).
//!
//! In CSV a field is the column with that header (its `[UTC]`-style
//! suffix dropped), its cell read like a JSON string. Text lines have no
//! keys: a field is absent there, as every other dimension is.
//!
//! A name that is also a key of [`super::KEYS`] (`field:code`,
//! `field:endpointType`) is read both ways: as the field, and as that key.
//! A name of a level or an envelope (`properties`, `data`, `error`,
//! `records`, `tables`, `resultInformation`) is refused by the plan
//! ([`FieldKeys::refused`]): those hold records and values, not a value.
//!
//! A run's set is built once and kept for the life of the process (the
//! readers' [`super::Roles`] carries it by copy): one per distinct list of
//! names a process runs with, a few bytes each.

use std::sync::{Mutex, OnceLock};

use super::keys::{classify_key, KeyId, KeyLetters, Shape};

/// The most `field:` names one run may read.
pub const MAX_FIELDS: usize = 32;

/// The keys of a run's `field:` dimensions, in the order the plan names
/// them (each name once, whatever its casing).
#[derive(Debug)]
pub struct FieldKeys {
    /// The names, trimmed and lower case (ASCII).
    names: Vec<Box<str>>,
    /// The key each name is read as; `None` for a name that is refused
    /// ([`FieldKeys::refused`]), which is never read.
    ids: Vec<Option<KeyId>>,
    /// The letters of the keys of the table and of the names, for the
    /// byte scanner ([`KeyLetters::of`]), built once.
    letters: OnceLock<KeyLetters>,
}

impl PartialEq for FieldKeys {
    fn eq(&self, other: &FieldKeys) -> bool {
        self.names == other.names
    }
}

impl Eq for FieldKeys {}

impl std::hash::Hash for FieldKeys {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.names.hash(h);
    }
}

impl FieldKeys {
    /// The set for `names` (as given to `field:`), shared by every run of
    /// the process that names the same keys in the same order.
    pub fn intern<'n>(
        names: impl IntoIterator<Item = &'n str>,
    ) -> &'static FieldKeys {
        static SETS: Mutex<Vec<&'static FieldKeys>> = Mutex::new(Vec::new());
        let new = FieldKeys::new(names);
        let mut sets = SETS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&known) = sets.iter().find(|s| ***s == new) {
            return known;
        }
        let leaked: &'static FieldKeys = Box::leak(Box::new(new));
        sets.push(leaked);
        leaked
    }

    fn new<'n>(names: impl IntoIterator<Item = &'n str>) -> FieldKeys {
        let mut keys = FieldKeys {
            names: Vec::new(),
            ids: Vec::new(),
            letters: OnceLock::new(),
        };
        for name in names {
            let folded = name.trim_ascii().to_ascii_lowercase();
            if keys.names.iter().any(|n| **n == folded)
                || keys.names.len() == MAX_FIELDS
            {
                continue;
            }
            let rank = keys.names.len() as u8;
            let id = match classify_key(&folded) {
                Some(k) if k.shape() == Shape::Container => None,
                known => Some(KeyId::field(rank, known)),
            };
            keys.names.push(folded.into());
            keys.ids.push(id);
        }
        keys
    }

    /// Why `name` cannot be read as a field, if it cannot: it names a
    /// level or an envelope of spec §3.
    pub fn refused(name: &str) -> Option<String> {
        let key = classify_key(name)?;
        (key.shape() == Shape::Container).then(|| {
            format!(
                "field:{name}: {:?} holds records or values (spec §3), not \
                 a value; name a key inside it",
                name.trim_ascii()
            )
        })
    }

    /// The key `raw` names: one of the run's names (a [`super::Role::Field`]
    /// key), else a key of [`super::KEYS`] ([`classify_key`]).
    pub fn classify(&self, raw: &str) -> Option<KeyId> {
        self.field(raw.as_bytes().trim_ascii(), classify_key(raw))
    }

    /// The key `k` (trimmed) names: one of the run's names, else `known`
    /// (what the table makes of it).
    #[cold]
    pub(crate) fn field(
        &self,
        k: &[u8],
        known: Option<KeyId>,
    ) -> Option<KeyId> {
        self.names
            .iter()
            .zip(&self.ids)
            .find(|(n, _)| k.eq_ignore_ascii_case(n.as_bytes()))
            .and_then(|(_, id)| *id)
            .or(known)
    }

    /// The letters the byte scanner classifies keys with in a run with
    /// these names.
    pub(crate) fn letters(&'static self) -> &'static KeyLetters {
        self.letters.get_or_init(|| KeyLetters::with_fields(self))
    }

    /// The names, lower case, in order: the `rank`s of their keys.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(|n| &**n)
    }

    /// The keys the names are read as (`None` for a refused name), in
    /// order.
    pub fn ids(&self) -> impl Iterator<Item = Option<KeyId>> + '_ {
        self.ids.iter().copied()
    }

    /// The name of the key of rank `rank`.
    pub fn name(&self, rank: u8) -> Option<&str> {
        self.names.get(usize::from(rank)).map(|n| &**n)
    }

    /// How many names there are.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::keys::key;
    use crate::record::Role;

    #[test]
    fn names_classify_before_known_keys() {
        let f = FieldKeys::intern([
            "ParticipantType",
            " code ",
            "participanttype",
        ]);
        assert_eq!(f.names().collect::<Vec<_>>(), ["participanttype", "code"]);
        let t = f.classify(" PARTICIPANTTYPE").unwrap();
        assert_eq!((t.role, t.rank, t.also()), (Role::Field, 0, None));
        let c = f.classify("Code").unwrap();
        assert_eq!((c.role, c.also()), (Role::Field, Some(key("code"))));
        assert_eq!(key("code").also(), None);
        assert_eq!(f.classify("resultType"), Some(key("resulttype")));
        assert_eq!(f.classify("other"), None);
        // Interned: the same names give the same set.
        let g = FieldKeys::intern(["participantType", "CODE"]);
        assert!(std::ptr::eq(f, g));
    }

    /// The byte scanner's lookup (the letters, then the names) against
    /// the plain one, for names shorter and longer than the table's keys.
    #[test]
    fn letters_classify_like_the_names() {
        use crate::record::keys::classify_key_for;
        let f = FieldKeys::intern([
            "region",
            "x",
            "aVeryLongFieldNameBeyondEveryKeyOfTheTable",
            "endpointType",
            "ÿtier",
        ]);
        let letters = f.letters();
        let mut inputs: Vec<String> = Vec::new();
        for n in f.names().chain(["code", "properties", "time", "regio"]) {
            inputs.push(n.to_owned());
            inputs.push(n.to_ascii_uppercase());
            inputs.push(format!(" {n}\t"));
            inputs.push(format!("{n}s"));
        }
        for raw in &inputs {
            assert_eq!(
                classify_key_for(raw, letters),
                f.classify(raw),
                "{raw:?}"
            );
        }
        let long = classify_key_for(
            " AVERYLONGFIELDNAMEBEYONDEVERYKEYOFTHETABLE",
            letters,
        );
        assert_eq!(long.map(|k| (k.role, k.rank)), Some((Role::Field, 2)));
        assert_eq!(
            classify_key_for("ŸTIER", letters),
            None,
            "ASCII case only"
        );
    }

    #[test]
    fn containers_are_refused_and_never_read() {
        for name in [
            "properties",
            " Data",
            "error",
            "records",
            "tables",
            "resultInformation",
        ] {
            assert!(FieldKeys::refused(name).is_some(), "{name}");
        }
        assert!(FieldKeys::refused("OperationPayload").is_none());
        assert!(FieldKeys::refused("region").is_none());
        let f = FieldKeys::intern(["properties"]);
        assert_eq!(f.classify("properties"), Some(key("properties")));
        assert_eq!(f.ids().collect::<Vec<_>>(), [None]);
    }
}
