//! Sequential Monte Carlo over a tempered, simulated likelihood.
//!
//! The target is prior(θ) × L̂(θ), where L̂ is a simulated likelihood (see
//! [`super::likelihood`]). Particles start from the prior and move through
//! the bridge prior × L̂^φ, φ rising from 0 to 1 (Del Moral, Doucet & Jasra
//! 2006; Chopin 2002). Each generation
//!
//! 1. picks the next φ so that the effective sample size of the reweighted
//!    particles is a set fraction of their number (adaptive tempering);
//! 2. reweights by L̂^Δφ and resamples (systematic);
//! 3. moves every particle by Metropolis–Hastings steps with a Gaussian
//!    random walk whose covariance is 2.38²/d times the weighted particle
//!    covariance (Beaumont et al. 2009; Filippi et al. 2013), repeated until
//!    nine particles in ten have probably moved, up to a cap.
//!
//! A particle keeps the likelihood estimate it was accepted with, so the
//! moves are pseudo-marginal (Andrieu & Roberts 2009): at φ = 1 they leave
//! prior × E[L̂] invariant. It stops when φ reaches 1 (after that
//! generation's moves) or at the generation cap.
//!
//! Parameters live in the prior's own coordinates: the value itself, or its
//! logarithm for a log-uniform prior, so the prior is uniform on a box and
//! the prior ratio of a move is 1 inside the box and 0 outside.
//!
//! Every random number comes from a generator keyed by (seed, generation,
//! move, particle, purpose), and every simulation from trial indices keyed
//! the same way, so the result does not depend on the number of threads.

use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use crate::model::streams::mix;
use crate::scenario::ranges::ParamRange;

/// The prior: uniform on a box in the prior's coordinates.
#[derive(Debug, Clone)]
pub struct Prior {
    pub params: Vec<ParamRange>,
}

impl Prior {
    /// Dimensions.
    pub fn dim(&self) -> usize {
        self.params.len()
    }

    /// `(low, high)` of parameter `k` in the prior's coordinates.
    pub fn bounds(&self, k: usize) -> (f64, f64) {
        let p = &self.params[k];
        if p.log {
            (p.low.ln(), p.high.ln())
        } else {
            (p.low, p.high)
        }
    }

    /// Whether `z` lies in the box.
    pub fn contains(&self, z: &[f64]) -> bool {
        z.iter().enumerate().all(|(k, &x)| {
            let (lo, hi) = self.bounds(k);
            x >= lo && x <= hi
        })
    }

    /// The parameter values of a point in the prior's coordinates.
    pub fn values(&self, z: &[f64]) -> Vec<f64> {
        z.iter()
            .zip(&self.params)
            .map(|(&x, p)| {
                let v = if p.log { x.exp() } else { x };
                if p.integer { v.round() } else { v }
            })
            .collect()
    }
}

/// Settings of the sampler.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Settings {
    pub particles: usize,
    /// Cap on generations after the first draw from the prior.
    pub generations: u32,
    /// Target effective sample size after reweighting, as a share of the
    /// particles.
    pub ess_fraction: f64,
    /// Cap on Metropolis–Hastings steps per generation.
    pub max_moves: u32,
    pub seed: u64,
}

/// One particle: a point in the prior's coordinates and the log of its
/// simulated likelihood.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Particle {
    pub z: Vec<f64>,
    pub log_likelihood: f64,
}

/// What one generation did.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Generation {
    pub generation: u32,
    /// φ: the power of the likelihood in this generation's target.
    pub temperature: f64,
    /// Effective sample size after reweighting, before resampling.
    pub ess: f64,
    /// Share of proposals accepted over this generation's moves.
    pub acceptance: f64,
    pub moves: u32,
    /// Parameter points simulated in this generation.
    pub simulations: u64,
    pub elapsed_s: f64,
}

/// The sampler's state after a generation: all a checkpoint needs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct State {
    pub particles: Vec<Particle>,
    /// Normalised weights (equal after each generation's resampling).
    pub weights: Vec<f64>,
    pub temperature: f64,
    pub history: Vec<Generation>,
}

impl State {
    /// Whether the particles target the posterior itself.
    pub fn done(&self) -> bool {
        self.temperature >= 1.0
    }

    /// The generation last completed.
    pub fn generation(&self) -> u32 {
        self.history.last().map_or(0, |g| g.generation)
    }
}

/// A point to simulate: its values in the prior's coordinates and the key
/// of its simulations (see [`key`]).
#[derive(Debug, Clone)]
pub struct Job {
    pub z: Vec<f64>,
    pub key: u64,
}

