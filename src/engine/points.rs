//! Design points: the base scenario with some parameters set to chosen
//! values, each validated and run on the same trial indices.
//!
//! A point is the scenario text plus one `--set PATH=VALUE` per varied
//! parameter, loaded through the same path as `cordon run --set`, so every
//! point is checked like a scenario written by hand. Points share the seed
//! and the trial indices, so two points differ only through their
//! parameters (common random numbers): differences between neighbouring
//! points are far less noisy than the intervals of each point suggest.
//! `cordon sweep` and `cordon sensitivity` both build and run points here.

use std::sync::atomic::AtomicBool;

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::engine::{
    Worker, empty_totals, free_in_pool, par_map_step, run_one, run_trials_from, timed,
};
use crate::error::{Error, Result};
use crate::model::Theatre;
use crate::model::{TrialRecord, Workspace};
use crate::scenario::builtin::ScenarioSource;
use crate::scenario::ranges::{
    DesignKind, ParamRange, SweepSpec, allocation_at, allocation_share, limits,
};
use crate::scenario::{BASELINE, ScenarioSet, load_point, load_with_vary_on};
use crate::stats::RunStats;
use crate::stats::aggregate::WeeklyConstants;
use crate::stats::fold::VariantFold;
use crate::stats::metric::TrialMetric;

/// The scenario text a design is built on.
#[derive(Debug, Clone)]
pub struct BaseText {
    /// Shown in messages (a file path, or `builtin:NAME`).
    pub name: String,
    /// The scenario's name when the file has none.
    pub stem: String,
    pub text: String,
    /// `--set` values applied to every point, before the point's own.
    pub sets: Vec<String>,
    /// The text parsed once for every point (`None` inside when it is not
    /// TOML: each point then reports that as [`load_point`] does).
    pub parsed: std::sync::OnceLock<Option<crate::scenario::Parsed>>,
}

impl BaseText {
    /// Reads a file or a built-in scenario's text.
    pub fn read(src: &ScenarioSource, sets: &[String]) -> Result<BaseText> {
        let text = match src {
            ScenarioSource::File(path) => {
                let bytes = std::fs::read(path).map_err(|e| {
                    Error::Invalid(format!("cannot read scenario file {}: {e}", path.display()))
                })?;
                match String::from_utf8(bytes) {
                    Ok(text) => text,
                    // The loader names the first invalid byte.
                    Err(_) => {
                        return Err(crate::scenario::load_file(path, sets).err().map_or_else(
                            || Error::Invalid(format!("{} is not UTF-8 text", path.display())),
                            Error::from,
                        ));
                    }
                }
            }
            ScenarioSource::Builtin(b) => b.text.to_string(),
        };
        Ok(BaseText {
            name: src.display(),
            stem: src.stem(),
            text,
            sets: sets.to_vec(),
            parsed: Default::default(),
        })
    }

    /// The scenario as written (with `--set`), validated, with `--vary`
    /// arguments in place of its `[sweep]` parameters; its variants are
    /// checked on `threads` workers.
    pub fn load(&self, varies: &[String], threads: usize) -> Result<ScenarioSet> {
        let workers = crate::engine::Workers(threads);
        load_with_vary_on(
            &self.name, &self.stem, &self.text, &self.sets, varies, &workers,
        )
        .map_err(|d| Error::from(crate::scenario::LoadError::Invalid(d)))
    }

    /// [`load_point`] of the text with `sets` (all of them: the base's
    /// are not added), from the text parsed once.
    pub fn point_with(
        &self,
        sets: &[String],
    ) -> std::result::Result<ScenarioSet, crate::scenario::Diagnostics> {
        let parsed = self
            .parsed
            .get_or_init(|| crate::scenario::Parsed::new(&self.name, &self.stem, &self.text).ok());
        match parsed {
            Some(parsed) => parsed.point(sets),
            None => load_point(&self.name, &self.stem, &self.text, sets),
        }
    }

