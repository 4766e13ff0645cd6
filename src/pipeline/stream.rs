//! Streams: standard input, `--no-mmap`, and every compressed input
//! (decompressed as it is read). A reader thread decodes and cuts blocks
//! while the pool counts earlier ones, so decoding and parsing overlap and
//! memory stays bounded.

use std::io::{self, BufReader, Cursor, Read};

use memchr::memrchr;
use rayon::prelude::*;

use super::ctx::{
    count, failed, long_line, not_a_log, read_as, Ctx, Readers, SNIFF_MAX,
    SNIFF_MIN,
};
use super::pieces::{fold_in_order, take_batch};
use crate::config::{Config, Format, STREAM_BLOCK_MAX};
use crate::extract::csv::QuoteScan;
use crate::extract::{json, sniff, Cut, Detected, Reader};
use crate::input::codec::Codec;
use crate::input::lines::{count_lines, strip_bom, BOM};
use crate::record::Sink;
use crate::tally::Tally;

/// Counts the bytes that pass through a reader, and tells the run's
/// progress about them (per read call: blocks of many KB).
struct Counting<'c, R> {
    inner: R,
    bytes: u64,
    meter: Meter<'c>,
}

/// Which progress counter a [`Counting`] reader feeds.
#[derive(Clone, Copy)]
enum Meter<'c> {
    None,
    /// The input's stored bytes.
    Read(&'c Ctx<'c>),
    /// Bytes decompressed from it.
    Decoded(&'c Ctx<'c>),
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        match self.meter {
            Meter::None => {}
            Meter::Read(ctx) => ctx.read(n),
            Meter::Decoded(ctx) => ctx.decoded(n),
        }
        Ok(n)
    }
}

/// Read into `buf` until it holds `want` bytes or the stream ends; returns
/// the bytes read. Interrupted reads are retried.
fn fill(
    r: &mut impl Read,
    buf: &mut Vec<u8>,
    want: usize,
) -> io::Result<usize> {
    let start = buf.len();
    if buf.capacity() < want {
        buf.reserve(want - buf.len());
    }
    while buf.len() < want {
        let n = r.by_ref().take((want - buf.len()) as u64).read_to_end(buf)?;
        if n == 0 {
            break;
        }
    }
    Ok(buf.len() - start)
}

/// Tally a stream: decompress it if its magic bytes say so (`raw`: it has
/// not been decompressed yet), sniff its format, and read it in blocks.
/// `bytes` counts the stream's bytes as they arrive (compressed, if it is).
pub(super) fn tally_stream(
    reader: impl Read + Send,
    ctx: &Ctx<'_>,
    raw: bool,
) -> Tally {
    let mut counted =
        Counting { inner: reader, bytes: 0, meter: Meter::Read(ctx) };
    let mut magic = Vec::with_capacity(4);
    if let Err(e) = fill(&mut counted, &mut magic, 4) {
        return failed(ctx, e.to_string());
    }
    let codec = if raw { Codec::sniff(&magic) } else { None };
    // Large reads: a decoder asks for small pieces.
    let stream = BufReader::with_capacity(
        256 << 10,
        Cursor::new(magic).chain(&mut counted),
    );
    let mut t = match codec {
        Some(c) => match c.decoder(stream) {
            Ok(d) => tally_decoded(d, ctx, true),
            Err(e) => failed(ctx, e.to_string()),
        },
        None => tally_decoded(stream, ctx, false),
    };
    // The input's own bytes (compressed, if it is); an input skipped before
    // any of it was read as a format (not a log, a corrupt header) counts
    // none, whichever path it took.
    let skipped = t.formats.is_empty() && !t.errors.is_empty();
    t.acc.bytes = if skipped { 0 } else { counted.bytes };
    if let Some(c) = codec {
        for e in &mut t.errors {
            e.message = c.describe(&e.message);
        }
    }
    t
}

