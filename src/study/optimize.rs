//! `cordon optimize`: policy search over the allocation shares (border,
//! intel, readiness) of chosen member states under their fixed budgets.
//!
//! The method is the cross-entropy method (Rubinstein & Kroese, 2004) over
//! each state's simplex, in logistic-normal form: a state's shares are
//! softmax(z_border, z_intel, 0), and z ~ N(m, diag σ²). Each iteration
//! samples candidates (the current mean among them), evaluates them all on
//! the same trial indices together with the baseline (common random
//! numbers, so candidates are compared with each other with little noise),
//! keeps the best quarter (the elite), and moves m and σ to the elite's
//! mean and spread, smoothed with the previous values. The candidate
//! sampler is seeded from the scenario seed, so a search is reproducible.
//!
//! The best candidate of a search is, by selection, luckier on the search
//! trials than it deserves (the winner's curse). So it is confirmed against
//! the baseline on fresh trial indices that the search never saw, paired,
//! and that confirmation is what is reported.
//!
//! Candidates are written as `--set states.ID.allocation={ ... }` values,
//! the same mechanism as `--set`, so every candidate is a validated
//! scenario.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use serde::Serialize;

use crate::chart::search::{Point, SearchChart};
use crate::engine::points::{BaseText, run_on_common_trials};
use crate::engine::{par_map, with_pool};
use crate::error::{Error, Result};
use crate::model::Theatre;
use crate::model::streams::StreamRng;
use crate::results::manifest::{PosteriorEntry, write_json};
use crate::scenario::BaseTemplate;
use crate::scenario::diagnostic::closest;
use crate::scenario::{Posture, Role, Scenario};
use crate::stats::RunStats;
use crate::stats::aggregate::TOTALS;
use crate::stats::metric::TrialMetric;
use crate::stats::tables::{Layout, comparison_rows, describe, format_number, summary_rows};
use crate::study::posterior::OverPosterior;
use crate::study::stage;

/// Everything `cordon optimize` needs, resolved from flags.
#[derive(Debug, Clone)]
pub struct OptimizeOptions {
    /// The scenario, seed, threads and result folder.
    pub common: crate::study::Common,
    /// The member states whose allocations are searched.
    pub states: Vec<String>,
    /// The metric to minimise (or maximise, where higher is better).
    pub metric: String,
    /// Trials per candidate during the search (trial indices 0..trials).
    pub trials: u64,
    pub iterations: u32,
    /// Candidates per iteration.
    pub candidates: u32,
    /// Trials of the confirmation of the best against the baseline, on
    /// indices after the search's.
    pub confirm_trials: u64,
    /// Evaluate every candidate, and the confirmation, over this posterior
    /// (a calibrate folder, its `posterior.csv`, or a built-in scenario's
    /// name): trial i draws the same parameter point for every candidate.
    pub posterior: Option<PathBuf>,
}

/// The shares of one state.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Shares {
    pub border: f64,
    pub intel: f64,
    pub readiness: f64,
}

impl Shares {
    /// From logits (z_border, z_intel; readiness is 0), rounded to
    /// thousandths that sum to exactly 1000.
    fn from_logits(z: [f64; 2]) -> Shares {
        let top = z[0].max(z[1]).max(0.0);
        let e = [(z[0] - top).exp(), (z[1] - top).exp(), (-top).exp()];
        let sum: f64 = e.iter().sum();
        let b = (1000.0 * e[0] / sum).round() as i64;
        let i = ((1000.0 * e[1] / sum).round() as i64).min(1000 - b);
        Shares {
            border: b as f64 / 1000.0,
            intel: i as f64 / 1000.0,
            readiness: (1000 - b - i) as f64 / 1000.0,
        }
    }

    /// Logits of shares, each share kept at 0.5% or more so that a zero
    /// share can still be searched away from.
    fn logits(&self) -> [f64; 2] {
        let f = |x: f64| x.max(0.005);
        let r = f(self.readiness);
        [(f(self.border) / r).ln(), (f(self.intel) / r).ln()]
    }

