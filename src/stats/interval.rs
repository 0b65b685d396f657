//! Confidence intervals for means and proportions.

use std::cell::Cell;

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Two-sided 95% interval for a mean from its estimate, standard error and
/// sample size, with Student's t quantile (n - 1 degrees of freedom).
pub fn mean_ci95(mean: f64, se: f64, n: u64) -> Option<(f64, f64)> {
    if n < 2 || !se.is_finite() {
        return None;
    }
    let t = t_quantile_975(n - 1);
    Some((mean - t * se, mean + t * se))
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom.
///
/// The last answer is remembered (per thread): the tables of a run ask for
/// the same df, trials - 1, for nearly every row, and each inversion of the
/// incomplete beta function costs tens of thousands of instructions (44% of
/// the cost of writing the default scenario's tables went there).
pub fn t_quantile_975(df: u64) -> f64 {
    thread_local! {
        static LAST: Cell<Option<(u64, f64)>> = const { Cell::new(None) };
    }
    if let Some((last, t)) = LAST.get() {
        if last == df {
            return t;
        }
    }
    let t = if df > 100_000 {
        z_975()
    } else {
        StudentsT::new(0.0, 1.0, df as f64).map_or_else(|_| z_975(), |t| t.inverse_cdf(0.975))
    };
    LAST.set(Some((df, t)));
    t
}

/// The 0.975 quantile of the standard normal.
pub fn z_975() -> f64 {
    Normal::standard().inverse_cdf(0.975)
}

/// Wilson score 95% interval for a proportion of `k` successes in `n`.
pub fn wilson95(k: u64, n: u64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let (k, n) = (k as f64, n as f64);
    let z = z_975();
    let p = k / n;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom;
    // The exact bounds at k = 0 and k = n are 0 and 1; rounding would miss them.
    let lo = if k == 0.0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let hi = if k == n {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    Some((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_tables() {
        assert!((t_quantile_975(1) - 12.706).abs() < 1e-3);
        assert!((t_quantile_975(10) - 2.228).abs() < 1e-3);
        assert!((t_quantile_975(1_000_000) - 1.960).abs() < 1e-3);
    }

    #[test]
    fn wilson_matches_a_worked_example() {
        // 0 of 10: (0, 0.2775); 5 of 10: (0.2366, 0.7634).
        let (lo, hi) = wilson95(0, 10).unwrap();
        assert!(lo == 0.0 && (hi - 0.2775).abs() < 1e-3);
        let (lo, hi) = wilson95(5, 10).unwrap();
        assert!((lo - 0.2366).abs() < 1e-3 && (hi - 0.7634).abs() < 1e-3);
    }
}
