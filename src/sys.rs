//! The operating-system corner: the signal handlers (and holding signals
//! off while the report set is replaced), advisory file locks, stderr
//! writes that cannot fail, and the process's peak memory. The top floors'
//! `unsafe` lives here and nowhere else.

use crate::exit::ExitCode;

/// The process's peak resident set size in bytes (0 where unknown).
pub fn peak_rss() -> u64 {
    // SAFETY: `rusage` is plain data (integers and `timeval`s), for which
    // all-zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pointer is to a live, exclusively borrowed `rusage`;
    // getrusage writes into it and nothing else.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0;
    }
    // Linux reports kilobytes.
    (usage.ru_maxrss.max(0) as u64) * 1024
}

/// Fix glibc's mmap threshold at 1 MiB (for the binary: it is
/// process-wide). By default glibc raises the threshold to the size of
/// each large block freed, up to 32 MiB, and blocks under it then come
/// from the heap and stay there when freed: the counting's per-piece
/// buffers (several MB a piece on a run of many keys) pushed the
/// threshold up, the tally's large maps were then made on the heap, and
/// the report could not reuse what they gave back: a million distinct
/// pairs peaked at 264 MB instead of 217 (`-j1`; 301 instead of 227 on
/// two threads). Measured the same speed on JSON Lines, `--by`, CSV and
/// gzip input (BENCHMARKS.md). Not on glibc: nothing to do.
pub fn fix_mmap_threshold() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called
    // before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

/// SIGBUS (a memory-mapped input truncated by another process): say what
/// happened instead of dying silently, and exit with
/// [`ExitCode::Failure`]; no report is written. For the binary: the handler
/// is process-wide.
pub fn install_sigbus_handler() {
    extern "C" fn on_sigbus(_: libc::c_int) {
        const MSG: &[u8] = b"calltally: error: an input file was truncated \
            while it was memory-mapped (SIGBUS); no report was written. \
            Rerun with --no-mmap for files that may change.\n";
        // SAFETY: write(2) and _exit(2) are async-signal-safe, and MSG is
        // a valid buffer of MSG.len() bytes.
        unsafe {
            libc::write(2, MSG.as_ptr().cast(), MSG.len());
            libc::_exit(ExitCode::Failure.code().into());
        }
    }
    // SAFETY: `sigaction` is plain data, so all-zero bytes are a valid
    // start; the handler only calls async-signal-safe functions, and the
    // pointers passed are to live locals (or null for the old action).
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigbus as extern "C" fn(libc::c_int) as usize;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
    }
}

/// Whether the interrupt handler must wait, and whether a signal came
/// while it did.
#[derive(Debug)]
struct Hold {
    /// Holders: [`hold_signals`] guards alive.
    depth: usize,
    /// A Ctrl-C or SIGTERM arrived while held.
    pending: bool,
}

static HOLD: std::sync::Mutex<Hold> =
    std::sync::Mutex::new(Hold { depth: 0, pending: false });

fn hold() -> std::sync::MutexGuard<'static, Hold> {
    HOLD.lock().unwrap_or_else(|e| e.into_inner())
}

/// While alive, Ctrl-C and SIGTERM are held off: the handler installed by
/// `install_interrupt_handler` notes the signal instead of exiting, and
/// the last guard's drop exits with [`ExitCode::Interrupted`] then. The
/// report writer holds signals while it writes and renames the report set,
/// so a run is either interrupted before it touches the old set or ends
/// with the new set complete. Without the handler (a library user), a
/// guard is only a counter.
#[derive(Debug)]
#[must_use = "signals are held only while the guard lives"]
pub struct HeldSignals(());

/// Hold off Ctrl-C and SIGTERM until the guard is dropped.
pub fn hold_signals() -> HeldSignals {
    hold().depth += 1;
    HeldSignals(())
}

impl Drop for HeldSignals {
    fn drop(&mut self) {
        let mut h = hold();
        h.depth -= 1;
        if h.depth == 0 && h.pending {
            // The set is complete (or untouched); the temporary files are
            // gone. Keep the lock: no one holds signals again before exit.
            std::mem::forget(h);
            exit_interrupted();
        }
    }
}

/// Say so and exit with [`ExitCode::Interrupted`].
fn exit_interrupted() -> ! {
    write_stderr(b"calltally: interrupted\n");
    std::process::exit(ExitCode::Interrupted.code().into());
}

/// Ctrl-C and SIGTERM: unless signals are held ([`hold_signals`]), run
/// `cleanup` (the binary passes
/// [`crate::report::write::remove_temp_files`]), say so, and exit with
/// [`ExitCode::Interrupted`]. For the binary: the handler is process-wide,
/// and only the first call installs it.
#[cfg(feature = "cli")]
pub fn install_interrupt_handler(cleanup: fn()) {
    let _ = ctrlc::set_handler(move || {
        let mut h = hold();
        if h.depth > 0 {
            h.pending = true;
            return;
        }
        // Keep the hold lock to the end: no writer starts holding signals
        // (and creating files) between the cleanup and the exit.
        std::mem::forget(h);
        cleanup();
        exit_interrupted();
    });
}

/// Write `bytes` to standard error, ignoring every error: a closed or
/// broken stderr must not stop (or panic) a run that is only reporting.
pub fn write_stderr(bytes: &[u8]) {
    use std::io::Write as _;
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(bytes).and_then(|_| err.flush());
}

/// Take an exclusive advisory lock (`flock(2)`) on `file`, waiting for
/// another process's to be released. The lock goes with the file
/// descriptor: closing `file` (or exiting) releases it.
pub fn lock_exclusive(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd as _;
    loop {
        // SAFETY: flock(2) takes a file descriptor, owned by `file` and
        // open for the call's duration, and an operation flag; it touches
        // no memory of ours.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
        if rc == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn peak_rss_is_known_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(super::peak_rss() > 0);
        }
    }
}
