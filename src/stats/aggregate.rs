//! Streaming statistics over trials: what is kept of each trial once it has
//! been run, so that per-trial weekly series never pile up in memory.
//!
//! Everything here merges exactly (see [`super::moments`] and
//! [`super::sketch`]), so the engine may fold trials into one accumulator per
//! thread and merge them in any order: the files come out byte-identical for
//! any thread count and any shard layout.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::moments::{CoMoment, Grid, Moments};
use super::sketch::{Sketch, Slot};
use crate::model::record::{N_COUNTERS, N_STATE_METRICS};
use crate::model::{Counter, Defences, Level, TrialRecord};

/// A per-trial total (a column of `trials.csv`, a metric of `summary.csv`).
#[derive(Debug, Clone, Copy)]
pub struct TotalDef {
    pub name: &'static str,
    pub grid: Grid,
    /// Whether lower values are better for the alliance (`None`: neither).
    pub lower_is_better: Option<bool>,
}

const fn total(name: &'static str, grid: Grid, lower_is_better: Option<bool>) -> TotalDef {
    TotalDef {
        name,
        grid,
        lower_is_better,
    }
}

/// Per-trial totals, in `trials.csv` column order.
pub const TOTALS: [TotalDef; 20] = [
    total("new_cells", Grid::Count, Some(true)),
    total("attempts", Grid::Count, None),
    total("detections", Grid::Count, None),
    total("border_interdictions", Grid::Count, None),
    total("entries", Grid::Count, Some(true)),
    total("indirect_entries", Grid::Count, Some(true)),
    total("newly_established", Grid::Count, Some(true)),
    total("interior_interdictions", Grid::Count, None),
    total("attacks", Grid::Count, Some(true)),
    total("severity", Grid::Count, Some(true)),
    total("abandoned", Grid::Count, None),
    total("dissolved", Grid::Count, None),
    total("alive_end", Grid::Count, Some(true)),
    total("cells_in_alliance_end", Grid::Count, Some(true)),
    total("established_end", Grid::Count, Some(true)),
    total("readiness_mean", Grid::Real, Some(false)),
    total("intel_effect_mean", Grid::Real, Some(false)),
    total("first_attack_week", Grid::Count, Some(false)),
    total("spend", Grid::Real, Some(true)),
    // Cells the warm-up left alive at week 0 (docs/model.md §4a): with them,
    // alive_start + new_cells = alive_end + every removal.
    total("alive_start", Grid::Count, None),
];

pub const N_TOTALS: usize = TOTALS.len();
/// Index of `first_attack_week` in [`TOTALS`] (empty when no attack).
pub const FIRST_ATTACK: usize = 17;

/// Weekly metrics of `weekly.csv`, beyond the counters and levels.
pub const WEEKLY_EXTRA: [&str; 6] = [
    "readiness_mean",
    "intel_effect_mean",
    "cumulative_attacks",
    "cumulative_entries",
    "cumulative_severity",
    "p_any_attack",
];

/// Number of weekly metrics.
pub const N_WEEKLY: usize = Counter::ALL.len() + Level::ALL.len() + WEEKLY_EXTRA.len();

/// Name of weekly metric `m`.
pub fn weekly_name(m: usize) -> &'static str {
    let (nc, nl) = (Counter::ALL.len(), Level::ALL.len());
    if m < nc {
        Counter::ALL[m].name()
    } else if m < nc + nl {
        Level::ALL[m - nc].name()
    } else {
        WEEKLY_EXTRA[m - nc - nl]
    }
}

/// Index of the weekly `p_any_attack` metric.
pub const P_ANY_ATTACK: usize = N_WEEKLY - 1;

/// The totals of one trial, `None` where a value is missing
/// (`first_attack_week` without an attack).
pub fn trial_totals(rec: &TrialRecord, d: &Defences) -> [Option<f64>; N_TOTALS] {
    totals_of(rec, same_in_every_trial(d))
}

