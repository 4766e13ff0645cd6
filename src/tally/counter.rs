//! The [`Counter`]: what the readers fill, one piece of one input at a
//! time, under the run's plan (a window, filters, dimensions, distinct
//! counts), into a [`Tally`].

use super::batch::{IdStore, PieceCells};
use super::dim_ids::DimIds;
use super::versions::{self, Version};
use super::{counted_ids, distinct, plan, GroupKey, Plan, Tally};
use crate::record::{parse_int, Outcome, Record, Role, Roles, Sink, NO_KIND};

/// The coupon (hash) of the last call id a counter saw: records of one
/// call mostly come one after another, and comparing the id costs less
/// than hashing it again.
#[derive(Debug, Default)]
struct LastCall {
    id: String,
    coupon: u32,
}

impl LastCall {
    /// The coupons of a record's ids as [`Ids::insert`](super::Ids::insert) counts them
    /// ([`counted_ids`]).
    #[inline]
    fn coupons(
        &mut self,
        call: Option<&str>,
        participant: Option<&str>,
    ) -> (Option<u32>, Option<u32>) {
        let (call, participant) = counted_ids(call, participant);
        let call_coupon = call.map(|c| {
            if self.id != c {
                self.id.clear();
                self.id.push_str(c);
                self.coupon = distinct::coupon(c);
            }
            self.coupon
        });
        (call_coupon, participant.map(distinct::coupon))
    }
}

/// The version, call and participant of a record whose
/// `callUpdatesVersion` reads `text` (spec §3): `None` for a version that
/// is not an integer, or a record without a
/// `correlationId` or a participant id (other than the call's id), which
/// counts as it is.
fn version_of<'r>(
    rec: &'r Record<'_>,
    text: &str,
) -> Option<(i64, &'r str, &'r str)> {
    let version = parse_int(text)?;
    let call = rec.text(Role::Correlation)?;
    let participant = rec.text(Role::Participant).filter(|p| *p != call)?;
    Some((version, call, participant))
}

/// Counts the records of one piece of one input under the run's plan: the
/// [`Sink`] the readers fill.
#[derive(Debug)]
pub struct Counter<'p> {
    plan: &'p Plan,
    /// The plan only counts (and may count ids): no window, filter or
    /// dimension.
    plain: bool,
    /// The cells, when the plan counts calls and participants (their ids
    /// counted in batches): they go into `tally.cells` at the end.
    piece: Option<PieceCells>,
    /// Where the sketches of a plan without dimensions are kept across
    /// pieces ([`Counter::with_store`]).
    store: Option<&'p IdStore>,
    /// The plan reads record times (a window, an hour or day bucket).
    times: bool,
    /// Reads them (keeping the last hour: see [`Parser`](crate::record::time::Parser)).
    time: crate::record::time::Parser,
    input: u32,
    tally: Tally,
    /// The log kind of the last records and how many of them are not in
    /// `tally.kinds` yet: records of one piece mostly share a kind, so
    /// most records cost a short comparison instead of a map lookup.
    kind: (String, u64),
    /// The value ids of the dimensions' values seen.
    dim_ids: DimIds,
    /// Whether the log kind of the last records is a CallSummary kind
    /// (`CallSummary`, `ACSCallSummary`, `…Updates`).
    summary_kind: bool,
    /// What the readers read for this counter: the plan's values, and
    /// the ids of versioned records once [`Counter::reading_ids`].
    wanted: Roles,
    /// A versioned record came without the ids that key it: the piece
    /// must be read again [`Counter::reading_ids`].
    missed_ids: bool,
    /// The last call id counted, hashed.
    last_call: LastCall,
}

impl<'p> Counter<'p> {
    /// A counter for a piece of input `input` (its index in the run).
    pub fn new(plan: &'p Plan, input: u32) -> Counter<'p> {
        let mut tally = Tally::default();
        tally.groups.bound(plan.max_groups);
        Counter {
            plan,
            plain: plan.counts_only(),
            piece: plan.distinct.map(PieceCells::new),
            store: None,
            times: plan.wanted().0 & crate::record::Role::Time.bit() != 0,
            time: Default::default(),
            input,
            tally,
            kind: Default::default(),
            dim_ids: DimIds::default(),
            wanted: plan.wanted(),
            missed_ids: false,
            summary_kind: false,
            last_call: LastCall::default(),
        }
    }

    /// This counter, with its readers reading calls and participants
    /// whatever the plan: the key of a versioned record (spec §3).
    pub fn reading_ids(mut self) -> Counter<'p> {
        self.wanted =
            self.wanted.with(Role::Correlation).with(Role::Participant);
        self
    }

