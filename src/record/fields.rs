//! What a reader found in one record, and how spec §3 turns it into an
//! outcome. Every reader (the byte scanner, the serde reader, the tree
//! reading, CSV, text) fills [`Fields`] through [`Fields::set`] alone, so
//! which key goes where, and which wins, is decided in one place.

use std::borrow::Cow;

use super::keys::{count, FieldKeys, KeyId, Role, Roles, NESTED_LEVELS};
use super::{CatVal, IntVal, Outcome, Record, Text, Texts, Triple};

/// Number of code keys.
pub const CODE_KEYS: usize = count(Role::Code);
/// Number of subcode keys, not counting `OperationPayload.SubCode`.
pub const SUBCODE_KEYS: usize = count(Role::Subcode);
/// Number of category keys.
pub const CATEGORY_KEYS: usize = count(Role::Category);
/// Number of log-kind keys.
pub const KIND_KEYS: usize = count(Role::Kind);
/// Number of call-id keys.
const CALL_KEYS: usize = count(Role::Correlation);
/// Number of id keys: the call's, then the participant's in order of
/// preference.
const ID_KEYS: usize = CALL_KEYS + count(Role::Participant);

/// A value a key's slot holds: an integer ([`IntVal`]: codes, subcodes,
/// `OperationPayload`'s `SubCode`), a category ([`CatVal`]), or a text
/// (`Option<Cow<str>>`: the log kind, trimmed, `None` if absent). Which
/// key goes to which slot is decided here, for every reader.
pub trait Slot<'a>: Sized {
    /// The slot of `key` in `fields`, if the key holds this kind of value.
    fn slot<'f>(
        fields: &'f mut Fields<'a>,
        key: KeyId,
    ) -> Option<&'f mut Self>;
}

impl<'a> Slot<'a> for IntVal {
    #[inline(always)]
    fn slot<'f>(f: &'f mut Fields<'a>, key: KeyId) -> Option<&'f mut IntVal> {
        match key.role {
            Role::Code => f.code.get_mut(key.rank as usize),
            Role::Subcode => f.subcode.get_mut(key.rank as usize),
            Role::OperationPayload => Some(&mut f.payload_subcode),
            _ => None,
        }
    }
}

impl<'a> Slot<'a> for CatVal {
    #[inline(always)]
    fn slot<'f>(f: &'f mut Fields<'a>, key: KeyId) -> Option<&'f mut CatVal> {
        match key.role {
            Role::Category => f.category.get_mut(key.rank as usize),
            _ => None,
        }
    }
}

impl<'a> Slot<'a> for Option<Cow<'a, str>> {
    #[inline(always)]
    fn slot<'f>(
        f: &'f mut Fields<'a>,
        key: KeyId,
    ) -> Option<&'f mut Option<Cow<'a, str>>> {
        match key.role {
            Role::Kind => f.kind.get_mut(key.rank as usize),
            Role::Correlation => f.ids.get_mut(key.rank as usize),
            Role::Participant => f.ids.get_mut(CALL_KEYS + key.rank as usize),
            Role::Operation => Some(&mut f.operation),
            role if role.on_demand() || role == Role::Field => {
                // The last occurrence of a key wins: a key read again at
                // this level replaces its value in place.
                let i = match f.extra.iter().position(|e| e.0 == key) {
                    Some(i) => i,
                    None => {
                        f.extra.push((key, None));
                        f.extra.len() - 1
                    }
                };
                f.extra.get_mut(i).map(|e| &mut e.1)
            }
            _ => None,
        }
    }
}

/// The nested levels of a record (spec §3: its `properties`, `data` and
/// `error` objects, in the order they are tried after the top level;
/// [`Role::level`] gives the place), each the last object of its key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Nested<'a> {
    /// The levels found, by place.
    pub levels: [Option<Fields<'a>>; NESTED_LEVELS],
}

impl<'a> Nested<'a> {
    /// The level of `role` (`properties`, `data`, `error`), emptied: the
    /// last object of a level's key replaces an earlier one.
    #[inline]
    pub fn fresh(&mut self, role: Role) -> Option<&mut Fields<'a>> {
        let slot = self.levels.get_mut(role.level()?)?;
        Some(slot.insert(Fields::default()))
    }

    /// Forget the level of `role`: its last value is not an object.
    #[inline]
    pub fn clear(&mut self, role: Role) {
        if let Some(slot) = role.level().and_then(|l| self.levels.get_mut(l)) {
            *slot = None;
        }
    }
}

