//! `calltally diff OLD NEW`: write `diff.csv`, print the largest changes.

use calltally::render::diff::{self as render, DIFF_CSV};
use calltally::render::text::escape_control as esc;
use calltally::report::{diff::diff, write_atomically, Snapshot};
use calltally::ExitCode;

use super::Out;
use crate::cli::DiffArgs;

/// Read both runs (refusing different `--by`), write `diff.csv` into the
/// output directory, and print the table of the largest changes.
pub fn run(args: DiffArgs, out: Out<'_>) -> anyhow::Result<ExitCode> {
    let catalog = calltally::Catalog::embedded();
    let old = Snapshot::open(&args.old, catalog)?;
    let new = Snapshot::open(&args.new, catalog)?;
    let rows = diff(&old, &new)?;
    let csv = render::csv(&old.dims, &rows);
    write_atomically(&args.out, &[(DIFF_CSV, csv)])?;
    if !args.quiet {
        let table = render::table(&rows, args.threshold, args.top);
        let path = args.out.join(DIFF_CSV);
        writeln!(
            out,
            "{table}written to {}",
            esc(&path.display().to_string())
        )?;
    }
    Ok(ExitCode::Success)
}
