//! `calltally catalog`: the catalog as CSV, optionally one source's rows.

use calltally::ExitCode;

use super::{load_catalog, Out};
use crate::cli::CatalogJob;

/// Print the catalog (with a team's rows merged in, if given).
pub fn run(job: CatalogJob, out: Out<'_>) -> anyhow::Result<ExitCode> {
    let catalog = load_catalog(job.catalog.as_deref())?;
    let rows = catalog
        .rows()
        .iter()
        .filter(|r| job.source.as_ref().is_none_or(|s| &r.source == s));
    calltally::catalog::write_csv(rows, out)?;
    Ok(ExitCode::Success)
}
