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

/// Expand the paths of a run into inputs: files as given, directories
/// walked recursively with entries in sorted order (symlinks followed, loops
/// reported), `-` as standard input. Paths that cannot be listed are
/// returned as errors; the others still run.
pub fn collect(paths: &[PathBuf]) -> (Vec<Input>, Vec<InputError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    let mut error = |path: &Path, message: String| {
        errors.push(InputError {
            input: u32::MAX,
            path: path.display().to_string(),
            message,
        })
    };
    for path in paths {
        if path.as_os_str() == "-" {
            inputs
                .push(Input { name: "<stdin>".into(), source: Source::Stdin });
            continue;
        }
        match std::fs::metadata(path) {
            Err(e) => error(path, e.to_string()),
            Ok(m) if !m.is_dir() => inputs.push(Input {
                name: path.display().to_string(),
                source: Source::File(path.clone()),
            }),
            Ok(_) => {
                let walk = walkdir::WalkDir::new(path)
                    .follow_links(true)
                    .sort_by_file_name();
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
                        Ok(e) => inputs.push(Input {
                            name: e.path().display().to_string(),
                            source: Source::File(e.into_path()),
                        }),
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
            }
        }
    }
    (inputs, errors)
}
