//! `cordon sweep`: the scenario at every point of a design, on the same
//! trials, into one table (`sweep.csv`) and charts of outcome against
//! parameter.
//!
//! The steps follow the data: load and expand the design
//! ([`plan`]), validate every point before any trial runs, run every
//! (point, trial) of the design in one parallel pool
//! ([`crate::engine::points::run_points`]; over a posterior,
//! [`crate::engine::run_posterior_designs`] for each batch of points),
//! turning each point's statistics into its rows as it ends, then write the
//! table, the manifest and the charts into a staging folder and move it
//! into place.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use sha2::{Digest, Sha256};

use crate::engine::points::{
    BaseText, Design, PointResult, expand, overrides, patrol_in as point_patrol_in, run_points,
    scenarios_of,
};
use crate::engine::{defences_like, par_map, with_pool};
use crate::error::{Error, Result};
use crate::model::Theatre;
use crate::results::default_out;
pub use crate::results::sweep::{PATROL_IN, PointRows, SweepManifest, SweepRow, SweepTable};
use crate::scenario::ScenarioSet;
use crate::scenario::load_point;
use crate::scenario::ranges::{DesignKind, SweepSpec};
use crate::stats::tables::{format_number, summary_rows};
use crate::study::posterior::OverPosterior;
use crate::study::stage;

/// Everything `cordon sweep` needs to know, already resolved from flags.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// The scenario, seed, threads and result folder.
    pub common: crate::study::Common,
    /// `--vary PATH=LOW:HIGH[:STEPS]` (replace the file's `[sweep]` list).
    pub varies: Vec<String>,
    /// `--design` (default: the file's, else grid).
    pub design: Option<DesignKind>,
    /// `--samples` of a Latin hypercube.
    pub samples: Option<u32>,
    /// Trials per point (default: `[sweep] trials`, else the scenario's).
    pub trials: Option<u64>,
    /// Metrics drawn against the parameters (all are in `sweep.csv`).
    pub metrics: Vec<String>,
    /// Run every point over this posterior (a calibrate folder, its
    /// `posterior.csv`, or a built-in scenario's name).
    pub posterior: Option<PathBuf>,
}

/// A sweep ready to run: the base scenario and the design, every point of
/// which has been validated.
#[derive(Debug)]
pub struct SweepPlan {
    pub source: BaseText,
    pub base: ScenarioSet,
    pub design: Design,
    pub trials: u64,
    /// The posterior every point runs over (`--posterior`).
    pub(crate) posterior: Option<OverPosterior>,
    /// Every point's scenario set as its validation built it, when the
    /// design is small enough to keep them (else empty: built again).
    built: Vec<ScenarioSet>,
}

impl SweepPlan {
    /// Variants run at each point, baseline included.
    pub fn variants(&self) -> u64 {
        1 + self.base.variants.len() as u64
    }

    /// Trials run in all, over points and variants.
    pub fn total_trials(&self) -> u64 {
        self.design.points.len() as u64 * self.trials * self.variants()
    }
}

/// Loads the scenario, expands its design and validates every point.
pub fn plan(opts: &SweepOptions) -> Result<SweepPlan> {
    let mut sets = opts.common.sets.clone();
    if let Some(s) = opts.common.seed {
        sets.push(format!("scenario.seed={s}"));
    }
    let source = BaseText::read(&opts.common.scenario, &sets)?;
    let base = source.load(&opts.varies, opts.common.threads)?;
    let mut spec = base.sweep.clone().unwrap_or(SweepSpec {
        design: DesignKind::Grid,
        samples: None,
        trials: None,
        vary: vec![],
    });
    if let Some(d) = opts.design {
        spec.design = d;
    }
    if opts.samples.is_some() {
        spec.samples = opts.samples;
    }
    let trials = opts.trials.or(spec.trials).unwrap_or(base.base.trials);
    let mut plan = plan_spec(source, base, &spec, trials, opts.common.threads)?;
    if let Some(path) = &opts.posterior {
        let over = OverPosterior::read(path, &plan.base.uncertain)?;
        let swept: Vec<(String, String)> = plan
            .design
            .params
            .iter()
            .map(|p| (p.path.clone(), p.path.clone()))
            .collect();
        over.refuse_overlap(&swept, "--vary", "swept")?;
        let s = &plan.source;
        over.check(|sets| load_point(&s.name, &s.stem, &s.text, sets), &s.sets)?;
        plan.posterior = Some(over);
    }
    Ok(plan)
}

