//! Writing the report set: the one list of report file names, and atomic
//! writes that leave no temporary file behind (nor earlier reports
//! half-replaced), even on Ctrl-C.

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{Error, Result};

/// Records per result category.
pub const BY_CATEGORY: &str = "by_category.csv";
/// Records per result category and code range.
pub const BY_CODE_RANGE: &str = "by_code_range.csv";
/// Records per (category, code, subcode), annotated from the catalog.
pub const BY_CODE: &str = "by_code.csv";
/// The run's facts and accounting.
pub const SUMMARY_JSON: &str = "summary.json";

/// The report files of a run, in the order they are written: the one list
/// the writer, the renderer and the tests share.
pub const REPORT_FILES: [&str; 4] =
    [BY_CATEGORY, BY_CODE_RANGE, BY_CODE, SUMMARY_JSON];

/// The CSV report files (the first three of [`REPORT_FILES`]).
pub const CSV_FILES: [&str; 3] =
    [REPORT_FILES[0], REPORT_FILES[1], REPORT_FILES[2]];

/// Every gate rule's outcome (`--fail-on`, `--warn-on`).
pub const GATES_JSON: &str = "gates.json";
/// The gates as a JUnit XML test suite, for CI test tabs.
pub const GATES_XML: &str = "gates.xml";

/// The files a run with gates adds to [`REPORT_FILES`], in order.
pub const GATE_FILES: [&str; 2] = [GATES_JSON, GATES_XML];

/// Every file a report set may hold: a set written without some of them
/// removes those an earlier run left ([`write_report_set`]).
pub const SET_FILES: [&str; 6] = [
    REPORT_FILES[0],
    REPORT_FILES[1],
    REPORT_FILES[2],
    REPORT_FILES[3],
    GATE_FILES[0],
    GATE_FILES[1],
];

/// Temporary report files being written, for [`remove_temp_files`].
static TEMP_FILES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn temp_files() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    TEMP_FILES.lock().unwrap_or_else(|e| e.into_inner())
}

/// Remove the temporary files of reports being written. For a Ctrl-C
/// handler: the process is about to exit without running destructors.
/// (The writer holds signals off while it writes, so this finds nothing
/// unless a signal is delivered some other way.)
pub fn remove_temp_files() {
    for path in temp_files().iter() {
        let _ = std::fs::remove_file(path);
    }
}

/// Unregisters temporary paths when the write is over, however it ends.
struct Registered(Vec<PathBuf>);

impl Drop for Registered {
    fn drop(&mut self) {
        temp_files().retain(|p| !self.0.contains(p));
    }
}

/// Check, before any input is read, that reports can be written into
/// `dir`: the directory, or the nearest existing folder above it (where it
/// would be created), takes a new file. Nothing is created or left behind.
pub fn check_output_dir(dir: &Path) -> Result<()> {
    let err = |source| Error::OutputDir { path: dir.to_owned(), source };
    let mut probe = dir;
    loop {
        match std::fs::metadata(probe) {
            Ok(m) if m.is_dir() => break,
            Ok(_) => {
                return Err(err(std::io::Error::new(
                    std::io::ErrorKind::NotADirectory,
                    format!("{} is not a directory", probe.display()),
                )))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                match probe.parent() {
                    Some(p) if !p.as_os_str().is_empty() => probe = p,
                    _ => {
                        probe = Path::new(".");
                        break;
                    }
                }
            }
            Err(e) => return Err(err(e)),
        }
    }
    // An unnamed file (O_TMPFILE) where possible: nothing to clean up.
    tempfile::tempfile_in(probe).map(drop).map_err(err)
}

