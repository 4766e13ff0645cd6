//! Finding and opening inputs: the walk ([`collect`]), memory maps
//! ([`mmap`]), compression ([`codec`]) and lines ([`lines`]).

use std::path::{Path, PathBuf};

pub mod codec;
pub mod lines;
pub(crate) mod mmap;
pub mod prune;

/// An input that could not be read, or failed part-way.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct InputError {
    /// Index of the input in the run's input list (`u32::MAX` for a path
    /// that never became an input, e.g. a directory that could not be
    /// walked; `path` then names it).
    pub input: u32,
    /// The path as given or found.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// Where an input's bytes come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A file.
    File(PathBuf),
    /// Standard input.
    Stdin,
}

/// One input of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// The name used in messages and reports.
    pub name: String,
    /// Where to read it from.
    pub source: Source,
}

/// What a walk found besides its inputs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WalkNotes {
    /// Files a directory walk did not read (spec §5): names that are not
    /// log names ([`is_log_name`]), hidden files and folders, and files in
    /// this run's output directory or in a folder of earlier calltally
    /// reports.
    pub skipped_files: u64,
    /// The first of them (at most 10).
    pub skipped_names: Vec<String>,
    /// Files reached more than once (named twice, or through a folder and
    /// by name): read once, at their first place.
    pub duplicates: Vec<String>,
    /// A digest of the whole listing (inputs before `--shard`, walk
    /// errors, skipped files), set by [`crate::run`]: partials of the
    /// shards of one listing share it, so its notes count once in a merge.
    pub listing: u64,
}

/// How many skipped file names [`WalkNotes`] keeps.
pub const MAX_SKIPPED_NAMES: usize = 10;

/// Expand the paths of a run into inputs: files as given, directories
/// walked recursively with entries in sorted order (symlinks followed, loops
/// reported), `-` as standard input. Paths that cannot be listed are
/// returned as errors; the others still run.
pub fn collect(paths: &[PathBuf]) -> (Vec<Input>, Vec<InputError>) {
    let (inputs, errors, _) = walk(paths, None, false);
    (inputs, errors)
}

/// The endings of the file names a directory walk reads (spec §5), each
/// optionally followed by `.gz` or `.zst`.
pub const LOG_EXTENSIONS: [&str; 6] =
    [".json", ".jsonl", ".ndjson", ".csv", ".log", ".txt"];

/// Whether a directory walk reads a file of this name (spec §5): it ends
/// in `.json`, `.jsonl`, `.ndjson`, `.csv`, `.log` or `.txt`, optionally
/// followed by `.gz` or `.zst` (ASCII case-insensitive: `PT1H.JSON`,
/// `app.LOG.gz`).
pub fn is_log_name(name: &std::ffi::OsStr) -> bool {
    let name = name.as_encoded_bytes().to_ascii_lowercase();
    let base = [&b".gz"[..], b".zst"]
        .iter()
        .find_map(|c| name.strip_suffix(*c))
        .unwrap_or(&name);
    LOG_EXTENSIONS
        .iter()
        .any(|e| base.len() > e.len() && base.ends_with(e.as_bytes()))
}

