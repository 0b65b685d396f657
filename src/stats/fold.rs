//! Folding trials into a variant's statistics at a cost that follows what
//! happened in a trial, not the number of its weeks.
//!
//! [`VariantStats::add`] adds 21 values for every week of a trial (5,460 for
//! the default scenario's 260 weeks), each a moment and a sketch update; that
//! cost twice as much as simulating the trial. Yet almost all of those values
//! are zeros or repeat the week before: a counter is non-zero in a few weeks
//! of a trial, a level or a cumulative count changes a few times, and the
//! members' mean readiness and intelligence effect are the same in every
//! trial of a variant. [`VariantFold`] notes only what happened:
//!
//! - a counter's non-zero value `v` in week `t`: one more in a dense table of
//!   counts by (counter, `v`, `t`) for `v` below [`SMALL`], else added to
//!   the week's distribution at once;
//! - a level, cumulative count or `p_any_attack` holding `v ≠ 0` over weeks
//!   `[a, b)`: +1 at (metric, `v`, `a`) and −1 at (metric, `v`, `b`) of a
//!   difference table, whose running sum over weeks is, at week `t`, how
//!   many trials held `v` then (larger values held long go to a list, sorted
//!   by value when settled);
//! - the weekly constants: how many trials were folded with each table;
//! - the zeros (and, for the per-state and per-direction moments, also
//!   there most values are zero): not at all.
//!
//! [`VariantFold::settle`] adds what was noted to the statistics as copies
//! (`k` copies of `v` in one multiplication), then the constants, then as
//! many zeros as each weekly metric, state and direction lacks of one value
//! per trial. Moments are integer sums and a sketch counts values, so
//! adding the same values in any grouping and order gives the same
//! statistics to the bit: settled, a fold equals [`VariantStats::add`] of the
//! same trials (the tests below check it on real trials), and so do its
//! tables, shard files and checkpoints.
//!
//! Settling costs about one pass over the weekly distributions; a fold
//! settles when the statistics are read (a checkpoint, the end of a run),
//! or when what it holds grows too large.

use super::aggregate::{
    CONSTANT_TOTALS, Distribution, N_TOTALS, N_WEEKLY, VariantStats, WeeklyConstants,
    add_counter_sums, add_week, totals_from,
};
use crate::model::TrialRecord;
use crate::model::record::{N_COUNTERS, N_LEVELS, N_STATE_METRICS};

/// Values `1..SMALL` of a weekly metric are counted in the dense tables;
/// weekly counts of the default scenario are almost all below it.
pub const SMALL: usize = 16;
/// Metrics held over runs of weeks: the levels, the three cumulative counts
/// and `p_any_attack`.
const N_HELD: usize = N_LEVELS + 4;
/// Metrics noted in the dense tables: the counters, then the held ones.
const N_SLOTS: usize = N_COUNTERS + N_HELD;
/// Runs of a large value up to this long are added week by week at once,
/// longer ones are listed.
const SHORT_RUN: usize = 4;
/// Listed runs, constant tables and trials that make a fold settle on its
/// own (bounding its memory and keeping the `i32` tables far from overflow).
const MAX_LONG: usize = 1 << 16;
/// Events noted before they are applied to the dense tables (64 KiB).
const MAX_EVENTS: usize = 1 << 14;
const MAX_TABLES: usize = 256;
const MAX_UNSETTLED: u64 = 1 << 24;

/// Where value `v` of slot `slot` in week `t` is noted in
/// [`VariantFold::dense`].
#[inline]
const fn cell(t: usize, slot: usize, v: usize) -> usize {
    (t * N_SLOTS + slot) * SMALL + v
}

/// Index in the weekly row of slot `slot`: counters and levels as they are,
/// the held extras after the two constants (`WEEKLY_EXTRA`).
const fn metric_of(slot: usize) -> usize {
    if slot < N_COUNTERS + N_LEVELS {
        slot
    } else {
        slot + 2
    }
}

/// The weekly metrics that are constants (readiness and intelligence).
const CONSTANT_METRICS: [usize; 2] = [N_COUNTERS + N_LEVELS, N_COUNTERS + N_LEVELS + 1];

/// A large value held over weeks `from..to` of the metric in `slot`.
#[derive(Debug, Clone, Copy)]
struct Held {
    slot: usize,
    value: u64,
    from: usize,
    to: usize,
}

