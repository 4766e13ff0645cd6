//! The dimensions of spec §7 (`--by`, `--where`): their names, and how a
//! raw value read from a record becomes the value a report row shows.
//!
//! The normalisations follow the Azure Monitor ACS insights workbooks, so
//! the numbers line up with the portal's: the OS family is the workbooks'
//! `case(OsVersion in ("Mac OS X", "iOS", "Linux", "Chrome OS"), OsVersion,
//! OsVersion contains "Windows", "Windows", OsVersion contains "Android",
//! "Android", "Others")` (`contains` ignores case in KQL, `in` does not),
//! and the SDK version drops everything from the first `_`, as their
//! `replace_regex(SdkVersion, @'_.*$', '')` does.

use std::borrow::Cow;
use std::fmt;

use super::time::Timestamp;

/// The value shown when a record has none for a dimension.
pub const NONE: &str = "(none)";

/// The time bucket of a record without a parseable time.
pub const UNKNOWN_TIME: &str = "unknown";

/// One dimension of `--by` / `--where`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Dim {
    /// The log kind: `category`, `Type`, `operationName` (top level).
    Kind,
    /// `operationName`.
    Operation,
    /// `endpointType`, in the case of the docs (`VOIP` → `VoIP`).
    EndpointType,
    /// `callType` (`P2P`, `Group`).
    CallType,
    /// `sdkVersion` without a `_suffix`.
    SdkVersion,
    /// The OS family of `osVersion`.
    Os,
    /// The last path segment of `resourceId`, lower case.
    Resource,
    /// The UTC hour of the record's time.
    Hour,
    /// The UTC day of the record's time.
    Day,
    /// Any key, as written (trimmed).
    Field(String),
}

/// The named dimensions, as `--by` spells them.
pub const NAMES: [(&str, Dim); 9] = [
    ("kind", Dim::Kind),
    ("operation", Dim::Operation),
    ("endpoint_type", Dim::EndpointType),
    ("call_type", Dim::CallType),
    ("sdk_version", Dim::SdkVersion),
    ("os", Dim::Os),
    ("resource", Dim::Resource),
    ("hour", Dim::Hour),
    ("day", Dim::Day),
];

impl Dim {
    /// Parse a dimension name (`hour`, `endpoint_type`, `field:NAME`).
    pub fn parse(name: &str) -> Result<Dim, String> {
        let n = name.trim();
        if let Some(field) = n.strip_prefix("field:") {
            let field = field.trim();
            if field.is_empty() {
                return Err("field: needs a key name (field:NAME)".into());
            }
            return Ok(Dim::Field(field.to_owned()));
        }
        NAMES
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, d)| d.clone())
            .ok_or_else(|| {
                let known: Vec<&str> = NAMES.iter().map(|(k, _)| *k).collect();
                format!(
                    "unknown dimension {n:?}; known: {}, field:NAME",
                    known.join(", ")
                )
            })
    }

    /// Parse a comma-separated list (`hour,endpoint_type`); a dimension
    /// named twice is an error.
    pub fn parse_list(list: &str) -> Result<Vec<Dim>, String> {
        let mut dims: Vec<Dim> = Vec::new();
        for name in list.split(',').filter(|s| !s.trim().is_empty()) {
            let d = Dim::parse(name)?;
            if dims.contains(&d) {
                return Err(format!("dimension {d} given twice"));
            }
            dims.push(d);
        }
        Ok(dims)
    }

    /// Whether the dimension is a time bucket.
    pub fn is_time(&self) -> bool {
        matches!(self, Dim::Hour | Dim::Day)
    }

    /// The value a report shows for a raw value read from a record
    /// (already trimmed and not absent); `None` becomes [`NONE`] (for the
    /// time buckets: [`UNKNOWN_TIME`]).
    pub fn value<'v>(&self, raw: Option<&'v str>) -> Cow<'v, str> {
        let Some(raw) = raw else {
            return Cow::Borrowed(if self.is_time() {
                UNKNOWN_TIME
            } else {
                NONE
            });
        };
        match self {
            Dim::Kind | Dim::Operation | Dim::CallType | Dim::Field(_) => {
                Cow::Borrowed(raw)
            }
            Dim::EndpointType => Cow::Borrowed(endpoint_type(raw)),
            Dim::SdkVersion => Cow::Borrowed(sdk_version(raw)),
            Dim::Os => Cow::Borrowed(os_family(raw)),
            Dim::Resource => resource(raw),
            Dim::Hour | Dim::Day => {
                Cow::Owned(self.bucket(super::time::parse(raw)))
            }
        }
    }

    /// The bucket of a time (hour or day dimensions), or [`UNKNOWN_TIME`].
    pub fn bucket(&self, time: Option<Timestamp>) -> String {
        match (self, time) {
            (Dim::Hour, Some(t)) => t.hour_bucket(),
            (Dim::Day, Some(t)) => t.day_bucket(),
            _ => UNKNOWN_TIME.to_owned(),
        }
    }
}

impl fmt::Display for Dim {
    /// The name, as `--by` takes it and as the report's column is called.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dim::Field(name) => write!(f, "field:{name}"),
            d => {
                let name = NAMES.iter().find(|(_, n)| n == d).map(|(k, _)| *k);
                f.write_str(name.unwrap_or("?"))
            }
        }
    }
}