/// The key of the simulations of `particle` at `step` of `generation`: a
/// different number for every simulation the sampler ever asks for.
pub fn key(generation: u32, step: u32, particle: usize) -> u64 {
    (u64::from(generation) << 40) | (u64::from(step & 0xff) << 32) | particle as u64
}

/// Most particles (the key keeps 32 bits for them).
pub const MAX_PARTICLES: usize = 1 << 24;

/// Draws from the prior for generation 0, or continues `state`, calling
/// `evaluate` for the log-likelihood of batches of points (in order, one
/// per job) and `checkpoint` after every generation.
pub fn run<E, C>(
    prior: &Prior,
    settings: &Settings,
    state: Option<State>,
    mut evaluate: E,
    mut checkpoint: C,
) -> anyhow::Result<State>
where
    E: FnMut(&[Job]) -> anyhow::Result<Vec<f64>>,
    C: FnMut(&State) -> anyhow::Result<()>,
{
    let n = settings.particles;
    let mut state = match state {
        Some(s) => s,
        None => {
            let clock = std::time::Instant::now();
            let jobs: Vec<Job> = (0..n)
                .map(|i| Job {
                    z: from_prior(prior, &mut rng(settings.seed, &[0, 0, i as u64, 1])),
                    key: key(0, 0, i),
                })
                .collect();
            let ll = evaluate(&jobs)?;
            let s = State {
                particles: jobs
                    .into_iter()
                    .zip(ll)
                    .map(|(j, l)| Particle {
                        z: j.z,
                        log_likelihood: finite(l),
                    })
                    .collect(),
                weights: vec![1.0 / n as f64; n],
                temperature: 0.0,
                history: vec![Generation {
                    generation: 0,
                    temperature: 0.0,
                    ess: n as f64,
                    acceptance: 1.0,
                    moves: 0,
                    simulations: n as u64,
                    elapsed_s: clock.elapsed().as_secs_f64(),
                }],
            };
            checkpoint(&s)?;
            s
        }
    };
    while !state.done() && state.generation() < settings.generations {
        state = generation(prior, settings, state, &mut evaluate)?;
        checkpoint(&state)?;
    }
    Ok(state)
}

/// One generation: temper, reweight, resample, move.
fn generation<E>(
    prior: &Prior,
    settings: &Settings,
    mut state: State,
    evaluate: &mut E,
) -> anyhow::Result<State>
where
    E: FnMut(&[Job]) -> anyhow::Result<Vec<f64>>,
{
    let clock = std::time::Instant::now();
    let g = state.generation() + 1;
    let n = state.particles.len();
    let ll: Vec<f64> = state.particles.iter().map(|p| p.log_likelihood).collect();
    let step = next_temperature(
        &state.weights,
        &ll,
        1.0 - state.temperature,
        settings.ess_fraction * n as f64,
    );
    let weights = reweight(&state.weights, &ll, step);
    let ess = effective_size(&weights);
    let temperature = if state.temperature + step >= 1.0 - 1e-12 {
        1.0
    } else {
        state.temperature + step
    };
    let chol = proposal(prior, &state.particles, &weights);
    let u = rng(settings.seed, &[u64::from(g), 0, 0, 2]).random::<f64>();
    let picks = systematic(&weights, u);
    let mut particles: Vec<Particle> = picks.iter().map(|&i| state.particles[i].clone()).collect();
    let (mut accepted, mut proposed, mut simulations, mut moves) = (0u64, 0u64, 0u64, 0u32);
    let mut wanted = settings.max_moves.max(1);
    while moves < wanted {
        moves += 1;
        let mut jobs = Vec::new();
        let mut whose = Vec::new();
        let mut uniforms = Vec::with_capacity(n);
        for (i, p) in particles.iter().enumerate() {
            let mut r = rng(
                settings.seed,
                &[u64::from(g), u64::from(moves), i as u64, 3],
            );
            let z = propose(&p.z, &chol, &mut r);
            uniforms.push(r.random::<f64>());
            if prior.contains(&z) {
                jobs.push(Job {
                    z,
                    key: key(g, moves, i),
                });
                whose.push(i);
            }
        }
        let ll = evaluate(&jobs)?;
        simulations += jobs.len() as u64;
        let mut this_move = 0u64;
        for ((job, &i), l) in jobs.into_iter().zip(&whose).zip(ll) {
            let l = finite(l);
            let log_ratio = temperature * (l - particles[i].log_likelihood);
            if uniforms[i].ln() < log_ratio {
                particles[i] = Particle {
                    z: job.z,
                    log_likelihood: l,
                };
                this_move += 1;
            }
        }
        accepted += this_move;
        proposed += n as u64;
        if moves == 1 {
            wanted = moves_needed(this_move as f64 / n as f64, settings.max_moves);
        }
    }
    state.history.push(Generation {
        generation: g,
        temperature,
        ess,
        acceptance: accepted as f64 / proposed.max(1) as f64,
        moves,
        simulations,
        elapsed_s: clock.elapsed().as_secs_f64(),
    });
    state.particles = particles;
    state.weights = vec![1.0 / n as f64; n];
    state.temperature = temperature;
    Ok(state)
}