/// Whether a file or folder name is hidden (starts with `.`).
fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// [`collect`], where directory walks (spec §5) read only log names
/// ([`is_log_name`]) and skip hidden files and folders, unless
/// `all_files`; and always skip this run's output directory `out_dir` and
/// any folder holding a `summary.json` written by calltally (earlier
/// reports). What they skip is counted in the notes. A file reached twice
/// is read once. A path named on the command line is always read.
pub fn walk(
    paths: &[PathBuf],
    out_dir: Option<&Path>,
    all_files: bool,
) -> (Vec<Input>, Vec<InputError>, WalkNotes) {
    use std::os::unix::fs::MetadataExt as _;
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    let mut notes = WalkNotes::default();
    let mut seen = std::collections::HashSet::new();
    let out_id = out_dir
        .and_then(|d| std::fs::metadata(d).ok())
        .map(|m| (m.dev(), m.ino()));
    let mut error = |path: &Path, message: String| {
        errors.push(InputError {
            input: u32::MAX,
            path: path.display().to_string(),
            message,
        })
    };
    let mut add = |inputs: &mut Vec<Input>,
                   notes: &mut WalkNotes,
                   path: PathBuf,
                   meta: &std::fs::Metadata| {
        let name = path.display().to_string();
        if seen.insert((meta.dev(), meta.ino())) {
            inputs.push(Input { name, source: Source::File(path) });
        } else {
            notes.duplicates.push(name);
        }
    };
    for path in paths {
        if path.as_os_str() == "-" {
            inputs
                .push(Input { name: "<stdin>".into(), source: Source::Stdin });
            continue;
        }
        match std::fs::metadata(path) {
            Err(e) => error(path, e.to_string()),
            Ok(m) if !m.is_dir() => {
                add(&mut inputs, &mut notes, path.clone(), &m)
            }
            Ok(_) => {
                // The output directory can only be met inside this tree
                // if it lies under it (or a link leads there: then its
                // earlier `summary.json` marks it, as any report folder).
                let out_inside = out_dir.is_some_and(|d| {
                    match (
                        std::fs::canonicalize(d),
                        std::fs::canonicalize(path),
                    ) {
                        (Ok(d), Ok(root)) => d.starts_with(root),
                        _ => true,
                    }
                });
                let mut skipped = Vec::new();
                // Folders holding an earlier run's `summary.json`, found
                // as the walk meets that file (probing every folder for
                // one cost a failed open per folder of a storage tree).
                let mut report_dirs: Vec<PathBuf> = Vec::new();
                let mut found = Vec::new();
                let walk = walkdir::WalkDir::new(path)
                    .follow_links(true)
                    .sort_by_file_name()
                    .into_iter()
                    .filter_entry(|e| {
                        let dir = e.file_type().is_dir();
                        let name = e.file_name();
                        let not_a_log = !all_files
                            && (is_hidden(name)
                                || (!dir && !is_log_name(name)));
                        let skip = e.depth() > 0
                            && (not_a_log
                                || (dir
                                    && out_inside
                                    && e.metadata().is_ok_and(|m| {
                                        Some((m.dev(), m.ino())) == out_id
                                    })));
                        if skip {
                            skipped.push(e.path().to_owned());
                        }
                        !skip
                    });
                for entry in walk {
                    match entry {
                        Ok(e) if e.file_type().is_dir() => {}
                        // A FIFO, socket or device inside a tree would
                        // block or read forever: only regular files are
                        // read from directories.
                        Ok(e) if !e.file_type().is_file() => error(
                            e.path(),
                            "not a regular file (FIFO, socket or device); \
                             skipped"
                                .into(),
                        ),
                        Ok(e) => {
                            if e.depth() > 1
                                && e.file_name() == "summary.json"
                                && e.path().parent().is_some_and(holds_reports)
                            {
                                report_dirs.extend(
                                    e.path().parent().map(Path::to_owned),
                                );
                            }
                            match e.metadata() {
                                Ok(m) => found.push((e.into_path(), m)),
                                Err(err) => error(e.path(), err.to_string()),
                            }
                        }
                        Err(e) => {
                            let p = e.path().unwrap_or(path).to_path_buf();
                            let msg = match e.loop_ancestor() {
                                Some(a) => format!(
                                    "symbolic link loop back to {}",
                                    a.display()
                                ),
                                None => e.io_error().map_or_else(
                                    || e.to_string(),
                                    |io| io.to_string(),
                                ),
                            };
                            error(&p, msg);
                        }
                    }
                }
                // A report folder is skipped whole, in walk order among
                // the other skipped names.
                if !report_dirs.is_empty() {
                    let inside = |p: &Path| {
                        report_dirs.iter().any(|d| p.starts_with(d))
                    };
                    found.retain(|(p, _)| !inside(p));
                    skipped.retain(|p| !inside(p));
                    skipped.extend(
                        report_dirs
                            .iter()
                            .filter(|d| {
                                !report_dirs
                                    .iter()
                                    .any(|o| o != *d && d.starts_with(o))
                            })
                            .cloned(),
                    );
                    skipped.sort();
                }
                for (p, m) in found {
                    add(&mut inputs, &mut notes, p, &m);
                }
                for dir in skipped {
                    count_skipped(&dir, &mut notes);
                }
            }
        }
    }
    (inputs, errors, notes)
}

/// Whether `dir` holds a `summary.json` written by calltally: one whose
/// first field is `"tool": "calltally"`.
fn holds_reports(dir: &Path) -> bool {
    use std::io::Read as _;
    let Ok(file) = std::fs::File::open(dir.join("summary.json")) else {
        return false;
    };
    let mut head = Vec::with_capacity(256);
    if file.take(256).read_to_end(&mut head).is_err() {
        return false;
    }
    let compact: Vec<u8> =
        head.into_iter().filter(|b| !b.is_ascii_whitespace()).collect();
    compact.starts_with(br#"{"tool":"calltally""#)
}

/// Count a skipped file, or the files under a skipped folder, into
/// `notes`.
fn count_skipped(dir: &Path, notes: &mut WalkNotes) {
    let files = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_type().is_dir());
    for e in files {
        notes.skipped_files += 1;
        if notes.skipped_names.len() < MAX_SKIPPED_NAMES {
            notes.skipped_names.push(e.path().display().to_string());
        }
    }
}
