//! `calltally explain CODE [SUBCODE]`: what a code and subcode mean.

use calltally::catalog::explain::explain;
use calltally::ExitCode;

use super::{load_catalog, Out};
use crate::cli::ExplainJob;

/// Explain the pair, as text or JSON.
pub fn run(job: ExplainJob, out: Out<'_>) -> anyhow::Result<ExitCode> {
    let catalog = load_catalog(job.catalog.as_deref())?;
    let e = explain(&catalog, job.code, job.subcode);
    let text = if job.json { e.to_json() } else { e.to_text() };
    out.write_all(text.as_bytes())?;
    Ok(ExitCode::Success)
}
