//! The simulated likelihood of one observed count (Wood 2010, "Statistical
//! inference for noisy nonlinear ecological dynamic systems", Nature 466,
//! with a count law in place of the normal).
//!
//! cordon has no closed-form likelihood, but it can simulate: R trials at a
//! parameter point give R counts of the same period. A negative binomial
//! fitted to them by moments (a Poisson when they are not over-dispersed)
//! stands in for the law of the count, and the observed count is scored
//! under it. Counts of rare events are small, so a normal or a distance
//! would misread them; the negative binomial keeps their skew and their
//! zeros.

use statrs::function::gamma::ln_gamma;

/// Log of the probability of `observed` under the count law fitted to
/// `simulated` (at least one count).
///
/// The mean is the sample mean, floored at half a count in all the trials
/// (0.5 / R), so that a count never seen in R trials is unlikely but not
/// impossible. When the sample variance exceeds that mean, the law is the
/// negative binomial of that mean and variance; otherwise a Poisson.
pub(crate) fn log_likelihood(observed: u64, simulated: &[u64]) -> f64 {
    let n = simulated.len().max(1) as f64;
    let mean = simulated.iter().map(|&x| x as f64).sum::<f64>() / n;
    let var = if simulated.len() > 1 {
        simulated
            .iter()
            .map(|&x| (x as f64 - mean).powi(2))
            .sum::<f64>()
            / (n - 1.0)
    } else {
        0.0
    };
    let m = mean.max(0.5 / n);
    if var > m {
        negative_binomial(observed, m * m / (var - m), m)
    } else {
        poisson(observed, m)
    }
}

/// log P(Y = y) for Y ~ Poisson(m), m > 0.
pub(crate) fn poisson(y: u64, m: f64) -> f64 {
    let y = y as f64;
    y * m.ln() - m - ln_gamma(y + 1.0)
}

/// log P(Y = y) for a negative binomial of size `r` > 0 and mean `m` > 0
/// (variance m + m² / r).
///
/// Written so that it stays exact as r grows large (the law tends to the
/// Poisson): lnΓ(y + r) − lnΓ(r) − y ln(r + m) is summed as
/// Σ_{k<y} ln(1 + (k − m)/(r + m)), and r ln(r/(r + m)) as −r ln(1 + m/r).
/// The textbook form loses every digit when r is near 10^15 and can then
/// return a large positive log-probability.
pub(crate) fn negative_binomial(y: u64, r: f64, m: f64) -> f64 {
    let rm = r + m;
    let ratio: f64 = if y <= 100_000 {
        (0..y).map(|k| ((k as f64 - m) / rm).ln_1p()).sum()
    } else {
        let y = y as f64;
        ln_gamma(y + r) - ln_gamma(r) - y * rm.ln()
    };
    let y = y as f64;
    ratio - ln_gamma(y + 1.0) - r * (m / r).ln_1p() + y * m.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Probabilities of every count up to `n` under a law, summed.
    fn total(f: impl Fn(u64) -> f64, n: u64) -> f64 {
        (0..n).map(|y| f(y).exp()).sum()
    }

    #[test]
    fn the_laws_are_normalised_and_have_their_moments() {
        for m in [0.1, 1.0, 7.5, 40.0] {
            assert!((total(|y| poisson(y, m), 400) - 1.0).abs() < 1e-9, "{m}");
            let mean: f64 = (0..400).map(|y| y as f64 * poisson(y, m).exp()).sum();
            assert!((mean - m).abs() < 1e-9 * m.max(1.0), "{m}: {mean}");
            for r in [0.5, 2.0, 30.0] {
                // Up to 2,000 the tail left out is below 1e-11 of the mass
                // (the heaviest case, m = 40 and r = 0.5, decays as
                // (m / (m + r))^y = e^(−0.0124 y)).
                let p: Vec<f64> = (0..2000)
                    .map(|y| negative_binomial(y, r, m).exp())
                    .collect();
                let total: f64 = p.iter().sum();
                assert!((total - 1.0).abs() < 1e-6, "{m} {r}");
                let mean: f64 = p.iter().enumerate().map(|(y, p)| y as f64 * p).sum();
                let sq: f64 = p
                    .iter()
                    .enumerate()
                    .map(|(y, p)| (y as f64).powi(2) * p)
                    .sum();
                assert!((mean - m).abs() < 1e-6 * m.max(1.0), "{m} {r}: {mean}");
                let var = sq - mean * mean;
                let want = m + m * m / r;
                assert!((var - want).abs() < 1e-4 * want, "{m} {r}: {var} vs {want}");
            }
        }
    }

    #[test]
    fn a_nearly_poisson_law_stays_exact() {
        // The true gap is about (y - m)² / (2r): below 1e-6 from r = 1e9.
        for r in [1e9, 1e12, 1e15, 1e300] {
            for y in [0, 3, 20, 60] {
                let (nb, po) = (negative_binomial(y, r, 22.4), poisson(y, 22.4));
                assert!((nb - po).abs() < 1e-6, "r {r} y {y}: {nb} vs {po}");
            }
        }
    }

    #[test]
    fn the_fitted_law_follows_the_simulated_counts() {
        // Equal counts: no spread, so a Poisson of their mean.
        assert_eq!(log_likelihood(3, &[3, 3, 3, 3]), poisson(3, 3.0));
        // Over-dispersed counts: the negative binomial of their moments
        // (mean 2.5, variance 41/3 - ... computed by hand below).
        let xs = [0, 0, 1, 9];
        let mean = 2.5;
        let var = ((2.5f64).powi(2) * 2.0 + 1.5f64.powi(2) + 6.5f64.powi(2)) / 3.0;
        let want = negative_binomial(4, mean * mean / (var - mean), mean);
        assert!((log_likelihood(4, &xs) - want).abs() < 1e-12);
        // All zeros: half a count in four trials.
        assert_eq!(log_likelihood(1, &[0, 0, 0, 0]), poisson(1, 0.125));
        assert!(log_likelihood(0, &[0, 0]) > log_likelihood(1, &[0, 0]));
        // A variance equal to the mean is not over-dispersed: the Poisson
        // (a negative binomial of infinite size would be NaN here).
        assert_eq!(log_likelihood(2, &[0, 1, 2]), poisson(2, 1.0));
    }

    #[test]
    fn large_counts_take_the_gamma_form_with_the_same_value() {
        // Above 100,000 the sum over k gives way to lnΓ; at a moderate size
        // both agree with the textbook form to well below 1e-6.
        let textbook = |y: u64, r: f64, m: f64| {
            let y = y as f64;
            ln_gamma(y + r) - ln_gamma(r) - ln_gamma(y + 1.0)
                + r * (r / (r + m)).ln()
                + y * (m / (r + m)).ln()
        };
        let (r, m) = (40.0, 1.2e5);
        for y in [99_999, 100_000, 100_001, 150_000] {
            let (got, want) = (negative_binomial(y, r, m), textbook(y, r, m));
            assert!(
                want < -5.0 && (got - want).abs() < 1e-6,
                "y {y}: {got} vs {want}"
            );
        }
    }
}
