//! The one place where trials run in parallel.
//!
//! Trials go out in windows of consecutive indices. Within a window, rayon
//! runs every variant of each trial on one worker (so paired differences see
//! the same trial), folds it into that worker's own accumulator, and returns
//! the trial's totals. Windows end in index order, so `trials.csv` streams
//! out in order while per-trial weekly series are never all kept. Because
//! the accumulators are exact (see [`crate::stats::moments`]), merging the
//! workers' results gives the same bytes at any thread count.

pub mod points;
pub(crate) mod resources;
pub(crate) mod resume;
pub(crate) mod shard;

use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::model::{Theatre, TrialRecord, Workspace, run_trial};
use crate::stats::aggregate::{N_TOTALS, WeeklyConstants};
use crate::stats::fold::VariantFold;
use crate::stats::{RunStats, VariantStats};

/// Trials per window: enough work to keep every worker busy, few enough
/// totals to hold (about 150 bytes per trial and variant).
pub const WINDOW: u64 = 2048;

/// The totals of one trial, one entry per variant (baseline first).
#[derive(Debug, Clone, PartialEq)]
pub struct TrialRow {
    pub trial: u64,
    pub totals: Vec<[Option<f64>; N_TOTALS]>,
}

/// Why a run stopped early.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("interrupted")]
    Interrupted,
    #[error("cannot start {threads} worker threads: {source}")]
    Threads {
        threads: usize,
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
    #[error(transparent)]
    Sink(#[from] anyhow::Error),
}

/// A stopped engine is an interrupted command (nothing kept to resume);
/// any other engine failure is an error of its own.
impl From<EngineError> for crate::Error {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Interrupted => crate::Error::Interrupted(None),
            e => crate::Error::Other(e.into()),
        }
    }
}

/// What each worker keeps between trials.
struct Worker {
    /// Its statistics, one fold per variant (settled when read).
    folds: Vec<VariantFold>,
    work: Workspace,
    /// The record of the trial being run (each variant's is folded in as
    /// soon as it is run, while it is still in cache).
    record: TrialRecord,
}

/// Empty statistics for the variants in `theatres` (baseline first).
pub fn empty_stats(theatres: &[Theatre<'_>]) -> RunStats {
    let s = theatres[0].scenario;
    RunStats {
        variants: (0..theatres.len())
            .map(|v| {
                VariantStats::new(
                    s.weeks as usize,
                    s.states.len(),
                    2 * s.borders.len(),
                    v == 0,
                )
            })
            .collect(),
    }
}

/// Runs `trials` of every variant in `theatres` (baseline first) on
/// `threads` workers. `progress` is called once per finished trial; `sink`
/// receives each window's rows in trial order. Setting `cancel` stops the
/// run within one trial per worker.
pub fn run_trials(
    theatres: &[Theatre<'_>],
    trials: Range<u64>,
    threads: usize,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
    mut sink: impl FnMut(&[TrialRow]) -> anyhow::Result<()>,
) -> Result<RunStats, EngineError> {
    let base = empty_stats(theatres);
    run_trials_from(theatres, trials, threads, cancel, progress, base, |w| {
        sink(w.rows)
    })
}

/// One finished window of trials, as [`run_trials_from`] hands it out.
pub struct Window<'a> {
    /// The window's rows, in trial order.
    pub rows: &'a [TrialRow],
    /// The first trial not yet run.
    pub next_trial: u64,
    base: &'a RunStats,
    workers: &'a [Mutex<Worker>],
}

impl Window<'_> {
    /// Statistics of every trial up to `next_trial` (for checkpoints).
    pub fn snapshot(&self) -> RunStats {
        let mut total = self.base.clone();
        for w in self.workers {
            let mut w = w.lock().unwrap_or_else(|e| e.into_inner());
            for (all, fold) in total.variants.iter_mut().zip(&mut w.folds) {
                all.merge(fold.settled());
            }
        }
        total
    }
}

