//! The only module that uses threads: inputs in parallel, and large inputs
//! cut into chunks that run in parallel too. Chunk tallies are folded in
//! input order (for line numbers), and input tallies are merged with the
//! commutative [`Tally::merge`], so the result never depends on scheduling.
//!
//! Every input ends on one of two paths: a slice in memory (a memory map,
//! or a small file read whole), or a stream read in bounded blocks
//! (standard input, `--no-mmap`, and every compressed input, decompressed as
//! it is read).

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, BufReader, Cursor, Read};
use std::path::Path;

use memchr::memrchr;
use rayon::prelude::*;

use crate::config::{
    Config, Format, MmapMode, MMAP_MIN_SIZE, STREAM_BLOCK_MAX,
};
use crate::error::{Error, Result};
use crate::extract::csv::{self as csvx, QuoteScan};
use crate::extract::text::TextReader;
use crate::extract::{
    json::document, sniff, strip_bom, tally_jsonl, tally_lines, Detected, BOM,
};
use crate::input::{split_lines, Input, Source};
use crate::tally::{FormatCount, InputError, Tally};

/// How many leading bytes of a stream are looked at to decide its format
/// (more are read while the first line is longer, up to [`SNIFF_MAX`]).
const SNIFF_MIN: usize = 64 << 10;
/// The most bytes read to find the end of the first line when sniffing.
const SNIFF_MAX: usize = 1 << 20;

/// The readers of a run, built once from its configuration.
#[derive(Debug)]
pub struct Readers {
    format: Format,
    text: TextReader,
}

impl Readers {
    /// Build the readers for `config` (compiles `--pattern`).
    pub fn new(config: &Config) -> Result<Readers> {
        let text = match &config.pattern {
            Some(p) => TextReader::with_pattern(p).map_err(Error::Pattern)?,
            None => TextReader::default(),
        };
        Ok(Readers { format: config.format, text })
    }

    fn forced(&self) -> Option<Detected> {
        match self.format {
            Format::Auto => None,
            Format::Jsonl => Some(Detected::Jsonl),
            Format::Json => Some(Detected::Json),
            Format::Csv => Some(Detected::Csv),
            Format::Text => Some(Detected::Text),
        }
    }
}

/// Tally every input on a pool of `config.threads` workers.
pub fn tally_inputs(inputs: &[Input], config: &Config) -> Result<Tally> {
    let readers = Readers::new(config)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .map_err(|e| Error::Threads(e.to_string()))?;
    Ok(pool.install(|| {
        inputs
            .par_iter()
            .enumerate()
            .map(|(i, input)| tally_input(i as u32, input, config, &readers))
            .reduce(Tally::default, Tally::merge)
    }))
}

/// What is being read: for messages and per-input settings.
struct Ctx<'a> {
    index: u32,
    name: &'a str,
    config: &'a Config,
    readers: &'a Readers,
}

/// Tally one input.
fn tally_input(
    index: u32,
    input: &Input,
    config: &Config,
    readers: &Readers,
) -> Tally {
    let ctx = Ctx { index, name: &input.name, config, readers };
    let mut t = match &input.source {
        Source::Stdin => tally_stream(io::stdin(), &ctx, true),
        Source::File(path) => tally_file(path, &ctx),
    };
    t.acc.inputs = 1;
    t
}

fn failed(ctx: &Ctx<'_>, message: String) -> Tally {
    Tally {
        errors: vec![InputError {
            input: ctx.index,
            path: ctx.name.to_owned(),
            message,
        }],
        ..Tally::default()
    }
}

