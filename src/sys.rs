//! The operating-system corner: the signal handlers and the process's peak
//! memory. The top floors' `unsafe` lives here and nowhere else.

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

/// Ctrl-C and SIGTERM: run `cleanup` (the binary passes
/// [`crate::report::write::remove_temp_files`]), say so, and exit with
/// [`ExitCode::Interrupted`]. For the binary: the handler is process-wide,
/// and only the first call installs it.
#[cfg(feature = "cli")]
pub fn install_interrupt_handler(cleanup: fn()) {
    let _ = ctrlc::set_handler(move || {
        cleanup();
        eprintln!("calltally: interrupted");
        std::process::exit(ExitCode::Interrupted.code().into());
    });
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
