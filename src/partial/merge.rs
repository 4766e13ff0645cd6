//! Folding partials into one, a partial at a time: memory holds the merged
//! counts, the input names and at most [`MAX_SAMPLES`] samples, never more
//! than one partial besides.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{path_order, Listing, Partial};
use crate::error::{Error, Result};
use crate::tally::{InputError, Plan, Sample, Tally, MAX_SAMPLES};

/// Merges partials of one plan, in any order and grouping, into the
/// partial of one run over all their inputs.
#[derive(Debug, Default)]
pub struct Merger {
    /// The first partial's file, plan and catalog digest.
    first: Option<(String, Plan, u64)>,
    tally: Tally,
    inputs: Vec<String>,
    seen: HashSet<String>,
    /// Input names found in more than one partial.
    repeated: Vec<String>,
    /// The first samples, by input name, in merged order.
    samples: Vec<(String, Sample)>,
    /// Input errors, by input name.
    errors: Vec<(String, InputError)>,
    listings: BTreeMap<u64, Listing>,
}

impl Merger {
    /// An empty merge.
    pub fn new() -> Merger {
        Merger::default()
    }

    /// Add partial `p`, read from `file`; refused when its plan or catalog
    /// differs from the first partial's ([`Error::PlanMismatch`]).
    pub fn add(&mut self, p: Partial, file: &str) -> Result<()> {
        match &self.first {
            None => {
                self.tally.groups.bound(p.plan.max_groups);
                self.first =
                    Some((file.to_owned(), p.plan.clone(), p.catalog));
            }
            Some((first, plan, catalog)) => {
                if let Some(d) = plan_difference(
                    (plan, *catalog, first),
                    (&p.plan, p.catalog, file),
                ) {
                    return Err(Error::PlanMismatch(d));
                }
            }
        }
        let Partial { inputs, mut tally, listings, .. } = p;
        for s in std::mem::take(&mut tally.samples) {
            if let Some(name) = inputs.get(s.input as usize) {
                self.samples.push((name.clone(), s));
            }
        }
        self.samples.sort_by(|(a, s), (b, t)| {
            path_order(a, b)
                .then(s.line.cmp(&t.line))
                .then(s.item.cmp(&t.item))
                .then(s.reason.cmp(&t.reason))
        });
        self.samples.truncate(MAX_SAMPLES);
        for e in std::mem::take(&mut tally.errors) {
            if let Some(name) = inputs.get(e.input as usize) {
                self.errors.push((name.clone(), e));
            }
        }
        for l in listings {
            self.listings.entry(l.digest).or_insert(l);
        }
        for name in inputs {
            if !self.seen.insert(name.clone()) {
                self.repeated.push(name);
            } else {
                self.inputs.push(name);
            }
        }
        self.tally.merge_from(tally);
        Ok(())
    }

    /// Input names found in more than one partial (counted each time).
    pub fn repeated(&self) -> &[String] {
        &self.repeated
    }

    /// The merged partial (`None` when nothing was added).
    pub fn finish(self) -> Option<Partial> {
        let (_, plan, catalog) = self.first?;
        let mut inputs = self.inputs;
        inputs.sort_by(|a, b| path_order(a, b));
        let index: HashMap<&str, u32> = inputs
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i as u32))
            .collect();
        let mut tally = self.tally;
        tally.cells.settle();
        tally.samples = self
            .samples
            .into_iter()
            .map(|(name, s)| Sample { input: index[name.as_str()], ..s })
            .collect();
        tally.errors = self
            .errors
            .into_iter()
            .map(|(name, e)| InputError { input: index[name.as_str()], ..e })
            .collect();
        tally.errors.sort();
        Some(Partial {
            tool: env!("CARGO_PKG_VERSION").to_owned(),
            plan,
            catalog,
            inputs,
            tally,
            listings: self.listings.into_values().collect(),
        })
    }
}

/// How two partials' plans (or catalogs) differ, naming both files:
/// `--by differs: hour,kind in a.partial vs hour in b.partial`.
pub fn plan_difference(
    (a, a_catalog, a_file): (&Plan, u64, &str),
    (b, b_catalog, b_file): (&Plan, u64, &str),
) -> Option<String> {
    let none = || "(none)".to_owned();
    let list = |v: Vec<String>, sep: &str| {
        if v.is_empty() {
            none()
        } else {
            v.join(sep)
        }
    };
    let words = |p: &Plan, catalog: u64| {
        [
            ("--by", list(p.by.iter().map(|d| d.to_string()).collect(), ",")),
            ("--since", p.since.map_or_else(none, |t| t.to_string())),
            ("--until", p.until.map_or_else(none, |t| t.to_string())),
            (
                "--where",
                list(p.filters.iter().map(|f| f.to_string()).collect(), " "),
            ),
            (
                "--distinct-precision",
                p.distinct.map_or("--no-distinct".into(), |lg| lg.to_string()),
            ),
            ("--max-groups", p.max_groups.to_string()),
            ("the catalog (digest)", format!("{catalog:016x}")),
        ]
    };
    words(a, a_catalog).into_iter().zip(words(b, b_catalog)).find_map(
        |((flag, x), (_, y))| {
            (x != y).then(|| {
                format!("{flag} differs: {x} in {a_file} vs {y} in {b_file}")
            })
        },
    )
}