/// Steps such that a particle moves at least once with probability 0.9,
/// given the acceptance rate of one step: ln 0.1 / ln(1 − a), at least 1.
fn moves_needed(acceptance: f64, cap: u32) -> u32 {
    if acceptance >= 0.9 {
        return 1;
    }
    if acceptance <= 0.0 {
        return cap.max(1);
    }
    let k = (0.1f64.ln() / (1.0 - acceptance).ln()).ceil();
    (k as u32).clamp(1, cap.max(1))
}

/// Effective sample size of normalised weights, 1 / Σ w².
fn effective_size(weights: &[f64]) -> f64 {
    1.0 / weights.iter().map(|w| w * w).sum::<f64>()
}

/// A log-likelihood that sorts: NaN counts as impossible.
fn finite(l: f64) -> f64 {
    if l.is_nan() { f64::NEG_INFINITY } else { l }
}

/// The largest step in φ (at most `max`) whose reweighted particles keep an
/// effective sample size of at least `target`; bisection on the step.
pub fn next_temperature(weights: &[f64], ll: &[f64], max: f64, target: f64) -> f64 {
    let ess = |step: f64| effective_size(&reweight(weights, ll, step));
    if ess(max) >= target {
        return max;
    }
    let (mut lo, mut hi) = (0.0, max);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if ess(mid) >= target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    // A step of 0 would never end: take at least a sliver.
    lo.max(1e-6 * max)
}

/// Normalised weights w · L^step (computed on the log scale).
pub fn reweight(weights: &[f64], ll: &[f64], step: f64) -> Vec<f64> {
    let logs: Vec<f64> = weights
        .iter()
        .zip(ll)
        .map(|(&w, &l)| {
            if w <= 0.0 || l == f64::NEG_INFINITY {
                f64::NEG_INFINITY
            } else {
                w.ln() + step * l
            }
        })
        .collect();
    let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if top == f64::NEG_INFINITY {
        return vec![1.0 / weights.len() as f64; weights.len()];
    }
    let e: Vec<f64> = logs.iter().map(|&l| (l - top).exp()).collect();
    let sum: f64 = e.iter().sum();
    e.into_iter().map(|x| x / sum).collect()
}

/// Systematic resampling: the indices of `weights.len()` draws, one at each
/// of u, u + 1, … in units of 1/N along the cumulative weights.
pub fn systematic(weights: &[f64], u: f64) -> Vec<usize> {
    let n = weights.len();
    let mut picks = Vec::with_capacity(n);
    let mut cum = 0.0;
    let mut i = 0;
    for k in 0..n {
        let at = (k as f64 + u) / n as f64;
        while i + 1 < n && cum + weights[i] < at {
            cum += weights[i];
            i += 1;
        }
        picks.push(i);
    }
    picks
}

/// The lower Cholesky factor of 2.38²/d times the weighted covariance of
/// the particles, with a small ridge so that it exists when the particles
/// have collapsed onto a line.
fn proposal(prior: &Prior, particles: &[Particle], weights: &[f64]) -> Vec<Vec<f64>> {
    let d = prior.dim();
    let mut mean = vec![0.0; d];
    for (p, &w) in particles.iter().zip(weights) {
        for (m, z) in mean.iter_mut().zip(&p.z) {
            *m += w * z;
        }
    }
    let mut cov = vec![vec![0.0; d]; d];
    for (p, &w) in particles.iter().zip(weights) {
        for a in 0..d {
            for b in 0..d {
                cov[a][b] += w * (p.z[a] - mean[a]) * (p.z[b] - mean[b]);
            }
        }
    }
    let scale = 2.38f64.powi(2) / d as f64;
    for (a, row) in cov.iter_mut().enumerate() {
        let (lo, hi) = prior.bounds(a);
        for x in row.iter_mut() {
            *x *= scale;
        }
        row[a] += 1e-8 * (hi - lo).powi(2);
    }
    cholesky(&cov)
}

/// Lower Cholesky factor of a symmetric positive definite matrix (tiny
/// pivots are floored, so a nearly singular one still gives a factor).
fn cholesky(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let d = a.len();
    let mut l = vec![vec![0.0; d]; d];
    for i in 0..d {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                l[i][j] = (a[i][i] - s).max(1e-300).sqrt();
            } else {
                l[i][j] = (a[i][j] - s) / l[j][j];
            }
        }
    }
    l
}

