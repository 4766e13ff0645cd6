//! Seeded generator of large, realistic Azure Communication Services (ACS)
//! call logs, for benchmarking and soak-testing `calltally`.
//!
//! ```text
//! cargo run --release --example gen_logs -- <kind> <out_path>
//!     [--size BYTES | --files N --file-size BYTES [--late-hours H]]
//!     [--seed N] [--compress gz|zst]
//! ```
//!
//! Kinds:
//!
//! * `jsonl`: one JSON Lines file at `<out_path>` of about `--size` bytes
//!   (default 64M). Generation stops at the first record boundary at or
//!   past the target.
//! * `tree`: a storage-export tree under `<out_path>` (see `formats.md`
//!   §4a), `--files` hourly blobs (default 10000) of about `--file-size`
//!   bytes each (default 100K, varied by ±25% per file):
//!   `insights-logs-callsummary/resourceId=/SUBSCRIPTIONS/<guid>/
//!   RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/
//!   COMMUNICATIONSERVICES/ACS<k>/y=2024/m=MM/d=DD/h=HH/m=00/PT1H.json`.
//!   Hours advance through 2024; past the 8784 hours of 2024 the next
//!   resource (`ACS2`, `ACS3`, ...) starts again at January 1st. Records
//!   carry a time in their blob's hour, except ~1% that arrive late: their
//!   time is up to `--late-hours` hours (default 1, at most 48, the age
//!   Azure Monitor accepts) before it. `--files 720` is 30 days of blobs
//!   (2024-01-01 to 2024-01-30), the pruning benchmark of
//!   `benches/window.sh`.
//! * `csv`: one Log Analytics portal CSV export of `ACSCallSummary` at
//!   `<out_path>` of about `--size` bytes (default 64M), see below.
//!
//! `--compress gz|zst` streams each output file through flate2's
//! `GzEncoder` (`Compression::default()`, one gzip member per file) or
//! zstd's `Encoder` (level 3, one frame per file). `--size` and
//! `--file-size` stay uncompressed sizes; `jsonl` and `csv` write to
//! `<out_path>` as given (name it `.gz`/`.zst` yourself), `tree` names its
//! blobs `PT1H.json.gz` / `PT1H.json.zst`.
//!
//! Sizes take an optional binary suffix: `100K`, `256M`, `1G`, `1.5G`,
//! `64MiB`, `64MB` (K = 1024). `--seed` defaults to 1; `--opt=value` works
//! too.
//!
//! Determinism: the whole output is a function of the arguments and the
//! seed (rand 0.8 `SmallRng`, no clock, no hash-map iteration), so two runs
//! with the same arguments produce byte-identical files on the same
//! platform (`SmallRng` differs between 32- and 64-bit targets).
//!
//! What the records look like (`formats.md` §1, §2.1, §2.8, §8):
//!
//! * CallSummary records in the raw storage shape: the camelCase envelope
//!   (`time`, `resourceId`, `operationName`, `operationVersion`,
//!   `category`, `correlationId`) with the ACS fields in `properties`,
//!   including `participantEndReason`, `ParticipantEndSubCode` and
//!   `ResultCategory`. One record per participant; consecutive records of
//!   a call share the correlation id and call start time.
//! * Value styles mixed as in the wild: codes mostly strings, sometimes
//!   numbers; subcodes strings or numbers, sometimes absent, `"null"` or
//!   JSON `null`; `"null"`/`"Redacted"`/`null` in id fields; ~0.5% of
//!   records with leading spaces in values; `ResultCategory` sometimes
//!   `"Failed"`, empty or missing (blank for PSTN rows, as in the docs).
//! * ~3% CallDiagnostics-like records (no code at all), ~1% flat PascalCase
//!   Log Analytics rows (`ParticipantEndReason` at the top level, no
//!   `properties`), ~0.05% malformed lines (a record cut short).
//! * (code, subcode, category) drawn from a weighted table: ~70% 0/0
//!   Success, then the common documented triples, then a long tail of
//!   ~2000 random (4xx, 5–6 digit subcode) pairs, so a large file holds
//!   several thousand distinct keys.
//!
//! Lines average ~860 bytes (5th to 95th percentile ~800 to ~915): that
//! is what the fields above come to with full-length GUIDs, identifiers
//! and resource ids.
//!
//! What the `csv` kind looks like (the portal's "Export to CSV - all
//! columns" of an `ACSCallSummary` query):
//!
//! * a UTF-8 BOM, CRLF line ends, and a header of 17 columns in Log
//!   Analytics order, datetime columns suffixed ` [UTC]`: `TenantId`,
//!   `TimeGenerated [UTC]`, `CorrelationId`, `ParticipantId`,
//!   `EndpointId`, `EndpointType`, `CallType`, `CallStartTime [UTC]`,
//!   `CallDuration`, `ParticipantStartTime [UTC]`, `ParticipantDuration`,
//!   `ParticipantEndReason`, `ParticipantEndSubCode`, `ResultCategory`,
//!   `SdkVersion`, `OsVersion`, `Type`;
//! * datetimes as the portal prints them, `"5/2/2024, 10:03:17.041 AM"`
//!   (quoted: they hold a comma); `OsVersion` often quoted for its comma
//!   (`"Windows 10.0.19045, Arch: x64"`), rarely with doubled quotes;
//! * the (code, subcode, category) triples drawn from the same weighted
//!   table as `jsonl`; a missing subcode or category is an empty cell,
//!   ~0.5% of codes have leading spaces;
//! * ~0.1% of rows with a quoted `OsVersion` holding a newline (LF), and
//!   ~0.05% ragged rows (one field short or one too many: malformed).
//!
//! Rows average ~300 bytes (5th to 95th percentile ~275 to ~320).
//!
//! At the end the generator prints to stderr: bytes written (and stored,
//! when compressed), records (well formed, split into with/without a
//! code), lines, malformed lines, files and the elapsed time.

use flate2::write::GzEncoder;
use flate2::Compression;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "\
usage: gen_logs <kind> <out_path> [options]

kinds:
  jsonl   one JSON Lines file of about --size bytes
  tree    a storage-export tree of --files hourly PT1H.json blobs
  csv     one Log Analytics CSV export (ACSCallSummary) of about --size bytes

options:
  --size BYTES        jsonl, csv: total size (default 64M)
  --files N           tree: number of hourly files (default 10000)
  --file-size BYTES   tree: approximate size of each file (default 100K)
  --late-hours H      tree: late records (~1%) are up to H hours older than
                      their blob's hour (default 1, at most 48)
  --seed N            RNG seed (default 1)
  --compress gz|zst   compress each file (gzip member / zstd frame); sizes
                      stay uncompressed sizes, tree files get .gz / .zst

