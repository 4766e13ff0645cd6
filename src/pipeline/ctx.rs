//! What every path of the pipeline shares: the run's readers, the input
//! being read, and the small steps all paths take.

use crate::config::{Config, Format};
use crate::error::{Error, Result};
use crate::extract::text::TextReader;
use crate::extract::{Detected, Reader};
use crate::tally::{Counter, FormatCount, InputError, Tally};

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
    pub(super) fn jsonl() -> Readers {
        Readers { format: Format::Jsonl, text: TextReader::default() }
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

/// Count one piece of an input with `reader`, under the run's plan.
pub(super) fn count(
    reader: &Reader<'_>,
    piece: &[u8],
    ctx: &Ctx<'_>,
) -> Tally {
    let mut counter = Counter::new(&ctx.config.plan, ctx.index);
    reader.read(piece, &mut counter);
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
