//! What one trial records (docs/model.md §5): weekly counters and levels, the
//! first attack, and totals by member state and by border direction.

pub(crate) use crate::scenario::metric::{
    Counter, Detail, DirectionMetric, Level, N_COUNTERS, N_DIRECTION_METRICS, N_LEVELS,
    N_STATE_METRICS, StateMetric,
};
use crate::scenario::observed::{Observation, Observed};

/// Everything one trial of one variant produced. Reused across trials
/// (see [`TrialRecord::reset`]) so the hot loop does not allocate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrialRecord {
    /// `counters[t][c]`.
    pub counters: Vec<[u64; N_COUNTERS]>,
    /// `levels[t][l]`.
    pub levels: Vec<[u64; N_LEVELS]>,
    /// Week (0-based) of the first attack, if any.
    pub first_attack_week: Option<u32>,
    /// Cells alive when week 0 begins: those the warm-up left (0 without
    /// one).
    pub alive_start: u64,
    /// `by_state[s][m]`, indexed by state (non-members stay 0).
    pub by_state: Vec<[u64; N_STATE_METRICS]>,
    /// `by_direction[d][m]`, indexed by direction (`2b`: a>b, `2b+1`: b>a).
    pub by_direction: Vec<[u64; N_DIRECTION_METRICS]>,
    /// Which counts to keep week by week too (for observed series; off
    /// in ordinary runs). Survives `reset`.
    pub weekly_detail: Detail,
    /// `state_weeks[t · states + s][m]`, when `weekly_detail`.
    state_weeks: Vec<[u64; N_STATE_METRICS]>,
    /// `direction_weeks[t · directions + d][m]`, when `weekly_detail`.
    direction_weeks: Vec<[u64; N_DIRECTION_METRICS]>,
    /// The entries of `state_weeks` and `direction_weeks` this trial made
    /// non-zero, so that [`TrialRecord::reset`] clears those alone (a
    /// trial touches a few hundred of the tens of thousands; clearing them
    /// all cost about a tenth of a calibration trial).
    state_dirty: Vec<usize>,
    direction_dirty: Vec<usize>,
}

impl TrialRecord {
    /// Clears the record for a trial of `weeks` weeks.
    pub fn reset(&mut self, weeks: usize, states: usize, directions: usize) {
        self.counters.clear();
        self.counters.resize(weeks, [0; N_COUNTERS]);
        self.levels.clear();
        self.levels.resize(weeks, [0; N_LEVELS]);
        self.first_attack_week = None;
        self.alive_start = 0;
        self.by_state.clear();
        self.by_state.resize(states, [0; N_STATE_METRICS]);
        self.by_direction.clear();
        self.by_direction
            .resize(directions, [0; N_DIRECTION_METRICS]);
        let want = |on: bool, n: usize| if on { n } else { 0 };
        clear_weeks(
            &mut self.state_weeks,
            &mut self.state_dirty,
            want(self.weekly_detail.states, weeks * states),
        );
        clear_weeks(
            &mut self.direction_weeks,
            &mut self.direction_dirty,
            want(self.weekly_detail.directions, weeks * directions),
        );
    }

    /// Adds one to metric `m` of member state `s` in week `t`.
    #[inline]
    pub fn add_state(&mut self, t: usize, s: usize, m: StateMetric, n: u64) {
        let total = &mut self.by_state[s][m as usize];
        *total = total.saturating_add(n);
        if self.weekly_detail.states {
            let at = t * self.by_state.len() + s;
            let entry = &mut self.state_weeks[at];
            if *entry == [0; N_STATE_METRICS] {
                self.state_dirty.push(at);
            }
            entry[m as usize] = entry[m as usize].saturating_add(n);
        }
    }

    /// Adds one to metric `m` of direction `d` in week `t`.
    #[inline]
    pub fn add_direction(&mut self, t: usize, d: usize, m: DirectionMetric) {
        self.by_direction[d][m as usize] += 1;
        if self.weekly_detail.directions {
            let at = t * self.by_direction.len() + d;
            let entry = &mut self.direction_weeks[at];
            if *entry == [0; N_DIRECTION_METRICS] {
                self.direction_dirty.push(at);
            }
            entry[m as usize] += 1;
        }
    }

    /// State `s`'s counts in week `t` (zeros without `weekly_detail`).
    pub fn state_week(&self, t: usize, s: usize) -> [u64; N_STATE_METRICS] {
        self.state_weeks
            .get(t * self.by_state.len() + s)
            .copied()
            .unwrap_or_default()
    }

