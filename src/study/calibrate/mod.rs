//! `cordon calibrate`: the posterior of a scenario's `[[uncertain]]`
//! parameters given its `[[observed]]` series (docs/model.md §4a).
//!
//! The prior is the `[[uncertain]]` box (uniform, or log-uniform with
//! `scale = "log"`). The likelihood of a parameter point is simulated: R
//! trials of the base scenario at that point give, for every observed
//! period, R counts, and a count law fitted to them scores the observed
//! count ([`likelihood`]). Periods and series are taken as independent
//! given the point (a composite likelihood). Sequential Monte Carlo
//! ([`smc`]) moves particles from the prior to the posterior. All (point,
//! trial) work items of a batch run in one parallel pool, and every random
//! number is keyed, so the posterior is the same at any thread count.
//!
//! Results: `posterior.csv`, `generations.csv`, `calibration.csv`,
//! `predictive.csv`, `manifest.json` and charts, in a folder that appears
//! whole; with `--resume` a checkpoint after every generation lets an
//! interrupted calibration continue.

pub(crate) mod likelihood;
pub mod smc;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::engine::points::overrides;
use crate::engine::{free_in_pool, par_map_step, prepare_points, run_point_trials, with_pool};
use crate::error::{Error, Result};
use crate::model::{Theatre, TrialRecord};
use crate::results::default_out;
use crate::results::folder::Staging;
use crate::results::manifest::write_json;
use crate::scenario::observed::Observation;
use crate::scenario::ranges::ParamRange;
use crate::scenario::{BaseTemplate, Scenario, ScenarioSet, load_base_point};
use crate::study::refused;
use crate::study::run::load_source;

pub use crate::results::Posterior;
pub use smc::{Generation, Settings};

/// What `cordon calibrate` was asked to do.
#[derive(Debug, Clone)]
pub struct CalibrateOptions {
    /// The scenario, seed, threads and result folder.
    pub common: crate::study::Common,
    pub particles: usize,
    pub generations: u32,
    pub trials_per_particle: u64,
    pub max_moves: u32,
    pub resume: bool,
}

/// Most trials per particle (the key of a simulation keeps 16 bits).
pub const MAX_TRIALS_PER_PARTICLE: u64 = 1 << 16;

/// Particles built and simulated together: bounds the memory of the
/// prepared scenarios.
const CHUNK: usize = 256;

/// What a finished calibration produced.
#[derive(Debug)]
pub struct CalibrationReport {
    pub out: PathBuf,
    pub params: Vec<ParamRange>,
    pub rows: Vec<ParameterRow>,
    pub predictive: Vec<PredictiveRow>,
    pub history: Vec<Generation>,
    pub converged: bool,
    pub notes: Vec<String>,
}

/// One row of `calibration.csv`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ParameterRow {
    pub parameter: String,
    pub prior_low: f64,
    pub prior_high: f64,
    pub scale: String,
    pub mean: f64,
    pub sd: f64,
    pub q05: f64,
    pub median: f64,
    pub q95: f64,
    /// 1 − (posterior 90% interval) / (prior 90% interval), in the prior's
    /// coordinates: 0 when the data taught nothing, near 1 when they pin
    /// the parameter.
    pub shrinkage: f64,
}

/// One row of `predictive.csv`: the type its reader reads, so the file has
/// one definition.
pub use crate::results::calibration::Predictive as PredictiveRow;

/// What the manifest says of a calibration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CalibrationManifest {
    pub cordon_version: String,
    pub kind: String,
    pub scenario: crate::results::ScenarioEntry,
    pub sets: Vec<String>,
    pub seed: u64,
    pub weeks: u32,
    pub warmup_weeks: u32,
    pub settings: Settings,
    pub trials_per_particle: u64,
    pub parameters: Vec<ParamRange>,
    pub observed: Vec<ObservedEntry>,
    pub generations: u32,
    pub final_temperature: f64,
    pub converged: bool,
    pub simulations: u64,
    pub threads: usize,
    pub command_line: String,
    pub started_utc: String,
    pub wall_seconds: f64,
}

