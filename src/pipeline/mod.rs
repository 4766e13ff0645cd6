//! The only module that uses threads: inputs in parallel, and large inputs
//! cut into chunks that run in parallel too. Chunk tallies are folded in
//! input order (for line numbers), and input tallies are merged with the
//! commutative [`Tally::merge`], so the result never depends on scheduling.
//!
//! Every input ends on one of two paths: a slice in memory (a memory map,
//! or a small file read whole), or a stream read in bounded blocks
//! (standard input, `--no-mmap`, and every compressed input, decompressed as
//! it is read).

mod pieces;
mod slice;
mod stream;

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use rayon::prelude::*;

use crate::config::{Config, Format, MmapMode, MMAP_MIN_SIZE};
use crate::error::{Error, Result};
use crate::extract::text::TextReader;
use crate::extract::{Detected, Reader};
use crate::input::codec::Codec;
use crate::input::{Input, Source};
use crate::tally::{Counter, InputError, Tally};

pub use slice::{tally_data, tally_slice};
pub use stream::tally_reader;

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

    /// The readers for JSON Lines alone (tests and benchmarks).
    fn jsonl() -> Readers {
        Readers { format: Format::Jsonl, text: TextReader::default() }
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
        Source::Stdin => stream::tally_stream(io::stdin(), &ctx, true),
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
        return stream::tally_stream(file, ctx, true);
    }
    // A compressed file is decompressed as a stream straight from the
    // file: mapping it would only add its pages to the resident set.
    let mut magic = [0u8; 4];
    let compressed = {
        use std::os::unix::fs::FileExt;
        let n = file.read_at(&mut magic, 0).unwrap_or(0);
        Codec::sniff(&magic[..n]).is_some()
    };
    if ctx.config.mmap == MmapMode::Auto
        && size >= MMAP_MIN_SIZE
        && !compressed
        && crate::input::mmap::settled(before.as_ref(), &meta)
    {
        if let Some(map) = crate::input::mmap::map(&file) {
            let release =
                |piece: &[u8]| crate::input::mmap::release(&map, piece);
            return slice::tally_bytes(&map, ctx, Some(&release));
        }
    }
    let mut t = if compressed || size > ctx.config.chunk_size as u64 {
        stream::tally_stream(&mut file, ctx, true)
    } else {
        // A small file: one read into a reused buffer. The buffer is taken
        // out of the thread-local slot while in use, so re-entry cannot
        // alias it.
        let mut buf = READ_BUF.with(|b| std::mem::take(&mut *b.borrow_mut()));
        buf.clear();
        let t = match file.read_to_end(&mut buf) {
            Ok(_) => slice::tally_bytes(&buf, ctx, None),
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

/// Called with each piece of a memory map once it has been counted.
type Release<'a> = Option<&'a (dyn Fn(&[u8]) + Sync)>;

/// Count one piece of an input with `reader`, under the run's plan.
fn count(reader: &Reader<'_>, piece: &[u8], ctx: &Ctx<'_>) -> Tally {
    let mut counter = Counter::new(&ctx.config.plan, ctx.index);
    reader.read(piece, &mut counter);
    counter.finish()
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

/// Record the format an input was read as, and its records.
fn read_as(t: &mut Tally, format: Detected) {
    let records = t.acc.records;
    t.formats.insert(
        format.name(),
        crate::tally::FormatCount { files: 1, records },
    );
}