/// The values found at one level of a record (its top level, or one of
/// its nested levels), one slot per key; the last occurrence of a key
/// wins.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fields<'a> {
    code: [IntVal; CODE_KEYS],
    subcode: [IntVal; SUBCODE_KEYS],
    category: [CatVal; CATEGORY_KEYS],
    payload_subcode: IntVal,
    /// The `code` and `subCode` of this level's `resultInformation`.
    result_info: [IntVal; 2],
    kind: [Option<Cow<'a, str>>; KIND_KEYS],
    operation: Option<Cow<'a, str>>,
    /// The call's and the participant's ids, when the run reads them
    /// (slots, not `extra`: most runs read them).
    ids: [Option<Cow<'a, str>>; ID_KEYS],
    /// Values of the other on-demand roles the run asked for, and of its
    /// `field:` keys, in the order read (empty, and no allocation, when it
    /// asked for none).
    extra: smallvec::SmallVec<[(KeyId, Option<Cow<'a, str>>); 4]>,
}

impl<'a> Fields<'a> {
    /// Record the value of `key` (the last occurrence of a key wins). A
    /// value of another kind than the key's ([`super::Shape`]) is a
    /// reader's bug: it is ignored (and caught in debug builds).
    #[inline(always)]
    pub fn set<V: Slot<'a>>(&mut self, key: KeyId, value: V) {
        match V::slot(self, key) {
            Some(slot) => *slot = value,
            None => {
                debug_assert!(false, "a value of the wrong kind for {key:?}")
            }
        }
    }

    /// Record the value of a key of the run's `field:` dimensions
    /// ([`Role::Field`]; the last occurrence of a key wins).
    #[inline]
    pub fn set_field(&mut self, key: KeyId, value: Option<Cow<'a, str>>) {
        debug_assert_eq!(key.role, Role::Field);
        self.set(key, value);
    }

    /// Record the `code` and `subCode` of this level's
    /// `resultInformation` (the last one wins; a value that is not an
    /// object gives two absent values).
    #[inline]
    pub fn set_result_information(&mut self, code: IntVal, subcode: IntVal) {
        self.result_info = [code, subcode];
    }

    /// Apply spec §3 to a record's top level and its nested levels: per
    /// key, the top level, then `properties`, `data`, `error`; the first
    /// non-absent value wins. The log kind (a `Kind` key, else
    /// `operationName`) comes from the top level alone. `wanted`: whether
    /// `operationName` is also a text of the record (the on-demand roles
    /// are in `texts` when the reader read them). (Values are taken out
    /// of `self`.)
    #[inline]
    pub fn record(
        &mut self,
        nested: &Nested<'a>,
        wanted: Roles,
    ) -> Record<'a> {
        let outcome = self.outcome(nested);
        if let Outcome::Malformed(_) = outcome {
            return Record::malformed_with(outcome);
        }
        let op =
            wanted.0 & Role::Operation.bit() != 0 && self.operation.is_some();
        let extra = !self.extra.is_empty()
            || nested.levels.iter().flatten().any(|l| !l.extra.is_empty());
        // (Readers fill the id slots only for a run that reads ids.)
        let ids =
            wanted.reads(Role::Correlation) || wanted.reads(Role::Participant);
        let levels = [
            Some(&*self),
            nested.levels[0].as_ref(),
            nested.levels[1].as_ref(),
            nested.levels[2].as_ref(),
        ];
        let (texts, [call, participant]) = if !(op || extra || ids) {
            (Texts::new(), [None, None])
        } else if op || extra || wanted.1.is_some() {
            texts(&levels, wanted, op)
        } else {
            // The ids alone (the default run): no other text to resolve.
            let mut texts = Texts::new();
            let ids = hold_ids(found_ids(&levels, wanted), &mut texts);
            (texts, ids)
        };
        let kind = match self.kind.iter_mut().find_map(Option::take) {
            Some(k) => Some(k),
            None => self.operation.take(),
        };
        Record { outcome, kind, texts, call, participant }
    }

    /// The outcome alone (see [`Fields::record`]).
    pub fn outcome(&self, nested: &Nested<'a>) -> Outcome {
        let [p, d, e] = &nested.levels;
        let levels = [Some(self), p.as_ref(), d.as_ref(), e.as_ref()];
        let code = pick(&levels, |f| &f.code)
            .or_else(|| present(&levels, |f| &f.result_info[0]))
            .unwrap_or(&IntVal::Absent);
        let subcode = pick(&levels, |f| &f.subcode)
            .or_else(|| present(&levels, |f| &f.payload_subcode))
            .or_else(|| present(&levels, |f| &f.result_info[1]))
            .unwrap_or(&IntVal::Absent);
        let category =
            pick(&levels, |f| &f.category).copied().unwrap_or_default();
        let code = match code {
            IntVal::Bad(t) => {
                return Outcome::Malformed(format!(
                    "code {t} is not an integer"
                ))
            }
            IntVal::Absent => None,
            IntVal::Int(n) => Some(*n),
        };
        let subcode = match subcode {
            IntVal::Bad(t) => {
                return Outcome::Malformed(format!(
                    "subcode {t} is not an integer"
                ))
            }
            IntVal::Absent => None,
            IntVal::Int(n) => Some(*n),
        };
        match code {
            None => Outcome::WithoutCode,
            Some(code) => Outcome::Counted(Triple {
                code,
                subcode,
                category: match category {
                    CatVal::Known(c) => Some(c),
                    _ => None,
                },
            }),
        }
    }
}

/// The texts of a record's `levels` (see [`Fields::record`]), and its
/// call and participant ids (held apart when borrowed from the input:
/// most runs read them and nothing else, and then need no vector); `op`:
/// with `operationName`.
fn texts<'a>(
    levels: &[Option<&Fields<'a>>; 4],
    wanted: Roles,
    op: bool,
) -> (Texts<'a>, [Option<&'a str>; 2]) {
    let mut best = [None; Role::ON_DEMAND.len()];
    best_extra(levels, &mut best);
    // With a `field:` key, a known key is read whatever the run wants (a
    // name may be both): values of roles it does not want are dropped
    // here.
    let keep = |role: Role| wanted.1.is_none() || wanted.reads(role);
    let found = found_ids(levels, wanted);
    // Sized once: growing the vector cost a reallocation a record.
    let owned = found.iter().flatten().filter(|v| borrowed(v).is_none());
    let fields = wanted.1.map_or(0, |f| f.len());
    let n = usize::from(op) + best.iter().flatten().count() + owned.count();
    let mut texts = Texts::with_capacity(n + fields);
    if let Some(v) =
        levels[0].and_then(|l| l.operation.as_ref()).filter(|_| op)
    {
        texts.push((Text::Role(Role::Operation), v.clone()));
    }
    let ids = hold_ids(found, &mut texts);
    for (role, v) in Role::ON_DEMAND.into_iter().zip(best) {
        if let Some(v) = v.filter(|_| keep(role)) {
            texts.push((Text::Role(role), v.clone()));
        }
    }
    if let Some(fields) = wanted.1 {
        resolve_fields(levels, fields, &mut texts);
    }
    (texts, ids)
}

