//! Encoding a [`Partial`] (`docs/partial-format.md`), canonically: inputs
//! in path order, dimension values, tuples and cells sorted, so the same
//! counts give the same bytes whatever the order they were counted in.

use std::collections::BTreeMap;

use super::wire::Out;
use super::{path_order, section, Partial, FORMAT_VERSION, MAGIC};
use crate::record::{Category, Triple};
use crate::tally::{Accounting, Cell, Plan, Tally};

/// The bytes of a partial.
pub fn write(p: &Partial) -> Vec<u8> {
    let mut file = Vec::with_capacity(1 << 16);
    file.extend_from_slice(&MAGIC);
    file.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    file.extend_from_slice(&0u16.to_le_bytes());
    let crc = crc32(&file);
    file.extend_from_slice(&crc.to_le_bytes());

    // Inputs in path order; `remap[old] = new`.
    let mut order: Vec<usize> = (0..p.inputs.len()).collect();
    order.sort_by(|&a, &b| path_order(&p.inputs[a], &p.inputs[b]));
    let mut remap = vec![0u32; p.inputs.len()];
    for (new, &old) in order.iter().enumerate() {
        remap[old] = new as u32;
    }

    let req = section::REQUIRED;
    put(&mut file, section::META, req, |o| meta(o, p));
    put(&mut file, section::INPUTS, req, |o| {
        o.uint(order.len() as u64);
        order.iter().for_each(|&i| o.str(&p.inputs[i]));
    });
    put(&mut file, section::ACCOUNTING, req, |o| accounting(o, &p.tally));
    let group_ids = groups_order(&p.tally);
    put(&mut file, section::GROUPS, req, |o| groups(o, &p.tally, &group_ids));
    put(&mut file, section::CELLS, req, |o| cells(o, &p.tally, &group_ids));
    if !p.tally.versions.is_empty() {
        put(&mut file, section::UPDATES, req, |o| {
            updates(o, &p.tally, &group_ids)
        });
    }
    put(&mut file, section::PROBLEMS, req, |o| problems(o, &p.tally, &remap));
    let mut ls: Vec<_> = p.listings.iter().filter(|l| !l.is_empty()).collect();
    ls.sort();
    ls.dedup_by_key(|l| l.digest);
    put(&mut file, section::LISTINGS, req, |o| {
        o.uint(ls.len() as u64);
        for l in &ls {
            o.u64_le(l.digest);
            o.uint(l.skipped_files);
            for list in [&l.skipped_names, &l.duplicates] {
                o.uint(list.len() as u64);
                list.iter().for_each(|n| o.str(n));
            }
            o.uint(l.errors.len() as u64);
            for (path, message) in &l.errors {
                o.str(path);
                o.str(message);
            }
        }
    });
    let pruned: Vec<_> = ls.iter().filter(|l| l.pruned_folders > 0).collect();
    if !pruned.is_empty() {
        put(&mut file, section::PRUNED, 0, |o| {
            o.uint(pruned.len() as u64);
            for l in pruned {
                o.u64_le(l.digest);
                o.uint(l.pruned_folders);
            }
        });
    }
    put(&mut file, section::END, req, |_| {});
    file
}

/// CRC-32 (IEEE 802.3, as zlib's `crc32`).
pub(super) fn crc32(bytes: &[u8]) -> u32 {
    let mut c = flate2::Crc::new();
    c.update(bytes);
    c.sum()
}

/// Append one section: id, flags, body length, body, CRC-32 of all four.
fn put(file: &mut Vec<u8>, id: u16, flags: u16, body: impl FnOnce(&mut Out)) {
    let start = file.len();
    file.extend_from_slice(&id.to_le_bytes());
    file.extend_from_slice(&flags.to_le_bytes());
    file.extend_from_slice(&0u64.to_le_bytes());
    let mut out = Out { buf: std::mem::take(file) };
    let body_start = out.buf.len();
    body(&mut out);
    *file = out.buf;
    let len = (file.len() - body_start) as u64;
    file[start + 4..start + 12].copy_from_slice(&len.to_le_bytes());
    let crc = crc32(&file[start..]);
    file.extend_from_slice(&crc.to_le_bytes());
}

