//! What every path of the pipeline shares: the run's readers, the input
//! being read, and the small steps all paths take.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::config::{Config, Format};
use crate::error::{Error, Result};
use crate::extract::csv::QuoteScan;
use crate::extract::text::TextReader;
use crate::extract::{Cut, Detected, Reader};
use crate::input::lines::count_lines;
use crate::progress::Progress;
use crate::record::{Record, Sink};
use crate::tally::{Counter, FormatCount, IdStore, InputError, Tally};

/// How many leading bytes of a stream are looked at to decide its format
/// (more are read while the first line is longer, up to [`SNIFF_MAX`]).
pub(super) const SNIFF_MIN: usize = 64 << 10;
/// The most bytes read to find the end of the first line when sniffing.
pub(super) const SNIFF_MAX: usize = 1 << 20;

/// The readers of a run, built once from its configuration.
#[derive(Debug)]
pub struct Readers {
    format: Format,
    pub(super) text: TextReader,
    /// A versioned record (spec §3) was seen: from now on every piece
    /// reads calls and participants, which key versions, even when the
    /// plan does not count them.
    versions_seen: std::sync::atomic::AtomicBool,
    /// The sketches of the run's cells, kept across pieces, when it
    /// counts calls without dimensions: the caller that made the readers
    /// attaches them to the run's tally ([`Readers::attach_ids`]).
    ids: Option<IdStore>,
}

impl Readers {
    /// Build the readers for `config` (compiles `--pattern`).
    pub fn new(config: &Config) -> Result<Readers> {
        let text = match &config.pattern {
            Some(p) => TextReader::with_pattern(p).map_err(Error::Pattern)?,
            None => TextReader::default(),
        };
        let plan = &config.plan;
        let keeps_ids = plan.distinct.is_some() && plan.by.is_empty();
        Ok(Readers {
            format: config.format,
            text,
            versions_seen: false.into(),
            ids: keeps_ids.then(IdStore::default),
        })
    }

    /// The readers for JSON Lines alone (tests and benchmarks).
    pub(super) fn jsonl() -> Readers {
        Readers {
            format: Format::Jsonl,
            text: TextReader::default(),
            versions_seen: false.into(),
            ids: None,
        }
    }

    /// Put the sketches the run's pieces counted into the run's `tally`
    /// (which every piece's tally was merged into).
    pub(super) fn attach_ids(&self, tally: &mut Tally) {
        if let Some(store) = &self.ids {
            store.attach(&mut tally.cells);
        }
    }

    pub(super) fn forced(&self) -> Option<Detected> {
        match self.format {
            Format::Auto => None,
            Format::Jsonl => Some(Detected::Jsonl),
            Format::Json => Some(Detected::Json),
            Format::Csv => Some(Detected::Csv),
            Format::Text => Some(Detected::Text),
        }
    }
}

/// What is being read: for messages and per-input settings.
pub(super) struct Ctx<'a> {
    pub(super) index: u32,
    pub(super) name: &'a str,
    pub(super) config: &'a Config,
    pub(super) readers: &'a Readers,
    /// Where the run's progress is counted, if anyone watches.
    pub(super) progress: Option<&'a Progress>,
    /// Stored bytes of this input counted into `progress` so far.
    pub(super) reported: AtomicU64,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(
        index: u32,
        name: &'a str,
        config: &'a Config,
        readers: &'a Readers,
    ) -> Ctx<'a> {
        Ctx {
            index,
            name,
            config,
            readers,
            progress: config.progress.as_deref(),
            reported: AtomicU64::new(0),
        }
    }

    /// `n` more stored bytes of the input were read (once per piece or
    /// block, never per record).
    pub(super) fn read(&self, n: usize) {
        if let Some(p) = self.progress {
            p.read(n as u64);
            self.reported.fetch_add(n as u64, Relaxed);
        }
    }

    /// `n` more bytes of the input were decompressed.
    pub(super) fn decoded(&self, n: usize) {
        if let Some(p) = self.progress {
            p.decoded(n as u64);
        }
    }
}

/// A tally that says the input failed.
pub(super) fn failed(ctx: &Ctx<'_>, message: String) -> Tally {
    Tally {
        errors: vec![InputError {
            input: ctx.index,
            path: ctx.name.to_owned(),
            message,
        }],
        ..Tally::default()
    }
}

/// Called with each piece of a memory map once it has been counted.
pub(super) type Release<'a> = Option<&'a (dyn Fn(&[u8]) + Sync)>;

