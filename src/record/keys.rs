//! The one table of key names (spec §3), and what each key holds. A
//! record's field names are classified against it by [`classify_key`]
//! and [`classify_key_for`].
//!
//! Adding a key is one line in [`KEYS`]: its rank within its role (the
//! order of preference), the size of the slot arrays of
//! [`super::Fields`] and the lookup tables are all derived from the
//! table.
//!
//! The keys of a run's `field:NAME` dimensions are known only at run time:
//! [`FieldKeys`] classifies them, for the runs that have some.

pub use super::field_keys::FieldKeys;
pub use super::lookup::{classify_key, classify_key_for, KeyLetters};

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
pub(super) const IDS: [KeyId; KEYS.len()] = {
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn on_demand_places() {
        for (i, r) in Role::ON_DEMAND.iter().enumerate() {
            assert_eq!(r.on_demand_index(), Some(i));
        }
        for r in [Role::Code, Role::Kind, Role::Operation, Role::Field] {
            assert_eq!(r.on_demand_index(), None, "{r:?}");
        }
    }
}