/// The plan of `spec` on `base`, every point validated on `threads`
/// workers (0: one per core).
pub fn plan_spec(
    source: BaseText,
    base: ScenarioSet,
    spec: &SweepSpec,
    trials: u64,
    threads: usize,
) -> Result<SweepPlan> {
    if spec.design == DesignKind::Grid && spec.vary.iter().any(|p| p.steps < 2) {
        return Err(Error::Invalid(
            "a grid needs STEPS (at least 2) for every parameter: --vary PATH=LOW:HIGH:STEPS"
                .into(),
        ));
    }
    let design = expand(spec, base.base.seed)?;
    let total = (design.points.len() as u64)
        .saturating_mul(trials)
        .saturating_mul(1 + base.variants.len() as u64);
    let limit = crate::scenario::read::limits::MAX_TRIALS as u64;
    if total > limit {
        return Err(Error::Invalid(format!(
            "the sweep would run {total} trials ({} points × {trials} trials × {} variants); at most {limit} are allowed",
            design.points.len(),
            1 + base.variants.len()
        )));
    }
    // Every point is built (and so validated) now, in parallel; a small
    // design keeps them for the run.
    let built = source.check_points(&design.params, &design.points, threads)?;
    Ok(SweepPlan {
        source,
        base,
        design,
        trials,
        posterior: None,
        built,
    })
}

/// What a finished sweep produced.
#[derive(Debug)]
pub struct SweepReport {
    pub out: PathBuf,
    pub table: SweepTable,
    /// Charts not drawn, and why.
    pub notes: Vec<String>,
}

