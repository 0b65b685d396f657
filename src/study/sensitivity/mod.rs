//! `cordon sensitivity`: how much each uncertain parameter (the
//! `[[uncertain]]` tables) moves one outcome, and whether the ranking of
//! policies survives that uncertainty.
//!
//! Three analyses share the design-point runner of [`crate::engine::points`]:
//! one-at-a-time swings (each parameter at its low and high value, the
//! others as written; paired on common random numbers), Sobol first-order
//! and total indices (Saltelli sampling, Jansen estimators, bootstrap
//! intervals; see [`sobol`]), and, over the Sobol base samples, how often
//! each variant is the best.

pub(crate) mod sobol;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use crate::engine::points::{BaseText, overrides, run_points};
use crate::error::{Error, Result};
use crate::results::default_out;
pub use crate::results::sensitivity::{Entry, Row, read_rows};
use crate::scenario::ScenarioSet;
use crate::scenario::ranges::ParamRange;
use crate::stats::interval::{mean_ci95, wilson95};
use crate::stats::metric::TrialMetric;
use crate::study::stage;
use sobol::{Saltelli, SobolIndex, jansen};

/// Everything `cordon sensitivity` needs, resolved from flags.
#[derive(Debug, Clone)]
pub struct SensitivityOptions {
    /// The scenario, seed, threads and result folder.
    pub common: crate::study::Common,
    /// The outcome analysed (a per-trial total or `p_any_attack`).
    pub metric: String,
    /// Trials per design point.
    pub trials: u64,
    /// Base samples `N` of the Sobol design (`N (k + 2)` points).
    pub samples: usize,
    /// Bootstrap resamples for the Sobol intervals.
    pub bootstrap: usize,
}

/// The analysis ready to run.
#[derive(Debug)]
pub struct SensitivityPlan {
    pub source: BaseText,
    pub base: ScenarioSet,
    pub params: Vec<ParamRange>,
    pub outcome: TrialMetric,
    pub saltelli: Saltelli,
}

impl SensitivityPlan {
    /// Design points: the scenario itself, two per parameter, and the
    /// Sobol points.
    pub fn points(&self) -> usize {
        1 + 2 * self.params.len() + self.saltelli.points().len()
    }
}

/// Loads the scenario and checks that there is something to analyse.
pub fn plan(opts: &SensitivityOptions) -> Result<SensitivityPlan> {
    let mut sets = opts.common.sets.clone();
    if let Some(s) = opts.common.seed {
        sets.push(format!("scenario.seed={s}"));
    }
    let outcome = TrialMetric::parse(&opts.metric)?;
    let source = BaseText::read(&opts.common.scenario, &sets)?;
    let base = source.load(&[], opts.common.threads)?;
    if base.uncertain.is_empty() {
        return Err(Error::Invalid(format!(
            "{} has no [[uncertain]] tables: list the parameters to analyse, e.g.\n\n[[uncertain]]\npath = \"model.detection_scale\"\nlow = 0.5\nhigh = 2.0",
            source.name
        )));
    }
    let params = base.uncertain.clone();
    let saltelli = Saltelli::new(params.len(), opts.samples, base.base.seed);
    Ok(SensitivityPlan {
        source,
        base,
        params,
        outcome,
        saltelli,
    })
}

/// What a finished analysis produced.
#[derive(Debug)]
pub struct SensitivityReport {
    pub out: PathBuf,
    pub rows: Vec<Row>,
    /// Notes on what could not be estimated.
    pub notes: Vec<String>,
}

