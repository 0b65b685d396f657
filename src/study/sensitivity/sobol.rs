//! Variance-based sensitivity: Saltelli's sampling scheme and Jansen's
//! estimators of first-order and total Sobol indices, with bootstrap
//! intervals.
//!
//! The estimator sees only numbers: the model is a closure from a point of
//! the unit cube to a value, so the same code is checked against the
//! Ishigami function (whose indices are known in closed form) and used on
//! scenarios.
//!
//! With `A` and `B` two independent `n × k` samples and `A_B^i` the matrix
//! `A` with column `i` taken from `B`, Jansen's estimators are
//! `S_i = (V - ½ E[(f(B) - f(A_B^i))²]) / V` and
//! `S_Ti = ½ E[(f(A) - f(A_B^i))²] / V`, with `V` the variance of
//! `f(A)` and `f(B)` together (Saltelli et al. 2010, table 2).

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The `A` and `B` samples of Saltelli's scheme, on the unit cube.
#[derive(Debug, Clone, PartialEq)]
pub struct Saltelli {
    pub a: Vec<Vec<f64>>,
    pub b: Vec<Vec<f64>>,
}

impl Saltelli {
    /// `n` rows of `k` independent uniforms each for `A` and `B`, from a
    /// generator seeded with `seed`.
    pub fn new(k: usize, n: usize, seed: u64) -> Saltelli {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x5a17_e111_0000_0001);
        let mut sample = || -> Vec<Vec<f64>> {
            (0..n)
                .map(|_| (0..k).map(|_| rng.random::<f64>()).collect())
                .collect()
        };
        let a = sample();
        let b = sample();
        Saltelli { a, b }
    }

    /// Parameters.
    pub fn k(&self) -> usize {
        self.a.first().map_or(0, Vec::len)
    }

    /// Base samples.
    pub fn n(&self) -> usize {
        self.a.len()
    }

    /// Every point to evaluate, `n (k + 2)` of them: the rows of `A`, then
    /// of `B`, then of `A_B^i` for each parameter `i` in turn.
    pub fn points(&self) -> Vec<Vec<f64>> {
        let mut out: Vec<Vec<f64>> = self.a.clone();
        out.extend(self.b.iter().cloned());
        for i in 0..self.k() {
            out.extend(self.a.iter().zip(&self.b).map(|(a, b)| {
                let mut row = a.clone();
                row[i] = b[i];
                row
            }));
        }
        out
    }
}

/// One parameter's indices with their 95% bootstrap intervals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SobolIndex {
    pub first: f64,
    pub first_ci: (f64, f64),
    pub total: f64,
    pub total_ci: (f64, f64),
}

/// Jansen's estimates from `values` (in [`Saltelli::points`] order, for
/// `k` parameters), with percentile intervals from `reps` bootstrap
/// resamples of the `n` rows (seeded by `seed`). `None` when the output does
/// not vary.
pub(crate) fn jansen(values: &[f64], k: usize, reps: usize, seed: u64) -> Option<Vec<SobolIndex>> {
    let n = values.len() / (k + 2);
    if n < 2 || values.len() != n * (k + 2) {
        return None;
    }
    let all: Vec<usize> = (0..n).collect();
    let point = estimate(values, n, k, &all)?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0xb007_57a9_0000_0001);
    let mut draws: Vec<Vec<(f64, f64)>> = vec![Vec::with_capacity(reps); k];
    let mut rows = vec![0usize; n];
    for _ in 0..reps {
        for r in rows.iter_mut() {
            *r = rng.random_range(0..n);
        }
        if let Some(est) = estimate(values, n, k, &rows) {
            for (d, e) in draws.iter_mut().zip(est) {
                d.push(e);
            }
        }
    }
    Some(
        point
            .into_iter()
            .zip(draws)
            .map(|((first, total), d)| {
                let firsts: Vec<f64> = d.iter().map(|e| e.0).collect();
                let totals: Vec<f64> = d.iter().map(|e| e.1).collect();
                SobolIndex {
                    first,
                    first_ci: percentile_interval(firsts, first),
                    total,
                    total_ci: percentile_interval(totals, total),
                }
            })
            .collect(),
    )
}