BYTES takes an optional suffix K, M or G (binary), e.g. 100K, 256M, 1G.";

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// 2024-01-01T00:00:00Z in milliseconds since the Unix epoch.
const JAN_1_2024_MS: i64 = 1_704_067_200_000;
/// 2024-05-01T00:00:00Z: where the `jsonl` clock starts.
const MAY_1_2024_MS: i64 = 1_714_521_600_000;
const HOUR_MS: i64 = 3_600_000;
/// Mean generated line length, used to spread a blob's records over its
/// hour.
const AVG_RECORD_BYTES: u64 = 860;
/// 2024 is a leap year: 366 days of hourly blobs per resource.
const HOURS_2024: u64 = 366 * 24;

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Jsonl,
    Tree,
    Csv,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Compress {
    Gzip,
    Zstd,
}

impl Compress {
    fn extension(self) -> &'static str {
        match self {
            Compress::Gzip => "gz",
            Compress::Zstd => "zst",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Compress::Gzip => "gzip",
            Compress::Zstd => "zstd",
        }
    }
}

#[derive(Debug)]
struct Args {
    kind: Kind,
    out: PathBuf,
    size: u64,
    files: u64,
    file_size: u64,
    late_hours: u64,
    seed: u64,
    compress: Option<Compress>,
}

/// Parses `args` (without the program name) by hand.
fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut positional = Vec::new();
    let mut size = None;
    let mut files = None;
    let mut file_size = None;
    let mut late_hours = None;
    let mut seed = 1;
    let mut compress = None;
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if !arg.starts_with("--") && arg != "-h" {
            positional.push(arg.clone());
            continue;
        }
        if arg == "--help" || arg == "-h" {
            return Err(String::new());
        }
        // Accept both `--opt value` and `--opt=value`.
        let (name, value) = match arg.split_once('=') {
            Some((n, v)) => (n.to_string(), v.to_string()),
            None => {
                let v = args
                    .get(i)
                    .ok_or_else(|| format!("{arg} needs a value"))?;
                i += 1;
                (arg.clone(), v.clone())
            }
        };
        match name.as_str() {
            "--size" => size = Some(parse_size(&value)?),
            "--files" => files = Some(parse_count(&name, &value)?),
            "--file-size" => file_size = Some(parse_size(&value)?),
            "--late-hours" => match parse_count(&name, &value)? {
                h @ 1..=48 => late_hours = Some(h),
                _ => return Err("--late-hours: expected 1 to 48".into()),
            },
            "--seed" => seed = parse_count(&name, &value)?,
            "--compress" => {
                compress = Some(match value.as_str() {
                    "gz" | "gzip" => Compress::Gzip,
                    "zst" | "zstd" => Compress::Zstd,
                    _ => {
                        return Err(format!(
                            "--compress: expected gz or zst, not {value:?}"
                        ))
                    }
                })
            }
            _ => return Err(format!("unknown option {name}")),
        }
    }
    let [kind, out] = <[String; 2]>::try_from(positional)
        .map_err(|_| "expected exactly <kind> <out_path>".to_string())?;
    let kind = match kind.as_str() {
        "jsonl" => Kind::Jsonl,
        "tree" => Kind::Tree,
        "csv" => Kind::Csv,
        _ => return Err(format!("unknown kind {kind:?}")),
    };
    match kind {
        Kind::Jsonl | Kind::Csv
            if files.is_some()
                || file_size.is_some()
                || late_hours.is_some() =>
        {
            return Err(
                "--files/--file-size/--late-hours apply to `tree` only".into(),
            )
        }
        Kind::Tree if size.is_some() => {
            return Err("--size applies to `jsonl` and `csv` only".into())
        }
        _ => {}
    }
    Ok(Args {
        kind,
        out: PathBuf::from(out),
        size: size.unwrap_or(64 * MIB),
        files: files.unwrap_or(10_000),
        file_size: file_size.unwrap_or(100 * KIB),
        late_hours: late_hours.unwrap_or(1),
        seed,
        compress,
    })
}

fn parse_count(name: &str, value: &str) -> Result<u64, String> {
    value.parse().map_err(|_| format!("{name}: not a number: {value:?}"))
}

/// Parses `12345`, `100K`, `256M`, `1G`, `1.5G`, `64MiB`, `64MB`
/// (binary multiples, case-insensitive).
fn parse_size(text: &str) -> Result<u64, String> {
    let bad = || format!("bad size {text:?} (try 100K, 256M or 1G)");
    let lower = text.trim().to_ascii_lowercase();
    let unit_start =
        lower.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(lower.len());
    let (number, unit) = lower.split_at(unit_start);
    let multiplier = match unit {
        "" | "b" => 1,
        "k" | "kb" | "kib" => KIB,
        "m" | "mb" | "mib" => MIB,
        "g" | "gb" | "gib" => 1024 * MIB,
        _ => return Err(bad()),
    };
    let bytes = if number.contains('.') {
        let x: f64 = number.parse().map_err(|_| bad())?;
        (x * multiplier as f64).round() as u64
    } else {
        number.parse::<u64>().map_err(|_| bad())?.saturating_mul(multiplier)
    };
    if bytes == 0 {
        return Err(bad());
    }
    Ok(bytes)
}

// ---------------------------------------------------------------------------
// The (code, subcode, category) distribution
// ---------------------------------------------------------------------------

/// One result triple. `sub: None` is a documented code without a subcode;
/// `cat: None` is a blank category (the PSTN tables leave it empty).
#[derive(Clone, Copy, Debug)]
struct Outcome {
    code: u16,
    sub: Option<u32>,
    cat: Option<&'static str>,
}

const SUCCESS: Option<&str> = Some("Success");
const EXPECTED: Option<&str> = Some("ExpectedError");
const UNEXP_CLIENT: Option<&str> = Some("UnexpectedClientError");
const UNEXP_SERVER: Option<&str> = Some("UnexpectedServerError");
/// The docs' own misspelling for 410/3100, 3101, 3111 (`formats.md` §3).
const UNXP_CLIENT: Option<&str> = Some("UnxpectedClientError");

