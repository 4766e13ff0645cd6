//! The command line (binary only): clap types end here.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};

use calltally::{Catalog, Config, Format, MmapMode};

/// Count Azure Communication Services call result codes in logs.
#[derive(Debug, Parser)]
#[command(name = "calltally", version, max_term_width = 98)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Aggregate logs into CSV reports.
    Report(ReportArgs),
    /// Say what a code/subcode means (embedded catalog).
    Explain(ExplainArgs),
    /// Print the embedded catalog as CSV.
    Catalog(CatalogArgs),
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Files, directories (walked recursively, sorted) or - for stdin.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Write the reports into DIR (created if missing).
    #[arg(
        short,
        long,
        value_name = "DIR",
        default_value = "calltally-report"
    )]
    pub out: PathBuf,
    /// Input format (auto: sniffed per input, after decompression).
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    pub format: FormatArg,
    /// A regex for text logs, with named groups code, subcode, category.
    #[arg(long, value_name = "REGEX")]
    pub pattern: Option<String>,
    /// Worker threads (0: one per core).
    #[arg(short = 'j', long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// Read files with plain reads instead of memory maps.
    #[arg(long)]
    pub no_mmap: bool,
    /// Fail on the first malformed record instead of counting it.
    #[arg(long)]
    pub strict: bool,
    /// Extra catalog rows (same columns as `calltally catalog`).
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Bytes per chunk of a large input (testing and tuning).
    #[arg(long, hide = true, value_name = "BYTES")]
    pub chunk_size: Option<usize>,
    /// How many codes the run summary lists.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
    /// Print nothing but errors and warnings.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FormatArg {
    /// Decide per input.
    Auto,
    /// JSON Lines (a line may hold a records/tables envelope).
    Jsonl,
    /// One JSON document: {"records":[…]}, an array, or {"tables":…}.
    #[value(alias = "json")]
    Records,
    /// CSV with a header row (Log Analytics export).
    Csv,
    /// Text lines (SDK and console logs).
    Text,
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The code (e.g. 410), or CODE/SUBCODE (e.g. 410/3112).
    #[arg(value_name = "CODE", allow_hyphen_values = true)]
    pub code: String,
    /// The subcode (e.g. 3112).
    #[arg(value_name = "SUBCODE", allow_hyphen_values = true)]
    pub subcode: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Extra catalog rows.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct CatalogArgs {
    /// Only rows of this source (calling-server, calling-sdk-web, pstn,
    /// call-automation, chat, sms).
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,
    /// Extra catalog rows, merged in.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
}

impl ReportArgs {
    /// The library's configuration.
    pub fn to_config(&self) -> Config {
        let defaults = Config::default();
        Config {
            paths: self.paths.clone(),
            out_dir: self.out.clone(),
            format: match self.format {
                FormatArg::Auto => Format::Auto,
                FormatArg::Jsonl => Format::Jsonl,
                FormatArg::Records => Format::Json,
                FormatArg::Csv => Format::Csv,
                FormatArg::Text => Format::Text,
            },
            threads: self.threads,
            mmap: if self.no_mmap { MmapMode::Never } else { MmapMode::Auto },
            chunk_size: self.chunk_size.unwrap_or(defaults.chunk_size).max(1),
            strict: self.strict,
            pattern: self.pattern.clone(),
            plan: defaults.plan,
        }
    }
}

/// The embedded catalog, plus a team's file if one is given.
pub fn load_catalog(path: Option<&PathBuf>) -> anyhow::Result<Catalog> {
    let Some(path) = path else {
        return Ok(Catalog::from_rows(Catalog::embedded().rows().to_vec()));
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read catalog {}", path.display()))?;
    Ok(Catalog::with_overrides(&text, &path.display().to_string())?)
}

/// Parse explain's arguments: `CODE [SUBCODE]` or `CODE/SUBCODE`.
pub fn parse_pair(
    code: &str,
    subcode: Option<&str>,
) -> Result<(i64, Option<i64>), String> {
    let int = |what: &str, s: &str| {
        calltally::parse_int(s.trim())
            .ok_or_else(|| format!("{what} {s:?} is not an integer"))
    };
    match (code.split_once('/'), subcode) {
        (Some(_), Some(_)) => {
            Err("give CODE/SUBCODE or CODE SUBCODE, not both".into())
        }
        (Some((c, s)), None) => {
            Ok((int("code", c)?, Some(int("subcode", s)?)))
        }
        (None, s) => {
            Ok((int("code", code)?, s.map(|s| int("subcode", s)).transpose()?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }

    #[test]
    fn pairs_parse() {
        assert_eq!(parse_pair("410", Some("3112")), Ok((410, Some(3112))));
        assert_eq!(parse_pair("410/3112", None), Ok((410, Some(3112))));
        assert_eq!(parse_pair("0", None), Ok((0, None)));
        assert!(parse_pair("4x0", None).is_err());
        assert!(parse_pair("410/3112", Some("1")).is_err());
    }

    #[test]
    fn report_flags_map_to_config() {
        let cli = Cli::parse_from([
            "calltally",
            "report",
            "-j",
            "3",
            "--no-mmap",
            "--strict",
            "--chunk-size",
            "64",
            "-o",
            "out",
            "a",
            "b",
        ]);
        let Command::Report(args) = cli.command else { panic!() };
        let c = args.to_config();
        assert_eq!(c.threads, 3);
        assert_eq!(c.mmap, MmapMode::Never);
        assert!(c.strict);
        assert_eq!(c.chunk_size, 64);
        assert_eq!(c.out_dir, PathBuf::from("out"));
        assert_eq!(c.paths.len(), 2);
    }
}
