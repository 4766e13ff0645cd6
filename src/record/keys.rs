//! The one table of key names (spec §3), and the classification of a
//! record's field names against it.
//!
//! Adding a key is one line in [`KEYS`]: its rank within its role (the
//! order of preference), the size of the slot arrays of
//! [`super::Fields`] and the fast rejection tables are all derived from
//! the table at compile time.
//!
//! The keys of a run's `field:NAME` dimensions are known only at run time:
//! [`FieldKeys`] classifies them, for the runs that have some.

pub use super::field_keys::FieldKeys;

/// What a key holds, and so how its value is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// A code (spec §3 table, `code` row).
    Code,
    /// A subcode.
    Subcode,
    /// A result category.
    Category,
    /// The log kind (top level of a record only).
    Kind,
    /// `operationName`: the `operation` dimension, and the log kind when
    /// no `Kind` key gives one (top level only).
    Operation,
    /// The record's time (spec §7).
    Time,
    /// `correlationId`: the call a record belongs to.
    Correlation,
    /// The participant: `participantId`, else `identifier`, else
    /// `endpointId`.
    Participant,
    /// `endpointType`.
    EndpointType,
    /// `callType`.
    CallType,
    /// `sdkVersion`.
    SdkVersion,
    /// `osVersion`.
    OsVersion,
    /// `resourceId`.
    Resource,
    /// `callUpdatesVersion`: one version of a participant's summary
    /// (spec §3, "CallSummaryUpdates versions").
    Version,
    /// `OperationPayload`: holds `SubCode`, the last resort for the
    /// subcode.
    OperationPayload,
    /// `properties`: the first nested level (spec §3).
    Properties,
    /// `records`: an envelope of records (top level of a line only).
    Records,
    /// `tables`: a Log Analytics query result (top level of a line only).
    Tables,
    /// `data`: the second nested level (CloudEvents and Event Grid
    /// events, Call Automation callbacks).
    Data,
    /// `error`: the third nested level (serialized SDK errors).
    Error,
    /// `resultInformation`: an object whose `code` and `subCode` are the
    /// last resort for the code and the subcode (Call Automation).
    ResultInformation,
    /// A key named by a `field:NAME` dimension (spec §7), known only at
    /// run time: its rank is its place among the run's names
    /// ([`FieldKeys`]).
    Field,
}

impl Role {
    /// The on-demand roles ([`Role::on_demand`]), in order.
    pub const ON_DEMAND: [Role; 9] = [
        Role::Time,
        Role::Correlation,
        Role::Participant,
        Role::EndpointType,
        Role::CallType,
        Role::SdkVersion,
        Role::OsVersion,
        Role::Resource,
        Role::Version,
    ];

    /// The place of an on-demand role in [`Role::ON_DEMAND`].
    #[inline(always)]
    pub const fn on_demand_index(self) -> Option<usize> {
        const PLACES: [u8; 64] = {
            let mut t = [u8::MAX; 64];
            let mut i = 0;
            while i < Role::ON_DEMAND.len() {
                t[Role::ON_DEMAND[i] as usize] = i as u8;
                i += 1;
            }
            t
        };
        match PLACES[self as usize] {
            u8::MAX => None,
            i => Some(i as usize),
        }
    }

    /// This role in a [`Roles`] set.
    pub const fn bit(self) -> u32 {
        1 << self as u32
    }

    /// Whether a reader reads this role's values only when the run asks
    /// for them ([`Roles`]): the values of the slicing of spec §7. The
    /// triple and the log kind are always read.
    pub const fn on_demand(self) -> bool {
        matches!(
            self,
            Role::Time
                | Role::Correlation
                | Role::Participant
                | Role::EndpointType
                | Role::CallType
                | Role::SdkVersion
                | Role::OsVersion
                | Role::Resource
                | Role::Version
        )
    }

