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

use crate::engine::run_trials;
use crate::error::{Error, Result};
use crate::model::Theatre;
use crate::scenario::builtin::ScenarioSource;
use crate::scenario::ranges::{
    DesignKind, ParamRange, SweepSpec, allocation_at, allocation_share, limits,
};
use crate::scenario::{BASELINE, ScenarioSet, load_point, load_with_vary};
use crate::stats::RunStats;
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
        })
    }

    /// The scenario as written (with `--set`), validated, with `--vary`
    /// arguments in place of its `[sweep]` parameters.
    pub fn load(&self, varies: &[String]) -> Result<ScenarioSet> {
        load_with_vary(&self.name, &self.stem, &self.text, &self.sets, varies)
            .map_err(|d| Error::from(crate::scenario::LoadError::Invalid(d)))
    }

    /// The scenario with more `--set` values after the base's own (the
    /// text is parsed again, never re-read from disk).
    pub fn with_sets(&self, extra: &[String]) -> Result<ScenarioSet> {
        let mut sets = self.sets.clone();
        sets.extend(extra.iter().cloned());
        crate::scenario::load_str(&self.name, &self.stem, &self.text, &sets)
            .map_err(|d| Error::from(crate::scenario::LoadError::Invalid(d)))
    }

    /// The scenario at one design point.
    pub fn at(&self, params: &[ParamRange], values: &[f64]) -> Result<ScenarioSet> {
        let mut sets = self.sets.clone();
        sets.extend(overrides(params, values));
        load_point(&self.name, &self.stem, &self.text, &sets).map_err(|d| {
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
/// scenario, in trial order.
pub fn run_on_common_trials(
    theatres: &[Theatre<'_>],
    trials: std::ops::Range<u64>,
    threads: usize,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
    outcome: Option<TrialMetric>,
) -> Result<(RunStats, Vec<Vec<Option<f64>>>)> {
    let mut kept: Vec<Vec<Option<f64>>> = vec![Vec::new(); theatres.len()];
    let sink = |rows: &[crate::engine::TrialRow]| {
        if let Some(o) = outcome {
            for row in rows {
                for (list, totals) in kept.iter_mut().zip(&row.totals) {
                    list.push(o.of(totals));
                }
            }
        }
        Ok(())
    };
    let stats = run_trials(theatres, trials, threads, cancel, progress, sink)?;
    Ok((stats, kept))
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
    let patrol_in = patrol_in(&set.base, &theatres);
    Ok((
        PointResult {
            variants: scenarios.into_iter().map(|(n, _)| n).collect(),
            stats,
            patrol_in,
        },
        kept,
    ))
}

/// Per scenario of `theatres` (scenarios of `base`'s geography): mean
/// weekly patrol detection on the directions into member territory (from
/// a non-member region), `None` without any.
pub fn patrol_in(base: &crate::scenario::Scenario, theatres: &[Theatre<'_>]) -> Vec<Option<f64>> {
    let inward: Vec<usize> = (0..2 * base.borders.len())
        .filter(|&d| {
            let b = &base.borders[d / 2];
            let (from, to) = if d % 2 == 0 { (b.a, b.b) } else { (b.b, b.a) };
            b.is_segment() && !base.is_member_region(from) && base.is_member_region(to)
        })
        .collect();
    theatres
        .iter()
        .map(|th| {
            (!inward.is_empty() && base.weeks > 0).then(|| {
                let total: f64 = inward
                    .iter()
                    .map(|&d| {
                        (0..base.weeks)
                            .map(|t| th.defences.patrol(t + th.defences.warmup, d))
                            .sum::<f64>()
                    })
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
}