/// Write the report set into `dir`, replacing the earlier set as a whole
/// (spec §10):
///
/// - runs into one directory take turns through an advisory lock
///   (`flock(2)`) on the directory, so the set on disk is always one run's;
/// - each file goes to a temporary file in `dir` first (mode `0666` less
///   the umask), and only when all are written are they renamed into
///   place; the old files are kept as backups until all renames are done,
///   and a failure puts them back;
/// - Ctrl-C and SIGTERM are held off from the first temporary file to the
///   last rename ([`crate::sys::hold_signals`]): an interrupted run leaves
///   the earlier set or the new one, complete, and no temporary file.
pub fn write_atomically(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<()> {
    write_files(dir, &held(files), &[])
}

/// What a report file holds: bytes in memory, or a function that writes
/// them into the file as it is staged (a table of a million rows is then
/// streamed, never held whole in memory).
pub enum Content<'a> {
    /// The bytes.
    Bytes(std::borrow::Cow<'a, [u8]>),
    /// Writes the bytes; an error fails the write of the whole set.
    Stream(Box<Render<'a>>),
}

/// A function that writes a report file's bytes ([`Content::Stream`]).
pub type Render<'a> =
    dyn Fn(&mut dyn std::io::Write) -> std::io::Result<()> + 'a;

impl std::fmt::Debug for Content<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Content::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Content::Stream(_) => f.write_str("Stream"),
        }
    }
}

