//! The names of what a trial counts: weekly counters, end-of-week levels,
//! and the counts kept per member state and per border direction. Scenario
//! files name them (`[[observed]]`, `--metric`); the model counts them
//! ([`crate::model::TrialRecord`]).

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
    /// The counter called `name` (see [`find`]).
    pub fn parse(name: &str) -> Option<Counter> {
        find(name, Self::ALL.iter().map(|&m| (m.name(), m)))
    }

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
    /// The state metric called `name` (see [`find`]).
    pub fn parse(name: &str) -> Option<StateMetric> {
        find(name, Self::ALL.iter().map(|&m| (m.name(), m)))
    }

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
    /// The direction metric called `name` (see [`find`]).
    pub fn parse(name: &str) -> Option<DirectionMetric> {
        find(name, Self::ALL.iter().map(|&m| (m.name(), m)))
    }

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

/// The meaning of the metric called `name` among `known` (name, meaning)
/// pairs: the one place a metric name becomes what it measures, for
/// scenario files and `--metric` flags alike.
pub fn find<T>(name: &str, known: impl IntoIterator<Item = (&'static str, T)>) -> Option<T> {
    known.into_iter().find(|(n, _)| *n == name).map(|(_, m)| m)
}

/// The one message for a metric name that is not among `valid`:
/// "unknown metric `X`; did you mean `Y`? valid: ...".
pub fn unknown(name: &str, valid: &[&str]) -> String {
    let hint = super::diagnostic::closest(name, valid.iter().copied())
        .map_or(String::new(), |c| format!(" did you mean `{c}`?"));
    format!("unknown metric `{name}`;{hint} valid: {}", valid.join(", "))
}

/// [`find`], or invalid input with the [`unknown`] message.
pub fn resolve<T: Copy>(name: &str, known: &[(&'static str, T)]) -> crate::error::Result<T> {
    find(name, known.iter().copied()).ok_or_else(|| {
        let valid: Vec<&str> = known.iter().map(|(n, _)| *n).collect();
        crate::error::Error::Invalid(unknown(name, &valid))
    })
}
