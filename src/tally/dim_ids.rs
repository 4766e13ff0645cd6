//! What a [`super::Counter`] keeps to turn a record's dimension values
//! into the tuple id of its tally's [`Groups`] cheaply: per dimension, the
//! value id of each raw value seen (so a value is normalised and interned
//! once, not once per record), and of each time bucket.
//!
//! Ids are those of one tally's groups: [`DimIds::clear`] forgets them
//! when the tally is replaced.

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use super::plan;
use super::Groups;
use crate::record::dims::Dim;
use crate::record::time::Timestamp;
use crate::record::Record;

/// The most raw values (or buckets) kept per dimension: a dimension of
/// many distinct values (a resource per record) must not make every
/// counter hold them all again; past it, values are normalised and
/// interned record by record, as without the cache.
const MAX_KEPT: usize = 4096;

/// A raw value of at most 16 bytes, as its length and two words that
/// hold every byte (overlapping when it is shorter): equal keys are
/// equal values. Found by a few integer operations, where a text key
/// took a hash over its bytes and a call to compare them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Short(u64, u64, u8);

impl Short {
    #[inline]
    fn of(raw: &str) -> Option<Short> {
        let b = raw.as_bytes();
        let n = b.len();
        let u64_at = |i: usize| {
            u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"))
        };
        let u32_at = |i: usize| {
            u64::from(u32::from_le_bytes(
                b[i..i + 4].try_into().expect("4 bytes"),
            ))
        };
        let (lo, hi) = match n {
            8..=16 => (u64_at(0), u64_at(n - 8)),
            4..=7 => (u32_at(0), u32_at(n - 4)),
            1..=3 => {
                let at = |i: usize| u64::from(b[i]);
                (at(0) | at(n / 2) << 8 | at(n - 1) << 16, 0)
            }
            0 => (0, 0),
            _ => return None,
        };
        Some(Short(lo, hi, n as u8))
    }
}

/// The value ids of one dimension, by raw value.
#[derive(Debug, Default)]
struct Kept {
    /// By raw text (trimmed, as read): those of at most 16 bytes, and
    /// the longer.
    shorts: FxHashMap<Short, u32>,
    raws: FxHashMap<Box<str>, u32>,
    /// The id of the value of records that have none.
    none: Option<u32>,
    /// Time buckets: the last bucket's start and id, then all by start.
    last: Option<(i64, u32)>,
    buckets: FxHashMap<i64, u32>,
}

/// Per dimension of a plan, the value ids seen (see the module
/// documentation).
#[derive(Debug, Default)]
pub struct DimIds {
    kept: Vec<Kept>,
}

impl DimIds {
    /// Forget every id: the groups they index were replaced.
    pub fn clear(&mut self) {
        self.kept.clear();
    }

    /// The tuple id in `groups` of a record's values of the dimensions
    /// `by`, its time being `time` (as the plan parsed it); `None` when
    /// the tuple is new and the bound is reached. The same id as
    /// [`Groups::id`] of the values [`plan::dim_value`] gives.
    #[inline]
    pub fn group(
        &mut self,
        by: &[Dim],
        rec: &Record<'_>,
        time: Option<Timestamp>,
        groups: &mut Groups,
    ) -> Option<u32> {
        if self.kept.len() < by.len() {
            self.kept.resize_with(by.len(), Kept::default);
        }
        let mut ids: SmallVec<[u32; 8]> = SmallVec::new();
        for (i, (dim, kept)) in by.iter().zip(&mut self.kept).enumerate() {
            let id = match dim {
                Dim::Hour | Dim::Day => kept.bucket(i, dim, time, groups),
                _ => kept.raw(i, dim, plan::dim_raw(dim, rec), groups),
            };
            ids.push(id);
        }
        groups.tuple_id(&ids)
    }
}

impl Kept {
    /// The value id of records without a value (or time) for dimension
    /// `i`, `dim` ([`Dim::value`] of none).
    #[inline]
    fn none(&mut self, i: usize, dim: &Dim, groups: &mut Groups) -> u32 {
        *self.none.get_or_insert_with(|| groups.value_id(i, &dim.value(None)))
    }

    /// The value id of time bucket of `time` (dimension `i`, `dim`).
    #[inline]
    fn bucket(
        &mut self,
        i: usize,
        dim: &Dim,
        time: Option<Timestamp>,
        groups: &mut Groups,
    ) -> u32 {
        let Some(t) = time else {
            return self.none(i, dim, groups);
        };
        let start = match dim {
            Dim::Hour => t.hour().secs,
            _ => t.day().secs,
        };
        if let Some((s, id)) = self.last {
            if s == start {
                return id;
            }
        }
        let id = match self.buckets.get(&start) {
            Some(&id) => id,
            None => {
                let id = groups.value_id(i, &dim.bucket(Some(t)));
                if self.buckets.len() < MAX_KEPT {
                    self.buckets.insert(start, id);
                }
                id
            }
        };
        self.last = Some((start, id));
        id
    }

