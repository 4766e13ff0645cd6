//! Decoding a partial (`docs/partial-format.md`): every length, index and
//! checksum is checked, so that any byte sequence is either a partial or a
//! clear error, never a panic or an unbounded allocation.

use std::borrow::Cow;

use super::wire::{In, MAX_COUNT};
use super::write::{
    counters_mut, crc32, COUNTERS, HAS_CODE, HAS_SKETCHES, HAS_SUBCODE,
};
use super::{section, Listing, Partial, FORMAT_VERSION, MAGIC};
use crate::error::{Error, Result};
use crate::record::dims::Dim;
use crate::record::time::Timestamp;
use crate::record::{Category, Triple};
use crate::tally::distinct::Distinct;
use crate::tally::{
    Cell, Filter, FormatCount, GroupKey, Ids, InputError, Plan, Sample, Tally,
};

/// Read the partial `bytes`, naming `file` in the error if it is not one
/// this calltally can use.
pub fn read(bytes: &[u8], file: &str) -> Result<Partial> {
    decode(bytes)
        .map_err(|message| Error::Partial { file: file.to_owned(), message })
}

/// The sections of version 1, in the order they are written.
const KNOWN: [u16; 9] = [
    section::META,
    section::INPUTS,
    section::ACCOUNTING,
    section::GROUPS,
    section::CELLS,
    section::PROBLEMS,
    section::LISTINGS,
    // Written only when the table is not empty.
    section::UPDATES,
    // Optional, written only when a listing pruned folders.
    section::PRUNED,
];

fn decode(bytes: &[u8]) -> std::result::Result<Partial, String> {
    if bytes.len() < 8 || bytes[..8] != MAGIC {
        if MAGIC.starts_with(bytes) {
            return Err(format!(
                "truncated: {} bytes, not even the header",
                bytes.len()
            ));
        }
        return Err("not a calltally partial tally (wrong magic bytes)".into());
    }
    if bytes.len() < 16 {
        return Err(format!(
            "truncated: {} bytes, not even the 16-byte header",
            bytes.len()
        ));
    }
    let le16 = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]);
    let le32 = |at: usize| {
        u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
    };
    if crc32(&bytes[..12]) != le32(12) {
        return Err("damaged header (checksum mismatch)".into());
    }
    let version = le16(8);
    if version > FORMAT_VERSION {
        return Err(format!(
            "format version {version} is newer than this calltally ({}) \
             reads (up to {FORMAT_VERSION}); merge it with a newer calltally",
            env!("CARGO_PKG_VERSION")
        ));
    }
    if version == 0 {
        return Err("format version 0 does not exist".into());
    }
    let mut bodies: [Option<&[u8]>; KNOWN.len()] = [None; KNOWN.len()];
    let mut at = 16;
    loop {
        if bytes.len() - at < 12 {
            return Err(format!(
                "truncated at byte {}: a section header is cut off (the \
                 file has no end section)",
                bytes.len()
            ));
        }
        let (id, flags) = (le16(at), le16(at + 2));
        let len = u64::from_le_bytes(
            bytes[at + 4..at + 12].try_into().expect("8 bytes"),
        );
        let left = (bytes.len() - at - 12) as u64;
        if len.saturating_add(4) > left {
            return Err(format!(
                "truncated: section {id:#06x} at byte {at} says {len} bytes, \
                 {} remain",
                left.saturating_sub(4)
            ));
        }
        let end = at + 12 + len as usize;
        if crc32(&bytes[at..end]) != le32(end) {
            return Err(format!(
                "damaged: section {id:#06x} at byte {at} fails its checksum"
            ));
        }
        let body = &bytes[at + 12..end];
        at = end + 4;
        if id == section::END {
            if at != bytes.len() {
                return Err(format!(
                    "{} bytes after the end section",
                    bytes.len() - at
                ));
            }
            break;
        }
        match KNOWN.iter().position(|&k| k == id) {
            Some(i) if bodies[i].is_some() => {
                return Err(format!("section {id:#06x} appears twice"));
            }
            Some(i) => bodies[i] = Some(body),
            None if flags & section::REQUIRED != 0 => {
                let what = if id == section::UPDATES {
                    " (the CallSummaryUpdates version table)"
                } else {
                    ""
                };
                return Err(format!(
                    "it holds section {id:#06x}{what}, which this calltally \
                     ({}) does not know and must not skip; merge it with the \
                     calltally that wrote it or a newer one",
                    env!("CARGO_PKG_VERSION")
                ));
            }
            None => {} // an optional section of a later version: skipped
        }
    }
    let body = |i: usize| {
        bodies[i].map(In::new).ok_or_else(|| {
            format!("the required section {:#06x} is missing", KNOWN[i])
        })
    };
    let (tool, plan, catalog) = meta(&mut body(0)?)?;
    let inputs = inputs(&mut body(1)?)?;
    let mut tally = Tally::default();
    tally.groups.bound(plan.max_groups);
    accounting(&mut body(2)?, &mut tally)?;
    groups(&mut body(3)?, &plan, &mut tally)?;
    cells(&mut body(4)?, &plan, &mut tally)?;
    if let Some(b) = bodies[7] {
        updates(&mut In::new(b), &plan, &mut tally)?;
    }
    problems(&mut body(5)?, inputs.len(), &mut tally)?;
    let mut listings = listings(&mut body(6)?)?;
    if let Some(b) = bodies[8] {
        pruned(&mut In::new(b), &mut listings)?;
    }
    check(&tally)?;
    Ok(Partial { tool, plan, catalog, inputs, tally, listings })
}

