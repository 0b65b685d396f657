//! `cordon run`: scenario → trials → statistics → a complete result folder.
//!
//! The steps are plain function calls in the order data flows; the command
//! line only fills in [`RunOptions`] and shows progress.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::Context;
use sha2::{Digest, Sha256};

use crate::engine::resources;
use crate::engine::resume::{self, Checkpoint, RunIdentity};
use crate::engine::shard::{STATE_FILE, Shard, ShardState};
use crate::engine::{
    EngineError, empty_stats_on, run_posterior_trials_from, run_trials_from, timing,
};
use crate::error::{Error, Result};
use crate::model::Theatre;
use crate::results::manifest::{
    PosteriorEntry, ShardEntry, base_overrides, geography, variant_entries,
};
use crate::results::{
    Formats, Manifest, Posterior, ScenarioEntry, Staging, Syncing, TrialsWriter, default_out,
    finish_trials, write_tables,
};
use crate::scenario::builtin::ScenarioSource;
use crate::scenario::diagnostic::closest;
use crate::scenario::{BASELINE, Scenario, ScenarioSet};
use crate::stats::RunStats;
use crate::stats::tables::Layout;
use crate::study::posterior::OverPosterior;

/// Everything `cordon run` needs to know, already resolved from flags.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The scenario, seed, threads and result folder.
    pub common: crate::study::Common,
    /// Trials per variant (default: the scenario's).
    pub trials: Option<u64>,
    /// Variants to run besides the baseline (empty: all).
    pub variants: Vec<String>,
    /// Run only this shard's trials, for `cordon merge` (`--shard K/N`).
    pub shard: Option<Shard>,
    /// Keep a checkpoint and continue an interrupted run into `out`.
    pub resume: bool,
    /// Run over this posterior (a calibrate folder or its posterior.csv).
    pub posterior: Option<PathBuf>,
    /// The file formats of the tables (`--format`; default CSV).
    pub formats: Formats,
}

/// What a run is about to do, for progress displays.
#[derive(Debug)]
pub struct Start<'a> {
    /// Trials to run (each runs every chosen variant): the engine's
    /// progress counts these.
    pub trials: u64,
    /// Variants each trial runs.
    pub variants: usize,
    /// The result folder.
    pub target: &'a Path,
    /// The trial a resumed run continues from.
    pub resumed_at: Option<u64>,
}

/// What a finished run produced.
#[derive(Debug)]
pub struct RunReport {
    pub out: PathBuf,
    pub layout: Layout,
    pub stats: RunStats,
    pub manifest: Manifest,
}

/// Loads the scenario with `--set`, `--trials` and `--seed` applied, and
/// returns it with the text it was read from.
pub fn load(opts: &RunOptions) -> Result<(ScenarioSet, Vec<u8>)> {
    let mut sets = opts.common.sets.clone();
    if let Some(t) = opts.trials {
        sets.push(format!("scenario.trials={t}"));
    }
    if let Some(s) = opts.common.seed {
        sets.push(format!("scenario.seed={s}"));
    }
    load_source_on(
        &opts.common.scenario,
        &sets,
        &crate::engine::Workers(opts.common.threads),
    )
}

/// Loads a scenario from a file or a built-in, with `--set` values.
pub fn load_source(src: &ScenarioSource, sets: &[String]) -> Result<(ScenarioSet, Vec<u8>)> {
    load_source_on(src, sets, &crate::scenario::OneByOne)
}

/// [`load_source`], its independent pieces (variants, uncertain ranges)
/// run by `each`.
pub fn load_source_on(
    src: &ScenarioSource,
    sets: &[String],
    each: &dyn crate::scenario::Each,
) -> Result<(ScenarioSet, Vec<u8>)> {
    match src {
        ScenarioSource::File(path) => {
            let set = crate::scenario::load_file_on(path, sets, each)?;
            let text =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            Ok((set, text))
        }
        ScenarioSource::Builtin(b) => {
            let set = crate::scenario::load_str_on(&src.display(), b.name, b.text, sets, each)
                .map_err(|d| Error::from(crate::scenario::LoadError::Invalid(d)))?;
            Ok((set, b.text.as_bytes().to_vec()))
        }
    }
}