/// Documented triples with weights in units of 1/10000 of all outcomes.
/// The long tail makes up the rest of the 10000.
#[rustfmt::skip]
const HEAD: &[(u32, u16, Option<u32>, Option<&str>)] = &[
    (7000,   0, Some(0),      SUCCESS),
    ( 500, 487, Some(0),      SUCCESS),
    ( 350, 603, Some(0),      SUCCESS),
    ( 250, 410, Some(3112),   EXPECTED),
    ( 200, 480, Some(10037),  EXPECTED),
    ( 180,   0, Some(4097),   SUCCESS),
    ( 170,   0, Some(5000),   SUCCESS),
    ( 120, 490, Some(4502),   UNEXP_CLIENT),
    ( 100, 408, Some(4506),   UNEXP_CLIENT),
    (  90, 486, Some(560486), SUCCESS),
    (  80, 500, Some(560503), None),
    (  70, 403, Some(5830),   EXPECTED),
    (  60,   0, Some(5317),   EXPECTED),
    (  40,   0, Some(560000), SUCCESS),
    (  30, 410, Some(3100),   UNXP_CLIENT),
    (  30, 487, Some(10003),  SUCCESS),
    (  20, 410, Some(3101),   UNXP_CLIENT),
    (  20, 487, Some(10004),  EXPECTED),
    (  20, 408, Some(10057),  EXPECTED),
    (  15, 496, Some(7),      EXPECTED),
    (  15, 410, Some(301005), UNEXP_CLIENT),
    (  15, 487, Some(540487), SUCCESS),
    (  10, 403, Some(510403), EXPECTED),
    (  10, 403, Some(560403), None),
    (  10, 404, Some(560404), None),
    (  10, 480, Some(560480), None),
    (  10, 495, Some(4507),   UNEXP_CLIENT),
    (  10,   0, Some(4521),   EXPECTED),
    (   5, 480, Some(10076),  EXPECTED),
    (   5, 401, Some(10009),  UNEXP_CLIENT),
    (   5, 404, None,         None),
    (   5, 503, None,         UNEXP_SERVER),
];

// The long tail gets what the head leaves of the 10000 (about 5%).
const _: () = assert!(head_weight() < 10_000);
/// Number of distinct random (4xx, subcode) pairs in the long tail.
const TAIL_PAIRS: usize = 2000;

const fn head_weight() -> u32 {
    let mut sum = 0;
    let mut i = 0;
    while i < HEAD.len() {
        sum += HEAD[i].0;
        i += 1;
    }
    sum
}

/// SIP-style 4xx codes the tail draws from.
const TAIL_CODES: &[u16] = &[
    400, 401, 403, 404, 405, 406, 408, 409, 410, 412, 415, 420, 429, 430, 480,
    481, 482, 483, 484, 486, 487, 488, 490, 491, 493, 494, 495, 496, 497, 498,
];

/// Builds the long tail: distinct (4xx, 5–6 digit subcode) pairs that are
/// not in [`HEAD`], each with a fixed category.
fn build_tail(rng: &mut SmallRng) -> Vec<Outcome> {
    let mut seen: HashSet<(u16, u32)> = HEAD
        .iter()
        .filter_map(|&(_, code, sub, _)| Some((code, sub?)))
        .collect();
    let mut tail = Vec::with_capacity(TAIL_PAIRS);
    while tail.len() < TAIL_PAIRS {
        let code = TAIL_CODES[rng.gen_range(0..TAIL_CODES.len())];
        let sub = match rng.gen_range(0..10) {
            // Web SDK API errors: 40101..=49999.
            0..=2 => rng.gen_range(40_101..50_000),
            // SBC / PSTN style: 5x0 or 51x prefix + a SIP code.
            3..=5 => {
                let prefix = [510, 511, 531, 540, 560][rng.gen_range(0..5)];
                prefix * 1000 + rng.gen_range(400..700)
            }
            // Anything else of 5–6 digits.
            _ => rng.gen_range(10_000..1_000_000),
        };
        if !seen.insert((code, sub)) {
            continue;
        }
        let cat = match rng.gen_range(0..20) {
            0..=8 => EXPECTED,
            9..=14 => UNEXP_CLIENT,
            15..=17 => UNEXP_SERVER,
            _ => None,
        };
        tail.push(Outcome { code, sub: Some(sub), cat });
    }
    tail
}

// ---------------------------------------------------------------------------
// Small, allocation-free JSON writing helpers
//
// Every string value generated here is plain ASCII without `"` or `\`, so
// nothing needs escaping.
// ---------------------------------------------------------------------------

/// Writes `,"key":` (the separating comma included).
fn key(b: &mut Vec<u8>, k: &str) {
    b.extend_from_slice(b",\"");
    b.extend_from_slice(k.as_bytes());
    b.extend_from_slice(b"\":");
}

/// Writes `"value"`.
fn string(b: &mut Vec<u8>, v: &str) {
    b.push(b'"');
    b.extend_from_slice(v.as_bytes());
    b.push(b'"');
}

/// Writes `,"key":"value"`.
fn field(b: &mut Vec<u8>, k: &str, v: &str) {
    key(b, k);
    string(b, v);
}

/// Writes `"n"`.
fn quoted_uint(b: &mut Vec<u8>, n: u64) {
    quoted_with_lead(b, n, "");
}

/// Writes `"<lead>n"`.
fn quoted_with_lead(b: &mut Vec<u8>, n: u64, lead: &str) {
    b.push(b'"');
    b.extend_from_slice(lead.as_bytes());
    uint(b, n);
    b.push(b'"');
}

fn uint(b: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    b.extend_from_slice(&digits[i..]);
}

/// Writes `n` zero-padded to `width` digits.
fn uint_padded(b: &mut Vec<u8>, n: u64, width: u32) {
    let mut div = 10u64.pow(width - 1);
    while div > 0 {
        b.push(b'0' + (n / div % 10) as u8);
        div /= 10;
    }
}

/// Writes a GUID (8-4-4-4-12 hex digits) without quotes.
fn guid(b: &mut Vec<u8>, g: u128, upper: bool) {
    let hex: &[u8; 16] =
        if upper { b"0123456789ABCDEF" } else { b"0123456789abcdef" };
    for i in 0..32 {
        if matches!(i, 8 | 12 | 16 | 20) {
            b.push(b'-');
        }
        b.push(hex[(g >> (124 - 4 * i) & 0xf) as usize]);
    }
}

/// Writes `"<guid>"`.
fn guid_str(b: &mut Vec<u8>, g: u128) {
    b.push(b'"');
    guid(b, g, false);
    b.push(b'"');
}

/// Calendar date of a day count since 1970-01-01 (H. Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Splits a Unix time in ms into (year, month, day, hour, min, sec, ms).
fn split_time(ms: i64) -> (i64, u32, u32, u32, u32, u32, u32) {
    let (y, mo, d) = civil_from_days(ms.div_euclid(86_400_000));
    let in_day = ms.rem_euclid(86_400_000);
    let (h, rest) = (in_day / HOUR_MS, in_day % HOUR_MS);
    let (mi, rest) = (rest / 60_000, rest % 60_000);
    (y, mo, d, h as u32, mi as u32, (rest / 1000) as u32, (rest % 1000) as u32)
}

