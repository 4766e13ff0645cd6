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

/// Drop the pages of `piece` (a subslice of `map`) from this process's
/// memory once it has been read, so a run over a file larger than memory
/// keeps a bounded resident set. The pages stay in the page cache; reading
/// them again would fault them back in from the file.
pub fn release(map: &Mmap, piece: &[u8]) {
    let base = map.as_ptr() as usize;
    let start = piece.as_ptr() as usize;
    if start < base || start + piece.len() > base + map.len() {
        return;
    }
    // Whole pages inside the piece only: neighbours may still be in use.
    let page = page_size();
    let from = (start - base).div_ceil(page) * page;
    let to = (start - base + piece.len()) / page * page;
    if to <= from {
        return;
    }
    // SAFETY: MADV_DONTNEED on a read-only, file-backed shared mapping
    // only unmaps the pages from this process; later reads fault them back
    // in from the file with the same contents, so no reference into the map
    // ever sees different bytes. The range lies within the map (checked
    // above). Failure is harmless: the pages simply stay resident.
    let _ = unsafe {
        map.unchecked_advise_range(
            memmap2::UncheckedAdvice::DontNeed,
            from,
            to - from,
        )
    };
}

fn page_size() -> usize {
    // Every platform this runs on uses 4 KiB pages or a multiple; a larger
    // real page only makes the rounding above more conservative.
    4096
}