/// Like [`run_trials`], but adds to `base` (the statistics of trials run
/// before, when a run resumes) and hands each finished window to
/// `on_window`, which may take a snapshot of the statistics so far.
pub fn run_trials_from(
    theatres: &[Theatre<'_>],
    trials: Range<u64>,
    threads: usize,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
    base: RunStats,
    mut on_window: impl FnMut(&Window<'_>) -> anyhow::Result<()>,
) -> Result<RunStats, EngineError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|source| EngineError::Threads { threads, source })?;
    let workers = workers(&pool, &empty_stats(theatres));
    let constants: Vec<WeeklyConstants> = theatres
        .iter()
        .map(|th| WeeklyConstants::new(&th.defences))
        .collect();
    let mut start = trials.start;
    while start < trials.end {
        let end = (start + WINDOW).min(trials.end);
        let rows: Vec<Option<TrialRow>> = pool.install(|| {
            (start..end)
                .into_par_iter()
                .map(|trial| {
                    if cancel.load(Ordering::Relaxed) {
                        return None;
                    }
                    let me = rayon::current_thread_index().unwrap_or(0);
                    let mut guard = workers[me].lock().unwrap_or_else(|e| e.into_inner());
                    let row = run_one(theatres, &constants, trial, &mut guard);
                    progress(1);
                    Some(row)
                })
                .collect()
        });
        if cancel.load(Ordering::Relaxed) {
            return Err(EngineError::Interrupted);
        }
        let rows: Vec<TrialRow> = rows.into_iter().flatten().collect();
        on_window(&Window {
            rows: &rows,
            next_trial: end,
            base: &base,
            workers: &workers,
        })?;
        start = end;
    }
    Ok(merged(&pool, base, workers))
}

/// One worker per thread of `pool`, each starting from `empty`
/// statistics (one per variant).
fn workers(pool: &rayon::ThreadPool, empty: &RunStats) -> Vec<Mutex<Worker>> {
    (0..pool.current_num_threads())
        .map(|_| {
            Mutex::new(Worker {
                folds: empty
                    .variants
                    .iter()
                    .cloned()
                    .map(VariantFold::new)
                    .collect(),
                work: Workspace::default(),
                record: TrialRecord::default(),
            })
        })
        .collect()
}

/// `base` with every worker's statistics added (exact, so the order does
/// not matter). The workers settle their folds in parallel first.
fn merged(pool: &rayon::ThreadPool, mut base: RunStats, workers: Vec<Mutex<Worker>>) -> RunStats {
    pool.install(|| {
        workers.par_iter().for_each(|w| {
            let mut w = w.lock().unwrap_or_else(|e| e.into_inner());
            w.folds.iter_mut().for_each(VariantFold::settle);
        })
    });
    for w in workers {
        let w = w.into_inner().unwrap_or_else(|e| e.into_inner());
        for (all, fold) in base.variants.iter_mut().zip(w.folds) {
            all.merge(&fold.into_stats());
        }
    }
    base
}

/// Every variant of one trial, folded into the worker's statistics (the
/// baseline first, whose totals the variants' paired differences need).
fn run_one(
    theatres: &[Theatre<'_>],
    constants: &[WeeklyConstants],
    trial: u64,
    w: &mut Worker,
) -> TrialRow {
    let Worker {
        folds,
        work,
        record,
    } = w;
    let mut totals: Vec<[Option<f64>; N_TOTALS]> = Vec::with_capacity(theatres.len());
    for (v, th) in theatres.iter().enumerate() {
        run_trial(th, trial, work, record);
        let mine = folds[v].add(record, &constants[v], totals.first());
        totals.push(mine);
    }
    TrialRow { trial, totals }
}

/// Runs `f` with a pool of `threads` workers: every parallel map below
/// called inside it uses that pool.
pub fn with_pool<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> Result<R, EngineError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|source| EngineError::Threads { threads, source })?;
    Ok(pool.install(f))
}

/// `s` made ready to run, reusing the defences of `like` when the two
/// share them (most parameter points of a calibration or a posterior do).
pub fn prepared_like<'a>(s: &'a crate::scenario::Scenario, like: &Theatre<'_>) -> Theatre<'a> {
    if crate::model::Defences::shared_by(s, like.scenario) {
        Theatre::with_defences(s, like.defences.clone())
    } else {
        Theatre::new(s)
    }
}

/// Every scenario of a batch of parameter points made ready to run, in
/// parallel, the defences computed once for all points that share them.
pub fn prepare_points(scenarios: &[Option<crate::scenario::Scenario>]) -> Vec<Option<Theatre<'_>>> {
    let Some(first) = scenarios.iter().flatten().next() else {
        return scenarios.iter().map(|_| None).collect();
    };
    let first = Theatre::new(first);
    par_map(scenarios, |s| s.as_ref().map(|s| prepared_like(s, &first)))
}

/// `f` of every item, in parallel (in the pool of [`with_pool`]), in order.
pub fn par_map<'a, T: Sync, U: Send>(
    items: &'a [T],
    f: impl Fn(&'a T) -> U + Sync + Send,
) -> Vec<U> {
    items.par_iter().map(f).collect()
}