    /// The scenario at one design point.
    pub fn at(&self, params: &[ParamRange], values: &[f64]) -> Result<ScenarioSet> {
        let mut sets = self.sets.clone();
        sets.extend(overrides(params, values));
        self.point_with(&sets).map_err(|d| {
            Error::Invalid(format!(
                "design point {} is not a valid scenario ({}):\n{d}",
                overrides(params, values).join(", "),
                if d.items.len() == 1 {
                    "1 problem".to_string()
                } else {
                    format!("{} problems", d.items.len())
                }
            ))
        })
    }
}

/// Designs of at most this many points keep the scenario sets their
/// validation built, for the run (a set of the default scenario is a few
/// hundred KB).
pub const KEPT_POINTS: usize = 64;

impl BaseText {
    /// Builds (and so validates) the scenario at every point of `points`
    /// in parallel on `threads` workers (0: one per core); the error is the
    /// first invalid point's, in point order, as a serial check would
    /// report it. The sets are kept and returned when there are at most
    /// [`KEPT_POINTS`] points (so that the run does not build them again),
    /// and dropped once built otherwise (a design may have many points,
    /// each a whole scenario with its variants).
    pub fn check_points(
        &self,
        params: &[ParamRange],
        points: &[Vec<f64>],
        threads: usize,
    ) -> Result<Vec<ScenarioSet>> {
        let keep = points.len() <= KEPT_POINTS;
        let built: Vec<Result<Option<ScenarioSet>>> = crate::engine::with_pool(threads, || {
            crate::engine::par_map_step("points checked", points, |values| {
                self.at(params, values).map(|set| keep.then_some(set))
            })
        })?;
        let mut kept = Vec::with_capacity(if keep { points.len() } else { 0 });
        for set in built {
            kept.extend(set?);
        }
        Ok(kept)
    }
}

/// `PATH=VALUE` for every parameter of a point.
pub fn overrides(params: &[ParamRange], values: &[f64]) -> Vec<String> {
    params
        .iter()
        .zip(values)
        .map(|(p, x)| match (allocation_share(&p.path), p.rescale) {
            (Some((table, which)), Some(base)) => {
                let [b, i, r] = allocation_at(base, which, *x);
                format!("{table}={{ border = {b:?}, intel = {i:?}, readiness = {r:?} }}")
            }
            _ => format!("{}={}", p.path, toml_number(*x, p.integer)),
        })
        .collect()
}

/// A number as TOML: integers for integer fields, floats in their shortest
/// exact form otherwise (`{:?}` always has a `.` or an exponent).
pub fn toml_number(x: f64, integer: bool) -> String {
    if integer {
        format!("{}", x.round() as i64)
    } else {
        format!("{x:?}")
    }
}

/// The parameter values of every point of a design, one row per point.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Design {
    pub kind: DesignKind,
    pub params: Vec<ParamRange>,
    pub points: Vec<Vec<f64>>,
}

/// The points a sweep asks for; `seed` fixes a Latin hypercube.
pub fn expand(spec: &SweepSpec, seed: u64) -> Result<Design> {
    if spec.vary.is_empty() {
        return Err(Error::Invalid(
            "nothing to vary: give --vary PATH=LOW:HIGH:STEPS, or [[sweep.vary]] tables in the scenario".into(),
        ));
    }
    let count: u64 = match spec.design {
        DesignKind::Grid => spec
            .vary
            .iter()
            .try_fold(1u64, |n, p| n.checked_mul(u64::from(p.steps)))
            .unwrap_or(u64::MAX),
        DesignKind::Lhs => u64::from(spec.samples.unwrap_or(0)),
    };
    if spec.design == DesignKind::Lhs && count < 2 {
        return Err(Error::Invalid(
            "a Latin hypercube needs --samples N (at least 2), or `samples` in [sweep]".into(),
        ));
    }
    if count > limits::MAX_POINTS {
        return Err(Error::Invalid(format!(
            "the design has {} points; at most {} are allowed (use fewer steps, or --design lhs --samples N)",
            if count == u64::MAX {
                "too many".to_string()
            } else {
                count.to_string()
            },
            limits::MAX_POINTS
        )));
    }
    let points = match spec.design {
        DesignKind::Grid => grid(&spec.vary),
        DesignKind::Lhs => latin_hypercube(&spec.vary, count as usize, seed),
    };
    Ok(Design {
        kind: spec.design,
        params: spec.vary.clone(),
        points,
    })
}