/// The variants to run, baseline first; unknown names are invalid input.
pub fn select<'a>(set: &'a ScenarioSet, wanted: &[String]) -> Result<Vec<(String, &'a Scenario)>> {
    let mut chosen = vec![(BASELINE.to_string(), &set.base)];
    let known: Vec<&str> = set.variants.iter().map(|v| v.name.as_str()).collect();
    for name in wanted {
        if name == BASELINE || chosen.iter().any(|(n, _)| n == name) {
            continue;
        }
        match set.variants.iter().find(|v| &v.name == name) {
            Some(v) => chosen.push((v.name.clone(), &v.scenario)),
            None => {
                let hint = closest(name, known.iter().copied())
                    .map_or(String::new(), |c| format!(" (did you mean `{c}`?)"));
                let list = if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                };
                return Err(Error::Invalid(format!(
                    "unknown variant `{name}`{hint}; this scenario's variants: {list}"
                )));
            }
        }
    }
    if wanted.is_empty() {
        chosen.extend(set.variants.iter().map(|v| (v.name.clone(), &v.scenario)));
    }
    Ok(chosen)
}

/// Runs the scenario and writes a complete result folder (or, with a
/// shard, the shard's folder for `cordon merge`). `on_start` is told what
/// will run, once the scenario is valid and the folder ready.
pub fn run(
    opts: &RunOptions,
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
    on_start: impl FnOnce(&Start<'_>),
) -> Result<RunReport> {
    let started = chrono::Utc::now();
    let clock = Instant::now();
    let (set, text) = load(opts)?;
    let chosen = select(&set, &opts.variants)?;
    // Each variant's defences, week by week, worked out at the same time.
    let prepare: Vec<crate::engine::Task<'_, Theatre<'_>>> = chosen
        .iter()
        .map(|&(_, s)| -> crate::engine::Task<'_, Theatre<'_>> {
            Box::new(move || Theatre::new(s))
        })
        .collect();
    let theatres = crate::engine::in_parallel(opts.common.threads, prepare)?;
    let names: Vec<String> = chosen.iter().map(|(n, _)| n.clone()).collect();
    // The posterior is read first: a run that cannot hold its points is
    // refused before they are built.
    let posterior = match &opts.posterior {
        Some(path) => Some(OverPosterior::read(path, &set.uncertain)?),
        None => None,
    };
    let posterior_points = posterior.as_ref().map_or(0, |p| p.values.len() as u64);
    let trials = set.base.trials;
    if let Some(shard) = opts.shard.filter(|s| s.count > trials) {
        return Err(Error::Invalid(format!(
            "--shard {shard}: {} shards for {trials} trials would leave some empty; use at most {trials} shards",
            shard.count
        )));
    }
    let range = opts.shard.map_or(0..trials, |s| s.trials(trials));
    let target = target_of(opts, started);
    if opts.resume && opts.common.out.is_none() {
        return Err(Error::Invalid(
            "--resume needs --out DIR: the folder to continue (an interrupted run keeps .DIR.partial beside it)".into(),
        ));
    }
    refuse_if_too_big(
        opts,
        &set.base,
        &names,
        range.clone(),
        posterior_points,
        &target,
    )?;
    let over = match posterior {
        Some(posterior) => Some(PosteriorRun::prepare(posterior, opts, &set, &text)?),
        None => None,
    };
    let (staging, existed) = if opts.resume {
        Staging::resumable(&target, opts.common.force).map_err(refused)?
    } else {
        (stage(&target, opts.common.force)?, false)
    };
    let mut layout = layout(&set.base, &names, &theatres);
    if let Some(p) = &over {
        layout.patrol = p.patrol(&opts.variants, opts.common.threads)?;
    }
    let identity = RunIdentity {
        scenario_sha256: hex(&Sha256::digest(&text)),
        sets: set
            .base_overrides
            .iter()
            .map(|(p, v)| format!("{p}={v}"))
            .collect(),
        seed: set.base.seed,
        trials,
        variants: names.clone(),
        shard: opts.shard.map_or(String::new(), |s| s.to_string()),
        posterior: over
            .as_ref()
            .map_or(String::new(), |p| p.over.posterior.sha256.clone()),
    };
    let trials_csv = staging.path().join("trials.csv");
    let checkpoint = if existed {
        resume::load(staging.path())?
    } else {
        None
    };
    let (first, base, mut writer) = match checkpoint {
        Some(cp) => {
            if let Some(change) = cp.identity.difference(&identity) {
                return Err(Error::Invalid(format!(
                    "cannot resume into {}: {change}; run without --resume, or remove {} to start afresh",
                    target.display(),
                    staging.path().display()
                )));
            }
            let writer = TrialsWriter::resume(&trials_csv, &names, cp.trials_bytes)?;
            (cp.next_trial, cp.state.stats, writer)
        }
        None => (
            range.start,
            empty_stats_on(&theatres, opts.common.threads).map_err(|e| Error::Other(e.into()))?,
            TrialsWriter::create(&trials_csv, &names)?,
        ),
    };
    on_start(&Start {
        trials: range.end - first,
        variants: names.len(),
        target: &target,
        resumed_at: (first > range.start).then_some(first),
    });
    let dir = staging.path().to_path_buf();
    let point_scenarios: Vec<Vec<&Scenario>> = match &over {
        Some(p) => p
            .sets
            .iter()
            .map(|s| select(s, &opts.variants).map(|c| c.into_iter().map(|(_, s)| s).collect()))
            .collect::<Result<_>>()?,
        None => vec![],
    };
    let cumulative = over.as_ref().map_or(vec![], |p| p.over.cumulative.clone());
    let seed = set.base.seed;
    let pick = |trial: u64| Posterior::pick(&cumulative, seed, trial);
    let ran = |base: RunStats,
               on_window: &mut (
                        dyn FnMut(&crate::engine::Window<'_>) -> anyhow::Result<()> + Send
                    )| {
        if over.is_some() {
            run_posterior_trials_from(
                &point_scenarios,
                &pick,
                first..range.end,
                opts.common.threads,
                cancel,
                progress,
                base,
                opts.resume,
                on_window,
            )
        } else {
            run_trials_from(
                &theatres,
                first..range.end,
                opts.common.threads,
                cancel,
                progress,
                base,
                opts.resume,
                on_window,
            )
        }
    };
    let trials_clock = Instant::now();
    timing("setup", clock);
    let stats = match ran(base, &mut |w| {
        let sink_clock = Instant::now();
        writer.append(w.rows)?;
        if opts.resume {
            let trials_bytes = writer.checkpoint()?;
            let stats = w
                .snapshot()
                .cloned()
                .ok_or_else(|| anyhow::anyhow!("no statistics kept for the checkpoint"))?;
            let state = ShardState {
                layout: layout.clone(),
                stats,
            };
            let cp = Checkpoint {
                identity: identity.clone(),
                next_trial: w.next_trial,
                trials_bytes,
                state,
            };
            resume::save(&dir, &cp).map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        timing("sink", sink_clock);
        Ok(())
    }) {
        Ok(stats) => stats,
        Err(EngineError::Interrupted) => {
            let kept = opts.resume.then(|| dir.display().to_string());
            return Err(Error::Interrupted(kept));
        }
        Err(e) => return Err(Error::Other(e.into())),
    };
    timing("trials", trials_clock);
    let flush_clock = Instant::now();
    // trials.csv goes to disk while the tables are built; it is complete
    // before anything reads it and before the folder is committed.
    let syncing = writer.finish_meanwhile();
    timing("flush", flush_clock);
    let manifest = manifest_of(
        opts,
        &set,
        &text,
        &theatres,
        &names,
        &range,
        over.as_ref(),
        started,
        clock,
    );
    // A posterior's thousands of scenarios are freed on every thread, not
    // one after another at the end (a tenth of a posterior run's time).
    drop(point_scenarios);
    if let Some(p) = over {
        crate::engine::drop_in_parallel(p.sets, opts.common.threads);
    }
    let out = if opts.shard.is_some() {
        syncing.wait()?;
        resume::clear(staging.path())?;
        finish_trials(staging.path(), opts.formats)?;
        let state = ShardState { layout, stats };
        write_json(&staging.path().join(STATE_FILE), &state)?;
        crate::results::manifest::write(staging.path(), &manifest)?;
        let out = staging.commit()?;
        return Ok(RunReport {
            out,
            layout: state.layout,
            stats: state.stats,
            manifest,
        });
    } else {
        finish(
            staging,
            &stats,
            &layout,
            &manifest,
            opts.formats,
            opts.common.threads,
            Some(syncing),
        )?
    };
    timing("total", clock);
    Ok(RunReport {
        out,
        layout,
        stats,
        manifest,
    })
}

/// The result folder: `--out`, or a new folder under the output root
/// named after the scenario (and the shard).
fn target_of(opts: &RunOptions, started: chrono::DateTime<chrono::Utc>) -> PathBuf {
    match (&opts.common.out, opts.shard) {
        (Some(out), _) => out.clone(),
        (None, None) => default_out(
            &opts.common.output_root,
            &opts.common.scenario.stem(),
            started,
        ),
        (None, Some(s)) => {
            let stem = format!(
                "{}-shard-{}-of-{}",
                opts.common.scenario.stem(),
                s.index,
                s.count
            );
            default_out(&opts.common.output_root, &stem, started)
        }
    }
}

/// The manifest of a finished run (or shard).
#[allow(clippy::too_many_arguments)]
fn manifest_of(
    opts: &RunOptions,
    set: &ScenarioSet,
    text: &[u8],
    theatres: &[Theatre<'_>],
    names: &[String],
    range: &std::ops::Range<u64>,
    over: Option<&PosteriorRun>,
    started: chrono::DateTime<chrono::Utc>,
    clock: Instant,
) -> Manifest {
    let (states, regions, borders) = geography(&set.base);
    let spends: Vec<f64> = theatres.iter().map(|t| t.defences.spend).collect();
    Manifest {
        cordon_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: ScenarioEntry {
            name: set.base.name.clone(),
            description: set.base.description.clone(),
            path: opts.common.scenario.display(),
            sha256: hex(&Sha256::digest(text)),
        },
        seed: set.base.seed,
        trials: set.base.trials,
        weeks: set.base.weeks,
        start_week: set.base.start_week,
        base_overrides: base_overrides(set),
        variants: variant_entries(set, names, &spends),
        states,
        regions,
        borders,
        shard: opts.shard.map(|s| ShardEntry {
            index: s.index,
            count: s.count,
            first_trial: range.start,
            end_trial: range.end,
        }),
        posterior: over.as_ref().map(|p| p.entry()),
        threads: opts.common.threads,
        command_line: opts.common.command_line.clone(),
        started_utc: started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        wall_seconds: clock.elapsed().as_secs_f64(),
    }
}

/// Refuses, before anything is written, a run that needs more disk or
/// memory than the machine has (see [`crate::engine::resources`]).
fn refuse_if_too_big(
    opts: &RunOptions,
    base: &Scenario,
    names: &[String],
    range: std::ops::Range<u64>,
    posterior_points: u64,
    target: &Path,
) -> Result<()> {
    let shape = resources::Shape {
        scenario: base,
        variants: names,
        trials: range.end - range.start,
        end_trial: range.end,
        threads: opts.common.threads,
        resume: opts.resume,
        posterior_points,
    };
    let needs = resources::estimate(&shape);
    let free_disk = resources::free_disk(target);
    resources::check(&shape, &needs, target, free_disk, resources::free_memory())
        .map_err(Error::Invalid)
}

use super::{refused, stage};

/// Writes the tables (in `formats`), the manifest and the charts of
/// complete statistics (`trials.csv` is already in `staging`, or is being
/// synced to disk by `syncing` while the tables are built), and moves the
/// folder into place. The tables are written at the same time, and so are
/// the charts, on `threads` workers.
pub fn finish(
    staging: Staging,
    stats: &RunStats,
    layout: &Layout,
    manifest: &Manifest,
    formats: Formats,
    threads: usize,
    syncing: Option<Syncing>,
) -> Result<PathBuf> {
    let clock = Instant::now();
    let tables = write_tables(staging.path(), stats, layout, formats, threads);
    if let Some(syncing) = syncing {
        // trials.csv is on disk: a resumed run has nothing left to resume.
        let waited = Instant::now();
        syncing.wait()?;
        resume::clear(staging.path())?;
        timing("wait for trials.csv", waited);
    }
    tables?;
    finish_trials(staging.path(), formats)?;
    crate::results::manifest::write(staging.path(), manifest)?;
    timing("tables", clock);
    // Charts are drawn from the files just committed, as `cordon plot`
    // would.
    let clock = Instant::now();
    let (out, _) =
        super::commit_then_draw(staging, |out| crate::chart::draw_all_on(out, &[], threads))?;
    timing("commit_and_charts", clock);
    Ok(out)
}

pub use crate::results::manifest::write_json;

/// Names for the tables: variants, members, segments, patrol detection.
pub fn layout(base: &Scenario, names: &[String], theatres: &[Theatre<'_>]) -> Layout {
    Layout {
        variants: names.to_vec(),
        members: base
            .members()
            .map(|i| (i, base.states[i].id.clone()))
            .collect(),
        segments: base
            .borders
            .iter()
            .enumerate()
            .filter(|(_, b)| b.is_segment())
            .map(|(i, b)| {
                (
                    i,
                    b.id.clone(),
                    base.direction_label(2 * i),
                    base.direction_label(2 * i + 1),
                )
            })
            .collect(),
        patrol: theatres
            .iter()
            .map(|th| patrol_of(base, &th.defences))
            .collect(),
    }
}

/// Mean weekly patrol detection per direction of `defences`, over the
/// weeks recorded.
fn patrol_of(base: &Scenario, defences: &crate::model::Defences) -> Vec<f64> {
    let weeks = f64::from(base.weeks.max(1));
    (0..2 * base.borders.len())
        .map(|d| defences.recorded_patrol(d, base.weeks) / weeks)
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A posterior made ready for a run: its distinct points, each the
/// scenario with the point's values applied like `--set` before the
/// variants' own (docs/model.md §4a).
struct PosteriorRun {
    over: OverPosterior,
    /// One scenario set per distinct point.
    sets: Vec<ScenarioSet>,
    notes: Vec<String>,
}

impl PosteriorRun {
    /// Builds every distinct point of the posterior; refuses columns that
    /// are not paths of the scenario, with the reason.
    fn prepare(
        over: OverPosterior,
        opts: &RunOptions,
        set: &ScenarioSet,
        text: &[u8],
    ) -> Result<Self> {
        let text = std::str::from_utf8(text).map_err(|_| {
            Error::Invalid(format!(
                "{} is not UTF-8 text",
                opts.common.scenario.display()
            ))
        })?;
        let mut base_sets = opts.common.sets.clone();
        if let Some(t) = opts.trials {
            base_sets.push(format!("scenario.trials={t}"));
        }
        if let Some(s) = opts.common.seed {
            base_sets.push(format!("scenario.seed={s}"));
        }
        // The text parsed once, every distinct point built from it at the
        // same time, sharing what it can with the first.
        let base = crate::engine::points::BaseText {
            name: opts.common.scenario.display(),
            stem: opts.common.scenario.stem(),
            text: text.to_string(),
            sets: base_sets,
            parsed: Default::default(),
        };
        let build = |j: usize| {
            let mut sets_here = base.sets.clone();
            sets_here.extend(over.overrides(j));
            base.point_with(&sets_here).map_err(|d| over.misfit(j, d))
        };
        let points: Vec<usize> = (0..over.values.len()).collect();
        let sets = crate::study::posterior::build_shared(&points, opts.common.threads, build)?;
        let notes = over.variant_notes(set);
        Ok(PosteriorRun { over, sets, notes })
    }

    /// Mean weekly patrol detection per variant and direction, averaged
    /// over the posterior's points by weight.
    fn patrol(&self, variants: &[String], threads: usize) -> Result<Vec<Vec<f64>>> {
        let first: Vec<Theatre<'_>> = select(&self.sets[0], variants)?
            .iter()
            .map(|(_, s)| Theatre::new(s))
            .collect();
        let first_patrol: Vec<Vec<f64>> = first
            .iter()
            .map(|th| patrol_of(&self.sets[0].base, &th.defences))
            .collect();
        // Each point's patrol law worked out at the same time (only its
        // defences are needed, and a point that shares the first point's
        // has its patrol), then summed in the points' order (the same sums
        // as one after another).
        let each: Vec<Result<Vec<Vec<f64>>>> = crate::engine::with_pool(threads, || {
            crate::engine::par_map(&self.sets, |set| {
                let chosen = select(set, variants)?;
                Ok(chosen
                    .iter()
                    .zip(&first)
                    .zip(&first_patrol)
                    .map(|(((_, s), f), known)| {
                        let defences = crate::engine::defences_like(s, f);
                        if std::sync::Arc::ptr_eq(&defences, &f.defences) {
                            known.clone()
                        } else {
                            patrol_of(&set.base, &defences)
                        }
                    })
                    .collect())
            })
        })
        .map_err(|e| Error::Other(e.into()))?;
        let mut total: Vec<Vec<f64>> = Vec::new();
        for (here, &w) in each.into_iter().zip(&self.over.weights) {
            let here = here?;
            if total.is_empty() {
                total = here.iter().map(|v| vec![0.0; v.len()]).collect();
            }
            for (t, h) in total.iter_mut().zip(&here) {
                for (a, b) in t.iter_mut().zip(h) {
                    *a += w * b;
                }
            }
        }
        Ok(total)
    }

    /// What the manifest records of the posterior.
    fn entry(&self) -> PosteriorEntry {
        self.over.entry(self.notes.clone())
    }
}
