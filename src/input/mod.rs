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
    /// Partition folders a time window misses (spec §7), not entered:
    /// the topmost such folders (one under another counts once), the
    /// folders named on the command line included.
    pub pruned_folders: u64,
    /// A digest of the whole listing (inputs before `--shard`, walk
    /// errors, skipped files), set by [`crate::run`]: partials of the
    /// shards of one listing share it, so its notes count once in a merge.
    pub listing: u64,
}

/// How many skipped file names [`WalkNotes`] keeps.
pub const MAX_SKIPPED_NAMES: usize = 10;

/// How a directory walk treats the partition folders a time window misses
/// (spec §7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FolderPruning {
    /// The window.
    pub window: prune::Window,
    /// Walk through the pruned folders anyway, without reading or noting
    /// anything in them, only to give each input the position it has in
    /// the listing of a walk without a window ([`Walked::positions`]):
    /// what `--shard` splits, so that a window does not move an input to
    /// another shard. Without it, pruned folders are not opened.
    pub positions: bool,
}

/// What a walk ([`walk`]) found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Walked {
    /// The inputs, in walk order.
    pub inputs: Vec<Input>,
    /// The position of each input in the listing of every file the walk
    /// met, in walk order, each file once: without a window, or with
    /// [`FolderPruning::positions`], the listing of a walk without a
    /// window (what `--shard` splits); else the files of unpruned
    /// folders only.
    pub positions: Vec<usize>,
    /// Paths that could not be listed.
    pub errors: Vec<InputError>,
    /// What the walk noted besides.
    pub notes: WalkNotes,
}

/// Expand the paths of a run into inputs: files as given, directories
/// walked recursively with entries in sorted order (symlinks followed, loops
/// reported), `-` as standard input. Paths that cannot be listed are
/// returned as errors; the others still run.
pub fn collect(paths: &[PathBuf]) -> (Vec<Input>, Vec<InputError>) {
    let w = walk(paths, None, false, None);
    (w.inputs, w.errors)
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
/// is read once. A path named on the command line is always read. With
/// `pruning`, folders (a directory named on the command line included)
/// whose partitions the window misses are not entered, and counted.
pub fn walk(
    paths: &[PathBuf],
    out_dir: Option<&Path>,
    all_files: bool,
    pruning: Option<FolderPruning>,
) -> Walked {
    use std::os::unix::fs::MetadataExt as _;
    let mut w = Walked::default();
    let mut list = Files::default();
    let out_id = out_dir
        .and_then(|d| std::fs::metadata(d).ok())
        .map(|m| (m.dev(), m.ino()));
    for path in paths {
        if path.as_os_str() == "-" {
            w.positions.push(list.next());
            w.inputs
                .push(Input { name: "<stdin>".into(), source: Source::Stdin });
            continue;
        }
        match std::fs::metadata(path) {
            Err(e) => error(&mut w.errors, path, e.to_string()),
            Ok(m) if !m.is_dir() => list.add(&mut w, path.clone(), &m, false),
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
                let skip_out = |e: &walkdir::DirEntry| {
                    out_inside
                        && e.metadata()
                            .is_ok_and(|m| Some((m.dev(), m.ino())) == out_id)
                };
                let pruned = pruning.map(Pruned::new);
                let found = walk_dir(
                    path,
                    all_files,
                    &skip_out,
                    pruned.as_ref(),
                    &mut w,
                );
                for (p, m, inside) in found {
                    list.add(&mut w, p, &m, inside);
                }
                if let Some(p) = pruned {
                    w.notes.pruned_folders += p.0.borrow().count;
                }
            }
        }
    }
    w
}

/// Record a path that could not be listed.
fn error(errors: &mut Vec<InputError>, path: &Path, message: String) {
    errors.push(InputError {
        input: u32::MAX,
        path: path.display().to_string(),
        message,
    })
}

/// The files of a walk, each known once: the listing of every file met
/// (pruned folders' included), and the inputs read.
#[derive(Default)]
struct Files {
    /// (device, inode) of every file met, and its position in the
    /// listing.
    all: std::collections::HashMap<(u64, u64), usize>,
    len: usize,
    /// (device, inode) of the inputs.
    read: std::collections::HashSet<(u64, u64)>,
}

impl Files {
    /// A new position in the listing.
    fn next(&mut self) -> usize {
        self.len += 1;
        self.len - 1
    }

    /// A file met at `path`: listed at its first place; an input unless
    /// `inside` a pruned folder or already one (then a duplicate).
    fn add(
        &mut self,
        w: &mut Walked,
        path: PathBuf,
        meta: &std::fs::Metadata,
        inside: bool,
    ) {
        use std::os::unix::fs::MetadataExt as _;
        let id = (meta.dev(), meta.ino());
        let pos = match self.all.get(&id) {
            Some(&p) => p,
            None => {
                let p = self.next();
                self.all.insert(id, p);
                p
            }
        };
        if inside {
            return;
        }
        let name = path.display().to_string();
        if self.read.insert(id) {
            w.inputs.push(Input { name, source: Source::File(path) });
            w.positions.push(pos);
        } else {
            w.notes.duplicates.push(name);
        }
    }
}