thread_local! {
    /// A read buffer reused across the small files a worker reads.
    static READ_BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

fn tally_file(path: &Path, ctx: &Ctx<'_>) -> Tally {
    let before = std::fs::metadata(path).ok();
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return failed(ctx, e.to_string()),
    };
    let meta = match file.metadata() {
        Ok(m) => m,
        Err(e) => return failed(ctx, e.to_string()),
    };
    let size = meta.len();
    if !meta.is_file() {
        // A FIFO or device named on the command line (`<(zcat …)`): a
        // stream of unknown length.
        return tally_stream(file, ctx, true);
    }
    // A compressed file is decompressed as a stream straight from the
    // file: mapping it would only add its pages to the resident set.
    let mut magic = [0u8; 4];
    let compressed = {
        use std::os::unix::fs::FileExt;
        let n = file.read_at(&mut magic, 0).unwrap_or(0);
        codec(&magic[..n]).is_some()
    };
    if ctx.config.mmap == MmapMode::Auto
        && size >= MMAP_MIN_SIZE
        && !compressed
        && crate::input::mmap::settled(before.as_ref(), &meta)
    {
        if let Some(map) = crate::input::mmap::map(&file) {
            let release =
                |piece: &[u8]| crate::input::mmap::release(&map, piece);
            return tally_bytes(&map, ctx, Some(&release));
        }
    }
    let mut t = if compressed || size > ctx.config.chunk_size as u64 {
        tally_stream(&mut file, ctx, true)
    } else {
        // A small file: one read into a reused buffer. The buffer is taken
        // out of the thread-local slot while in use, so re-entry cannot
        // alias it.
        let mut buf = READ_BUF.with(|b| std::mem::take(&mut *b.borrow_mut()));
        buf.clear();
        let t = match file.read_to_end(&mut buf) {
            Ok(_) => tally_bytes(&buf, ctx, None),
            Err(e) => failed(ctx, e.to_string()),
        };
        READ_BUF.with(|b| *b.borrow_mut() = buf);
        t
    };
    // A file that shrank while it was read ended early: say so, so that
    // the run does not silently count less than the file held.
    if t.errors.is_empty() && t.acc.bytes < size {
        t.merge_from(failed(
            ctx,
            format!(
                "file shrank from {size} to {} bytes while being read; \
                 counts cover the bytes read",
                t.acc.bytes
            ),
        ));
    }
    t
}

/// A compression format, by magic bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Codec {
    Gzip,
    Zstd,
}

fn codec(head: &[u8]) -> Option<Codec> {
    if head.starts_with(&[0x1f, 0x8b]) {
        Some(Codec::Gzip)
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some(Codec::Zstd)
    } else {
        None
    }
}

/// Called with each piece of a memory map once it has been counted.
type Release<'a> = Option<&'a (dyn Fn(&[u8]) + Sync)>;

/// Tally an input held in memory (decompressing it as a stream if it is
/// compressed).
fn tally_bytes(data: &[u8], ctx: &Ctx<'_>, release: Release<'_>) -> Tally {
    if codec(data).is_some() {
        return tally_stream(data, ctx, true);
    }
    tally_slice_with(data, ctx, release)
}

/// Tally an uncompressed JSON Lines input held in memory (used by tests
/// and benchmarks).
pub fn tally_slice(data: &[u8], index: u32, config: &Config) -> Tally {
    let readers =
        Readers { format: Format::Jsonl, text: TextReader::default() };
    let ctx = Ctx { index, name: "", config, readers: &readers };
    tally_slice_with(data, &ctx, None)
}

/// Tally one input held in memory, in `config.format` (sniffed for
/// `Auto`, decompressed if compressed), through the in-memory path or,
/// with `stream`, the block-reading path used for pipes and compressed
/// files. Both must give the same tally; the tests hold them to it.
pub fn tally_data(
    data: &[u8],
    config: &Config,
    stream: bool,
) -> Result<Tally> {
    let readers = Readers::new(config)?;
    let ctx = Ctx { index: 0, name: "<data>", config, readers: &readers };
    Ok(if stream {
        tally_stream(data, &ctx, true)
    } else {
        tally_bytes(data, &ctx, None)
    })
}