/// The value of step `i` of `steps` from `low` to `high`.
fn step(p: &ParamRange, i: u32) -> f64 {
    if i + 1 == p.steps {
        if p.integer { p.high.round() } else { p.high }
    } else if p.log {
        p.at(f64::from(i) / f64::from(p.steps - 1))
    } else {
        let x = p.low + (p.high - p.low) * f64::from(i) / f64::from(p.steps - 1);
        if p.integer { x.round() } else { x }
    }
}

/// Every combination of each parameter's steps; the last parameter
/// changes fastest.
pub fn grid(params: &[ParamRange]) -> Vec<Vec<f64>> {
    let mut points = vec![vec![]];
    for p in params {
        points = points
            .into_iter()
            .flat_map(|head| {
                (0..p.steps).map(move |i| {
                    let mut row = head.clone();
                    row.push(step(p, i));
                    row
                })
            })
            .collect();
    }
    points
}

/// `n` points, each parameter's range cut into `n` equal strata and each
/// stratum used once, at a uniform place within it; the pairing of strata
/// across parameters is a random permutation fixed by `seed`.
pub fn latin_hypercube(params: &[ParamRange], n: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x1a71_c0de_5eed_0001);
    let mut points = vec![Vec::with_capacity(params.len()); n];
    for p in params {
        let mut order: Vec<(f64, usize)> = (0..n).map(|k| (rng.random::<f64>(), k)).collect();
        order.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (row, (_, k)) in points.iter_mut().zip(order) {
            let u = (k as f64 + rng.random::<f64>()) / n as f64;
            row.push(p.at(u));
        }
    }
    points
}

/// What one design point produced.
#[derive(Debug, Clone)]
pub struct PointResult {
    /// Variant names, baseline first.
    pub variants: Vec<String>,
    pub stats: RunStats,
    /// Per variant: mean weekly patrol detection on the directions into
    /// member territory (from a non-member region), `None` without any.
    pub patrol_in: Vec<Option<f64>>,
}