/// The totals that are the same in every trial of a variant (see
/// [`CONSTANT_TOTALS`]).
fn same_in_every_trial(d: &Defences) -> [f64; 3] {
    let weeks = d.readiness_mean.len().max(1) as f64;
    [
        d.readiness_mean.iter().sum::<f64>() / weeks,
        d.intel_effect_mean.iter().sum::<f64>() / weeks,
        d.spend,
    ]
}

/// Indices in [`TOTALS`] of the totals that are the same in every trial
/// of a variant: readiness_mean, intel_effect_mean and spend.
pub(super) const CONSTANT_TOTALS: [usize; 3] = [15, 16, 18];

/// [`trial_totals`], with the totals of [`CONSTANT_TOTALS`] given.
fn totals_of(rec: &TrialRecord, constant: [f64; 3]) -> [Option<f64>; N_TOTALS] {
    let mut sums = [0u64; N_COUNTERS];
    add_counter_sums(&mut sums, &rec.counters);
    totals_from(rec, &sums, constant)
}

/// Adds the counters of `weeks` to `sums`: `rec.total(c)` of every counter
/// in one pass that skips the weeks without events (most of them), the
/// same saturating sums.
pub(super) fn add_counter_sums(sums: &mut [u64; N_COUNTERS], weeks: &[[u64; N_COUNTERS]]) {
    for week in weeks {
        if week.iter().fold(0, |any, &n| any | n) != 0 {
            add_week(sums, week);
        }
    }
}

/// Adds one week's counters to `sums` (saturating).
#[inline]
pub(super) fn add_week(sums: &mut [u64; N_COUNTERS], week: &[u64; N_COUNTERS]) {
    for (sum, &n) in sums.iter_mut().zip(week) {
        *sum = sum.saturating_add(n);
    }
}

/// The totals of a trial whose counters sum to `sums`, with the totals of
/// [`CONSTANT_TOTALS`] given.
pub(super) fn totals_from(
    rec: &TrialRecord,
    sums: &[u64; N_COUNTERS],
    constant: [f64; 3],
) -> [Option<f64>; N_TOTALS] {
    let mut out = [None; N_TOTALS];
    for (i, c) in Counter::ALL.iter().enumerate() {
        out[i] = Some(sums[*c as usize] as f64);
    }
    let nc = Counter::ALL.len();
    for (i, l) in Level::ALL.iter().enumerate() {
        out[nc + i] = Some(rec.end(*l) as f64);
    }
    for (i, x) in CONSTANT_TOTALS.into_iter().zip(constant) {
        out[i] = Some(x);
    }
    out[FIRST_ATTACK] = rec.first_attack_week.map(f64::from);
    out[19] = Some(rec.alive_start as f64);
    out
}

/// Moments and quantile sketch of one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    pub moments: Moments,
    pub sketch: Sketch,
}

impl Distribution {
    fn new(grid: Grid) -> Self {
        Distribution {
            moments: Moments::new(grid),
            sketch: Sketch::default(),
        }
    }

    #[inline]
    fn add(&mut self, x: f64) {
        self.moments.add(x);
        self.sketch.add(x);
    }

    /// Adds a count: the same as `add(n as f64)`, faster (see
    /// [`Moments::add_count`]).
    #[inline]
    pub(super) fn add_count(&mut self, n: u64) {
        self.moments.add_count(n);
        self.sketch.add_count(n);
    }

    /// Makes room in the sketch for the counts `lo..=hi`, each about to be
    /// added ([`super::sketch::Sketch::cover_counts`]).
    #[inline]
    pub(super) fn cover_counts(&mut self, lo: usize, hi: usize) {
        self.sketch.cover_counts(lo, hi);
    }

    /// Adds `copies` counts `n` (not 0 copies): the same as `copies` calls
    /// of [`Distribution::add_count`].
    #[inline]
    pub(super) fn add_count_copies(&mut self, n: u64, copies: u64) {
        self.moments.add_count_copies(n, copies);
        self.sketch.add_count_copies(n, copies);
    }

    /// Adds a prepared value: the same as `add(c.x)`.
    #[inline]
    fn add_constant(&mut self, c: &Constant) {
        self.add_constant_copies(c, 1);
    }