    /// The TOML value of an allocation table.
    pub fn toml(&self) -> String {
        format!(
            "{{ border = {}, intel = {}, readiness = {} }}",
            format_number(Some(self.border)),
            format_number(Some(self.intel)),
            format_number(Some(self.readiness))
        )
    }
}

/// One evaluated candidate.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub iteration: u32,
    pub index: u32,
    /// Shares per searched state, in the order of the options.
    pub shares: Vec<Shares>,
    pub mean: Option<f64>,
    pub se: Option<f64>,
    pub ci: Option<(f64, f64)>,
    /// Paired difference from the baseline on the search trials.
    pub diff: Option<f64>,
    pub diff_ci: Option<(f64, f64)>,
    pub elite: bool,
}

/// The confirmation of the best candidate on fresh trials.
#[derive(Debug, Clone, Serialize)]
pub struct Confirmation {
    pub first_trial: u64,
    pub end_trial: u64,
    pub baseline_mean: Option<f64>,
    pub baseline_ci95: Option<(f64, f64)>,
    pub best_mean: Option<f64>,
    pub best_ci95: Option<(f64, f64)>,
    /// Best minus baseline, paired, with its 95% interval.
    pub diff_mean: Option<f64>,
    pub diff_ci95: Option<(f64, f64)>,
    /// Share of trials in which the best did better than the baseline.
    pub p_better: Option<f64>,
}

/// What a search found.
#[derive(Debug, Clone)]
pub struct SearchResult {
    pub out: PathBuf,
    pub states: Vec<String>,
    pub metric: &'static str,
    pub lower_is_better: bool,
    pub baseline: Vec<Shares>,
    pub best: Candidate,
    pub candidates: Vec<Candidate>,
    pub confirmation: Confirmation,
    pub scenario_name: String,
    pub seed: u64,
    /// The posterior the search ran over (`--posterior`).
    pub posterior: Option<PosteriorEntry>,
}

/// Trials the whole search will run (for a progress bar).
pub fn total_trials(o: &OptimizeOptions) -> u64 {
    u64::from(o.iterations) * o.trials + o.confirm_trials
}

/// The metric to optimise and whether lower is better; invalid input for
/// an unknown name or a metric with no better direction.
pub fn resolve_metric(name: &str) -> Result<(usize, bool)> {
    let i = TrialMetric::total(name)?;
    match TOTALS[i].lower_is_better {
        Some(lower) => Ok((i, lower)),
        None => Err(Error::Invalid(format!(
            "--metric {name}: neither lower nor higher is better for the alliance, so there is nothing to optimise; try attacks, severity, entries or cells_in_alliance_end"
        ))),
    }
}

/// The searched states' indices and baseline shares.
fn resolve_states(base: &Scenario, ids: &[String]) -> Result<Vec<(usize, Shares)>> {
    if ids.is_empty() {
        return Err(Error::Invalid(
            "--budget-of: name at least one member state whose allocation to search".into(),
        ));
    }
    let mut out: Vec<(usize, Shares)> = Vec::new();
    for id in ids {
        let Some(i) = base.states.iter().position(|s| &s.id == id) else {
            let hint = closest(id, base.states.iter().map(|s| s.id.as_str()))
                .map_or(String::new(), |c| format!(" (did you mean `{c}`?)"));
            return Err(Error::Invalid(format!(
                "--budget-of {id}: unknown state{hint}; the members are: {}",
                members(base)
            )));
        };
        let (Role::Member, Posture::Member { allocation, .. }) =
            (base.states[i].role, &base.states[i].posture)
        else {
            return Err(Error::Invalid(format!(
                "--budget-of {id}: `{id}` is not a member (its role is {}); only members have a budget to allocate ({})",
                base.states[i].role.as_str(),
                members(base)
            )));
        };
        if !out.iter().any(|(j, _)| *j == i) {
            out.push((
                i,
                Shares {
                    border: allocation.border,
                    intel: allocation.intel,
                    readiness: allocation.readiness,
                },
            ));
        }
    }
    Ok(out)
}