    /// How a reader reads the value of a key with this role.
    pub const fn shape(self) -> Shape {
        match self {
            Role::Code | Role::Subcode => Shape::Int,
            Role::Category => Shape::Category,
            Role::Kind
            | Role::Operation
            | Role::Time
            | Role::Correlation
            | Role::Participant
            | Role::EndpointType
            | Role::CallType
            | Role::SdkVersion
            | Role::OsVersion
            | Role::Resource
            | Role::Version => Shape::Text,
            Role::OperationPayload => Shape::Payload,
            Role::Field => Shape::Field,
            Role::Properties
            | Role::Records
            | Role::Tables
            | Role::Data
            | Role::Error
            | Role::ResultInformation => Shape::Container,
        }
    }

    /// The place of a nested level among a record's nested levels, in
    /// the order they are tried after its top level (spec §3):
    /// `properties`, `data`, `error`.
    pub const fn level(self) -> Option<usize> {
        match self {
            Role::Properties => Some(0),
            Role::Data => Some(1),
            Role::Error => Some(2),
            _ => None,
        }
    }
}

/// How many nested levels a record has (see [`Role::level`]).
pub const NESTED_LEVELS: usize = 3;

/// A set of roles: which on-demand values ([`Role::on_demand`]) a run
/// wants its readers to read; and the keys of its `field:NAME`
/// dimensions, if it has any (`None` costs the readers nothing).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Roles(pub u32, pub Option<&'static FieldKeys>);

impl Roles {
    /// No on-demand value.
    pub const NONE: Roles = Roles(0, None);
    /// Every role.
    pub const ALL: Roles = Roles(u32::MAX, None);
    /// What every run reads besides the triple and the kind: the version
    /// of a CallSummaryUpdates record (spec §3).
    pub const DEFAULT: Roles = Roles::NONE.with(Role::Version);

    /// The set with `role` added.
    pub const fn with(self, role: Role) -> Roles {
        Roles(self.0 | role.bit(), self.1)
    }

    /// The set with the keys of a run's `field:` dimensions.
    pub const fn with_fields(self, fields: &'static FieldKeys) -> Roles {
        Roles(self.0, Some(fields))
    }

    /// Whether a reader reads the values of `role`: always for the roles
    /// that are not on demand.
    #[inline]
    pub const fn reads(self, role: Role) -> bool {
        !role.on_demand() || self.0 & role.bit() != 0
    }
}

/// How the value of a key is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// An integer: a number, or a string holding one ([`super::IntVal`]).
    Int,
    /// A category: a string, or the first element of an array
    /// ([`super::CatVal`]).
    Category,
    /// A string, trimmed; other values give none.
    Text,
    /// An object, or a string holding one, whose `SubCode` is read.
    Payload,
    /// A level, an envelope or `resultInformation`: the reader walks
    /// into it.
    Container,
    /// The value of a `field:NAME` dimension: any scalar, as written
    /// (see [`FieldKeys`]).
    Field,
}

/// Every key that matters, lower case, with its role. Within a role,
/// earlier rows are preferred (spec §3: "keys are tried in the order
/// below").
pub const KEYS: &[(&str, Role)] = &[
    ("participantendreason", Role::Code),
    ("resultcode", Role::Code),
    ("resultsignature", Role::Code),
    ("code", Role::Code),
    ("_code", Role::Code),
    ("participantendsubcode", Role::Subcode),
    ("resultsubcode", Role::Subcode),
    ("subcode", Role::Subcode),
    ("_subcode", Role::Subcode),
    ("resultcategory", Role::Category),
    ("resultcategories", Role::Category),
    ("_resultcategories", Role::Category),
    ("resulttype", Role::Category),
    ("category", Role::Kind),
    ("type", Role::Kind),
    ("eventtype", Role::Kind),
    ("operationname", Role::Operation),
    ("time", Role::Time),
    ("timegenerated", Role::Time),
    ("timestamp", Role::Time),
    ("eventtime", Role::Time),
    ("callclienttimestamp", Role::Time),
    ("correlationid", Role::Correlation),
    ("participantid", Role::Participant),
    ("identifier", Role::Participant),
    ("endpointid", Role::Participant),
    ("endpointtype", Role::EndpointType),
    ("calltype", Role::CallType),
    ("sdkversion", Role::SdkVersion),
    ("osversion", Role::OsVersion),
    ("resourceid", Role::Resource),
    ("_resourceid", Role::Resource),
    ("callupdatesversion", Role::Version),
    ("operationpayload", Role::OperationPayload),
    ("properties", Role::Properties),
    ("records", Role::Records),
    ("tables", Role::Tables),
    ("data", Role::Data),
    ("error", Role::Error),
    ("resultinformation", Role::ResultInformation),
];