/// The pruned folders of one walk: the window, the topmost folder it
/// misses that the walk is in (with [`FolderPruning::positions`]), and how
/// many there were.
struct Pruned(std::cell::RefCell<PrunedState>);

struct PrunedState {
    how: FolderPruning,
    current: Option<PathBuf>,
    count: u64,
}

impl Pruned {
    fn new(how: FolderPruning) -> Pruned {
        Pruned(std::cell::RefCell::new(PrunedState {
            how,
            current: None,
            count: 0,
        }))
    }

    /// Whether `path` lies in the pruned folder the walk is in.
    fn inside(&self, path: &Path) -> bool {
        self.0.borrow().current.as_ref().is_some_and(|c| path.starts_with(c))
    }

    /// Meet an entry (in walk order): `None` to skip it (a pruned folder
    /// not walked through), else whether it lies in a pruned folder.
    fn meet(&self, path: &Path, dir: bool) -> Option<bool> {
        if self.inside(path) {
            return Some(true);
        }
        let mut s = self.0.borrow_mut();
        s.current = None;
        if !(dir && s.how.window.misses(path)) {
            return Some(false);
        }
        s.count += 1;
        if !s.how.positions {
            return None;
        }
        s.current = Some(path.to_owned());
        Some(true)
    }
}

/// Walk the directory `root` (see [`walk`]): its files in walk order,
/// each with its metadata and whether it lies in a pruned folder; errors
/// and notes (none from within pruned folders) go to `w`.
fn walk_dir(
    root: &Path,
    all_files: bool,
    skip_out: &dyn Fn(&walkdir::DirEntry) -> bool,
    pruned: Option<&Pruned>,
    w: &mut Walked,
) -> Vec<(PathBuf, std::fs::Metadata, bool)> {
    let inside = |p: &Path| pruned.is_some_and(|s| s.inside(p));
    let mut skipped = Vec::new();
    // Folders holding an earlier run's `summary.json`, found as the walk
    // meets that file (probing every folder for one cost a failed open
    // per folder of a storage tree), and whether they lie in a pruned
    // folder.
    let mut report_dirs: Vec<(PathBuf, bool)> = Vec::new();
    let mut found = Vec::new();
    let walk = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let dir = e.file_type().is_dir();
            let in_pruned = match pruned {
                None => false,
                Some(p) => match p.meet(e.path(), dir) {
                    None => return false,
                    Some(inside) => inside,
                },
            };
            let name = e.file_name();
            let not_a_log = !all_files
                && (is_hidden(name) || (!dir && !is_log_name(name)));
            let skip = e.depth() > 0 && (not_a_log || (dir && skip_out(e)));
            if skip && !in_pruned {
                skipped.push(e.path().to_owned());
            }
            !skip
        });
    for entry in walk {
        match entry {
            Ok(e) if e.file_type().is_dir() => {}
            Ok(e) if inside(e.path()) && !e.file_type().is_file() => {}
            // A FIFO, socket or device inside a tree would block or read
            // forever: only regular files are read from directories.
            Ok(e) if !e.file_type().is_file() => error(
                &mut w.errors,
                e.path(),
                "not a regular file (FIFO, socket or device); skipped".into(),
            ),
            Ok(e) => {
                let in_pruned = inside(e.path());
                if e.depth() > 1
                    && e.file_name() == "summary.json"
                    && e.path().parent().is_some_and(holds_reports)
                {
                    report_dirs.extend(
                        e.path().parent().map(|d| (d.to_owned(), in_pruned)),
                    );
                }
                match e.metadata() {
                    Ok(m) => found.push((e.into_path(), m, in_pruned)),
                    Err(_) if in_pruned => {}
                    Err(err) => {
                        error(&mut w.errors, e.path(), err.to_string())
                    }
                }
            }
            Err(e) => {
                let p = e.path().unwrap_or(root).to_path_buf();
                if inside(&p) {
                    continue;
                }
                let msg = match e.loop_ancestor() {
                    Some(a) => {
                        format!("symbolic link loop back to {}", a.display())
                    }
                    None => e
                        .io_error()
                        .map_or_else(|| e.to_string(), |io| io.to_string()),
                };
                error(&mut w.errors, &p, msg);
            }
        }
    }
    // A report folder is skipped whole, in walk order among the other
    // skipped names.
    if !report_dirs.is_empty() {
        let within =
            |p: &Path| report_dirs.iter().any(|(d, _)| p.starts_with(d));
        found.retain(|(p, _, _)| !within(p));
        skipped.retain(|p| !within(p));
        skipped.extend(
            report_dirs
                .iter()
                .filter(|(d, in_pruned)| {
                    !in_pruned
                        && !report_dirs
                            .iter()
                            .any(|(o, _)| o != d && d.starts_with(o))
                })
                .map(|(d, _)| d.clone()),
        );
        skipped.sort();
    }
    for dir in skipped {
        count_skipped(&dir, &mut w.notes);
    }
    found
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
