//! One trial re-run with every cell event recorded: the data behind
//! `events.csv`, `cells.csv`, `trace.html` and the still, with nothing
//! written yet.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::engine::TrialRow;
use crate::model::{
    CellKey, Event, EventKind, EventLog, Theatre, TrialRecord, Workspace, run_trial_with,
};
use crate::scenario::Scenario;
use crate::stats::aggregate::{N_TOTALS, trial_totals};

/// A traced trial of the baseline and the chosen variants.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    pub trial: u64,
    /// Recorded weeks.
    pub weeks: u32,
    /// Warm-up weeks run before week 0; their events have negative weeks.
    pub warmup: u32,
    /// The source regions' ids, in the order of [`CellKey::source`].
    pub sources: Vec<String>,
    /// Baseline first.
    pub variants: Vec<VariantTrace>,
}

/// One variant's events in the traced trial.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantTrace {
    pub name: String,
    /// Every event, in the order it happened.
    pub events: Vec<(CellKey, Event)>,
    /// The trial's totals as `trials.csv` has them.
    pub totals: [Option<f64>; N_TOTALS],
}

/// Runs trial `trial` of each scenario in `chosen` (name, scenario;
/// baseline first) with a recorder: the same draws as `cordon run`.
pub fn trace_trial(chosen: &[(String, &Scenario)], trial: u64) -> Trace {
    let base = chosen[0].1;
    let variants = chosen
        .iter()
        .map(|(name, s)| {
            let th = Theatre::new(s);
            let mut work = Workspace::<CellKey>::default();
            let mut rec = TrialRecord::default();
            let mut log = EventLog::default();
            run_trial_with(&th, trial, &mut work, &mut rec, &mut log);
            VariantTrace {
                name: name.clone(),
                events: log.events,
                totals: trial_totals(&rec, &th.defences),
            }
        })
        .collect();
    Trace {
        trial,
        weeks: base.weeks,
        warmup: base.warmup_weeks,
        sources: base
            .network
            .sources
            .iter()
            .map(|&r| base.regions[r].id.clone())
            .collect(),
        variants,
    }
}

impl Trace {
    /// The recorded week of an event (negative in the warm-up).
    pub fn week(&self, e: &Event) -> i64 {
        i64::from(e.run_week) - i64::from(self.warmup)
    }

    /// A cell's stable id: source region, week of spawn counted from the
    /// first warm-up week, index in that week's spawn (`AFG_NE-w12-3`).
    pub fn cell_id(&self, key: &CellKey) -> String {
        let source = self
            .sources
            .get(key.source as usize)
            .map_or("?", String::as_str);
        format!("{source}-w{}-{}", key.week, key.index)
    }

    /// The totals of one row of `trials.csv`, for `trial.csv`.
    pub fn row(&self) -> TrialRow {
        TrialRow {
            trial: self.trial,
            totals: self.variants.iter().map(|v| v.totals).collect(),
        }
    }
}

/// What became of a cell by the end of the trial.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CellStory {
    pub key: CellKey,
    /// Its events, in order.
    pub events: Vec<Event>,
    /// The regions it stood in, with the run week it arrived.
    pub route: Vec<(u32, u32)>,
    /// Its target region.
    pub target: Option<u32>,
    /// The event that removed it, if any.
    pub end: Option<Event>,
    pub established: Option<u32>,
    pub attacks: u64,
    pub severity: u64,
}

impl CellStory {
    /// How the cell ended: its removing event, else `alive`.
    pub(crate) fn fate(&self) -> &'static str {
        self.end.map_or("alive", |e| e.kind.name())
    }
}

/// The variant's cells in order of spawn, each with its story.
pub(crate) fn stories(v: &VariantTrace) -> Vec<CellStory> {
    let mut order: Vec<CellKey> = Vec::new();
    let mut by_key: HashMap<CellKey, CellStory> = HashMap::new();
    for (key, e) in &v.events {
        let story = by_key.entry(*key).or_insert_with(|| {
            order.push(*key);
            CellStory {
                key: *key,
                events: Vec::new(),
                route: vec![(e.run_week, e.region)],
                target: None,
                end: None,
                established: None,
                attacks: 0,
                severity: 0,
            }
        });
        story.events.push(*e);
        match e.kind {
            EventKind::Spawned => story.target = e.to,
            EventKind::Established => story.established = Some(e.run_week),
            EventKind::Attacked => {
                story.attacks += 1;
                story.severity = story.severity.saturating_add(e.severity);
            }
            k if k.moves_the_cell() => story.route.extend(e.to.map(|to| (e.run_week, to))),
            k if k.ends_the_cell() => story.end = Some(*e),
            _ => {}
        }
    }
    order
        .into_iter()
        .filter_map(|k| by_key.remove(&k))
        .collect()
}

/// The run week from which `a`'s events differ from `b`'s (`None`: the
/// same throughout): the week of the first event where they part, or
/// where one story goes on and the other has ended.
pub(crate) fn divergence(a: &[Event], b: &[Event]) -> Option<u32> {
    let same = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    match (a.get(same), b.get(same)) {
        (None, None) => None,
        (Some(x), Some(y)) => Some(x.run_week.min(y.run_week)),
        (Some(x), None) | (None, Some(x)) => Some(x.run_week),
    }
}

/// For every cell of `variant`, the run week its story leaves the
/// baseline's (a cell the baseline lacks parts at its spawn).
pub(crate) fn divergences(baseline: &[CellStory], variant: &[CellStory]) -> HashMap<CellKey, u32> {
    let base: HashMap<CellKey, &CellStory> = baseline.iter().map(|s| (s.key, s)).collect();
    variant
        .iter()
        .filter_map(|s| {
            let other = base.get(&s.key).map_or(&[][..], |b| &b.events[..]);
            divergence(&s.events, other).map(|w| (s.key, w))
        })
        .collect()
}

impl CellStory {
    /// Where the cell stands at the end of the `run_week`-th week, and
    /// whether it is established then; `None` before its spawn and from
    /// the week of its removal.
    pub(crate) fn at(&self, run_week: u32) -> Option<(u32, bool)> {
        if run_week < self.key.week || self.end.is_some_and(|e| e.run_week <= run_week) {
            return None;
        }
        let region = self
            .route
            .iter()
            .take_while(|&&(w, _)| w <= run_week)
            .last()
            .map(|&(_, r)| r)?;
        Some((region, self.established.is_some_and(|w| w <= run_week)))
    }
}

/// The trace's folder, inside a run folder traced with `--from`.
pub const TRACE_DIR: &str = "trace";

/// The summary file of a trace folder.
pub const TRACE_JSON: &str = "trace.json";

/// `trace.json`: what was traced, and a few totals per variant for the
/// report's "one trial" section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceSummary {
    pub cordon_version: String,
    pub command_line: String,
    pub scenario: String,
    pub seed: u64,
    pub trial: u64,
    /// How the trial was chosen, in a sentence.
    pub chosen: String,
    pub weeks: u32,
    pub warmup_weeks: u32,
    pub variants: Vec<VariantSummary>,
}

/// One variant's totals in the traced trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantSummary {
    pub name: String,
    /// Cells followed, warm-up spawns included.
    pub cells: usize,
    /// Cells whose story differs from the same cell's in the baseline.
    pub diverging_cells: usize,
    pub new_cells: f64,
    pub entries: f64,
    pub border_interdictions: f64,
    pub interior_interdictions: f64,
    pub attacks: f64,
    pub severity: f64,
}
