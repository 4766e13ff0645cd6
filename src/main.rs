//! The `calltally` binary: parse, run, print, choose the exit code.

mod cli;

use std::io::Write;

use clap::Parser;

use calltally::{sys, ExitCode};

use cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    sys::install_sigbus_handler();
    sys::install_interrupt_handler(calltally::report::remove_temp_files);
    exit_code(Cli::parse()).into()
}

fn exit_code(cli: Cli) -> ExitCode {
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`calltally … | head`) is not an error.
            let broken_pipe = err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>().is_some_and(|io| {
                    io.kind() == std::io::ErrorKind::BrokenPipe
                })
            });
            if broken_pipe {
                return ExitCode::Success;
            }
            eprintln!("calltally: error: {err:#}");
            ExitCode::Failure
        }
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
                let text = calltally::render::text::human(
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
            Ok(if failed { ExitCode::Failure } else { ExitCode::Success })
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
            Ok(ExitCode::Success)
        }
        Command::Catalog(args) => {
            let catalog = cli::load_catalog(args.catalog.as_ref())?;
            let rows = catalog.rows().iter().filter(|r| {
                args.source.as_ref().is_none_or(|s| &r.source == s)
            });
            calltally::catalog::write_csv(rows, &mut out)?;
            Ok(ExitCode::Success)
        }
    }
}