/// The call's and the participant's ids as a `Record` holds them: those
/// borrowed from the input apart (returned), those decoded from escapes
/// as texts (pushed to `texts`).
#[inline(always)]
fn hold_ids<'a>(
    found: [Option<&Cow<'a, str>>; 2],
    texts: &mut Texts<'a>,
) -> [Option<&'a str>; 2] {
    let roles = [Role::Correlation, Role::Participant];
    for (role, v) in roles.into_iter().zip(found) {
        if let Some(v) = v.filter(|v| borrowed(v).is_none()) {
            texts.push((Text::Role(role), v.clone()));
        }
    }
    found.map(|v| v.and_then(borrowed))
}

/// The call's and the participant's ids of a record's levels: per key in
/// order of preference, the levels in order (each level holds a key's
/// last occurrence); the first present wins. (A run with `field:` keys
/// reads known keys whatever it wants: ids it does not want are left.)
fn found_ids<'f, 'a>(
    levels: &[Option<&'f Fields<'a>>; 4],
    wanted: Roles,
) -> [Option<&'f Cow<'a, str>>; 2] {
    let pick = |role: Role, keys: std::ops::Range<usize>| {
        if wanted.1.is_some() && !wanted.reads(role) {
            return None;
        }
        for k in keys {
            for l in levels.iter().flatten() {
                if let Some(v) = &l.ids[k] {
                    return Some(v);
                }
            }
        }
        None
    };
    [
        pick(Role::Correlation, 0..CALL_KEYS),
        pick(Role::Participant, CALL_KEYS..ID_KEYS),
    ]
}