    /// Direction `d`'s counts in week `t` (zeros without `weekly_detail`).
    pub fn direction_week(&self, t: usize, d: usize) -> [u64; N_DIRECTION_METRICS] {
        self.direction_weeks
            .get(t * self.by_direction.len() + d)
            .copied()
            .unwrap_or_default()
    }

    /// Total of a counter over all weeks.
    pub fn total(&self, c: Counter) -> u64 {
        // Saturating: see the severity count in `trial.rs`.
        self.counters
            .iter()
            .fold(0, |sum, w| sum.saturating_add(w[c as usize]))
    }

    /// A level at the end of the last week.
    pub fn end(&self, l: Level) -> u64 {
        self.levels.last().map_or(0, |w| w[l as usize])
    }

    /// The conservation identity of §5, with the cells the warm-up left:
    /// alive_start + new_cells = alive_end + border_interdictions +
    /// interior_interdictions + abandoned + dissolved.
    pub fn conserves_cells(&self) -> bool {
        self.alive_start + self.total(Counter::NewCells)
            == self.end(Level::Alive)
                + self.total(Counter::BorderInterdictions)
                + self.total(Counter::InteriorInterdictions)
                + self.total(Counter::Abandoned)
                + self.total(Counter::Dissolved)
    }
}

/// Makes `weeks` `len` entries of zeros: when it has that length already,
/// by zeroing only the entries listed in `dirty` (every other one is zero
/// still), else by clearing it whole.
fn clear_weeks<const N: usize>(weeks: &mut Vec<[u64; N]>, dirty: &mut Vec<usize>, len: usize) {
    if weeks.len() == len {
        for &i in dirty.iter() {
            weeks[i] = [0; N];
        }
    } else {
        weeks.clear();
        weeks.resize(len, [0; N]);
    }
    dirty.clear();
}

/// What an observed series counts, read from a trial's record.
impl Observation {
    /// The simulated counterpart of period `k` in one trial: the counter
    /// summed over the period's weeks (needs a record kept with
    /// [`TrialRecord::weekly_detail`] for state and direction series).
    pub fn simulated(&self, rec: &TrialRecord, k: usize) -> u64 {
        let (from, to) = self.weeks(k);
        (from..to)
            .map(|t| match self.what {
                Observed::Alliance(c) => rec.counters[t as usize][c as usize],
                Observed::State(m, s) => rec.state_week(t as usize, s)[m as usize],
                Observed::Direction(m, d) => rec.direction_week(t as usize, d)[m as usize],
            })
            .fold(0u64, u64::saturating_add)
    }