/// Inputs that are not logs at all: UTF-16 text (say how to convert it),
/// and binary data sniffed as text (a NUL byte, which no log text holds; a
/// JSON or CSV input with a damaged line is still read, the line counted
/// as malformed). Reported and skipped rather than counted as something
/// else; `--format` reads them anyway.
fn not_a_log(head: &[u8], format: Detected, ctx: &Ctx<'_>) -> Option<Tally> {
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

fn tally_slice_with(
    data: &[u8],
    ctx: &Ctx<'_>,
    release: Release<'_>,
) -> Tally {
    let body = strip_bom(data);
    let format = ctx.readers.forced().unwrap_or_else(|| {
        sniff(&body[..body.len().min(SNIFF_MAX)], body.len() <= SNIFF_MAX)
    });
    if let Some(t) = not_a_log(data, format, ctx) {
        return t;
    }
    let index = ctx.index;
    let size = ctx.config.chunk_size;
    let mut t = match format {
        Detected::Jsonl => {
            let pieces = split_lines(body, size);
            drop_cut_pages(&pieces, release);
            in_pieces(pieces, release, |p| tally_jsonl(p, index))
        }
        Detected::Text => {
            let text = &ctx.readers.text;
            let pieces = split_lines(body, size);
            drop_cut_pages(&pieces, release);
            in_pieces(pieces, release, |p| {
                tally_lines(p, index, |l| text.read_line(l))
            })
        }
        Detected::Json => document::tally_slice(body, index),
        Detected::Csv => match csvx::read_header(body) {
            None => Tally::default(),
            Some((header, n)) => {
                let rows = &body[n..];
                let count = |p: &[u8]| csvx::tally_rows(p, &header, index);
                let mut t = if rows.len() <= size {
                    in_pieces(vec![rows], release, count)
                } else {
                    // The quote scan that finds the cuts reads every byte:
                    // it runs on its own thread, ahead of the counting.
                    in_pieces_scanned(
                        |emit| {
                            let pieces =
                                csvx::split_rows_with(rows, size, &mut *emit);
                            // The last piece has no cut after it.
                            if let Some(last) = pieces.last() {
                                emit(last);
                            }
                        },
                        release,
                        count,
                    )
                };
                let header_lines = csvx::count_lines(&body[..n]);
                t.shift_lines(header_lines);
                t.acc.lines += header_lines;
                t
            }
        },
    };
    t.acc.bytes = data.len() as u64;
    t.formats.insert(
        format.name(),
        FormatCount { files: 1, records: t.acc.records },
    );
    t
}

/// Finding the cuts between pieces read the bytes around each cut, and a
/// map may have brought a large block of pages in with them: drop them
/// again until their pieces are counted, or a file of many pieces would
/// start out with a block per cut resident.
fn drop_cut_pages(pieces: &[&[u8]], release: Release<'_>) {
    let Some(r) = release else { return };
    for w in pieces.windows(2) {
        // The search for a cut starts at most a line before it; lines of
        // up to 64 KiB are covered, longer ones only leave a block.
        r(&w[0][w[0].len().saturating_sub(64 << 10)..]);
        r(&w[1][..w[1].len().min(1)]);
    }
}

/// Tally consecutive pieces of one input in parallel, folded in order;
/// `release` gets each piece once it is counted.
fn in_pieces(
    pieces: Vec<&[u8]>,
    release: Release<'_>,
    f: impl Fn(&[u8]) -> Tally + Sync + Send,
) -> Tally {
    let one = |p: &[u8]| {
        let t = f(p);
        if let Some(r) = release {
            r(p);
        }
        t
    };
    match pieces.len() {
        0 => Tally::default(),
        1 => one(pieces[0]),
        _ => fold_in_order(pieces.par_iter().map(|p| one(p)).collect()),
    }
}

/// [`in_pieces`] for pieces found by a scan that itself takes time: `scan`
/// runs on its own thread and hands over each piece as soon as it is
/// found, while the pool counts the pieces found before. At most a few
/// pieces wait in between, so a map's pages are released soon after they
/// were scanned.
fn in_pieces_scanned<'a>(
    scan: impl FnOnce(&mut dyn FnMut(&'a [u8])) + Send,
    release: Release<'_>,
    f: impl Fn(&[u8]) -> Tally + Sync + Send,
) -> Tally {
    let threads = rayon::current_num_threads().max(1);
    let (tx, rx) = std::sync::mpsc::sync_channel::<&'a [u8]>(threads);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            // A closed channel means the counting side has stopped (it only
            // does when it panics); the rest of the scan is then wasted.
            scan(&mut |p| {
                let _ = tx.send(p);
            })
        });
        let mut total = Tally::default();
        while let Ok(p) = rx.recv() {
            // The scan is faster than the counting, so a full batch (two
            // pieces per thread) is worth the short wait: a batch of one
            // would leave the other threads idle.
            let batch = take_batch(&rx, p, 2 * threads, true);
            let mut part = in_pieces(batch, release, &f);
            part.shift_lines(total.acc.lines);
            total.merge_from(part);
        }
        total
    })
}

