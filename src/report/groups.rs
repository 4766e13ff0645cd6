//! The groups of dimension values of a report or a snapshot, held flat:
//! a group of one value costs 24 bytes and its text, not a `Vec<String>`
//! and its two allocations (~100 bytes with the allocator's share; a
//! million groups are held by a `--by resource` run).

/// Per group id: its dimension values, and its counted records (the
/// denominator of `share`). Group 0 is the whole run without `--by`
/// (no values).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Groups {
    /// The values, one after another.
    text: String,
    /// Where each value ends in `text`.
    value_ends: Vec<usize>,
    /// Where each group's values end in `value_ends`.
    group_ends: Vec<usize>,
    /// Counted records, per group.
    counted: Vec<u64>,
}

impl Groups {
    /// No groups, room for `n`.
    pub fn with_capacity(n: usize) -> Groups {
        Groups {
            group_ends: Vec::with_capacity(n),
            counted: Vec::with_capacity(n),
            ..Groups::default()
        }
    }

    /// Add a group of `values` holding `counted` records; its id.
    pub fn push<'v>(
        &mut self,
        values: impl IntoIterator<Item = &'v str>,
        counted: u64,
    ) -> u32 {
        for v in values {
            self.text.push_str(v);
            self.value_ends.push(self.text.len());
        }
        self.group_ends.push(self.value_ends.len());
        self.counted.push(counted);
        (self.counted.len() - 1) as u32
    }

    /// The number of groups.
    pub fn len(&self) -> usize {
        self.counted.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.counted.is_empty()
    }

    /// The dimension values of group `g` (none for an unknown id).
    pub fn values(&self, g: u32) -> GroupValues<'_> {
        let g = g as usize;
        let (start, end) = match self.group_ends.get(g) {
            Some(&end) => {
                (g.checked_sub(1).map_or(0, |p| self.group_ends[p]), end)
            }
            None => (0, 0),
        };
        GroupValues { groups: self, next: start, end }
    }

    /// Value `col` of group `g`.
    pub fn value(&self, g: u32, col: usize) -> Option<&str> {
        self.values(g).nth(col)
    }

    /// Counted records of group `g` (0 for an unknown id).
    pub fn counted(&self, g: u32) -> u64 {
        self.counted.get(g as usize).copied().unwrap_or(0)
    }

    /// Count `n` more records in group `g` (an unknown id is ignored).
    pub fn add_counted(&mut self, g: u32, n: u64) {
        if let Some(c) = self.counted.get_mut(g as usize) {
            *c += n;
        }
    }

    /// Value `i` of all groups' values.
    fn value_at(&self, i: usize) -> &str {
        let start = i.checked_sub(1).map_or(0, |p| self.value_ends[p]);
        &self.text[start..self.value_ends[i]]
    }

    /// Give spare capacity back.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.value_ends.shrink_to_fit();
        self.group_ends.shrink_to_fit();
        self.counted.shrink_to_fit();
    }
}

impl std::fmt::Debug for Groups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries((0..self.len() as u32).map(|g| {
                (self.values(g).collect::<Vec<_>>(), self.counted(g))
            }))
            .finish()
    }
}

/// The dimension values of one group ([`Groups::values`]), in column
/// order.
#[derive(Clone, Debug)]
pub struct GroupValues<'a> {
    groups: &'a Groups,
    next: usize,
    end: usize,
}

impl<'a> Iterator for GroupValues<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.next >= self.end {
            return None;
        }
        self.next += 1;
        Some(self.groups.value_at(self.next - 1))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.end - self.next;
        (n, Some(n))
    }
}

impl ExactSizeIterator for GroupValues<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_keep_their_values_and_counts() {
        let mut g = Groups::default();
        assert_eq!(g.push([], 3), 0);
        assert_eq!(g.push(["a", "", "bc"], 0), 1);
        assert_eq!(g.push(["d"], 0), 2);
        g.add_counted(1, 5);
        g.add_counted(9, 5);
        assert_eq!(g.len(), 3);
        assert_eq!(g.values(0).count(), 0);
        assert_eq!(g.values(1).collect::<Vec<_>>(), ["a", "", "bc"]);
        assert_eq!(g.values(2).collect::<Vec<_>>(), ["d"]);
        assert_eq!(g.values(3).len(), 0);
        assert_eq!(g.value(1, 2), Some("bc"));
        assert_eq!(g.value(2, 1), None);
        assert_eq!((g.counted(0), g.counted(1), g.counted(7)), (3, 5, 0));
        assert!(g.values(1).lt(g.values(2)));
    }
}