    /// This counter, counting calls and participants into `store` rather
    /// than into its tally's cells, when the plan has no dimensions (the
    /// store is attached to the run's tally at its end);
    /// `None`, or a plan with dimensions, keeps them in the tally.
    pub fn with_store(mut self, store: Option<&'p IdStore>) -> Counter<'p> {
        if self.plan.by.is_empty() {
            self.store = store;
        }
        self
    }

    /// Whether a versioned record came without its ids because the
    /// readers did not read them: the counts are wrong, and the piece must
    /// be read again by a counter [`Counter::reading_ids`].
    pub fn missed_ids(&self) -> bool {
        self.missed_ids
    }

    /// The run's plan.
    pub fn plan(&self) -> &'p Plan {
        self.plan
    }

    /// The counts.
    pub fn finish(mut self) -> Tally {
        self.flush_kind();
        if let Some(piece) = self.piece.take() {
            piece.finish_into(&mut self.tally.cells, self.store);
        }
        self.tally
    }

    /// Add the records of the last kind to `tally.kinds`.
    fn flush_kind(&mut self) {
        let (kind, n) = std::mem::take(&mut self.kind);
        if n > 0 {
            *self.tally.kinds.entry(kind).or_insert(0) += n;
        }
    }

    /// Count a record under a plan that is not plain: window, filters,
    /// dimensions.
    fn record_planned(&mut self, rec: Record<'_>, line: u64, item: u32) {
        if let Outcome::Malformed(_) = rec.outcome {
            self.tally.add_item(rec.outcome, self.input, line, item);
            return;
        }
        self.count_kind(rec.kind.as_deref().unwrap_or(NO_KIND));
        let plan = self.plan;
        // The record's time, parsed once for the window and the buckets.
        let time = match self.times {
            true => plan::record_time(&rec, &mut self.time),
            false => None,
        };
        let out = if plan.outside_window(time) {
            Some(match time {
                Some(_) => &mut self.tally.filtered.outside_window,
                None => &mut self.tally.filtered.no_time,
            })
        } else if plan.filtered_out(&rec) {
            Some(&mut self.tally.filtered.by_where)
        } else {
            None
        };
        if let Some(n) = out {
            *n += 1;
            self.tally.acc.records += 1;
            self.tally.acc.filtered += 1;
            return;
        }
        let acc = &mut self.tally.acc;
        let versioned = match rec.text(Role::Version) {
            Some(text) => {
                acc.versioned += 1;
                version_of(&rec, text)
            }
            None => {
                acc.unversioned_summaries += u64::from(self.summary_kind);
                None
            }
        };
        match rec.outcome {
            Outcome::Counted(triple) => {
                acc.records += 1;
                if versioned.is_none() {
                    acc.counted += 1;
                }
                let dims = if plan.by.is_empty() {
                    Some(0)
                } else {
                    let groups = &mut self.tally.groups;
                    self.dim_ids.group(&plan.by, &rec, time, groups)
                };
                if let Some((version, call, participant)) = versioned {
                    let kind = rec.kind.as_deref().unwrap_or(NO_KIND);
                    let v = Version::new(
                        version,
                        Some(triple),
                        dims,
                        call,
                        participant,
                    );
                    self.offer(versions::key(kind, call, participant), v);
                    return;
                }
                let Some(dims) = dims else {
                    self.tally.ungrouped += 1;
                    return;
                };
                self.count_cell(GroupKey::new(dims, triple), &rec);
            }
            _ => {
                acc.records += 1;
                match versioned {
                    None => acc.without_code += 1,
                    Some((version, call, participant)) => {
                        let kind = rec.kind.as_deref().unwrap_or(NO_KIND);
                        let v = Version::new(
                            version,
                            None,
                            None,
                            call,
                            participant,
                        );
                        self.offer(versions::key(kind, call, participant), v);
                    }
                }
            }
        }
    }

