//! `cordon trace`: watch one trial. Re-runs exactly trial N of the
//! baseline and the chosen variants (the same seed and streams as
//! `cordon run`, so the same numbers) with a recorder that notes every
//! cell event, and writes a folder with `events.csv`, `cells.csv`,
//! `trial.csv` (the trial's row of `trials.csv`, from the same run),
//! `trace.json`, `trace.html` (an animated map) and `trace.png`/`.svg`
//! (a strip of the map at a few weeks).
//!
//! The model stays pure: [`crate::results::trace`] runs the trial and keeps the events in
//! memory; the other modules turn them into bytes; only [`trace`] touches
//! the file system.

pub(crate) mod pick;
pub(crate) mod tables;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use crate::error::{Error, Result};
pub use crate::results::trace::{
    TRACE_DIR, TRACE_JSON, Trace, TraceSummary, VariantSummary, trace_trial,
};
use crate::results::{TrialsWriter, default_out, write_csv};
use crate::scenario::{BASELINE, Scenario};
use crate::stats::aggregate::TOTALS;
pub use pick::Pick;

/// Which trial to trace.
#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    /// This trial index.
    Trial(u64),
    /// The trial `pick` chooses, from the run folder `from` or a quick run.
    Pick { pick: Pick, from: Option<PathBuf> },
}

/// Everything `cordon trace` needs to know, resolved from flags.
#[derive(Debug, Clone)]
pub struct TraceOptions {
    /// The scenario, seed, threads and result folder.
    pub common: crate::study::Common,
    /// Trials of the run the trace belongs to (default: the scenario's).
    pub trials: Option<u64>,
    pub choice: Choice,
    /// Variants traced besides the baseline (empty: the baseline alone).
    pub variants: Vec<String>,
}

/// What `cordon trace` wrote.
#[derive(Debug)]
pub struct TraceReport {
    pub out: PathBuf,
    pub summary: TraceSummary,
}

/// Traces the trial the options choose and writes its folder.
pub fn trace(opts: &TraceOptions, cancel: &AtomicBool) -> Result<TraceReport> {
    let mut sets = opts.common.sets.clone();
    sets.extend(opts.common.seed.map(|s| format!("scenario.seed={s}")));
    sets.extend(opts.trials.map(|t| format!("scenario.trials={t}")));
    let (set, _) = crate::study::run::load_source(&opts.common.scenario, &sets)?;
    let chosen = if opts.variants.is_empty() {
        vec![(BASELINE.to_string(), &set.base)]
    } else {
        crate::study::run::select(&set, &opts.variants)?
    };
    let (trial, why) = choose_trial(opts, &chosen, cancel)?;
    let target = match (&opts.common.out, &opts.choice) {
        (Some(out), _) => out.clone(),
        (
            None,
            Choice::Pick {
                from: Some(dir), ..
            },
        ) => dir.join(TRACE_DIR),
        (None, _) => default_out(
            &opts.common.output_root.join(opts.common.scenario.stem()),
            &format!("trace-{trial}"),
            chrono::Utc::now(),
        ),
    };
    let staging = crate::study::stage(&target, opts.common.force)?;
    let trace = trace_trial(&chosen, trial);
    let summary = summarise(opts, &set.base, &trace, why);
    write(staging.path(), &trace, &set.base, &summary)?;
    let (out, ()) = crate::study::commit_then_draw(staging, |out| {
        crate::chart::trace::draw(out, &trace, &set.base)
    })?;
    Ok(TraceReport { out, summary })
}