/// One worker's statistics of one variant while trials are folded in; see
/// the module documentation. Read them with [`VariantFold::settled`].
#[derive(Debug, Clone)]
pub struct VariantFold {
    stats: VariantStats,
    /// `dense[cell(t, slot, v)]`: counts (counters) or differences (held
    /// metrics) of value `v` in week `t`, weeks `0..=weeks`. Week-major, so
    /// that what a trial notes in one week (a counter, and the levels it
    /// changes) lies close together: one cache line per week and metric.
    dense: Vec<i32>,
    /// What the trials since the last [`VariantFold::apply`] noted for
    /// `dense`: `cell << 1`, plus one for a −1. Applied in batches, many
    /// independent updates in a tight loop, instead of one at a time
    /// between the work of a trial, where each waited for memory.
    events: Vec<u32>,
    /// Per slot, the values `v` whose row of `dense` may be non-zero (bit v).
    touched: [u32; N_SLOTS],
    /// Large values held longer than [`SHORT_RUN`] weeks.
    long: Vec<Held>,
    /// Weekly constant tables and how many trials were folded with each.
    tables: Vec<(WeeklyConstants, u64)>,
    /// Trials folded since the last settle.
    unsettled: u64,
}

impl VariantFold {
    /// A fold that adds to `stats` (settled statistics: empty ones, or any
    /// read from a fold or a file).
    pub fn new(stats: VariantStats) -> VariantFold {
        let len = cell(stats.weeks + 1, 0, 0);
        assert!(len < 1 << 31, "{} weeks are too many to fold", stats.weeks);
        VariantFold {
            stats,
            dense: vec![0; len],
            events: Vec::with_capacity(MAX_EVENTS),
            touched: [0; N_SLOTS],
            long: Vec::new(),
            tables: Vec::new(),
            unsettled: 0,
        }
    }

    /// Bytes a fold holds beyond its statistics, for `weeks` weeks (for the
    /// resource estimate): the dense tables and the batch of events.
    pub fn pending_bytes(weeks: u64) -> u64 {
        ((N_SLOTS * SMALL * 4) as u64)
            .saturating_mul(weeks.saturating_add(1))
            .saturating_add((MAX_EVENTS * 4) as u64)
    }

    /// Folds in one trial of the variant whose weekly constants are
    /// `constants`, and returns its totals (those of
    /// [`super::aggregate::trial_totals`]). `baseline` holds the baseline's
    /// totals of the same trial, `None` for the baseline itself. Once
    /// settled, the same as [`VariantStats::add`] with these totals.
    pub fn add(
        &mut self,
        rec: &TrialRecord,
        constants: &WeeklyConstants,
        baseline: Option<&[Option<f64>; N_TOTALS]>,
    ) -> [Option<f64>; N_TOTALS] {
        debug_assert!(baseline.is_some() || self.stats.paired.is_empty());
        self.stats.trials += 1;
        self.unsettled += 1;
        let mut sums = self.note_weeks(rec);
        add_counter_sums(
            &mut sums,
            rec.counters.get(self.stats.weeks..).unwrap_or(&[]),
        );
        let totals = totals_from(rec, &sums, constants.totals.map(|c| c.x));
        match self.tables.last_mut() {
            Some((c, n)) if std::sync::Arc::ptr_eq(&c.weeks, &constants.weeks) => *n += 1,
            _ => self.tables.push((constants.clone(), 1)),
        }
        let s = &mut self.stats;
        s.add_totals(rec, &totals, baseline.unwrap_or(&totals), true);
        // Zeros are left out here and added when settled.
        for (row, stats) in rec
            .by_state
            .iter()
            .zip(s.states.chunks_exact_mut(N_STATE_METRICS))
        {
            for (&v, m) in row.iter().zip(stats) {
                if v != 0 {
                    m.add_grid(v as i64);
                }
            }
        }
        for (row, ds) in rec.by_direction.iter().zip(&mut s.directions) {
            if row.iter().fold(0, |any, &n| any | n) == 0 {
                continue;
            }
            if row[0] != 0 {
                ds.attempts.add_grid(row[0] as i64);
            }
            if row[1] != 0 {
                ds.detections.add_grid(row[1] as i64);
            }
            if (row[2], row[3]) != (0, 0) {
                ds.outcomes.add(row[2], row[3]);
            }
        }
        if self.events.len() >= MAX_EVENTS {
            self.apply();
        }
        if self.long.len() >= MAX_LONG
            || self.tables.len() >= MAX_TABLES
            || self.unsettled >= MAX_UNSETTLED
        {
            self.settle();
        }
        totals
    }