    /// Count a record in the cell `key`, with its ids when the plan counts
    /// them (then it has `piece`).
    #[inline]
    fn count_cell(&mut self, key: GroupKey, rec: &Record<'_>) {
        match &mut self.piece {
            Some(piece) => {
                let (call, participant) = self.last_call.coupons(
                    rec.text(Role::Correlation),
                    rec.text(Role::Participant),
                );
                piece.count(key, call, participant, self.store);
            }
            None => self.tally.cells.entry(key).or_default().count += 1,
        }
    }

    /// Keep a version of a participant's summary if it is the best so far.
    fn offer(&mut self, key: versions::VersionKey, v: Version) {
        let t = &mut self.tally;
        if t.versions.offer(key, v, &t.groups) {
            t.acc.superseded += 1;
        }
    }

    /// Count a record of log kind `kind`, clipped to 256 bytes (at a
    /// character boundary): a kind is a short name, and a hostile log must
    /// not make the tally hold megabytes per kind.
    #[inline]
    fn count_kind(&mut self, kind: &str) {
        /// The longest log kind kept, in bytes.
        const MAX_KIND_BYTES: usize = 256;
        let kind = if kind.len() > MAX_KIND_BYTES {
            let mut end = MAX_KIND_BYTES;
            while !kind.is_char_boundary(end) {
                end -= 1;
            }
            &kind[..end]
        } else {
            kind
        };
        if self.kind.0 != kind || self.kind.1 == 0 {
            self.flush_kind();
            self.kind.0.push_str(kind);
            self.summary_kind = kind
                .as_bytes()
                .windows(11)
                .any(|w| w.eq_ignore_ascii_case(b"callsummary"));
        }
        self.kind.1 += 1;
    }
}

impl Sink for Counter<'_> {
    #[inline(always)]
    fn record(&mut self, rec: Record<'_>, line: u64, item: u32) {
        // (Checked in this order, a record costs at most one lookup of its
        // version here: none on a planned run that reads ids.)
        if !self.plain || rec.text(Role::Version).is_some() {
            if !self.wanted.reads(Role::Correlation)
                && rec.text(Role::Version).is_some()
            {
                self.missed_ids = true;
            }
            return self.record_planned(rec, line, item);
        }
        let acc = &mut self.tally.acc;
        match rec.outcome {
            Outcome::Counted(triple) => {
                acc.records += 1;
                acc.counted += 1;
                self.count_kind(rec.kind.as_deref().unwrap_or(NO_KIND));
                self.tally.acc.unversioned_summaries +=
                    u64::from(self.summary_kind);
                self.count_cell(GroupKey::of(triple), &rec);
            }
            Outcome::WithoutCode => {
                acc.records += 1;
                acc.without_code += 1;
                self.count_kind(rec.kind.as_deref().unwrap_or(NO_KIND));
                self.tally.acc.unversioned_summaries +=
                    u64::from(self.summary_kind);
            }
            malformed => {
                self.tally.add_item(malformed, self.input, line, item)
            }
        }
    }

    fn blank(&mut self) {
        self.tally.acc.blank += 1;
    }

    fn unmatched(&mut self) {
        self.tally.acc.unmatched += 1;
    }

    fn envelope(&mut self, items: u64) {
        self.tally.acc.envelopes += 1;
        self.tally.acc.envelope_items += items;
    }

    fn lines(&mut self, n: u64) {
        self.tally.acc.lines += n;
    }

    fn restart(&mut self) {
        self.tally = Tally::default();
        self.tally.groups.bound(self.plan.max_groups);
        self.kind = Default::default();
        self.dim_ids.clear();
        // The cells counted so far, and their ids, go too. (Ids already
        // given to a run's store could not be taken back: a reader that
        // restarts is never given one, see `pipeline::ctx::count_all`.)
        self.piece = self.plan.distinct.map(PieceCells::new);
        debug_assert!(self.store.is_none(), "a restart with a store");
    }

    fn wanted(&self) -> Roles {
        self.wanted
    }
}