/// A key of [`KEYS`]: its row, role and rank within the role; or a key
/// of a run's `field:` dimensions ([`Role::Field`]). Two bytes: readers
/// pass them around for every key of every record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyId {
    /// What the key holds.
    pub role: Role,
    /// Its preference within the role (0 is preferred). For a
    /// [`Role::Field`] key: its place among the run's names, or, for a
    /// name that is also a key of [`KEYS`], [`ALSO`] + that key's row
    /// (its value is read both ways; [`KeyId::also`]).
    pub rank: u8,
}

/// The first rank of the [`Role::Field`] keys that are also keys of
/// [`KEYS`] (see [`KeyId::rank`]).
pub const ALSO: u8 = 128;
const _: () = assert!(KEYS.len() < 256 - ALSO as usize);

impl KeyId {
    /// How its value is read.
    #[inline]
    pub fn shape(self) -> Shape {
        self.role.shape()
    }

    /// Whether the key counts inside a record's nested levels
    /// (`properties`, `data`, `error`): the triple, `resultInformation`
    /// and the values of spec §7 do; the log kind, `operationName`,
    /// levels (one deep only) and envelopes do not.
    #[inline]
    pub fn nests(self) -> bool {
        !matches!(
            self.role,
            Role::Kind
                | Role::Operation
                | Role::Properties
                | Role::Records
                | Role::Tables
                | Role::Data
                | Role::Error
        )
    }

    /// A key of a run's `field:` dimensions: the `rank`-th name, which is
    /// also the key `also` of [`KEYS`] when it has that name.
    pub(crate) fn field(place: u8, also: Option<KeyId>) -> KeyId {
        let row = also.and_then(|k| IDS.iter().position(|&i| i == k));
        let rank = row.map_or(place, |r| ALSO + r as u8);
        KeyId { role: Role::Field, rank }
    }

    /// For a [`Role::Field`] key whose name is also a key of [`KEYS`]:
    /// that key (its value is read both ways).
    #[inline]
    pub fn also(self) -> Option<KeyId> {
        if self.role != Role::Field {
            return None;
        }
        IDS.get(usize::from(self.rank.checked_sub(ALSO)?)).copied()
    }

    /// The lower-case name of a key of [`KEYS`].
    pub fn name(self) -> &'static str {
        KEYS[IDS.iter().position(|&k| k == self).expect("a key of KEYS")].0
    }
}

/// How many keys have `role`.
pub const fn count(role: Role) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < KEYS.len() {
        if same_role(KEYS[i].1, role) {
            n += 1;
        }
        i += 1;
    }
    n
}

/// The key named `name` (lower case); a compile-time error if none.
pub const fn key(name: &str) -> KeyId {
    let mut i = 0;
    while i < KEYS.len() {
        if eq_bytes(KEYS[i].0.as_bytes(), name.as_bytes()) {
            return IDS[i];
        }
        i += 1;
    }
    panic!("no such key in KEYS")
}

/// The `SubCode` key read inside `OperationPayload`.
pub const PAYLOAD_SUBCODE: KeyId = key("subcode");

/// The keys read inside `resultInformation`: its `code`, then its
/// `subCode` (any casing).
pub const RESULT_INFO_KEYS: [KeyId; 2] = [key("code"), key("subcode")];