/// Tally a stream of uncompressed JSON Lines (used by tests).
pub fn tally_reader(
    reader: impl Read + Send,
    index: u32,
    name: &str,
    config: &Config,
) -> Tally {
    let config = Config { format: Format::Jsonl, ..config.clone() };
    let readers = Readers::jsonl();
    let ctx = Ctx::new(index, name, &config, &readers);
    tally_stream(reader, &ctx, false)
}

/// Tally a decompressed stream (`compressed`: decoded from a compressed
/// input): sniff, then read in blocks.
fn tally_decoded(
    reader: impl Read + Send,
    ctx: &Ctx<'_>,
    compressed: bool,
) -> Tally {
    let meter = if compressed { Meter::Decoded(ctx) } else { Meter::None };
    let mut reader = Counting { inner: reader, bytes: 0, meter };
    let mut head = Vec::new();
    let mut complete = false;
    let mut head_error = None;
    // Read a head: at least SNIFF_MIN bytes, more until the first line
    // ends (or SNIFF_MAX).
    loop {
        let want = if head.is_empty() { SNIFF_MIN } else { head.len() * 2 };
        if let Err(e) = fill(&mut reader, &mut head, want.min(SNIFF_MAX)) {
            // Nothing decoded: the input is skipped (a corrupt header).
            if head.is_empty() {
                return failed(ctx, format!("read failed: {e}"));
            }
            // The bytes before the failure are read as the whole input
            // (a small damaged gzip file still counts its records).
            head_error = Some(e);
            complete = true;
            break;
        }
        if head.len() < want.min(SNIFF_MAX) {
            complete = true;
            break;
        }
        let body = strip_bom(&head);
        let first_content =
            body.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(0);
        if memchr::memchr(b'\n', &body[first_content..]).is_some()
            || head.len() >= SNIFF_MAX
        {
            break;
        }
    }
    // After a failure nothing more is read.
    let limit = if head_error.is_some() { 0 } else { u64::MAX };
    let format =
        ctx.readers.forced().unwrap_or_else(|| sniff(&head, complete));
    if let Some(t) = not_a_log(&head, format, ctx) {
        return t;
    }
    let mut t = match format {
        Detected::Json => {
            // The document starts after a BOM, as in memory.
            if head.starts_with(BOM) {
                head.drain(..BOM.len());
            }
            let stream = Cursor::new(head).chain((&mut reader).take(limit));
            let mut counter = super::ctx::document_counter(ctx);
            let (lines, error) = json::document::read(
                BufReader::with_capacity(1 << 16, stream),
                &mut counter,
                ctx.config.max_record_bytes,
            );
            counter.lines(lines);
            let mut t = counter.finish();
            if let Some(e) = error {
                // What was read before the failure is still counted.
                t.merge_from(failed(ctx, format!("read failed: {e}")));
            }
            t
        }
        _ => {
            let body_start = if head.starts_with(BOM) { BOM.len() } else { 0 };
            match Reader::new(
                format,
                &ctx.readers.text,
                &head[body_start..],
                ctx.config.max_record_bytes,
            ) {
                None => Tally::default(),
                // No header: the blocks start with the input (a BOM is
                // removed from the first one).
                Some((reader_, 0)) => tally_blocks(
                    Cursor::new(head).chain((&mut reader).take(limit)),
                    ctx,
                    StreamCut::new(reader_.cut(), ctx.config.max_record_bytes),
                    |b| count(&reader_, b, ctx),
                ),
                Some((reader_, n)) => {
                    let header_end = body_start + n;
                    let header_lines = count_lines(&head[..header_end]);
                    let rest = Cursor::new(head.split_off(header_end));
                    let mut t = tally_blocks(
                        rest.chain((&mut reader).take(limit)),
                        ctx,
                        StreamCut::new(
                            reader_.cut(),
                            ctx.config.max_record_bytes,
                        ),
                        |b| count(&reader_, b, ctx),
                    );
                    t.shift_lines(header_lines);
                    t.acc.lines += header_lines;
                    t
                }
            }
        }
    };
    t.acc.bytes = reader.bytes;
    read_as(&mut t, format);
    if let Some(e) = head_error {
        t.merge_from(failed(ctx, format!("read failed: {e}")));
    }
    t
}