/// Writes `"2024-05-02T10:15:03.4120000Z"` (7 fraction digits, as Azure
/// Monitor does) or `"2024-05-02T10:15:03.412Z"` (3 digits).
fn time(b: &mut Vec<u8>, ms: i64, seven_digits: bool) {
    let (y, mo, d, h, mi, s, frac) = split_time(ms);
    b.push(b'"');
    uint_padded(b, y as u64, 4);
    b.push(b'-');
    uint_padded(b, mo.into(), 2);
    b.push(b'-');
    uint_padded(b, d.into(), 2);
    b.push(b'T');
    uint_padded(b, h.into(), 2);
    b.push(b':');
    uint_padded(b, mi.into(), 2);
    b.push(b':');
    uint_padded(b, s.into(), 2);
    b.push(b'.');
    uint_padded(b, frac.into(), 3);
    if seven_digits {
        // Sub-millisecond digits derived from the time itself.
        uint_padded(b, (ms as u64).wrapping_mul(2_654_435_761) % 10_000, 4);
    }
    b.extend_from_slice(b"Z\"");
}

/// Writes a datetime as the Log Analytics portal exports it to CSV,
/// `"5/2/2024, 10:03:17.041 AM"` (quoted: it holds a comma).
fn portal_time(b: &mut Vec<u8>, ms: i64) {
    let (y, mo, d, h, mi, s, frac) = split_time(ms);
    b.push(b'"');
    uint(b, mo.into());
    b.push(b'/');
    uint(b, d.into());
    b.push(b'/');
    uint(b, y as u64);
    b.extend_from_slice(b", ");
    uint(b, if h % 12 == 0 { 12 } else { h % 12 }.into());
    b.push(b':');
    uint_padded(b, mi.into(), 2);
    b.push(b':');
    uint_padded(b, s.into(), 2);
    b.push(b'.');
    uint_padded(b, frac.into(), 3);
    b.extend_from_slice(if h < 12 { b" AM\"" } else { b" PM\"" });
}

/// Writes one CSV cell: as is, or quoted (inner quotes doubled) when it
/// holds a comma, a quote or a line end.
fn csv_cell(b: &mut Vec<u8>, v: &str) {
    if !v.bytes().any(|c| matches!(c, b',' | b'"' | b'\n' | b'\r')) {
        b.extend_from_slice(v.as_bytes());
        return;
    }
    b.push(b'"');
    for c in v.bytes() {
        if c == b'"' {
            b.push(b'"');
        }
        b.push(c);
    }
    b.push(b'"');
}

// ---------------------------------------------------------------------------
// Record generation
// ---------------------------------------------------------------------------

/// What one generated line turned out to be, for the final statistics.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LineKind {
    WithCode,
    WithoutCode,
    Malformed,
}

#[derive(Default)]
struct Stats {
    bytes: u64,
    /// Bytes on disk (differs from `bytes` when compressed).
    stored: u64,
    lines: u64,
    with_code: u64,
    without_code: u64,
    malformed: u64,
    files: u64,
}

