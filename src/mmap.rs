//! Memory maps: the crate's only `unsafe`.

use std::fs::File;

use memmap2::{Advice, Mmap};

/// Map a file read-only, or `None` if it cannot be mapped (the caller then
/// reads it).
///
/// A mapped file that another process truncates while it is being read
/// raises SIGBUS. Log exports are written once and then only read, so the
/// default maps regular files of at least 1 MiB; `--no-mmap` reads every
/// file instead, for inputs that may still be written to.
pub fn map(file: &File) -> Option<Mmap> {
    // SAFETY: the map is read-only and lives only while the file is read.
    // Its contents can change under us only if another process writes or
    // truncates the file; see the function docs for the SIGBUS caveat.
    let map = unsafe { Mmap::map(file) }.ok()?;
    // Advice is a hint; a kernel that refuses it changes nothing.
    let _ = map.advise(Advice::Sequential);
    Some(map)
}