fn meta(o: &mut Out, p: &Partial) {
    o.str(&p.tool);
    plan(o, &p.plan);
    o.u64_le(p.catalog);
}

fn plan(o: &mut Out, plan: &Plan) {
    o.uint(plan.by.len() as u64);
    plan.by.iter().for_each(|d| o.str(&d.to_string()));
    for bound in [plan.since, plan.until] {
        match bound {
            None => o.byte(0),
            Some(t) => {
                o.byte(1);
                o.int(t.secs);
                o.uint(u64::from(t.nanos));
            }
        }
    }
    o.uint(plan.filters.len() as u64);
    for f in &plan.filters {
        o.str(&f.dim.to_string());
        o.byte(u8::from(f.negate));
        o.uint(f.values.len() as u64);
        f.values.iter().for_each(|v| o.str(v));
    }
    o.uint(plan.max_groups as u64);
    o.byte(plan.distinct.unwrap_or(0));
}

/// The accounting counters, in the order of `docs/partial-format.md`.
pub(super) fn counters_mut(a: &mut Accounting) -> [&mut u64; COUNTERS] {
    [
        &mut a.lines,
        &mut a.blank,
        &mut a.records,
        &mut a.counted,
        &mut a.without_code,
        &mut a.malformed,
        &mut a.envelopes,
        &mut a.envelope_items,
        &mut a.filtered,
        &mut a.inputs,
        &mut a.bytes,
        &mut a.unmatched,
        &mut a.superseded,
        &mut a.versioned,
        &mut a.unversioned_summaries,
    ]
}

/// Their values (see [`counters_mut`]).
pub(super) fn counters(t: &Tally) -> [u64; COUNTERS] {
    let mut a = t.acc;
    counters_mut(&mut a).map(|n| *n)
}

/// How many accounting counters a partial of this version holds.
pub(super) const COUNTERS: usize = 15;

/// Version entry flags: bit 2 a code follows, bit 0 ([`HAS_SUBCODE`]) a
/// subcode, bits 4–6 the category byte.
pub(super) const HAS_CODE: u8 = 4;

/// The CallSummaryUpdates version table, unsettled: entries by key, each
/// with its group renumbered as the cells' are (0: none; else the file's
/// group number + 1, so a run without `--by` writes 1 for group 0).
fn updates(o: &mut Out, t: &Tally, order: &GroupOrder) {
    let mut entries: Vec<_> = t.versions.entries().collect();
    entries.sort_unstable_by_key(|(k, _)| **k);
    o.uint(entries.len() as u64);
    for (key, v) in entries {
        o.u64_le(key[0]);
        o.u64_le(key[1]);
        o.int(v.version);
        let triple = v.triple();
        let mut flags = 0;
        if let Some(t) = &triple {
            flags |= HAS_CODE | category_byte(t.category) << 4;
            if t.subcode.is_some() {
                flags |= HAS_SUBCODE;
            }
        }
        o.byte(flags);
        if let Some(t) = triple {
            o.int(t.code);
            if let Some(s) = t.subcode {
                o.int(s);
            }
        }
        let group = v.dims().map_or(0, |d| {
            u64::from(order.new.get(d as usize).copied().unwrap_or(0)) + 1
        });
        o.uint(group);
        o.uint(u64::from(v.call));
        o.uint(u64::from(v.participant));
    }
}

fn accounting(o: &mut Out, t: &Tally) {
    let c = counters(t);
    o.uint(c.len() as u64);
    c.iter().for_each(|&n| o.uint(n));
    let f = &t.filtered;
    for n in
        [f.outside_window, f.no_time, f.by_where, t.pruned_files, t.ungrouped]
    {
        o.uint(n);
    }
    let kinds: BTreeMap<&str, u64> =
        t.kinds.iter().map(|(k, &n)| (k.as_str(), n)).collect();
    o.uint(kinds.len() as u64);
    for (k, n) in kinds {
        o.str(k);
        o.uint(n);
    }
    let formats: BTreeMap<&str, _> =
        t.formats.iter().map(|(k, v)| (*k, v)).collect();
    o.uint(formats.len() as u64);
    for (k, f) in formats {
        o.str(k);
        o.uint(f.files);
        o.uint(f.records);
    }
}