    /// Adds `copies` prepared values (not 0 copies): the same as `copies`
    /// calls of `add(c.x)`.
    #[inline]
    pub(super) fn add_constant_copies(&mut self, c: &Constant, copies: u64) {
        debug_assert_eq!(self.moments.grid, c.grid);
        self.moments.add_grid_copies(c.point, copies);
        self.sketch.add_at_copies(c.slot, c.x, copies);
    }

    fn merge(&mut self, o: &Distribution) {
        self.moments.merge(&o.moments);
        self.sketch.merge(&o.sketch);
    }
}

/// A value with its grid point and sketch slot worked out once.
#[derive(Debug, Clone, Copy)]
pub(super) struct Constant {
    pub(super) x: f64,
    grid: Grid,
    point: i64,
    slot: Slot,
}

impl Constant {
    fn new(grid: Grid, x: f64) -> Constant {
        Constant {
            x,
            grid,
            point: grid.quantize(x),
            slot: Slot::of(x),
        }
    }
}

/// The weekly metrics that are the same in every trial of a variant:
/// members' mean readiness and intelligence effect, which [`Defences`] holds
/// per week. Prepared once per variant, so that folding a trial adds them
/// without a `round`, a `log2` and a `floor` each (about a tenth of the cost
/// of a trial of the default scenario). Cheap to clone: clones share the
/// table, and [`super::fold::VariantFold`] tells them apart from other
/// tables by that.
#[derive(Debug, Clone)]
pub struct WeeklyConstants {
    /// (readiness_mean, intel_effect_mean) per week.
    pub(super) weeks: Arc<[[Constant; 2]]>,
    /// The totals of [`CONSTANT_TOTALS`].
    pub(super) totals: [Constant; 3],
}

impl WeeklyConstants {
    /// The constants of the variant whose tables are `d`.
    pub fn new(d: &Defences) -> WeeklyConstants {
        WeeklyConstants {
            weeks: d
                .readiness_mean
                .iter()
                .zip(&d.intel_effect_mean)
                .map(|(&r, &e)| [Constant::new(Grid::Real, r), Constant::new(Grid::Real, e)])
                .collect(),
            totals: std::array::from_fn(|k| {
                let x = same_in_every_trial(d)[k];
                Constant::new(TOTALS[CONSTANT_TOTALS[k]].grid, x)
            }),
        }
    }

    /// [`trial_totals`] of a trial of this variant (without summing the
    /// weekly tables again).
    pub fn totals(&self, rec: &TrialRecord) -> [Option<f64>; N_TOTALS] {
        totals_of(rec, self.totals.map(|c| c.x))
    }
}

/// Paired difference (variant minus baseline, same trial) of one total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paired {
    pub diff: Moments,
    /// Trials in which the variant did better than the baseline.
    pub better: u64,
    /// Trials with equal values.
    pub ties: u64,
}

/// Per-direction statistics of one border segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirectionStats {
    pub attempts: Moments,
    pub detections: Moments,
    /// Interdictions (x) and crossings (y), with their co-moment for the
    /// interval of interdiction effectiveness.
    pub outcomes: CoMoment,
}

/// Everything kept about one variant's trials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantStats {
    pub weeks: usize,
    /// `weekly[t * N_WEEKLY + m]`.
    pub weekly: Vec<Distribution>,
    pub totals: Vec<Distribution>,
    /// Trials with at least one attack.
    pub any_attack: u64,
    pub trials: u64,
    /// `states[s * N_STATE_METRICS + m]`.
    pub states: Vec<Moments>,
    pub directions: Vec<DirectionStats>,
    /// Against the baseline, per total (empty for the baseline itself).
    pub paired: Vec<Paired>,
}