/// Runs the analysis and writes its folder.
pub fn sensitivity(
    opts: &SensitivityOptions,
    progress: &(dyn Fn(u64) + Sync),
    on_point: &dyn Fn(usize),
    cancel: &AtomicBool,
    on_start: impl FnOnce(&SensitivityPlan, &Path),
) -> Result<SensitivityReport> {
    let started = chrono::Utc::now();
    let clock = Instant::now();
    let plan = plan(opts)?;
    let target = opts.common.out.clone().unwrap_or_else(|| {
        let stamp = started.format("sensitivity-%Y-%m-%dT%H-%M-%SZ").to_string();
        default_out(
            &opts.common.output_root,
            &opts.common.scenario.stem(),
            started,
        )
        .with_file_name(stamp)
    });
    let k = plan.params.len();
    let mut points: Vec<Vec<Option<f64>>> = vec![vec![None; k]];
    for i in 0..k {
        for x in [plan.params[i].low, plan.params[i].high] {
            let mut values = vec![None; k];
            values[i] = Some(x);
            points.push(values);
        }
    }
    for u in plan.saltelli.points() {
        points.push(
            plan.params
                .iter()
                .zip(&u)
                .map(|(p, u)| Some(scale(p, *u)))
                .collect(),
        );
    }
    let total = (points.len() as u64)
        .saturating_mul(opts.trials)
        .saturating_mul(1 + plan.base.variants.len() as u64);
    let limit = crate::scenario::read::limits::MAX_TRIALS as u64;
    if total > limit {
        return Err(Error::Invalid(format!(
            "the analysis would run {total} trials ({} points × {} trials × {} variants); at most {limit} are allowed: lower --samples or --trials",
            points.len(),
            opts.trials,
            1 + plan.base.variants.len()
        )));
    }
    // Every point is built (and so validated) before any trial runs, in
    // parallel, and dropped: it is built again when its batch comes.
    let built = crate::engine::with_pool(opts.common.threads, || {
        crate::engine::par_map_step("points checked", &points[1..], |values| {
            point(&plan, values).err()
        })
    })?;
    if let Some(e) = built.into_iter().flatten().next() {
        return Err(e);
    }
    let staging = stage(&target, opts.common.force)?;
    on_start(&plan, &target);
    // Per-trial outcomes for the one-at-a-time points (paired swings);
    // only each variant's mean and squared standard error for the Sobol
    // points, whose number can be large. Every (point, trial) runs in one
    // pool.
    let mut per_trial = Vec::with_capacity(1 + 2 * k);
    let mut sobol_points: Vec<Vec<PointMean>> = Vec::new();
    let mut variants = Vec::new();
    run_points(
        points.len(),
        &|i| {
            if i == 0 {
                Ok(plan.base.clone())
            } else {
                point(&plan, &points[i]).map(|(_, set)| set)
            }
        },
        0..opts.trials,
        opts.common.threads,
        cancel,
        progress,
        Some(plan.outcome),
        // In the pool: the variants' names (of the first point) and what
        // is kept of the point's trials.
        |p| {
            let names = (p.index == 0).then(|| p.set.names());
            let kept = if p.index <= 2 * k {
                Kept::Trials(p.kept)
            } else {
                Kept::Means(p.kept.iter().map(|l| PointMean::of(l)).collect())
            };
            Ok((names, kept))
        },
        |index, (names, kept)| {
            on_point(index);
            if let Some(names) = names {
                variants = names;
            }
            match kept {
                Kept::Trials(lists) => per_trial.push(lists),
                Kept::Means(means) => sobol_points.push(means),
            }
            Ok(())
        },
    )?;
    let mut notes = Vec::new();
    for v in &plan.base.variants {
        for p in &plan.params {
            if v.overrides
                .iter()
                .any(|(path, _)| p.path == *path || p.path.starts_with(&format!("{path}.")))
            {
                notes.push(format!(
                    "variant `{}` sets {} itself, so that parameter does not vary for it",
                    v.name, p.path
                ));
            }
        }
    }
    crate::engine::timing("points run", clock);
    let metric = plan.outcome.name();
    let mut rows = oat_rows(&plan, &variants, &per_trial, metric);
    let sobol_values = &sobol_points;
    rows.extend(sobol_rows(
        &plan,
        &variants,
        sobol_values,
        opts.bootstrap,
        metric,
        &mut notes,
    ));
    rows.extend(ranking_rows(
        &plan,
        &variants,
        sobol_values,
        metric,
        &mut notes,
    ));
    crate::engine::timing("indices", clock);
    crate::results::write_csv(&staging.path().join("sensitivity.csv"), &rows)
        .map_err(Error::Other)?;
    let manifest = Manifest {
        cordon_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: plan.base.base.name.clone(),
        scenario_path: opts.common.scenario.display(),
        metric,
        seed: plan.base.base.seed,
        trials_per_point: opts.trials,
        sobol_base_samples: plan.saltelli.n(),
        bootstrap: opts.bootstrap,
        parameters: plan.params.clone(),
        points: points.len(),
        variants: variants.clone(),
        sets: plan.source.sets.clone(),
        threads: opts.common.threads,
        command_line: opts.common.command_line.clone(),
        started_utc: started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        wall_seconds: clock.elapsed().as_secs_f64(),
        notes: notes.clone(),
    };
    crate::results::manifest::write(staging.path(), &manifest)?;
    let caption = format!(
        "{} trials per point × {} weeks · seed {} · Sobol: {} base samples, {} bootstrap resamples",
        opts.trials,
        plan.base.base.weeks,
        plan.base.base.seed,
        plan.saltelli.n(),
        opts.bootstrap
    );
    let (out, _) = super::commit_then_draw(staging, |out| {
        crate::engine::with_pool(opts.common.threads, || {
            crate::chart::sensitivity::draw_all(
                &rows,
                &plan.base.base.name,
                metric,
                &caption,
                &out.join(crate::chart::CHARTS),
            )
        })?
    })?;
    crate::engine::timing("total", clock);
    Ok(SensitivityReport { out, rows, notes })
}