/// The tally's tuple ids in canonical order (sorted by their values):
/// `ids[new - 1] = old`, and the inverse, `new[old]` (index 0: id 0).
struct GroupOrder {
    sorted: Vec<u32>,
    new: Vec<u32>,
}

fn groups_order(t: &Tally) -> GroupOrder {
    let n = t.groups.len();
    let mut sorted: Vec<u32> = (1..=n as u32).collect();
    sorted.sort_by_cached_key(|&id| t.groups.values(id));
    let mut new = vec![0u32; n + 1];
    for (i, &old) in sorted.iter().enumerate() {
        new[old as usize] = i as u32 + 1;
    }
    GroupOrder { sorted, new }
}

fn groups(o: &mut Out, t: &Tally, order: &GroupOrder) {
    let tuples: Vec<Vec<&str>> =
        order.sorted.iter().map(|&id| t.groups.values(id)).collect();
    let width = tuples.first().map_or(0, Vec::len);
    o.uint(width as u64);
    let mut dicts: Vec<BTreeMap<&str, u32>> = vec![BTreeMap::new(); width];
    for tuple in &tuples {
        for (d, v) in dicts.iter_mut().zip(tuple) {
            d.insert(v, 0);
        }
    }
    for d in &mut dicts {
        o.uint(d.len() as u64);
        for (i, (v, id)) in d.iter_mut().enumerate() {
            o.str(v);
            *id = i as u32;
        }
    }
    o.uint(tuples.len() as u64);
    for tuple in &tuples {
        for (d, v) in dicts.iter().zip(tuple) {
            o.uint(u64::from(d[v]));
        }
    }
}

/// The category byte: 0 when the log gave none.
pub(super) fn category_byte(c: Option<Category>) -> u8 {
    match c {
        None => 0,
        Some(Category::Success) => 1,
        Some(Category::ExpectedError) => 2,
        Some(Category::UnexpectedClientError) => 3,
        Some(Category::UnexpectedServerError) => 4,
        Some(Category::Unknown) => 5,
    }
}

/// Cell flags: bit 0 a subcode follows, bit 1 sketches follow, bits 4–6
/// the category byte.
pub(super) const HAS_SUBCODE: u8 = 1;
pub(super) const HAS_SKETCHES: u8 = 2;

fn cells(o: &mut Out, t: &Tally, order: &GroupOrder) {
    let mut cells: Vec<(u32, Triple, &Cell)> = t
        .cells
        .iter()
        .map(|(k, c)| {
            (
                order.new.get(k.dims() as usize).copied().unwrap_or(0),
                k.triple(),
                c,
            )
        })
        .collect();
    cells.sort_unstable_by_key(|c| (c.0, c.1));
    o.uint(cells.len() as u64);
    for (group, triple, cell) in cells {
        o.uint(u64::from(group));
        let mut flags = category_byte(triple.category) << 4;
        if triple.subcode.is_some() {
            flags |= HAS_SUBCODE;
        }
        if cell.ids.is_some() {
            flags |= HAS_SKETCHES;
        }
        o.byte(flags);
        o.int(triple.code);
        if let Some(s) = triple.subcode {
            o.int(s);
        }
        o.uint(cell.count);
        if let Some(ids) = &cell.ids {
            o.bytes(&ids.calls.to_bytes());
            o.bytes(&ids.participants.to_bytes());
        }
    }
}

fn problems(o: &mut Out, t: &Tally, remap: &[u32]) {
    let index =
        |i: u32| remap.get(i as usize).map_or(0, |&n| u64::from(n) + 1);
    let mut samples: Vec<_> = t
        .samples
        .iter()
        .map(|s| (index(s.input), s.line, s.item, s.reason.as_str()))
        .collect();
    samples.sort();
    o.uint(samples.len() as u64);
    for (input, line, item, reason) in samples {
        o.uint(input);
        o.uint(line);
        o.uint(u64::from(item));
        o.str(reason);
    }
    let mut errors: Vec<_> = t
        .errors
        .iter()
        .map(|e| (index(e.input), e.path.as_str(), e.message.as_str()))
        .collect();
    errors.sort();
    o.uint(errors.len() as u64);
    for (input, path, message) in errors {
        o.uint(input);
        o.str(path);
        o.str(message);
    }
}
