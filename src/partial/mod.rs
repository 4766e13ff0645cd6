//! Partial tallies (spec §8): what `report --partial` writes instead of
//! reports, and what `merge` turns into the reports of one run.
//!
//! A [`Partial`] is a [`Tally`] with everything a report needs that the
//! tally does not hold itself: the plan it was counted under, the digest
//! of the catalog in effect, the names of the inputs its samples and
//! errors refer to, and the notes of the directory walks that listed them.
//! [`write()`] encodes it in the versioned, self-describing binary format of
//! `docs/partial-format.md` (canonically: the same counts give the same
//! bytes), [`read()`] decodes it back or says why it cannot, and [`Merger`]
//! folds any number of partials, one at a time, into one.
//!
//! # How a merge reproduces one run
//!
//! Counts, sketches, kinds and formats add up (the tally is a commutative
//! monoid). What depends on the order of the inputs — the first malformed
//! samples, the order of errors — is rebuilt in the order of one run over
//! a directory or a sorted list: inputs sorted by path, component by
//! component (the order a sorted directory walk gives). `report --partial`
//! counts its inputs in that order too, so the samples a partial keeps are
//! the first of its inputs in the merged order. Walk notes (skipped report
//! folders, pruned partition folders) and walk errors belong to a
//! *listing* (the walk before `--shard`): the shards of one listing each
//! carry it, and it counts once.

mod merge;
mod read;
mod wire;
mod write;

use std::cmp::Ordering;
use std::path::Path;

pub use self::merge::{plan_difference, Merger};
pub use self::read::read;
pub use self::write::write;
use crate::catalog::Catalog;
use crate::input::WalkNotes;
use crate::tally::{Plan, Tally};

/// The first eight bytes of every partial: not text (0x89), the name,
/// then a CR LF and a Ctrl-Z that text-mode transfers would damage.
pub const MAGIC: [u8; 8] = *b"\x89CTP\r\n\x1a\n";

/// The format version this calltally writes, and the newest it reads.
pub const FORMAT_VERSION: u16 = 1;

/// The section ids of format version 1 (`docs/partial-format.md` §3).
pub mod section {
    /// Tool version, plan and catalog digest.
    pub const META: u16 = 1;
    /// The input names.
    pub const INPUTS: u16 = 2;
    /// The accounting, filtered, pruned and ungrouped counts, kinds,
    /// formats.
    pub const ACCOUNTING: u16 = 3;
    /// The tuples of dimension values.
    pub const GROUPS: u16 = 4;
    /// The counts and sketches per group.
    pub const CELLS: u16 = 5;
    /// Malformed samples and input errors.
    pub const PROBLEMS: u16 = 6;
    /// Walk notes and walk errors per listing.
    pub const LISTINGS: u16 = 7;
    /// Reserved for the CallSummaryUpdates version table (not written by
    /// this version; a reader of this version refuses it, as it is
    /// flagged required).
    pub const UPDATES: u16 = 8;
    /// The partition folders each listing pruned (optional: written only
    /// when a listing pruned some; an older reader skips it).
    pub const PRUNED: u16 = 9;
    /// The last section: nothing may follow it.
    pub const END: u16 = 0xFFFF;
    /// The flag bit of a section a reader must understand.
    pub const REQUIRED: u16 = 1;
}

/// A partial tally: counts under a plan, with what reports need besides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partial {
    /// The version of the calltally that wrote it.
    pub tool: String,
    /// The plan it was counted under.
    pub plan: Plan,
    /// [`catalog_digest`] of the catalog in effect when it was written.
    pub catalog: u64,
    /// The input names; `tally`'s samples and errors refer to them by
    /// index.
    pub inputs: Vec<String>,
    /// The counts. Its errors are those of inputs (walk errors are in
    /// `listings`).
    pub tally: Tally,
    /// The walk notes and walk errors of the listings its inputs came
    /// from (only listings with something to say).
    pub listings: Vec<Listing>,
}

/// What one directory walk (before `--shard`) noted besides its inputs.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Listing {
    /// [`listing_digest`] of the walk: partials of one listing share it.
    pub digest: u64,
    /// Files the walk skipped (report folders, the output directory).
    pub skipped_files: u64,
    /// The first of them.
    pub skipped_names: Vec<String>,
    /// Files reached twice.
    pub duplicates: Vec<String>,
    /// Paths that did not become inputs, and why (`path`, `message`).
    pub errors: Vec<(String, String)>,
    /// Partition folders the walk did not enter (a time window misses
    /// them).
    pub pruned_folders: u64,
}

impl Listing {
    /// Whether it has nothing to say (such listings are not kept).
    pub fn is_empty(&self) -> bool {
        self.skipped_files == 0
            && self.duplicates.is_empty()
            && self.errors.is_empty()
            && self.pruned_folders == 0
    }

