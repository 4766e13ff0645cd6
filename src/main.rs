//! The `calltally` binary: parse, run, choose the exit code. The commands
//! are in `cmd/`, the clap types in `cli.rs`; everything else is the
//! library's.

mod cli;
mod cmd;

use clap::Parser;

use calltally::{report, sys, ExitCode};

use cli::Cli;

fn main() -> std::process::ExitCode {
    sys::fix_mmap_threshold();
    sys::install_sigbus_handler();
    sys::install_interrupt_handler(report::remove_temp_files);
    let job = match Cli::try_parse().and_then(Cli::into_config) {
        Ok(job) => job,
        Err(err) => {
            // Help and version go to stdout and succeed; the rest is usage.
            let _ = err.print();
            let usage = err.use_stderr();
            let code = if usage { ExitCode::Usage } else { ExitCode::Success };
            return code.into();
        }
    };
    exit_code(cmd::run(job)).into()
}

/// The exit code of a run that ended in `result`, printing its error.
fn exit_code(result: anyhow::Result<ExitCode>) -> ExitCode {
    let err = match result {
        Ok(code) => return code,
        Err(err) => err,
    };
    // A closed pipe (`calltally … | head`) is not an error.
    let broken_pipe = err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    });
    if broken_pipe {
        return ExitCode::Success;
    }
    sys::write_stderr(
        format!("calltally: error: {}\n", message(&err)).as_bytes(),
    );
    ExitCode::Failure
}

/// The error and its causes, `: `-joined like `{:#}`, each cause left out
/// when the message before already says it (a library error that shows its
/// OS error would otherwise print it twice), control characters escaped.
fn message(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    calltally::render::text::escape_control(&text).into_owned()
}
