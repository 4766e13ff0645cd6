//! `calltally explain CODE [SUBCODE]`: what a code and subcode mean.

use calltally::catalog::explain::explain;
use calltally::render::text::escape_control;
use calltally::ExitCode;

use super::{load_catalog, Out};
use crate::cli::ExplainJob;

/// Explain the pair, as text or JSON.
pub fn run(job: ExplainJob, out: Out<'_>) -> anyhow::Result<ExitCode> {
    let catalog = load_catalog(job.catalog.as_deref())?;
    let e = explain(&catalog, job.code, job.subcode);
    // JSON escapes control characters itself; in the text, catalog text
    // reaches the terminal, so each line's are escaped.
    let text = if job.json {
        e.to_json()
    } else {
        e.to_text()
            .split_inclusive('\n')
            .map(|l| {
                let (body, nl) = match l.strip_suffix('\n') {
                    Some(b) => (b, "\n"),
                    None => (l, ""),
                };
                format!("{}{nl}", escape_control(body))
            })
            .collect()
    };
    out.write_all(text.as_bytes())?;
    Ok(ExitCode::Success)
}
