//! What a run has done so far, for a progress display and for warnings
//! printed while the run goes on: counters the pipeline bumps per chunk,
//! block or file (never per record), and an optional hook called as each
//! input finishes. The library draws nothing; the binary reads these.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::tally::{InputError, Sample};

/// Shared progress of one run: put an `Arc` of it in
/// [`Config::progress`](crate::Config::progress) and read it from another
/// thread while the run goes on.
pub struct Progress {
    /// Whether the run looks up the size of every input for `total`.
    sized: bool,
    read: AtomicU64,
    decoded: AtomicU64,
    total: AtomicU64,
    files_done: AtomicU64,
    files_total: AtomicU64,
    on_input: Option<Box<OnInput>>,
}

/// A hook called once per input, as it finishes, from the worker thread
/// that read it: inputs finish in any order.
pub type OnInput = dyn Fn(&InputDone<'_>) + Send + Sync;

/// What one finished input found that a person should hear about.
#[derive(Debug)]
pub struct InputDone<'a> {
    /// The input's position in the run's input list.
    pub index: u32,
    /// The input's name.
    pub name: &'a str,
    /// Its malformed records, all of them (at least `samples.len()`).
    pub malformed: u64,
    /// The first of them, in line order (at most
    /// [`MAX_SAMPLES`](crate::MAX_SAMPLES)).
    pub samples: &'a [Sample],
    /// Why it could not be read, or stopped being read.
    pub errors: &'a [InputError],
}

/// A reading of the counters at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Input bytes read as they are stored (compressed bytes for
    /// compressed inputs).
    pub read: u64,
    /// Bytes decompressed from compressed inputs.
    pub decoded: u64,
    /// The stored size of all inputs (0 when unknown, e.g. standard input
    /// only).
    pub total: u64,
    /// Inputs finished.
    pub files_done: u64,
    /// Inputs in the run.
    pub files_total: u64,
}

impl Progress {
    /// Counters at zero, no hook.
    pub fn new() -> Progress {
        Progress {
            sized: true,
            read: AtomicU64::new(0),
            decoded: AtomicU64::new(0),
            total: AtomicU64::new(0),
            files_done: AtomicU64::new(0),
            files_total: AtomicU64::new(0),
            on_input: None,
        }
    }

    /// Counters at zero, with `hook` called as each input finishes.
    pub fn with_hook(
        hook: impl Fn(&InputDone<'_>) + Send + Sync + 'static,
    ) -> Progress {
        Progress { on_input: Some(Box::new(hook)), ..Progress::new() }
    }

    /// Whether the run looks up the size of every input before reading
    /// (`total`; the default): one `stat` per file, worth leaving out when
    /// nothing shows a bar (a listing of many files on a network mount).
    pub fn sized(self, yes: bool) -> Progress {
        Progress { sized: yes, ..self }
    }

    /// Whether [`Progress::sized`] is on.
    pub fn is_sized(&self) -> bool {
        self.sized
    }

    /// The counters now.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            read: self.read.load(Relaxed),
            decoded: self.decoded.load(Relaxed),
            total: self.total.load(Relaxed),
            files_done: self.files_done.load(Relaxed),
            files_total: self.files_total.load(Relaxed),
        }
    }

    /// The run starts: `files` inputs of `bytes` stored bytes in all.
    pub(crate) fn start(&self, files: u64, bytes: u64) {
        self.files_total.fetch_add(files, Relaxed);
        self.total.fetch_add(bytes, Relaxed);
    }

    /// `n` more stored bytes read.
    pub(crate) fn read(&self, n: u64) {
        self.read.fetch_add(n, Relaxed);
    }

    /// `n` more bytes decompressed.
    pub(crate) fn decoded(&self, n: u64) {
        self.decoded.fetch_add(n, Relaxed);
    }

    /// An input is finished: `unreported` of its stored bytes were not
    /// counted by [`Progress::read`] on the way (headers, a BOM, a last
    /// piece), and the hook hears about it.
    pub(crate) fn input_done(&self, unreported: u64, done: &InputDone<'_>) {
        self.read.fetch_add(unreported, Relaxed);
        self.files_done.fetch_add(1, Relaxed);
        if let Some(hook) = &self.on_input {
            hook(done);
        }
    }
}

impl Default for Progress {
    fn default() -> Progress {
        Progress::new()
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("now", &self.snapshot())
            .field("hook", &self.on_input.is_some())
            .finish()
    }
}