    /// Notes the trial's weekly values: non-zero counters, and the runs of
    /// weeks over which each held metric keeps a non-zero value. Returns
    /// the sums of the counters over these weeks (as `add_counter_sums`).
    fn note_weeks(&mut self, rec: &TrialRecord) -> [u64; N_COUNTERS] {
        let mut sums = [0u64; N_COUNTERS];
        let weeks = self.stats.weeks;
        use crate::model::Counter;
        // Held values: the levels, then cumulative attacks, entries and
        // severity; each since week `since`.
        let mut held = [0u64; N_LEVELS + 3];
        let mut since = [0usize; N_LEVELS + 3];
        let (mut attacks, mut entries, mut severity) = (0u64, 0u64, 0u64);
        for t in 0..weeks {
            let c = &rec.counters[t];
            if c.iter().fold(0, |a, &n| a | n) != 0 {
                for (m, &n) in c.iter().enumerate() {
                    if n != 0 {
                        self.note_count(m, t, n);
                    }
                }
                add_week(&mut sums, c);
                attacks += c[Counter::Attacks as usize];
                entries += c[Counter::Entries as usize];
                severity = severity.saturating_add(c[Counter::Severity as usize]);
            }
            let l = &rec.levels[t];
            let now = [l[0], l[1], l[2], attacks, entries, severity];
            // Without `!=` on the arrays, which calls memcmp.
            let changed = now.iter().zip(&held).fold(0, |any, (a, b)| any | (a ^ b));
            if changed != 0 {
                for k in 0..now.len() {
                    if now[k] != held[k] {
                        self.note_held(k, since[k], t, held[k]);
                        (held[k], since[k]) = (now[k], t);
                    }
                }
            }
        }
        for k in 0..held.len() {
            self.note_held(k, since[k], weeks, held[k]);
        }
        if let Some(first) = rec.first_attack_week {
            self.note_held(N_HELD - 1, (first as usize).min(weeks), weeks, 1);
        }
        sums
    }

    /// Counter `m` was `n ≠ 0` in week `t`.
    #[inline]
    fn note_count(&mut self, m: usize, t: usize, n: u64) {
        if n < SMALL as u64 {
            self.events.push((cell(t, m, n as usize) << 1) as u32);
            self.touched[m] |= 1 << n;
        } else {
            self.stats.weekly[t * N_WEEKLY + m].add_count(n);
        }
    }

    /// Held metric `k` had value `v` over weeks `from..to`.
    #[inline]
    fn note_held(&mut self, k: usize, from: usize, to: usize, v: u64) {
        if v == 0 || from == to {
            return;
        }
        let slot = N_COUNTERS + k;
        if v < SMALL as u64 {
            let (v, at) = (v as usize, &mut self.events);
            at.extend([cell(from, slot, v) << 1, cell(to, slot, v) << 1 | 1].map(|e| e as u32));
            self.touched[slot] |= 1 << v;
        } else if to - from <= SHORT_RUN {
            let m = metric_of(slot);
            for t in from..to {
                self.stats.weekly[t * N_WEEKLY + m].add_count(v);
            }
        } else {
            self.long.push(Held {
                slot,
                value: v,
                from,
                to,
            });
        }
    }

    /// Adds the noted events to the dense tables.
    fn apply(&mut self) {
        for &e in &self.events {
            self.dense[(e >> 1) as usize] += 1 - 2 * (e & 1) as i32;
        }
        self.events.clear();
    }

    /// Whether nothing is waiting to be added to the statistics.
    pub fn is_settled(&self) -> bool {
        self.unsettled == 0
    }

    /// Adds everything noted to the statistics (see the module
    /// documentation).
    pub fn settle(&mut self) {
        self.settle_on(&crate::scenario::OneByOne);
    }