/// A section must be read to its last byte.
fn done(i: &In<'_>, what: &str) -> std::result::Result<(), String> {
    if i.is_done() {
        Ok(())
    } else {
        Err(format!("the {what} section has bytes left over"))
    }
}

type R<T> = std::result::Result<T, String>;

fn meta(i: &mut In<'_>) -> R<(String, Plan, u64)> {
    let tool = i.str("tool version")?.to_owned();
    let mut plan = Plan::default();
    for _ in 0..i.len("--by", 1)? {
        let d =
            Dim::parse(i.str("--by")?).map_err(|e| format!("--by: {e}"))?;
        if plan.by.contains(&d) {
            return Err(format!("--by: {d} twice"));
        }
        plan.by.push(d);
    }
    let mut bound = |what: &str| -> R<Option<Timestamp>> {
        Ok(match i.byte(what)? {
            0 => None,
            1 => {
                let secs = i.int(what)?;
                let nanos = i.uint(what)?;
                if nanos >= 1_000_000_000 {
                    return Err(format!("{what}: {nanos} nanoseconds"));
                }
                Some(Timestamp { secs, nanos: nanos as u32 })
            }
            b => return Err(format!("{what}: flag {b}")),
        })
    };
    plan.since = bound("--since")?;
    plan.until = bound("--until")?;
    for _ in 0..i.len("--where", 3)? {
        let dim = Dim::parse(i.str("--where")?)
            .map_err(|e| format!("--where: {e}"))?;
        let negate = match i.byte("--where")? {
            0 => false,
            1 => true,
            b => return Err(format!("--where: operator {b}")),
        };
        let values = (0..i.len("--where values", 1)?)
            .map(|_| i.str("--where value").map(str::to_owned))
            .collect::<R<Vec<_>>>()?;
        plan.filters.push(Filter { dim, values, negate });
    }
    let max = i.uint("--max-groups")?;
    if max == 0 || max > u64::from(u32::MAX) {
        return Err(format!("--max-groups {max}"));
    }
    plan.max_groups = max as usize;
    plan.distinct = match i.byte("--distinct-precision")? {
        0 => None,
        lg if crate::tally::distinct::LG_K_RANGE.contains(&lg) => Some(lg),
        lg => return Err(format!("--distinct-precision {lg}")),
    };
    let catalog = i.u64_le("catalog digest")?;
    done(i, "meta")?;
    Ok((tool, plan, catalog))
}

fn inputs(i: &mut In<'_>) -> R<Vec<String>> {
    let names = (0..i.len("inputs", 1)?)
        .map(|_| i.str("input name").map(str::to_owned))
        .collect::<R<Vec<_>>>()?;
    done(i, "inputs")?;
    Ok(names)
}

fn accounting(i: &mut In<'_>, t: &mut Tally) -> R<()> {
    let n = i.len("accounting", 1)?;
    let want = COUNTERS;
    if n < want {
        return Err(format!("{n} accounting counters, {want} expected"));
    }
    let mut c = [0u64; COUNTERS];
    for slot in c.iter_mut() {
        *slot = i.count("accounting counter")?;
    }
    for _ in want..n {
        i.count("accounting counter")?; // added by a later minor change
    }
    for (slot, n) in counters_mut(&mut t.acc).into_iter().zip(c) {
        *slot = n;
    }
    let f = &mut t.filtered;
    f.outside_window = i.count("filtered")?;
    f.no_time = i.count("filtered")?;
    f.by_where = i.count("filtered")?;
    t.pruned_files = i.count("pruned files")?;
    t.ungrouped = i.count("ungrouped")?;
    for _ in 0..i.len("kinds", 2)? {
        let k = i.str("kind")?.to_owned();
        let n = i.count("kind records")?;
        if t.kinds.insert(k, n).is_some() {
            return Err("a kind is listed twice".into());
        }
    }
    for _ in 0..i.len("formats", 3)? {
        let name = match i.str("format")? {
            "jsonl" => "jsonl",
            "json" => "json",
            "csv" => "csv",
            "text" => "text",
            other => return Err(format!("unknown input format {other:?}")),
        };
        let files = i.count("format files")?;
        let records = i.count("format records")?;
        if t.formats.insert(name, FormatCount { files, records }).is_some() {
            return Err(format!("format {name} is listed twice"));
        }
    }
    done(i, "accounting")
}

