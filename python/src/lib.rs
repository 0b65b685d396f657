//! `cordon._native`: the cordon library for the Python package `cordon`.
//!
//! A thin layer: every function resolves its arguments the way the command
//! line does (the same `study::*Options`, the same `--set PATH=VALUE`
//! strings, the same scenario loader) and calls the same study, which writes
//! the same result folder. The pure-Python part (`cordon/`) reads the
//! folder's CSV files into DataFrames, shows progress and turns errors into
//! `cordon.ScenarioError` and friends.
//!
//! Long work runs on a thread of its own while the calling thread, with the
//! GIL released between polls, checks for signals every 100 ms: Ctrl-C sets
//! the engine's stop flag (as the CLI's handler does), the study removes its
//! temporary folder, and the caller gets `KeyboardInterrupt`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use serde::Deserialize;

use cordon::error::Error;
use cordon::scenario::builtin::{ScenarioSource, resolve};
use cordon::scenario::{Diagnostics, ScenarioSet};

create_exception!(
    _native,
    NativeError,
    PyException,
    "A cordon error: args are (kind, message, problems); kind is `invalid`, `interrupted` or `failed`."
);

/// One problem of a scenario, as a tuple for Python:
/// (file, line, column, path, message, suggestion, variant).
type Problem = (
    String,
    Option<usize>,
    Option<usize>,
    String,
    String,
    Option<String>,
    Option<String>,
);

fn problems(d: &Diagnostics) -> Vec<Problem> {
    d.items
        .iter()
        .map(|p| {
            let (file, at) = match p.loc.and_then(|loc| d.sources.position(loc)) {
                Some((file, at)) => (file.to_string(), at),
                None => (
                    d.sources
                        .origin(0)
                        .map_or_else(|| "<scenario>".to_string(), |o| o.name.clone()),
                    None,
                ),
            };
            (
                file,
                at.map(|a| a.0),
                at.map(|a| a.1),
                p.path.clone(),
                p.message.clone(),
                p.suggestion.clone(),
                p.variant.clone(),
            )
        })
        .collect()
}

/// A cordon error as the exception the Python part translates.
fn to_py(e: Error, found: Option<&Diagnostics>) -> PyErr {
    let kind = match &e {
        Error::Invalid(_) => "invalid",
        Error::Interrupted(_) => "interrupted",
        _ => "failed",
    };
    let list = found.map(problems).unwrap_or_default();
    NativeError::new_err((kind, e.to_string(), list))
}

/// The scenario's problems, found by the loader itself, with the message the
/// CLI prints (`invalid scenario (N problems):` and one line each).
fn invalid(d: Diagnostics) -> PyErr {
    let e = Error::from(cordon::scenario::LoadError::Invalid(d.clone()));
    to_py(e, Some(&d))
}

/// A file, a built-in name, or the default scenario when `None`.
fn source(scenario: Option<&str>) -> PyResult<ScenarioSource> {
    resolve(scenario.map(Path::new)).map_err(|e| to_py(e, None))
}

/// Loads (and so validates) the scenario with `sets`, keeping the loader's
/// problems apart so that Python gets them as objects. Studies load it
/// again themselves; this costs milliseconds.
fn load(src: &ScenarioSource, sets: &[String], varies: &[String]) -> PyResult<ScenarioSet> {
    let (name, stem, text) = match src {
        ScenarioSource::File(path) => {
            let bytes = std::fs::read(path).map_err(|e| {
                to_py(
                    Error::Invalid(format!("cannot read scenario file {}: {e}", path.display())),
                    None,
                )
            })?;
            match String::from_utf8(bytes) {
                Ok(text) => (src.display(), src.stem(), text),
                Err(_) => {
                    return Err(match cordon::scenario::load_file(path, sets) {
                        Err(cordon::scenario::LoadError::Invalid(d)) => invalid(d),
                        Err(e) => to_py(e.into(), None),
                        Ok(_) => to_py(
                            Error::Invalid(format!("{} is not UTF-8", path.display())),
                            None,
                        ),
                    });
                }
            }
        }
        ScenarioSource::Builtin(b) => (src.display(), src.stem(), b.text.to_string()),
    };
    cordon::scenario::load_with_vary(&name, &stem, &text, sets, varies).map_err(invalid)
}

/// What a long piece of work shares with the thread that waits for it.
#[derive(Default)]
struct Shared {
    cancel: AtomicBool,
    done: AtomicU64,
    total: AtomicU64,
    label: Mutex<String>,
}

impl Shared {
    fn add(&self, n: u64) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }

    fn restart(&self, total: u64, label: String) {
        self.done.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
        if let Ok(mut l) = self.label.lock() {
            *l = label;
        }
    }

    fn report(&self, progress: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        if let Some(cb) = progress {
            let label = self.label.lock().map(|l| l.clone()).unwrap_or_default();
            cb.call1((
                self.done.load(Ordering::Relaxed),
                self.total.load(Ordering::Relaxed),
                label,
            ))?;
        }
        Ok(())
    }
}