/// The text of a value borrowed from the input.
fn borrowed<'a>(v: &Cow<'a, str>) -> Option<&'a str> {
    match v {
        Cow::Borrowed(v) => Some(v),
        Cow::Owned(_) => None,
    }
}

/// The value of each on-demand role read, in `best` by its place in
/// [`Role::ON_DEMAND`]: per key in order of preference, the levels in
/// order (each level holds a key's last occurrence); the first non-absent
/// wins.
fn best_extra<'f, 'a>(
    levels: &[Option<&'f Fields<'a>>; 4],
    best: &mut [Option<&'f Cow<'a, str>>; Role::ON_DEMAND.len()],
) {
    // The (rank, level) of each role's value so far.
    let mut at = [(u8::MAX, u8::MAX); Role::ON_DEMAND.len()];
    for (level, f) in levels.iter().enumerate() {
        for (k, v) in f.iter().flat_map(|f| &f.extra) {
            let (Some(r), Some(v)) = (k.role.on_demand_index(), v) else {
                continue;
            };
            let here = (k.rank, level as u8);
            if here < at[r] {
                at[r] = here;
                best[r] = Some(v);
            }
        }
    }
}

/// The value of each `field:` key of `fields` in a record's levels (each
/// holding a key's last occurrence): per key, the first level holding a
/// value.
fn resolve_fields<'a>(
    levels: &[Option<&Fields<'a>>; 4],
    fields: &'static FieldKeys,
    texts: &mut Texts<'a>,
) {
    for (name, id) in fields.names().zip(fields.ids()) {
        let Some(KeyId { rank, .. }) = id else { continue };
        let found = levels.iter().flatten().find_map(|f| {
            f.extra.iter().find_map(|(k, v)| {
                (k.role == Role::Field && k.rank == rank)
                    .then_some(v.as_ref())
                    .flatten()
            })
        });
        if let Some(v) = found {
            texts.push((Text::Field(name), v.clone()));
        }
    }
}

/// A value that may be absent (so the next key or level is tried).
trait MaybeAbsent {
    fn is_absent(&self) -> bool;
}

impl MaybeAbsent for IntVal {
    #[inline(always)]
    fn is_absent(&self) -> bool {
        IntVal::is_absent(self)
    }
}

impl MaybeAbsent for CatVal {
    #[inline(always)]
    fn is_absent(&self) -> bool {
        CatVal::is_absent(self)
    }
}

/// Levels of a record: the top level, then the nested levels by place.
type Levels<'f, 'a> = [Option<&'f Fields<'a>>; NESTED_LEVELS + 1];

/// Spec §3 for one part: per key in order of preference (`slots` gives a
/// level's values, by rank), the levels in order; the first non-absent
/// value.
#[inline(always)]
fn pick<'f, 'a, V: MaybeAbsent, const N: usize>(
    levels: &Levels<'f, 'a>,
    slots: impl Fn(&'f Fields<'a>) -> &'f [V; N],
) -> Option<&'f V> {
    (0..N).find_map(|i| present(levels, |f| &slots(f)[i]))
}