fn groups(i: &mut In<'_>, plan: &Plan, t: &mut Tally) -> R<()> {
    let width = i.uint("group width")?;
    if width != 0 && width != plan.by.len() as u64 {
        return Err(format!(
            "groups of {width} values in a plan of {} dimensions",
            plan.by.len()
        ));
    }
    let dicts = (0..width)
        .map(|_| {
            (0..i.len("dimension values", 1)?)
                .map(|_| i.str("dimension value"))
                .collect::<R<Vec<&str>>>()
        })
        .collect::<R<Vec<_>>>()?;
    let n = i.len("groups", width as usize)?;
    if n > 0 && (width == 0 || plan.by.is_empty()) {
        return Err(format!("{n} groups in a plan without dimensions"));
    }
    let mut values: Vec<Cow<'_, str>> = Vec::with_capacity(width as usize);
    for expected in 1..=n as u32 {
        values.clear();
        for d in &dicts {
            let v = i.uint("group value")?;
            let v = d.get(v as usize).ok_or_else(|| {
                format!("group value {v} of {} values", d.len())
            })?;
            values.push(Cow::Borrowed(v));
        }
        match t.groups.id(&values) {
            None => {
                return Err(format!(
                    "more than --max-groups {} groups",
                    plan.max_groups
                ))
            }
            Some(id) if id != expected => {
                return Err("a group is listed twice".into())
            }
            Some(_) => {}
        }
    }
    done(i, "groups")
}

fn cells(i: &mut In<'_>, plan: &Plan, t: &mut Tally) -> R<()> {
    let n = i.len("cells", 4)?;
    let groups = t.groups.len() as u64;
    let mut last: Option<(u32, Triple)> = None;
    t.cells.reserve(n);
    for _ in 0..n {
        let group = i.uint("cell group")?;
        if group > groups || (group == 0) != plan.by.is_empty() {
            return Err(format!("cell of group {group}, of {groups} groups"));
        }
        let flags = i.byte("cell flags")?;
        let category = category_of(flags >> 4)?;
        if flags & 0x0c != 0 {
            return Err(format!("cell flags {flags:#04x}"));
        }
        let code = i.int("code")?;
        let subcode = if flags & HAS_SUBCODE != 0 {
            Some(i.int("subcode")?)
        } else {
            None
        };
        let triple = Triple { code, subcode, category };
        let count = i.count("cell count")?;
        let ids = if flags & HAS_SKETCHES != 0 {
            let Some(lg) = plan.distinct else {
                return Err("sketches in a --no-distinct partial".into());
            };
            let mut sketch = || -> R<Distinct> {
                let d = Distinct::from_bytes(i.bytes("sketch")?)
                    .map_err(|e| e.to_string())?;
                if d.lg_k() != lg {
                    return Err(format!(
                        "a sketch of lgK {} in a plan of lgK {lg}",
                        d.lg_k()
                    ));
                }
                Ok(d)
            };
            let calls = sketch()?;
            let participants = sketch()?;
            Some(Box::new(Ids { calls, participants }))
        } else {
            None
        };
        let key = (group as u32, triple);
        if last.is_some_and(|l| l >= key) {
            return Err("cells out of order or listed twice".into());
        }
        last = Some(key);
        t.cells
            .insert(GroupKey::new(group as u32, triple), Cell { count, ids });
    }
    done(i, "cells")
}

fn problems(i: &mut In<'_>, inputs: usize, t: &mut Tally) -> R<()> {
    let input = |i: &mut In<'_>, what: &str| -> R<u32> {
        match i.uint(what)? {
            n if n >= 1 && n <= inputs as u64 => Ok(n as u32 - 1),
            n => Err(format!("{what} refers to input {n} of {inputs}")),
        }
    };
    let n = i.len("samples", 4)?;
    if n > crate::tally::MAX_SAMPLES {
        return Err(format!("{n} malformed samples (at most 20)"));
    }
    for _ in 0..n {
        let input = input(i, "sample")?;
        let line = i.count("sample line")?;
        let item = i.uint("sample item")?;
        let item =
            u32::try_from(item).map_err(|_| "sample item".to_owned())?;
        let reason = i.str("sample reason")?.to_owned();
        t.samples.push(Sample { input, line, item, reason });
    }
    for _ in 0..i.len("errors", 3)? {
        let input = input(i, "error")?;
        let path = i.str("error path")?.to_owned();
        let message = i.str("error message")?.to_owned();
        t.errors.push(InputError { input, path, message });
    }
    t.samples.sort();
    t.errors.sort();
    done(i, "problems")
}