/// Runs `work` on its own thread with the GIL released; every 100 ms the
/// calling thread checks for signals (Ctrl-C stops the work through its
/// cancel flag and raises `KeyboardInterrupt`) and reports progress.
fn drive<T: Send>(
    py: Python<'_>,
    progress: Option<&Bound<'_, PyAny>>,
    work: impl FnOnce(&Shared) -> cordon::Result<T> + Send,
) -> PyResult<std::result::Result<T, Error>> {
    let shared = Shared::default();
    std::thread::scope(|s| {
        let handle = s.spawn(|| work(&shared));
        let stop = |e: PyErr| -> PyErr {
            shared.cancel.store(true, Ordering::SeqCst);
            e
        };
        loop {
            let finished = py.detach(|| {
                let until = Instant::now() + Duration::from_millis(100);
                while !handle.is_finished() && Instant::now() < until {
                    std::thread::sleep(Duration::from_millis(5));
                }
                handle.is_finished()
            });
            if let Err(e) = py.check_signals() {
                let e = stop(e);
                // The engine stops within a batch of trials; the study
                // removes its temporary folder before it returns.
                let _ = py.detach(|| handle.join());
                return Err(e);
            }
            if finished {
                break;
            }
            if let Err(e) = shared.report(progress) {
                let e = stop(e);
                let _ = py.detach(|| handle.join());
                return Err(e);
            }
        }
        let _ = shared.report(progress);
        match handle.join() {
            Ok(r) => Ok(r),
            Err(_) => Err(NativeError::new_err((
                "failed",
                "cordon panicked (a bug: please report it)".to_string(),
                Vec::<Problem>::new(),
            ))),
        }
    })
}

/// The options of a study, as the Python part sends them (JSON).
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Options {
    scenario: Option<String>,
    sets: Vec<String>,
    seed: Option<u64>,
    threads: Option<usize>,
    out: Option<PathBuf>,
    force: bool,
    command_line: String,
    trials: Option<u64>,
    // run
    variants: Vec<String>,
    posterior: Option<PathBuf>,
    format: Option<String>,
    // sweep
    vary: Vec<String>,
    design: Option<String>,
    samples: Option<u32>,
    metrics: Vec<String>,
    // sensitivity
    metric: Option<String>,
    bootstrap: Option<usize>,
    // calibrate
    particles: Option<usize>,
    generations: Option<u32>,
    trials_per_particle: Option<u64>,
    max_moves: Option<u32>,
    resume: bool,
}

fn threads(n: Option<usize>) -> usize {
    n.filter(|&n| n > 0).unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    })
}

fn common(o: &Options, src: ScenarioSource) -> cordon::study::Common {
    cordon::study::Common {
        scenario: src,
        sets: o.sets.clone(),
        seed: o.seed,
        threads: threads(o.threads),
        out: o.out.clone(),
        output_root: PathBuf::from("output"),
        force: o.force,
        command_line: o.command_line.clone(),
    }
}

/// The `--set` values a run loads its scenario with (`--trials` and
/// `--seed` are overrides too, as in `study::run::load`).
fn run_sets(o: &Options, trials: Option<u64>) -> Vec<String> {
    let mut sets = o.sets.clone();
    if let Some(t) = trials {
        sets.push(format!("scenario.trials={t}"));
    }
    if let Some(s) = o.seed {
        sets.push(format!("scenario.seed={s}"));
    }
    sets
}