/// Runs every point of the sweep and writes its folder. `on_start` gets
/// the plan and the target folder once everything is valid.
pub fn sweep(
    opts: &SweepOptions,
    progress: &(dyn Fn(u64) + Sync),
    on_point: &dyn Fn(usize),
    cancel: &AtomicBool,
    on_start: impl FnOnce(&SweepPlan, &Path),
) -> Result<SweepReport> {
    let started = chrono::Utc::now();
    let clock = Instant::now();
    let mut plan = plan(opts)?;
    check_metrics(&opts.metrics)?;
    let target = opts.common.out.clone().unwrap_or_else(|| {
        let stamp = started.format("sweep-%Y-%m-%dT%H-%M-%SZ").to_string();
        let dir = default_out(
            &opts.common.output_root,
            &opts.common.scenario.stem(),
            started,
        );
        dir.with_file_name(stamp)
    });
    let staging = stage(&target, opts.common.force)?;
    on_start(&plan, &target);
    // The points built when they were validated are handed to the run,
    // each once, rather than copied: the run frees its points in the pool,
    // where the kept ones, freed with the plan at the end, were 360
    // scenarios dropped one by one on the calling thread (a 40-point sweep
    // of nine variants: about 7 ms, a quarter of its serial time).
    let kept: Vec<std::sync::Mutex<Option<ScenarioSet>>> = std::mem::take(&mut plan.built)
        .into_iter()
        .map(|set| std::sync::Mutex::new(Some(set)))
        .collect();
    let take_kept = |j: usize| {
        kept.get(j)
            .and_then(|k| k.lock().unwrap_or_else(|e| e.into_inner()).take())
    };
    let results = match &plan.posterior {
        // Every (point, trial) of the design in one pool.
        None => run_points(
            plan.design.points.len(),
            &|j| match take_kept(j) {
                Some(set) => Ok(set),
                None => plan.source.at(&plan.design.params, &plan.design.points[j]),
            },
            0..plan.trials,
            opts.common.threads,
            cancel,
            progress,
            None,
            // Each point's rows made in the pool, the batch's points at once.
            |p| {
                let result = PointResult {
                    variants: p.set.names(),
                    patrol_in: point_patrol_in(
                        &p.set.base,
                        p.theatres.iter().map(|t| &*t.defences),
                    ),
                    stats: p.stats,
                };
                Ok(PointRows::of(
                    p.index,
                    &plan.design.points[p.index],
                    &result,
                ))
            },
            |index, rows| {
                on_point(index);
                Ok(rows)
            },
        )?,
        Some(over) => {
            run_points_over(&plan, over, opts.common.threads, cancel, progress, on_point)?
        }
    };
    // What is left of them (a sweep over a posterior builds its own).
    crate::engine::drop_in_parallel(kept, opts.common.threads);
    let table = SweepTable::new(&plan.design, results);
    // Its rows formatted in the run's pool.
    with_pool(opts.common.threads, || {
        table.write(&staging.path().join("sweep.csv"))
    })?
    .map_err(Error::Other)?;
    let manifest = SweepManifest {
        cordon_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: crate::results::ScenarioEntry {
            name: plan.base.base.name.clone(),
            description: plan.base.base.description.clone(),
            path: opts.common.scenario.display(),
            sha256: Sha256::digest(plan.source.text.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        },
        seed: plan.base.base.seed,
        trials_per_point: plan.trials,
        weeks: plan.base.base.weeks,
        sets: plan.source.sets.clone(),
        design: plan.design.kind,
        parameters: plan.design.params.clone(),
        points: plan.design.points.len(),
        variants: table.variants.clone(),
        posterior: plan
            .posterior
            .as_ref()
            .map(|p| p.entry(p.variant_notes(&plan.base))),
        threads: opts.common.threads,
        command_line: opts.common.command_line.clone(),
        started_utc: started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        wall_seconds: clock.elapsed().as_secs_f64(),
    };
    crate::results::manifest::write(staging.path(), &manifest)?;
    let title = plan.base.base.name.clone();
    let caption = format!(
        "{} points × {} trials × {} weeks · seed {} · common random numbers across points{}",
        plan.design.points.len(),
        plan.trials,
        plan.base.base.weeks,
        plan.base.base.seed,
        if plan.posterior.is_some() {
            " · over a posterior"
        } else {
            ""
        }
    );
    let mut notes = fixed_by_variants(&plan);
    crate::engine::timing("tables and manifest", clock);
    let (out, drawn) = super::commit_then_draw(staging, |out| {
        with_pool(opts.common.threads, || {
            crate::chart::sweep::draw_all(
                &table,
                &opts.metrics,
                &title,
                &caption,
                &out.join(crate::chart::CHARTS),
            )
        })?
    })?;
    notes.extend(drawn);
    crate::engine::timing("total", clock);
    Ok(SweepReport { out, table, notes })
}

/// Scenario sets of a batch of design points over a posterior, at most
/// about this many in all (or one design point's): little more than half
/// of what a run over the shipped posterior holds (its 899 distinct
/// points), so that with its theatres a batch needs no more memory than
/// that run.
const BATCH_SETS: usize = 500;

/// Every design point over the posterior: at each, the scenario at every
/// posterior point its trials draw (the point's values first, then the
/// posterior point's, as `cordon run --posterior P --set PATH=VALUE`
/// builds it), and trial `i` of every variant at the posterior point
/// trial `i` draws. Patrol detection is the mean over the trials'
/// posterior points. Design points go in batches of [`BATCH_SETS`]
/// scenario sets; a batch's (point, trial) items run in one pool.
fn run_points_over(
    plan: &SweepPlan,
    over: &OverPosterior,
    threads: usize,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
    on_point: &dyn Fn(usize),
) -> Result<Vec<PointRows>> {
    let seed = plan.base.base.seed;
    let used = over.used(seed, 0..plan.trials);
    // Each design point in a batch also holds its first posterior point's
    // theatres and a worker per thread: at most as many as a batch of a
    // sweep without a posterior.
    let most = crate::engine::points::MAX_BATCH_POINTS.max(threads);
    let per_batch = (BATCH_SETS / used.len().max(1)).clamp(1, most);
    let points = &plan.design.points;
    let variants = plan.base.names();
    let mut rows = Vec::with_capacity(points.len());
    for (b, batch) in points.chunks(per_batch).enumerate() {
        let first = b * per_batch;
        (first..first + batch.len()).for_each(on_point);
        // Every posterior point of every design point of the batch, built
        // in parallel; the first design point in order that does not
        // build is reported, as one after another would.
        let built: Vec<Result<Vec<ScenarioSet>>> = with_pool(threads, || {
            par_map(batch, |values| {
                build_over(plan, over, &used, values, threads)
            })
        })?;
        let built: Vec<Vec<ScenarioSet>> = built.into_iter().collect::<Result<_>>()?;
        let designs: Vec<Vec<Vec<&crate::scenario::Scenario>>> = built
            .iter()
            .map(|sets| sets.iter().map(|s| scenarios_of(s).collect()).collect())
            .collect();
        let firsts: Vec<Vec<Theatre<'_>>> = with_pool(threads, || {
            par_map(&designs, |d| d[0].iter().map(|s| Theatre::new(s)).collect())
        })?;
        let pick = |t: u64| over.index_in(&used, seed, t);
        let stats = crate::engine::run_posterior_designs(
            &designs,
            &firsts,
            &pick,
            0..plan.trials,
            threads,
            cancel,
            progress,
        )?;
        let patrol = patrol_over(plan, over, &used, &built, &firsts, threads)?;
        drop(firsts);
        for (k, (stats, patrol_in)) in stats.into_iter().zip(patrol).enumerate() {
            let result = PointResult {
                variants: variants.clone(),
                stats,
                patrol_in,
            };
            rows.push(PointRows::of(first + k, &batch[k], &result));
        }
        crate::engine::drop_in_parallel(built, threads);
    }
    Ok(rows)
}