impl VariantStats {
    /// Empty statistics for a scenario shape.
    pub fn new(weeks: usize, states: usize, directions: usize, is_baseline: bool) -> Self {
        let weekly = (0..weeks * N_WEEKLY)
            .map(|i| {
                let m = i % N_WEEKLY;
                let real = matches!(weekly_name(m), "readiness_mean" | "intel_effect_mean");
                Distribution::new(if real { Grid::Real } else { Grid::Count })
            })
            .collect();
        VariantStats {
            weeks,
            weekly,
            totals: TOTALS.iter().map(|t| Distribution::new(t.grid)).collect(),
            any_attack: 0,
            trials: 0,
            states: vec![Moments::new(Grid::Count); states * N_STATE_METRICS],
            directions: vec![
                DirectionStats {
                    attempts: Moments::new(Grid::Count),
                    detections: Moments::new(Grid::Count),
                    outcomes: CoMoment::new(),
                };
                directions
            ],
            paired: if is_baseline {
                vec![]
            } else {
                TOTALS
                    .iter()
                    .map(|t| Paired {
                        diff: Moments::new(t.grid),
                        better: 0,
                        ties: 0,
                    })
                    .collect()
            },
        }
    }

    /// Folds in one trial of the variant whose weekly constants are
    /// `constants`; `baseline` holds the baseline's totals of the same trial
    /// (for paired differences; ignored for the baseline itself).
    ///
    /// This adds every value of the trial one at a time: it is the
    /// definition of what the statistics hold. The engine folds trials with
    /// [`super::fold::VariantFold`], which ends with the same statistics to
    /// the bit at a small part of the cost.
    pub fn add(
        &mut self,
        rec: &TrialRecord,
        constants: &WeeklyConstants,
        totals: &[Option<f64>; N_TOTALS],
        baseline: &[Option<f64>; N_TOTALS],
    ) {
        self.trials += 1;
        self.add_weekly(rec, constants);
        self.add_totals(rec, totals, baseline, false);
        for (s, row) in rec.by_state.iter().enumerate() {
            for (m, v) in row.iter().enumerate() {
                self.states[s * N_STATE_METRICS + m].add_grid(*v as i64);
            }
        }
        for (dir, row) in rec.by_direction.iter().enumerate() {
            let ds = &mut self.directions[dir];
            ds.attempts.add_grid(row[0] as i64);
            ds.detections.add_grid(row[1] as i64);
            ds.outcomes.add(row[2], row[3]);
        }
    }

    /// Adds one trial's totals, its attack flag and its paired differences
    /// with the baseline.
    /// The totals of [`CONSTANT_TOTALS`] are left out with `constants_later`
    /// (to be added as copies).
    pub(super) fn add_totals(
        &mut self,
        rec: &TrialRecord,
        totals: &[Option<f64>; N_TOTALS],
        baseline: &[Option<f64>; N_TOTALS],
        constants_later: bool,
    ) {
        for (i, x) in totals.iter().enumerate() {
            if constants_later && CONSTANT_TOTALS.contains(&i) {
                continue;
            }
            if let Some(x) = x {
                self.totals[i].add(*x);
            }
        }
        self.any_attack += u64::from(rec.first_attack_week.is_some());
        for (i, p) in self.paired.iter_mut().enumerate() {
            let (Some(v), Some(b)) = (totals[i], baseline[i]) else {
                continue;
            };
            let grid = TOTALS[i].grid;
            p.diff.add_grid(grid.quantize(v) - grid.quantize(b));
            if v == b {
                p.ties += 1;
            } else if let Some(lower) = TOTALS[i].lower_is_better {
                p.better += u64::from((v < b) == lower);
            }
        }
    }

    fn add_weekly(&mut self, rec: &TrialRecord, constants: &WeeklyConstants) {
        let (nc, nl) = (Counter::ALL.len(), Level::ALL.len());
        let (mut attacks, mut entries, mut severity) = (0u64, 0u64, 0u64);
        for t in 0..self.weeks {
            let row = &mut self.weekly[t * N_WEEKLY..(t + 1) * N_WEEKLY];
            let c = &rec.counters[t];
            for (dist, &n) in row[..nc].iter_mut().zip(c) {
                dist.add_count(n);
            }
            for (dist, &n) in row[nc..nc + nl].iter_mut().zip(&rec.levels[t]) {
                dist.add_count(n);
            }
            attacks += c[Counter::Attacks as usize];
            entries += c[Counter::Entries as usize];
            severity = severity.saturating_add(c[Counter::Severity as usize]);
            // WEEKLY_EXTRA: two constants, then four counts.
            let extra = &mut row[nc + nl..];
            for (dist, c) in extra[..2].iter_mut().zip(&constants.weeks[t]) {
                dist.add_constant(c);
            }
            let attacked = rec.first_attack_week.is_some_and(|w| w as usize <= t);
            let counts = [attacks, entries, severity, u64::from(attacked)];
            for (dist, n) in extra[2..].iter_mut().zip(counts) {
                dist.add_count(n);
            }
        }
    }

