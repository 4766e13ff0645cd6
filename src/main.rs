//! The `calltally` binary: parse, run, print, choose the exit code.

mod cli;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

fn main() -> ExitCode {
    install_signal_handlers();
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`calltally … | head`) is not an error.
            let broken_pipe = err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>().is_some_and(|io| {
                    io.kind() == std::io::ErrorKind::BrokenPipe
                })
            });
            if broken_pipe {
                return ExitCode::SUCCESS;
            }
            eprintln!("calltally: error: {err:#}");
            ExitCode::from(1)
        }
    }
}

/// Ctrl-C and SIGTERM: remove temporary report files, exit 130. SIGBUS (a
/// memory-mapped input truncated by another process): say what happened
/// instead of dying silently; no report is written.
fn install_signal_handlers() {
    let _ = ctrlc::set_handler(|| {
        calltally::report::remove_temp_files();
        eprintln!("calltally: interrupted");
        std::process::exit(130);
    });
    extern "C" fn on_sigbus(_: libc::c_int) {
        const MSG: &[u8] = b"calltally: error: an input file was truncated \
            while it was memory-mapped (SIGBUS); no report was written. \
            Rerun with --no-mmap for files that may change.\n";
        // SAFETY: write(2) and _exit(2) are async-signal-safe.
        unsafe {
            libc::write(2, MSG.as_ptr().cast(), MSG.len());
            libc::_exit(1);
        }
    }
    // SAFETY: the handler only calls async-signal-safe functions.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigbus as extern "C" fn(libc::c_int) as usize;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Report(args) => {
            if let Some(p) = &args.pattern {
                if let Err(msg) =
                    calltally::extract::text::TextReader::with_pattern(p)
                {
                    use clap::CommandFactory;
                    Cli::command()
                        .error(
                            clap::error::ErrorKind::ValueValidation,
                            format!("--pattern: {msg}"),
                        )
                        .exit()
                }
            }
            let catalog = cli::load_catalog(args.catalog.as_ref())?;
            let config = args.to_config();
            let run = calltally::run_report(&config, &catalog)?;
            for s in &run.tally.samples {
                let file =
                    calltally::report::input_name(&run.inputs, s.input, "?");
                eprintln!(
                    "calltally: warning: {file}:{}: {}",
                    s.line, s.reason
                );
            }
            let shown = run.tally.samples.len() as u64;
            if run.tally.malformed > shown {
                eprintln!(
                    "calltally: warning: {} more malformed records (counted in summary.json)",
                    run.tally.malformed - shown
                );
            }
            for e in &run.tally.errors {
                eprintln!("calltally: error: {}: {}", e.path, e.message);
            }
            if !args.quiet {
                let text = calltally::report::human(
                    &run.report,
                    &run.tally,
                    run.elapsed,
                    args.top,
                );
                writeln!(
                    out,
                    "{text}reports written to {}",
                    config.out_dir.display()
                )?;
            }
            let failed = !run.tally.errors.is_empty();
            Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        Command::Explain(args) => {
            let (code, subcode) =
                match cli::parse_pair(&args.code, args.subcode.as_deref()) {
                    Ok(pair) => pair,
                    Err(msg) => {
                        use clap::CommandFactory;
                        Cli::command()
                            .error(
                                clap::error::ErrorKind::ValueValidation,
                                msg,
                            )
                            .exit()
                    }
                };
            let catalog = cli::load_catalog(args.catalog.as_ref())?;
            let e =
                calltally::catalog::explain::explain(&catalog, code, subcode);
            let text = if args.json { e.to_json() } else { e.to_text() };
            out.write_all(text.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Catalog(args) => {
            let catalog = cli::load_catalog(args.catalog.as_ref())?;
            let rows = catalog.rows().iter().filter(|r| {
                args.source.as_ref().is_none_or(|s| &r.source == s)
            });
            calltally::catalog::write_csv(rows, &mut out)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
