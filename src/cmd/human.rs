//! `--markdown FILE|-` and `--html FILE` (binary side): checked before the
//! run reads anything, written after the reports. `report` and `merge`
//! both call [`check`] and [`write`].

use std::path::Path;

use anyhow::Context as _;

use calltally::render::{self, View};

use super::Out;
use crate::cli::HumanArgs;

/// Check that the files asked for can be written (their folders take a
/// new file), before any input is read.
pub fn check(h: &HumanArgs) -> anyhow::Result<()> {
    for path in [&h.markdown, &h.html].into_iter().flatten() {
        if path.as_os_str() == "-" && Some(path) == h.markdown.as_ref() {
            continue;
        }
        let (dir, _) = split(path)?;
        calltally::report::check_output_dir(dir)?;
    }
    Ok(())
}

/// Render and write the files asked for; `--markdown -` goes to `out`.
/// Each file is replaced whole (a temporary file renamed into place).
pub fn write(
    h: &HumanArgs,
    view: &View<'_>,
    out: Out<'_>,
) -> anyhow::Result<()> {
    if let Some(path) = &h.markdown {
        let md = render::markdown::markdown(view);
        if path.as_os_str() == "-" {
            out.write_all(md.as_bytes())?;
        } else {
            write_file(path, md.into_bytes())?;
        }
    }
    if let Some(path) = &h.html {
        write_file(path, render::html::html(view).into_bytes())?;
    }
    Ok(())
}

/// Whether `--markdown -` takes standard output (then the text summary
/// stays off it).
pub fn takes_stdout(h: &HumanArgs) -> bool {
    h.markdown.as_ref().is_some_and(|p| p.as_os_str() == "-")
}

fn write_file(path: &Path, bytes: Vec<u8>) -> anyhow::Result<()> {
    let (dir, name) = split(path)?;
    calltally::report::write_atomically(dir, &[(name, bytes)])
        .with_context(|| format!("cannot write {}", path.display()))
}

/// A file's folder (`.` for a bare name) and its name.
fn split(path: &Path) -> anyhow::Result<(&Path, &str)> {
    let name =
        path.file_name().and_then(|n| n.to_str()).with_context(|| {
            format!("{}: give a file name (in UTF-8)", path.display())
        })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    Ok((dir, name))
}