/// (S_i, S_Ti) for every parameter from the rows `rows`.
fn estimate(values: &[f64], n: usize, k: usize, rows: &[usize]) -> Option<Vec<(f64, f64)>> {
    let fa = |j: usize| values[j];
    let fb = |j: usize| values[n + j];
    let fab = |i: usize, j: usize| values[(2 + i) * n + j];
    let m = rows.len() as f64;
    let mean = rows.iter().map(|&j| fa(j) + fb(j)).sum::<f64>() / (2.0 * m);
    let var = rows
        .iter()
        .map(|&j| (fa(j) - mean).powi(2) + (fb(j) - mean).powi(2))
        .sum::<f64>()
        / (2.0 * m - 1.0);
    if var <= 0.0 || !var.is_finite() {
        return None;
    }
    Some(
        (0..k)
            .map(|i| {
                let first = rows
                    .iter()
                    .map(|&j| (fb(j) - fab(i, j)).powi(2))
                    .sum::<f64>()
                    / m;
                let total = rows
                    .iter()
                    .map(|&j| (fa(j) - fab(i, j)).powi(2))
                    .sum::<f64>()
                    / m;
                ((var - 0.5 * first) / var, 0.5 * total / var)
            })
            .collect(),
    )
}

/// The 2.5% and 97.5% points of `draws` (the estimate itself when there
/// are no draws).
fn percentile_interval(mut draws: Vec<f64>, estimate: f64) -> (f64, f64) {
    draws.retain(|x| x.is_finite());
    if draws.is_empty() {
        return (estimate, estimate);
    }
    draws.sort_by(f64::total_cmp);
    let at = |p: f64| {
        let i = ((draws.len() - 1) as f64 * p).round() as usize;
        draws[i.min(draws.len() - 1)]
    };
    (at(0.025), at(0.975))
}

#[cfg(test)]
/// Sobol indices of `f` over the unit cube in `k` dimensions from `n`
/// base samples: the same sampling and estimator as for scenarios.
pub(crate) fn sobol(
    k: usize,
    n: usize,
    reps: usize,
    seed: u64,
    f: impl FnMut(&[f64]) -> f64,
) -> Option<Vec<SobolIndex>> {
    let plan = Saltelli::new(k, n, seed);
    let values: Vec<f64> = plan.points().iter().map(|p| p.as_slice()).map(f).collect();
    jansen(&values, k, reps, seed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    /// Ishigami's function on [-π, π]³ with a = 7, b = 0.1, from the unit cube.
    fn ishigami(u: &[f64]) -> f64 {
        let x: Vec<f64> = u.iter().map(|v| -PI + 2.0 * PI * v).collect();
        x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
    }

    #[test]
    fn ishigami_indices_match_their_closed_form() {
        // Closed form (Ishigami and Homma 1990; Sobol' and Levitan 1999).
        let a: f64 = 7.0;
        let b: f64 = 0.1;
        let v1 = 0.5 * (1.0 + b * PI.powi(4) / 5.0).powi(2);
        let v2 = a * a / 8.0;
        let v13 = b * b * PI.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
        let v = v1 + v2 + v13;
        let first = [v1 / v, v2 / v, 0.0];
        let total = [(v1 + v13) / v, v2 / v, v13 / v];
        assert!((first[0] - 0.3139).abs() < 1e-4 && (total[2] - 0.2437).abs() < 1e-4);
        let est = sobol(3, 20_000, 200, 11, ishigami).expect("the output varies");
        for (i, e) in est.iter().enumerate() {
            println!(
                "x{}: S = {:.4} [{:.4}, {:.4}] (exact {:.4}), ST = {:.4} [{:.4}, {:.4}] (exact {:.4})",
                i + 1,
                e.first,
                e.first_ci.0,
                e.first_ci.1,
                first[i],
                e.total,
                e.total_ci.0,
                e.total_ci.1,
                total[i]
            );
        }
        for i in 0..3 {
            let e = est[i];
            // The known value must lie in the bootstrap interval, widened by
            // half its width for the bootstrap's own noise.
            let inside = |x: f64, (lo, hi): (f64, f64)| {
                let w = (hi - lo) * 0.5 + 1e-3;
                x >= lo - w && x <= hi + w
            };
            assert!(
                inside(first[i], e.first_ci),
                "S{}: {e:?} vs {}",
                i + 1,
                first[i]
            );
            assert!(
                inside(total[i], e.total_ci),
                "ST{}: {e:?} vs {}",
                i + 1,
                total[i]
            );
            assert!((e.first - first[i]).abs() < 0.03, "S{}: {e:?}", i + 1);
            assert!((e.total - total[i]).abs() < 0.03, "ST{}: {e:?}", i + 1);
        }
    }

    #[test]
    fn a_constant_output_has_no_indices() {
        assert!(sobol(2, 50, 10, 1, |_| 3.0).is_none());
    }

    #[test]
    fn an_additive_function_splits_its_variance() {
        // f = x1 + 2 x2 on the unit cube: S = (1/5, 4/5), no interaction.
        let est = sobol(2, 20_000, 50, 3, |u| u[0] + 2.0 * u[1]).expect("varies");
        assert!((est[0].first - 0.2).abs() < 0.02, "{est:?}");
        assert!((est[1].first - 0.8).abs() < 0.02, "{est:?}");
        assert!((est[0].total - 0.2).abs() < 0.02, "{est:?}");
    }
}