/// An observed series, as the manifest and the report show it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ObservedEntry {
    pub series: String,
    pub period_weeks: u32,
    pub start_week: u32,
    pub counts: Vec<u64>,
    pub source: String,
}

/// The checkpoint written after every generation.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Checkpoint {
    /// What must not change for the calibration to continue.
    identity: String,
    state: smc::State,
}

/// The scenario and observations every simulation needs.
pub struct Model<'a> {
    pub name: String,
    pub stem: String,
    pub text: String,
    pub sets: Vec<String>,
    pub params: Vec<ParamRange>,
    pub observed: &'a [Observation],
    pub seed: u64,
    /// The text parsed once with `sets` applied ([`Model::prepare`]);
    /// without it every point parses the text again.
    pub template: Option<BaseTemplate>,
}

impl Model<'_> {
    /// Parses the scenario text once, so that points are built from the
    /// parsed document.
    pub fn prepare(mut self) -> Self {
        self.template = BaseTemplate::new(&self.name, &self.stem, &self.text, &self.sets).ok();
        self
    }

    /// The base scenario at parameter values `x` (in the parameters' own
    /// units), with the calibration's seed; `None` when that combination
    /// of values is not a valid scenario (outside the prior's support).
    pub fn scenario(&self, x: &[f64]) -> Option<Scenario> {
        let sets = overrides(&self.params, x);
        let mut s = match &self.template {
            Some(t) => t.scenario(&sets).ok()?,
            None => {
                let mut all = self.sets.clone();
                all.extend(sets);
                load_base_point(&self.name, &self.stem, &self.text, &all).ok()?
            }
        };
        s.seed = self.seed;
        Some(s)
    }

    /// The counts of every observed period in trials `key·2^16 + r`, r <
    /// `trials`, of each prepared point: per point, one list per (series,
    /// period), series by series (`None` for a missing point).
    fn simulate(
        &self,
        theatres: &[Option<Theatre<'_>>],
        keys: &[u64],
        trials: u64,
        cancel: &AtomicBool,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Vec<Option<Vec<Vec<u64>>>> {
        let detail = Observation::detail(self.observed);
        let periods: usize = self.observed.iter().map(|o| o.counts.len()).sum();
        let read = |rec: &TrialRecord| -> Vec<u64> {
            let mut row = Vec::with_capacity(periods);
            for o in self.observed {
                row.extend((0..o.counts.len()).map(|k| o.simulated(rec, k)));
            }
            row
        };
        let index = |j: usize, r: u64| (keys[j] << 16) | r;
        let clock = Instant::now();
        let per_point = run_point_trials(theatres, trials, &index, detail, cancel, progress, &read);
        // Many short items: the step's critical path is one of them.
        crate::engine::timing("step trials", clock);
        // Each point's rows turned into lists by period, points in parallel.
        par_map_step("points read", &per_point, |rows| {
            let rows = rows.as_ref()?;
            let mut by_period = vec![Vec::with_capacity(rows.len()); periods];
            for row in rows {
                for (list, &c) in by_period.iter_mut().zip(row) {
                    list.push(c);
                }
            }
            Some(by_period)
        })
    }

    /// The simulated log-likelihood of every job (−∞ outside the prior's
    /// support).
    pub fn log_likelihoods(
        &self,
        prior: &smc::Prior,
        jobs: &[smc::Job],
        trials: u64,
        cancel: &AtomicBool,
        progress: &(dyn Fn(u64) + Sync),
    ) -> anyhow::Result<Vec<f64>> {
        let mut out = Vec::with_capacity(jobs.len());
        for chunk in jobs.chunks(CHUNK) {
            let scenarios = par_map_step("particles built", chunk, |j| {
                self.scenario(&prior.values(&j.z))
            });
            let theatres = prepare_points(&scenarios);
            let keys: Vec<u64> = chunk.iter().map(|j| j.key).collect();
            let sims = self.simulate(&theatres, &keys, trials, cancel, progress);
            if cancel.load(Ordering::Relaxed) {
                anyhow::bail!(Interrupted);
            }
            out.extend(par_map_step("likelihoods", &sims, |s| match s {
                None => f64::NEG_INFINITY,
                Some(by_period) => {
                    let observed = self.observed.iter().flat_map(|o| o.counts.iter());
                    observed
                        .zip(by_period)
                        .map(|(&y, xs)| likelihood::log_likelihood(y, xs))
                        .sum()
                }
            }));
            // The chunk's theatres, then the scenarios they borrow, freed
            // in parallel.
            free_in_pool(theatres);
            free_in_pool(scenarios);
        }
        Ok(out)
    }
}

/// The calibration was stopped by a signal.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
struct Interrupted;

/// Calls while calibrating, for a terminal.
pub struct Hooks<'a> {
    /// One simulated trial finished.
    pub progress: &'a (dyn Fn(u64) + Sync),
    /// A generation begins: its number and the trials it may run at most.
    pub on_generation_start: &'a (dyn Fn(u32, u64) + Sync),
    /// A generation ended.
    pub on_generation: &'a (dyn Fn(&Generation) + Sync),
    /// The work is planned: particles, parameters, series, the target folder.
    pub on_start: &'a (dyn Fn(&CalibrationPlan, &Path) + Sync),
    pub cancel: &'a AtomicBool,
}