/// Files held in memory, as [`Content`].
fn held<'a>(files: &'a [(&'a str, Vec<u8>)]) -> Vec<(&'a str, Content<'a>)> {
    files
        .iter()
        .map(|(name, bytes)| (*name, Content::Bytes(bytes[..].into())))
        .collect()
}

/// Write a report set (the files of [`SET_FILES`] it holds) as
/// [`write_atomically`] does, and remove, in the same commit, the files of
/// [`SET_FILES`] it does not hold (`gates.json` of an earlier run with
/// gates): the set is replaced as a whole.
pub fn write_report_set(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<()> {
    write_report_files(dir, &held(files))
}

/// [`write_report_set`] for files that may be streamed
/// ([`Content::Stream`]): each is rendered straight into its temporary
/// file, while the earlier set is still in place, so the set is replaced
/// as a whole all the same (and Ctrl-C is held off while they render).
pub fn write_report_files(
    dir: &Path,
    files: &[(&str, Content<'_>)],
) -> Result<()> {
    let stale: Vec<&str> = SET_FILES
        .into_iter()
        .filter(|n| !files.iter().any(|(f, _)| f == n))
        .collect();
    write_files(dir, files, &stale)
}

/// Write `files` and remove `stale`, all or nothing.
fn write_files(
    dir: &Path,
    files: &[(&str, Content<'_>)],
    stale: &[&str],
) -> Result<()> {
    let err =
        |path: &Path, source| Error::Write { path: path.to_owned(), source };
    std::fs::create_dir_all(dir).map_err(|e| err(dir, e))?;
    // The lock is on the directory itself: nothing to create or clean up.
    let lock = std::fs::File::open(dir).map_err(|e| err(dir, e))?;
    crate::sys::lock_exclusive(&lock).map_err(|e| err(dir, e))?;
    let _held = crate::sys::hold_signals();
    for (name, _) in files {
        let path = dir.join(name);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            return Err(err(
                &path,
                std::io::Error::new(
                    std::io::ErrorKind::IsADirectory,
                    "a directory is in the way of the report",
                ),
            ));
        }
    }
    let mut registered = Registered(Vec::new());
    // Each file is synced on a thread of its own while the next one
    // renders; all are synced before any is renamed into place.
    let staged = std::thread::scope(|scope| -> Result<Vec<_>> {
        let mut staged = Vec::with_capacity(files.len());
        let mut syncs = Vec::with_capacity(files.len());
        for (name, content) in files {
            let path = dir.join(name);
            let mut tmp = {
                // Created and registered under the registry's lock, so a
                // cleanup never misses a file that exists.
                let mut temps = temp_files();
                let tmp = tempfile::Builder::new()
                    .prefix(&format!(".{name}."))
                    .suffix(".tmp")
                    .permissions(std::fs::Permissions::from_mode(0o666))
                    .tempfile_in(dir)
                    .map_err(|e| err(dir, e))?;
                temps.push(tmp.path().to_owned());
                tmp
            };
            registered.0.push(tmp.path().to_owned());
            match content {
                Content::Bytes(bytes) => tmp.write_all(bytes),
                Content::Stream(render) => {
                    let mut w = std::io::BufWriter::with_capacity(
                        1 << 16,
                        tmp.as_file_mut(),
                    );
                    render(&mut w).and_then(|_| w.flush())
                }
            }
            .and_then(|_| tmp.as_file().try_clone())
            .map(|file| syncs.push(scope.spawn(move || file.sync_all())))
            .map_err(|e| err(&path, e))?;
            staged.push((tmp, path));
        }
        for (sync, (_, path)) in syncs.into_iter().zip(&staged) {
            let synced =
                sync.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            synced.map_err(|e| err(path, e))?;
        }
        Ok(staged)
    })?;
    let stale: Vec<PathBuf> = stale.iter().map(|n| dir.join(n)).collect();
    commit(staged, &stale, &mut registered)?;
    // The renames are durable once the directory is synced.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Rename staged files into place, all or none: each old file is first
/// kept as a backup (a hard link, or moved aside where links are not
/// possible); a failed rename puts every backup back and removes the new
/// files that had no earlier version. Then the `stale` files are moved
/// aside the same way (and put back if anything fails).
fn commit(
    staged: Vec<(tempfile::NamedTempFile, PathBuf)>,
    stale: &[PathBuf],
    registered: &mut Registered,
) -> Result<()> {
    let delay = test_commit_delay();
    // (final path, its backup) of each file renamed into place.
    let mut done: Vec<(PathBuf, Option<PathBuf>)> = Vec::new();
    let mut result = Ok(());
    for (i, (tmp, path)) in staged.into_iter().enumerate() {
        if i > 0 {
            if let Some(d) = delay {
                std::thread::sleep(d);
            }
        }
        let mut backup = tmp.path().as_os_str().to_owned();
        backup.push(".bak");
        let backup = PathBuf::from(backup);
        temp_files().push(backup.clone());
        registered.0.push(backup.clone());
        // The old file, kept: linked (still in place too) or moved aside.
        let kept = match std::fs::hard_link(&path, &backup) {
            Ok(()) => Ok(Some((backup, true))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(_) => {
                std::fs::rename(&path, &backup).map(|_| Some((backup, false)))
            }
        };
        let kept = match kept {
            Ok(kept) => kept,
            Err(e) => {
                result = Err(Error::Write { path, source: e });
                break;
            }
        };
        if let Err(e) = tmp.persist(&path) {
            // This file is not replaced: its old version goes back (a
            // link is simply dropped: renaming a file onto another link
            // of itself does nothing).
            let _ = match &kept {
                Some((b, true)) => std::fs::remove_file(b),
                Some((b, false)) => std::fs::rename(b, &path),
                None => Ok(()),
            };
            result = Err(Error::Write { path, source: e.error });
            break;
        }
        done.push((path, kept.map(|(b, _)| b)));
    }
    // Stale files: moved aside to a backup (removed with the backups),
    // so a failure can put them back.
    let mut removed: Vec<(PathBuf, PathBuf)> = Vec::new();
    for path in stale {
        if result.is_err() {
            break;
        }
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let backup = path.with_file_name(format!(".{name}.stale.bak"));
        temp_files().push(backup.clone());
        registered.0.push(backup.clone());
        match std::fs::rename(path, &backup) {
            Ok(()) => removed.push((path.clone(), backup)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                result = Err(Error::Write { path: path.clone(), source: e })
            }
        }
    }
    if result.is_err() {
        for (path, backup) in removed.iter().rev() {
            let _ = std::fs::rename(backup, path);
        }
    } else {
        for (_, backup) in &removed {
            let _ = std::fs::remove_file(backup);
        }
    }
    if result.is_err() {
        for (path, backup) in done.iter().rev() {
            let _ = match backup {
                Some(b) => std::fs::rename(b, path),
                None => std::fs::remove_file(path),
            };
        }
    } else {
        for (_, backup) in &done {
            if let Some(b) = backup {
                let _ = std::fs::remove_file(b);
            }
        }
    }
    result
}

/// Debug builds only: `CALLTALLY_TEST_COMMIT_DELAY_MS` pauses between the
/// renames of a commit, so tests can signal or race a run mid-commit.
fn test_commit_delay() -> Option<std::time::Duration> {
    if !cfg!(debug_assertions) {
        return None;
    }
    let ms = std::env::var("CALLTALLY_TEST_COMMIT_DELAY_MS").ok()?;
    Some(std::time::Duration::from_millis(ms.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        write_atomically(dir.path(), &[("a.csv", b"one".to_vec())]).unwrap();
        write_atomically(dir.path(), &[("a.csv", b"two".to_vec())]).unwrap();
        assert_eq!(std::fs::read(dir.path().join("a.csv")).unwrap(), b"two");
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(names, ["a.csv"]);
    }

    #[test]
    fn a_report_set_removes_the_files_it_does_not_hold() {
        let dir = tempfile::tempdir().unwrap();
        let full: Vec<(&str, Vec<u8>)> =
            SET_FILES.iter().map(|n| (*n, n.as_bytes().to_vec())).collect();
        write_report_set(dir.path(), &full).unwrap();
        std::fs::write(dir.path().join("other.txt"), "kept").unwrap();
        write_report_set(dir.path(), &full[..REPORT_FILES.len()]).unwrap();
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        let mut want: Vec<&str> = REPORT_FILES.to_vec();
        want.push("other.txt");
        want.sort();
        assert_eq!(names, want);
    }

    /// A streamed file is written as it renders; one that fails leaves
    /// the earlier set whole and no temporary file.
    #[test]
    fn streamed_files_are_all_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let stream = |text: &'static str| {
            Content::Stream(Box::new(move |w: &mut dyn std::io::Write| {
                w.write_all(text.as_bytes())
            }))
        };
        let set = [(BY_CATEGORY, stream("one")), (SUMMARY_JSON, stream("{}"))];
        write_report_files(dir.path(), &set).unwrap();
        let read = |n: &str| std::fs::read_to_string(dir.path().join(n));
        assert_eq!(read(BY_CATEGORY).unwrap(), "one");
        let failing =
            Content::Stream(Box::new(|w: &mut dyn std::io::Write| {
                w.write_all(b"half")?;
                Err(std::io::Error::other("render failed"))
            }));
        let set = [(BY_CATEGORY, stream("two")), (BY_CODE, failing)];
        let e = write_report_files(dir.path(), &set).unwrap_err();
        assert!(e.to_string().contains(BY_CODE), "{e}");
        assert_eq!(read(BY_CATEGORY).unwrap(), "one");
        assert_eq!(read(SUMMARY_JSON).unwrap(), "{}");
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(names, [BY_CATEGORY, SUMMARY_JSON]);
    }

    #[test]
    fn a_failed_rename_puts_the_earlier_files_back() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
        std::fs::write(&a, "old a").unwrap();
        std::fs::write(&b, "old b").unwrap();
        let stage = |text: &str, path: &Path| {
            let mut tmp = tempfile::NamedTempFile::new_in(dir.path()).unwrap();
            tmp.write_all(text.as_bytes()).unwrap();
            (tmp, path.to_owned())
        };
        let staged = vec![stage("new a", &a), stage("new b", &b)];
        // The second staged file is gone: its rename fails after the
        // first has been done.
        std::fs::remove_file(staged[1].0.path()).unwrap();
        let mut registered = Registered(Vec::new());
        assert!(commit(staged, &[], &mut registered).is_err());
        drop(registered);
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old a");
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "old b");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }
}