/// Runs one study (`run`, `sweep`, `sensitivity` or `calibrate`) as its
/// command would, and returns its result folder. `progress(done, total,
/// label)` is called every 100 ms from the calling thread.
#[pyfunction]
#[pyo3(signature = (study, options, progress=None))]
fn study(
    py: Python<'_>,
    study: &str,
    options: &str,
    progress: Option<Bound<'_, PyAny>>,
) -> PyResult<String> {
    let o: Options = serde_json::from_str(options)
        .map_err(|e| to_py(Error::Invalid(format!("bad options: {e}")), None))?;
    let src = source(o.scenario.as_deref())?;
    let progress = progress.as_ref();
    let result = match study {
        "run" => {
            let set = load(&src, &run_sets(&o, o.trials), &[])?;
            // The engine reports one step per trial index (each runs every
            // chosen variant), in the unit of `Start::trials`.
            cordon::study::run::select(&set, &o.variants).map_err(|e| to_py(e, None))?;
            let formats = match o.format.as_deref() {
                None => Default::default(),
                Some(f) => f
                    .parse()
                    .map_err(|e: String| to_py(Error::Invalid(format!("format: {e}")), None))?,
            };
            let opts = cordon::study::run::RunOptions {
                common: common(&o, src),
                trials: o.trials,
                variants: o.variants.clone(),
                shard: None,
                resume: o.resume,
                posterior: o.posterior.clone(),
                formats,
            };
            drive(py, progress, |sh| {
                cordon::study::run::run(&opts, &|n| sh.add(n), &sh.cancel, |start| {
                    sh.restart(start.trials, String::new());
                })
                .map(|r| r.out)
            })?
        }
        "sweep" => {
            load(&src, &o.sets, &o.vary)?;
            let design = match o.design.as_deref() {
                None => None,
                Some("grid") => Some(cordon::scenario::ranges::DesignKind::Grid),
                Some("lhs") => Some(cordon::scenario::ranges::DesignKind::Lhs),
                Some(other) => {
                    return Err(to_py(
                        Error::Invalid(format!(
                            "design must be \"grid\" or \"lhs\", not {other:?}"
                        )),
                        None,
                    ));
                }
            };
            let opts = cordon::study::sweep::SweepOptions {
                common: common(&o, src),
                varies: o.vary.clone(),
                design,
                samples: o.samples,
                trials: o.trials,
                metrics: o.metrics.clone(),
                posterior: o.posterior.clone(),
            };
            drive(py, progress, |sh| {
                cordon::study::sweep::sweep(
                    &opts,
                    &|n| sh.add(n),
                    &|i| {
                        if let Ok(mut l) = sh.label.lock() {
                            *l = format!("point {}", i + 1);
                        }
                    },
                    &sh.cancel,
                    |plan, _| {
                        sh.restart(plan.design.points.len() as u64 * plan.trials, String::new())
                    },
                )
                .map(|r| r.out)
            })?
        }
        "sensitivity" => {
            load(&src, &o.sets, &[])?;
            let opts = cordon::study::sensitivity::SensitivityOptions {
                common: common(&o, src),
                metric: o.metric.clone().unwrap_or_default(),
                trials: o.trials.unwrap_or(200),
                samples: o.samples.map_or(64, |s| s as usize),
                bootstrap: o.bootstrap.unwrap_or(500),
            };
            drive(py, progress, |sh| {
                cordon::study::sensitivity::sensitivity(
                    &opts,
                    &|n| sh.add(n),
                    &|i| {
                        if let Ok(mut l) = sh.label.lock() {
                            *l = format!("point {}", i + 1);
                        }
                    },
                    &sh.cancel,
                    |plan, _| sh.restart(plan.points() as u64 * opts.trials, String::new()),
                )
                .map(|r| r.out)
            })?
        }
        "calibrate" => {
            load(&src, &o.sets, &[])?;
            let opts = cordon::study::calibrate::CalibrateOptions {
                common: common(&o, src),
                particles: o.particles.unwrap_or(1000),
                generations: o.generations.unwrap_or(30),
                trials_per_particle: o.trials_per_particle.unwrap_or(40),
                max_moves: o.max_moves.unwrap_or(8),
                resume: o.resume,
            };
            drive(py, progress, |sh| {
                cordon::study::calibrate::calibrate(
                    &opts,
                    &cordon::study::calibrate::Hooks {
                        progress: &|n| sh.add(n),
                        on_generation_start: &|g, trials| {
                            sh.restart(trials, format!("generation {g}"))
                        },
                        on_generation: &|_| {},
                        on_start: &|_, _| {},
                        cancel: &sh.cancel,
                    },
                )
                .map(|r| r.out)
            })?
        }
        other => {
            return Err(to_py(
                Error::Invalid(format!("unknown study {other:?}")),
                None,
            ));
        }
    };
    result
        .map(|out| out.display().to_string())
        .map_err(|e| to_py(e, None))
}

/// `cordon check`: the outline the CLI prints, and the scenario's parts as
/// JSON (states, regions, borders, variants, uncertain parameters,
/// observations).
#[pyfunction]
#[pyo3(signature = (scenario, sets))]
fn check(scenario: Option<&str>, sets: Vec<String>) -> PyResult<(String, String)> {
    let src = source(scenario)?;
    let set = load(&src, &sets, &[])?;
    let text = cordon::cli::check_text(&src, &sets).map_err(|e| to_py(e, None))?;
    Ok((text, describe(&set).to_string()))
}