impl Stats {
    fn add(&mut self, kind: LineKind, len: usize) {
        self.bytes += len as u64;
        self.lines += 1;
        match kind {
            LineKind::WithCode => self.with_code += 1,
            LineKind::WithoutCode => self.without_code += 1,
            LineKind::Malformed => self.malformed += 1,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    VoIP,
    Pstn,
    Bot,
    Server,
    Unknown,
}

/// The call whose participants are being written. CallSummary has one
/// record per participant, so consecutive records share these values.
struct Call {
    correlation: u128,
    start: i64,
    duration_s: u64,
    group: bool,
    teams_thread: Option<u128>,
    participants_left: u32,
}

const SDK_VERSIONS: &[&str] = &[
    "1.25.1.1",
    "1.24.2.1",
    "1.19.2.2_beta",
    "1.28.3.1",
    "2.10.1",
    "2.12.0",
    "1.6.0",
    "Redacted",
    "null",
];

const OS_VERSIONS: &[&str] = &[
    "Windows 10.0.19045 Arch: x64",
    "Windows 10.0.22631 Arch: x64",
    "macOS 14.4.1 Arch: arm64",
    "Android 14",
    "Android 13",
    "iOS 17.4.1",
    "iOS 16.7.8",
    "Linux Arch: x64",
    "Redacted",
    "null",
];

/// `OsVersion` in the CSV export, as in `fixtures/formats/csv`: the
/// Windows, macOS and Linux values hold a comma, so they are quoted.
const CSV_OS_VERSIONS: &[&str] = &[
    "Windows 10.0.19045, Arch: x64",
    "Windows 10.0.22631, Arch: x64",
    "Windows 10.0.22631, Arch: x64",
    "macOS 14.4.1, Arch: arm64",
    "Android 14",
    "Android 13",
    "iOS 17.4.1",
    "iOS 16.7.8",
    "Linux, Arch: x64",
    "Redacted",
    "",
];

/// Rare `OsVersion` values with doubled quotes (~0.2% of rows).
const CSV_OS_QUOTED: &[&str] = &[
    "Mac OS X 10.15.7 (\"Zo\u{eb}'s MacBook\")",
    "Windows 10.0.19045 (\"Build\" lab), Arch: x64",
];

/// `OsVersion` values holding a newline (~0.1% of rows).
const CSV_OS_MULTILINE: &[&str] = &[
    "Android 14\nPixel 8, Chrome 124",
    "iOS 17.4.1\niPhone15,3",
    "Windows 10.0.22631\nArch: x64, Edge 124",
];

/// The `csv` header, Log Analytics column order, portal suffixes.
const CSV_HEADER: &str = "TenantId,TimeGenerated [UTC],CorrelationId,\
    ParticipantId,EndpointId,EndpointType,CallType,CallStartTime [UTC],\
    CallDuration,ParticipantStartTime [UTC],ParticipantDuration,\
    ParticipantEndReason,ParticipantEndSubCode,ResultCategory,SdkVersion,\
    OsVersion,Type";

/// The record generator: the RNG, the outcome tables and a little state
/// (the current call) that makes consecutive records hang together.
struct Gen {
    rng: SmallRng,
    tail: Vec<Outcome>,
    /// Guid of the ACS resource, used in `8:acs:` identifiers.
    acs_guid: u128,
    /// Log Analytics workspace id (`TenantId` of flat LA rows).
    workspace: u128,
    subscription: u128,
    call: Option<Call>,
}

impl Gen {
    fn new(seed: u64) -> Gen {
        let mut rng = SmallRng::seed_from_u64(seed);
        let tail = build_tail(&mut rng);
        let acs_guid = v4(rng.gen());
        let workspace = v4(rng.gen());
        let subscription = v4(rng.gen());
        Gen { rng, tail, acs_guid, workspace, subscription, call: None }
    }

    fn chance(&mut self, per_10000: u32) -> bool {
        self.rng.gen_range(0..10_000) < per_10000
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.rng.gen_range(0..items.len())]
    }

    fn guid(&mut self) -> u128 {
        v4(self.rng.gen())
    }

    fn outcome(&mut self) -> Outcome {
        let mut r = self.rng.gen_range(0..10_000);
        for &(w, code, sub, cat) in HEAD {
            if r < w {
                return Outcome { code, sub, cat };
            }
            r -= w;
        }
        // Long tail, skewed toward low indices (min of two uniform draws),
        // so some tail pairs are common and many are rare.
        let n = self.tail.len();
        let i = self.rng.gen_range(0..n).min(self.rng.gen_range(0..n));
        self.tail[i]
    }

    /// Returns the current call, starting a new one (ending around `t`)
    /// when the last one has no participants left.
    fn next_participant(&mut self, t: i64) -> &Call {
        let call_over = match &self.call {
            Some(c) => c.participants_left == 0,
            None => true,
        };
        if call_over {
            let group = self.chance(4000);
            let duration_s = match self.rng.gen_range(0..10) {
                0..=1 => self.rng.gen_range(0..30),
                2..=7 => self.rng.gen_range(30..1200),
                _ => self.rng.gen_range(1200..7200),
            };
            let teams_thread =
                if self.chance(1500) { Some(self.rng.gen()) } else { None };
            let participants_left =
                if group { self.rng.gen_range(2..9) } else { 2 };
            self.call = Some(Call {
                correlation: self.guid(),
                start: t
                    - duration_s as i64 * 1000
                    - self.rng.gen_range(0..60_000),
                duration_s,
                group,
                teams_thread,
                participants_left,
            });
        }
        let call = self.call.as_mut().unwrap();
        call.participants_left -= 1;
        call
    }

    /// Appends one line (without the `\n`) for time `t` to `b`.
    fn line(&mut self, b: &mut Vec<u8>, t: i64, resource: &str) -> LineKind {
        let r = self.rng.gen_range(0..100_000);
        if r < 50 {
            // ~0.05%: a record cut short, as a partially flushed append.
            let start = b.len();
            self.raw_summary(b, t, resource);
            let len = self.rng.gen_range(1..b.len() - start);
            b.truncate(start + len);
            LineKind::Malformed
        } else if r < 3_050 {
            self.diagnostics(b, t, resource);
            LineKind::WithoutCode
        } else if r < 4_050 {
            self.la_summary(b, t, resource);
            LineKind::WithCode
        } else {
            self.raw_summary(b, t, resource);
            LineKind::WithCode
        }
    }

    /// The common envelope, from `{` up to (not including) `properties`.
    fn envelope(
        &mut self,
        b: &mut Vec<u8>,
        t: i64,
        resource: &str,
        operation: &str,
        correlation: u128,
    ) {
        b.extend_from_slice(b"{\"time\":");
        time(b, t, true);
        field(b, "resourceId", resource);
        field(b, "operationName", operation);
        field(b, "operationVersion", "1.0");
        field(b, "category", operation);
        key(b, "correlationId");
        guid_str(b, correlation);
    }

    /// A CallSummary record in the raw storage-export shape.
    fn raw_summary(&mut self, b: &mut Vec<u8>, t: i64, resource: &str) {
        let outcome = self.outcome();
        let call = self.next_participant(t);
        let (corr, start, dur, group, thread) = (
            call.correlation,
            call.start,
            call.duration_s,
            call.group,
            call.teams_thread,
        );
        // ~0.5% of records carry leading spaces in their values.
        let lead = if self.chance(50) { self.pick(&[" ", "  "]) } else { "" };
        let endpoint = self.endpoint();

        self.envelope(b, t, resource, "CallSummary", corr);
        b.extend_from_slice(b",\"properties\":{\"identifier\":");
        self.identifier(b, endpoint);
        key(b, "callStartTime");
        time(b, start, false);
        key(b, "callDuration");
        self.number(b, dur, 1000);
        field(b, "callType", if group { "Group" } else { "P2P" });
        key(b, "teamsThreadId");
        self.teams_thread(b, thread);
        key(b, "participantId");
        self.participant_id(b, lead);
        let joined = self.rng.gen_range(0..=dur.min(120));
        key(b, "participantStartTime");
        time(
            b,
            start + joined as i64 * 1000 + self.rng.gen_range(0..999),
            false,
        );
        key(b, "participantDuration");
        self.number(b, dur - joined, 5000);
        self.result(b, outcome, lead, false);
        key(b, "endpointId");
        if endpoint == Endpoint::Server {
            b.extend_from_slice(b"null");
        } else {
            let g = self.guid();
            guid_str(b, g);
        }
        field(b, "endpointType", self.endpoint_type(endpoint));
        field(b, "sdkVersion", self.pick(SDK_VERSIONS));
        field(b, "osVersion", self.pick(OS_VERSIONS));
        b.extend_from_slice(b"}}");
    }

    /// A flat Log Analytics `ACSCallSummary` row (PascalCase columns, no
    /// `properties`), as from an LA data export or a query dump.
    fn la_summary(&mut self, b: &mut Vec<u8>, t: i64, resource: &str) {
        let outcome = self.outcome();
        let call = self.next_participant(t);
        let (corr, start, dur, group, thread) = (
            call.correlation,
            call.start,
            call.duration_s,
            call.group,
            call.teams_thread,
        );
        let endpoint = self.endpoint();

        b.extend_from_slice(b"{\"TenantId\":");
        guid_str(b, self.workspace);
        key(b, "TimeGenerated");
        time(b, t, true);
        key(b, "CorrelationId");
        guid_str(b, corr);
        key(b, "ParticipantId");
        self.participant_id(b, "");
        key(b, "EndpointId");
        let g = self.guid();
        guid_str(b, g);
        field(b, "EndpointType", self.endpoint_type(endpoint));
        field(b, "CallType", if group { "Group" } else { "P2P" });
        key(b, "CallStartTime");
        time(b, start, true);
        key(b, "CallDuration");
        uint(b, dur);
        let joined = self.rng.gen_range(0..=dur.min(120));
        key(b, "ParticipantStartTime");
        time(b, start + joined as i64 * 1000, true);
        key(b, "ParticipantDuration");
        uint(b, dur - joined);
        self.result(b, outcome, "", true);
        key(b, "Identifier");
        self.identifier(b, endpoint);
        field(b, "SdkVersion", self.pick(SDK_VERSIONS));
        field(b, "OsVersion", self.pick(OS_VERSIONS));
        key(b, "TeamsThreadId");
        self.teams_thread(b, thread);
        field(b, "OperationName", "CallSummary");
        field(b, "OperationVersion", "1.0");
        field(b, "Category", "CallSummary");
        field(b, "SourceSystem", "Azure");
        field(b, "Type", "ACSCallSummary");
        field(b, "_ResourceId", &resource.to_ascii_lowercase());
        key(b, "_SubscriptionId");
        guid_str(b, self.subscription);
        b.push(b'}');
    }

    /// One `ACSCallSummary` row of a portal CSV export, without its line
    /// end: 17 cells, or (~0.05%) one short or one too many.
    fn csv_row(&mut self, b: &mut Vec<u8>, t: i64) -> LineKind {
        let outcome = self.outcome();
        let call = self.next_participant(t);
        let (corr, start, dur, group) =
            (call.correlation, call.start, call.duration_s, call.group);
        let endpoint = self.endpoint();

        guid(b, self.workspace, false);
        b.push(b',');
        portal_time(b, t);
        b.push(b',');
        guid(b, corr, false);
        b.push(b',');
        match self.rng.gen_range(0..200) {
            0 => {}
            1 => b.extend_from_slice(b"Redacted"),
            _ => {
                let g = self.guid();
                guid(b, g, false);
            }
        }
        b.push(b',');
        if endpoint != Endpoint::Server {
            let g = self.guid();
            guid(b, g, false);
        }
        b.push(b',');
        csv_cell(b, self.endpoint_type(endpoint));
        b.push(b',');
        csv_cell(b, if group { "Group" } else { "P2P" });
        b.push(b',');
        portal_time(b, start);
        b.push(b',');
        uint(b, dur);
        let joined = self.rng.gen_range(0..=dur.min(120));
        b.push(b',');
        portal_time(
            b,
            start + joined as i64 * 1000 + self.rng.gen_range(0..999),
        );
        b.push(b',');
        uint(b, dur - joined);

        // Code (a string column), subcode (a long column: empty when
        // null), category (empty when blank).
        b.push(b',');
        if self.chance(50) {
            b.extend_from_slice(self.pick(&[" ", "  "]).as_bytes());
        }
        uint(b, outcome.code.into());
        b.push(b',');
        if let Some(sub) = outcome.sub {
            if !self.chance(200) {
                uint(b, sub.into());
            }
        }
        b.push(b',');
        if let Some(cat) = outcome.cat {
            match self.rng.gen_range(0..1000) {
                0..=9 => b.extend_from_slice(b"Failed"),
                10..=29 => {}
                _ => b.extend_from_slice(cat.as_bytes()),
            }
        }

        b.push(b',');
        csv_cell(b, self.pick(SDK_VERSIONS));
        b.push(b',');
        let os = match self.rng.gen_range(0..10_000) {
            0..=9 => self.pick(CSV_OS_MULTILINE),
            10..=29 => self.pick(CSV_OS_QUOTED),
            _ => self.pick(CSV_OS_VERSIONS),
        };
        csv_cell(b, os);
        match self.rng.gen_range(0..10_000) {
            // ~0.05% ragged: the last cell lost, or a stray one added.
            0..=1 => LineKind::Malformed,
            2..=4 => {
                b.extend_from_slice(b",ACSCallSummary,");
                LineKind::Malformed
            }
            _ => {
                b.extend_from_slice(b",ACSCallSummary");
                LineKind::WithCode
            }
        }
    }

    /// A CallDiagnostics-like per-stream record: no code, no subcode.
    fn diagnostics(&mut self, b: &mut Vec<u8>, t: i64, resource: &str) {
        let corr = match &self.call {
            Some(c) => c.correlation,
            None => self.guid(),
        };
        let endpoint = self.endpoint();
        self.envelope(b, t, resource, "CallDiagnostics", corr);
        b.extend_from_slice(b",\"properties\":{\"identifier\":");
        self.identifier(b, endpoint);
        key(b, "participantId");
        self.participant_id(b, "");
        key(b, "endpointId");
        let g = self.guid();
        guid_str(b, g);
        field(b, "endpointType", self.endpoint_type(endpoint));
        let media = self.pick(&["Audio", "Audio", "Video", "VBSS"]);
        field(b, "mediaType", media);
        key(b, "streamId");
        quoted_uint(b, self.rng.gen_range(1000..1010));
        field(b, "transportType", self.pick(&["UDP", "UDP", "TCP", "Relay"]));
        let rtt = self.rng.gen_range(10..400);
        key(b, "roundTripTimeAvg");
        quoted_uint(b, rtt);
        key(b, "roundTripTimeMax");
        quoted_uint(b, rtt + self.rng.gen_range(0..200));
        let jitter = self.rng.gen_range(0..30);
        key(b, "jitterAvg");
        quoted_uint(b, jitter);
        key(b, "jitterMax");
        quoted_uint(b, jitter + self.rng.gen_range(0..40));
        key(b, "packetLossRateAvg");
        self.loss_rate(b);
        key(b, "packetLossRateMax");
        self.loss_rate(b);
        b.extend_from_slice(b"}}");
    }

    /// Writes the code, subcode and category keys (with their leading
    /// commas). Raw records use `participantEndReason`; LA rows use
    /// `ParticipantEndReason`.
    fn result(&mut self, b: &mut Vec<u8>, o: Outcome, lead: &str, la: bool) {
        // Code: mostly a string (the LA type is string), sometimes a number.
        key(
            b,
            if la { "ParticipantEndReason" } else { "participantEndReason" },
        );
        if !la && self.chance(1000) {
            uint(b, o.code.into());
        } else {
            quoted_with_lead(b, o.code.into(), lead);
        }

        // Subcode: string or number, sometimes absent, "null" or null.
        match o.sub {
            Some(sub) => match self.rng.gen_range(0..1000) {
                0..=19 => {} // absent
                20..=34 => field(b, "ParticipantEndSubCode", "null"),
                35..=49 => {
                    key(b, "ParticipantEndSubCode");
                    b.extend_from_slice(b"null");
                }
                50..=249 => {
                    key(b, "ParticipantEndSubCode");
                    uint(b, sub.into());
                }
                _ => {
                    key(b, "ParticipantEndSubCode");
                    quoted_with_lead(b, sub.into(), lead);
                }
            },
            None => match self.rng.gen_range(0..5) {
                0 | 1 => {}
                2 => field(b, "ParticipantEndSubCode", ""),
                3 => field(b, "ParticipantEndSubCode", "null"),
                _ => {
                    key(b, "ParticipantEndSubCode");
                    b.extend_from_slice(b"null");
                }
            },
        }

        // Category: sometimes "Failed", empty or missing; blank for the
        // documented rows that have none.
        let cat = match o.cat {
            Some(cat) => match self.rng.gen_range(0..1000) {
                0..=9 => Some("Failed"),
                10..=29 => None,
                30..=34 => Some(""),
                _ => Some(cat),
            },
            None => {
                if self.chance(5000) {
                    Some("")
                } else {
                    None
                }
            }
        };
        if let Some(cat) = cat {
            key(b, "ResultCategory");
            b.push(b'"');
            if !cat.is_empty() {
                b.extend_from_slice(lead.as_bytes());
            }
            b.extend_from_slice(cat.as_bytes());
            b.push(b'"');
        }
    }

    fn endpoint(&mut self) -> Endpoint {
        match self.rng.gen_range(0..100) {
            0..=71 => Endpoint::VoIP,
            72..=83 => Endpoint::Pstn,
            84..=88 => Endpoint::Bot,
            89..=95 => Endpoint::Server,
            _ => Endpoint::Unknown,
        }
    }

    /// `endpointType` value, with the docs' alternative spellings.
    fn endpoint_type(&mut self, e: Endpoint) -> &'static str {
        match e {
            Endpoint::VoIP if self.chance(1000) => "VOIP",
            Endpoint::VoIP => "VoIP",
            Endpoint::Pstn => "PSTN",
            Endpoint::Bot if self.chance(3000) => "BOT",
            Endpoint::Bot => "Bot",
            Endpoint::Server => "Server",
            Endpoint::Unknown => "Unknown",
        }
    }