    /// Adds everything `other` has seen.
    pub fn merge(&mut self, o: &VariantStats) {
        for (a, b) in self.weekly.iter_mut().zip(&o.weekly) {
            a.merge(b);
        }
        for (a, b) in self.totals.iter_mut().zip(&o.totals) {
            a.merge(b);
        }
        self.any_attack += o.any_attack;
        self.trials += o.trials;
        for (a, b) in self.states.iter_mut().zip(&o.states) {
            a.merge(b);
        }
        for (a, b) in self.directions.iter_mut().zip(&o.directions) {
            a.attempts.merge(&b.attempts);
            a.detections.merge(&b.detections);
            a.outcomes.merge(&b.outcomes);
        }
        for (a, b) in self.paired.iter_mut().zip(&o.paired) {
            a.diff.merge(&b.diff);
            a.better += b.better;
            a.ties += b.ties;
        }
    }

    /// Weekly distribution of metric `m` in week `t`.
    pub fn weekly(&self, t: usize, m: usize) -> &Distribution {
        &self.weekly[t * N_WEEKLY + m]
    }
}

/// Statistics of a whole run: one entry per variant, baseline first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunStats {
    pub variants: Vec<VariantStats>,
}

impl RunStats {
    /// Adds everything `other` has seen.
    pub fn merge(&mut self, other: &RunStats) {
        for (a, b) in self.variants.iter_mut().zip(&other.variants) {
            a.merge(b);
        }
    }
}

#[cfg(test)]
mod tests {
    //! [`VariantStats::add`] and [`trial_totals`] against sums taken straight
    //! from the trials' records. The fold's tests compare it with `add`, so
    //! what both share (the totals, the constants) is pinned here.
    use ethnum::U256;

    use super::*;
    use crate::model::{Theatre, Workspace, run_trial};
    use crate::scenario::load_str;

    /// The weekly metrics, in `weekly.csv`'s order: every counter, every
    /// level, then the derived ones, each once.
    #[test]
    fn weekly_metrics_are_the_counters_the_levels_and_the_extras_in_order() {
        let names: Vec<&str> = (0..N_WEEKLY).map(weekly_name).collect();
        let want: Vec<&str> = Counter::ALL
            .iter()
            .map(|c| c.name())
            .chain(Level::ALL.iter().map(|l| l.name()))
            .chain(WEEKLY_EXTRA)
            .collect();
        assert_eq!(names, want);
        let distinct: std::collections::HashSet<_> = names.iter().collect();
        assert_eq!(distinct.len(), N_WEEKLY);
    }

    /// Checks `m` holds exactly the values `xs` on its grid.
    fn holds(m: &Moments, xs: &[f64], what: &str) {
        let q: Vec<i64> = xs.iter().map(|&x| m.grid.quantize(x)).collect();
        holds_grid(m, &q, what);
    }

    /// Checks `m` holds exactly the grid points `q`.
    fn holds_grid(m: &Moments, q: &[i64], what: &str) {
        let sum_sq = q
            .iter()
            .fold(U256::ZERO, |a, &q| a + U256::from(q.unsigned_abs()).pow(2));
        assert_eq!(
            (m.n, m.sum, m.sum_sq),
            (
                q.len() as u64,
                q.iter().map(|&q| i128::from(q)).sum(),
                sum_sq
            ),
            "{what}"
        );
    }