/// A block of a stream, and the tally of a line longer than the bound
/// that followed it (skipped, not held).
struct Block {
    bytes: Vec<u8>,
    long: Option<Tally>,
}

/// Skip the rest of a long line without holding it: read until a newline
/// (`eof`: the stream has ended already). Returns the bytes after the
/// newline, the bytes skipped (the newline not included), and a read error.
fn skip_line(
    reader: &mut impl Read,
    chunk: usize,
    eof: bool,
) -> (Vec<u8>, usize, Option<io::Error>) {
    let mut skipped = 0;
    let mut scratch = Vec::with_capacity(chunk);
    if eof {
        return (Vec::new(), 0, None);
    }
    loop {
        scratch.clear();
        match fill(reader, &mut scratch, chunk) {
            Ok(0) => return (Vec::new(), skipped, None),
            Ok(_) => {}
            Err(e) => return (Vec::new(), skipped + scratch.len(), Some(e)),
        }
        if let Some(i) = memchr::memchr(b'\n', &scratch) {
            return (scratch.split_off(i + 1), skipped + i, None);
        }
        skipped += scratch.len();
    }
}

/// Where a block of a stream may be cut.
enum StreamCut {
    /// After any newline.
    Lines,
    /// After a newline outside quoted CSV fields (the bounded scan: a
    /// block always ends after a resynchronisation).
    Csv(QuoteScan),
}

impl StreamCut {
    fn new(cut: Cut, max: usize) -> StreamCut {
        match cut {
            Cut::CsvRows => StreamCut::Csv(QuoteScan::new(max)),
            // Documents are read whole, never in blocks.
            Cut::Lines | Cut::Whole => StreamCut::Lines,
        }
    }

    /// Where the line (CSV row) that is longer than `max` starts in `buf`,
    /// if the last one of `buf` is: for CSV, `buf` holds no row end and
    /// the row is longer than `max` whatever follows (it is outside
    /// quotes, or its open quote comes after `max` bytes; a quote opened
    /// before waits for the bound to end the row at its line).
    fn long_line(&self, buf: &[u8], max: usize) -> Option<usize> {
        if buf.len() <= max {
            return None;
        }
        let start = match self {
            StreamCut::Lines => memrchr(b'\n', buf).map_or(0, |p| p + 1),
            // A block starts at a row boundary.
            StreamCut::Csv(scan) if scan.in_quotes() && scan.open() < max => {
                return None
            }
            StreamCut::Csv(_) => 0,
        };
        (buf.len() - start > max).then_some(start)
    }

    /// Start again after a skipped line.
    fn reset(&mut self) {
        if let StreamCut::Csv(scan) = self {
            *scan = QuoteScan::new(scan.max());
        }
    }

    /// The last cut in `buf` (for CSV: the first resynchronisation, if
    /// any), searching from `from` (earlier bytes were searched before);
    /// and how far the search got.
    fn find(&mut self, buf: &[u8], from: usize) -> (Option<usize>, usize) {
        match self {
            StreamCut::Lines => {
                (memrchr(b'\n', &buf[from..]).map(|p| from + p + 1), buf.len())
            }
            StreamCut::Csv(scan) => {
                let mut last = None;
                let reached =
                    scan.scan_rows(buf, from, true, |end, resync| {
                        last = Some(end);
                        !resync
                    });
                (last, reached)
            }
        }
    }

    /// The block was cut at `at`: the bytes before are gone.
    fn shift(&mut self, at: usize) {
        if let StreamCut::Csv(scan) = self {
            scan.shift(at);
        }
    }
}