    /// `identifier` value: ACS user, Teams user, phone number, bot, or a
    /// missing value in one of its spellings.
    fn identifier(&mut self, b: &mut Vec<u8>, e: Endpoint) {
        match (e, self.rng.gen_range(0..100)) {
            (_, 0) => b.extend_from_slice(b"null"),
            (_, 1) => string(b, "null"),
            (_, 2) => string(b, "Redacted"),
            (Endpoint::Pstn, _) => {
                b.extend_from_slice(b"\"4:+1");
                uint(b, self.rng.gen_range(2_000_000_000..9_999_999_999));
                b.push(b'"');
            }
            (Endpoint::Bot, _) => {
                b.extend_from_slice(b"\"28:");
                guid(b, v4(self.rng.gen()), false);
                b.push(b'"');
            }
            (_, 3..=14) => {
                b.extend_from_slice(b"\"8:orgid:");
                guid(b, v4(self.rng.gen()), false);
                b.push(b'"');
            }
            _ => {
                b.extend_from_slice(b"\"8:acs:");
                guid(b, self.acs_guid, false);
                b.push(b'_');
                guid(b, v4(self.rng.gen()), false);
                b.push(b'"');
            }
        }
    }

    fn participant_id(&mut self, b: &mut Vec<u8>, lead: &str) {
        match self.rng.gen_range(0..200) {
            0 => string(b, "null"),
            1 => string(b, "Redacted"),
            _ => {
                b.push(b'"');
                b.extend_from_slice(lead.as_bytes());
                guid(b, v4(self.rng.gen()), false);
                b.push(b'"');
            }
        }
    }

