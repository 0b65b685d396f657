//! What one trial records (MODEL.md §5): weekly counters and levels, the
//! first attack, and totals by member state and by border direction.

/// Weekly event counters, summed over all segments and regions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    NewCells,
    Attempts,
    Detections,
    BorderInterdictions,
    Entries,
    IndirectEntries,
    NewlyEstablished,
    InteriorInterdictions,
    Attacks,
    Severity,
    Abandoned,
    Dissolved,
}

impl Counter {
    pub const ALL: [Counter; 12] = [
        Counter::NewCells,
        Counter::Attempts,
        Counter::Detections,
        Counter::BorderInterdictions,
        Counter::Entries,
        Counter::IndirectEntries,
        Counter::NewlyEstablished,
        Counter::InteriorInterdictions,
        Counter::Attacks,
        Counter::Severity,
        Counter::Abandoned,
        Counter::Dissolved,
    ];

    /// Column and metric name.
    pub fn name(self) -> &'static str {
        match self {
            Counter::NewCells => "new_cells",
            Counter::Attempts => "attempts",
            Counter::Detections => "detections",
            Counter::BorderInterdictions => "border_interdictions",
            Counter::Entries => "entries",
            Counter::IndirectEntries => "indirect_entries",
            Counter::NewlyEstablished => "newly_established",
            Counter::InteriorInterdictions => "interior_interdictions",
            Counter::Attacks => "attacks",
            Counter::Severity => "severity",
            Counter::Abandoned => "abandoned",
            Counter::Dissolved => "dissolved",
        }
    }
}

/// Levels at the end of each week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Alive,
    CellsInAlliance,
    Established,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Alive, Level::CellsInAlliance, Level::Established];

    /// Metric name.
    pub fn name(self) -> &'static str {
        match self {
            Level::Alive => "alive",
            Level::CellsInAlliance => "cells_in_alliance",
            Level::Established => "established",
        }
    }
}

/// Per member state: what happened there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateMetric {
    Attacks,
    Severity,
    Entries,
    BorderInterdictions,
    InteriorInterdictions,
}

impl StateMetric {
    pub const ALL: [StateMetric; 5] = [
        StateMetric::Attacks,
        StateMetric::Severity,
        StateMetric::Entries,
        StateMetric::BorderInterdictions,
        StateMetric::InteriorInterdictions,
    ];

    /// Metric name.
    pub fn name(self) -> &'static str {
        match self {
            StateMetric::Attacks => "attacks",
            StateMetric::Severity => "severity",
            StateMetric::Entries => "entries",
            StateMetric::BorderInterdictions => "border_interdictions",
            StateMetric::InteriorInterdictions => "interior_interdictions",
        }
    }
}

/// Per border segment and direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectionMetric {
    Attempts,
    Detections,
    Interdictions,
    Crossings,
}

impl DirectionMetric {
    pub const ALL: [DirectionMetric; 4] = [
        DirectionMetric::Attempts,
        DirectionMetric::Detections,
        DirectionMetric::Interdictions,
        DirectionMetric::Crossings,
    ];

    /// Metric name.
    pub fn name(self) -> &'static str {
        match self {
            DirectionMetric::Attempts => "attempts",
            DirectionMetric::Detections => "detections",
            DirectionMetric::Interdictions => "interdictions",
            DirectionMetric::Crossings => "crossings",
        }
    }
}

pub const N_COUNTERS: usize = Counter::ALL.len();
pub const N_LEVELS: usize = Level::ALL.len();
pub const N_STATE_METRICS: usize = StateMetric::ALL.len();
pub const N_DIRECTION_METRICS: usize = DirectionMetric::ALL.len();

/// Which per-state and per-direction counts a record keeps week by week.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Detail {
    pub states: bool,
    pub directions: bool,
}

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
        self.state_weeks.clear();
        self.direction_weeks.clear();
        if self.weekly_detail.states {
            self.state_weeks
                .resize(weeks * states, [0; N_STATE_METRICS]);
        }
        if self.weekly_detail.directions {
            self.direction_weeks
                .resize(weeks * directions, [0; N_DIRECTION_METRICS]);
        }
    }

    /// Adds one to metric `m` of member state `s` in week `t`.
    #[inline]
    pub fn add_state(&mut self, t: usize, s: usize, m: StateMetric, n: u64) {
        let total = &mut self.by_state[s][m as usize];
        *total = total.saturating_add(n);
        if self.weekly_detail.states {
            let states = self.by_state.len();
            let week = &mut self.state_weeks[t * states + s][m as usize];
            *week = week.saturating_add(n);
        }
    }

    /// Adds one to metric `m` of direction `d` in week `t`.
    #[inline]
    pub fn add_direction(&mut self, t: usize, d: usize, m: DirectionMetric) {
        self.by_direction[d][m as usize] += 1;
        if self.weekly_detail.directions {
            let directions = self.by_direction.len();
            self.direction_weeks[t * directions + d][m as usize] += 1;
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