/// Skip the rest of a CSV row longer than the bound, whose first bytes
/// are `buf` (scanned up to `searched`), without holding it: read on with
/// the bounded scan until the row ends (an open quote's bytes after its
/// line are held, at most the bound, until the scan knows whether the row
/// ends at that line). Returns the bytes after the row, the row's size and
/// lines, and a read error.
fn skip_row(
    reader: &mut impl Read,
    chunk: usize,
    mut eof: bool,
    mut buf: Vec<u8>,
    mut searched: usize,
    scan: &mut QuoteScan,
) -> (Vec<u8>, u64, u64, Option<io::Error>) {
    let (mut bytes, mut lines) = (0u64, 0u64);
    loop {
        let mut end = None;
        let reached = scan.scan_rows(&buf, searched, !eof, |e, _| {
            end = Some(e);
            false
        });
        if let Some(e) = end {
            let rest = buf.split_off(e);
            lines += count_lines(&buf);
            return (rest, bytes + e as u64, lines, None);
        }
        if eof {
            lines += count_lines(&buf);
            return (Vec::new(), bytes + buf.len() as u64, lines, None);
        }
        // Only an open quote's bytes may still be needed; and the byte
        // before the next one scanned, which says whether a quote there
        // starts a field.
        let keep = match scan.in_quotes() {
            true => scan.open().min(reached),
            false => reached.saturating_sub(1),
        };
        lines += memchr::memchr_iter(b'\n', &buf[..keep]).count() as u64;
        bytes += keep as u64;
        buf.drain(..keep);
        scan.shift(keep);
        searched = reached - keep;
        let want = buf.len() + chunk;
        let read = fill(reader, &mut buf, want);
        if let Err(e) = read {
            lines += count_lines(&buf);
            return (Vec::new(), bytes + buf.len() as u64, lines, Some(e));
        }
        eof = buf.len() < want;
    }
}