/// A batch of at most `max` items from `rx`, starting with `first`: with
/// `wait`, until it is full or the channel closes; without, only the items
/// already there.
fn take_batch<T>(
    rx: &std::sync::mpsc::Receiver<T>,
    first: T,
    max: usize,
    wait: bool,
) -> Vec<T> {
    let mut batch = vec![first];
    while batch.len() < max {
        let next = if wait { rx.recv().ok() } else { rx.try_recv().ok() };
        match next {
            Some(item) => batch.push(item),
            None => break,
        }
    }
    batch
}

/// Fold consecutive pieces of one input: each piece's sample line numbers
/// are shifted by the lines before it.
fn fold_in_order(parts: Vec<Tally>) -> Tally {
    let mut total = Tally::default();
    for mut part in parts {
        part.shift_lines(total.acc.lines);
        total.merge_from(part);
    }
    total
}

/// Counts the bytes that pass through a reader.
struct Counting<R> {
    inner: R,
    bytes: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
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
fn tally_stream(reader: impl Read + Send, ctx: &Ctx<'_>, raw: bool) -> Tally {
    let mut counted = Counting { inner: reader, bytes: 0 };
    let mut magic = Vec::with_capacity(4);
    if let Err(e) = fill(&mut counted, &mut magic, 4) {
        return failed(ctx, e.to_string());
    }
    let codec = if raw { codec(&magic) } else { None };
    // Large reads: a decoder asks for small pieces.
    let stream = BufReader::with_capacity(
        256 << 10,
        Cursor::new(magic).chain(&mut counted),
    );
    let mut t = match codec {
        Some(Codec::Gzip) => {
            let d = flate2::bufread::MultiGzDecoder::new(stream);
            tally_decoded(d, ctx)
        }
        Some(Codec::Zstd) => {
            match zstd::stream::read::Decoder::with_buffer(stream) {
                Ok(d) => tally_decoded(d, ctx),
                Err(e) => failed(ctx, format!("zstd: {e}")),
            }
        }
        None => tally_decoded(stream, ctx),
    };
    // The input's own bytes (compressed, if it is); an input skipped before
    // any of it was read as a format (not a log, a corrupt header) counts
    // none, whichever path it took.
    let skipped = t.formats.is_empty() && !t.errors.is_empty();
    t.acc.bytes = if skipped { 0 } else { counted.bytes };
    if let Some(c) = codec {
        let name = match c {
            Codec::Gzip => "gzip",
            Codec::Zstd => "zstd",
        };
        for e in &mut t.errors {
            e.message = format!(
                "{name} data is corrupt or cut short ({}); records before \
                 the damage are counted",
                e.message
            );
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
    let readers =
        Readers { format: Format::Jsonl, text: TextReader::default() };
    let ctx = Ctx { index, name, config: &config, readers: &readers };
    tally_stream(reader, &ctx, false)
}

/// Tally a decompressed stream: sniff, then read in blocks.
fn tally_decoded(reader: impl Read + Send, ctx: &Ctx<'_>) -> Tally {
    let mut reader = Counting { inner: reader, bytes: 0 };
    let mut head = Vec::new();
    let mut complete = false;
    // Read a head: at least SNIFF_MIN bytes, more until the first line
    // ends (or SNIFF_MAX).
    loop {
        let want = if head.is_empty() { SNIFF_MIN } else { head.len() * 2 };
        match fill(&mut reader, &mut head, want.min(SNIFF_MAX)) {
            Ok(_) => {}
            Err(e) => {
                return failed(ctx, format!("read failed: {e}"));
            }
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
    let format =
        ctx.readers.forced().unwrap_or_else(|| sniff(&head, complete));
    if let Some(t) = not_a_log(&head, format, ctx) {
        return t;
    }
    let index = ctx.index;
    let mut t = match format {
        Detected::Jsonl => tally_blocks(
            Cursor::new(head).chain(&mut reader),
            ctx,
            Cut::Lines,
            |b| tally_jsonl(b, index),
        ),
        Detected::Text => {
            let text = &ctx.readers.text;
            tally_blocks(
                Cursor::new(head).chain(&mut reader),
                ctx,
                Cut::Lines,
                |b| tally_lines(b, index, |l| text.read_line(l)),
            )
        }
        Detected::Json => {
            // The document starts after a BOM, as in memory.
            if head.starts_with(BOM) {
                head.drain(..BOM.len());
            }
            let mut stream = Counting {
                inner: Cursor::new(head).chain(&mut reader),
                bytes: 0,
            };
            let mut lines =
                LineCount { inner: &mut stream, lines: 0, last: b'\n' };
            let mut de = serde_json::Deserializer::from_reader(
                BufReader::with_capacity(1 << 16, &mut lines),
            );
            let mut t = document::tally_document(&mut de, index);
            drop(de);
            // Lines: all of the input, read to the end.
            let _ = io::copy(&mut lines, &mut io::sink());
            t.acc.lines = lines.lines + u64::from(lines.last != b'\n');
            t
        }
        Detected::Csv => {
            let body_start = if head.starts_with(BOM) { BOM.len() } else { 0 };
            match csvx::read_header(&head[body_start..]) {
                None => Tally::default(),
                Some((header, n)) => {
                    let header_end = body_start + n;
                    let header_lines = csvx::count_lines(&head[..header_end]);
                    let rest = Cursor::new(head.split_off(header_end));
                    let mut t = tally_blocks(
                        rest.chain(&mut reader),
                        ctx,
                        Cut::Csv(QuoteScan::default()),
                        |b| csvx::tally_rows(b, &header, index),
                    );
                    t.shift_lines(header_lines);
                    t.acc.lines += header_lines;
                    t
                }
            }
        }
    };
    t.acc.bytes = reader.bytes;
    t.formats.insert(
        format.name(),
        FormatCount { files: 1, records: t.acc.records },
    );
    t
}

/// Counts newlines passing through a reader.
struct LineCount<R> {
    inner: R,
    lines: u64,
    last: u8,
}

impl<R: Read> Read for LineCount<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            self.lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
            self.last = buf[n - 1];
        }
        Ok(n)
    }
}

/// Where a block of a stream may be cut.
enum Cut {
    /// After any newline.
    Lines,
    /// After a newline outside quoted CSV fields.
    Csv(QuoteScan),
}

impl Cut {
    /// The last cut in `buf`, searching from `from` (earlier bytes were
    /// searched before); and how far the search got.
    fn find(&mut self, buf: &[u8], from: usize) -> (Option<usize>, usize) {
        match self {
            Cut::Lines => {
                (memrchr(b'\n', &buf[from..]).map(|p| from + p + 1), buf.len())
            }
            Cut::Csv(scan) => {
                let mut last = None;
                let reached =
                    scan.scan(buf, from, true, |end| last = Some(end));
                (last, reached)
            }
        }
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
    cut: Cut,
    process: impl Fn(&[u8]) -> Tally + Sync + Send,
) -> Tally {
    let threads = rayon::current_num_threads().max(1);
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(threads);
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
            let batch = take_batch(&rx, block, 2 * threads, false);
            let mut part =
                fold_in_order(batch.par_iter().map(|b| process(b)).collect());
            part.shift_lines(total.acc.lines);
            total.merge_from(part);
            for b in batch {
                // The reader may have finished: then the buffer is dropped.
                let _ = free_tx.send(b);
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
    mut cut: Cut,
    tx: std::sync::mpsc::SyncSender<Vec<u8>>,
    free: std::sync::mpsc::Receiver<Vec<u8>>,
) -> (u64, Option<Tally>) {
    let chunk = ctx.config.chunk_size.clamp(1, STREAM_BLOCK_MAX);
    // The bytes after the last cut of a block, which start the next one.
    let mut carry: Vec<u8> = Vec::new();
    let mut searched = 0;
    let mut bytes = 0u64;
    let mut first = true;
    loop {
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
            if eof {
                break (None, None);
            }
            let (found, reached) = cut.find(&buf, searched);
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
        }
        // A closed channel means the counting side has stopped (it only
        // does when it panics); stop reading too.
        if !buf.is_empty() && tx.send(buf).is_err() {
            return (bytes, failure);
        }
        if !more {
            return (bytes, failure);
        }
    }
}