fn members(base: &Scenario) -> String {
    base.members()
        .map(|i| base.states[i].id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The sampling distribution: logit means and spreads per state.
#[derive(Debug, Clone)]
struct Sampler {
    mean: Vec<[f64; 2]>,
    sd: Vec<[f64; 2]>,
}

/// Weight of the new elite statistics against the old (CE smoothing).
const SMOOTHING: f64 = 0.7;
/// Smallest spread kept, so the search never freezes completely.
const MIN_SD: f64 = 0.05;
/// Share of candidates kept as the elite.
const ELITE: f64 = 0.25;

impl Sampler {
    fn draw(&self, rng: &mut StreamRng) -> Vec<[f64; 2]> {
        self.mean
            .iter()
            .zip(&self.sd)
            .map(|(m, s)| {
                let mut z = [0.0; 2];
                for k in 0..2 {
                    let n: f64 = StandardNormal.sample(rng);
                    z[k] = m[k] + s[k] * n;
                }
                z
            })
            .collect()
    }

    fn update(&mut self, elite: &[&Vec<[f64; 2]>]) {
        let n = elite.len() as f64;
        for s in 0..self.mean.len() {
            for k in 0..2 {
                let mean = elite.iter().map(|z| z[s][k]).sum::<f64>() / n;
                let var = elite.iter().map(|z| (z[s][k] - mean).powi(2)).sum::<f64>() / n;
                self.mean[s][k] = SMOOTHING * mean + (1.0 - SMOOTHING) * self.mean[s][k];
                self.sd[s][k] =
                    (SMOOTHING * var.sqrt() + (1.0 - SMOOTHING) * self.sd[s][k]).max(MIN_SD);
            }
        }
    }
}

/// Runs the search, confirms the best on fresh trials and writes the
/// result folder. `progress` is told of every finished trial.
pub fn optimize(
    opts: &OptimizeOptions,
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
    on_start: impl FnOnce(&std::path::Path),
) -> Result<SearchResult> {
    let clock = std::time::Instant::now();
    let (metric, lower) = resolve_metric(&opts.metric)?;
    let mut sets = opts.common.sets.clone();
    if let Some(s) = opts.common.seed {
        sets.push(format!("scenario.seed={s}"));
    }
    // The scenario's text is read once; every candidate is built from it
    // in memory.
    let source = BaseText::read(&opts.common.scenario, &sets)?;
    let set = source.load(&[], opts.common.threads)?;
    let base = set.base.clone();
    let searched = resolve_states(&base, &opts.states)?;
    let ids: Vec<String> = searched
        .iter()
        .map(|(i, _)| base.states[*i].id.clone())
        .collect();
    // Parsed once: every candidate's scenario is built from the parsed
    // document, the base alone (the variants do not run), in parallel.
    let template = BaseTemplate::new(&source.name, &source.stem, &source.text, &source.sets)
        .map_err(|d| Error::from(crate::scenario::LoadError::Invalid(d)))?;
    let over = match &opts.posterior {
        Some(path) => {
            let over = OverPosterior::read(path, &set.uncertain)?;
            let searched: Vec<(String, String)> = ids
                .iter()
                .map(|id| (id.clone(), format!("states.{id}.allocation")))
                .collect();
            over.refuse_overlap(&searched, "--budget-of", "searched")?;
            over.check(|sets| template.scenario(sets), &[])?;
            Some((over, &template))
        }
        None => None,
    };
    if opts.candidates < 4 {
        return Err(Error::Invalid(
            "--candidates: at least 4, so that the elite (a quarter) has one member or more".into(),
        ));
    }
    let target = opts.common.out.clone().unwrap_or_else(|| {
        crate::results::default_out(
            &opts.common.output_root,
            &format!("{}-optimize", opts.common.scenario.stem()),
            chrono::Utc::now(),
        )
    });
    let staging = stage(&target, opts.common.force)?;
    on_start(&target);
    let scenario_of = |shares: &Vec<Shares>| -> Result<Scenario> {
        template
            .scenario(&sets_of(&ids, shares))
            .map_err(|d| Error::from(crate::scenario::LoadError::Invalid(d)))
    };
    let scenarios_of = |list: &[Vec<Shares>]| -> Result<Vec<Scenario>> {
        let built = with_pool(opts.common.threads, || {
            crate::engine::par_map_step("candidates built", list, scenario_of)
        })?;
        built.into_iter().collect()
    };
    // The baseline, prepared once: every iteration runs it beside its
    // candidates, which are prepared like it.
    let baseline_theatre = std::sync::LazyLock::new(|| Theatre::new(&base));
    let baseline: Vec<Shares> = searched.iter().map(|(_, s)| *s).collect();
    let mut sampler = Sampler {
        mean: baseline.iter().map(Shares::logits).collect(),
        sd: vec![[1.0, 1.0]; ids.len()],
    };
    // A stream of its own, apart from every trial's (trial indices are
    // far below 2^63).
    let mut rng = StreamRng::seed_from_u64(base.seed ^ 0x6f70_7469_6d69_7a65);
    let mut all: Vec<Candidate> = Vec::new();
    for iteration in 0..opts.iterations {
        let mut logits: Vec<Vec<[f64; 2]>> = vec![sampler.mean.clone()];
        while logits.len() < opts.candidates as usize {
            logits.push(sampler.draw(&mut rng));
        }
        let shares: Vec<Vec<Shares>> = logits
            .iter()
            .map(|z| z.iter().map(|z| Shares::from_logits(*z)).collect())
            .collect();
        let stats = match &over {
            None => evaluate(
                &baseline_theatre,
                scenarios_of(&shares)?,
                0..opts.trials,
                opts,
                cancel,
                progress,
            )?,
            Some((o, t)) => {
                let mut list = vec![vec![]];
                list.extend(shares.iter().map(|sh| sets_of(&ids, sh)));
                evaluate_over(
                    o,
                    t,
                    &list,
                    base.seed,
                    0..opts.trials,
                    opts,
                    cancel,
                    progress,
                )?
            }
        };
        let mut batch: Vec<Candidate> = shares
            .into_iter()
            .enumerate()
            .map(|(k, sh)| candidate(&stats, k + 1, metric, iteration, sh))
            .collect();
        let mut order: Vec<usize> = (0..batch.len()).collect();
        let key = |c: &Candidate| {
            let m = c.mean.unwrap_or(f64::INFINITY);
            if lower { m } else { -m }
        };
        order.sort_by(|&a, &b| key(&batch[a]).total_cmp(&key(&batch[b])));
        let n_elite = ((batch.len() as f64 * ELITE).ceil() as usize).max(1);
        for &k in order.iter().take(n_elite) {
            batch[k].elite = true;
        }
        let elite: Vec<&Vec<[f64; 2]>> = order.iter().take(n_elite).map(|&k| &logits[k]).collect();
        sampler.update(&elite);
        all.extend(batch);
    }
    // Every candidate ran on the same trials, so their means compare
    // directly; the best of them all is confirmed.
    let key = |c: &Candidate| {
        let m = c.mean.unwrap_or(f64::INFINITY);
        if lower { m } else { -m }
    };
    let best = all
        .iter()
        .min_by(|a, b| key(a).total_cmp(&key(b)))
        .cloned()
        .ok_or_else(|| Error::Invalid("--iterations: at least 1".into()))?;
    let fresh = opts.trials..opts.trials + opts.confirm_trials;
    // The search's chart needs nothing of the confirmation: it is drawn
    // (in memory) while the confirmation's trials run, and written once
    // the folder is committed.
    let search_chart = chart(&base, &ids, metric, lower, &all, opts);
    let (stats, drawn) = crate::engine::beside(
        opts.common.threads,
        || match &over {
            None => {
                let scenarios = scenarios_of(std::slice::from_ref(&best.shares))?;
                evaluate(
                    &baseline_theatre,
                    scenarios,
                    fresh.clone(),
                    opts,
                    cancel,
                    progress,
                )
            }
            Some((o, t)) => {
                let list = vec![vec![], sets_of(&ids, &best.shares)];
                evaluate_over(
                    o,
                    t,
                    &list,
                    base.seed,
                    fresh.clone(),
                    opts,
                    cancel,
                    progress,
                )
            }
        },
        || crate::chart::search::draw_in_memory(&search_chart),
    )?;
    let stats = stats?;
    let confirmation = confirm(&stats, metric, &fresh);
    let outcome = SearchResult {
        out: target.clone(),
        states: ids,
        metric: TOTALS[metric].name,
        lower_is_better: lower,
        baseline,
        best,
        candidates: all,
        confirmation,
        scenario_name: base.name.clone(),
        seed: base.seed,
        posterior: over.as_ref().map(|(o, _)| o.entry(vec![])),
    };
    write(&staging, &outcome, &stats, opts)?;
    super::commit_then_draw(staging, |out| crate::chart::write_drawn(out, drawn?))?;
    crate::engine::timing("total", clock);
    Ok(outcome)
}

/// `--set` values of an allocation per searched state.
fn sets_of(ids: &[String], shares: &[Shares]) -> Vec<String> {
    ids.iter()
        .zip(shares)
        .map(|(id, sh)| format!("states.{id}.allocation={}", sh.toml()))
        .collect()
}

/// Like [`evaluate`], over a posterior: the scenarios are `template` with
/// each entry of `sets` (baseline first), then the values of the
/// posterior point each trial draws. Only the points that `trials` draw
/// are built.
#[allow(clippy::too_many_arguments)]
fn evaluate_over(
    over: &OverPosterior,
    template: &BaseTemplate,
    sets: &[Vec<String>],
    seed: u64,
    trials: std::ops::Range<u64>,
    opts: &OptimizeOptions,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<RunStats> {
    let used = over.used(seed, trials.clone());
    let built: Vec<Result<Vec<Scenario>>> = with_pool(opts.common.threads, || {
        par_map(&used, |&j| {
            let post = over.overrides(j);
            sets.iter()
                .map(|s| {
                    let mut all = s.clone();
                    all.extend(post.iter().cloned());
                    template.scenario(&all).map_err(|d| over.misfit(j, d))
                })
                .collect()
        })
    })?;
    let built: Vec<Vec<Scenario>> = built.into_iter().collect::<Result<_>>()?;
    let points: Vec<Vec<&Scenario>> = built.iter().map(|l| l.iter().collect()).collect();
    over.run_trials(
        seed,
        &used,
        &points,
        trials,
        opts.common.threads,
        cancel,
        progress,
    )
}

/// Runs the baseline and `candidates` on `trials`, all on the same
/// indices, and frees the candidates in parallel.
fn evaluate(
    baseline: &Theatre<'_>,
    candidates: Vec<Scenario>,
    trials: std::ops::Range<u64>,
    opts: &OptimizeOptions,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<RunStats> {
    // One pool prepares each candidate's defences and laws and frees them
    // after the trials (which run in a pool of their own). The candidates
    // are prepared like the baseline: they differ from it only in one
    // state's budget, so they share its laws of births, deaths, attacks
    // and new cells, and its patrol law away from that state's borders.
    with_pool(opts.common.threads, move || {
        let prepared = crate::engine::par_map_step("candidates prepared", &candidates, |s| {
            crate::engine::prepared_like(s, baseline)
        });
        let theatres: Vec<Theatre<'_>> =
            std::iter::once(baseline.clone()).chain(prepared).collect();
        let stats = run_on_common_trials(
            &theatres,
            trials,
            opts.common.threads,
            cancel,
            progress,
            None,
        )
        .map(|(stats, _)| stats);
        crate::engine::free_in_pool(theatres);
        crate::engine::free_in_pool(candidates);
        stats
    })?
}

fn candidate(
    stats: &RunStats,
    v: usize,
    metric: usize,
    iteration: u32,
    shares: Vec<Shares>,
) -> Candidate {
    let vs = &stats.variants[v];
    let (mean, se, ci) = describe(&vs.totals[metric].moments);
    let (diff, _, diff_ci) = describe(&vs.paired[metric].diff);
    Candidate {
        iteration,
        index: v as u32 - 1,
        shares,
        mean,
        se,
        ci,
        diff,
        diff_ci,
        elite: false,
    }
}

fn confirm(stats: &RunStats, metric: usize, trials: &std::ops::Range<u64>) -> Confirmation {
    let (bm, _, bci) = describe(&stats.variants[0].totals[metric].moments);
    let best = &stats.variants[1];
    let (m, _, ci) = describe(&best.totals[metric].moments);
    let p = &best.paired[metric];
    let (d, _, dci) = describe(&p.diff);
    Confirmation {
        first_trial: trials.start,
        end_trial: trials.end,
        baseline_mean: bm,
        baseline_ci95: bci,
        best_mean: m,
        best_ci95: ci,
        diff_mean: d,
        diff_ci95: dci,
        p_better: (p.diff.n > 0).then(|| p.better as f64 / p.diff.n as f64),
    }
}

/// `optimize.json`: what was searched, how, and what was found.
#[derive(Debug, Serialize)]
struct Record<'a> {
    cordon_version: &'static str,
    scenario: String,
    scenario_name: &'a str,
    seed: u64,
    base_overrides: &'a [String],
    states: &'a [String],
    metric: &'a str,
    lower_is_better: bool,
    method: &'static str,
    iterations: u32,
    candidates_per_iteration: u32,
    search_trials: (u64, u64),
    baseline: &'a [Shares],
    best: &'a [Shares],
    best_search_mean: Option<f64>,
    confirmation: &'a Confirmation,
    /// The posterior every candidate ran over (`--posterior`).
    #[serde(skip_serializing_if = "Option::is_none")]
    posterior: Option<&'a PosteriorEntry>,
    /// The command line, as in every manifest.
    command_line: &'a str,
}

fn write(
    staging: &crate::results::Staging,
    o: &SearchResult,
    confirm_stats: &RunStats,
    opts: &OptimizeOptions,
) -> Result<()> {
    let dir = staging.path();
    write_candidates(&dir.join("optimize.csv"), o)?;
    let layout = Layout {
        variants: vec![crate::scenario::BASELINE.to_string(), "optimized".into()],
        members: vec![],
        segments: vec![],
        patrol: vec![],
    };
    crate::results::tables::write_csv(
        &dir.join("summary.csv"),
        &summary_rows(confirm_stats, &layout),
    )?;
    crate::results::tables::write_csv(
        &dir.join("comparison.csv"),
        &comparison_rows(confirm_stats, &layout),
    )?;
    let record = Record {
        cordon_version: env!("CARGO_PKG_VERSION"),
        scenario: opts.common.scenario.display(),
        scenario_name: &o.scenario_name,
        seed: o.seed,
        base_overrides: &opts.common.sets,
        states: &o.states,
        metric: o.metric,
        lower_is_better: o.lower_is_better,
        method: "cross-entropy over each state's simplex (logistic-normal), common random numbers; best confirmed on fresh trials",
        iterations: opts.iterations,
        candidates_per_iteration: opts.candidates,
        search_trials: (0, opts.trials),
        baseline: &o.baseline,
        best: &o.best.shares,
        best_search_mean: o.best.mean,
        confirmation: &o.confirmation,
        posterior: o.posterior.as_ref(),
        command_line: &opts.common.command_line,
    };
    write_json(&dir.join("optimize.json"), &record)?;
    std::fs::write(dir.join("best.toml"), best_toml(o))
        .map_err(|e| Error::Other(anyhow::anyhow!("cannot write best.toml: {e}")))?;
    Ok(())
}

/// The data of `search.png`: every candidate's mean on the search
/// trials, by iteration.
fn chart(
    base: &Scenario,
    states: &[String],
    metric: usize,
    lower_is_better: bool,
    candidates: &[Candidate],
    opts: &OptimizeOptions,
) -> SearchChart {
    SearchChart {
        title: format!(
            "{}: search over the allocation of {}",
            base.name,
            states.join(", ")
        ),
        metric: TOTALS[metric].name.to_string(),
        lower_is_better,
        // The first candidate of the first iteration is the baseline's
        // allocation.
        baseline: candidates.first().and_then(|c| c.mean).unwrap_or(f64::NAN),
        candidates_per_iteration: opts.candidates,
        points: candidates
            .iter()
            .filter_map(|c| {
                Some(Point {
                    iteration: c.iteration,
                    index: c.index,
                    mean: c.mean?,
                    elite: c.elite,
                })
            })
            .collect(),
        caption: format!(
            "{} candidates × {} iterations · trials 0..{} each · seed {}",
            opts.candidates, opts.iterations, opts.trials, base.seed
        ),
    }
}

/// A `[[variants]]` entry with the best allocation, to paste into the
/// scenario file.
pub fn best_toml(o: &SearchResult) -> String {
    let set: Vec<String> = o
        .states
        .iter()
        .zip(&o.best.shares)
        .map(|(id, s)| format!("\"states.{id}.allocation\" = {}", s.toml()))
        .collect();
    format!(
        "# The best allocation `cordon optimize` found for {} ({} is better).\n[[variants]]\nname = \"optimized\"\ndescription = \"allocation of {} searched for {}\"\nset = {{ {} }}\n",
        o.metric,
        if o.lower_is_better { "lower" } else { "higher" },
        o.states.join(", "),
        o.metric,
        set.join(", ")
    )
}

fn write_candidates(path: &std::path::Path, o: &SearchResult) -> Result<()> {
    let fail =
        |e: csv::Error| Error::Other(anyhow::anyhow!("cannot write {}: {e}", path.display()));
    let mut w = csv::Writer::from_path(path).map_err(fail)?;
    let mut header = vec!["iteration".to_string(), "candidate".to_string()];
    for id in &o.states {
        for part in ["border", "intel", "readiness"] {
            header.push(format!("{id}.{part}"));
        }
    }
    for h in [
        "mean",
        "se",
        "ci95_lo",
        "ci95_hi",
        "diff_mean",
        "diff_ci95_lo",
        "diff_ci95_hi",
        "elite",
    ] {
        header.push(h.to_string());
    }
    w.write_record(&header).map_err(fail)?;
    for c in &o.candidates {
        let mut row = vec![c.iteration.to_string(), c.index.to_string()];
        for s in &c.shares {
            for x in [s.border, s.intel, s.readiness] {
                row.push(format_number(Some(x)));
            }
        }
        for x in [
            c.mean,
            c.se,
            c.ci.map(|c| c.0),
            c.ci.map(|c| c.1),
            c.diff,
            c.diff_ci.map(|c| c.0),
            c.diff_ci.map(|c| c.1),
        ] {
            row.push(format_number(x));
        }
        row.push(c.elite.to_string());
        w.write_record(&row).map_err(fail)?;
    }
    w.flush()
        .map_err(|e| Error::Other(anyhow::anyhow!("cannot write {}: {e}", path.display())))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_from_logits_sum_to_one_in_thousandths() {
        for z in [[0.0, 0.0], [5.0, -3.0], [-40.0, 40.0], [1.79, 1.10]] {
            let s = Shares::from_logits(z);
            let total = (s.border * 1000.0).round()
                + (s.intel * 1000.0).round()
                + (s.readiness * 1000.0).round();
            assert_eq!(total, 1000.0, "{s:?}");
            assert!(s.border >= 0.0 && s.intel >= 0.0 && s.readiness >= 0.0);
        }
        let s = Shares {
            border: 0.6,
            intel: 0.3,
            readiness: 0.1,
        };
        assert_eq!(Shares::from_logits(s.logits()), s);
    }
}
