//! What a run decides once and applies to every record it counts (spec §7):
//! the dimensions of `--by`, the time window of `--since`/`--until`, the
//! filters of `--where`, and the bound on groups. The readers never see
//! it: they read the values it asks for ([`Plan::wanted`]) and hand records
//! to the [`super::Counter`], which applies it.

use std::fmt;

use crate::record::dims::Dim;
use crate::record::field_keys::MAX_FIELDS;
use crate::record::time::{self, Timestamp};
use crate::record::{FieldKeys, Record, Role, Roles};

/// The default `--max-groups`.
pub const DEFAULT_MAX_GROUPS: usize = 1_000_000;

/// A run's plan. The default counts every record, grouped by nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// `--by`: the dimensions rows are grouped by, in column order.
    pub by: Vec<Dim>,
    /// `--since`: records at or after this time are kept.
    pub since: Option<Timestamp>,
    /// `--until`: records before this time are kept.
    pub until: Option<Timestamp>,
    /// `--where`: every filter must hold.
    pub filters: Vec<Filter>,
    /// `--max-groups`: the most distinct dimension tuples a run may hold.
    pub max_groups: usize,
    /// The precision (lgK) of the distinct counts of calls and
    /// participants; `None` (`--no-distinct`) counts neither.
    pub distinct: Option<u8>,
}

impl Default for Plan {
    fn default() -> Plan {
        Plan {
            by: Vec::new(),
            since: None,
            until: None,
            filters: Vec::new(),
            max_groups: DEFAULT_MAX_GROUPS,
            distinct: None,
        }
    }
}

/// One `--where DIM=V[,V…]` or `--where DIM!=V[,V…]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    /// The dimension compared.
    pub dim: Dim,
    /// The values (normalised as the dimension shows them).
    pub values: Vec<String>,
    /// `!=`: the record's value must be none of them.
    pub negate: bool,
}

impl Filter {
    /// Parse `DIM=V[,V…]` or `DIM!=V[,V…]`.
    pub fn parse(text: &str) -> Result<Filter, String> {
        let (dim, values, negate) = match text.split_once("!=") {
            Some((d, v)) => (d, v, true),
            None => match text.split_once('=') {
                Some((d, v)) => (d, v, false),
                None => {
                    return Err(format!(
                        "--where {text:?}: expected DIM=V[,V…] or DIM!=V[,V…]"
                    ))
                }
            },
        };
        let dim =
            Dim::parse(dim).map_err(|e| format!("--where {text:?}: {e}"))?;
        let values: Vec<String> =
            values.split(',').map(|v| v.trim().to_owned()).collect();
        if values.iter().all(String::is_empty) {
            return Err(format!("--where {text:?}: no value"));
        }
        Ok(Filter { dim, values, negate })
    }

    /// Whether a record whose value for the dimension is `value` passes.
    pub fn keeps(&self, value: &str) -> bool {
        self.values.iter().any(|v| v == value) != self.negate
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = if self.negate { "!=" } else { "=" };
        write!(f, "{}{op}{}", self.dim, self.values.join(","))
    }
}

impl Plan {
    /// A plan from the command line's words: `--by` lists (comma-separated
    /// or repeated), `--since`/`--until` bounds (relative to `now`),
    /// `--where` filters and `--max-groups`.
    #[allow(clippy::too_many_arguments)]
    pub fn from_args(
        by: &[String],
        since: Option<&str>,
        until: Option<&str>,
        filters: &[String],
        max_groups: usize,
        distinct: Option<u8>,
        now: Timestamp,
    ) -> Result<Plan, String> {
        if let Some(lg) = distinct {
            if !super::distinct::LG_K_RANGE.contains(&lg) {
                return Err(format!(
                    "--distinct-precision {lg}: give 4 to 21"
                ));
            }
        }
        let mut dims: Vec<Dim> = Vec::new();
        for list in by {
            for d in Dim::parse_list(list).map_err(|e| format!("--by: {e}"))? {
                if dims.contains(&d) {
                    return Err(format!("--by: dimension {d} given twice"));
                }
                dims.push(d);
            }
        }
        let filters = filters
            .iter()
            .map(|f| Filter::parse(f))
            .collect::<Result<Vec<_>, _>>()?;
        check_fields(&dims, &filters)?;
        let bound = |flag: &str, v: Option<&str>| {
            v.map(|v| {
                time::parse_bound(v, now).map_err(|e| format!("{flag}: {e}"))
            })
            .transpose()
        };
        let since = bound("--since", since)?;
        let until = bound("--until", until)?;
        if let (Some(s), Some(u)) = (since, until) {
            if s >= u {
                return Err(format!("--since {s} is not before --until {u}"));
            }
        }
        if max_groups == 0 {
            return Err("--max-groups must be at least 1".into());
        }
        Ok(Plan { by: dims, since, until, filters, max_groups, distinct })
    }