    /// The per-week counts a record must keep for these series.
    pub fn detail(series: &[Observation]) -> Detail {
        Detail {
            states: series.iter().any(|o| matches!(o.what, Observed::State(..))),
            directions: series
                .iter()
                .any(|o| matches!(o.what, Observed::Direction(..))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record reused across trials reads like a fresh one: the entries
    /// the last trial wrote are cleared, and a new shape clears all.
    #[test]
    fn a_reused_record_clears_what_the_last_trial_wrote() {
        let detail = Detail {
            states: true,
            directions: true,
        };
        let mut rec = TrialRecord {
            weekly_detail: detail,
            ..TrialRecord::default()
        };
        rec.reset(10, 3, 4);
        rec.add_state(2, 1, StateMetric::Attacks, 2);
        rec.add_state(2, 1, StateMetric::Entries, 1);
        rec.add_state(9, 2, StateMetric::Severity, 5);
        rec.add_direction(3, 3, DirectionMetric::Crossings);
        assert_eq!(rec.state_week(2, 1)[StateMetric::Attacks as usize], 2);
        rec.reset(10, 3, 4);
        let mut fresh = TrialRecord {
            weekly_detail: detail,
            ..TrialRecord::default()
        };
        fresh.reset(10, 3, 4);
        for t in 0..10 {
            for s in 0..3 {
                assert_eq!(rec.state_week(t, s), [0; N_STATE_METRICS]);
            }
            for d in 0..4 {
                assert_eq!(rec.direction_week(t, d), [0; N_DIRECTION_METRICS]);
            }
        }
        rec.add_state(4, 0, StateMetric::Attacks, 1);
        rec.reset(12, 3, 4);
        assert_eq!(rec.state_weeks.len(), 36);
        assert!(rec.state_weeks.iter().all(|w| *w == [0; N_STATE_METRICS]));
        fresh.reset(12, 3, 4);
        assert_eq!(rec, fresh);
    }

    /// Each week's state and direction counts land in their own entry and
    /// read back from it, the totals add them over the weeks, and a series
    /// sums its periods' weeks.
    #[test]
    fn weekly_counts_land_where_they_were_added_and_series_sum_them() {
        let (weeks, states, dirs) = (6, 3, 4);
        let mut rec = TrialRecord {
            weekly_detail: Detail {
                states: true,
                directions: true,
            },
            ..TrialRecord::default()
        };
        rec.reset(weeks, states, dirs);
        let times = |t: usize, i: usize, m: usize| ((1 + t + 2 * i + 3 * m) % 5) as u64;
        let direction_metrics = [
            DirectionMetric::Attempts,
            DirectionMetric::Detections,
            DirectionMetric::Interdictions,
            DirectionMetric::Crossings,
        ];
        for (t, d) in (0..weeks).flat_map(|t| (0..dirs).map(move |d| (t, d))) {
            for (m, &metric) in direction_metrics.iter().enumerate() {
                for _ in 0..times(t, d, m) {
                    rec.add_direction(t, d, metric);
                }
            }
            for (m, &metric) in StateMetric::ALL.iter().enumerate().take(2) {
                rec.add_state(t, d % states, metric, times(t, d, m));
            }
        }
        for d in 0..dirs {
            for m in 0..N_DIRECTION_METRICS {
                let total: u64 = (0..weeks).map(|t| times(t, d, m)).sum();
                assert_eq!(rec.by_direction[d][m], total, "direction {d}, metric {m}");
                for t in 0..weeks {
                    assert_eq!(
                        rec.direction_week(t, d)[m],
                        times(t, d, m),
                        "({t}, {d}, {m})"
                    );
                }
            }
        }
        for (t, s) in (0..weeks).flat_map(|t| (0..states).map(move |s| (t, s))) {
            for m in 0..2 {
                let want: u64 = (0..dirs)
                    .filter(|d| d % states == s)
                    .map(|d| times(t, d, m))
                    .sum();
                assert_eq!(rec.state_week(t, s)[m], want, "state ({t}, {s}, {m})");
            }
        }
        // Crossings on direction 3 in weeks [1, 3) and [3, 5).
        let series = Observation {
            what: Observed::Direction(DirectionMetric::Crossings, 3),
            label: "crossings".into(),
            period_weeks: 2,
            start_week: 1,
            counts: vec![0, 0],
            source: String::new(),
        };
        for k in 0..2 {
            let want = times(1 + 2 * k, 3, 3) + times(2 + 2 * k, 3, 3);
            assert_eq!(series.simulated(&rec, k), want, "period {k}");
        }
    }

    /// A record keeps week by week only what its series count.
    #[test]
    fn series_ask_for_the_weekly_detail_they_count() {
        let series = |what| Observation {
            what,
            label: String::new(),
            period_weeks: 52,
            start_week: 0,
            counts: vec![1],
            source: String::new(),
        };
        let state = series(Observed::State(StateMetric::Attacks, 1));
        let direction = series(Observed::Direction(DirectionMetric::Crossings, 0));
        let alliance = series(Observed::Alliance(Counter::Attacks));
        let detail = |s: &[&Observation]| {
            Observation::detail(&s.iter().map(|o| (*o).clone()).collect::<Vec<_>>())
        };
        let d = |states, directions| Detail { states, directions };
        assert_eq!(detail(&[&alliance]), d(false, false));
        assert_eq!(detail(&[&alliance, &state]), d(true, false));
        assert_eq!(detail(&[&direction]), d(false, true));
        assert_eq!(detail(&[&state, &direction]), d(true, true));
    }

    /// alive at the start + new = alive at the end + every removal.
    #[test]
    fn conservation_holds_exactly_when_every_cell_is_accounted_for() {
        let mut rec = TrialRecord::default();
        rec.reset(2, 0, 0);
        rec.alive_start = 3;
        rec.counters[0][Counter::NewCells as usize] = 5;
        rec.counters[1][Counter::BorderInterdictions as usize] = 1;
        rec.counters[0][Counter::InteriorInterdictions as usize] = 1;
        rec.counters[1][Counter::Abandoned as usize] = 1;
        rec.counters[1][Counter::Dissolved as usize] = 1;
        rec.levels[1][Level::Alive as usize] = 4;
        assert!(rec.conserves_cells());
        rec.levels[1][Level::Alive as usize] = 5;
        assert!(!rec.conserves_cells(), "one cell too many at the end");
        rec.levels[1][Level::Alive as usize] = 4;
        rec.counters[0][Counter::Dissolved as usize] = 1;
        assert!(!rec.conserves_cells(), "one removal too many");
    }
}
