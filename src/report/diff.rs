//! `calltally diff OLD NEW` (spec §9): the `by_code` rows of two runs side
//! by side.
//!
//! A row's key is its dimension values, category, code range, code and
//! subcode (the key columns of `by_code.csv`). Rows are in key order:
//! dimension values ascending as text (time buckets sort
//! chronologically), then category name, code range, code and subcode
//! (numbers numerically, no subcode first), so the file is the same
//! whatever order the runs' files list their rows in.

use std::cmp::Ordering;

use rustc_hash::FxHashMap;

use super::snapshot::Snapshot;
use crate::error::Result;
use crate::record::{code_range, Category};

/// How a row changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Only in NEW.
    New,
    /// Only in OLD.
    Gone,
    /// In both, with different counts.
    Changed,
    /// In both, with the same count (its share may still move with its
    /// group's total).
    Same,
}

impl Status {
    /// The word in `diff.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Gone => "gone",
            Status::Changed => "changed",
            Status::Same => "same",
        }
    }
}

/// One key of either run.
#[derive(Clone, Debug, PartialEq)]
pub struct DiffRow {
    /// The dimension values.
    pub values: Vec<String>,
    /// The category.
    pub category: Category,
    /// The code.
    pub code: i64,
    /// The subcode, if any.
    pub subcode: Option<i64>,
    /// Records in OLD (0: absent).
    pub count_old: u64,
    /// Records in NEW (0: absent).
    pub count_new: u64,
    /// Share of its group's counted records in OLD.
    pub share_old: f64,
    /// Share of its group's counted records in NEW.
    pub share_new: f64,
    /// How it changed.
    pub status: Status,
}

impl DiffRow {
    /// `count_new - count_old`.
    pub fn delta(&self) -> i128 {
        i128::from(self.count_new) - i128::from(self.count_old)
    }

    /// The change of share, in percentage points.
    pub fn delta_pp(&self) -> f64 {
        (self.share_new - self.share_old) * 100.0
    }

    /// The key order of `diff.csv`.
    pub fn key_order(&self, other: &DiffRow) -> Ordering {
        self.values.cmp(&other.values).then_with(|| {
            (
                self.category.as_str(),
                code_range(self.code),
                self.code,
                self.subcode,
            )
                .cmp(&(
                    other.category.as_str(),
                    code_range(other.code),
                    other.code,
                    other.subcode,
                ))
        })
    }

    /// The order of the terminal table: the largest |delta_pp| first,
    /// then the largest |delta|, then the key order.
    pub fn change_order(&self, other: &DiffRow) -> Ordering {
        other
            .delta_pp()
            .abs()
            .total_cmp(&self.delta_pp().abs())
            .then_with(|| other.delta().abs().cmp(&self.delta().abs()))
            .then_with(|| self.key_order(other))
    }
}

type Key = (Vec<String>, Category, i64, Option<i64>);

/// The rows of OLD and NEW side by side, in key order. Runs made with
/// different `--by` are refused.
pub fn diff(old: &Snapshot<'_>, new: &Snapshot<'_>) -> Result<Vec<DiffRow>> {
    new.check_dims(&old.dims, &format!("OLD {}", old.source))?;
    let mut rows: FxHashMap<Key, DiffRow> = FxHashMap::default();
    for (snap, is_new) in [(old, false), (new, true)] {
        for r in &snap.rows {
            let values = snap.group_values(r.group);
            let total = snap.groups.counted(r.group);
            let share =
                if total == 0 { 0.0 } else { r.count as f64 / total as f64 };
            let key = (values.clone(), r.category, r.code, r.subcode);
            let row = rows.entry(key).or_insert_with(|| DiffRow {
                values,
                category: r.category,
                code: r.code,
                subcode: r.subcode,
                count_old: 0,
                count_new: 0,
                share_old: 0.0,
                share_new: 0.0,
                status: Status::Same,
            });
            if is_new {
                row.count_new += r.count;
                row.share_new += share;
            } else {
                row.count_old += r.count;
                row.share_old += share;
            }
        }
    }
    let mut rows: Vec<DiffRow> = rows.into_values().collect();
    for r in &mut rows {
        r.status = match (r.count_old, r.count_new) {
            (0, _) => Status::New,
            (_, 0) => Status::Gone,
            (a, b) if a != b => Status::Changed,
            _ => Status::Same,
        };
    }
    rows.sort_by(DiffRow::key_order);
    Ok(rows)
}