    /// The value id of raw value `raw` (dimension `i`, `dim`).
    #[inline]
    fn raw(
        &mut self,
        i: usize,
        dim: &Dim,
        raw: Option<&str>,
        groups: &mut Groups,
    ) -> u32 {
        let Some(raw) = raw else {
            return self.none(i, dim, groups);
        };
        let short = Short::of(raw);
        let kept = match short {
            Some(k) => self.shorts.get(&k),
            None => self.raws.get(raw),
        };
        if let Some(&id) = kept {
            return id;
        }
        let id = groups.value_id(i, &dim.value(Some(raw)));
        if self.shorts.len() + self.raws.len() < MAX_KEPT {
            match short {
                Some(k) => self.shorts.insert(k, id),
                None => self.raws.insert(raw.into(), id),
            };
        }
        id
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::record::{Outcome, Role, Text};

    fn record<'a>(values: &[(Role, Option<&'a str>)]) -> Record<'a> {
        let mut rec = Record::without_code();
        rec.outcome = Outcome::WithoutCode;
        rec.kind = Some(Cow::Borrowed("CallSummary"));
        for &(role, v) in values {
            if let Some(v) = v {
                rec.texts.push((Text::Role(role), Cow::Borrowed(v)));
            }
        }
        rec
    }

    /// Short keys are equal exactly when the values are, at every
    /// length up to 16 bytes.
    #[test]
    fn short_keys_tell_values_apart() {
        let mut texts: Vec<String> = vec![String::new()];
        for n in 1..=17usize {
            for fill in ["a", "b", "é"] {
                let base: String = fill.repeat(n).chars().take(n).collect();
                texts.push(base.clone());
                // One byte changed at each place.
                for i in 0..base.len() {
                    let mut b = base.clone().into_bytes();
                    b[i] = b'z';
                    if let Ok(t) = String::from_utf8(b) {
                        texts.push(t);
                    }
                }
            }
        }
        texts.push("VoIP".into());
        texts.push("1.25.1.1_beta".into());
        for a in &texts {
            for b in &texts {
                match (Short::of(a), Short::of(b)) {
                    (Some(x), Some(y)) => {
                        assert_eq!(x == y, a == b, "{a:?} {b:?}")
                    }
                    (x, y) => {
                        assert_eq!(x.is_none(), a.len() > 16);
                        assert_eq!(y.is_none(), b.len() > 16);
                    }
                }
            }
        }
    }

    /// The tuple ids of records' values through the kept ids are those of
    /// interning the values [`plan::dim_value`] gives: across raw values
    /// that normalise alike, missing and unparseable values, more raw
    /// values than are kept, and after the groups are replaced.
    #[test]
    fn same_ids_as_interning_the_values() {
        let by = [Dim::Hour, Dim::EndpointType, Dim::SdkVersion, Dim::Day];
        let times = [
            Some("2026-11-20T10:05:00Z"),
            Some("2026-11-20T10:59:59.9Z"),
            Some("2026-11-21T01:30:00+02:00"),
            Some("yesterday"),
            None,
        ];
        let endpoints = [Some("VoIP"), Some("VOIP"), Some("pstn"), None];
        let sdks = [Some("1.2_beta"), Some("1.2"), Some("1.3.0"), None];
        let mut kept = DimIds::default();
        let mut ours = Groups::default();
        let mut want = Groups::default();
        let mut n = 0;
        for round in 0..3 {
            if round == 2 {
                // The tally was replaced (a restart): fresh groups.
                kept.clear();
                ours = Groups::default();
                want = Groups::default();
            }
            for (i, t) in times.iter().enumerate() {
                for (j, e) in endpoints.iter().enumerate() {
                    for s in sdks.iter().skip((i + j + round) % 2) {
                        let rec = record(&[
                            (Role::Time, *t),
                            (Role::EndpointType, *e),
                            (Role::SdkVersion, *s),
                        ]);
                        let time = t.and_then(crate::record::time::parse);
                        let got = kept.group(&by, &rec, time, &mut ours);
                        let values: Vec<Cow<'_, str>> = by
                            .iter()
                            .map(|d| plan::dim_value(d, &rec))
                            .collect();
                        assert_eq!(got, want.id(&values), "{values:?}");
                        n += 1;
                    }
                }
            }
        }
        assert!(n > 100);
        assert_eq!(ours, want);
        // More distinct raw values than are kept.
        let by = [Dim::Resource];
        let raws: Vec<String> = (0..MAX_KEPT + 500)
            .map(|i| format!("/SUBSCRIPTIONS/X/ACS-{}", i % (MAX_KEPT + 300)))
            .collect();
        let (mut ours, mut want) = (Groups::default(), Groups::default());
        let mut kept = DimIds::default();
        for raw in &raws {
            let rec = record(&[(Role::Resource, Some(raw.as_str()))]);
            let values = [plan::dim_value(&Dim::Resource, &rec)];
            assert_eq!(
                kept.group(&by, &rec, None, &mut ours),
                want.id(&values)
            );
        }
        assert_eq!(ours, want);
        assert_eq!(ours.len(), MAX_KEPT + 300);
    }
}