/// A parameter's value at `u` in [0, 1] of its range.
fn scale(p: &ParamRange, u: f64) -> f64 {
    p.at(u)
}

/// The scenario with the given parameters set (`None`: as written).
fn point(plan: &SensitivityPlan, values: &[Option<f64>]) -> Result<(Vec<String>, ScenarioSet)> {
    let (params, xs): (Vec<ParamRange>, Vec<f64>) = plan
        .params
        .iter()
        .zip(values)
        .filter_map(|(p, x)| Some((p.clone(), (*x)?)))
        .unzip();
    let set = plan.source.at(&params, &xs)?;
    Ok((overrides(&params, &xs), set))
}

/// Mean and 95% interval of the known values of `xs`.
fn mean_ci(xs: impl Iterator<Item = f64>) -> (Option<f64>, Option<(f64, f64)>, u64) {
    let xs: Vec<f64> = xs.collect();
    let n = xs.len() as u64;
    if n == 0 {
        return (None, None, 0);
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    let ci = (n > 1)
        .then(|| {
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            mean_ci95(mean, (var / n as f64).sqrt(), n)
        })
        .flatten();
    (Some(mean), ci, n)
}

/// The scenario's own outcome, each parameter's low and high outcome, and
/// the swing high − low with the interval of the paired differences.
fn oat_rows(
    plan: &SensitivityPlan,
    variants: &[String],
    per_trial: &[Vec<Vec<Option<f64>>>],
    metric: &'static str,
) -> Vec<Row> {
    let mut rows = Vec::new();
    let row = |kind,
               parameter: &str,
               variant: &str,
               value,
               (m, ci, n): (Option<f64>, Option<(f64, f64)>, u64)| Row {
        kind,
        parameter: parameter.to_string(),
        variant: variant.to_string(),
        metric,
        value,
        estimate: m,
        ci95_lo: ci.map(|c: (f64, f64)| c.0),
        ci95_hi: ci.map(|c: (f64, f64)| c.1),
        n,
    };
    for (v, name) in variants.iter().enumerate() {
        rows.push(row(
            "base",
            "",
            name,
            None,
            mean_ci(per_trial[0][v].iter().flatten().copied()),
        ));
        for (i, p) in plan.params.iter().enumerate() {
            let low = &per_trial[1 + 2 * i][v];
            let high = &per_trial[2 + 2 * i][v];
            rows.push(row(
                "oat_low",
                &p.path,
                name,
                Some(p.low),
                mean_ci(low.iter().flatten().copied()),
            ));
            rows.push(row(
                "oat_high",
                &p.path,
                name,
                Some(p.high),
                mean_ci(high.iter().flatten().copied()),
            ));
            let diffs = low
                .iter()
                .zip(high)
                .filter_map(|(l, h)| Some((*h)? - (*l)?));
            rows.push(row("oat_swing", &p.path, name, None, mean_ci(diffs)));
        }
    }
    rows
}

/// What is kept of a point's trials: every trial's outcome (the base and
/// the one-at-a-time points, for paired swings) or each variant's mean
/// (a Sobol point).
enum Kept {
    Trials(Vec<Vec<Option<f64>>>),
    Means(Vec<PointMean>),
}

/// One variant's outcome at one point: its mean over trials and the
/// square of the mean's standard error.
#[derive(Debug, Clone, Copy)]
struct PointMean {
    mean: f64,
    se2: Option<f64>,
}

impl PointMean {
    fn of(values: &[Option<f64>]) -> PointMean {
        let xs: Vec<f64> = values.iter().flatten().copied().collect();
        let n = xs.len() as f64;
        let mean = if xs.is_empty() {
            f64::NAN
        } else {
            xs.iter().sum::<f64>() / n
        };
        let se2 = (xs.len() > 1)
            .then(|| xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / ((n - 1.0) * n));
        PointMean { mean, se2 }
    }
}

/// Point means of one variant over the Sobol points.
fn point_means(values: &[Vec<PointMean>], v: usize) -> Vec<f64> {
    values.iter().map(|p| p[v].mean).collect()
}

fn sobol_rows(
    plan: &SensitivityPlan,
    variants: &[String],
    values: &[Vec<PointMean>],
    reps: usize,
    metric: &'static str,
    notes: &mut Vec<String>,
) -> Vec<Row> {
    let mut rows = Vec::new();
    let k = plan.params.len();
    for (v, name) in variants.iter().enumerate() {
        let means = point_means(values, v);
        if means.iter().any(|m| !m.is_finite()) {
            notes.push(format!(
                "{name}: {metric} is missing at some points; no Sobol indices"
            ));
            continue;
        }
        let Some(indices) = jansen(&means, k, reps, plan.base.base.seed) else {
            notes.push(format!(
                "{name}: {metric} does not vary over the sampled parameters; no Sobol indices"
            ));
            continue;
        };
        rows.push(Row {
            kind: "sobol_noise",
            parameter: String::new(),
            variant: name.clone(),
            metric,
            value: None,
            estimate: noise_share(values, v, &means, plan.saltelli.n()),
            ci95_lo: None,
            ci95_hi: None,
            n: plan.saltelli.n() as u64,
        });
        for (
            p,
            SobolIndex {
                first,
                first_ci,
                total,
                total_ci,
            },
        ) in plan.params.iter().zip(indices)
        {
            for (kind, e, ci) in [
                ("sobol_first", first, first_ci),
                ("sobol_total", total, total_ci),
            ] {
                rows.push(Row {
                    kind,
                    parameter: p.path.clone(),
                    variant: name.clone(),
                    metric,
                    value: None,
                    estimate: Some(e),
                    ci95_lo: Some(ci.0),
                    ci95_hi: Some(ci.1),
                    n: plan.saltelli.n() as u64,
                });
            }
        }
    }
    rows
}

/// The share of the variance of the point means (over `A` and `B`) that
/// is Monte Carlo noise of the means themselves: the mean squared
/// standard error over those points, divided by their variance. Near 0 the
/// indices describe the parameters; a sizeable share is variance no
/// parameter explains (first-order indices then sum to well below 1).
fn noise_share(values: &[Vec<PointMean>], v: usize, means: &[f64], n: usize) -> Option<f64> {
    let ab = &means[..2 * n];
    let m = ab.iter().sum::<f64>() / ab.len() as f64;
    let var = ab.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (ab.len() as f64 - 1.0);
    let se2: Vec<f64> = values[..2 * n].iter().filter_map(|p| p[v].se2).collect();
    (var > 0.0 && !se2.is_empty()).then(|| se2.iter().sum::<f64>() / se2.len() as f64 / var)
}

/// How often each variant has the best mean over the `2N` independent
/// parameter sets of the Sobol design (its `A` and `B` samples).
fn ranking_rows(
    plan: &SensitivityPlan,
    variants: &[String],
    values: &[Vec<PointMean>],
    metric: &'static str,
    notes: &mut Vec<String>,
) -> Vec<Row> {
    if variants.len() < 2 {
        return vec![];
    }
    let Some(lower) = plan.outcome.lower_is_better() else {
        notes.push(format!(
            "{metric} is neither better high nor low; no ranking"
        ));
        return vec![];
    };
    let sets = 2 * plan.saltelli.n();
    let means: Vec<Vec<f64>> = (0..variants.len())
        .map(|v| point_means(&values[..sets], v))
        .collect();
    let mut wins = vec![0u64; variants.len()];
    let best = |s: usize| {
        (0..variants.len())
            .filter(|&v| means[v][s].is_finite())
            .min_by(|&a, &b| {
                let (x, y) = (means[a][s], means[b][s]);
                if lower {
                    x.total_cmp(&y)
                } else {
                    y.total_cmp(&x)
                }
            })
    };
    for b in (0..sets).filter_map(best) {
        wins[b] += 1;
    }
    variants
        .iter()
        .zip(wins)
        .map(|(name, k)| {
            let ci = wilson95(k, sets as u64);
            Row {
                kind: "ranking",
                parameter: String::new(),
                variant: name.clone(),
                metric,
                value: None,
                estimate: Some(k as f64 / sets as f64),
                ci95_lo: ci.map(|c| c.0),
                ci95_hi: ci.map(|c| c.1),
                n: sets as u64,
            }
        })
        .collect()
}

/// `manifest.json` of a sensitivity folder.
#[derive(Debug, serde::Serialize)]
struct Manifest {
    cordon_version: String,
    scenario: String,
    scenario_path: String,
    metric: &'static str,
    seed: u64,
    trials_per_point: u64,
    sobol_base_samples: usize,
    bootstrap: usize,
    parameters: Vec<ParamRange>,
    points: usize,
    variants: Vec<String>,
    sets: Vec<String>,
    threads: usize,
    command_line: String,
    started_utc: String,
    wall_seconds: f64,
    notes: Vec<String>,
}