/// What a calibration will do, for messages.
#[derive(Debug, Clone)]
pub struct CalibrationPlan {
    pub scenario: String,
    pub params: Vec<ParamRange>,
    pub series: Vec<String>,
    pub particles: usize,
    pub trials_per_particle: u64,
    pub resumed_at: Option<u32>,
}

/// Runs a calibration and writes its folder.
pub fn calibrate(opts: &CalibrateOptions, hooks: &Hooks<'_>) -> Result<CalibrationReport> {
    let started = chrono::Utc::now();
    let clock = Instant::now();
    let (set, text) = load_source(&opts.common.scenario, &opts.common.sets)?;
    check_inputs(&set, opts)?;
    let text = String::from_utf8(text).map_err(|_| {
        Error::Invalid(format!(
            "{} is not UTF-8 text",
            opts.common.scenario.display()
        ))
    })?;
    let seed = opts.common.seed.unwrap_or(set.base.seed);
    let model = Model {
        name: opts.common.scenario.display(),
        stem: opts.common.scenario.stem(),
        text,
        sets: opts.common.sets.clone(),
        params: set.uncertain.clone(),
        observed: &set.observed,
        seed,
        template: None,
    }
    .prepare();
    let prior = smc::Prior {
        params: set.uncertain.clone(),
    };
    let settings = Settings {
        particles: opts.particles,
        generations: opts.generations,
        ess_fraction: 0.5,
        max_moves: opts.max_moves,
        seed,
    };
    let target = opts.common.out.clone().unwrap_or_else(|| {
        let stamp = started.format("calibrate-%Y-%m-%dT%H-%M-%SZ").to_string();
        default_out(
            &opts.common.output_root,
            &opts.common.scenario.stem(),
            started,
        )
        .with_file_name(stamp)
    });
    let identity = identity(&model, &settings, opts.trials_per_particle);
    let (staging, state) = stage(&target, opts, &identity)?;
    let plan = CalibrationPlan {
        scenario: set.base.name.clone(),
        params: model.params.clone(),
        series: set.observed.iter().map(|o| o.label.clone()).collect(),
        particles: opts.particles,
        trials_per_particle: opts.trials_per_particle,
        resumed_at: state.as_ref().map(smc::State::generation),
    };
    (hooks.on_start)(&plan, &target);
    let trials = opts.trials_per_particle;
    let mut generation = state.as_ref().map_or(0, |s| s.generation() + 1);
    let batch_trials = opts.particles as u64 * trials;
    (hooks.on_generation_start)(generation, batch_trials);
    let result = with_pool(opts.common.threads, || {
        smc::run(
            &prior,
            &settings,
            state,
            |jobs| model.log_likelihoods(&prior, jobs, trials, hooks.cancel, hooks.progress),
            |state| {
                if let Some(g) = state.history.last() {
                    (hooks.on_generation)(g);
                }
                generation += 1;
                if !state.done() && state.generation() < settings.generations {
                    (hooks.on_generation_start)(
                        generation,
                        batch_trials * u64::from(settings.max_moves),
                    );
                }
                if opts.resume {
                    let cp = Checkpoint {
                        identity: identity.clone(),
                        state: state.clone(),
                    };
                    write_json(&staging.path().join(CHECKPOINT), &cp)
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                }
                Ok(())
            },
        )
    })
    .map_err(|e| Error::Other(e.into()))?;
    let state = match result {
        Ok(s) => s,
        Err(e) if e.is::<Interrupted>() => {
            let kept = opts.resume.then(|| staging.path().display().to_string());
            return Err(Error::Interrupted(kept));
        }
        Err(e) => return Err(Error::Other(e)),
    };
    let converged = state.done();
    // The predictive check: fresh trials at every final particle.
    (hooks.on_generation_start)(state.generation() + 1, batch_trials);
    let predictive = with_pool(opts.common.threads, || {
        predictive(&model, &prior, &state, trials, hooks)
    })
    .map_err(|e| Error::Other(e.into()))??;
    let rows = parameter_rows(&prior, &state);
    let dir = staging.path();
    write_posterior(&dir.join("posterior.csv"), &prior, &state)?;
    crate::results::tables::write_csv(&dir.join("generations.csv"), &state.history)?;
    crate::results::tables::write_csv(&dir.join("calibration.csv"), &rows)?;
    crate::results::tables::write_csv(&dir.join("predictive.csv"), &predictive)?;
    let simulations: u64 = state.history.iter().map(|g| g.simulations).sum();
    let manifest = CalibrationManifest {
        cordon_version: env!("CARGO_PKG_VERSION").to_string(),
        kind: "calibration".into(),
        scenario: crate::results::ScenarioEntry {
            name: set.base.name.clone(),
            description: set.base.description.clone(),
            path: opts.common.scenario.display(),
            sha256: Sha256::digest(model.text.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        },
        sets: opts.common.sets.clone(),
        seed,
        weeks: set.base.weeks,
        warmup_weeks: set.base.warmup_weeks,
        settings: settings.clone(),
        trials_per_particle: trials,
        parameters: model.params.clone(),
        observed: observed_entries(&set.observed),
        generations: state.generation(),
        final_temperature: state.temperature,
        converged,
        simulations,
        threads: opts.common.threads,
        command_line: opts.common.command_line.clone(),
        started_utc: started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        wall_seconds: clock.elapsed().as_secs_f64(),
    };
    crate::results::manifest::write(dir, &manifest)?;
    let _ = std::fs::remove_file(dir.join(CHECKPOINT));
    // The charts are drawn into the committed folder; a drawing failure is
    // a note here, as the sampler's work is done.
    let (out, charts) = crate::study::commit_then_draw(staging, |out| {
        Ok(crate::chart::calibration::draw_all_on(
            out,
            opts.common.threads,
        ))
    })?;
    crate::engine::timing("total", clock);
    let mut notes = Vec::new();
    if !converged {
        notes.push(format!(
            "the sampler stopped at the generation cap ({}) with the likelihood at power {:.3}, not 1: the particles are not yet the posterior; run again with more --generations",
            settings.generations, state.temperature
        ));
    }
    if let Err(e) = charts {
        notes.push(format!("the charts could not be drawn: {e}"));
    }
    Ok(CalibrationReport {
        out,
        params: model.params.clone(),
        rows,
        predictive,
        history: state.history,
        converged,
        notes,
    })
}

/// The file a resumable calibration checkpoints into.
const CHECKPOINT: &str = "checkpoint.json";

/// Refuses what cannot be calibrated, with what would be right.
fn check_inputs(set: &ScenarioSet, opts: &CalibrateOptions) -> Result<()> {
    if set.uncertain.is_empty() {
        return Err(Error::Invalid(format!(
            "{} has no [[uncertain]] tables: list the parameters to fit and their prior ranges, e.g.\n\n[[uncertain]]\npath = \"regions.AFG_NE.new_cells\"\nlow = 0.01\nhigh = 1.0\nscale = \"log\"",
            opts.common.scenario.display()
        )));
    }
    if set.observed.is_empty() {
        return Err(Error::Invalid(format!(
            "{} has no [[observed]] series: list what was seen, e.g.\n\n[[observed]]\nmetric = \"attacks\"\nstate = \"TJK\"\ncounts = [0, 1, 0, 0, 2]\nsource = \"where the numbers come from\"",
            opts.common.scenario.display()
        )));
    }
    if opts.resume && opts.common.out.is_none() {
        return Err(Error::Invalid(
            "--resume needs --out DIR: the folder to continue (an interrupted calibration keeps .DIR.partial beside it)".into(),
        ));
    }
    if opts.particles < 2 || opts.particles > smc::MAX_PARTICLES {
        return Err(Error::Invalid(format!(
            "--particles must be from 2 to {}, found {}",
            smc::MAX_PARTICLES,
            opts.particles
        )));
    }
    if opts.trials_per_particle == 0 || opts.trials_per_particle > MAX_TRIALS_PER_PARTICLE {
        return Err(Error::Invalid(format!(
            "--trials-per-particle must be from 1 to {MAX_TRIALS_PER_PARTICLE}, found {}",
            opts.trials_per_particle
        )));
    }
    Ok(())
}

/// A fingerprint of what a checkpoint may be continued with.
fn identity(model: &Model<'_>, settings: &Settings, trials: u64) -> String {
    let mut h = Sha256::new();
    h.update(model.text.as_bytes());
    for s in &model.sets {
        h.update(s.as_bytes());
        h.update([0]);
    }
    h.update(
        serde_json::to_string(settings)
            .unwrap_or_default()
            .as_bytes(),
    );
    h.update(trials.to_le_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The staging folder, and the state to continue from when resuming.
fn stage(
    target: &Path,
    opts: &CalibrateOptions,
    identity: &str,
) -> Result<(Staging, Option<smc::State>)> {
    if !opts.resume {
        return Ok((
            Staging::new(target, opts.common.force).map_err(refused)?,
            None,
        ));
    }
    let (staging, existed) = Staging::resumable(target, opts.common.force).map_err(refused)?;
    let path = staging.path().join(CHECKPOINT);
    if !existed || !path.exists() {
        return Ok((staging, None));
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let cp: Checkpoint = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a calibration checkpoint", path.display()))?;
    if cp.identity != identity {
        return Err(Error::Invalid(format!(
            "cannot resume into {}: the scenario, --set values or sampler settings differ from the checkpoint's; run without --resume, or remove {} to start afresh",
            target.display(),
            staging.path().display()
        )));
    }
    Ok((staging, Some(cp.state)))
}

/// Per parameter: posterior summaries and shrinkage.
fn parameter_rows(prior: &smc::Prior, state: &smc::State) -> Vec<ParameterRow> {
    prior
        .params
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let mut xs: Vec<(f64, f64)> = state
                .particles
                .iter()
                .zip(&state.weights)
                .map(|(q, &w)| (prior.values(&q.z)[k], w))
                .collect();
            xs.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mean: f64 = xs.iter().map(|(x, w)| x * w).sum();
            let var: f64 = xs.iter().map(|(x, w)| w * (x - mean).powi(2)).sum();
            let (q05, median, q95) = (
                weighted_quantile(&xs, 0.05),
                weighted_quantile(&xs, 0.5),
                weighted_quantile(&xs, 0.95),
            );
            let (lo, hi) = prior.bounds(k);
            let coord = |x: f64| if p.log { x.ln() } else { x };
            let shrinkage = 1.0 - (coord(q95) - coord(q05)) / (0.9 * (hi - lo));
            ParameterRow {
                parameter: p.path.clone(),
                prior_low: p.low,
                prior_high: p.high,
                scale: if p.log { "log" } else { "linear" }.into(),
                mean,
                sd: var.sqrt(),
                q05,
                median,
                q95,
                shrinkage,
            }
        })
        .collect()
}

/// The q-quantile of sorted weighted values: the smallest value whose
/// cumulative weight reaches q.
pub fn weighted_quantile(sorted: &[(f64, f64)], q: f64) -> f64 {
    let total: f64 = sorted.iter().map(|(_, w)| w).sum();
    let mut acc = 0.0;
    for &(x, w) in sorted {
        acc += w;
        if acc >= q * total - 1e-12 {
            return x;
        }
    }
    sorted.last().map_or(f64::NAN, |&(x, _)| x)
}

/// Every final particle's values and weight, in the parameters' own units.
pub fn posterior_rows(prior: &smc::Prior, state: &smc::State) -> Vec<(Vec<f64>, f64)> {
    state
        .particles
        .iter()
        .zip(&state.weights)
        .map(|(p, &w)| (prior.values(&p.z), w))
        .collect()
}

fn write_posterior(path: &Path, prior: &smc::Prior, state: &smc::State) -> Result<()> {
    let mut w =
        csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut header: Vec<String> = prior.params.iter().map(|p| p.path.clone()).collect();
    header.push("weight".into());
    w.write_record(&header)
        .with_context(|| format!("cannot write {}", path.display()))?;
    for (values, weight) in posterior_rows(prior, state) {
        let mut row: Vec<String> = values.iter().map(|x| format!("{x}")).collect();
        row.push(format!("{weight}"));
        w.write_record(&row)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    w.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Posterior predictive draws of every observed period: `trials` fresh
/// trials at each final particle.
fn predictive(
    model: &Model<'_>,
    prior: &smc::Prior,
    state: &smc::State,
    trials: u64,
    hooks: &Hooks<'_>,
) -> Result<Vec<PredictiveRow>> {
    let g = state.generation() + 1;
    let mut draws: Vec<Vec<u64>> = Vec::new();
    for (c, chunk) in state.particles.chunks(CHUNK).enumerate() {
        let scenarios = par_map_step("particles built", chunk, |p| {
            model.scenario(&prior.values(&p.z))
        });
        let theatres = prepare_points(&scenarios);
        let keys: Vec<u64> = (0..chunk.len())
            .map(|i| smc::key(g, 0, c * CHUNK + i))
            .collect();
        let sims = model.simulate(&theatres, &keys, trials, hooks.cancel, hooks.progress);
        if hooks.cancel.load(Ordering::Relaxed) {
            return Err(Error::Interrupted(None));
        }
        for by_period in sims.into_iter().flatten() {
            if draws.is_empty() {
                draws = vec![Vec::new(); by_period.len()];
            }
            for (all, mine) in draws.iter_mut().zip(by_period) {
                all.extend(mine);
            }
        }
        free_in_pool(theatres);
        free_in_pool(scenarios);
    }
    let mut rows = Vec::new();
    let mut i = 0;
    for (series_id, o) in model.observed.iter().enumerate() {
        for (k, &y) in o.counts.iter().enumerate() {
            let mut xs = draws.get(i).cloned().unwrap_or_default();
            i += 1;
            xs.sort_unstable();
            let n = xs.len().max(1) as f64;
            let q = |p: f64| -> f64 {
                if xs.is_empty() {
                    return f64::NAN;
                }
                let idx = ((p * n).ceil() as usize).clamp(1, xs.len()) - 1;
                xs[idx] as f64
            };
            let (from, to) = o.weeks(k);
            rows.push(PredictiveRow {
                series_id,
                series: o.label.clone(),
                period: k,
                from_week: from,
                to_week: to - 1,
                observed: y,
                mean: xs.iter().map(|&x| x as f64).sum::<f64>() / n,
                q05: q(0.05),
                q50: q(0.5),
                q95: q(0.95),
                p_at_or_above: xs.iter().filter(|&&x| x >= y).count() as f64 / n,
                source: o.source.clone(),
            });
        }
    }
    Ok(rows)
}

/// The observed series, for the manifest.
pub fn observed_entries(observed: &[Observation]) -> Vec<ObservedEntry> {
    observed
        .iter()
        .map(|o| ObservedEntry {
            series: o.label.clone(),
            period_weeks: o.period_weeks,
            start_week: o.start_week,
            counts: o.counts.clone(),
            source: o.source.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{Continuous, ContinuousCDF, Gamma};

    /// One source region whose weekly new cells are Poisson(λ) (grievance
    /// 1, exponent 1), observed as yearly counts.
    const KNOWN_ANSWER: &str = include_str!("../../../tests/data/calibration/known_answer.toml");

    fn options(dir: &Path, particles: usize, trials: u64, threads: usize) -> CalibrateOptions {
        std::fs::write(dir.join("ka.toml"), KNOWN_ANSWER).expect("write");
        CalibrateOptions {
            common: crate::study::Common {
                scenario: crate::scenario::builtin::ScenarioSource::File(dir.join("ka.toml")),
                // Cells die in the week they settle: the observed new cells
                // come from the spawn stream alone, so the posterior is the
                // same to the bit, and the test runs 2.4 times as fast.
                sets: vec!["model.attrition_rate=1.0".into()],
                seed: None,
                threads,
                out: Some(dir.join(format!("out-{threads}"))),
                output_root: dir.to_path_buf(),
                force: false,
                command_line: "test".into(),
            },
            particles,
            generations: 30,
            trials_per_particle: trials,
            max_moves: 6,
            resume: false,
        }
    }

    fn quiet(cancel: &AtomicBool) -> Hooks<'_> {
        Hooks {
            progress: &|_| {},
            on_generation_start: &|_, _| {},
            on_generation: &|_| {},
            on_start: &|_, _| {},
            cancel,
        }
    }

    /// With a uniform prior, λ given yearly Poisson(52 λ) counts y_k is
    /// Gamma(Σy + 1, 52 K) (truncated to the prior's box, where it has no
    /// mass to speak of). The sampler's errors: Monte Carlo error of N
    /// particles (correlated by resampling, so an effective N/4), and the
    /// simulated likelihood, whose plug-in mean from R trials widens the
    /// posterior by about √(1 + 1/R) (see docs/calibration.md).
    #[test]
    fn a_poisson_rate_has_its_gamma_posterior() {
        let dir = tempfile::tempdir().expect("temp");
        let (n, r) = (400usize, 20u64);
        let cancel = AtomicBool::new(false);
        let report = calibrate(&options(dir.path(), n, r, 2), &quiet(&cancel)).expect("runs");
        assert!(report.converged);
        let exact = Gamma::new(113.0, 260.0).expect("gamma");
        let row = &report.rows[0];
        let sd = 113f64.sqrt() / 260.0;
        let n_eff = n as f64 / 4.0;
        let widen = (1.0 + 1.0 / r as f64).sqrt() - 1.0;
        let mean = 113.0 / 260.0;
        assert!(
            (row.mean - mean).abs() < 4.0 * sd / n_eff.sqrt(),
            "mean {} vs exact {mean}",
            row.mean
        );
        assert!(
            (row.sd - sd).abs() < 4.0 * sd / (2.0 * n_eff).sqrt() + widen * sd,
            "sd {} vs exact {sd}",
            row.sd
        );
        for (q, got) in [(0.05, row.q05), (0.95, row.q95)] {
            let want = exact.inverse_cdf(q);
            let se = (q * (1.0 - q) / n_eff).sqrt() / exact.pdf(want);
            let tol = 4.0 * se + 1.645 * widen * sd;
            assert!(
                (got - want).abs() < tol,
                "q{q}: {got} vs exact {want} (tolerance {tol})"
            );
        }
        // Every yearly count sits inside its predictive band.
        assert!(
            report
                .predictive
                .iter()
                .all(|p| (p.observed as f64) >= p.q05 && (p.observed as f64) <= p.q95)
        );
    }

    #[test]
    fn the_posterior_is_the_same_at_any_thread_count() {
        let dir = tempfile::tempdir().expect("temp");
        let cancel = AtomicBool::new(false);
        let a = calibrate(&options(dir.path(), 60, 5, 1), &quiet(&cancel)).expect("runs");
        let b = calibrate(&options(dir.path(), 60, 5, 2), &quiet(&cancel)).expect("runs");
        for file in ["posterior.csv", "calibration.csv", "predictive.csv"] {
            let read = |d: &Path| std::fs::read(d.join(file)).expect("read");
            assert_eq!(read(&a.out), read(&b.out), "{file}");
        }
    }
}
