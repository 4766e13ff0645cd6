//! The command line (binary only): clap types end here.
//!
//! [`Cli`] is what is parsed; [`Cli::into_config`] validates it once into a
//! [`Job`], which is what runs.

use std::path::PathBuf;

use clap::{CommandFactory as _, Parser, Subcommand, ValueEnum};

use calltally::config::check_pattern;
use calltally::gate::{Context, Rule, Severity};
use calltally::{Config, Format, MmapMode};

/// Count Azure Communication Services call result codes in logs.
#[derive(Debug, Parser)]
#[command(name = "calltally", version, max_term_width = 98)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Built once per process: the size of the report variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Aggregate logs into CSV reports.
    Report(ReportArgs),
    /// Compare two runs' reports: diff.csv and the largest changes.
    Diff(DiffArgs),
    /// Reports (or one merged partial) from partial tallies.
    Merge(MergeArgs),
    /// Say what a code/subcode means (embedded catalog).
    Explain(ExplainArgs),
    /// Print the embedded catalog as CSV.
    Catalog(CatalogArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(CompletionsArgs),
    /// Print the manual page (roff) to standard output.
    Man,
}

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Files, directories (walked recursively, sorted) or - for stdin.
    #[arg(required_unless_present = "inputs_from", value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Read input paths from FILE, one per line (- for stdin), after PATHs.
    #[arg(long, value_name = "FILE")]
    pub inputs_from: Option<PathBuf>,
    /// Read only the inputs whose position in the sorted input list is I
    /// modulo N (N workers split one listing).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Write a partial tally to FILE (- for stdout) instead of reports,
    /// for `calltally merge`.
    #[arg(long, value_name = "FILE")]
    pub partial: Option<PathBuf>,
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
    /// Worker threads (0: one per core; at most 1024).
    #[arg(
        short = 'j',
        long,
        value_name = "N",
        default_value_t = 0,
        value_parser = parse_threads
    )]
    pub threads: usize,
    /// Read files with plain reads instead of memory maps.
    #[arg(long)]
    pub no_mmap: bool,
    /// Directory walks read every file, not only `.json`, `.jsonl`,
    /// `.ndjson`, `.csv`, `.log`, `.txt` (each optionally `.gz`/`.zst`)
    /// and not only names that do not start with `.`.
    #[arg(long)]
    pub all_files: bool,
    /// Fail on the first malformed record instead of counting it.
    #[arg(long)]
    pub strict: bool,
    /// The longest line, record or CSV field held; a longer one is
    /// malformed and skipped (default 64 MiB).
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_record_bytes: Option<u64>,
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
    /// Group rows by dimensions (kind, operation, endpoint_type, call_type,
    /// sdk_version, os, resource, hour, day); comma-separated or repeated.
    #[arg(long, value_name = "DIM[,DIM…]")]
    pub by: Vec<String>,
    /// Keep records at or after T (RFC 3339, a date, or 90m/1h/2d before now).
    #[arg(long, value_name = "T")]
    pub since: Option<String>,
    /// Keep records before T (RFC 3339, a date, or 90m/1h/2d before now).
    #[arg(long, value_name = "T")]
    pub until: Option<String>,
    /// Keep records whose DIM is (=) or is not (!=) one of the values; repeatable.
    #[arg(long = "where", value_name = "DIM=V[,V…]")]
    pub filters: Vec<String>,
    /// Leave the calls and participants columns empty (faster).
    #[arg(long)]
    pub no_distinct: bool,
    /// HyperLogLog precision (lgK) of the calls and participants counts.
    #[arg(long, value_name = "4..21", default_value_t = 12)]
    pub distinct_precision: u8,
    /// Stop with an error past this many distinct groups of --by values.
    #[arg(long, value_name = "N", default_value_t = calltally::DEFAULT_MAX_GROUPS)]
    pub max_groups: usize,
    #[command(flatten)]
    pub gates: GateArgs,
    #[command(flatten)]
    pub human: HumanArgs,
}

