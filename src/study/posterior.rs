//! Studies over a posterior (docs/model.md §4a): `cordon run`, `sweep` and
//! `optimize` with `--posterior`.
//!
//! A posterior's distinct points get one weight each (duplicate rows add
//! up), and trial `i` draws point [`Posterior::pick`]`(seed, i)`, the same
//! for every scenario the study runs (variants, design points, candidates),
//! so every comparison stays paired and every summary integrates over the
//! posterior. The scenario at a point is the study's scenario with the
//! point's values applied like `--set`, after the study's own values.

use std::ops::Range;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use crate::engine::{EngineError, empty_totals, points::overrides, run_posterior_trials_from};
use crate::error::{Error, Result};
use crate::model::Theatre;
use crate::results::Posterior;
use crate::results::manifest::PosteriorEntry;
use crate::scenario::ranges::{ParamRange, allocation_share};
use crate::scenario::{Scenario, ScenarioSet};
use crate::stats::RunStats;

/// A posterior read for a study: its distinct points and their weights.
#[derive(Debug, Clone)]
pub(crate) struct OverPosterior {
    pub(crate) posterior: Posterior,
    /// How each column's value is written as `--set` (allocation shares
    /// rescale the others as the `[[uncertain]]` box says).
    ranges: Vec<ParamRange>,
    /// The distinct points, in the order of their first row.
    pub(crate) values: Vec<Vec<f64>>,
    /// Summed weight of each distinct point, and their running sums.
    pub(crate) weights: Vec<f64>,
    pub(crate) cumulative: Vec<f64>,
}

impl OverPosterior {
    /// Reads a posterior (a calibrate folder, a `posterior.csv` or the name
    /// of a built-in scenario that ships one); `uncertain` is the
    /// scenario's `[[uncertain]]` box.
    pub(crate) fn read(path: &Path, uncertain: &[ParamRange]) -> Result<Self> {
        let posterior = Posterior::read(path)?;
        let ranges = posterior.ranges(uncertain);
        let mut values: Vec<Vec<f64>> = Vec::new();
        let mut weights: Vec<f64> = Vec::new();
        let mut index: std::collections::HashMap<Vec<u64>, usize> = Default::default();
        for (point, &w) in posterior.points.iter().zip(&posterior.weights) {
            let bits: Vec<u64> = point.iter().map(|x| x.to_bits()).collect();
            match index.get(&bits) {
                Some(&i) => weights[i] += w,
                None => {
                    index.insert(bits, values.len());
                    values.push(point.clone());
                    weights.push(w);
                }
            }
        }
        let mut acc = 0.0;
        let cumulative = weights
            .iter()
            .map(|w| {
                acc += w;
                acc
            })
            .collect();
        Ok(OverPosterior {
            posterior,
            ranges,
            values,
            weights,
            cumulative,
        })
    }

    /// `PATH=VALUE` of every column at distinct point `j`.
    pub(crate) fn overrides(&self, j: usize) -> Vec<String> {
        overrides(&self.ranges, &self.values[j])
    }

    /// The distinct point of trial `trial`.
    pub(crate) fn pick(&self, seed: u64, trial: u64) -> usize {
        Posterior::pick(&self.cumulative, seed, trial)
    }

    /// Where the point trial `trial` draws is in `used` (the points that
    /// the trials draw, as [`OverPosterior::used`] gives them).
    pub(crate) fn index_in(&self, used: &[usize], seed: u64, trial: u64) -> usize {
        used.binary_search(&self.pick(seed, trial)).unwrap_or(0)
    }

    /// The distinct points that trials `trials` draw, in increasing order.
    pub(crate) fn used(&self, seed: u64, trials: Range<u64>) -> Vec<usize> {
        let mut seen = vec![false; self.values.len()];
        for t in trials {
            seen[self.pick(seed, t)] = true;
        }
        (0..seen.len()).filter(|&j| seen[j]).collect()
    }

    /// The message of a point that is not a valid scenario: the posterior
    /// does not fit the scenario (the same words as `cordon run`'s).
    pub(crate) fn misfit(&self, j: usize, d: impl std::fmt::Display) -> Error {
        Error::Invalid(format!(
            "the posterior {} does not fit this scenario: its point {} is not a valid scenario:\n{d}",
            self.posterior.file.display(),
            self.overrides(j).join(", ")
        ))
    }

    /// Checks that the posterior's columns are paths of the scenario: its
    /// first point is built on `sets` (with `load`), and refused with the
    /// reason if it is not a valid scenario.
    pub(crate) fn check<T, D: std::fmt::Display>(
        &self,
        load: impl Fn(&[String]) -> std::result::Result<T, D>,
        sets: &[String],
    ) -> Result<()> {
        let mut all = sets.to_vec();
        all.extend(self.overrides(0));
        load(&all).map(|_| ()).map_err(|d| self.misfit(0, d))
    }