/// The first level whose `slot` is not absent.
#[inline(always)]
fn present<'f, 'a, V: MaybeAbsent>(
    levels: &Levels<'f, 'a>,
    slot: impl Fn(&'f Fields<'a>) -> &'f V,
) -> Option<&'f V> {
    levels.iter().flatten().map(|f| slot(f)).find(|v| !v.is_absent())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::keys::key;
    use crate::record::keys::Roles;
    use crate::record::Category;

    fn int(n: i64) -> IntVal {
        IntVal::Int(n)
    }

    /// Nested levels with `props` as the `properties` level.
    fn with_props<'a>(props: Option<&Fields<'a>>) -> Nested<'a> {
        Nested { levels: [props.cloned(), None, None] }
    }

    fn counted<'a>(
        f: &Fields<'a>,
        props: Option<&Fields<'a>>,
    ) -> Option<Triple> {
        match f.outcome(&with_props(props)) {
            Outcome::Counted(t) => Some(t),
            _ => None,
        }
    }

    #[test]
    fn precedence_top_before_properties_per_key() {
        let mut top = Fields::default();
        let mut props = Fields::default();
        // resultCode at top, participantEndReason in properties: the
        // preferred key wins even though it is nested.
        top.set(key("resultcode"), int(200));
        props.set(key("participantendreason"), int(487));
        assert_eq!(counted(&top, Some(&props)).unwrap().code, 487);
        // Same key at both levels: top wins.
        top.set(key("participantendreason"), int(410));
        assert_eq!(counted(&top, Some(&props)).unwrap().code, 410);
    }

    #[test]
    fn bad_value_wins_over_later_keys() {
        let mut top = Fields::default();
        top.set(key("participantendreason"), IntVal::Bad("\"abc\"".into()));
        top.set(key("resultcode"), int(200));
        assert!(matches!(
            top.outcome(&Nested::default()),
            Outcome::Malformed(_)
        ));
        let mut top = Fields::default();
        top.set(key("_subcode"), IntVal::Bad("4.5".into()));
        assert!(matches!(
            top.outcome(&Nested::default()),
            Outcome::Malformed(_)
        ));
    }

    #[test]
    fn payload_subcode_is_last_resort() {
        let mut top = Fields::default();
        top.set(key("resultsignature"), int(500));
        top.set(key("operationpayload"), int(41016));
        assert_eq!(counted(&top, None).unwrap().subcode, Some(41016));
        top.set(key("_subcode"), int(1));
        assert_eq!(counted(&top, None).unwrap().subcode, Some(1));
    }

    #[test]
    fn category_other_blocks_later_keys() {
        let mut top = Fields::default();
        top.set(key("participantendreason"), int(0));
        top.set(key("resultcategory"), CatVal::Other);
        top.set(key("resulttype"), CatVal::Known(Category::Success));
        assert_eq!(counted(&top, None).unwrap().category, None);
    }

    #[test]
    fn kind_is_the_first_kind_key_and_not_of_malformed_records() {
        let mut top = Fields::default();
        top.set(key("operationname"), Some(Cow::from("Op")));
        top.set(key("type"), Some(Cow::from("T")));
        top.set(key("code"), int(1));
        assert_eq!(
            top.clone()
                .record(&Nested::default(), Roles::NONE)
                .kind
                .as_deref(),
            Some("T")
        );
        top.set(key("code"), IntVal::Bad("x".into()));
        assert_eq!(top.record(&Nested::default(), Roles::NONE).kind, None);
    }

    #[test]
    fn kind_falls_back_to_the_operation() {
        let mut top = Fields::default();
        top.set(key("operationname"), Some(Cow::from("CallSummary")));
        top.set(key("code"), int(1));
        let rec = top.clone().record(&Nested::default(), Roles::NONE);
        assert_eq!(rec.kind.as_deref(), Some("CallSummary"));
        assert!(rec.texts.is_empty());
        let rec =
            top.record(&Nested::default(), Roles::NONE.with(Role::Operation));
        assert_eq!(
            rec.texts[..],
            [(Text::Role(Role::Operation), Cow::from("CallSummary"))]
        );
    }

    #[test]
    fn on_demand_values_by_key_then_level() {
        let mut top = Fields::default();
        let mut props = Fields::default();
        top.set(key("code"), int(1));
        // identifier at the top, participantId in properties: the preferred
        // key wins; an absent value is passed over.
        top.set(key("identifier"), Some(Cow::from("8:acs:x")));
        props.set(key("participantid"), Some(Cow::from("p1")));
        top.set(key("endpointid"), None::<Cow<'_, str>>);
        props.set(key("time"), Some(Cow::from("2026-11-20T10:00:00Z")));
        top.set(key("time"), None::<Cow<'_, str>>);
        let rec = top.record(&with_props(Some(&props)), Roles::ALL);
        assert_eq!(rec.text(Role::Participant), Some("p1"), "{:?}", rec.texts);
        assert_eq!(rec.text(Role::Time), Some("2026-11-20T10:00:00Z"));
        assert_eq!(rec.text(Role::EndpointType), None);
    }

    /// Ids borrowed from the input are held apart, decoded ones in the
    /// texts; the record reads (and compares) the same either way. A key
    /// met again at a level replaces its value, even by an absent one.
    #[test]
    fn ids_wherever_held() {
        let read = |call: Cow<'static, str>, part: Cow<'static, str>| {
            let mut top = Fields::default();
            top.set(key("code"), int(1));
            top.set(key("correlationid"), Some(call));
            top.set(key("participantid"), Some(Cow::from("gone")));
            top.set(key("participantid"), None::<Cow<'_, str>>);
            let mut props = Fields::default();
            props.set(key("identifier"), Some(part));
            top.record(&with_props(Some(&props)), Roles::ALL)
        };
        let borrowed = read(Cow::from("c1"), Cow::from("p1"));
        assert_eq!(
            (borrowed.call, borrowed.participant),
            (Some("c1"), Some("p1"))
        );
        assert!(borrowed.texts.is_empty(), "{:?}", borrowed.texts);
        let owned = read(Cow::Owned("c1".into()), Cow::Owned("p1".into()));
        assert_eq!((owned.call, owned.participant), (None, None));
        assert_eq!(owned.text(Role::Correlation), Some("c1"));
        assert_eq!(owned.text(Role::Participant), Some("p1"));
        assert_eq!(owned, borrowed);
        assert_ne!(read(Cow::from("c1"), Cow::from("p2")), borrowed);
    }

    #[test]
    fn levels_in_order_per_key() {
        let level = |code: Option<i64>, sub: Option<i64>| {
            let mut f = Fields::default();
            if let Some(c) = code {
                f.set(key("code"), int(c));
            }
            if let Some(s) = sub {
                f.set(key("_subcode"), int(s));
            }
            Some(f)
        };
        let top = Fields::default();
        // data before error; a preferred key deeper still wins.
        let mut nested = Nested {
            levels: [None, level(Some(200), None), level(Some(0), Some(5317))],
        };
        let t = match top.outcome(&nested) {
            Outcome::Counted(t) => t,
            o => panic!("{o:?}"),
        };
        assert_eq!((t.code, t.subcode), (200, Some(5317)));
        nested.levels[0] = level(Some(487), None);
        assert!(
            matches!(top.outcome(&nested), Outcome::Counted(t) if t.code == 487)
        );
        let mut err = Fields::default();
        err.set(key("participantendreason"), int(603));
        nested.levels[2] = Some(err);
        assert!(
            matches!(top.outcome(&nested), Outcome::Counted(t) if t.code == 603)
        );
    }

    #[test]
    fn result_information_is_the_last_resort() {
        let mut top = Fields::default();
        let mut data = Fields::default();
        data.set_result_information(int(200), int(5002));
        let nested = Nested { levels: [None, Some(data.clone()), None] };
        let t = counted_in(&top, &nested);
        assert_eq!((t.code, t.subcode), (200, Some(5002)));
        // A code key anywhere beats resultInformation; its subcode is
        // still used when nothing else gives one.
        top.set(key("resultsignature"), int(202));
        let t = counted_in(&top, &nested);
        assert_eq!((t.code, t.subcode), (202, Some(5002)));
        // The payload's SubCode beats resultInformation's.
        top.set(key("operationpayload"), int(7));
        assert_eq!(counted_in(&top, &nested).subcode, Some(7));
        // Levels in order: the top level's resultInformation first.
        let mut top = Fields::default();
        top.set_result_information(int(500), IntVal::Absent);
        let t = counted_in(&top, &nested);
        assert_eq!((t.code, t.subcode), (500, Some(5002)));
        // A bad resultInformation code is malformed only when reached.
        let mut top = Fields::default();
        top.set_result_information(IntVal::Bad("\"x\"".into()), int(1));
        assert!(matches!(top.outcome(&nested), Outcome::Malformed(_)));
        top.set(key("code"), int(3));
        assert_eq!(counted_in(&top, &nested).code, 3);
    }

    fn counted_in<'a>(f: &Fields<'a>, nested: &Nested<'a>) -> Triple {
        match f.outcome(nested) {
            Outcome::Counted(t) => t,
            o => panic!("{o:?}"),
        }
    }
}