/// The gates of a run (`report`, and `merge` which flattens the same
/// arguments).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct GateArgs {
    /// Exit 3 (after writing the reports) when RULE holds, e.g.
    /// '5xx:share > 1%', 'endpoint_type=PSTN,410/3112:calls >= +20%';
    /// repeatable.
    #[arg(long, value_name = "RULE")]
    pub fail_on: Vec<String>,
    /// Warn when RULE holds (same grammar as --fail-on); repeatable.
    #[arg(long, value_name = "RULE")]
    pub warn_on: Vec<String>,
    /// An earlier run: its report directory or its partial tally (report
    /// --partial), for changes (+50, +20%, +0.3pp) and `new` in rules.
    #[arg(long, value_name = "DIR|PARTIAL")]
    pub baseline: Option<PathBuf>,
}

impl GateArgs {
    /// The rules, `--fail-on` first, then `--warn-on`, each in the order
    /// given; the error names the first bad one.
    pub fn rules(&self) -> Result<Vec<Rule>, String> {
        let mut rules = Vec::new();
        for (texts, severity) in
            [(&self.fail_on, Severity::Fail), (&self.warn_on, Severity::Warn)]
        {
            for text in texts {
                rules.push(
                    Rule::parse(text, severity).map_err(|e| e.to_string())?,
                );
            }
        }
        Ok(rules)
    }
}

/// The human outputs of a run (`report`, and `merge` which flattens the
/// same arguments).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct HumanArgs {
    /// Write a GitHub-flavoured Markdown summary to FILE (- for stdout),
    /// for $GITHUB_STEP_SUMMARY or Azure DevOps task.uploadsummary.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Write a self-contained HTML report (inline SVG charts) to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// List every malformed record kept, not only the first three.
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The earlier run: a report directory or a partial tally.
    #[arg(value_name = "OLD")]
    pub old: PathBuf,
    /// The later run (report directory or partial tally), with the same
    /// --by.
    #[arg(value_name = "NEW")]
    pub new: PathBuf,
    /// Write diff.csv into DIR (created if missing).
    #[arg(short, long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    /// Hide changes smaller than PCT percentage points in the table.
    #[arg(short = 't', long, value_name = "PCT", default_value_t = 0.0,
          value_parser = parse_points)]
    pub threshold: f64,
    /// How many changes the table lists.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub top: usize,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Partial tallies written by `report --partial` or `merge --partial`
    /// (- for stdin).
    #[arg(required = true, value_name = "PARTIAL")]
    pub partials: Vec<PathBuf>,
    /// Write the reports into DIR (created if missing).
    #[arg(
        short,
        long,
        value_name = "DIR",
        default_value = "calltally-report"
    )]
    pub out: PathBuf,
    /// Write the merged partial tally to FILE (- for stdout) instead of
    /// reports.
    #[arg(long, value_name = "FILE")]
    pub partial: Option<PathBuf>,
    /// Extra catalog rows (same columns as `calltally catalog`).
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// How many codes the run summary lists.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
    /// Print nothing but errors and warnings.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub gates: GateArgs,
    #[command(flatten)]
    pub human: HumanArgs,
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

/// What a valid command line asks for. Nothing past [`Cli::into_config`]
/// sees a clap type.
#[allow(clippy::large_enum_variant)] // built once per process
#[derive(Debug)]
pub enum Job {
    /// `calltally report`.
    Report(ReportJob),
    /// `calltally diff`.
    Diff(DiffArgs),
    /// `calltally merge`.
    Merge(MergeJob),
    /// `calltally explain`.
    Explain(ExplainJob),
    /// `calltally catalog`.
    Catalog(CatalogJob),
    /// `calltally completions SHELL`.
    Completions(clap_complete::Shell),
    /// `calltally man`.
    Man,
}

/// A validated `report`.
#[derive(Debug)]
pub struct ReportJob {
    /// The library's configuration.
    pub config: Config,
    /// A team's catalog file, if any.
    pub catalog: Option<PathBuf>,
    /// How many codes the run summary lists.
    pub top: usize,
    /// Print nothing but errors and warnings.
    pub quiet: bool,
    /// `--markdown`, `--html`, `-v`.
    pub human: HumanArgs,
}

/// A validated `merge`.
#[derive(Debug)]
pub struct MergeJob {
    /// The partials, in the order given.
    pub partials: Vec<PathBuf>,
    /// Where the reports go.
    pub out_dir: PathBuf,
    /// Write the merged partial here instead of reports.
    pub partial: Option<PathBuf>,
    /// A team's catalog file, if any.
    pub catalog: Option<PathBuf>,
    /// How many codes the run summary lists.
    pub top: usize,
    /// Print nothing but errors and warnings.
    pub quiet: bool,
    /// `--fail-on` / `--warn-on` rules, parsed; checked against the plan
    /// once the partials are read.
    pub rules: Vec<calltally::gate::Rule>,
    /// `--baseline DIR`.
    pub baseline: Option<PathBuf>,
    /// `--markdown`, `--html`, `-v`.
    pub human: HumanArgs,
}

