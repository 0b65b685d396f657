//! Confidence intervals for means and proportions.

use std::cell::Cell;

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// A mean with its 95% interval (any part may be missing).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Estimate {
    pub mean: Option<f64>,
    pub ci95_lo: Option<f64>,
    pub ci95_hi: Option<f64>,
}

/// Two-sided 95% interval for a mean from its estimate, standard error and
/// sample size, with Student's t quantile (n - 1 degrees of freedom).
pub(crate) fn mean_ci95(mean: f64, se: f64, n: u64) -> Option<(f64, f64)> {
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
pub(crate) fn t_quantile_975(df: u64) -> f64 {
    thread_local! {
        static LAST: Cell<Option<(u64, f64)>> = const { Cell::new(None) };
    }
    if let Some((last, t)) = LAST.get()
        && last == df
    {
        return t;
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
pub(crate) fn z_975() -> f64 {
    Normal::standard().inverse_cdf(0.975)
}

/// Wilson score 95% interval for a proportion of `k` successes in `n`.
pub(crate) fn wilson95(k: u64, n: u64) -> Option<(f64, f64)> {
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

    /// Student's t 0.975 quantiles as printed in tables (3 decimals, so
    /// within 5e-4 of the truth).
    const T_TABLE: [(u64, f64); 9] = [
        (1, 12.706),
        (2, 4.303),
        (4, 2.776),
        (5, 2.571),
        (10, 2.228),
        (20, 2.086),
        (30, 2.042),
        (60, 2.000),
        (120, 1.980),
    ];

    #[test]
    fn the_mean_interval_is_the_mean_plus_minus_t_standard_errors() {
        // Asked in an order that changes df every call, then repeats one,
        // so that the remembered answer is both used and replaced.
        for &(df, t) in T_TABLE.iter().chain(T_TABLE.iter().rev()) {
            let (mean, se) = (3.5, 0.25);
            let (lo, hi) = mean_ci95(mean, se, df + 1).unwrap();
            assert!(((hi - mean) / se - t).abs() <= 5e-4, "df {df}: {hi}");
            assert!(((mean - lo) / se - t).abs() <= 5e-4, "df {df}: {lo}");
            assert!((t_quantile_975(df) - t).abs() <= 5e-4);
        }
        assert_eq!(mean_ci95(1.0, 0.0, 2), Some((1.0, 1.0)));
        assert_eq!(mean_ci95(1.0, 0.5, 1), None, "one value has no interval");
        assert_eq!(mean_ci95(1.0, 0.5, 0), None);
        assert_eq!(mean_ci95(1.0, f64::INFINITY, 10), None);
        assert_eq!(mean_ci95(1.0, f64::NAN, 10), None);
    }

    #[test]
    fn large_df_follow_the_cornish_fisher_expansion_then_the_normal() {
        // t_p = z + (z³ + z)/(4ν) + (5z⁵ + 16z³ + 3z)/(96ν²) + O(ν⁻³):
        // at ν = 10^5 the next term is below 1e-14, and the gap to z is
        // 2.37e-5. statrs's inversion is off by 6.8e-6 there (it gives
        // 1.9599809 for 1.9599877), so the tolerance is 1e-5: enough to
        // tell t from z, which is what the switch at 10^5 must get right.
        let z = 1.959_963_984_540_054;
        assert!((z_975() - z).abs() < 1e-12);
        let nu = 100_000.0;
        let want = z
            + (z.powi(3) + z) / (4.0 * nu)
            + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * nu * nu);
        let got = t_quantile_975(100_000);
        assert!((got - want).abs() < 1e-5, "{got} vs {want}");
        // Beyond 10^5 degrees of freedom the normal quantile is used.
        assert_eq!(t_quantile_975(100_001), z_975());
    }

    #[test]
    fn wilson_bounds_are_the_roots_of_the_score_equation() {
        // The Wilson interval is {p : (p̂ - p)² <= z² p (1 - p) / n}: its ends
        // solve (1 + z²/n) p² - (2p̂ + z²/n) p + p̂² = 0, worked out here by
        // the quadratic formula (ends exactly 0 and 1 at k = 0 and k = n).
        let z = 1.959_963_984_540_054;
        for (k, n) in [
            (1u64, 10u64),
            (3, 7),
            (50, 100),
            (999, 1000),
            (17, 400),
            (0, 5),
            (5, 5),
            (1, 1),
        ] {
            let (p, nf) = (k as f64 / n as f64, n as f64);
            let (a, b, c) = (1.0 + z * z / nf, -(2.0 * p + z * z / nf), p * p);
            let root = (b * b - 4.0 * a * c).sqrt();
            let (lo, hi) = ((-b - root) / (2.0 * a), (-b + root) / (2.0 * a));
            let (lo, hi) = (if k == 0 { 0.0 } else { lo }, if k == n { 1.0 } else { hi });
            let (got_lo, got_hi) = wilson95(k, n).unwrap();
            assert!((got_lo - lo).abs() < 1e-12, "{k}/{n}: lo {got_lo} vs {lo}");
            assert!((got_hi - hi).abs() < 1e-12, "{k}/{n}: hi {got_hi} vs {hi}");
            for end in [got_lo, got_hi]
                .into_iter()
                .filter(|e| *e > 0.0 && *e < 1.0)
            {
                let score = (p - end).powi(2) - z * z * end * (1.0 - end) / nf;
                assert!(score.abs() < 1e-12, "{k}/{n}: score {score} at {end}");
            }
        }
        assert_eq!(wilson95(0, 0), None);
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