/// `endpointType` in the case the docs use; unknown values as written.
pub fn endpoint_type(raw: &str) -> &str {
    const KNOWN: [&str; 6] =
        ["VoIP", "PSTN", "Bot", "Server", "Teams", "Unknown"];
    // Most logs write the docs' case: one comparison of the length and
    // the bytes, not six case-blind ones.
    if let "VoIP" | "PSTN" | "Bot" | "Server" | "Teams" | "Unknown" = raw {
        return raw;
    }
    KNOWN.iter().find(|k| k.eq_ignore_ascii_case(raw)).copied().unwrap_or(raw)
}

/// `sdkVersion` up to its first `_` (`1.25.1.1_beta` → `1.25.1.1`).
pub fn sdk_version(raw: &str) -> &str {
    // (`_` is ASCII: the cut is at a character boundary.)
    match raw.bytes().position(|b| b == b'_') {
        Some(at) => &raw[..at],
        None => raw,
    }
}

/// The workbooks' OS family of an `osVersion`.
pub fn os_family(raw: &str) -> &'static str {
    const AS_IS: [&str; 4] = ["Mac OS X", "iOS", "Linux", "Chrome OS"];
    if let Some(k) = AS_IS.iter().find(|k| **k == raw) {
        return k;
    }
    if contains_ignore_case(raw, "windows") {
        "Windows"
    } else if contains_ignore_case(raw, "android") {
        "Android"
    } else {
        "Others"
    }
}

fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    hay.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The last path segment of a `resourceId`, lower case.
pub fn resource(raw: &str) -> Cow<'_, str> {
    let last = raw.trim_end_matches('/').rsplit('/').next().unwrap_or(raw);
    if last.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(last.to_ascii_lowercase())
    } else {
        Cow::Borrowed(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_print() {
        let dims = Dim::parse_list(
            "hour, endpoint_type,SDK_VERSION,field:ParticipantType",
        )
        .unwrap();
        assert_eq!(
            dims,
            [
                Dim::Hour,
                Dim::EndpointType,
                Dim::SdkVersion,
                Dim::Field("ParticipantType".into())
            ]
        );
        let shown: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            shown,
            ["hour", "endpoint_type", "sdk_version", "field:ParticipantType"]
        );
        for (name, d) in NAMES {
            assert_eq!(Dim::parse(name), Ok(d.clone()));
            assert_eq!(d.to_string(), name);
        }
        assert!(Dim::parse("endpoint")
            .unwrap_err()
            .contains("known: kind, operation"));
        assert!(Dim::parse("field:").is_err());
        assert!(Dim::parse_list("hour,hour").unwrap_err().contains("twice"));
    }

    #[test]
    fn values_normalise() {
        let v = |d: Dim, raw: Option<&str>| d.value(raw).into_owned();
        assert_eq!(v(Dim::EndpointType, Some("VOIP")), "VoIP");
        assert_eq!(v(Dim::EndpointType, Some("BOT")), "Bot");
        assert_eq!(v(Dim::EndpointType, Some("pstn")), "PSTN");
        assert_eq!(v(Dim::EndpointType, Some("Spaceship")), "Spaceship");
        assert_eq!(v(Dim::SdkVersion, Some("1.25.1.1_beta")), "1.25.1.1");
        assert_eq!(v(Dim::SdkVersion, Some("1.19.2.2_beta_x")), "1.19.2.2");
        assert_eq!(v(Dim::SdkVersion, Some("1.25.1.1")), "1.25.1.1");
        assert_eq!(
            v(Dim::Os, Some("Windows 10.0.19045 Arch: x64")),
            "Windows"
        );
        assert_eq!(v(Dim::Os, Some("windows")), "Windows");
        assert_eq!(v(Dim::Os, Some("Android 13; SM-G991B")), "Android");
        assert_eq!(v(Dim::Os, Some("Mac OS X")), "Mac OS X");
        assert_eq!(v(Dim::Os, Some("mac os x")), "Others");
        assert_eq!(v(Dim::Os, Some("iOS")), "iOS");
        assert_eq!(v(Dim::Os, Some("Chrome OS")), "Chrome OS");
        assert_eq!(v(Dim::Os, Some("Darwin 22.1.0: x")), "Others");
        assert_eq!(
            v(Dim::Resource, Some("/SUBSCRIPTIONS/X/RESOURCEGROUPS/RG1/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS-PROD")),
            "acs-prod"
        );
        assert_eq!(v(Dim::Resource, Some("acs1/")), "acs1");
        assert_eq!(v(Dim::Kind, None), NONE);
        assert_eq!(
            v(Dim::Hour, Some("2026-11-21T01:30:00+02:00")),
            "2026-11-20T23:00:00Z"
        );
        assert_eq!(
            v(Dim::Day, Some("5/25/2023, 5:43:25.746 PM")),
            "2023-05-25"
        );
        assert_eq!(v(Dim::Hour, Some("yesterday")), UNKNOWN_TIME);
        assert_eq!(v(Dim::Hour, None), UNKNOWN_TIME);
    }
}