/// A validated `explain`.
#[derive(Debug)]
pub struct ExplainJob {
    /// The code asked about.
    pub code: i64,
    /// The subcode asked about, if any.
    pub subcode: Option<i64>,
    /// Print JSON.
    pub json: bool,
    /// A team's catalog file, if any.
    pub catalog: Option<PathBuf>,
}

/// A validated `catalog`.
#[derive(Debug)]
pub struct CatalogJob {
    /// Only rows of this source.
    pub source: Option<String>,
    /// A team's catalog file, merged in.
    pub catalog: Option<PathBuf>,
}

impl Cli {
    /// Validate everything once: `--pattern` is compiled, explain's CODE
    /// and SUBCODE are read. An error is a usage error (exit 2), worded
    /// and printed by clap.
    pub fn into_config(self) -> Result<Job, clap::Error> {
        let usage = |msg: String| {
            Cli::command().error(clap::error::ErrorKind::ValueValidation, msg)
        };
        Ok(match self.command {
            Command::Report(args) => {
                Job::Report(args.into_config().map_err(usage)?)
            }
            Command::Diff(args) => Job::Diff(args),
            Command::Merge(args) => {
                let rules = args.gates.rules().map_err(usage)?;
                Job::Merge(MergeJob {
                    partials: args.partials,
                    out_dir: args.out,
                    partial: args.partial,
                    catalog: args.catalog,
                    top: args.top,
                    quiet: args.quiet,
                    rules,
                    baseline: args.gates.baseline,
                    human: args.human,
                })
            }
            Command::Explain(args) => {
                let (code, subcode) =
                    parse_pair(&args.code, args.subcode.as_deref())
                        .map_err(usage)?;
                Job::Explain(ExplainJob {
                    code,
                    subcode,
                    json: args.json,
                    catalog: args.catalog,
                })
            }
            Command::Catalog(args) => Job::Catalog(CatalogJob {
                source: args.source,
                catalog: args.catalog,
            }),
            Command::Completions(args) => Job::Completions(args.shell),
            Command::Man => Job::Man,
        })
    }
}

impl ReportArgs {
    /// The library's configuration, once `--pattern` is known to compile.
    pub fn into_config(self) -> Result<ReportJob, String> {
        if let Some(p) = &self.pattern {
            check_pattern(p).map_err(|msg| format!("--pattern: {msg}"))?;
        }
        let defaults = Config::default();
        let plan = calltally::Plan::from_args(
            &self.by,
            self.since.as_deref(),
            self.until.as_deref(),
            &self.filters,
            self.max_groups,
            (!self.no_distinct).then_some(self.distinct_precision),
            calltally::Timestamp::now(),
        )?;
        let by: Vec<String> = plan.by.iter().map(|d| d.to_string()).collect();
        let cx = Context {
            by: &by,
            distinct: plan.distinct.is_some(),
            baseline: self.gates.baseline.is_some(),
        };
        let rules = self.gates.rules()?;
        for r in &rules {
            r.check(cx).map_err(|e| e.to_string())?;
        }
        let shard =
            self.shard.as_deref().map(calltally::Shard::parse).transpose()?;
        let config = Config {
            paths: self.paths,
            shard,
            inputs_from: self.inputs_from,
            partial: self.partial,
            out_dir: self.out,
            format: match self.format {
                FormatArg::Auto => Format::Auto,
                FormatArg::Jsonl => Format::Jsonl,
                FormatArg::Records => Format::Json,
                FormatArg::Csv => Format::Csv,
                FormatArg::Text => Format::Text,
            },
            threads: self.threads,
            mmap: if self.no_mmap { MmapMode::Never } else { MmapMode::Auto },
            all_files: self.all_files,
            chunk_size: self.chunk_size.unwrap_or(defaults.chunk_size).max(1),
            strict: self.strict,
            pattern: self.pattern,
            plan,
            progress: None,
            rules,
            baseline: self.gates.baseline,
            max_record_bytes: self
                .max_record_bytes
                .map_or(defaults.max_record_bytes, |n| {
                    n.try_into().unwrap_or(usize::MAX)
                }),
        };
        Ok(ReportJob {
            config,
            catalog: self.catalog,
            top: self.top,
            quiet: self.quiet,
            human: self.human,
        })
    }
}

