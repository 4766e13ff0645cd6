//! The only module that uses threads: inputs in parallel, and large inputs
//! cut into chunks that run in parallel too. Chunk tallies are folded in
//! input order (for line numbers), and input tallies are merged with the
//! commutative [`Tally::merge`], so the result never depends on scheduling.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use memchr::memrchr;
use rayon::prelude::*;

use crate::config::{Config, MmapMode, MMAP_MIN_SIZE};
use crate::error::{Error, Result};
use crate::extract::{strip_bom, tally_jsonl, BOM};
use crate::input::{split_lines, Input, Source};
use crate::tally::{InputError, Tally};

/// Tally every input on a pool of `config.threads` workers.
pub fn tally_inputs(inputs: &[Input], config: &Config) -> Result<Tally> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .map_err(|e| Error::Threads(e.to_string()))?;
    Ok(pool.install(|| {
        inputs
            .par_iter()
            .enumerate()
            .map(|(i, input)| tally_input(i as u32, input, config))
            .reduce(Tally::default, Tally::merge)
    }))
}

/// Tally one input.
fn tally_input(index: u32, input: &Input, config: &Config) -> Tally {
    let mut t = match &input.source {
        Source::Stdin => {
            tally_reader(io::stdin().lock(), index, &input.name, config)
        }
        Source::File(path) => tally_file(path, index, &input.name, config),
    };
    t.inputs = 1;
    t
}

fn failed(index: u32, name: &str, e: &io::Error) -> Tally {
    Tally {
        errors: vec![InputError {
            input: index,
            path: name.to_owned(),
            message: e.to_string(),
        }],
        ..Tally::default()
    }
}

thread_local! {
    /// A read buffer reused across the small files a worker reads.
    static READ_BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

fn tally_file(path: &Path, index: u32, name: &str, config: &Config) -> Tally {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return failed(index, name, &e),
    };
    let size = match file.metadata() {
        Ok(m) => m.len(),
        Err(e) => return failed(index, name, &e),
    };
    if config.mmap == MmapMode::Auto && size >= MMAP_MIN_SIZE {
        if let Some(map) = crate::mmap::map(&file) {
            return tally_slice(&map, index, config);
        }
    }
    if size > config.chunk_size as u64 {
        return tally_reader(file, index, name, config);
    }
    // A small file: one read into a reused buffer. The buffer is taken out
    // of the thread-local slot while in use, so re-entry cannot alias it.
    let mut buf = READ_BUF.with(|b| std::mem::take(&mut *b.borrow_mut()));
    buf.clear();
    let t = match file.read_to_end(&mut buf) {
        Ok(_) => tally_slice(&buf, index, config),
        Err(e) => failed(index, name, &e),
    };
    READ_BUF.with(|b| *b.borrow_mut() = buf);
    t
}

/// Tally an input held in memory: cut into chunks at line ends, chunks in
/// parallel, folded in order.
pub fn tally_slice(data: &[u8], index: u32, config: &Config) -> Tally {
    let body = strip_bom(data);
    let pieces = split_lines(body, config.chunk_size);
    let mut t = if pieces.len() <= 1 {
        tally_jsonl(body, index)
    } else {
        fold_in_order(
            pieces.par_iter().map(|p| tally_jsonl(p, index)).collect(),
        )
    };
    t.bytes = data.len() as u64;
    t
}

/// Fold consecutive pieces of one input: each piece's sample line numbers
/// are shifted by the lines before it.
fn fold_in_order(parts: Vec<Tally>) -> Tally {
    let mut total = Tally::default();
    for mut part in parts {
        part.shift_lines(total.lines);
        total.merge_from(part);
    }
    total
}

/// Tally a stream (standard input, or a file read without mapping) in
/// blocks of about `chunk_size` bytes cut at line ends; a batch of blocks
/// runs in parallel while memory stays bounded by the batch.
pub fn tally_reader(
    mut reader: impl Read,
    index: u32,
    name: &str,
    config: &Config,
) -> Tally {
    let chunk = config.chunk_size.max(1);
    let batch_max = 2 * rayon::current_num_threads().max(1);
    let mut total = Tally::default();
    let mut carry: Vec<u8> = Vec::new();
    let mut bytes = 0u64;
    let mut first = true;
    let mut done = false;
    while !done {
        let mut batch: Vec<Vec<u8>> = Vec::with_capacity(batch_max);
        while batch.len() < batch_max && !done {
            let mut buf = std::mem::take(&mut carry);
            // Read until the block holds a line end past `chunk` bytes (or
            // the stream ends); only new bytes are searched.
            let mut searched = 0;
            let cut = loop {
                // The first read covers a whole BOM, whatever the chunk.
                let floor = if first { BOM.len() } else { 0 };
                let want = (buf.len().max(searched) + chunk).max(floor);
                match fill(&mut reader, &mut buf, want) {
                    Ok(n) => bytes += n as u64,
                    Err(e) => {
                        let mut err = failed(index, name, &e);
                        err.errors[0].message =
                            format!("read failed after {bytes} bytes: {e}");
                        total.merge_from(err);
                        done = true;
                        break None;
                    }
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
                    done = true;
                    break None;
                }
                if let Some(p) = memrchr(b'\n', &buf[searched..]) {
                    break Some(searched + p + 1);
                }
                searched = buf.len();
            };
            if let Some(cut) = cut {
                carry = buf.split_off(cut);
            }
            if !buf.is_empty() {
                batch.push(buf);
            }
        }
        let parts: Vec<Tally> =
            batch.par_iter().map(|b| tally_jsonl(b, index)).collect();
        let mut part = fold_in_order(parts);
        part.shift_lines(total.lines);
        total.merge_from(part);
    }
    total.bytes = bytes;
    total
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