    /// The walk notes of a set of listings, as one walk over all of them
    /// would have them.
    pub fn notes(listings: &[Listing]) -> WalkNotes {
        let mut notes = WalkNotes::default();
        for l in listings {
            notes.skipped_files += l.skipped_files;
            notes.pruned_folders += l.pruned_folders;
            notes.skipped_names.extend(l.skipped_names.iter().cloned());
            notes.duplicates.extend(l.duplicates.iter().cloned());
        }
        notes.skipped_names.sort_by(|a, b| path_order(a, b));
        notes.skipped_names.dedup();
        notes.skipped_names.truncate(crate::input::MAX_SKIPPED_NAMES);
        notes.duplicates.sort_by(|a, b| path_order(a, b));
        notes
    }
}

/// The order of inputs in a merged run: by path, component by component
/// (the order of a sorted directory walk), then by the text.
pub fn path_order(a: &str, b: &str) -> Ordering {
    Path::new(a).cmp(Path::new(b)).then_with(|| a.cmp(b))
}

/// The digest of a catalog: FNV-1a 64 of its rows as `calltally catalog`
/// prints them (`docs/partial-format.md` §5).
pub fn catalog_digest(catalog: &Catalog) -> u64 {
    let mut csv = Vec::new();
    crate::catalog::write_csv(catalog.rows(), &mut csv)
        .expect("writing to memory");
    wire::fnv1a(&[&csv])
}

/// The digest of a listing: FNV-1a 64 of its input names, its walk errors
/// and its skipped files, each followed by a NUL byte.
pub fn listing_digest(
    names: &[&str],
    errors: &[(&str, &str)],
    notes: &WalkNotes,
) -> u64 {
    let mut parts: Vec<&[u8]> = Vec::new();
    let count = notes.skipped_files.to_string();
    for n in names {
        parts.extend([n.as_bytes(), b"\0"]);
    }
    parts.push(b"\x01errors\0");
    for (p, m) in errors {
        parts.extend([p.as_bytes(), b"\0", m.as_bytes(), b"\0"]);
    }
    parts.extend([b"\x01skipped\0".as_slice(), count.as_bytes(), b"\0"]);
    for n in notes.skipped_names.iter().chain(&notes.duplicates) {
        parts.extend([n.as_bytes(), b"\0"]);
    }
    wire::fnv1a(&parts)
}

impl Partial {
    /// The partial of a counted run: its inputs, its tally (walk errors
    /// moved to its listing) and its walk notes.
    pub fn of_run(run: &crate::Run, catalog: &Catalog) -> Partial {
        let mut tally = run.tally.clone();
        let (walk_errors, errors): (Vec<_>, Vec<_>) =
            std::mem::take(&mut tally.errors)
                .into_iter()
                .partition(|e| e.input as usize >= run.inputs.len());
        tally.errors = errors;
        let listing = Listing {
            digest: run.walk.listing,
            skipped_files: run.walk.skipped_files,
            skipped_names: run.walk.skipped_names.clone(),
            duplicates: run.walk.duplicates.clone(),
            pruned_folders: run.walk.pruned_folders,
            errors: walk_errors
                .into_iter()
                .map(|e| (e.path, e.message))
                .collect(),
        };
        Partial {
            tool: env!("CARGO_PKG_VERSION").to_owned(),
            plan: run.report.plan.clone(),
            catalog: catalog_digest(catalog),
            inputs: run.inputs.iter().map(|i| i.name.clone()).collect(),
            tally,
            listings: if listing.is_empty() {
                Vec::new()
            } else {
                vec![listing]
            },
        }
    }
}

/// Write partial `bytes` to `path` (`-`: standard output). A file is
/// written beside its final name and renamed over it, so a reader never
/// sees half a partial.
pub fn save(bytes: &[u8], path: &Path) -> crate::Result<()> {
    use std::io::Write as _;
    let fail =
        |source| crate::Error::WritePartial { path: path.to_owned(), source };
    if path.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        return out.write_all(bytes).and_then(|()| out.flush()).map_err(fail);
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".calltally-partial-")
        .tempfile_in(dir)
        .map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// `bytes` with the header's and every whole section's CRC-32 recomputed,
/// so that damage reaches the section decoders (the fuzz target and the
/// property tests use it; a partial must never need it).
#[doc(hidden)]
pub fn reseal(bytes: &[u8]) -> Vec<u8> {
    let mut d = bytes.to_vec();
    if d.len() < 16 {
        return d;
    }
    let crc = write::crc32(&d[..12]);
    d[12..16].copy_from_slice(&crc.to_le_bytes());
    let mut at = 16;
    while d.len() - at >= 16 {
        let len =
            u64::from_le_bytes(d[at + 4..at + 12].try_into().expect("8"));
        let end = match (at as u64 + 12).checked_add(len) {
            Some(end) if end.saturating_add(4) <= d.len() as u64 => {
                end as usize
            }
            _ => break,
        };
        let crc = write::crc32(&d[at..end]);
        d[end..end + 4].copy_from_slice(&crc.to_le_bytes());
        at = end + 4;
    }
    d
}