/// Runs the scenarios of `theatres` (baseline first) on the same trial
/// indices `trials`, so that every comparison between them is paired on
/// common random numbers: the one way sweep, sensitivity and optimize run
/// their points. Keeps `outcome` of every trial when asked: one list per
/// scenario, in trial order. The statistics keep no weekly series
/// ([`empty_totals`]): no study reads a point's weeks, and filling and
/// settling them for each of optimize's 21 candidates cost a third of a
/// short search.
pub fn run_on_common_trials(
    theatres: &[Theatre<'_>],
    trials: std::ops::Range<u64>,
    threads: usize,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
    outcome: Option<TrialMetric>,
) -> Result<(RunStats, Vec<Vec<Option<f64>>>)> {
    let mut kept: Vec<Vec<Option<f64>>> = vec![Vec::new(); theatres.len()];
    let mut sink = |rows: &[crate::engine::TrialRow]| {
        if let Some(o) = outcome {
            for row in rows {
                for (list, totals) in kept.iter_mut().zip(&row.totals) {
                    list.push(o.of(totals));
                }
            }
        }
        Ok(())
    };
    let stats = run_trials_from(
        theatres,
        trials,
        threads,
        cancel,
        progress,
        empty_totals(theatres),
        false,
        |w| sink(w.rows),
    )?;
    Ok((stats, kept))
}

/// Trials (of all variants) a batch of points aims at: enough (point,
/// trial) items to keep every worker busy to the end of the batch.
const BATCH_TRIALS: u64 = 2048;
/// Points per batch at most, unless there are more workers: each point
/// prepared is a whole scenario with its variants (about 0.6 MB a variant
/// on the default scenario), so a batch holds few.
pub(crate) const MAX_BATCH_POINTS: usize = 8;

/// Points per batch for `trials` trials per point on `threads` workers.
fn batch_points(trials: u64, threads: usize) -> usize {
    (BATCH_TRIALS.div_ceil(trials.max(1)) as usize).clamp(1, MAX_BATCH_POINTS.max(threads))
}

/// What [`run_points`] hands back for each point, in point order.
pub struct PointRun<'a> {
    /// The point's index in the design.
    pub index: usize,
    /// The point's scenario set, as `build` made it.
    pub set: &'a ScenarioSet,
    /// Its scenarios made ready to run (baseline first).
    pub theatres: &'a [Theatre<'a>],
    /// Statistics of every trial of every variant: totals, states,
    /// borders and paired differences, no weekly series
    /// ([`crate::engine::empty_totals`]).
    pub stats: RunStats,
    /// The `outcome` of every trial when one was asked for: one list per
    /// variant (baseline first), in trial order.
    pub kept: Vec<Vec<Option<f64>>>,
}