    /// [`VariantFold::settle`], its weeks settled in pieces of
    /// [`SETTLE_WEEKS`] run by `each` (at the same time, where `each` runs
    /// them so): a piece's distributions are its own, and the running
    /// levels of the held metrics at its first week are summed first.
    pub fn settle_on(&mut self, each: &dyn crate::scenario::Each) {
        if self.is_settled() {
            return;
        }
        self.apply();
        let weeks = self.stats.weeks;
        let touched = std::mem::take(&mut self.touched);
        // The running level of each held (slot, value) at each piece's
        // first week: the sums of the difference tables before it.
        let pieces = weeks.div_ceil(SETTLE_WEEKS);
        let mut starts = vec![[[0i64; SMALL]; N_SLOTS]; pieces];
        let mut level = [[0i64; SMALL]; N_SLOTS];
        for t in 0..weeks {
            if t % SETTLE_WEEKS == 0 {
                starts[t / SETTLE_WEEKS] = level;
            }
            for slot in N_COUNTERS..N_SLOTS {
                for v in values(touched[slot]) {
                    level[slot][v] += i64::from(self.dense[cell(t, slot, v)]);
                }
            }
        }
        self.long.sort_unstable_by_key(|h| (h.slot, h.value));
        let trials = self.stats.trials;
        let shared = Shared {
            touched: &touched,
            long: &self.long,
            tables: &self.tables,
            trials,
        };
        let parts: Vec<std::sync::Mutex<(&mut [Distribution], &mut [i32])>> = self
            .stats
            .weekly
            .chunks_mut(SETTLE_WEEKS * N_WEEKLY)
            .zip(self.dense.chunks_mut(SETTLE_WEEKS * N_SLOTS * SMALL))
            .map(std::sync::Mutex::new)
            .collect();
        each.each(parts.len(), &|k| {
            let mut part = parts[k].lock().unwrap_or_else(|e| e.into_inner());
            let (weekly, dense) = &mut *part;
            let first = k * SETTLE_WEEKS;
            let span = first..(first + SETTLE_WEEKS).min(weeks);
            shared.settle_weeks(span, weekly, dense, &starts[k]);
        });
        drop(parts);
        for (slot, &mask) in touched.iter().enumerate() {
            for v in values(mask) {
                self.dense[cell(weeks, slot, v)] = 0;
            }
        }
        self.long.clear();
        for (table, copies) in self.tables.drain(..) {
            for (&i, c) in CONSTANT_TOTALS.iter().zip(&table.totals) {
                self.stats.totals[i].add_constant_copies(c, copies);
            }
        }
        // Every trial gave one value to each state and direction moment:
        // those not added are zeros.
        let fill = |m: &mut super::moments::Moments| m.add_grid_copies(0, trials - m.n);
        self.stats.states.iter_mut().for_each(&fill);
        for ds in &mut self.stats.directions {
            fill(&mut ds.attempts);
            fill(&mut ds.detections);
            fill(&mut ds.outcomes.x);
            fill(&mut ds.outcomes.y);
        }
        self.unsettled = 0;
    }

    /// Takes in everything `other` (a fold of the same variant) has noted
    /// and added, as if its trials had been folded here: its dense tables
    /// are added to these, its lists and statistics joined to these. The
    /// workers of a run end this way, so that a variant is settled once,
    /// not once per worker; the statistics are the same to the bit as
    /// settling each fold and merging them (the counts are exact).
    pub fn absorb(&mut self, mut other: VariantFold) {
        if self.unsettled.saturating_add(other.unsettled) >= MAX_UNSETTLED {
            // The sum of the tables could come near overflow: settle both.
            self.settle();
            other.settle();
        }
        self.apply();
        other.apply();
        let mut touched = 0;
        for (mine, theirs) in self.touched.iter_mut().zip(other.touched) {
            *mine |= theirs;
            touched |= theirs;
        }
        if touched != 0 {
            for (a, b) in self.dense.iter_mut().zip(&other.dense) {
                *a += b;
            }
        }
        self.long.append(&mut other.long);
        for (table, n) in other.tables {
            match self.tables.last_mut() {
                Some((c, k)) if std::sync::Arc::ptr_eq(&c.weeks, &table.weeks) => *k += n,
                _ => self.tables.push((table, n)),
            }
        }
        self.stats.merge(&other.stats);
        self.unsettled += other.unsettled;
    }

    /// The statistics of every trial folded in, settled.
    pub fn settled(&mut self) -> &VariantStats {
        self.settle();
        &self.stats
    }

    /// The statistics of every trial folded in, settled.
    pub fn into_stats(mut self) -> VariantStats {
        self.settle();
        self.stats
    }
}

