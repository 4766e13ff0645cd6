//! Inputs held in memory: a memory map, or a small file read whole. Cut
//! into pieces where the format allows and counted in parallel.

use super::ctx::{
    count, not_a_log, read_as, Ctx, Readers, Release, SNIFF_MAX,
};
use super::pieces::in_pieces;
use super::stream;
use crate::config::Config;
use crate::error::Result;
use crate::extract::csv::split_rows_with;
use crate::extract::{json, sniff, Cut, Reader};
use crate::input::codec::Codec;
use crate::input::lines::{count_lines, split_lines_with, strip_bom};
use crate::record::Sink;
use crate::tally::Tally;

/// Tally an input held in memory (decompressing it as a stream if it is
/// compressed).
pub(super) fn tally_bytes(
    data: &[u8],
    ctx: &Ctx<'_>,
    release: Release<'_>,
) -> Tally {
    if Codec::sniff(data).is_some() {
        return stream::tally_stream(data, ctx, true);
    }
    tally_slice_with(data, ctx, release)
}

/// Tally an uncompressed JSON Lines input held in memory (used by tests
/// and benchmarks).
pub fn tally_slice(data: &[u8], index: u32, config: &Config) -> Tally {
    let readers = Readers::jsonl();
    let ctx = Ctx::new(index, "", config, &readers);
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
    let ctx = Ctx::new(0, "<data>", config, &readers);
    let mut tally = if stream {
        stream::tally_stream(data, &ctx, true)
    } else {
        tally_bytes(data, &ctx, None)
    };
    readers.attach_ids(&mut tally);
    tally.cells.settle();
    Ok(tally)
}

/// A slice of a map read as a stream, in steps of [`STEP`] bytes, whose
/// pages are released once read past.
struct Releasing<'a> {
    data: &'a [u8],
    pos: usize,
    /// Bytes released so far.
    done: usize,
    release: &'a (dyn Fn(&[u8]) + Sync),
    ctx: &'a Ctx<'a>,
}

/// How much of a mapped document is handed to the reader at a time, and
/// read past before its pages are released.
const STEP: usize = 8 << 20;

impl std::io::Read for Releasing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        crate::input::codec::read_buffered(self, buf)
    }
}

impl std::io::BufRead for Releasing<'_> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        let end = (self.pos + STEP).min(self.data.len());
        Ok(&self.data[self.pos..end])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.data.len());
        if self.pos - self.done >= STEP || self.pos == self.data.len() {
            (self.release)(&self.data[self.done..self.pos]);
            self.ctx.read(self.pos - self.done);
            self.done = self.pos;
        }
    }
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
    let mut t = match Reader::new(
        format,
        &ctx.readers.text,
        body,
        ctx.config.max_record_bytes,
    ) {
        None => Tally::default(),
        Some((reader, header)) => {
            let rest = &body[header..];
            let size = ctx.config.chunk_size;
            let one = |p: &[u8]| {
                let t = count(&reader, p, ctx);
                ctx.read(p.len());
                t
            };
            // What the cutters read to find the cuts is released as soon
            // as each search is done, until its pieces are counted: a
            // file cached in 2 MiB pages maps 2 MiB per cut, and a 4 GiB
            // file of 256 cuts peaked at 528 MB while they were all held.
            let searched = |s: &[u8]| {
                if let Some(r) = release {
                    r(s)
                }
            };
            let mut t = match reader.cut() {
                Cut::Lines => {
                    let pieces = split_lines_with(rest, size, &searched);
                    in_pieces(pieces, release, one)
                }
                // The cuts between rows are found in parallel (a short
                // scan near each, or a serial scan), then the pieces are
                // counted.
                Cut::CsvRows => {
                    let max = ctx.config.max_record_bytes;
                    let pieces = split_rows_with(rest, size, max, &searched);
                    in_pieces(pieces, release, one)
                }
                // A mapped document is read as a stream from the map,
                // its pages released behind the reading.
                Cut::Whole => match release {
                    Some(r) => {
                        let mut counter = super::ctx::document_counter(ctx);
                        let src = Releasing {
                            data: rest,
                            pos: 0,
                            done: 0,
                            release: r,
                            ctx,
                        };
                        let (lines, _) = json::document::read(
                            src,
                            &mut counter,
                            ctx.config.max_record_bytes,
                        );
                        counter.lines(lines);
                        counter.finish()
                    }
                    None => one(rest),
                },
            };
            if header > 0 {
                let header_lines = count_lines(&body[..header]);
                t.shift_lines(header_lines);
                t.acc.lines += header_lines;
            }
            t
        }
    };
    t.acc.bytes = data.len() as u64;
    read_as(&mut t, format);
    t
}