/// Runs `points` design points, each on the same trial indices `trials`
/// (common random numbers), as **one parallel pool** of (point, trial)
/// work items: point `j`'s scenario set is `build(j)` (built in parallel,
/// once, inside the pool), each trial runs every variant of its point on
/// one worker, and a worker thread folds its consecutive trials of one
/// point into one accumulator, merged into the point's total when it moves
/// on and at the end of each batch (exact, so the result is the same at
/// any thread count). Points go in batches of
/// of up to [`MAX_BATCH_POINTS`] (or one per worker), so only one batch's
/// scenarios are held;
/// `each` turns each point's result into what the caller keeps of it, in
/// the pool, the batch's points at the same time (its rows, say: work that
/// grows with the points, and would be serial time on the calling thread);
/// then `done` receives the points' `each` in point order, on the calling
/// thread, and what it returns is collected. The batch's scenarios are
/// freed in the pool too. Each point's variants share the defences of the
/// first point's where they are the same
/// ([`crate::engine::prepared_like`]).
#[allow(clippy::too_many_arguments)]
pub fn run_points<T, U: Send>(
    points: usize,
    build: &(dyn Fn(usize) -> Result<ScenarioSet> + Sync),
    trials: std::ops::Range<u64>,
    threads: usize,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
    outcome: Option<TrialMetric>,
    each: impl Fn(PointRun<'_>) -> Result<U> + Sync,
    done: impl FnMut(usize, U) -> Result<T>,
) -> Result<Vec<T>> {
    let n = trials.end.saturating_sub(trials.start);
    let per_batch = batch_points(n, threads);
    run_points_in_batches(
        points, build, trials, threads, cancel, progress, outcome, per_batch, each, done,
    )
}

/// [`run_points`] with `per_batch` points per batch.
#[allow(clippy::too_many_arguments)]
fn run_points_in_batches<T, U: Send>(
    points: usize,
    build: &(dyn Fn(usize) -> Result<ScenarioSet> + Sync),
    trials: std::ops::Range<u64>,
    threads: usize,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
    outcome: Option<TrialMetric>,
    per_batch: usize,
    each: impl Fn(PointRun<'_>) -> Result<U> + Sync,
    mut done: impl FnMut(usize, U) -> Result<T>,
) -> Result<Vec<T>> {
    use rayon::prelude::*;
    use std::sync::Mutex;
    use std::sync::atomic::Ordering;

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|source| crate::engine::EngineError::Threads { threads, source })?;
    let mut out = Vec::with_capacity(points);
    if points == 0 {
        return Ok(out);
    }
    // Each parallel step reports its tasks and itself when CORDON_TIMINGS
    // is set (benches/serial_share_study.sh reads them).
    let clock = std::time::Instant::now();
    let first = pool.install(|| timed(0, || build(0)))?;
    crate::engine::timing("step first built", clock);
    // The first point's variants prepared at the same time: the others are
    // prepared like them.
    let first_scenarios: Vec<&crate::scenario::Scenario> = scenarios_of(&first).collect();
    let like: Vec<Theatre<'_>> =
        pool.install(|| par_map_step("first prepared", &first_scenarios, |s| Theatre::new(s)));
    let n = trials.end.saturating_sub(trials.start);
    let per_batch = per_batch.max(1);
    let held: Vec<Mutex<Held>> = (0..pool.current_num_threads())
        .map(|_| Mutex::new(Held::default()))
        .collect();
    let mut start = 0;
    while start < points {
        let end = (start + per_batch).min(points);
        let ids: Vec<usize> = (start..end).collect();
        // Build and prepare the batch's points in parallel.
        let sets: Vec<ScenarioSet> = pool
            .install(|| {
                par_map_step("built", &ids, |&j| {
                    if j == 0 { Ok(first.clone()) } else { build(j) }
                })
            })
            .into_iter()
            .collect::<Result<_>>()?;
        // Every (point, variant) prepared in parallel.
        let pairs: Vec<(&crate::scenario::Scenario, &Theatre<'_>)> = sets
            .iter()
            .flat_map(|set| scenarios_of(set).zip(&like))
            .collect();
        let mut ready = pool
            .install(|| {
                par_map_step("prepared", &pairs, |&(s, l)| {
                    let th = crate::engine::prepared_like(s, l);
                    let c = WeeklyConstants::new(&th.defences);
                    (th, c)
                })
            })
            .into_iter();
        let prepared: Vec<(Vec<Theatre<'_>>, Vec<WeeklyConstants>)> = sets
            .iter()
            .map(|set| ready.by_ref().take(1 + set.variants.len()).unzip())
            .collect();
        let spawning: Vec<Vec<usize>> = prepared
            .iter()
            .map(|(theatres, _)| crate::model::spawning_groups(theatres))
            .collect();
        let totals: Vec<Mutex<Option<RunStats>>> =
            (0..sets.len()).map(|_| Mutex::new(None)).collect();
        let items = sets.len() as u64 * n;
        let clock = std::time::Instant::now();
        // A thread's consecutive items are mostly runs of trials of one
        // point: it folds them into one accumulator, and merges it into
        // the point's total when it moves to another point.
        let kept: Vec<Vec<(u64, Vec<Option<f64>>)>> = pool.install(|| {
            let kept = (0..items)
                .into_par_iter()
                .fold(Vec::new, |mut kept, item| {
                    let (j, r) = ((item / n) as usize, item % n);
                    if cancel.load(Ordering::Relaxed) {
                        return kept;
                    }
                    let (theatres, constants) = &prepared[j];
                    let me = rayon::current_thread_index().unwrap_or(0);
                    let mut guard = held[me].lock().unwrap_or_else(|e| e.into_inner());
                    let w = guard.worker_for(j, theatres, &totals);
                    let row = run_one(theatres, &spawning[j], constants, trials.start + r, w);
                    drop(guard);
                    if let Some(o) = outcome {
                        kept.push((item, row.totals.iter().map(|t| o.of(t)).collect()));
                    }
                    progress(1);
                    kept
                })
                .collect();
            held.par_iter().for_each(|h| {
                h.lock().unwrap_or_else(|e| e.into_inner()).flush(&totals);
            });
            kept
        });
        // The (point, trial) items are many and short: the step's
        // critical path is one of them, so it reports no tasks.
        crate::engine::timing("step trials", clock);
        if cancel.load(Ordering::Relaxed) {
            return Err(crate::engine::EngineError::Interrupted.into());
        }
        let mut kept: Vec<(u64, Vec<Option<f64>>)> = kept.into_iter().flatten().collect();
        kept.sort_unstable_by_key(|(item, _)| *item);
        let mut kept = kept.into_iter();
        let mut runs = Vec::with_capacity(sets.len());
        for (k, ((set, (theatres, _)), total)) in sets.iter().zip(&prepared).zip(totals).enumerate()
        {
            let stats = total
                .into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .unwrap_or_else(|| empty_totals(theatres));
            let mut lists: Vec<Vec<Option<f64>>> = vec![Vec::new(); theatres.len()];
            if outcome.is_some() {
                for (_, row) in kept.by_ref().take(n as usize) {
                    for (list, x) in lists.iter_mut().zip(row) {
                        list.push(x);
                    }
                }
            }
            runs.push(PointRun {
                index: start + k,
                set,
                theatres,
                stats,
                kept: lists,
            });
        }
        // What the caller keeps of each point, made in parallel; then the
        // batch's scenarios freed in parallel (theatres before the sets
        // they borrow from).
        let clock = std::time::Instant::now();
        let made: Vec<Result<U>> = pool.install(|| {
            runs.into_par_iter()
                .enumerate()
                .map(|(i, run)| timed(i, || each(run)))
                .collect()
        });
        crate::engine::timing("step points", clock);
        drop(pairs);
        pool.install(|| free_in_pool(prepared));
        pool.install(|| free_in_pool(sets));
        for (k, made) in made.into_iter().enumerate() {
            out.push(done(start + k, made?)?);
        }
        start = end;
    }
    // The first point's theatres and the workers freed in parallel too
    // (each variant's tables are large: freeing them one after another was
    // about a millisecond of serial time).
    pool.install(|| {
        free_in_pool(like);
        free_in_pool(held);
    });
    Ok(out)
}

/// The scenarios of a set, baseline first.
pub(crate) fn scenarios_of(set: &ScenarioSet) -> impl Iterator<Item = &crate::scenario::Scenario> {
    std::iter::once(&set.base).chain(set.variants.iter().map(|v| &v.scenario))
}

/// What each thread of [`run_points`] keeps between work items: its
/// worker (workspace, records, statistics), and the point whose trials the
/// statistics hold (`None`: none since the last flush).
#[derive(Default)]
struct Held {
    point: Option<usize>,
    worker: Option<Worker>,
}

impl Held {
    /// The worker for point `j`, whose statistics hold point `j`'s trials
    /// alone: another point's go to that point's total first.
    fn worker_for(
        &mut self,
        j: usize,
        theatres: &[Theatre<'_>],
        totals: &[std::sync::Mutex<Option<RunStats>>],
    ) -> &mut Worker {
        let w = self.worker.get_or_insert_with(|| Worker {
            folds: Vec::new(),
            work: Workspace::default(),
            record: TrialRecord::default(),
        });
        if self.point != Some(j) {
            let fresh = empty_totals(theatres)
                .variants
                .into_iter()
                .map(VariantFold::new)
                .collect();
            let folds = std::mem::replace(&mut w.folds, fresh);
            if let Some(p) = self.point {
                add_to(&totals[p], settled(folds));
            }
            self.point = Some(j);
        }
        w
    }

    /// Adds the statistics held to their point's total (the workspace and
    /// records stay for the next batch).
    fn flush(&mut self, totals: &[std::sync::Mutex<Option<RunStats>>]) {
        if let (Some(p), Some(w)) = (self.point.take(), self.worker.as_mut()) {
            add_to(&totals[p], settled(std::mem::take(&mut w.folds)));
        }
    }
}

/// The statistics of a worker's folds (one per variant).
fn settled(folds: Vec<VariantFold>) -> RunStats {
    RunStats {
        variants: folds.into_iter().map(VariantFold::into_stats).collect(),
    }
}

/// Adds `stats` to a point's total (the first becomes the total).
fn add_to(total: &std::sync::Mutex<Option<RunStats>>, stats: RunStats) {
    let mut total = total.lock().unwrap_or_else(|e| e.into_inner());
    match total.as_mut() {
        Some(t) => t.merge(&stats),
        None => *total = Some(stats),
    }
}

/// Runs `trials` trials (indices 0..trials) of every variant of `set`.
pub fn run_point(
    set: &ScenarioSet,
    trials: u64,
    threads: usize,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<PointResult> {
    run_point_with(set, trials, threads, cancel, progress, None).map(|(r, _)| r)
}

/// Like [`run_point`], also keeping `outcome` of every trial: one list per
/// variant (baseline first), in trial order.
pub fn run_point_with(
    set: &ScenarioSet,
    trials: u64,
    threads: usize,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
    outcome: Option<TrialMetric>,
) -> Result<(PointResult, Vec<Vec<Option<f64>>>)> {
    let mut scenarios = vec![(BASELINE.to_string(), &set.base)];
    scenarios.extend(set.variants.iter().map(|v| (v.name.clone(), &v.scenario)));
    let theatres: Vec<Theatre<'_>> = scenarios.iter().map(|(_, s)| Theatre::new(s)).collect();
    let (stats, kept) =
        run_on_common_trials(&theatres, 0..trials, threads, cancel, progress, outcome)?;
    let patrol_in = patrol_in(&set.base, theatres.iter().map(|t| &*t.defences));
    Ok((
        PointResult {
            variants: scenarios.into_iter().map(|(n, _)| n).collect(),
            stats,
            patrol_in,
        },
        kept,
    ))
}

/// Per scenario's `defences` (scenarios of `base`'s geography): mean
/// weekly patrol detection on the directions into member territory (from
/// a non-member region), `None` without any.
pub fn patrol_in<'d>(
    base: &crate::scenario::Scenario,
    defences: impl IntoIterator<Item = &'d crate::model::Defences>,
) -> Vec<Option<f64>> {
    let inward: Vec<usize> = (0..2 * base.borders.len())
        .filter(|&d| {
            let b = &base.borders[d / 2];
            let (from, to) = if d % 2 == 0 { (b.a, b.b) } else { (b.b, b.a) };
            b.is_segment() && !base.is_member_region(from) && base.is_member_region(to)
        })
        .collect();
    defences
        .into_iter()
        .map(|d| {
            (!inward.is_empty() && base.weeks > 0).then(|| {
                let total: f64 = inward
                    .iter()
                    .map(|&dir| d.recorded_patrol(dir, base.weeks))
                    .sum();
                total / (inward.len() as f64 * f64::from(base.weeks))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(low: f64, high: f64, steps: u32, integer: bool) -> ParamRange {
        ParamRange {
            path: "model.x".into(),
            low,
            high,
            steps,
            integer,
            rescale: None,
            log: false,
        }
    }

    #[test]
    fn grids_cover_every_combination_with_exact_ends() {
        let g = grid(&[range(0.0, 1.0, 3, false), range(2.0, 4.0, 2, false)]);
        assert_eq!(
            g,
            vec![
                vec![0.0, 2.0],
                vec![0.0, 4.0],
                vec![0.5, 2.0],
                vec![0.5, 4.0],
                vec![1.0, 2.0],
                vec![1.0, 4.0]
            ]
        );
        let g = grid(&[range(0.1, 0.7, 7, false)]);
        assert_eq!(g.last(), Some(&vec![0.7]));
    }

    #[test]
    fn latin_hypercubes_use_each_stratum_once() {
        let n = 50;
        let points = latin_hypercube(
            &[range(0.0, 1.0, 2, false), range(10.0, 20.0, 2, false)],
            n,
            7,
        );
        for (j, (lo, hi)) in [(0.0, 1.0), (10.0, 20.0)].into_iter().enumerate() {
            let mut strata: Vec<usize> = points
                .iter()
                .map(|p| ((p[j] - lo) / (hi - lo) * n as f64).floor() as usize)
                .collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..n).collect::<Vec<_>>());
        }
        assert_eq!(
            points,
            latin_hypercube(
                &[range(0.0, 1.0, 2, false), range(10.0, 20.0, 2, false)],
                n,
                7
            )
        );
    }

    #[test]
    fn an_allocation_share_rescales_the_others() {
        use crate::scenario::ranges::allocation_at;
        let a = allocation_at([0.6, 0.3, 0.1], 0, 0.2);
        assert!((a[0] - 0.2).abs() < 1e-12);
        assert!((a[1] - 0.6).abs() < 1e-12 && (a[2] - 0.2).abs() < 1e-12);
        assert_eq!(allocation_at([1.0, 0.0, 0.0], 0, 0.5), [0.5, 0.25, 0.25]);
        let mut p = range(0.0, 1.0, 2, false);
        p.path = "states.MEM.allocation.intel".into();
        p.rescale = Some([0.5, 0.5, 0.0]);
        assert_eq!(
            overrides(&[p], &[0.25]),
            vec!["states.MEM.allocation={ border = 0.75, intel = 0.25, readiness = 0.0 }"]
        );
    }

    #[test]
    fn integer_fields_are_written_as_integers() {
        assert_eq!(toml_number(3.6, true), "4");
        assert_eq!(toml_number(0.1, false), "0.1");
        assert_eq!(toml_number(2.0, false), "2.0");
        assert_eq!(toml_number(1e20, false), "1e20");
    }

    /// Every (point, trial) in one pool gives each point exactly what
    /// running its trials alone gives (statistics and kept outcomes), at
    /// any thread count and batch size, with results in point order.
    #[test]
    fn points_in_one_pool_match_points_run_alone() {
        let text = include_str!("../../tests/data/all_features.toml");
        let base = BaseText {
            name: "all_features.toml".into(),
            stem: "all_features".into(),
            text: text.into(),
            sets: vec!["scenario.weeks=20".into()],
            parsed: Default::default(),
        };
        let mut p = range(0.5, 1.5, 4, false);
        p.path = "model.detection_scale".into();
        let params = vec![p];
        let design = grid(&params);
        let cancel = AtomicBool::new(false);
        let outcome = Some(TrialMetric::parse("attacks").expect("a metric"));
        let alone: Vec<(RunStats, Vec<Vec<Option<f64>>>)> = design
            .iter()
            .map(|values| {
                let set = base.at(&params, values).expect("a point");
                let (r, kept) =
                    run_point_with(&set, 7, 2, &cancel, &|_| {}, outcome).expect("runs");
                (r.stats, kept)
            })
            .collect();
        for (threads, per_batch) in [(1, 64), (3, 1), (2, 3)] {
            let together = run_points_in_batches(
                design.len(),
                &|j| base.at(&params, &design[j]),
                0..7,
                threads,
                &cancel,
                &|_| {},
                outcome,
                per_batch,
                |p| Ok((p.index, p.stats, p.kept)),
                |_, made| Ok(made),
            )
            .expect("runs");
            for (j, ((index, stats, kept), (s, k))) in together.into_iter().zip(&alone).enumerate()
            {
                assert_eq!(index, j);
                // A point keeps no weekly series; everything else is the
                // point run alone's.
                let mut s = s.clone();
                for v in &mut s.variants {
                    (v.weeks, v.weekly) = (0, Vec::new());
                }
                let s = &s;
                assert!(k.iter().all(|l| l.len() == 7), "every trial kept");
                assert!(
                    stats == *s,
                    "point {j}, {threads} threads, {per_batch} a batch"
                );
                assert_eq!(&kept, k, "point {j}, {threads} threads");
            }
        }
    }
}