/// The values `v` whose bit is set in `mask` (a slot's `touched`), in
/// rising order.
#[inline]
fn values(mask: u32) -> impl Iterator<Item = usize> {
    let mut bits = mask;
    std::iter::from_fn(move || {
        (bits != 0).then(|| {
            let v = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            v
        })
    })
}

/// Weeks settled by one piece of [`VariantFold::settle_on`].
const SETTLE_WEEKS: usize = 32;

/// What every piece of a settle reads: the values noted per slot, the
/// long runs (sorted by slot and value), the weekly constants and the
/// trials folded.
struct Shared<'a> {
    touched: &'a [u32; N_SLOTS],
    long: &'a [Held],
    tables: &'a [(WeeklyConstants, u64)],
    trials: u64,
}

impl Shared<'_> {
    /// Settles weeks `span`: `weekly` and `dense` are their distributions
    /// and dense tables, `start` the running levels of the held slots at
    /// the first of them. Each distribution gets its noted values, its
    /// long runs, its constants and then its zeros, as one settle would.
    fn settle_weeks(
        &self,
        span: std::ops::Range<usize>,
        weekly: &mut [Distribution],
        dense: &mut [i32],
        start: &[[i64; SMALL]; N_SLOTS],
    ) {
        let first = span.start;
        for (slot, &mask) in self.touched.iter().enumerate() {
            let (m, held) = (metric_of(slot), slot >= N_COUNTERS);
            if mask == 0 {
                continue;
            }
            // Week by week, the values of the slot (a week's cells lie side
            // by side): the running levels of a held metric, the counts of
            // a counter. A week's distribution is widened once for all its
            // values, then each is added.
            let mut level = start[slot];
            let mut copies = [0i64; SMALL];
            for t in span.clone() {
                let (mut lo, mut hi) = (SMALL, 0);
                for v in values(mask) {
                    let d = i64::from(std::mem::take(&mut dense[cell(t - first, slot, v)]));
                    copies[v] = if held {
                        level[v] += d;
                        level[v]
                    } else {
                        d
                    };
                    if copies[v] > 0 {
                        (lo, hi) = (lo.min(v), v);
                    }
                }
                if lo > hi {
                    continue;
                }
                let d = &mut weekly[(t - first) * N_WEEKLY + m];
                d.cover_counts(lo, hi);
                for (v, &k) in copies.iter().enumerate().take(hi + 1).skip(lo) {
                    if k > 0 {
                        d.add_count_copies(v as u64, k as u64);
                    }
                }
            }
        }
        // Large values held long, grouped by metric and value: a difference
        // array over these weeks per group.
        let mut diff = vec![0i64; span.len() + 1];
        for group in self
            .long
            .chunk_by(|a, b| (a.slot, a.value) == (b.slot, b.value))
        {
            let (m, v) = (metric_of(group[0].slot), group[0].value);
            let mut any = false;
            for h in group {
                let (from, to) = (h.from.max(span.start), h.to.min(span.end));
                if from < to {
                    diff[from - first] += 1;
                    diff[to - first] -= 1;
                    any = true;
                }
            }
            if !any {
                continue;
            }
            let mut level = 0i64;
            for (t, d) in diff.iter_mut().enumerate().take(span.len()) {
                level += std::mem::take(d);
                if level > 0 {
                    weekly[t * N_WEEKLY + m].add_count_copies(v, level as u64);
                }
            }
            diff[span.len()] = 0;
        }
        for (table, copies) in self.tables {
            for t in span.clone() {
                for (m, c) in CONSTANT_METRICS.iter().zip(&table.weeks[t]) {
                    weekly[(t - first) * N_WEEKLY + m].add_constant_copies(c, *copies);
                }
            }
        }
        // Every trial gave one value to each weekly distribution: those not
        // added are zeros.
        for (i, d) in weekly.iter_mut().enumerate() {
            if CONSTANT_METRICS.contains(&(i % N_WEEKLY)) {
                continue;
            }
            let zeros = self.trials - d.moments.n;
            if zeros > 0 {
                d.add_count_copies(0, zeros);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Theatre, Workspace, run_trial};
    use crate::scenario::load_str;
    use crate::stats::aggregate::trial_totals;

    /// Runs the pieces last to first.
    struct Backwards;

    impl crate::scenario::Each for Backwards {
        fn each(&self, n: usize, piece: &(dyn Fn(usize) + Sync)) {
            (0..n).rev().for_each(piece);
        }
    }

    /// Trials of every variant of `text`, folded both ways.
    fn both_ways(text: &str, sets: &[String], trials: std::ops::Range<u64>) {
        let set = load_str("s.toml", "s", text, sets).unwrap();
        let theatres: Vec<Theatre<'_>> = std::iter::once(&set.base)
            .chain(set.variants.iter().map(|v| &v.scenario))
            .map(Theatre::new)
            .collect();
        let s = &set.base;
        let empty = |v: usize| {
            VariantStats::new(
                s.weeks as usize,
                s.states.len(),
                2 * s.borders.len(),
                v == 0,
            )
        };
        let constants: Vec<WeeklyConstants> = theatres
            .iter()
            .map(|th| WeeklyConstants::new(&th.defences))
            .collect();
        let mut plain: Vec<VariantStats> = (0..theatres.len()).map(empty).collect();
        let mut folds: Vec<VariantFold> = (0..theatres.len())
            .map(|v| VariantFold::new(empty(v)))
            .collect();
        // The same trials folded by three workers, joined at the end.
        let mut workers: Vec<Vec<VariantFold>> = (0..3)
            .map(|_| {
                (0..theatres.len())
                    .map(|v| VariantFold::new(empty(v)))
                    .collect()
            })
            .collect();
        let mut work = Workspace::default();
        let mut recs = vec![TrialRecord::default(); theatres.len()];
        for trial in trials {
            let mut totals = Vec::new();
            for (v, th) in theatres.iter().enumerate() {
                run_trial(th, trial, &mut work, &mut recs[v]);
                totals.push(trial_totals(&recs[v], &th.defences));
                assert_eq!(totals[v], constants[v].totals(&recs[v]));
            }
            for v in 0..theatres.len() {
                plain[v].add(&recs[v], &constants[v], &totals[v], &totals[0]);
                let baseline = (v > 0).then_some(&totals[0]);
                let mine = folds[v].add(&recs[v], &constants[v], baseline);
                assert_eq!(mine, totals[v]);
                let worker = &mut workers[trial as usize % 3][v];
                assert_eq!(worker.add(&recs[v], &constants[v], baseline), totals[v]);
            }
            // Settling now and then changes nothing.
            if trial % 7 == 3 {
                folds[trial as usize % theatres.len()].settle();
                workers[trial as usize % 2][trial as usize % theatres.len()].settle();
            }
        }
        let [mut first, second, third]: [Vec<VariantFold>; 3] =
            workers.try_into().expect("three workers");
        for (v, ((p, f), (second, third))) in plain
            .iter()
            .zip(folds)
            .zip(second.into_iter().zip(third))
            .enumerate()
        {
            assert_eq!(&f.into_stats(), p, "variant {v}");
            let mut joined = third;
            joined.absorb(second);
            first[v].absorb(joined);
            // Its weeks settled in pieces, in any order.
            first[v].settle_on(&Backwards);
        }
        for (v, (p, f)) in plain.iter().zip(first).enumerate() {
            let joined = f.into_stats();
            assert_eq!(&joined, p, "variant {v}, the workers joined");
            // A run takes the joined statistics as they are where it would
            // merge them into empty ones: the same, to the last field.
            let mut nothing = empty(v);
            nothing.merge(&joined);
            assert_eq!(nothing, joined, "variant {v}, merged into nothing");
        }
    }

    #[test]
    fn the_slots_are_every_weekly_metric_but_the_constants_once() {
        use super::super::aggregate::weekly_name;
        let mut metrics: Vec<usize> = (0..N_SLOTS).map(metric_of).collect();
        metrics.extend(CONSTANT_METRICS);
        metrics.sort_unstable();
        assert_eq!(metrics, (0..N_WEEKLY).collect::<Vec<_>>());
        for m in CONSTANT_METRICS {
            assert!(weekly_name(m).ends_with("_mean"), "{}", weekly_name(m));
        }
        // The held slots: the levels, then the running sums, then whether
        // an attack has happened.
        let held: Vec<&str> = (N_COUNTERS..N_SLOTS)
            .map(|s| weekly_name(metric_of(s)))
            .collect();
        assert_eq!(
            &held[N_LEVELS..],
            [
                "cumulative_attacks",
                "cumulative_entries",
                "cumulative_severity",
                "p_any_attack"
            ]
        );
        // A fold's tables are what the resource estimate counts.
        let fold = VariantFold::new(VariantStats::new(30, 2, 2, true));
        assert_eq!(
            (fold.dense.len() * 4 + fold.events.capacity() * 4) as u64,
            VariantFold::pending_bytes(30)
        );
        assert_eq!(fold.dense.len(), 31 * N_SLOTS * SMALL);
    }

    /// `tests/data/two_states.toml`, whose base and first variant serve as
    /// two points of a posterior.
    fn two_states() -> crate::scenario::ScenarioSet {
        let text = include_str!("../../tests/data/two_states.toml");
        load_str("s.toml", "s", text, &[]).unwrap()
    }

    /// The two points of [`two_states`] made ready, and their weekly
    /// constants.
    fn two_points(set: &crate::scenario::ScenarioSet) -> ([Theatre<'_>; 2], [WeeklyConstants; 2]) {
        let points = [
            Theatre::new(&set.base),
            Theatre::new(&set.variants[0].scenario),
        ];
        let constants = [
            WeeklyConstants::new(&points[0].defences),
            WeeklyConstants::new(&points[1].defences),
        ];
        (points, constants)
    }

    #[test]
    fn trials_of_different_points_in_one_fold_keep_their_constants() {
        // A run over a posterior folds trials of several points into one
        // fold: each keeps its own weekly constants (readiness, intelligence).
        let set = two_states();
        let (points, constants) = two_points(&set);
        assert_ne!(
            constants[0].totals.map(|c| c.x),
            constants[1].totals.map(|c| c.x),
            "the two points must differ in their constants"
        );
        let s = &set.base;
        let empty =
            || VariantStats::new(s.weeks as usize, s.states.len(), 2 * s.borders.len(), true);
        let (mut plain, mut fold) = (empty(), VariantFold::new(empty()));
        let mut work = Workspace::default();
        let mut rec = TrialRecord::default();
        for trial in 0..24u64 {
            let p = usize::from((trial / 4) % 3 == 1);
            run_trial(&points[p], trial, &mut work, &mut rec);
            let totals = trial_totals(&rec, &points[p].defences);
            plain.add(&rec, &constants[p], &totals, &totals);
            assert_eq!(fold.add(&rec, &constants[p], None), totals);
        }
        assert_eq!(fold.into_stats(), plain);
    }

    #[test]
    fn joined_folds_keep_each_points_constants() {
        // Two workers of a run over a posterior, each with trials of its
        // own point: joined, each point's weekly constants keep their own
        // trials.
        let set = two_states();
        let (points, constants) = two_points(&set);
        let s = &set.base;
        let empty =
            || VariantStats::new(s.weeks as usize, s.states.len(), 2 * s.borders.len(), true);
        let mut plain = empty();
        let mut folds = [VariantFold::new(empty()), VariantFold::new(empty())];
        let mut work = Workspace::default();
        let mut rec = TrialRecord::default();
        for trial in 0..12u64 {
            let p = usize::from(trial >= 5);
            run_trial(&points[p], trial, &mut work, &mut rec);
            let totals = trial_totals(&rec, &points[p].defences);
            plain.add(&rec, &constants[p], &totals, &totals);
            assert_eq!(folds[p].add(&rec, &constants[p], None), totals);
        }
        let [mut first, second] = folds;
        first.absorb(second);
        assert_eq!(first.into_stats(), plain);
    }

    #[test]
    fn a_settled_fold_equals_adding_every_value() {
        let text = include_str!("../../tests/data/two_states.toml");
        both_ways(text, &[], 0..60);
    }

    #[test]
    fn large_values_and_long_runs_settle_the_same() {
        // Many new cells: levels and cumulative counts far above SMALL,
        // held for runs of every length.
        let text = include_str!("../../tests/data/two_states.toml");
        both_ways(text, &["regions.SRC_N.new_cells=40".into()], 0..12);
    }

    #[test]
    fn the_shipped_scenarios_settle_the_same() {
        let default = include_str!("../../scenarios/csto-southern-frontier.toml");
        both_ways(default, &[], 0..25);
        let stress = include_str!("../../scenarios/stress.toml");
        both_ways(stress, &[], 0..2);
    }
}