/// The scenario sets of one design point (at `values`) at every posterior
/// point of `used`.
fn build_over(
    plan: &SweepPlan,
    over: &OverPosterior,
    used: &[usize],
    values: &[f64],
    threads: usize,
) -> Result<Vec<ScenarioSet>> {
    let src = &plan.source;
    let mut sets = src.sets.clone();
    sets.extend(overrides(&plan.design.params, values));
    crate::study::posterior::build_shared(used, threads, |j| {
        let mut here = sets.clone();
        here.extend(over.overrides(j));
        src.point_with(&here).map_err(|d| over.misfit(j, d))
    })
}

/// Each design point's patrol detection per variant: each posterior
/// point's (worked out from its defences alone, all at the same time),
/// averaged over the trials that drew it, summed in order.
fn patrol_over(
    plan: &SweepPlan,
    over: &OverPosterior,
    used: &[usize],
    built: &[Vec<ScenarioSet>],
    firsts: &[Vec<Theatre<'_>>],
    threads: usize,
) -> Result<Vec<Vec<Option<f64>>>> {
    let seed = plan.base.base.seed;
    let mut counts = vec![0u64; used.len()];
    for t in 0..plan.trials {
        counts[over.index_in(used, seed, t)] += 1;
    }
    let pairs: Vec<(usize, &ScenarioSet)> = built
        .iter()
        .enumerate()
        .flat_map(|(d, sets)| sets.iter().map(move |s| (d, s)))
        .collect();
    let each: Vec<Vec<Option<f64>>> = with_pool(threads, || {
        par_map(&pairs, |&(d, set)| {
            let defences: Vec<_> = scenarios_of(set)
                .zip(&firsts[d])
                .map(|(s, f)| defences_like(s, f))
                .collect();
            point_patrol_in(&set.base, defences.iter().map(|d| &**d))
        })
    })?;
    let mut each = each.into_iter();
    let mut out = Vec::with_capacity(built.len());
    for sets in built {
        let mut patrol_in: Vec<Option<f64>> = Vec::new();
        for (here, &n) in each.by_ref().take(sets.len()).zip(&counts) {
            if patrol_in.is_empty() {
                patrol_in = vec![Some(0.0); here.len()];
            }
            for (total, x) in patrol_in.iter_mut().zip(here) {
                *total = match (*total, x) {
                    (Some(a), Some(b)) => Some(a + b * n as f64 / plan.trials.max(1) as f64),
                    _ => None,
                };
            }
        }
        out.push(patrol_in);
    }
    Ok(out)
}

/// Variants that set a swept path themselves: their own value wins (as it
/// does over `--set`), so they stay put while the sweep moves.
pub fn fixed_by_variants(plan: &SweepPlan) -> Vec<String> {
    let mut notes = Vec::new();
    for v in &plan.base.variants {
        for p in &plan.design.params {
            if v.overrides
                .iter()
                .any(|(path, _)| p.path == *path || p.path.starts_with(&format!("{path}.")))
            {
                notes.push(format!(
                    "variant `{}` sets {} itself, so its value stays the same at every point",
                    v.name, p.path
                ));
            }
        }
    }
    notes
}

/// Refuses a chart metric that `sweep.csv` does not have.
pub fn check_metrics(metrics: &[String]) -> Result<()> {
    let known: Vec<(&'static str, ())> = metric_names().into_iter().map(|m| (m, ())).collect();
    for m in metrics {
        crate::scenario::metric::resolve(m, &known)?;
    }
    Ok(())
}

/// The summary metrics of every point, in `summary.csv` order.
pub fn metric_names() -> Vec<&'static str> {
    let layout = crate::results::sweep::layout(&[crate::scenario::BASELINE.to_string()]);
    let stats = crate::stats::RunStats {
        variants: vec![crate::stats::VariantStats::new(0, 0, 0, true)],
    };
    let mut names: Vec<&'static str> = summary_rows(&stats, &layout)
        .iter()
        .map(|r| r.metric)
        .collect();
    names.push(PATROL_IN);
    names
}

/// The expanded design as `cordon check` prints it.
pub fn design_outline(plan: &SweepPlan) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let d = &plan.design;
    let _ = writeln!(
        o,
        "sweep     {} design, {} parameter{}, {} points",
        d.kind.as_str(),
        d.params.len(),
        if d.params.len() == 1 { "" } else { "s" },
        d.points.len()
    );
    for p in &d.params {
        let _ = writeln!(
            o,
            "          {} from {} to {}{}{}",
            p.path,
            p.low,
            p.high,
            if d.kind == DesignKind::Grid {
                format!(" in {} steps", p.steps)
            } else {
                String::new()
            },
            if p.integer {
                " (rounded to integers)"
            } else {
                ""
            }
        );
    }
    let width: Vec<usize> = d.params.iter().map(|p| p.path.len().max(8)).collect();
    let mut head = format!("          {:>5}", "point");
    for (p, w) in d.params.iter().zip(&width) {
        let _ = write!(head, "  {:>w$}", p.path);
    }
    let _ = writeln!(o, "{head}");
    const SHOWN: usize = 50;
    for (i, values) in d.points.iter().enumerate().take(SHOWN) {
        let mut line = format!("          {i:>5}");
        for (x, w) in values.iter().zip(&width) {
            let _ = write!(line, "  {:>w$}", format_number(Some(*x)));
        }
        let _ = writeln!(o, "{line}");
    }
    if d.points.len() > SHOWN {
        let _ = writeln!(
            o,
            "          ... {} more points (all are listed in sweep.csv after the run)",
            d.points.len() - SHOWN
        );
    }
    let _ = writeln!(
        o,
        "sweep total {} trials ({} points × {} trials × {} variants incl. baseline)",
        plan.total_trials(),
        d.points.len(),
        plan.trials,
        plan.variants()
    );
    o
}