/// The most worker threads `-j` takes (spec §2).
pub const MAX_THREADS: usize = 1024;

/// `-j N`: a count of threads, 0 to [`MAX_THREADS`].
fn parse_threads(s: &str) -> Result<usize, String> {
    let n: usize =
        s.parse().map_err(|_| format!("{s:?} is not a number of threads"))?;
    if n > MAX_THREADS {
        return Err(format!(
            "{n} threads is more than the {MAX_THREADS} allowed (0: one \
             per core)"
        ));
    }
    Ok(n)
}

/// `-t PCT`: percentage points, 0 or more.
fn parse_points(s: &str) -> Result<f64, String> {
    let t = s.trim().trim_end_matches("pp");
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!(
            "{s:?} is not a number of percentage points (e.g. 0.5)"
        )),
    }
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
        let Ok(Job::Report(job)) = cli.into_config() else { panic!() };
        let c = job.config;
        assert_eq!(c.threads, 3);
        assert_eq!(c.mmap, MmapMode::Never);
        assert!(c.strict);
        assert_eq!(c.chunk_size, 64);
        assert_eq!(c.out_dir, PathBuf::from("out"));
        assert_eq!(c.paths.len(), 2);
    }

    fn job(args: &[&str]) -> Result<Job, clap::Error> {
        Cli::try_parse_from(
            std::iter::once("calltally").chain(args.iter().copied()),
        )
        .unwrap()
        .into_config()
    }

    #[test]
    fn a_bad_pattern_is_a_usage_error() {
        for pattern in ["(", "no code group"] {
            let e = job(&["report", "--pattern", pattern, "x"]).unwrap_err();
            assert_eq!(e.kind(), clap::error::ErrorKind::ValueValidation);
            assert!(e.to_string().contains("--pattern: "), "{e}");
        }
        let ok = job(&["report", "--pattern", r"c=(?P<code>\d+)", "x"]);
        let Ok(Job::Report(job)) = ok else { panic!() };
        assert_eq!(job.config.pattern.as_deref(), Some(r"c=(?P<code>\d+)"));
    }

    #[test]
    fn threads_above_1024_are_a_usage_error() {
        assert!(Cli::try_parse_from([
            "calltally",
            "report",
            "-j",
            "1024",
            "x"
        ])
        .is_ok());
        let e =
            Cli::try_parse_from(["calltally", "report", "-j", "1025", "x"])
                .unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::ValueValidation);
    }

    #[test]
    fn gate_rules_are_parsed_and_checked_once() {
        let Ok(Job::Report(report)) = job(&[
            "report",
            "--by",
            "endpoint_type",
            "--fail-on",
            "endpoint_type=PSTN,5xx:share > 1%",
            "--warn-on",
            "new:count > 0",
            "--baseline",
            "old",
            "x",
        ]) else {
            panic!()
        };
        let rules = &report.config.rules;
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].severity, Severity::Fail);
        assert_eq!(rules[1].severity, Severity::Warn);
        assert_eq!(report.config.baseline, Some(PathBuf::from("old")));
        for (args, says) in [
            (&["--fail-on", "5xx:count > 1%"][..], "compares with share"),
            (&["--warn-on", "new:count > 0"], "new needs --baseline"),
            (&["--fail-on", "os=Linux,all:count > 0"], "add --by os"),
        ] {
            let mut a = vec!["report", "x"];
            a.extend(args);
            let e = job(&a).unwrap_err();
            assert_eq!(e.kind(), clap::error::ErrorKind::ValueValidation);
            assert!(e.to_string().contains(says), "{e}");
        }
        assert_eq!(parse_points("0.5"), Ok(0.5));
        assert_eq!(parse_points("2pp"), Ok(2.0));
        assert!(parse_points("-1").is_err() && parse_points("x").is_err());
    }

    #[test]
    fn explain_arguments_are_read_once() {
        let Ok(Job::Explain(e)) = job(&["explain", "410/3112", "--json"])
        else {
            panic!()
        };
        assert_eq!((e.code, e.subcode, e.json), (410, Some(3112), true));
        let e = job(&["explain", "4x0"]).unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::ValueValidation);
    }
}
