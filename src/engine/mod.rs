//! The one place where trials run in parallel.
//!
//! Trials go out in windows of consecutive indices. Within a window, rayon
//! runs every variant of each trial on one worker (so paired differences see
//! the same trial), folds it into that worker's own accumulator, and returns
//! the trial's totals. Windows end in index order, so `trials.csv` streams
//! out in order while per-trial weekly series are never all kept; each
//! window's rows go to the sink while the next window runs (see
//! [`pipelined`]), so no worker waits for the sink. Because
//! the accumulators are exact (see [`crate::stats::moments`]), merging the
//! workers' results gives the same bytes at any thread count.

pub mod points;
pub(crate) mod resources;
pub use resources::keep_freed_memory;
pub(crate) mod resume;
pub(crate) mod shard;

use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::model::{Theatre, TrialRecord, Workspace, run_trial, run_trial_shared, spawning_groups};
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
    empty_with_weeks(theatres, theatres[0].scenario.weeks as usize)
}

/// Like [`empty_stats`], without the weekly series: what the points of a
/// design keep (their studies read the totals, states and borders, never a
/// week), at a fraction of the cost of filling and settling the weekly
/// tables of every point. The totals are the same.
pub fn empty_totals(theatres: &[Theatre<'_>]) -> RunStats {
    empty_with_weeks(theatres, 0)
}

fn empty_with_weeks(theatres: &[Theatre<'_>], weeks: usize) -> RunStats {
    let s = theatres[0].scenario;
    RunStats {
        variants: (0..theatres.len())
            .map(|v| VariantStats::new(weeks, s.states.len(), 2 * s.borders.len(), v == 0))
            .collect(),
    }
}

/// [`empty_stats`], each variant's built by a task of its own on
/// `threads` workers (a variant's weekly tables are megabytes).
pub fn empty_stats_on(theatres: &[Theatre<'_>], threads: usize) -> Result<RunStats, EngineError> {
    let tasks: Vec<Task<'_, VariantStats>> = (0..theatres.len())
        .map(|v| -> Task<'_, VariantStats> {
            Box::new(move || empty_variant(theatres, v, theatres[0].scenario.weeks as usize))
        })
        .collect();
    Ok(RunStats {
        variants: in_parallel(threads, tasks)?,
    })
}

/// The empty statistics of variant `v` of `theatres` with `weeks` weeks
/// of series (as in [`empty_stats`] with the scenario's weeks).
fn empty_variant(theatres: &[Theatre<'_>], v: usize, weeks: usize) -> VariantStats {
    let s = theatres[0].scenario;
    VariantStats::new(weeks, s.states.len(), 2 * s.borders.len(), v == 0)
}

/// Runs `trials` of every variant in `theatres` (baseline first) on
/// `threads` workers. `progress` is called once per finished trial; `sink`
/// receives each window's rows in trial order, while the next window runs
/// (on one of the `threads` workers). Setting `cancel` stops the run
/// within one trial per worker.
pub fn run_trials(
    theatres: &[Theatre<'_>],
    trials: Range<u64>,
    threads: usize,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
    mut sink: impl FnMut(&[TrialRow]) -> anyhow::Result<()> + Send,
) -> Result<RunStats, EngineError> {
    let base = empty_stats(theatres);
    run_trials_from(
        theatres,
        trials,
        threads,
        cancel,
        progress,
        base,
        false,
        |w| sink(w.rows),
    )
}

/// One finished window of trials, as [`run_trials_from`] hands it out.
pub struct Window<'a> {
    /// The window's rows, in trial order.
    pub rows: &'a [TrialRow],
    /// The first trial not yet run.
    pub next_trial: u64,
    snapshot: Option<RunStats>,
}

impl Window<'_> {
    /// Statistics of every trial up to `next_trial` (for checkpoints),
    /// when the run was asked to keep them (`checkpoints`); taken when the
    /// window ended, before the next window began.
    pub fn snapshot(&self) -> Option<&RunStats> {
        self.snapshot.as_ref()
    }
}

/// `base` with the statistics every worker holds now.
fn snapshot(base: &RunStats, workers: &[Mutex<Worker>]) -> RunStats {
    let mut total = base.clone();
    for w in workers {
        let mut w = w.lock().unwrap_or_else(|e| e.into_inner());
        for (all, fold) in total.variants.iter_mut().zip(&mut w.folds) {
            all.merge(fold.settled());
        }
    }
    total
}

/// Runs the windows of `trials` (`window` trials each) one after another
/// with `run_window`, which returns a window's rows in trial order, and
/// hands each finished window to `on_window` *while the next window runs*
/// (both in `pool`, so at most its threads are busy): the sink's work
/// (formatting and writing rows) overlaps the trials instead of making
/// every worker wait, and only the last window's sink is left once the
/// trials end. Windows still reach `on_window` one at a time, in order.
/// With `checkpoints`, the statistics up to each window's end are taken
/// before the next window starts (see [`Window::snapshot`]).
#[allow(clippy::too_many_arguments)]
fn pipelined(
    pool: &rayon::ThreadPool,
    trials: Range<u64>,
    window: u64,
    cancel: &AtomicBool,
    checkpoints: bool,
    base: &RunStats,
    workers: &[Mutex<Worker>],
    run_window: &(dyn Fn(Range<u64>) -> Vec<TrialRow> + Sync),
    on_window: &mut (dyn FnMut(&Window<'_>) -> anyhow::Result<()> + Send),
) -> Result<(), EngineError> {
    pool.install(|| {
        let mut finished: Option<(Vec<TrialRow>, u64, Option<RunStats>)> = None;
        let mut start = trials.start;
        loop {
            let next = (start < trials.end).then(|| start..window_end(start, trials.end, window));
            let (sunk, ran) = rayon::join(
                || match finished.take() {
                    Some((rows, next_trial, snapshot)) => on_window(&Window {
                        rows: &rows,
                        next_trial,
                        snapshot,
                    }),
                    None => Ok(()),
                },
                || next.clone().map(run_window),
            );
            sunk?;
            if cancel.load(Ordering::Relaxed) {
                return Err(EngineError::Interrupted);
            }
            let (Some(rows), Some(next)) = (ran, next) else {
                return Ok(());
            };
            let taken = checkpoints.then(|| snapshot(base, workers));
            finished = Some((rows, next.end, taken));
            start = next.end;
        }
    })
}

/// Where the window starting at trial `start` ends, of windows of
/// `window` trials up to `end`, the last one short: when what is left fits
/// in one window, it runs as two, the second of `window / 8` trials, so
/// that the last window's rows, written after the trials end while every
/// other worker idles, are few (the serial part of a run, docs/performance.md).
fn window_end(start: u64, end: u64, window: u64) -> u64 {
    let tail = (window / 8).max(1);
    let rest = end - start;
    if rest > tail && rest <= window {
        end - tail
    } else {
        start + rest.min(window)
    }
}

/// Like [`run_trials`], but adds to `base` (the statistics of trials run
/// before, when a run resumes) and hands each finished window to
/// `on_window`, which may take a snapshot of the statistics so far when
/// `checkpoints` is set.
#[allow(clippy::too_many_arguments)]
pub fn run_trials_from(
    theatres: &[Theatre<'_>],
    trials: Range<u64>,
    threads: usize,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
    base: RunStats,
    checkpoints: bool,
    mut on_window: impl FnMut(&Window<'_>) -> anyhow::Result<()> + Send,
) -> Result<RunStats, EngineError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|source| EngineError::Threads { threads, source })?;
    let workers = workers(&pool, theatres, &base);
    let constants: Vec<WeeklyConstants> = theatres
        .iter()
        .map(|th| WeeklyConstants::new(&th.defences))
        .collect();
    let spawning = spawning_groups(theatres);
    let run_window = |window: Range<u64>| -> Vec<TrialRow> {
        let rows: Vec<Option<TrialRow>> = window
            .into_par_iter()
            .map(|trial| {
                if cancel.load(Ordering::Relaxed) {
                    return None;
                }
                let me = rayon::current_thread_index().unwrap_or(0);
                let mut guard = workers[me].lock().unwrap_or_else(|e| e.into_inner());
                let row = run_one(theatres, &spawning, &constants, trial, &mut guard);
                progress(1);
                Some(row)
            })
            .collect();
        rows.into_iter().flatten().collect()
    };
    let clock = std::time::Instant::now();
    pipelined(
        &pool,
        trials,
        WINDOW,
        cancel,
        checkpoints,
        &base,
        &workers,
        &run_window,
        &mut on_window,
    )?;
    // The windows' trials (many short items) and the sink's rows, each
    // window's written while the next runs (benches/serial_share.sh
    // counts a run's last sink; a study's sink keeps nothing).
    timing("step trials", clock);
    Ok(merged(&pool, base, workers))
}

/// A worker's statistics for every variant of `theatres`, one per thread
/// of `pool`, each fold built empty by a task of its own in the pool (the
/// tables are megabytes: built one after another they would be serial
/// time that grows with the threads). Their weekly series are as long as
/// `base`'s (none where `base` keeps totals alone, [`empty_totals`]).
fn workers(
    pool: &rayon::ThreadPool,
    theatres: &[Theatre<'_>],
    base: &RunStats,
) -> Vec<Mutex<Worker>> {
    let weeks = base.variants.first().map_or(0, |v| v.weeks);
    let clock = std::time::Instant::now();
    let variants = theatres.len();
    let mut folds = pool
        .install(|| {
            (0..pool.current_num_threads() * variants)
                .into_par_iter()
                .with_max_len(1)
                .map(|i| {
                    timed(i, || {
                        VariantFold::new(empty_variant(theatres, i % variants, weeks))
                    })
                })
                .collect::<Vec<_>>()
        })
        .into_iter();
    let workers = (0..pool.current_num_threads())
        .map(|_| {
            Mutex::new(Worker {
                folds: folds.by_ref().take(variants).collect(),
                work: Workspace::default(),
                record: TrialRecord::default(),
            })
        })
        .collect();
    timing("workers", clock);
    workers
}

/// `base` with every worker's statistics added (exact, so the order does
/// not matter). Each variant is a task of its own: its workers' folds are
/// joined pairwise in a tree ([`VariantFold::absorb`], which adds their
/// tables) and settled once, which costs a pass over the weekly
/// distributions however many workers there were.
fn merged(pool: &rayon::ThreadPool, mut base: RunStats, workers: Vec<Mutex<Worker>>) -> RunStats {
    let clock = std::time::Instant::now();
    let variants = base.variants.len();
    let mut by_variant: Vec<Vec<VariantFold>> = (0..variants).map(|_| Vec::new()).collect();
    for w in workers {
        let w = w.into_inner().unwrap_or_else(|e| e.into_inner());
        for (v, fold) in w.folds.into_iter().enumerate() {
            by_variant[v].push(fold);
        }
    }
    pool.install(|| {
        base.variants
            .par_iter_mut()
            .zip(by_variant)
            .with_max_len(1)
            .enumerate()
            .for_each(|(v, (all, folds))| {
                timed(v, || {
                    let joined = folds.into_par_iter().reduce_with(|mut a, b| {
                        a.absorb(b);
                        a
                    });
                    let joined = joined.map(|mut fold| {
                        fold.settle_on(&InPool);
                        fold.into_stats()
                    });
                    match joined {
                        // Nothing added to nothing: the statistics as they are.
                        Some(stats) if all.trials == 0 => *all = stats,
                        Some(stats) => all.merge(&stats),
                        None => {}
                    }
                })
            });
    });
    timing("merged", clock);
    base
}

/// Runs `f` as task `i` of a parallel step: its wall time is reported as
/// [`in_parallel`]'s tasks are.
pub(crate) fn timed<T>(i: usize, f: impl FnOnce() -> T) -> T {
    let clock = std::time::Instant::now();
    let done = f();
    timing(&format!("task {i}"), clock);
    done
}

/// Every variant of one trial, folded into the worker's statistics (the
/// baseline first, whose totals the variants' paired differences need).
fn run_one(
    theatres: &[Theatre<'_>],
    groups: &[usize],
    constants: &[WeeklyConstants],
    trial: u64,
    w: &mut Worker,
) -> TrialRow {
    let Worker {
        folds,
        work,
        record,
    } = w;
    // Variants that spawn alike take the new cells their group's first
    // variant drew in this trial (the same counts, drawn once).
    work.forget_spawned();
    let mut totals: Vec<[Option<f64>; N_TOTALS]> = Vec::with_capacity(theatres.len());
    for (v, th) in theatres.iter().enumerate() {
        run_trial_shared(th, trial, groups[v], work, record);
        let mine = folds[v].add(record, &constants[v], totals.first());
        totals.push(mine);
    }
    TrialRow { trial, totals }
}

/// Runs `f` with a pool of `threads` workers: every parallel map below
/// called inside it uses that pool. The pool of each size is built once
/// and kept: a run's steps after the trials each ask for one, and at 16
/// threads building a pool costs about 0.3 ms, serial time every step.
pub fn with_pool<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> Result<R, EngineError> {
    type Pools = std::collections::HashMap<usize, std::sync::Arc<rayon::ThreadPool>>;
    static POOLS: std::sync::OnceLock<Mutex<Pools>> = std::sync::OnceLock::new();
    let pool = {
        let mut pools = POOLS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match pools.get(&threads) {
            Some(pool) => pool.clone(),
            None => {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .map_err(|source| EngineError::Threads { threads, source })?;
                let pool = std::sync::Arc::new(pool);
                pools.insert(threads, pool.clone());
                pool
            }
        }
    };
    Ok(pool.install(f))
}

/// Whether `CORDON_TIMINGS` is set: then the phases of a run and the tasks
/// of [`in_parallel`] report their wall time on stderr (lines starting
/// `timings:`), for measuring what part of a run is serial
/// (docs/performance.md).
pub fn timings_on() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("CORDON_TIMINGS").is_some_and(|v| !v.is_empty()))
}

/// Reports on stderr, when [`timings_on`], the seconds since `since` as
/// the wall time of `what`.
pub fn timing(what: &str, since: std::time::Instant) {
    if timings_on() {
        eprintln!("timings: {what} {:.6}", since.elapsed().as_secs_f64());
    }
}

/// Independent pieces of loading a scenario run on `threads` workers (see
/// [`crate::scenario::Each`]), each piece reported as a task of
/// [`in_parallel`] is.
pub struct Workers(pub usize);

impl crate::scenario::Each for Workers {
    fn each(&self, n: usize, piece: &(dyn Fn(usize) + Sync)) {
        let clock = std::time::Instant::now();
        let one = |i: usize| timed(i, || piece(i));
        let all = || (0..n).into_par_iter().with_max_len(1).for_each(one);
        if self.0 <= 1 || n <= 1 || with_pool(self.0, all).is_err() {
            (0..n).for_each(one);
        }
        timing("step scenario pieces checked", clock);
    }
}

/// Pieces run on the pool the caller is in (a variant's weeks settled at
/// the end of a run), each reported as `piece K` with its wall time: a
/// piece of a task, which the serial share counts apart.
struct InPool;

impl crate::scenario::Each for InPool {
    fn each(&self, n: usize, piece: &(dyn Fn(usize) + Sync)) {
        (0..n).into_par_iter().with_max_len(1).for_each(|i| {
            let clock = std::time::Instant::now();
            piece(i);
            timing(&format!("piece {i}"), clock);
        });
    }
}

/// One piece of work for [`in_parallel`].
pub type Task<'a, T> = Box<dyn FnOnce() -> T + Send + 'a>;

/// Runs every task on a pool of `threads` workers (each task on one of
/// them, as they come free) and returns their results in the order of
/// `tasks`: for work after the trials (tables, charts) that would
/// otherwise run one piece at a time while the other threads idle.
pub fn in_parallel<'a, T: Send>(
    threads: usize,
    tasks: Vec<Task<'a, T>>,
) -> Result<Vec<T>, EngineError> {
    let run = |(i, task): (usize, Task<'a, T>)| timed(i, task);
    if threads <= 1 || tasks.len() <= 1 {
        return Ok(tasks.into_iter().enumerate().map(run).collect());
    }
    with_pool(threads, || {
        tasks
            .into_par_iter()
            .with_max_len(1)
            .enumerate()
            .map(run)
            .collect()
    })
}

/// Runs `a` and `b` at the same time on a pool of `threads` workers, or
/// one after the other at one thread (so that `--threads 1` keeps to one
/// core): for work that needs nothing of the work beside it, such as a
/// study's chart drawn while its last trials run.
pub fn beside<A: Send, B: Send>(
    threads: usize,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> Result<(A, B), EngineError> {
    if threads <= 1 {
        return Ok((a(), b()));
    }
    with_pool(threads, || rayon::join(a, b))
}

/// `s` made ready to run, reusing the defences of `like` when the two
/// share them (most parameter points of a calibration or a posterior do),
/// or their stocks when only the patrol law differs (a sweep over the
/// detection scale or a terrain).
pub fn prepared_like<'a>(s: &'a crate::scenario::Scenario, like: &Theatre<'_>) -> Theatre<'a> {
    Theatre::with_defences_like(s, defences_like(s, like), like)
}

/// The scenarios of one parameter point (its variants, the reference
/// first) made ready to run: each variant's defences like those of the
/// same variant of `first` (another point), the other tables like the
/// point's own first variant's (variants that change only defences spawn
/// alike and share them all).
pub fn prepared_point<'a>(
    scenarios: &[&'a crate::scenario::Scenario],
    first: &[Theatre<'_>],
) -> Vec<Theatre<'a>> {
    let mut out: Vec<Theatre<'a>> = Vec::with_capacity(scenarios.len());
    for (s, f) in scenarios.iter().zip(first) {
        let theatre = match out.first() {
            None => prepared_like(s, f),
            Some(head) => Theatre::with_defences_like(s, defences_like(s, f), head),
        };
        out.push(theatre);
    }
    out
}

/// The defences of `s`: those of `like` when the two share them, else
/// computed (from `like`'s stocks when only the patrol law differs, and
/// with `like`'s patrol law along every border whose inputs did not
/// change when the stocks differ).
pub fn defences_like(
    s: &crate::scenario::Scenario,
    like: &Theatre<'_>,
) -> std::sync::Arc<crate::model::Defences> {
    use crate::model::Defences;
    if Defences::shared_by(s, like.scenario) {
        like.defences.clone()
    } else if Defences::stocks_shared_by(s, like.scenario) {
        std::sync::Arc::new(Defences::compute_like(s, &like.defences))
    } else {
        std::sync::Arc::new(Defences::compute_near(s, like.scenario, &like.defences))
    }
}

/// Every scenario of a batch of parameter points made ready to run, in
/// parallel, the defences computed once for all points that share them.
pub fn prepare_points(scenarios: &[Option<crate::scenario::Scenario>]) -> Vec<Option<Theatre<'_>>> {
    let Some(first) = scenarios.iter().flatten().next() else {
        return scenarios.iter().map(|_| None).collect();
    };
    let first = Theatre::new(first);
    par_map_step("points prepared", scenarios, |s| {
        s.as_ref().map(|s| prepared_like(s, &first))
    })
}

/// Frees `items` in parallel, in the pool of [`with_pool`] (each item's
/// drop is a task).
pub fn free_in_pool<T: Send>(items: Vec<T>) {
    let clock = std::time::Instant::now();
    items.into_par_iter().for_each(drop);
    timing("step freed", clock);
}

/// Frees `items` on `threads` workers (each item's drop is a task).
pub fn drop_in_parallel<T: Send>(items: Vec<T>, threads: usize) {
    // Should the pool fail (it cannot for a size that ran), the items are
    // freed with the closure, one by one.
    let _ = with_pool(threads, || free_in_pool(items));
}

/// `f` of every item, in parallel (in the pool of [`with_pool`]), in order.
pub fn par_map<'a, T: Sync, U: Send>(
    items: &'a [T],
    f: impl Fn(&'a T) -> U + Sync + Send,
) -> Vec<U> {
    items.par_iter().map(f).collect()
}

/// [`par_map`] whose items are the tasks of one parallel step, each
/// reporting its wall time as [`in_parallel`]'s do (with `CORDON_TIMINGS`),
/// and the step as `step WHAT`: for the few coarse items of a study's
/// steps (benches/serial_share_study.sh).
pub fn par_map_step<'a, T: Sync, U: Send>(
    what: &str,
    items: &'a [T],
    f: impl Fn(&'a T) -> U + Sync + Send,
) -> Vec<U> {
    let clock = std::time::Instant::now();
    let made = items
        .par_iter()
        .enumerate()
        .map(|(i, x)| timed(i, || f(x)))
        .collect();
    timing(&format!("step {what}"), clock);
    made
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
    checkpoints: bool,
    mut on_window: impl FnMut(&Window<'_>) -> anyhow::Result<()> + Send,
) -> Result<RunStats, EngineError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|source| EngineError::Threads { threads, source })?;
    let first: Vec<Theatre<'_>> = points[0].iter().map(|s| Theatre::new(s)).collect();
    let workers = workers(&pool, &first, &base);
    let run_window = |window: Range<u64>| -> Vec<TrialRow> {
        let groups: Vec<(usize, Vec<u64>)> = by_point(window, pick).into_iter().collect();
        let rows: Vec<Vec<TrialRow>> = groups
            .par_iter()
            .map(|(point, list)| {
                let ready = ReadyPoint::new(&points[*point], &first);
                let mut rows = Vec::with_capacity(list.len());
                ready.run(list, &workers, cancel, progress, |row| rows.push(row));
                rows
            })
            .collect();
        let mut rows: Vec<TrialRow> = rows.into_iter().flatten().collect();
        rows.sort_by_key(|r| r.trial);
        rows
    };
    pipelined(
        &pool,
        trials,
        POSTERIOR_WINDOW,
        cancel,
        checkpoints,
        &base,
        &workers,
        &run_window,
        &mut on_window,
    )?;
    Ok(merged(&pool, base, workers))
}

/// The trials of `trials` grouped by the posterior point `pick` gives
/// each, points in order, each point's trials in order.
fn by_point(
    trials: Range<u64>,
    pick: &(dyn Fn(u64) -> usize + Sync),
) -> std::collections::BTreeMap<usize, Vec<u64>> {
    let mut groups: std::collections::BTreeMap<usize, Vec<u64>> = Default::default();
    for t in trials {
        groups.entry(pick(t)).or_default().push(t);
    }
    groups
}

/// One posterior point's scenarios made ready to run
/// ([`prepared_point`]), with their weekly constants and spawning groups.
struct ReadyPoint<'a> {
    theatres: Vec<Theatre<'a>>,
    constants: Vec<WeeklyConstants>,
    spawning: Vec<usize>,
}

impl<'a> ReadyPoint<'a> {
    fn new(scenarios: &[&'a crate::scenario::Scenario], first: &[Theatre<'_>]) -> Self {
        let theatres = prepared_point(scenarios, first);
        let constants = theatres
            .iter()
            .map(|th| WeeklyConstants::new(&th.defences))
            .collect();
        let spawning = spawning_groups(&theatres);
        ReadyPoint {
            theatres,
            constants,
            spawning,
        }
    }

    /// Runs `trials` in order on the calling thread's worker of
    /// `workers`, handing each row to `row`; stops once `cancel` is set.
    fn run(
        &self,
        trials: &[u64],
        workers: &[Mutex<Worker>],
        cancel: &AtomicBool,
        progress: &(dyn Fn(u64) + Sync),
        mut row: impl FnMut(TrialRow),
    ) {
        for &trial in trials {
            if cancel.load(Ordering::Relaxed) {
                return;
            }
            let me = rayon::current_thread_index().unwrap_or(0);
            let mut guard = workers[me].lock().unwrap_or_else(|e| e.into_inner());
            row(run_one(
                &self.theatres,
                &self.spawning,
                &self.constants,
                trial,
                &mut guard,
            ));
            progress(1);
        }
    }
}

/// Runs trials `trials` of several parameter points, each over a
/// posterior, as **one pool**: `designs[d][k]` are design point d's
/// scenarios (variants in order, baseline first) at the k-th posterior
/// point, and trial `i` of design point d runs at posterior point
/// `pick(i)`, as [`run_posterior_trials_from`] runs one. Each work item
/// is one (design point, posterior point) with the trials that draw it,
/// so its variants are prepared once; items of every design point share
/// the pool, so none waits for another's last trials. Returns each design
/// point's statistics: totals, states, borders and paired differences,
/// no weekly series ([`empty_totals`]), the same at any thread count.
/// `firsts[d]` are design point d's scenarios at its first posterior
/// point made ready to run (the others are prepared like them).
pub fn run_posterior_designs(
    designs: &[Vec<Vec<&crate::scenario::Scenario>>],
    firsts: &[Vec<Theatre<'_>>],
    pick: &(dyn Fn(u64) -> usize + Sync),
    trials: Range<u64>,
    threads: usize,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<RunStats>, EngineError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|source| EngineError::Threads { threads, source })?;
    let bases: Vec<RunStats> = firsts.iter().map(|f| empty_totals(f)).collect();
    let workers: Vec<Vec<Mutex<Worker>>> = firsts
        .iter()
        .zip(&bases)
        .map(|(first, base)| workers(&pool, first, base))
        .collect();
    let groups = by_point(trials, pick);
    let items: Vec<(usize, usize, &[u64])> = (0..designs.len())
        .flat_map(|d| groups.iter().map(move |(&k, list)| (d, k, &list[..])))
        .collect();
    pool.install(|| {
        items.par_iter().for_each(|&(d, k, list)| {
            if cancel.load(Ordering::Relaxed) {
                return;
            }
            let ready = ReadyPoint::new(&designs[d][k], &firsts[d]);
            ready.run(list, &workers[d], cancel, progress, drop);
        });
    });
    if cancel.load(Ordering::Relaxed) {
        return Err(EngineError::Interrupted);
    }
    Ok(bases
        .into_iter()
        .zip(workers)
        .map(|(base, w)| merged(&pool, base, w))
        .collect())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    #[test]
    fn tasks_give_their_results_in_order_on_at_most_the_threads_asked() {
        for threads in [1, 2, 3] {
            let (busy, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
            let tasks: Vec<Task<'_, usize>> = (0..24)
                .map(|i| -> Task<'_, usize> {
                    let (busy, most) = (&busy, &most);
                    Box::new(move || {
                        let now = busy.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(2));
                        busy.fetch_sub(1, Ordering::SeqCst);
                        i * i
                    })
                })
                .collect();
            let done = in_parallel(threads, tasks).unwrap();
            assert_eq!(done, (0..24).map(|i| i * i).collect::<Vec<_>>());
            assert!(most.load(Ordering::SeqCst) <= threads, "{threads} threads");
        }
    }

    /// Windows cover the trials once, in order, each at most `window`
    /// long, the last at most `window / 8` (when there is more than that).
    #[test]
    fn windows_tile_the_trials_and_end_short() {
        for (start, end) in [
            (0, 1),
            (0, 256),
            (0, 257),
            (0, 2048),
            (5, 2300),
            (0, 10_000),
            (7, 7 + 2048 + 256),
        ] {
            let mut at = start;
            let mut sizes = Vec::new();
            while at < end {
                let next = window_end(at, end, 2048);
                assert!(next > at && next <= end && next - at <= 2048);
                sizes.push(next - at);
                at = next;
            }
            assert_eq!(sizes.iter().sum::<u64>(), end - start);
            assert!(*sizes.last().unwrap() <= 256, "{start}..{end}: {sizes:?}");
        }
        assert_eq!(window_end(0, 2300, 2048), 2048);
        assert_eq!(window_end(2048, 2300, 2048), 2300);
        assert_eq!(window_end(0, 2048, 2048), 1792);
        assert_eq!(window_end(0, 100, 2048), 100);
        assert_eq!(window_end(0, 2, 8), 1);
    }

    /// Windows reach the sink in order while the next one runs, and the
    /// statistics a checkpoint keeps are those of exactly the trials before
    /// it, not of the window running meanwhile.
    #[test]
    fn windows_reach_the_sink_in_order_with_exact_checkpoints() {
        let b = crate::scenario::builtin::find("minimal").unwrap();
        let set = crate::scenario::load_str("minimal.toml", b.name, b.text, &[]).unwrap();
        let theatres = vec![Theatre::new(&set.base)];
        let cancel = AtomicBool::new(false);
        let trials = 2 * WINDOW + 300;
        let mut seen: Vec<(u64, u64, RunStats)> = Vec::new();
        let all = run_trials_from(
            &theatres,
            0..trials,
            3,
            &cancel,
            &|_| {},
            empty_stats(&theatres),
            true,
            |w| {
                let first = w.rows.first().map(|r| r.trial).unwrap_or(w.next_trial);
                let trial: Vec<u64> = w.rows.iter().map(|r| r.trial).collect();
                assert_eq!(trial, (first..w.next_trial).collect::<Vec<_>>());
                seen.push((first, w.next_trial, w.snapshot().unwrap().clone()));
                Ok(())
            },
        )
        .unwrap();
        let ends: Vec<(u64, u64)> = seen.iter().map(|(a, b, _)| (*a, *b)).collect();
        // The last 300 trials run as 44, then a short last window of 256.
        let short = trials - WINDOW / 8;
        assert_eq!(
            ends,
            [
                (0, WINDOW),
                (WINDOW, 2 * WINDOW),
                (2 * WINDOW, short),
                (short, trials)
            ]
        );
        for (_, end, snapshot) in &seen {
            let alone = run_trials(&theatres, 0..*end, 1, &cancel, &|_| {}, |_| Ok(())).unwrap();
            assert!(*snapshot == alone, "checkpoint at trial {end}");
        }
        assert!(seen[3].2 == all);
    }
}