/// Tally a stream in blocks of about `chunk_size` bytes cut where `cut`
/// allows. One thread reads (and decompresses) the stream and cuts blocks
/// while the others count the blocks read before, so decoding and parsing
/// overlap; at most a few blocks wait in between, so memory stays bounded.
/// A BOM at the start is removed.
fn tally_blocks(
    reader: impl Read + Send,
    ctx: &Ctx<'_>,
    cut: StreamCut,
    process: impl Fn(&[u8]) -> Tally + Sync + Send,
) -> Tally {
    let threads = rayon::current_num_threads().max(1);
    let (tx, rx) = std::sync::mpsc::sync_channel::<Block>(threads);
    // Counted blocks go back to the reader to be filled again: fresh
    // buffers of many MB would each be faulted in page by page.
    let (free_tx, free_rx) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::scope(|scope| {
        let producer =
            scope.spawn(move || cut_blocks(reader, ctx, cut, tx, free_rx));
        let mut total = Tally::default();
        // Take what has been read, at least one block and at most two per
        // thread, and count it in parallel.
        while let Ok(block) = rx.recv() {
            let mut batch = take_batch(&rx, block, 2 * threads, false);
            let mut parts: Vec<Tally> =
                batch.par_iter().map(|b| process(&b.bytes)).collect();
            // A long line after a block follows it.
            for (i, b) in batch.iter_mut().enumerate().rev() {
                if let Some(t) = b.long.take() {
                    parts.insert(i + 1, t);
                }
            }
            let mut part = fold_in_order(parts);
            part.shift_lines(total.acc.lines);
            total.merge_from(part);
            for b in batch {
                // The reader may have finished: then the buffer is dropped.
                let _ = free_tx.send(b.bytes);
            }
        }
        let (bytes, failure) = match producer.join() {
            Ok(done) => done,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        if let Some(f) = failure {
            // What was read before the failure is still counted.
            total.merge_from(f);
        }
        total.acc.bytes = bytes;
        total
    })
}

/// The reading side of [`tally_blocks`]: send blocks of `reader` cut where
/// `cut` allows, in order; returns the bytes read and, if reading failed,
/// the failure.
fn cut_blocks(
    mut reader: impl Read,
    ctx: &Ctx<'_>,
    mut cut: StreamCut,
    tx: std::sync::mpsc::SyncSender<Block>,
    free: std::sync::mpsc::Receiver<Vec<u8>>,
) -> (u64, Option<Tally>) {
    let chunk = ctx.config.chunk_size.clamp(1, STREAM_BLOCK_MAX);
    // The bytes after the last cut of a block, which start the next one.
    let mut carry: Vec<u8> = Vec::new();
    let mut searched = 0;
    let mut bytes = 0u64;
    let mut first = true;
    let max = ctx.config.max_record_bytes.max(1);
    'blocks: loop {
        let mut buf = free.try_recv().unwrap_or_default();
        buf.clear();
        buf.extend_from_slice(&carry);
        // Read until the block holds a cut past `chunk` bytes (or the
        // stream ends); only new bytes are searched.
        let (at, failure) = loop {
            // The first read covers a whole BOM, whatever the chunk.
            let floor = if first { BOM.len() } else { 0 };
            let want = (buf.len().max(searched) + chunk).max(floor);
            let before = buf.len();
            let read = fill(&mut reader, &mut buf, want);
            bytes += (buf.len() - before) as u64;
            if let Err(e) = read {
                let message = format!("read failed after {bytes} bytes: {e}");
                break (None, Some(failed(ctx, message)));
            }
            // Short of `want`: the stream has ended.
            let eof = buf.len() < want;
            if first {
                first = false;
                if buf.starts_with(BOM) {
                    buf.drain(..BOM.len());
                }
            }
            let (found, reached) = cut.find(&buf, searched);
            if found.is_none() {
                // A line longer than the bound: count it, do not hold it.
                if let Some(start) = cut.long_line(&buf, max) {
                    let (mut t, rest, ended) = match &mut cut {
                        StreamCut::Lines => {
                            let held = (buf.len() - start) as u64;
                            buf.truncate(start);
                            let (rest, skipped, ended) =
                                skip_line(&mut reader, chunk, eof);
                            bytes += (skipped + rest.len()) as u64;
                            let size = held + skipped as u64;
                            (long_line(ctx, Cut::Lines, size, 1), rest, ended)
                        }
                        // A block starts at a row: the row is all of it.
                        StreamCut::Csv(scan) => {
                            let row = std::mem::take(&mut buf);
                            let held = row.len() as u64;
                            let (rest, size, lines, ended) = skip_row(
                                &mut reader,
                                chunk,
                                eof,
                                row,
                                reached,
                                scan,
                            );
                            bytes += size + rest.len() as u64 - held;
                            let t = long_line(ctx, Cut::CsvRows, size, lines);
                            (t, rest, ended)
                        }
                    };
                    carry = rest;
                    searched = 0;
                    cut.reset();
                    if let Some(e) = ended {
                        let message =
                            format!("read failed after {bytes} bytes: {e}");
                        t.merge_from(failed(ctx, message));
                        let _ = tx.send(Block { bytes: buf, long: Some(t) });
                        return (bytes, None);
                    }
                    if tx.send(Block { bytes: buf, long: Some(t) }).is_err() {
                        return (bytes, None);
                    }
                    continue 'blocks;
                }
            }
            if eof {
                break (None, None);
            }
            searched = reached;
            if let Some(at) = found {
                break (Some(at), None);
            }
        };
        let more = at.is_some();
        if let Some(at) = at {
            carry.clear();
            carry.extend_from_slice(&buf[at..]);
            buf.truncate(at);
            searched -= at;
            cut.shift(at);
        }
        // A closed channel means the counting side has stopped (it only
        // does when it panics); stop reading too.
        if !buf.is_empty()
            && tx.send(Block { bytes: buf, long: None }).is_err()
        {
            return (bytes, failure);
        }
        if !more {
            return (bytes, failure);
        }
    }
}