fn listings(i: &mut In<'_>) -> R<Vec<Listing>> {
    let mut out = Vec::new();
    for _ in 0..i.len("listings", 12)? {
        let digest = i.u64_le("listing digest")?;
        let skipped_files = i.count("skipped files")?;
        let mut names = || {
            (0..i.len("names", 1)?)
                .map(|_| i.str("name").map(str::to_owned))
                .collect::<R<Vec<_>>>()
        };
        let skipped_names = names()?;
        let duplicates = names()?;
        let errors = (0..i.len("walk errors", 2)?)
            .map(|_| {
                Ok((i.str("path")?.to_owned(), i.str("message")?.to_owned()))
            })
            .collect::<R<Vec<_>>>()?;
        out.push(Listing {
            digest,
            skipped_files,
            skipped_names,
            duplicates,
            errors,
            pruned_folders: 0,
        });
    }
    done(i, "listings")?;
    Ok(out)
}

/// The partition folders each listing pruned (`write::write`).
fn pruned(i: &mut In<'_>, listings: &mut [Listing]) -> R<()> {
    for _ in 0..i.len("pruned listings", 9)? {
        let digest = i.u64_le("listing digest")?;
        let n = i.count("pruned folders")?;
        let l = listings
            .iter_mut()
            .find(|l| l.digest == digest)
            .ok_or("pruned folders of a listing it does not hold")?;
        if l.pruned_folders > 0 || n == 0 {
            return Err("a listing's pruned folders are given twice or \
                        as 0"
                .into());
        }
        l.pruned_folders = n;
    }
    done(i, "pruned")
}

/// The CallSummaryUpdates version table (`write::updates`).
fn updates(i: &mut In<'_>, plan: &Plan, t: &mut Tally) -> R<()> {
    use crate::tally::versions::Version;
    let n = i.len("versions", 20)?;
    let groups = t.groups.len() as u64;
    let mut last: Option<[u64; 2]> = None;
    for _ in 0..n {
        let key = [i.u64_le("version key")?, i.u64_le("version key")?];
        if last.is_some_and(|l| l >= key) {
            return Err("version keys out of order".into());
        }
        last = Some(key);
        let version = i.int("version")?;
        let flags = i.byte("version flags")?;
        if flags & 0x88 != 0 || (flags & HAS_CODE == 0 && flags != 0) {
            return Err(format!("version flags {flags:#04x}"));
        }
        let triple = if flags & HAS_CODE != 0 {
            let category = category_of(flags >> 4)?;
            let code = i.int("code")?;
            let subcode = if flags & HAS_SUBCODE != 0 {
                Some(i.int("subcode")?)
            } else {
                None
            };
            Some(Triple { code, subcode, category })
        } else {
            None
        };
        let group = i.uint("version group")?;
        let dims = match group {
            0 => None,
            g if g - 1 > groups || (g == 1) != plan.by.is_empty() => {
                return Err(format!(
                    "version of group {}, of {groups} groups",
                    g - 1
                ));
            }
            g => Some((g - 1) as u32),
        };
        let coupon = |i: &mut In<'_>| -> R<u32> {
            u32::try_from(i.uint("coupon")?).map_err(|_| "coupon".into())
        };
        let (call, participant) = (coupon(i)?, coupon(i)?);
        let v = Version::from_parts(version, triple, dims, call, participant);
        t.versions.insert_new(key, v);
    }
    done(i, "versions")
}

/// A category byte (`write::category_byte`).
fn category_of(b: u8) -> R<Option<Category>> {
    Ok(match b {
        0 => None,
        1 => Some(Category::Success),
        2 => Some(Category::ExpectedError),
        3 => Some(Category::UnexpectedClientError),
        4 => Some(Category::UnexpectedServerError),
        5 => Some(Category::Unknown),
        c => return Err(format!("category {c}")),
    })
}

/// The accounting identities of spec §4 that the merge relies on,
/// checked without overflow: a partial that breaks them was not written
/// by calltally.
fn check(t: &Tally) -> R<()> {
    let a = &t.acc;
    let mut cells: u64 = 0;
    for c in t.cells.values() {
        cells = cells
            .checked_add(c.count)
            .filter(|&n| n <= MAX_COUNT)
            .ok_or("cell counts overflow")?;
    }
    let f = &t.filtered;
    let ok = cells + t.ungrouped == a.counted
        && f.outside_window + f.no_time + f.by_where == a.filtered
        && a.counted
            + a.without_code
            + a.filtered
            + a.superseded
            + t.versions.len() as u64
            <= a.records;
    if ok {
        Ok(())
    } else {
        Err("its counts break the accounting identities (the cells add up \
             to counted, the reasons to filtered, and records >= counted + \
             without_code + filtered + superseded + versions kept)"
            .into())
    }
}
