//! Writing the report set: the one list of report file names, and atomic
//! writes that leave no temporary file behind (nor earlier reports
//! half-replaced), even on Ctrl-C.

use std::io::Write as _;
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

/// Temporary report files being written, for [`remove_temp_files`].
static TEMP_FILES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn temp_files() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    TEMP_FILES.lock().unwrap_or_else(|e| e.into_inner())
}

/// Remove the temporary files of reports being written. For a Ctrl-C
/// handler: the process is about to exit without running destructors.
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

/// Write report files into `dir` atomically: each goes to a temporary file
/// in `dir` first; only when all are written are they renamed into place.
/// A failure leaves earlier reports untouched and no temporary files (nor
/// does Ctrl-C, through [`remove_temp_files`]).
pub fn write_atomically(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<()> {
    let err =
        |path: &Path, source| Error::Write { path: path.to_owned(), source };
    std::fs::create_dir_all(dir).map_err(|e| err(dir, e))?;
    let mut registered = Registered(Vec::new());
    let mut staged = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| err(dir, e))?;
        temp_files().push(tmp.path().to_owned());
        registered.0.push(tmp.path().to_owned());
        tmp.write_all(bytes)
            .and_then(|_| tmp.as_file().sync_all())
            .map_err(|e| err(&dir.join(name), e))?;
        staged.push((tmp, dir.join(name)));
    }
    for (tmp, path) in staged {
        tmp.persist(&path).map_err(|e| err(&path, e.error))?;
    }
    Ok(())
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
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }
}