    /// The names of the plan's `field:` dimensions (`--by`, then
    /// `--where`), as given.
    pub fn field_names(&self) -> impl Iterator<Item = &str> {
        self.by.iter().chain(self.filters.iter().map(|f| &f.dim)).filter_map(
            |d| match d {
                Dim::Field(name) => Some(name.as_str()),
                _ => None,
            },
        )
    }

    /// The on-demand values the readers must read for this plan, and the
    /// keys of its `field:` dimensions.
    pub fn wanted(&self) -> Roles {
        // Versioned records (spec §3) are always looked for; the ids that
        // key them are read when one is found (`Counter::reading_ids`).
        let mut roles = Roles::DEFAULT;
        if self.distinct.is_some() {
            roles = roles.with(Role::Correlation).with(Role::Participant);
        }
        if self.since.is_some() || self.until.is_some() {
            roles = roles.with(Role::Time);
        }
        for dim in self.by.iter().chain(self.filters.iter().map(|f| &f.dim)) {
            roles = match dim {
                Dim::Kind | Dim::Field(_) => roles,
                Dim::Operation => roles.with(Role::Operation),
                Dim::EndpointType => roles.with(Role::EndpointType),
                Dim::CallType => roles.with(Role::CallType),
                Dim::SdkVersion => roles.with(Role::SdkVersion),
                Dim::Os => roles.with(Role::OsVersion),
                Dim::Resource => roles.with(Role::Resource),
                Dim::Hour | Dim::Day => roles.with(Role::Time),
            };
        }
        if self.field_names().next().is_some() {
            roles = roles.with_fields(FieldKeys::intern(self.field_names()));
        }
        roles
    }

    /// Whether the plan only counts (no window, filter, dimension or
    /// distinct count): the counter's fast path.
    pub fn is_plain(&self) -> bool {
        self.distinct.is_none() && self.counts_only()
    }

    /// Whether the plan has no window, filter or dimension: every record
    /// with a code is counted under its code alone.
    pub fn counts_only(&self) -> bool {
        self.by.is_empty()
            && self.filters.is_empty()
            && self.since.is_none()
            && self.until.is_none()
    }

    /// Whether a record whose time is `time` (`record_time`) is outside
    /// the window (a record without a parseable time is, when there is a
    /// window).
    pub fn outside_window(&self, time: Option<Timestamp>) -> bool {
        if self.since.is_none() && self.until.is_none() {
            return false;
        }
        match time {
            None => true,
            Some(t) => {
                self.since.is_some_and(|s| t < s)
                    || self.until.is_some_and(|u| t >= u)
            }
        }
    }

    /// Whether a filter drops the record.
    pub fn filtered_out(&self, rec: &Record<'_>) -> bool {
        self.filters.iter().any(|f| !f.keeps(&dim_value(&f.dim, rec)))
    }
}

/// A record's time, if it has a parseable one (read only when the plan
/// asks for times), read by `parser`.
pub fn record_time(
    rec: &Record<'_>,
    parser: &mut time::Parser,
) -> Option<Timestamp> {
    rec.text(Role::Time).and_then(|t| parser.parse(t))
}

/// The value of a dimension for a record, as reports show it.
pub fn dim_value<'r>(
    dim: &Dim,
    rec: &'r Record<'_>,
) -> std::borrow::Cow<'r, str> {
    dim.value(dim_raw(dim, rec))
}

/// The raw value of a dimension for a record, as read (see
/// [`Dim::value`]).
#[inline]
pub fn dim_raw<'r>(dim: &Dim, rec: &'r Record<'_>) -> Option<&'r str> {
    match dim {
        Dim::Kind => rec.kind.as_deref(),
        Dim::Operation => rec.text(Role::Operation),
        Dim::EndpointType => rec.text(Role::EndpointType),
        Dim::CallType => rec.text(Role::CallType),
        Dim::SdkVersion => rec.text(Role::SdkVersion),
        Dim::Os => rec.text(Role::OsVersion),
        Dim::Resource => rec.text(Role::Resource),
        Dim::Hour | Dim::Day => rec.text(Role::Time),
        Dim::Field(name) => rec.field(name),
    }
}