/// Runs `trials` trials of every prepared parameter point as one pool of
/// (point, trial) work items, so that many small points fill the machine
/// as well as one large run. Item (j, r) runs trial `trial_index(j, r)`
/// of `points[j]` (skipped where the point is `None`) and `read` turns its
/// record into what the caller keeps. Returns, per point, the kept values
/// in trial order (`None` for a missing point, or when `cancel` is set).
#[allow(clippy::too_many_arguments)]
pub fn run_point_trials<T: Send>(
    points: &[Option<Theatre<'_>>],
    trials: u64,
    trial_index: &(dyn Fn(usize, u64) -> u64 + Sync),
    weekly_detail: crate::model::record::Detail,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
    read: &(dyn Fn(&TrialRecord) -> T + Sync),
) -> Vec<Option<Vec<T>>> {
    let items = points.len() as u64 * trials;
    let kept: Vec<Option<T>> = (0..items)
        .into_par_iter()
        .map_init(
            || {
                let mut rec = TrialRecord::default();
                rec.weekly_detail = weekly_detail;
                (Workspace::default(), rec)
            },
            |(work, rec), item| {
                let (j, r) = ((item / trials) as usize, item % trials);
                let th = points[j].as_ref()?;
                if cancel.load(Ordering::Relaxed) {
                    return None;
                }
                run_trial(th, trial_index(j, r), work, rec);
                progress(1);
                Some(read(rec))
            },
        )
        .collect();
    let mut kept = kept.into_iter();
    points
        .iter()
        .map(|p| {
            let mine: Vec<Option<T>> = kept.by_ref().take(trials as usize).collect();
            p.as_ref()?;
            mine.into_iter().collect()
        })
        .collect()
}

/// Trials per window of a run over a posterior: larger than [`WINDOW`], so
/// that each point's variants are prepared once for many trials.
pub const POSTERIOR_WINDOW: u64 = 16_384;

/// Like [`run_trials_from`], for a run over a posterior (docs/model.md §4a):
/// trial `i` runs every variant of point `pick(i)`, whose scenarios (in
/// the order of the variants, baseline first) are `points[pick(i)]`. In
/// each window the trials are grouped by point, so a point's variants are
/// prepared once per window; rows still reach `on_window` in trial order,
/// and the exact accumulators make the statistics the same at any thread
/// count.
#[allow(clippy::too_many_arguments)]
pub fn run_posterior_trials_from(
    points: &[Vec<&crate::scenario::Scenario>],
    pick: &(dyn Fn(u64) -> usize + Sync),
    trials: Range<u64>,
    threads: usize,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
    base: RunStats,
    mut on_window: impl FnMut(&Window<'_>) -> anyhow::Result<()>,
) -> Result<RunStats, EngineError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|source| EngineError::Threads { threads, source })?;
    let first: Vec<Theatre<'_>> = points[0].iter().map(|s| Theatre::new(s)).collect();
    let empty = empty_stats(&first);
    let workers = workers(&pool, &empty);
    let mut start = trials.start;
    while start < trials.end {
        let end = (start + POSTERIOR_WINDOW).min(trials.end);
        let mut groups: std::collections::BTreeMap<usize, Vec<u64>> = Default::default();
        for t in start..end {
            groups.entry(pick(t)).or_default().push(t);
        }
        let groups: Vec<(usize, Vec<u64>)> = groups.into_iter().collect();
        let rows: Vec<Vec<TrialRow>> = pool.install(|| {
            groups
                .par_iter()
                .map(|(point, list)| {
                    let theatres: Vec<Theatre<'_>> = points[*point]
                        .iter()
                        .zip(&first)
                        .map(|(s, f)| prepared_like(s, f))
                        .collect();
                    let constants: Vec<WeeklyConstants> = theatres
                        .iter()
                        .map(|th| WeeklyConstants::new(&th.defences))
                        .collect();
                    let mut rows = Vec::with_capacity(list.len());
                    for &trial in list {
                        if cancel.load(Ordering::Relaxed) {
                            break;
                        }
                        let me = rayon::current_thread_index().unwrap_or(0);
                        let mut guard = workers[me].lock().unwrap_or_else(|e| e.into_inner());
                        rows.push(run_one(&theatres, &constants, trial, &mut guard));
                        progress(1);
                    }
                    rows
                })
                .collect()
        });
        if cancel.load(Ordering::Relaxed) {
            return Err(EngineError::Interrupted);
        }
        let mut rows: Vec<TrialRow> = rows.into_iter().flatten().collect();
        rows.sort_by_key(|r| r.trial);
        on_window(&Window {
            rows: &rows,
            next_trial: end,
            base: &base,
            workers: &workers,
        })?;
        start = end;
    }
    Ok(merged(&pool, base, workers))
}
