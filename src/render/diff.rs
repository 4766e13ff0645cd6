//! `diff.csv` and the terminal table of `calltally diff`.

use crate::record::code_range;
use crate::render::csv::text_cell;
use crate::render::text::escape_control;
use crate::report::diff::DiffRow;

/// The file `calltally diff` writes.
pub const DIFF_CSV: &str = "diff.csv";

/// `diff.csv`: the dimension columns, the key columns of `by_code.csv`,
/// then `count_old,count_new,delta,share_old,share_new,delta_pp,status`;
/// shares with 6 decimals, `delta_pp` (percentage points) with 4.
pub fn csv(dims: &[String], rows: &[DiffRow]) -> Vec<u8> {
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let header = [
        "result_category",
        "code_range",
        "code",
        "subcode",
        "count_old",
        "count_new",
        "delta",
        "share_old",
        "share_new",
        "delta_pp",
        "status",
    ];
    // Writing to a Vec cannot fail.
    w.write_record(dims.iter().map(String::as_str).chain(header))
        .expect("write to memory");
    for r in rows {
        let cells = [
            r.category.as_str().to_owned(),
            code_range(r.code).to_owned(),
            r.code.to_string(),
            r.subcode.map(|s| s.to_string()).unwrap_or_default(),
            r.count_old.to_string(),
            r.count_new.to_string(),
            r.delta().to_string(),
            format!("{:.6}", r.share_old),
            format!("{:.6}", r.share_new),
            pp(r.delta_pp()),
            r.status.as_str().to_owned(),
        ];
        let values = r.values.iter().map(|v| text_cell(v));
        w.write_record(values.chain(cells)).expect("write to memory");
    }
    w.into_inner().expect("write to memory")
}

/// The terminal table: the `limit` largest changes (by |delta_pp|, then
/// |delta|) whose |delta_pp| is at least `min_pp`, rows without any
/// change left out.
pub fn table(rows: &[DiffRow], min_pp: f64, limit: usize) -> String {
    let mut shown: Vec<&DiffRow> = rows
        .iter()
        .filter(|r| r.delta() != 0 || r.delta_pp().abs() >= 5e-5)
        .filter(|r| r.delta_pp().abs() + 1e-9 >= min_pp)
        .collect();
    shown.sort_by(|a, b| a.change_order(b));
    let hidden = shown.len().saturating_sub(limit);
    shown.truncate(limit);
    let mut lines = vec![[
        "group".to_owned(),
        "category".to_owned(),
        "code".to_owned(),
        "old".to_owned(),
        "new".to_owned(),
        "delta".to_owned(),
        "delta_pp".to_owned(),
        "status".to_owned(),
    ]];
    for r in &shown {
        let code = match r.subcode {
            Some(s) => format!("{}/{s}", r.code),
            None => r.code.to_string(),
        };
        let group = if r.values.is_empty() {
            "-".to_owned()
        } else {
            escape_control(&r.values.join(",")).into_owned()
        };
        let delta = r.delta();
        lines.push([
            group,
            r.category.as_str().to_owned(),
            code,
            r.count_old.to_string(),
            r.count_new.to_string(),
            if delta > 0 { format!("+{delta}") } else { delta.to_string() },
            pp(r.delta_pp()),
            r.status.as_str().to_owned(),
        ]);
    }
    let mut widths = [0usize; 8];
    for l in &lines {
        for (w, c) in widths.iter_mut().zip(l) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    if shown.is_empty() {
        out.push_str("no changes");
        if min_pp > 0.0 {
            out.push_str(&format!(" of {} pp or more", pp(min_pp)));
        }
        out.push('\n');
        return out;
    }
    for l in &lines {
        let mut line = String::new();
        for (i, (c, w)) in l.iter().zip(widths).enumerate() {
            let pad = w - c.chars().count();
            if (3..=6).contains(&i) {
                line.push_str(&" ".repeat(pad));
                line.push_str(c);
            } else {
                line.push_str(c);
                line.push_str(&" ".repeat(pad));
            }
            line.push_str("  ");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if hidden > 0 {
        out.push_str(&format!("… and {hidden} more changes in diff.csv\n"));
    }
    out
}

/// Percentage points with 4 decimals and a sign (`+0.3000`, `-1.2500`,
/// `0.0000`).
fn pp(v: f64) -> String {
    let s = format!("{v:+.4}");
    match s.as_str() {
        "+0.0000" | "-0.0000" => "0.0000".into(),
        _ => s,
    }
}