const fn same_role(a: Role, b: Role) -> bool {
    a as u8 == b as u8
}

const fn eq_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// [`KeyId`] of each row of [`KEYS`]: the rank is the row's place among
/// the rows of its role.
const IDS: [KeyId; KEYS.len()] = {
    let mut ids = [KeyId { role: Role::Code, rank: 0 }; KEYS.len()];
    let mut i = 0;
    while i < KEYS.len() {
        let mut rank = 0;
        let mut j = 0;
        while j < i {
            if same_role(KEYS[j].1, KEYS[i].1) {
                rank += 1;
            }
            j += 1;
        }
        ids[i] = KeyId { role: KEYS[i].1, rank };
        i += 1;
    }
    ids
};

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
/// (lower-case letters, and `_`): the first byte compared exactly (ASCII
/// case-insensitive), then every byte with bit 5 set on both sides, which
/// folds exactly the upper-case letters onto the lower-case ones, in two
/// overlapping words.
#[inline(always)]
fn eq_folded(k: &[u8], name: &[u8]) -> bool {
    if k.len() != name.len() || !k[0].eq_ignore_ascii_case(&name[0]) {
        return false;
    }
    let n = k.len();
    // `_` (0x5F) folds onto DEL (0x7F), so names keep `_` first, where it
    // is compared exactly (the table is checked for that at compile time).
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

    fn id(name: &str) -> Option<KeyId> {
        KEYS.iter().position(|(n, _)| *n == name).map(|i| IDS[i])
    }

    #[test]
    fn ranks_follow_the_table() {
        assert_eq!(
            key("participantendreason"),
            KeyId { role: Role::Code, rank: 0 }
        );
        assert_eq!(key("_code"), KeyId { role: Role::Code, rank: 4 });
        assert_eq!(key("resulttype"), KeyId { role: Role::Category, rank: 3 });
        assert_eq!(
            key("operationname"),
            KeyId { role: Role::Operation, rank: 0 }
        );
        assert_eq!(
            key("endpointid"),
            KeyId { role: Role::Participant, rank: 2 }
        );
        assert_eq!(PAYLOAD_SUBCODE.name(), "subcode");
        assert_eq!(count(Role::Code), 5);
        assert_eq!(count(Role::Subcode), 4);
        assert_eq!(count(Role::Category), 4);
        assert_eq!(count(Role::Kind), 3);
        assert_eq!(key("eventtype"), KeyId { role: Role::Kind, rank: 2 });
        assert_eq!(Role::Data.level(), Some(1));
        assert!(!key("data").nests() && !key("error").nests());
        assert!(key("resultinformation").nests());
        assert_eq!(count(Role::Time), 5);
    }

    #[test]
    fn on_demand_roles_listed_once() {
        let all = [
            Role::Code,
            Role::Subcode,
            Role::Category,
            Role::Kind,
            Role::Operation,
            Role::Time,
            Role::Correlation,
            Role::Participant,
            Role::EndpointType,
            Role::CallType,
            Role::SdkVersion,
            Role::OsVersion,
            Role::Resource,
            Role::Version,
            Role::OperationPayload,
            Role::Properties,
            Role::Records,
            Role::Tables,
            Role::Data,
            Role::Error,
            Role::ResultInformation,
            Role::Field,
        ];
        let listed: Vec<Role> =
            all.into_iter().filter(|r| r.on_demand()).collect();
        assert_eq!(listed, Role::ON_DEMAND);
        for r in all {
            assert!(Roles::NONE.reads(r) != r.on_demand(), "{r:?}");
            assert!(Roles::ALL.reads(r));
        }
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

    #[test]
    fn on_demand_places() {
        for (i, r) in Role::ON_DEMAND.iter().enumerate() {
            assert_eq!(r.on_demand_index(), Some(i));
        }
        for r in [Role::Code, Role::Kind, Role::Operation, Role::Field] {
            assert_eq!(r.on_demand_index(), None, "{r:?}");
        }
    }
}