/// Count one piece of an input with `reader`, under the run's plan. A
/// line (a CSV row) longer than `--max-record-bytes` is one malformed
/// record, not read (spec §10). Rows of a CSV piece longer than the bound
/// are the rows of the bounded quote scan: a quote still open after the
/// bound ends its row at the next line, and that row is read as the last
/// of its own piece.
pub(super) fn count(
    reader: &Reader<'_>,
    piece: &[u8],
    ctx: &Ctx<'_>,
) -> Tally {
    let max = ctx.config.max_record_bytes;
    if reader.cut() == Cut::Whole || piece.len() <= max {
        return count_all(reader, piece, ctx);
    }
    let mut parts = Vec::new();
    // `start`: where the bytes not yet counted begin.
    let (mut start, mut row_start) = (0, 0);
    let csv = reader.cut() == Cut::CsvRows;
    let mut row = |end: usize, resync: bool, parts: &mut Vec<Tally>| {
        // A line's size leaves its newline out, a CSV row's does not.
        let len = end - row_start.min(end);
        let nl = !csv && len > 0 && piece[end - 1] == b'\n';
        let size = len - usize::from(nl);
        let long = size > max;
        if long || resync {
            let upto = if long { row_start } else { end };
            if upto > start {
                parts.push(count_all(reader, &piece[start..upto], ctx));
            }
            if long {
                let lines = count_lines(&piece[row_start..end]);
                parts.push(long_line(ctx, reader.cut(), size as u64, lines));
            }
            start = end;
        }
        row_start = end;
    };
    match reader.cut() {
        Cut::CsvRows => {
            let mut scan = QuoteScan::new(max);
            scan.scan_rows(piece, 0, false, |end, resync| {
                row(end, resync, &mut parts);
                true
            });
        }
        _ => {
            for end in memchr::memchr_iter(b'\n', piece) {
                row(end + 1, false, &mut parts);
            }
        }
    }
    row(piece.len(), false, &mut parts);
    if start < piece.len() {
        parts.push(count_all(reader, &piece[start..], ctx));
    }
    super::pieces::fold_in_order(parts)
}

/// Count a piece. A plan that does not count calls reads no ids, until a
/// piece holds a versioned record, which needs its ids for its key: that
/// piece is read again with them, and so are all pieces after it.
fn count_all(reader: &Reader<'_>, piece: &[u8], ctx: &Ctx<'_>) -> Tally {
    use std::sync::atomic::Ordering::Relaxed;
    let seen = &ctx.readers.versions_seen;
    // A JSON document's reader may start over (a later `records` member
    // replaces an earlier one): ids it gave the run's store could not be
    // taken back, so its counter keeps its own.
    let store = match reader {
        Reader::Json(_) => None,
        _ => ctx.readers.ids.as_ref(),
    };
    let mut counter =
        Counter::new(&ctx.config.plan, ctx.index).with_store(store);
    if seen.load(Relaxed) {
        counter = counter.reading_ids();
    }
    reader.read(piece, &mut counter);
    if counter.missed_ids() {
        // (The counter dropped here gave the store nothing: a counter
        // counts into it when it finishes.)
        seen.store(true, Relaxed);
        counter = Counter::new(&ctx.config.plan, ctx.index)
            .with_store(store)
            .reading_ids();
        reader.read(piece, &mut counter);
    }
    counter.finish()
}

/// A counter for a JSON document, read as a stream that cannot be read
/// again: it reads the ids that key versioned records whatever the plan.
pub(super) fn document_counter<'c>(ctx: &Ctx<'c>) -> Counter<'c> {
    Counter::new(&ctx.config.plan, ctx.index).reading_ids()
}

/// The tally of one line (a CSV row: `cut`) of `bytes` bytes (a line's
/// newline not counted, a row's line end counted) over `lines` lines,
/// longer than `--max-record-bytes`: one malformed record, skipped unread.
pub(super) fn long_line(
    ctx: &Ctx<'_>,
    cut: Cut,
    bytes: u64,
    lines: u64,
) -> Tally {
    let mut counter = Counter::new(&ctx.config.plan, ctx.index);
    let what = match cut {
        Cut::CsvRows => "row",
        _ => "line",
    };
    let reason = format!(
        "{what} of {bytes} bytes is longer than --max-record-bytes ({}); \
         skipped",
        ctx.config.max_record_bytes
    );
    counter.record(Record::malformed(reason), 1, 0);
    counter.lines(lines.max(1));
    counter.finish()
}

/// Inputs that are not logs at all: UTF-16 text (say how to convert it),
/// and binary data sniffed as text (a NUL byte, which no log text holds; a
/// JSON or CSV input with a damaged line is still read, the line counted
/// as malformed). Reported and skipped rather than counted as something
/// else; `--format` reads them anyway.
pub(super) fn not_a_log(
    head: &[u8],
    format: Detected,
    ctx: &Ctx<'_>,
) -> Option<Tally> {
    if ctx.readers.forced().is_some() {
        return None;
    }
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Some(failed(
            ctx,
            "UTF-16 text is not supported; convert it to UTF-8 first \
             (iconv -f UTF-16 -t UTF-8)"
                .into(),
        ));
    }
    if format != Detected::Text {
        return None;
    }
    let nul = memchr::memchr(0, &head[..head.len().min(SNIFF_MIN)])?;
    Some(failed(
        ctx,
        format!(
            "binary data (a NUL byte at offset {nul}), not a log; skipped \
             (--format reads it anyway)"
        ),
    ))
}

/// Record the format an input was read as, and its records.
pub(super) fn read_as(t: &mut Tally, format: Detected) {
    let records = t.acc.records;
    t.formats.insert(format.name(), FormatCount { files: 1, records });
}