    fn teams_thread(&mut self, b: &mut Vec<u8>, thread: Option<u128>) {
        match thread {
            None => string(b, "null"),
            Some(t) => {
                // 19:meeting_<base64-ish>@thread.v2
                const ALPHA: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef\
                    ghijklmnopqrstuvwxyz0123456789-_";
                b.extend_from_slice(b"\"19:meeting_");
                for i in 0..21 {
                    b.push(ALPHA[(t >> (6 * i) & 63) as usize]);
                }
                b.extend_from_slice(b"@thread.v2\"");
            }
        }
    }

    /// A duration-like number: a JSON number, or with probability
    /// `quoted_per_10000` a quoted string (the docs show both).
    fn number(&mut self, b: &mut Vec<u8>, n: u64, quoted_per_10000: u32) {
        if self.chance(quoted_per_10000) {
            quoted_uint(b, n);
        } else {
            uint(b, n);
        }
    }

    /// A packet loss rate as the samples print it: `"3.146336E-05"`,
    /// `"0.0013"` or `"0"`.
    fn loss_rate(&mut self, b: &mut Vec<u8>) {
        match self.rng.gen_range(0..3) {
            0 => string(b, "0"),
            1 => {
                b.extend_from_slice(b"\"0.00");
                uint(b, self.rng.gen_range(1..100));
                b.push(b'"');
            }
            _ => {
                b.push(b'"');
                uint(b, self.rng.gen_range(1..10));
                b.push(b'.');
                uint_padded(b, self.rng.gen_range(0..1_000_000), 6);
                b.extend_from_slice(b"E-0");
                uint(b, self.rng.gen_range(4..8));
                b.push(b'"');
            }
        }
    }
}

/// Stamps the version-4 / RFC 4122 variant bits on a random 128-bit value.
fn v4(x: u128) -> u128 {
    (x & !(0xf_u128 << 76) & !(0x3_u128 << 62)) | (0x4 << 76) | (0x2 << 62)
}

/// `/SUBSCRIPTIONS/<GUID>/RESOURCEGROUPS/RG/PROVIDERS/
/// MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/<name>` without the
/// leading slash.
fn resource_path(subscription: u128, name: &str) -> String {
    let mut b = b"SUBSCRIPTIONS/".to_vec();
    guid(&mut b, subscription, true);
    b.extend_from_slice(
        b"/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/\
          COMMUNICATIONSERVICES/",
    );
    b.extend_from_slice(name.as_bytes());
    String::from_utf8(b).expect("ASCII")
}

// ---------------------------------------------------------------------------
// Output kinds
// ---------------------------------------------------------------------------

/// Writes lines to `w` until at least `target` bytes are written. `clock`
/// gives the time of each next record; `resource` picks its resourceId.
fn write_lines(
    gen: &mut Gen,
    w: &mut impl Write,
    target: u64,
    stats: &mut Stats,
    mut clock: impl FnMut(&mut SmallRng) -> i64,
    mut resource: impl FnMut(&mut SmallRng) -> usize,
    resources: &[String],
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(4096);
    let mut written = 0u64;
    while written < target {
        buf.clear();
        let t = clock(&mut gen.rng);
        let r = resource(&mut gen.rng);
        let kind = gen.line(&mut buf, t, &resources[r]);
        buf.push(b'\n');
        w.write_all(&buf)?;
        written += buf.len() as u64;
        stats.add(kind, buf.len());
    }
    Ok(())
}

/// A file that counts the bytes written to it.
struct CountedFile {
    file: File,
    bytes: u64,
}

impl Write for CountedFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// The file, behind its encoder, if any.
enum Encoder {
    Plain(CountedFile),
    Gzip(GzEncoder<CountedFile>),
    Zstd(zstd::Encoder<'static, CountedFile>),
}

impl Write for Encoder {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::Plain(w) => w.write(buf),
            Encoder::Gzip(w) => w.write(buf),
            Encoder::Zstd(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::Plain(w) => w.flush(),
            Encoder::Gzip(w) => w.flush(),
            Encoder::Zstd(w) => w.flush(),
        }
    }
}

/// One output file, written through a 1 MiB buffer and, with
/// `--compress`, an encoder. [`Output::finish`] must be called.
struct Output {
    w: BufWriter<Encoder>,
}