/// z + L ε with ε standard normal.
fn propose(z: &[f64], chol: &[Vec<f64>], r: &mut Xoshiro256PlusPlus) -> Vec<f64> {
    let eps: Vec<f64> = (0..z.len()).map(|_| StandardNormal.sample(r)).collect();
    z.iter()
        .enumerate()
        .map(|(i, &x)| x + (0..=i).map(|k| chol[i][k] * eps[k]).sum::<f64>())
        .collect()
}

/// A point drawn uniformly from the prior's box.
fn from_prior(prior: &Prior, r: &mut Xoshiro256PlusPlus) -> Vec<f64> {
    (0..prior.dim())
        .map(|k| {
            let (lo, hi) = prior.bounds(k);
            lo + (hi - lo) * r.random::<f64>()
        })
        .collect()
}

/// A generator keyed by the seed and `parts`.
fn rng(seed: u64, parts: &[u64]) -> Xoshiro256PlusPlus {
    let mut h = mix(seed ^ 0xca11_b4a7_e000_0000);
    for &p in parts {
        h = mix(h ^ p);
    }
    Xoshiro256PlusPlus::seed_from_u64(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prior(ranges: &[(f64, f64, bool)]) -> Prior {
        Prior {
            params: ranges
                .iter()
                .enumerate()
                .map(|(i, &(low, high, log))| ParamRange {
                    path: format!("model.p{i}"),
                    low,
                    high,
                    steps: 2,
                    integer: false,
                    rescale: None,
                    log,
                })
                .collect(),
        }
    }

    #[test]
    fn systematic_resampling_keeps_each_weight_to_within_one_copy() {
        let w = [0.1, 0.45, 0.05, 0.4];
        for u in [0.0, 0.3, 0.999] {
            let picks = systematic(&w, u);
            for (i, &wi) in w.iter().enumerate() {
                let copies = picks.iter().filter(|&&p| p == i).count() as f64;
                assert!((copies - 4.0 * wi).abs() < 1.0, "{u} {i} {copies}");
            }
        }
    }

    #[test]
    fn the_next_temperature_meets_the_target_ess() {
        let ll: Vec<f64> = (0..100).map(|i| -0.5 * f64::from(i)).collect();
        let w = vec![0.01; 100];
        let step = next_temperature(&w, &ll, 1.0, 50.0);
        let rw = reweight(&w, &ll, step);
        let ess = effective_size(&rw);
        assert!(step > 0.0 && step < 1.0);
        assert!((ess - 50.0).abs() < 1e-6, "{ess}");
        // A flat likelihood goes straight to 1.
        assert_eq!(next_temperature(&w, &[0.0; 100], 1.0, 50.0), 1.0);
    }

    #[test]
    fn enough_moves_that_nine_particles_in_ten_move() {
        // The fewest steps k with 1 − (1 − a)^k ≥ 0.9.
        for a in [0.02, 0.1, 0.25, 0.5, 0.7, 0.85] {
            let k = moves_needed(a, 1000);
            let moved = |k: u32| 1.0 - (1.0 - a).powi(k as i32);
            assert!(moved(k) >= 0.9, "a = {a}: {k} steps move {}", moved(k));
            assert!(
                k == 1 || moved(k - 1) < 0.9,
                "a = {a}: {k} steps, one fewer would do"
            );
        }
        assert_eq!(moves_needed(0.5, 1000), 4);
        assert_eq!(moves_needed(0.9, 8), 1);
        assert_eq!(moves_needed(0.95, 8), 1);
        // Nothing accepted, or too little: the cap, and never 0 steps.
        assert_eq!(moves_needed(0.0, 8), 8);
        assert_eq!(moves_needed(0.01, 8), 8);
        assert_eq!(moves_needed(0.0, 0), 1);
        assert_eq!(moves_needed(0.5, 0), 1);
    }

    #[test]
    fn a_nan_likelihood_is_impossible_and_others_stay() {
        assert_eq!(finite(f64::NAN), f64::NEG_INFINITY);
        assert_eq!(finite(-3.5), -3.5);
        assert_eq!(finite(f64::NEG_INFINITY), f64::NEG_INFINITY);
    }

    #[test]
    fn the_box_is_in_the_priors_coordinates_and_closed() {
        let mut p = prior(&[(1.0, 3.0, false), (0.01, 100.0, true)]);
        assert_eq!(p.dim(), 2);
        assert_eq!(p.bounds(0), (1.0, 3.0));
        assert_eq!(p.bounds(1), (0.01f64.ln(), 100f64.ln()));
        let (lo, hi) = p.bounds(1);
        for z in [[1.0, lo], [3.0, hi], [2.0, 0.0]] {
            assert!(p.contains(&z), "{z:?} is inside");
        }
        let out = 1e-9;
        for z in [
            [1.0 - out, 0.0],
            [3.0 + out, 0.0],
            [2.0, lo - out],
            [2.0, hi + out],
        ] {
            assert!(!p.contains(&z), "{z:?} is outside");
        }
        assert_eq!(p.values(&[2.5, 2f64.ln()]), vec![2.5, 2f64.ln().exp()]);
        p.params[0].integer = true;
        assert_eq!(p.values(&[2.6, 0.0]), vec![3.0, 1.0]);
    }

    /// `l lᵀ`.
    fn square(l: &[Vec<f64>]) -> Vec<Vec<f64>> {
        let d = l.len();
        (0..d)
            .map(|i| {
                (0..d)
                    .map(|j| (0..d).map(|k| l[i][k] * l[j][k]).sum())
                    .collect()
            })
            .collect()
    }

    fn close(a: &[Vec<f64>], b: &[Vec<f64>], tol: f64) {
        for (ra, rb) in a.iter().zip(b) {
            for (x, y) in ra.iter().zip(rb) {
                assert!((x - y).abs() <= tol, "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn the_cholesky_factor_is_lower_and_squares_back() {
        let a = vec![
            vec![4.0, 1.2, -0.6],
            vec![1.2, 2.0, 0.3],
            vec![-0.6, 0.3, 1.5],
        ];
        let l = cholesky(&a);
        for (i, row) in l.iter().enumerate() {
            assert!(row[i] > 0.0);
            assert!(row[i + 1..].iter().all(|&x| x == 0.0), "{l:?}");
        }
        close(&square(&l), &a, 1e-12);
    }

    #[test]
    fn the_walk_has_2_38_squared_over_d_times_the_weighted_covariance() {
        let p = prior(&[(-10.0, 10.0, false), (0.1, 10.0, true)]);
        let zs = [[1.0, 0.5], [2.0, -0.5], [-1.0, 0.0], [0.5, 1.5]];
        let w = [0.1, 0.4, 0.2, 0.3];
        let particles: Vec<Particle> = zs
            .iter()
            .map(|z| Particle {
                z: z.to_vec(),
                log_likelihood: 0.0,
            })
            .collect();
        let mean: Vec<f64> = (0..2)
            .map(|k| zs.iter().zip(&w).map(|(z, w)| w * z[k]).sum())
            .collect();
        let expected: Vec<Vec<f64>> = (0..2)
            .map(|a| {
                (0..2)
                    .map(|b| {
                        let c: f64 = zs
                            .iter()
                            .zip(&w)
                            .map(|(z, w)| w * (z[a] - mean[a]) * (z[b] - mean[b]))
                            .sum();
                        let (lo, hi) = p.bounds(a);
                        let ridge = if a == b {
                            1e-8 * (hi - lo).powi(2)
                        } else {
                            0.0
                        };
                        2.38 * 2.38 / 2.0 * c + ridge
                    })
                    .collect()
            })
            .collect();
        close(&square(&proposal(&p, &particles, &w)), &expected, 1e-12);
    }

    #[test]
    fn a_proposal_is_centred_on_the_particle_with_the_walks_covariance() {
        let l = cholesky(&[vec![0.5, 0.2], vec![0.2, 0.3]]);
        let sigma = square(&l);
        let z = [1.0, -2.0];
        let n = 20_000;
        let mut r = rng(5, &[1]);
        let draws: Vec<Vec<f64>> = (0..n).map(|_| propose(&z, &l, &mut r)).collect();
        let nf = n as f64;
        let mean: Vec<f64> = (0..2)
            .map(|k| draws.iter().map(|d| d[k]).sum::<f64>() / nf)
            .collect();
        for k in 0..2 {
            let se = (sigma[k][k] / nf).sqrt();
            assert!((mean[k] - z[k]).abs() < 4.0 * se, "mean {k}: {}", mean[k]);
        }
        for a in 0..2 {
            for b in 0..2 {
                let c = draws
                    .iter()
                    .map(|d| (d[a] - mean[a]) * (d[b] - mean[b]))
                    .sum::<f64>()
                    / (nf - 1.0);
                // Var of a Gaussian sample covariance: (σ_aa σ_bb + σ_ab²) / n.
                let se = ((sigma[a][a] * sigma[b][b] + sigma[a][b].powi(2)) / nf).sqrt();
                assert!(
                    (c - sigma[a][b]).abs() < 4.0 * se,
                    "cov {a}{b}: {c} vs {}",
                    sigma[a][b]
                );
            }
        }
    }

    #[test]
    fn prior_draws_fill_the_box_uniformly() {
        let p = prior(&[(2.0, 6.0, false), (0.01, 100.0, true)]);
        let n = 20_000;
        let mut r = rng(9, &[2]);
        let draws: Vec<Vec<f64>> = (0..n).map(|_| from_prior(&p, &mut r)).collect();
        for k in 0..2 {
            let (lo, hi) = p.bounds(k);
            assert!(draws.iter().all(|d| d[k] >= lo && d[k] <= hi));
            let m = draws.iter().map(|d| d[k]).sum::<f64>() / n as f64;
            // A uniform's sd is (hi − lo)/√12.
            let se = (hi - lo) / 12f64.sqrt() / (n as f64).sqrt();
            assert!((m - 0.5 * (lo + hi)).abs() < 4.0 * se, "mean {k}: {m}");
            let below = draws
                .iter()
                .filter(|d| d[k] < lo + 0.25 * (hi - lo))
                .count() as f64
                / n as f64;
            assert!(
                (below - 0.25).abs() < 4.0 * (0.25 * 0.75 / n as f64).sqrt(),
                "{k}: {below}"
            );
        }
    }

    #[test]
    fn reweighting_multiplies_by_the_likelihood_to_the_step() {
        let w = [0.2, 0.3, 0.5, 0.0];
        let ll = [-1.0, -2.0, f64::NEG_INFINITY, -0.5];
        let step = 0.7;
        let raw: Vec<f64> = w
            .iter()
            .zip(&ll)
            .map(|(w, l)| w * (step * l).exp())
            .collect();
        let total: f64 = raw.iter().sum();
        let got = reweight(&w, &ll, step);
        for (g, r) in got.iter().zip(&raw) {
            assert!((g - r / total).abs() < 1e-15, "{got:?}");
        }
        assert_eq!((got[2], got[3]), (0.0, 0.0));
        // A step of 0 leaves an impossible particle at weight 0 (0 × −∞
        // would be NaN).
        assert_eq!(
            reweight(&[0.5, 0.5], &[f64::NEG_INFINITY, -1.0], 0.0),
            vec![0.0, 1.0]
        );
        // Log-likelihoods far below 0 are scaled by the largest first, so
        // nothing underflows.
        let got = reweight(&[0.5, 0.5], &[-800.0, -801.0], 1.0);
        let e = (-1f64).exp();
        assert!(
            (got[0] - 1.0 / (1.0 + e)).abs() < 1e-15 && (got[1] - e / (1.0 + e)).abs() < 1e-15,
            "{got:?}"
        );
        // Nothing possible: equal weights, not NaN.
        assert_eq!(
            reweight(&[0.5, 0.5], &[f64::NEG_INFINITY; 2], 1.0),
            vec![0.5, 0.5]
        );
    }

    #[test]
    fn every_simulation_has_its_own_key() {
        let mut seen = std::collections::HashSet::new();
        for g in [0, 1, 2, 300] {
            for step in [0, 1, 2, 255] {
                for i in [0, 1, 2, MAX_PARTICLES - 1] {
                    assert!(seen.insert(key(g, step, i)), "{g} {step} {i}");
                }
            }
        }
        assert_eq!(key(3, 2, 5), (3 << 40) + (2 << 32) + 5);
    }

    /// A state after generation 3 at power `temperature`: `n` particles
    /// spread evenly over [−4, 4] with log-likelihood `ll(z)`.
    fn state_at(n: usize, temperature: f64, ll: impl Fn(f64) -> f64) -> State {
        let particles = (0..n)
            .map(|i| {
                let z = -4.0 + 8.0 * i as f64 / (n - 1) as f64;
                Particle {
                    z: vec![z],
                    log_likelihood: ll(z),
                }
            })
            .collect();
        let past = Generation {
            generation: 3,
            temperature,
            ess: n as f64,
            acceptance: 1.0,
            moves: 1,
            simulations: n as u64,
            elapsed_s: 0.0,
        };
        State {
            particles,
            weights: vec![1.0 / n as f64; n],
            temperature,
            history: vec![past],
        }
    }

    /// One generation from `state`, and the keys of every job it simulated.
    fn one_generation(
        prior: &Prior,
        settings: &Settings,
        state: State,
        ll: impl Fn(f64) -> f64,
    ) -> (State, Vec<u64>) {
        let mut keys = Vec::new();
        let mut evaluate = |jobs: &[Job]| {
            keys.extend(jobs.iter().map(|j| j.key));
            Ok(jobs.iter().map(|j| ll(j.z[0])).collect())
        };
        let next = generation(prior, settings, state, &mut evaluate).expect("runs");
        (next, keys)
    }

    #[test]
    fn a_generation_tempers_by_the_ess_target_and_keeps_its_books() {
        let settings = Settings {
            particles: 200,
            generations: 10,
            ess_fraction: 0.5,
            max_moves: 6,
            seed: 4,
        };
        let n = settings.particles;
        // A sharp likelihood: the ESS target binds, φ goes 0.2 → 0.2 + Δφ.
        let sharp = |z: f64| -2.0 * z * z;
        let before = state_at(n, 0.2, sharp);
        let ll: Vec<f64> = before.particles.iter().map(|p| p.log_likelihood).collect();
        let step = next_temperature(&before.weights, &ll, 0.8, 0.5 * n as f64);
        assert!(step < 0.8, "the ESS target must bind here");
        let ess = effective_size(&reweight(&before.weights, &ll, step));
        let wide = prior(&[(-1e6, 1e6, false)]);
        let (after, keys) = one_generation(&wide, &settings, before, sharp);
        let g = after.history.last().expect("a generation");
        assert_eq!(g.generation, 4);
        assert_eq!((g.temperature, after.temperature), (0.2 + step, 0.2 + step));
        assert_eq!(g.ess, ess);
        assert!((g.ess - 0.5 * n as f64).abs() < 1e-6, "{}", g.ess);
        // Every particle proposes once a move (none leaves this box); each
        // simulation is keyed by this generation, its move and its particle.
        assert_eq!(g.simulations, keys.len() as u64);
        assert_eq!(keys.len(), n * g.moves as usize);
        for (k, &key) in keys.iter().enumerate() {
            let (m, i) = (k / n + 1, k % n);
            assert_eq!(key, super::key(4, m as u32, i));
        }
        // Under half the proposals are accepted: more than one move.
        assert!(g.acceptance > 0.0 && g.acceptance < 0.5, "{}", g.acceptance);
        assert!(g.moves > 1 && g.moves <= settings.max_moves, "{}", g.moves);
        assert_eq!(after.weights, vec![1.0 / n as f64; n]);
        assert_eq!(after.particles.len(), n);

        // A flat likelihood: all the way to φ = 1 at once; every proposal
        // is accepted, so one move does.
        let flat = |_: f64| -1.0;
        let (after, keys) = one_generation(&wide, &settings, state_at(n, 0.2, flat), flat);
        let g = after.history.last().expect("a generation");
        assert!(g.temperature == 1.0 && after.done());
        assert!((g.ess - n as f64).abs() < 1e-9, "{}", g.ess);
        assert_eq!((g.moves, g.acceptance, g.simulations), (1, 1.0, n as u64));
        assert_eq!(keys.len(), n);

        // A mild likelihood: the ESS target does not bind, so the step is
        // the rest of the way, 1 − φ, and the weights are L^(1 − φ).
        let mild = |z: f64| -0.05 * z * z;
        let before = state_at(n, 0.2, mild);
        let ll: Vec<f64> = before.particles.iter().map(|p| p.log_likelihood).collect();
        let ess = effective_size(&reweight(&before.weights, &ll, 0.8));
        assert!(ess > 0.5 * n as f64 && ess < 0.99 * n as f64, "{ess}");
        let (after, _) = one_generation(&wide, &settings, before, mild);
        let g = after.history.last().expect("a generation");
        assert_eq!((g.temperature, g.ess), (1.0, ess));
    }

    #[test]
    fn a_step_within_1e_12_of_the_rest_reaches_power_one() {
        // The ESS target a hair above the ESS at the full step 1 − φ: the
        // bisection stops a few 1e-14 short of it, and φ is taken to 1.
        let n = 100;
        let mild = |z: f64| -0.05 * z * z;
        let before = state_at(n, 0.2, mild);
        let ll: Vec<f64> = before.particles.iter().map(|p| p.log_likelihood).collect();
        let ess = effective_size(&reweight(&before.weights, &ll, 0.8));
        let target = ess * (1.0 + 1e-14);
        let step = next_temperature(&before.weights, &ll, 0.8, target);
        assert!(step < 0.8 && step > 0.8 - 1e-12, "{step}");
        let settings = Settings {
            particles: n,
            generations: 10,
            ess_fraction: target / n as f64,
            max_moves: 2,
            seed: 4,
        };
        let (after, _) = one_generation(&prior(&[(-1e6, 1e6, false)]), &settings, before, mild);
        assert_eq!(after.temperature, 1.0);
        assert!(after.done());
    }

    #[test]
    fn a_collapsing_likelihood_still_moves_phi_by_a_sliver() {
        // One particle far above the rest: any step worth having leaves an
        // ESS of 1, so the step is the floor, 1e-6 of what is left.
        let mut ll = vec![-1e9; 100];
        ll[0] = 0.0;
        let w = vec![0.01; 100];
        assert_eq!(next_temperature(&w, &ll, 0.5, 50.0), 0.5e-6);
    }

    #[test]
    fn a_proposal_adds_the_factor_times_its_own_normal_draws() {
        let l = cholesky(&[vec![0.5, 0.2], vec![0.2, 0.3]]);
        let z = [1.0, -2.0];
        let mut r = rng(5, &[7]);
        let mut again = r.clone();
        let eps: [f64; 2] = [
            StandardNormal.sample(&mut again),
            StandardNormal.sample(&mut again),
        ];
        let want = [
            z[0] + l[0][0] * eps[0],
            z[1] + l[1][0] * eps[0] + l[1][1] * eps[1],
        ];
        assert_eq!(propose(&z, &l, &mut r), want);
    }

    #[test]
    fn every_part_of_a_key_gives_its_own_stream() {
        // Over several seeds, so that a mixing step that loses bits of a
        // small part (an `|` or `&` in place of `^`) shows as a collision.
        for seed in 0..16u64 {
            let mut seen = std::collections::HashSet::new();
            for g in 0..6u64 {
                for m in 0..6u64 {
                    for i in 0..6u64 {
                        for purpose in 1..4u64 {
                            let first: u64 = rng(seed, &[g, m, i, purpose]).random();
                            assert!(seen.insert(first), "seed {seed}: {g} {m} {i} {purpose}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_run_stops_at_power_one_or_at_the_generation_cap() {
        let wide = prior(&[(-1e6, 1e6, false)]);
        let settings = |generations| Settings {
            particles: 100,
            generations,
            ess_fraction: 0.5,
            max_moves: 2,
            seed: 8,
        };
        let evaluate = |ll: fn(f64) -> f64| {
            move |jobs: &[Job]| Ok(jobs.iter().map(|j| ll(j.z[0])).collect::<Vec<f64>>())
        };
        // Flat: φ = 1 after the first generation, then it stops.
        let state = run(&wide, &settings(10), None, evaluate(|_| 0.0), |_| Ok(())).expect("runs");
        let gens: Vec<u32> = state.history.iter().map(|g| g.generation).collect();
        assert_eq!(gens, [0, 1]);
        assert!(state.done());
        // Very sharp: not at φ = 1 after 2 generations, so exactly 2 after
        // the draw from the prior, numbered in order, with φ rising.
        let sharp = |z: f64| -1e6 * z * z;
        let state = run(&wide, &settings(2), None, evaluate(sharp), |_| Ok(())).expect("runs");
        let gens: Vec<u32> = state.history.iter().map(|g| g.generation).collect();
        assert_eq!(gens, [0, 1, 2]);
        assert!(!state.done());
        let phis: Vec<f64> = state.history.iter().map(|g| g.temperature).collect();
        assert!(
            phis[0] == 0.0 && phis[1] > 0.0 && phis[2] > phis[1] && phis[2] < 1.0,
            "{phis:?}"
        );
    }

    /// A Gaussian likelihood on a wide uniform prior: the sampler's mean
    /// and sd match the truth within Monte Carlo error.
    #[test]
    fn a_gaussian_posterior_is_recovered() {
        let prior = prior(&[(-10.0, 10.0, false), (0.01, 100.0, true)]);
        let settings = Settings {
            particles: 2000,
            generations: 40,
            ess_fraction: 0.5,
            max_moves: 8,
            seed: 11,
        };
        // x ~ N(1.5, 0.3²); ln y ~ N(ln 2, 0.2²).
        let ll = |z: &[f64]| {
            -0.5 * ((z[0] - 1.5) / 0.3).powi(2) - 0.5 * ((z[1] - 2f64.ln()) / 0.2).powi(2)
        };
        let state = run(
            &prior,
            &settings,
            None,
            |jobs| Ok(jobs.iter().map(|j| ll(&j.z)).collect()),
            |_| Ok(()),
        )
        .expect("runs");
        assert!(state.done());
        for (k, (mu, sd)) in [(1.5, 0.3), (2f64.ln(), 0.2)].into_iter().enumerate() {
            let n = state.particles.len() as f64;
            let m = state.particles.iter().map(|p| p.z[k]).sum::<f64>() / n;
            let s = (state
                .particles
                .iter()
                .map(|p| (p.z[k] - m).powi(2))
                .sum::<f64>()
                / n)
                .sqrt();
            // Particles are correlated by resampling: allow an effective
            // sample of a quarter of them.
            let se = sd / (n / 4.0).sqrt();
            assert!((m - mu).abs() < 4.0 * se, "mean {k}: {m} vs {mu}");
            assert!(
                (s - sd).abs() < 4.0 * sd / (n / 4.0).sqrt() * 0.75,
                "sd {k}: {s} vs {sd}"
            );
        }
    }
}