/// The trial index and why it was chosen; invalid choices are exit 2.
fn choose_trial(
    opts: &TraceOptions,
    chosen: &[(String, &Scenario)],
    cancel: &AtomicBool,
) -> Result<(u64, String)> {
    let base = chosen[0].1;
    let (pick, from) = match &opts.choice {
        Choice::Trial(n) if *n < base.trials => return Ok((*n, format!("trial {n}, as asked"))),
        Choice::Trial(n) => {
            return Err(Error::Invalid(format!(
                "--trial {n} is out of range: {} runs {} trials, numbered 0 to {}; give a trial in that range (or --trials to match a larger run)",
                base.name,
                base.trials,
                base.trials - 1
            )));
        }
        Choice::Pick { pick, from } => (*pick, from),
    };
    let variant = chosen.get(1);
    if pick == Pick::Diverge && variant.is_none() {
        return Err(Error::Invalid(
            "--pick diverge compares a variant with the baseline: add --variant NAME (see `cordon check` for the scenario's variants)".into(),
        ));
    }
    let rows = match from {
        Some(dir) => {
            check_run(dir, base)?;
            pick::read_run(dir, variant.map(|(n, _)| n.as_str()))?
        }
        None => pick::quick_run(base, variant.map(|(_, s)| *s), opts.common.threads, cancel)?,
    };
    pick::choose(pick, &rows)
        .ok_or_else(|| Error::Invalid(format!("--pick {}: no trials to choose from", pick.name())))
}

/// Refuses a run folder made with another seed: its trial N is not this
/// scenario's.
fn check_run(dir: &Path, base: &Scenario) -> Result<()> {
    if !dir.join(crate::results::manifest::MANIFEST).is_file() {
        return Ok(()); // trials.csv alone is enough to pick from
    }
    let manifest: serde_json::Value = crate::results::manifest::read(dir, "")?;
    let seed = manifest.get("seed").and_then(serde_json::Value::as_u64);
    match seed {
        Some(seed) if seed != base.seed => Err(Error::Invalid(format!(
            "--from {}: that run used seed {seed}, the scenario has seed {}; trace with --seed {seed} (and the run's --set values) so that trial N is the run's",
            dir.display(),
            base.seed
        ))),
        _ => Ok(()),
    }
}

fn summarise(opts: &TraceOptions, base: &Scenario, trace: &Trace, chosen: String) -> TraceSummary {
    let total = |v: &crate::results::trace::VariantTrace, name: &str| {
        let i = TOTALS.iter().position(|t| t.name == name).unwrap_or(0);
        v.totals[i].unwrap_or(0.0)
    };
    let stories: Vec<Vec<crate::results::trace::CellStory>> = trace
        .variants
        .iter()
        .map(crate::results::trace::stories)
        .collect();
    let variants = trace
        .variants
        .iter()
        .zip(&stories)
        .enumerate()
        .map(|(i, (v, cells))| VariantSummary {
            name: v.name.clone(),
            cells: cells.len(),
            diverging_cells: if i == 0 {
                0
            } else {
                crate::results::trace::divergences(&stories[0], cells).len()
            },
            new_cells: total(v, "new_cells"),
            entries: total(v, "entries"),
            border_interdictions: total(v, "border_interdictions"),
            interior_interdictions: total(v, "interior_interdictions"),
            attacks: total(v, "attacks"),
            severity: total(v, "severity"),
        })
        .collect();
    TraceSummary {
        cordon_version: crate::results::manifest::VERSION.to_string(),
        command_line: opts.common.command_line.clone(),
        scenario: base.name.clone(),
        seed: base.seed,
        trial: trace.trial,
        chosen,
        weeks: trace.weeks,
        warmup_weeks: trace.warmup,
        variants,
    }
}

/// Writes every file of a trace into `dir`.
fn write(dir: &Path, trace: &Trace, base: &Scenario, summary: &TraceSummary) -> Result<()> {
    write_csv(&dir.join("events.csv"), &tables::event_rows(trace, base))?;
    write_csv(&dir.join("cells.csv"), &tables::cell_rows(trace, base))?;
    let names: Vec<String> = trace.variants.iter().map(|v| v.name.clone()).collect();
    let mut trial = TrialsWriter::create(&dir.join("trial.csv"), &names)?;
    trial.append(&[trace.row()])?;
    trial.finish()?;
    let json = serde_json::to_string_pretty(summary)
        .map_err(|e| Error::Other(anyhow::anyhow!("cannot encode {TRACE_JSON}: {e}")))?;
    write_file(&dir.join(TRACE_JSON), json.as_bytes())?;
    write_file(
        &dir.join("trace.html"),
        crate::report::trace_page::render(trace, base, summary).as_bytes(),
    )?;
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes)
        .map_err(|e| Error::Other(anyhow::anyhow!("cannot write {}: {e}", path.display())))
}