impl Output {
    fn create(path: &Path, compress: Option<Compress>) -> io::Result<Output> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        let file = CountedFile { file: File::create(path)?, bytes: 0 };
        let enc = match compress {
            None => Encoder::Plain(file),
            Some(Compress::Gzip) => {
                Encoder::Gzip(GzEncoder::new(file, Compression::default()))
            }
            Some(Compress::Zstd) => {
                Encoder::Zstd(zstd::Encoder::new(file, 3)?)
            }
        };
        Ok(Output { w: BufWriter::with_capacity(MIB as usize, enc) })
    }

    /// Flushes, ends the gzip member or zstd frame, and returns the bytes
    /// stored on disk.
    fn finish(self) -> io::Result<u64> {
        let file = match self.w.into_inner().map_err(|e| e.into_error())? {
            Encoder::Plain(mut f) => {
                f.flush()?;
                f
            }
            Encoder::Gzip(e) => e.finish()?,
            Encoder::Zstd(e) => e.finish()?,
        };
        Ok(file.bytes)
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.w.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.w.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// `jsonl`: one file, records from a few resources, clock advancing
/// ~0.4 s per record from 2024-05-01.
fn gen_jsonl(args: &Args, gen: &mut Gen) -> io::Result<Stats> {
    let mut stats = Stats::default();
    let sub = gen.subscription;
    let resources: Vec<String> = ["ACS1", "ACS2", "ACS-PROD-EU"]
        .iter()
        .flat_map(|name| {
            let path = resource_path(sub, name);
            // The Azure Monitor samples use a leading slash, the ACS
            // samples none (formats.md §2.1).
            [format!("/{path}"), path]
        })
        .collect();
    let mut w = Output::create(&args.out, args.compress)?;
    let mut t = MAY_1_2024_MS;
    write_lines(
        gen,
        &mut w,
        args.size,
        &mut stats,
        |rng| {
            t += rng.gen_range(0..800);
            t
        },
        |rng| match rng.gen_range(0..100) {
            0..=69 => 0,
            70..=79 => 1,
            80..=91 => 2,
            92..=93 => 3,
            94..=98 => 4,
            _ => 5,
        },
        &resources,
    )?;
    stats.stored = w.finish()?;
    stats.files = 1;
    Ok(stats)
}

/// `csv`: one portal CSV export of `ACSCallSummary` rows, clock advancing
/// ~0.4 s per row from 2024-05-01.
fn gen_csv(args: &Args, gen: &mut Gen) -> io::Result<Stats> {
    let mut stats = Stats::default();
    let mut w = Output::create(&args.out, args.compress)?;
    let mut buf = Vec::with_capacity(4096);
    buf.extend_from_slice(b"\xEF\xBB\xBF");
    buf.extend_from_slice(CSV_HEADER.as_bytes());
    buf.extend_from_slice(b"\r\n");
    w.write_all(&buf)?;
    stats.bytes = buf.len() as u64;
    stats.lines = 1;
    let mut t = MAY_1_2024_MS;
    while stats.bytes < args.size {
        buf.clear();
        t += gen.rng.gen_range(0..800);
        let kind = gen.csv_row(&mut buf, t);
        buf.extend_from_slice(b"\r\n");
        w.write_all(&buf)?;
        stats.add(kind, buf.len());
        // Newlines inside quoted cells make more physical lines.
        stats.lines += count_newlines(&buf) - 1;
    }
    stats.stored = w.finish()?;
    stats.files = 1;
    Ok(stats)
}

fn count_newlines(b: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', b).count() as u64
}

/// `tree`: `--files` hourly `PT1H.json` blobs in the storage-export layout.
fn gen_tree(args: &Args, gen: &mut Gen) -> io::Result<Stats> {
    let mut stats = Stats::default();
    for i in 0..args.files {
        let name = format!("ACS{}", i / HOURS_2024 + 1);
        let resource = resource_path(gen.subscription, &name);
        let hour_start = JAN_1_2024_MS + (i % HOURS_2024) as i64 * HOUR_MS;
        let (y, mo, d, h, ..) = split_time(hour_start);
        let ext = match args.compress {
            Some(c) => format!(".{}", c.extension()),
            None => String::new(),
        };
        let path = args.out.join(format!(
            "insights-logs-callsummary/resourceId=/{resource}/\
             y={y:04}/m={mo:02}/d={d:02}/h={h:02}/m=00/PT1H.json{ext}"
        ));
        // About --file-size, varied by ±25% per file.
        let quarter = args.file_size / 4;
        let target =
            args.file_size - quarter + gen.rng.gen_range(0..=2 * quarter);
        // Spread the records over the hour in rough arrival order: a random
        // walk sized for 10% more records than expected, so it rarely runs
        // past the hour (records past it get a random time in the hour).
        // ~1% arrive late and carry an older time, up to --late-hours
        // before the hour (formats.md §4a; the default, 1 h, gives the
        // same files as before the option existed).
        let expected = (target / AVG_RECORD_BYTES).max(1);
        let stride = (HOUR_MS as u64 * 10 / (expected * 11)).max(1);
        let mut offset = 0u64;
        let late_ms = args.late_hours as i64 * HOUR_MS;
        let resources = [format!("/{resource}")];
        let mut w = Output::create(&path, args.compress)?;
        write_lines(
            gen,
            &mut w,
            target,
            &mut stats,
            |rng| {
                offset += rng.gen_range(0..=2 * stride);
                let t = if offset < HOUR_MS as u64 {
                    hour_start + offset as i64
                } else {
                    hour_start + rng.gen_range(0..HOUR_MS)
                };
                if rng.gen_range(0..100) == 0 {
                    t - rng.gen_range(0..late_ms)
                } else {
                    t
                }
            },
            |_| 0,
            &resources,
        )?;
        stats.stored += w.finish()?;
        stats.files += 1;
    }
    Ok(stats)
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse_args(&argv) {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("gen_logs: {e}\n");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(if e.is_empty() { 0 } else { 2 });
        }
    };
    let started = Instant::now();
    let mut gen = Gen::new(args.seed);
    let result = match args.kind {
        Kind::Jsonl => gen_jsonl(&args, &mut gen),
        Kind::Tree => gen_tree(&args, &mut gen),
        Kind::Csv => gen_csv(&args, &mut gen),
    };
    let stats = match result {
        Ok(s) => s,
        Err(e) => {
            eprintln!("gen_logs: {}: {e}", args.out.display());
            return ExitCode::FAILURE;
        }
    };
    let secs = started.elapsed().as_secs_f64();
    let stored = match args.compress {
        Some(c) => format!(
            " ({} bytes {}-compressed, {:.1}:1)",
            stats.stored,
            c.name(),
            stats.bytes as f64 / stats.stored.max(1) as f64
        ),
        None => String::new(),
    };
    eprintln!(
        "gen_logs: {} bytes{stored}, {} records ({} with a code, {} without), \
         {} lines ({} malformed), {} file(s), seed {}, {:.2} s ({:.0} MB/s)",
        stats.bytes,
        stats.with_code + stats.without_code,
        stats.with_code,
        stats.without_code,
        stats.lines,
        stats.malformed,
        stats.files,
        args.seed,
        secs,
        stats.bytes as f64 / 1e6 / secs.max(1e-9),
    );
    ExitCode::SUCCESS
}