    #[test]
    fn the_statistics_hold_the_trials_totals_weeks_states_borders_and_pairs() {
        let text = include_str!("../../tests/data/two_states.toml");
        let set = load_str("s.toml", "s", text, &["scenario.weeks=30".into()]).unwrap();
        let theatres: Vec<Theatre<'_>> = std::iter::once(&set.base)
            .chain(set.variants.iter().map(|v| &v.scenario))
            .map(Theatre::new)
            .collect();
        let s = &set.base;
        let (weeks, n_dirs) = (s.weeks as usize, 2 * s.borders.len());
        let trials = 40;
        let mut work = Workspace::default();
        // recs[v][trial], and the statistics in two halves merged.
        let mut recs = vec![Vec::new(); theatres.len()];
        let mut all_totals = vec![Vec::new(); theatres.len()];
        let mut halves: Vec<[VariantStats; 2]> = (0..theatres.len())
            .map(|v| {
                std::array::from_fn(|_| VariantStats::new(weeks, s.states.len(), n_dirs, v == 0))
            })
            .collect();
        for trial in 0..trials {
            let mut totals = Vec::new();
            for (v, th) in theatres.iter().enumerate() {
                let mut rec = TrialRecord::default();
                run_trial(th, trial, &mut work, &mut rec);
                totals.push(trial_totals(&rec, &th.defences));
                recs[v].push(rec);
            }
            for (v, t) in totals.iter().enumerate() {
                all_totals[v].push(*t);
            }
            for (v, th) in theatres.iter().enumerate() {
                let constants = WeeklyConstants::new(&th.defences);
                let rec = &recs[v][trial as usize];
                halves[v][usize::from(trial >= trials / 2)]
                    .add(rec, &constants, &totals[v], &totals[0]);
            }
        }
        let mut attacked_somewhere = false;
        let mut paired_differences_seen = false;
        for (v, th) in theatres.iter().enumerate() {
            let d = &th.defences;
            let [mut stats, second] = halves[v].clone();
            stats.merge(&second);
            let recs = &recs[v];
            assert_eq!(stats.trials, trials);
            let attacked = recs
                .iter()
                .filter(|r| r.first_attack_week.is_some())
                .count();
            assert_eq!(stats.any_attack, attacked as u64, "variant {v}");
            attacked_somewhere |= attacked > 0;

            // Totals: counters summed over weeks, levels at the end, the
            // variant's means of readiness and intelligence, its spend.
            let per_week_mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
            let mut expected: Vec<Vec<f64>> = vec![Vec::new(); N_TOTALS];
            for r in recs {
                for (i, c) in Counter::ALL.iter().enumerate() {
                    let sum: u64 = r.counters.iter().map(|w| w[*c as usize]).sum();
                    expected[i].push(sum as f64);
                }
                let nc = Counter::ALL.len();
                for (i, l) in Level::ALL.iter().enumerate() {
                    expected[nc + i].push(r.levels[weeks - 1][*l as usize] as f64);
                }
                expected[15].push(per_week_mean(&d.readiness_mean));
                expected[16].push(per_week_mean(&d.intel_effect_mean));
                expected[18].push(d.spend);
                if let Some(w) = r.first_attack_week {
                    expected[FIRST_ATTACK].push(f64::from(w));
                }
                expected[19].push(r.alive_start as f64);
            }
            assert!(d.spend > 0.0 && expected[15][0] > 0.0 && expected[16][0] > 0.0);
            for (i, xs) in expected.iter().enumerate() {
                holds(
                    &stats.totals[i].moments,
                    xs,
                    &format!("variant {v}, total {}", TOTALS[i].name),
                );
            }

            // Weekly: each week's counters, levels, constants, running sums
            // and whether an attack has happened yet.
            let nl = Level::ALL.len();
            let nc = Counter::ALL.len();
            for t in [0, weeks / 2, weeks - 1] {
                for (m, c) in Counter::ALL.iter().enumerate() {
                    let xs: Vec<f64> = recs
                        .iter()
                        .map(|r| r.counters[t][*c as usize] as f64)
                        .collect();
                    holds(
                        &stats.weekly(t, m).moments,
                        &xs,
                        &format!("week {t}, {}", weekly_name(m)),
                    );
                }
                for (i, l) in Level::ALL.iter().enumerate() {
                    let xs: Vec<f64> = recs
                        .iter()
                        .map(|r| r.levels[t][*l as usize] as f64)
                        .collect();
                    holds(
                        &stats.weekly(t, nc + i).moments,
                        &xs,
                        &format!("week {t}, {}", l.name()),
                    );
                }
                let extra = nc + nl;
                let every = |x: f64| vec![x; trials as usize];
                holds(
                    &stats.weekly(t, extra).moments,
                    &every(d.readiness_mean[t]),
                    "readiness",
                );
                holds(
                    &stats.weekly(t, extra + 1).moments,
                    &every(d.intel_effect_mean[t]),
                    "intel",
                );
                let up_to = |r: &TrialRecord, c: Counter| -> f64 {
                    r.counters[..=t].iter().map(|w| w[c as usize]).sum::<u64>() as f64
                };
                for (k, c) in [Counter::Attacks, Counter::Entries, Counter::Severity]
                    .into_iter()
                    .enumerate()
                {
                    let xs: Vec<f64> = recs.iter().map(|r| up_to(r, c)).collect();
                    holds(
                        &stats.weekly(t, extra + 2 + k).moments,
                        &xs,
                        &format!("week {t}, cumulative {k}"),
                    );
                }
                let xs: Vec<f64> = recs
                    .iter()
                    .map(|r| {
                        f64::from(u8::from(
                            r.first_attack_week.is_some_and(|w| w as usize <= t),
                        ))
                    })
                    .collect();
                holds(&stats.weekly(t, P_ANY_ATTACK).moments, &xs, "p_any_attack");
            }

            // States and border directions, summed over the trial.
            for (si, _) in s.states.iter().enumerate() {
                for m in 0..N_STATE_METRICS {
                    let xs: Vec<f64> = recs.iter().map(|r| r.by_state[si][m] as f64).collect();
                    holds(&stats.states[si * N_STATE_METRICS + m], &xs, "state");
                }
            }
            for dir in 0..n_dirs {
                let col = |k: usize| -> Vec<f64> {
                    recs.iter().map(|r| r.by_direction[dir][k] as f64).collect()
                };
                let ds = &stats.directions[dir];
                holds(&ds.attempts, &col(0), "attempts");
                holds(&ds.detections, &col(1), "detections");
                holds(&ds.outcomes.x, &col(2), "interdictions");
                holds(&ds.outcomes.y, &col(3), "crossings");
            }

            // Paired with the baseline's same trial: the differences, the
            // trials the variant did better in, and the ties.
            if v == 0 {
                assert!(stats.paired.is_empty());
                continue;
            }
            for (i, t) in TOTALS.iter().enumerate() {
                let pairs: Vec<(f64, f64)> = (0..trials as usize)
                    .filter_map(|k| Some((all_totals[v][k][i]?, all_totals[0][k][i]?)))
                    .collect();
                let q: Vec<i64> = pairs
                    .iter()
                    .map(|&(x, b)| t.grid.quantize(x) - t.grid.quantize(b))
                    .collect();
                holds_grid(
                    &stats.paired[i].diff,
                    &q,
                    &format!("variant {v}, paired {}", t.name),
                );
                let ties = pairs.iter().filter(|(x, b)| x == b).count() as u64;
                let better = match t.lower_is_better {
                    Some(lower) => pairs
                        .iter()
                        .filter(|(x, b)| x != b && (x < b) == lower)
                        .count() as u64,
                    None => 0,
                };
                assert_eq!(
                    (stats.paired[i].ties, stats.paired[i].better),
                    (ties, better),
                    "variant {v}, paired {}",
                    t.name
                );
            }
            paired_differences_seen |= stats.paired[8].better > 0 && stats.paired[8].ties > 0;
        }
        assert!(attacked_somewhere, "the test scenario must have attacks");
        assert!(
            paired_differences_seen,
            "a variant must beat the baseline in some trials and tie in others"
        );
    }
}
