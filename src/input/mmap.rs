//! Memory maps and page release (one of the four files with `unsafe`:
//! this, the SIMD quote index, the JSON scanner's string cut, and the OS
//! corner `sys.rs`).

use std::fs::{File, Metadata};
use std::time::{Duration, SystemTime};

use memmap2::{Advice, Mmap};

/// How long a file must have been left alone before it is mapped.
pub const SETTLE_TIME: Duration = Duration::from_secs(10);

/// Whether a file looks settled enough to map: the same size and
/// modification time before and after it was opened, and not modified in
/// the last [`SETTLE_TIME`].
///
/// A mapped file that another process truncates while it is being read
/// raises SIGBUS. Exported logs are written once and then only read; a file
/// still being written (a download in progress, a log being rotated) shows a
/// fresh modification time and is read with plain reads instead, where a
/// shrinking file just ends early and is reported.
pub fn settled(before: Option<&Metadata>, after: &Metadata) -> bool {
    let Some(before) = before else { return false };
    let (Ok(m1), Ok(m2)) = (before.modified(), after.modified()) else {
        return false;
    };
    let old_enough = SystemTime::now()
        .duration_since(m2)
        .is_ok_and(|age| age >= SETTLE_TIME);
    before.len() == after.len() && m1 == m2 && old_enough
}

/// Map a file read-only, or `None` if it cannot be mapped (the caller then
/// reads it). See [`settled`] for when the caller maps at all; `--no-mmap`
/// reads every file.
pub fn map(file: &File) -> Option<Mmap> {
    // SAFETY: the map is read-only and lives only while the file is read.
    // Its contents can change under us only if another process writes or
    // truncates the file; see the function docs for the SIGBUS caveat.
    let map = unsafe { Mmap::map(file) }.ok()?;
    // Advice is a hint; a kernel that refuses it changes nothing. With
    // it, Linux maps a page-cached file in large blocks (fewer faults).
    let _ = map.advise(Advice::Sequential);
    huge_pages(&map);
    Some(map)
}

/// Ask Linux to read the file into the page cache in 2 MiB pages.
///
/// A file read from disk through this map is then cached in 2 MiB pages,
/// and every later map of it (this run's other pieces, the next run over
/// the same logs) is set up and dropped 2 MiB at a time instead of 4 KiB
/// at a time. Measured on 1 GiB of JSON Lines, 2 threads: the first run
/// from disk 1.10–1.14 s → 0.87–1.08 s, and the default report of each
/// later run 0.40–0.46 s → 0.31–0.34 s (the per-page kernel work of
/// mapping and releasing was a fifth of the run). A file already cached
/// in small pages (just written, or read without this advice) stays as
/// it is: the advice changes how pages are read in, not those there.
/// Needs transparent huge pages in `always` or `madvise` mode; elsewhere
/// it is refused and changes nothing.
fn huge_pages(map: &Mmap) {
    #[cfg(target_os = "linux")]
    let _ = map.advise(Advice::HugePage);
    #[cfg(not(target_os = "linux"))]
    let _ = map;
}

/// Drop the pages of `piece` (a subslice of `map`) from this process's
/// memory once it has been read, so a run over a file larger than memory
/// keeps a bounded resident set. The pages stay in the page cache; reading
/// them again would fault them back in from the file.
///
/// The range is widened to whole 2 MiB blocks (within the map): the kernel
/// maps a sequentially read file in blocks of that size and leaves a block
/// mapped when only part of it is dropped, which kept about an eighth of a
/// file resident. A neighbouring piece still being read only faults the
/// shared block back in.
pub fn release(map: &Mmap, piece: &[u8]) {
    const BLOCK: usize = 2 << 20;
    let base = map.as_ptr() as usize;
    let start = piece.as_ptr() as usize;
    if start < base || start + piece.len() > base + map.len() {
        return;
    }
    // Block boundaries are counted in addresses (where the kernel's blocks
    // lie), then turned back into offsets within the map.
    let from = (start / BLOCK * BLOCK).max(base) - base;
    let to = ((start + piece.len()).div_ceil(BLOCK) * BLOCK)
        .min(base + map.len())
        - base;
    // Whole pages only: the map ends where the file does.
    let to = to / page_size() * page_size();
    if to <= from {
        return;
    }
    // SAFETY: MADV_DONTNEED on a read-only, file-backed shared mapping
    // only unmaps the pages from this process; later reads (of this piece
    // or, for the widened edges, of a neighbouring one being read right
    // now) fault them back in from the file with the same contents, so no
    // reference into the map ever sees different bytes. The range lies
    // within the map (clamped above). Failure is harmless: the pages simply
    // stay resident.
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

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::io::Write;

    /// The `VmFlags` of the mapping that starts at `addr`, from
    /// `/proc/self/smaps`.
    fn vm_flags(addr: usize) -> Option<String> {
        let smaps = std::fs::read_to_string("/proc/self/smaps").ok()?;
        let start = format!("{addr:x}-");
        let mut lines =
            smaps.lines().skip_while(|l| !l.starts_with(&start)).skip(1);
        lines.find_map(|l| l.strip_prefix("VmFlags:").map(str::to_owned))
    }

    #[test]
    fn maps_are_advised_sequential_and_huge() {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(&vec![b'x'; 4 << 20]).unwrap();
        let map = super::map(&f).expect("a regular file maps");
        let flags = vm_flags(map.as_ptr() as usize).expect("mapping in smaps");
        let flags: Vec<&str> = flags.split_whitespace().collect();
        assert!(flags.contains(&"sr"), "sequential read advised: {flags:?}");
        // Kernels built without transparent huge pages refuse the advice.
        if std::path::Path::new("/sys/kernel/mm/transparent_hugepage").exists()
        {
            assert!(flags.contains(&"hg"), "huge pages advised: {flags:?}");
        }
    }
}