    /// Refuses a study that also sets a posterior path itself (`flag`
    /// names the flag, `done` what the study does to the path, e.g.
    /// "swept"): the posterior sets it in every trial, so the study's
    /// value would silently lose, or win, against it.
    /// `paths` are (what the flag was given, the path it sets).
    pub(crate) fn refuse_overlap(
        &self,
        paths: &[(String, String)],
        flag: &str,
        done: &str,
    ) -> Result<()> {
        for (given, p) in paths {
            if let Some(q) = self.posterior.paths.iter().find(|q| overlap(p, q)) {
                return Err(Error::Invalid(format!(
                    "{flag} {given}: the posterior {} draws {q} in every trial, so {p} cannot also be {done}; leave it out, or use a posterior without that column",
                    self.posterior.file.display()
                )));
            }
        }
        Ok(())
    }

    /// Variants of `set` that set a posterior path themselves.
    pub(crate) fn variant_notes(&self, set: &ScenarioSet) -> Vec<String> {
        let mut notes = Vec::new();
        for v in &set.variants {
            for (p, _) in v
                .overrides
                .iter()
                .filter(|(p, _)| self.posterior.paths.contains(p))
            {
                notes.push(format!(
                    "variant {} sets {p} itself: its value wins over the posterior's",
                    v.name
                ));
            }
        }
        notes
    }

    /// What a manifest records of the posterior.
    pub(crate) fn entry(&self, notes: Vec<String>) -> PosteriorEntry {
        PosteriorEntry {
            path: self.posterior.file.display().to_string(),
            sha256: self.posterior.sha256.clone(),
            paths: self.posterior.paths.clone(),
            points: self.posterior.points.len(),
            distinct_points: self.values.len(),
            notes,
        }
    }

    /// Runs trials `trials` of the scenarios of every point in `used`
    /// (as [`OverPosterior::used`] gives them; `points[k]` are the
    /// scenarios at point `used[k]`, in the same order at every point,
    /// the reference first): trial `i` runs every scenario at the point it
    /// draws. The statistics are totals, states, borders and paired
    /// differences, with no weekly series ([`empty_totals`]): what sweep
    /// and optimize read.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn run_trials(
        &self,
        seed: u64,
        used: &[usize],
        points: &[Vec<&Scenario>],
        trials: Range<u64>,
        threads: usize,
        cancel: &AtomicBool,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<RunStats> {
        let first: Vec<Theatre<'_>> = points[0].iter().map(|s| Theatre::new(s)).collect();
        // Their studies read the totals, never a week.
        let base = empty_totals(&first);
        let pick = |t: u64| self.index_in(used, seed, t);
        match run_posterior_trials_from(
            points,
            &pick,
            trials,
            threads,
            cancel,
            progress,
            base,
            false,
            |_| Ok(()),
        ) {
            Ok(stats) => Ok(stats),
            Err(EngineError::Interrupted) => Err(Error::Interrupted(None)),
            Err(e) => Err(Error::Other(e.into())),
        }
    }
}

/// The scenario sets of the posterior points `points` (`build(j)` gives
/// point j's), built at the same time, each sharing what it has in common
/// with the first (see [`Scenario::share_with`]) as soon as it is built;
/// the first point's variants share with its base. Of points that are not
/// valid scenarios, the first in order is reported (as one after another
/// would).
pub(crate) fn build_shared(
    points: &[usize],
    threads: usize,
    build: impl Fn(usize) -> Result<ScenarioSet> + Sync + Send,
) -> Result<Vec<ScenarioSet>> {
    let Some((&head, rest)) = points.split_first() else {
        return Ok(Vec::new());
    };
    let mut first = build(head)?;
    for v in &mut first.variants {
        v.scenario.share_with(&first.base);
    }
    let built: Vec<Result<ScenarioSet>> = crate::engine::with_pool(threads, || {
        crate::engine::par_map(rest, |&j| {
            let mut here = build(j)?;
            here.base.share_with(&first.base);
            for (v, f) in here.variants.iter_mut().zip(&first.variants) {
                v.scenario.share_with(&f.scenario);
            }
            Ok(here)
        })
    })
    .map_err(|e| Error::Other(e.into()))?;
    let mut sets = Vec::with_capacity(points.len());
    sets.push(first);
    for here in built {
        sets.push(here?);
    }
    Ok(sets)
}

/// Whether setting `a` and setting `b` touch the same value: the same
/// path, one inside the other, or two shares of one allocation table
/// (setting one share rescales the others).
fn overlap(a: &str, b: &str) -> bool {
    let inside = |x: &str, y: &str| x.starts_with(&format!("{y}."));
    if a == b || inside(a, b) || inside(b, a) {
        return true;
    }
    matches!(
        (allocation_share(a), allocation_share(b)),
        (Some((ta, _)), Some((tb, _))) if ta == tb
    )
}

#[cfg(test)]
mod tests {
    use super::overlap;

    #[test]
    fn paths_overlap_when_one_setting_changes_the_other() {
        assert!(overlap("model.attack_hazard", "model.attack_hazard"));
        assert!(overlap(
            "states.MEM.allocation",
            "states.MEM.allocation.intel"
        ));
        assert!(overlap(
            "states.MEM.allocation.border",
            "states.MEM.allocation.intel"
        ));
        assert!(!overlap("model.attack_hazard", "model.attack_hazard_x"));
        assert!(!overlap(
            "states.MEM.allocation.intel",
            "states.KGZ.allocation.intel"
        ));
    }
}