/// The `field:` dimensions of `--by` and `--where` can be read: no key
/// named twice in two casings (one key, one column), none a level or an
/// envelope, at most [`MAX_FIELDS`] keys.
fn check_fields(by: &[Dim], filters: &[Filter]) -> Result<(), String> {
    let mut by_names: Vec<&str> = Vec::new();
    for d in by {
        if let Dim::Field(name) = d {
            if let Some(other) =
                by_names.iter().find(|n| n.eq_ignore_ascii_case(name))
            {
                return Err(format!(
                    "--by: field:{other} and field:{name} name the same key \
                     (keys are matched in any casing); give it once"
                ));
            }
            by_names.push(name);
        }
    }
    let mut keys: Vec<String> = Vec::new();
    for d in by.iter().chain(filters.iter().map(|f| &f.dim)) {
        if let Dim::Field(name) = d {
            if let Some(why) = FieldKeys::refused(name) {
                return Err(why);
            }
            let folded = name.to_ascii_lowercase();
            if !keys.contains(&folded) {
                keys.push(folded);
            }
        }
    }
    if keys.len() > MAX_FIELDS {
        return Err(format!(
            "{} field: keys given; at most {MAX_FIELDS} can be read in one run",
            keys.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Text;
    use std::borrow::Cow;

    fn rec(texts: &[(Role, &'static str)]) -> Record<'static> {
        let mut r = Record::without_code();
        r.texts = texts
            .iter()
            .map(|&(role, v)| (Text::Role(role), Cow::Borrowed(v)))
            .collect();
        r
    }

    #[test]
    fn filters_parse_and_keep() {
        let f = Filter::parse("endpoint_type=PSTN,VoIP").unwrap();
        assert_eq!(f.to_string(), "endpoint_type=PSTN,VoIP");
        assert!(f.keeps("PSTN") && f.keeps("VoIP") && !f.keeps("Bot"));
        let f = Filter::parse("os!=Others").unwrap();
        assert!(f.negate && !f.keeps("Others") && f.keeps("Windows"));
        assert!(Filter::parse("os").is_err());
        assert!(Filter::parse("planet=Mars")
            .unwrap_err()
            .contains("unknown dimension"));
        assert!(Filter::parse("os=").is_err());
    }

    #[test]
    fn plans_from_words() {
        let now = time::parse("2026-11-20T12:00:00Z").unwrap();
        let p = Plan::from_args(
            &["hour,endpoint_type".into(), "os".into()],
            Some("1h"),
            None,
            &["call_type=Group".into()],
            10,
            None,
            now,
        )
        .unwrap();
        assert_eq!(p.by, [Dim::Hour, Dim::EndpointType, Dim::Os]);
        assert_eq!(p.since, time::parse("2026-11-20T11:00:00Z"));
        assert_eq!(p.filters.len(), 1);
        let err = |by: &[&str], since, until| {
            let by: Vec<String> = by.iter().map(|s| s.to_string()).collect();
            Plan::from_args(&by, since, until, &[], 10, None, now).unwrap_err()
        };
        assert!(err(&["hour", "hour"], None, None).contains("twice"));
        assert!(err(&["field:X,field:x"], None, None).contains("same key"));
        assert!(err(&["field:Properties"], None, None).contains("not a value"));
        let many: Vec<String> =
            (0..=MAX_FIELDS).map(|i| format!("field:k{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(err(&many, None, None).contains("at most"));
        let p = Plan::from_args(
            &["field:Region,kind".into()],
            None,
            None,
            &["field:REGION=eu".into(), "field:tier!=free".into()],
            10,
            None,
            now,
        )
        .unwrap();
        let fields = p.wanted().1.expect("field keys");
        assert_eq!(fields.names().collect::<Vec<_>>(), ["region", "tier"]);
        assert_eq!(Plan::default().wanted().1, None);
        assert!(err(&[], Some("2h"), Some("3h")).contains("not before"));
        assert!(err(&[], Some("soon"), None).starts_with("--since"));
    }

    #[test]
    fn window_and_filters_apply_to_records() {
        let t = |s| time::parse(s);
        let plan = Plan {
            since: t("2026-11-20T10:00:00Z"),
            until: t("2026-11-20T11:00:00Z"),
            filters: vec![Filter::parse("endpoint_type=PSTN").unwrap()],
            ..Plan::default()
        };
        assert_eq!(
            plan.wanted(),
            Roles::NONE
                .with(Role::Version)
                .with(Role::Time)
                .with(Role::EndpointType)
        );
        let inside = rec(&[
            (Role::Time, "2026-11-20T10:59:59.999Z"),
            (Role::EndpointType, "pstn"),
        ]);
        assert!(
            !plan
                .outside_window(record_time(&inside, &mut Default::default()))
                && !plan.filtered_out(&inside)
        );
        let at_until = rec(&[(Role::Time, "2026-11-20T11:00:00Z")]);
        assert!(plan
            .outside_window(record_time(&at_until, &mut Default::default())));
        let at_since = rec(&[(Role::Time, "2026-11-20T12:00:00+02:00")]);
        assert!(!plan
            .outside_window(record_time(&at_since, &mut Default::default())));
        assert!(plan
            .outside_window(record_time(&rec(&[]), &mut Default::default())));
        assert!(plan.filtered_out(&rec(&[(Role::EndpointType, "VoIP")])));
        assert!(plan.filtered_out(&rec(&[])), "(none) is not PSTN");
        assert!(Plan::default().is_plain() && !plan.is_plain());
    }
}
