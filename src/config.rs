//! What a run does: plain data, no CLI types.

use std::path::PathBuf;

use crate::tally::Plan;

/// The default chunk size: large enough to amortise per-chunk work, small
/// enough to balance a single file over all cores.
pub const DEFAULT_CHUNK_SIZE: usize = 16 << 20;

/// The largest block a stream (compressed input, standard input,
/// `--no-mmap`) is cut into: decoding and counting overlap block by block,
/// so smaller blocks than a map's chunks start the counting sooner and
/// keep fewer bytes waiting.
pub const STREAM_BLOCK_MAX: usize = 4 << 20;

/// The default `--max-record-bytes`.
pub const DEFAULT_MAX_RECORD_BYTES: usize = 64 << 20;

/// Files smaller than this are read rather than mapped: for small files a
/// read is cheaper than setting up and tearing down a mapping.
pub const MMAP_MIN_SIZE: u64 = 1 << 20;

/// The input format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// Decide per input from its first bytes.
    #[default]
    Auto,
    /// JSON Lines, a line may hold a `records`/`tables` envelope.
    Jsonl,
    /// One JSON document per input: `{"records":[…]}`, an array of records,
    /// or `{"tables":[…]}`.
    Json,
    /// CSV with a header row.
    Csv,
    /// Text lines (built-in keys, or `pattern`).
    Text,
}

/// How regular files are read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MmapMode {
    /// Map files of at least [`MMAP_MIN_SIZE`] bytes, read the others.
    #[default]
    Auto,
    /// Never map: read every file with plain reads, in bounded blocks.
    Never,
}

/// Everything `report` needs.
#[derive(Clone, Debug)]
pub struct Config {
    /// Files, directories (walked recursively, sorted), or `-` for stdin.
    pub paths: Vec<PathBuf>,
    /// Where reports are written.
    pub out_dir: PathBuf,
    /// The input format.
    pub format: Format,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// How files are read.
    pub mmap: MmapMode,
    /// Bytes per chunk of a large input.
    pub chunk_size: usize,
    /// Fail on the first malformed record.
    pub strict: bool,
    /// A regular expression for text logs, with named groups `code`,
    /// `subcode`, `category`.
    pub pattern: Option<String>,
    /// What the run counts, and how (applied to every record).
    pub plan: Plan,
    /// The longest line, record or CSV field held: a longer one is
    /// malformed and skipped without being held (spec §10).
    pub max_record_bytes: usize,
    /// `--shard I/N`: read only the inputs whose position in the sorted
    /// input list is I modulo N (spec §8).
    pub shard: Option<Shard>,
    /// `--inputs-from FILE`: more input paths, one per line (`-`: stdin).
    pub inputs_from: Option<PathBuf>,
    /// `--all-files`: directory walks read every file, not only the log
    /// names and non-hidden ones (spec §5).
    pub all_files: bool,
    /// Counters the run bumps as it reads (per piece and per input, never
    /// per record), and a hook called as each input finishes: for a
    /// progress bar and warnings printed while the run goes on.
    pub progress: Option<std::sync::Arc<crate::progress::Progress>>,
    /// `--fail-on` / `--warn-on` rules, in the order given (spec §9).
    pub rules: Vec<crate::gate::Rule>,
    /// `--baseline DIR`: the earlier run changes (`+20%`) and `new` are
    /// measured against.
    pub baseline: Option<PathBuf>,
    /// `--partial FILE`: write a partial tally there (`-`: standard
    /// output) instead of reports; inputs are then counted in path order
    /// (spec §8).
    pub partial: Option<PathBuf>,
}

/// One of N workers splitting one listing without talking to each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This worker, `0..count`.
    pub index: u32,
    /// The number of workers.
    pub count: u32,
}

impl Shard {
    /// Parse `I/N` with `0 <= I < N`.
    pub fn parse(text: &str) -> std::result::Result<Shard, String> {
        let bad = || {
            format!(
                "--shard {text:?}: expected I/N with 0 <= I < N (e.g. 0/4)"
            )
        };
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            i.trim().parse::<u32>().map_err(|_| bad())?,
            n.trim().parse::<u32>().map_err(|_| bad())?,
        );
        if index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether the input at `position` of the sorted list is this shard's.
    pub fn takes(self, position: usize) -> bool {
        position as u64 % u64::from(self.count) == u64::from(self.index)
    }
}

/// The input paths listed in a file (`--inputs-from`; `-` is standard
/// input): one per line, blank lines ignored.
pub fn read_input_list(
    from: &std::path::Path,
) -> std::io::Result<Vec<PathBuf>> {
    use std::io::Read;
    let mut text = String::new();
    if from.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text)?;
    } else {
        std::fs::File::open(from)?.read_to_string(&mut text)?;
    }
    Ok(text
        .lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.trim().is_empty())
        .map(PathBuf::from)
        .collect())
}

impl Default for Config {
    fn default() -> Config {
        Config {
            paths: Vec::new(),
            out_dir: PathBuf::from("calltally-report"),
            format: Format::Auto,
            threads: 0,
            mmap: MmapMode::Auto,
            chunk_size: DEFAULT_CHUNK_SIZE,
            strict: false,
            pattern: None,
            plan: Plan::default(),
            shard: None,
            inputs_from: None,
            partial: None,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            all_files: false,
            progress: None,
            rules: Vec::new(),
            baseline: None,
        }
    }
}

/// Check a `--pattern`: a valid regular expression with a named group
/// `code`; the error says what is wrong.
pub fn check_pattern(pattern: &str) -> std::result::Result<(), String> {
    crate::extract::text::TextReader::with_pattern(pattern).map(|_| ())
}
