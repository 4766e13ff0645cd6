//! The only module that uses threads: inputs in parallel, and large inputs
//! cut into chunks that run in parallel too. Chunk tallies are folded in
//! input order (for line numbers), and input tallies are merged with the
//! commutative [`Tally::merge`], so the result never depends on scheduling.
//!
//! Every input ends on one of two paths: a slice in memory (a memory map,
//! or a small file read whole), or a stream read in bounded blocks
//! (standard input, `--no-mmap`, and every compressed input, decompressed as
//! it is read).

mod ctx;
mod pieces;
mod slice;
mod stream;

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use rayon::prelude::*;

use crate::config::{Config, MmapMode, MMAP_MIN_SIZE};
use crate::error::{Error, Result};
use crate::extract::Detected;
use crate::input::codec::Codec;
use crate::input::{Input, Source};
use crate::tally::Tally;
pub use ctx::Readers;
use ctx::{failed, Ctx};

pub use slice::{tally_data, tally_slice};
pub use stream::tally_reader;

/// Tally every input on a pool of `config.threads` workers.
pub fn tally_inputs(inputs: &[Input], config: &Config) -> Result<Tally> {
    tally_inputs_noting(inputs, config).map(|(t, _)| t)
}

/// An input that a `--pattern` was given for but that sniffing read as
/// another format (spec §5): its index in the run, and that format.
pub type PatternUnused = (u32, &'static str);

/// [`tally_inputs`], and the inputs the run's `--pattern` was not used
/// for (sniffed as JSON or CSV), in input order.
pub fn tally_inputs_noting(
    inputs: &[Input],
    config: &Config,
) -> Result<(Tally, Vec<PatternUnused>)> {
    let (mut tally, unused) =
        tally_inputs_on(&pool(config.threads)?, inputs, config)?;
    tally.cells.settle();
    Ok((tally, unused))
}

/// A pool of `threads` workers: a run's counting and report build
/// (`calltally::run`), or the rendering of its report set.
pub(crate) fn pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Threads(e.to_string()))
}

/// [`tally_inputs_noting`] on the workers of `pool` (the run's, which then
/// build its report: see `calltally::run`), with its cells not settled
/// ([`crate::tally::Cells::add_loose`]): a report built from them settles
/// them as it aggregates.
pub fn tally_inputs_on(
    pool: &rayon::ThreadPool,
    inputs: &[Input],
    config: &Config,
) -> Result<(Tally, Vec<PatternUnused>)> {
    let readers = Readers::new(config)?;
    if let Some(p) = &config.progress {
        let size = |i: &Input| match &i.source {
            Source::File(path) => {
                std::fs::metadata(path).map_or(0, |m| m.len())
            }
            Source::Stdin => 0,
        };
        let total =
            if p.is_sized() { inputs.iter().map(size).sum() } else { 0 };
        p.start(inputs.len() as u64, total);
    }
    let note = config.pattern.is_some() && readers.forced().is_none();
    let (tally, mut unused) = pool.install(|| {
        inputs
            .par_iter()
            .enumerate()
            .map(|(i, input)| {
                let t = tally_input(i as u32, input, config, &readers);
                let other = t
                    .formats
                    .keys()
                    .find(|&&f| f != Detected::Text.name())
                    .filter(|_| note);
                let unused = other.map(|&f| (i as u32, f));
                (t, unused.into_iter().collect::<Vec<_>>())
            })
            .reduce(
                || (Tally::default(), Vec::new()),
                |(a, mut na), (b, nb)| {
                    na.extend(nb);
                    (a.merge(b), na)
                },
            )
    });
    let mut tally = tally;
    readers.attach_ids(&mut tally);
    unused.sort_unstable();
    Ok((tally, unused))
}

/// Tally one input.
fn tally_input(
    index: u32,
    input: &Input,
    config: &Config,
    readers: &Readers,
) -> Tally {
    let ctx = Ctx::new(index, &input.name, config, readers);
    let mut t = match &input.source {
        Source::Stdin => stream::tally_stream(io::stdin(), &ctx, true),
        Source::File(path) => tally_file(path, &ctx),
    };
    t.acc.inputs = 1;
    if let Some(p) = ctx.progress {
        let reported = ctx.reported.load(std::sync::atomic::Ordering::Relaxed);
        p.input_done(
            t.acc.bytes.saturating_sub(reported),
            &crate::progress::InputDone {
                index,
                name: &input.name,
                malformed: t.acc.malformed,
                samples: &t.samples,
                errors: &t.errors,
            },
        );
    }
    t
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