fn describe(set: &ScenarioSet) -> serde_json::Value {
    use serde_json::json;
    let s = &set.base;
    let states: Vec<_> = s
        .states
        .iter()
        .map(|st| {
            json!({
                "id": st.id, "name": st.name, "role": st.role.as_str(),
                "participation": st.participation, "budget": st.budget(),
            })
        })
        .collect();
    let sources: Vec<usize> = s.network.sources.to_vec();
    let regions: Vec<_> = s
        .regions
        .iter()
        .enumerate()
        .map(|(i, r)| {
            json!({
                "id": r.id, "name": r.name, "state": s.states[r.state].id,
                "population": r.population, "source": sources.contains(&i),
                "lon": r.lon, "lat": r.lat,
            })
        })
        .collect();
    let borders: Vec<_> = s
        .borders
        .iter()
        .map(|b| {
            let (kind, length, terrain, priority) = match &b.kind {
                cordon::scenario::LinkKind::Segment {
                    length_km,
                    terrain,
                    priority,
                } => (
                    "segment",
                    Some(*length_km),
                    Some(terrain.name.clone()),
                    Some(*priority),
                ),
                _ => ("internal", None, None, None),
            };
            json!({
                "id": b.id, "a": s.regions[b.a].id, "b": s.regions[b.b].id, "kind": kind,
                "length_km": length, "terrain": terrain, "priority": priority,
            })
        })
        .collect();
    let pairs = |list: &[(String, String)]| -> serde_json::Map<String, serde_json::Value> {
        list.iter()
            .map(|(p, v)| (p.clone(), serde_json::Value::String(v.clone())))
            .collect()
    };
    let variants: Vec<_> = set
        .variants
        .iter()
        .map(|v| json!({"name": v.name, "description": v.description, "set": pairs(&v.overrides)}))
        .collect();
    let uncertain: Vec<_> = set
        .uncertain
        .iter()
        .map(|p| json!({"path": p.path, "low": p.low, "high": p.high, "log": p.log}))
        .collect();
    let observed: Vec<_> = set
        .observed
        .iter()
        .map(|ob| {
            json!({
                "label": ob.label, "counts": ob.counts, "period_weeks": ob.period_weeks,
                "start_week": ob.start_week, "source": ob.source,
            })
        })
        .collect();
    json!({
        "name": s.name, "description": s.description, "weeks": s.weeks,
        "start_week": s.start_week, "warmup_weeks": s.warmup_weeks,
        "trials": s.trials, "seed": s.seed,
        "states": states, "regions": regions, "borders": borders,
        "set": pairs(&set.base_overrides),
        "variants": variants, "uncertain": uncertain, "observed": observed,
    })
}

/// Runs the base scenario alone (no variants, no result folder) for
/// `trials` trials with `sets`, and returns the mean of every metric of
/// `summary.csv` (per-trial totals and `p_any_attack`): the numbers a run's
/// `summary.csv` gives for its baseline. For the EMA Workbench, which calls
/// it once per experiment.
#[pyfunction]
#[pyo3(signature = (scenario, sets, trials=None, seed=None, threads=None))]
fn evaluate(
    py: Python<'_>,
    scenario: Option<&str>,
    sets: Vec<String>,
    trials: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
) -> PyResult<Vec<(String, Option<f64>)>> {
    let src = source(scenario)?;
    let o = Options {
        sets,
        seed,
        ..Options::default()
    };
    let set = load(&src, &run_sets(&o, trials), &[])?;
    let threads = self::threads(threads);
    let result = drive(py, None, |sh| {
        let theatres = [cordon::model::Theatre::new(&set.base)];
        let names = [cordon::scenario::BASELINE.to_string()];
        let (stats, _) = cordon::engine::points::run_on_common_trials(
            &theatres,
            0..set.base.trials,
            threads,
            &sh.cancel,
            &|n| sh.add(n),
            None,
        )?;
        let layout = cordon::study::run::layout(&set.base, &names, &theatres);
        Ok(cordon::stats::tables::summary_rows(&stats, &layout)
            .into_iter()
            .map(|r| (r.metric.to_string(), r.mean))
            .collect())
    })?;
    result.map_err(|e| to_py(e, None))
}

/// The built-in scenarios: (name, first sentence of its description).
#[pyfunction]
fn builtins() -> Vec<(String, String)> {
    cordon::scenario::builtin::all()
        .map(|b| {
            (
                b.name.to_string(),
                cordon::scenario::builtin::description(b),
            )
        })
        .collect()
}

/// The text of a built-in scenario (as `cordon scenarios show NAME`).
#[pyfunction]
fn builtin_text(name: &str) -> PyResult<String> {
    cordon::scenario::builtin::find(name)
        .map(|b| b.text.to_string())
        .ok_or_else(|| {
            to_py(
                Error::Invalid(format!("no built-in scenario called `{name}`")),
                None,
            )
        })
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("VERSION", cordon::cli::VERSION)?;
    m.add("NativeError", m.py().get_type::<NativeError>())?;
    m.add_function(wrap_pyfunction!(study, m)?)?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(builtins, m)?)?;
    m.add_function(wrap_pyfunction!(builtin_text, m)?)?;
    Ok(())
}
