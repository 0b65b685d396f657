//! Exact running moments: mean, variance and covariance whose bytes do not
//! depend on the order in which values arrive.
//!
//! Values are put on a fixed grid (integers as they are, real values in
//! units of 2^-32) and summed in wide integers, so merging per-thread or
//! per-shard accumulators in any order gives the same result to the bit.
//! Floating-point sums would differ in their last bits with thread count.

use ethnum::{I256, U256};
use serde::{Deserialize, Serialize};

/// How values are put on the integer grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Grid {
    /// Counts: exact integers below 2^62.
    Count,
    /// Real values below 2^30 in magnitude, in units of 2^-32.
    Real,
}

impl Grid {
    const REAL_SCALE: f64 = 4_294_967_296.0; // 2^32

    /// The grid point of `x`.
    #[inline]
    pub fn quantize(self, x: f64) -> i64 {
        match self {
            Grid::Count => x as i64,
            Grid::Real => (x * Self::REAL_SCALE).round() as i64,
        }
    }

    /// Units per value (1 for counts, 2^32 for reals).
    pub fn scale(self) -> f64 {
        match self {
            Grid::Count => 1.0,
            Grid::Real => Self::REAL_SCALE,
        }
    }
}

/// The count grid's point for `n`, as [`Grid::quantize`] gives it for
/// `n as f64`: `n` itself up to 2^53, where every integer is exact in an
/// f64, and the rounded value above (which no count of a trial reaches).
#[inline]
fn count_to_grid(n: u64) -> i64 {
    /// Kept out of line: inlined, the compiler computes it for every count
    /// and selects it away.
    #[cold]
    #[inline(never)]
    fn beyond_exact(n: u64) -> i64 {
        Grid::Count.quantize(n as f64)
    }
    const EXACT: u64 = 1 << 53;
    if n <= EXACT {
        n as i64
    } else {
        beyond_exact(n)
    }
}

/// Count, sum and sum of squares on a [`Grid`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moments {
    pub grid: Grid,
    pub n: u64,
    pub sum: i128,
    pub sum_sq: U256,
}

impl Moments {
    /// No values yet.
    pub fn new(grid: Grid) -> Moments {
        Moments {
            grid,
            n: 0,
            sum: 0,
            sum_sq: U256::ZERO,
        }
    }

    /// Adds one value.
    #[inline]
    pub fn add(&mut self, x: f64) {
        self.add_grid(self.grid.quantize(x));
    }

    /// Adds one count: the same as `add(n as f64)` on the count grid, without
    /// the round trip through floating point (the weekly statistics add 19
    /// counts per week of every trial).
    #[inline]
    pub fn add_count(&mut self, n: u64) {
        debug_assert_eq!(self.grid, Grid::Count);
        self.add_grid(count_to_grid(n));
    }

    /// Adds one value already on the grid.
    #[inline]
    pub fn add_grid(&mut self, q: i64) {
        self.n += 1;
        self.sum += i128::from(q);
        let sq = i128::from(q).unsigned_abs().pow(2);
        self.sum_sq += U256::from(sq);
    }

    /// Adds `copies` values `q` already on the grid: the same as `copies`
    /// calls of [`Moments::add_grid`], in a few multiplications.
    #[inline]
    pub fn add_grid_copies(&mut self, q: i64, copies: u64) {
        self.n += copies;
        self.sum += i128::from(q) * i128::from(copies);
        let sq = i128::from(q).unsigned_abs().pow(2);
        // In 128 bits where the product fits (a 256-bit multiplication
        // costs about a hundred instructions).
        self.sum_sq += match sq.checked_mul(u128::from(copies)) {
            Some(p) => U256::from(p),
            None => U256::from(sq) * U256::from(copies),
        };
    }

    /// Adds `copies` counts `n`: the same as `copies` calls of
    /// [`Moments::add_count`].
    #[inline]
    pub fn add_count_copies(&mut self, n: u64, copies: u64) {
        debug_assert_eq!(self.grid, Grid::Count);
        self.add_grid_copies(count_to_grid(n), copies);
    }

    /// Adds everything `other` has seen.
    pub fn merge(&mut self, other: &Moments) {
        debug_assert_eq!(self.grid, other.grid);
        self.n += other.n;
        self.sum += other.sum;
        self.sum_sq += other.sum_sq;
    }

    /// The mean (`None` without values).
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum as f64 / self.n as f64 / self.grid.scale())
    }

    /// The sample variance, n - 1 in the denominator (`None` below 2 values).
    pub fn variance(&self) -> Option<f64> {
        if self.n < 2 {
            return None;
        }
        let n = U256::from(self.n);
        let s = I256::from(self.sum).unsigned_abs();
        // n Σq² - (Σq)², exact; non-negative by Cauchy–Schwarz.
        let num = n * self.sum_sq - s * s;
        let denom = self.n as f64 * (self.n - 1) as f64;
        Some(num.as_f64() / denom / (self.grid.scale() * self.grid.scale()))
    }

    /// The sample standard deviation.
    pub fn sd(&self) -> Option<f64> {
        self.variance().map(f64::sqrt)
    }

    /// The standard error of the mean.
    pub fn se(&self) -> Option<f64> {
        Some((self.variance()? / self.n as f64).sqrt())
    }
}

/// The co-moment of two count series, for the covariance of a ratio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoMoment {
    pub x: Moments,
    pub y: Moments,
    pub sum_xy: I256,
}

impl CoMoment {
    /// No values yet (both on the count grid).
    pub fn new() -> CoMoment {
        CoMoment {
            x: Moments::new(Grid::Count),
            y: Moments::new(Grid::Count),
            sum_xy: I256::ZERO,
        }
    }

    /// Adds one pair.
    pub fn add(&mut self, x: u64, y: u64) {
        self.x.add_grid(x as i64);
        self.y.add_grid(y as i64);
        self.sum_xy += I256::from(i128::from(x) * i128::from(y));
    }

    /// Adds everything `other` has seen.
    pub fn merge(&mut self, other: &CoMoment) {
        self.x.merge(&other.x);
        self.y.merge(&other.y);
        self.sum_xy += other.sum_xy;
    }

    /// The sample covariance.
    pub fn covariance(&self) -> Option<f64> {
        let n = self.x.n;
        if n < 2 {
            return None;
        }
        let num = I256::from(n) * self.sum_xy - I256::from(self.x.sum) * I256::from(self.y.sum);
        Some(num.as_f64() / (n as f64 * (n - 1) as f64))
    }
}

impl Default for CoMoment {
    fn default() -> Self {
        CoMoment::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_match_the_textbook_formulas() {
        let xs = [1.0, 4.0, 4.0, 7.0, 0.0, 12.0];
        let mut m = Moments::new(Grid::Count);
        xs.iter().for_each(|&x| m.add(x));
        let mean = xs.iter().sum::<f64>() / 6.0;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 5.0;
        assert_eq!(m.mean(), Some(mean));
        assert!((m.variance().unwrap() - var).abs() < 1e-12);
    }

    #[test]
    fn real_values_keep_nine_digits_and_constant_series_have_zero_variance() {
        let mut m = Moments::new(Grid::Real);
        for _ in 0..1000 {
            m.add(0.123_456_789);
        }
        assert!((m.mean().unwrap() - 0.123_456_789).abs() < 1e-9);
        assert_eq!(m.variance(), Some(0.0));
    }

    #[test]
    fn merging_in_any_order_gives_identical_bits() {
        let xs: Vec<f64> = (0..1000).map(|i| ((i * 7919) % 113) as f64 / 7.0).collect();
        let mut whole = Moments::new(Grid::Real);
        xs.iter().for_each(|&x| whole.add(x));
        let mut a = Moments::new(Grid::Real);
        let mut b = Moments::new(Grid::Real);
        xs[..333].iter().for_each(|&x| a.add(x));
        xs[333..].iter().rev().for_each(|&x| b.add(x));
        b.merge(&a);
        assert_eq!(b, whole);
        assert_eq!(
            b.variance().unwrap().to_bits(),
            whole.variance().unwrap().to_bits()
        );
    }

    #[test]
    fn adding_a_count_is_adding_its_float() {
        let counts = [0, 1, 2, 1023, 1024, 1 << 40, (1 << 53) - 1, 1 << 53];
        let big = [(1 << 53) + 1, (1 << 62) + 12_345, u64::MAX];
        for n in counts.into_iter().chain(big) {
            let (mut a, mut b) = (Moments::new(Grid::Count), Moments::new(Grid::Count));
            a.add_count(n);
            b.add(n as f64);
            assert_eq!(a, b, "{n}");
        }
    }

    #[test]
    fn adding_copies_is_adding_one_at_a_time() {
        for grid in [Grid::Count, Grid::Real] {
            for q in [0, 1, -1, 7, -123_456_789, 1 << 40, i64::MAX, i64::MIN + 1] {
                for copies in [0, 1, 2, 3, 1000] {
                    let (mut a, mut b) = (Moments::new(grid), Moments::new(grid));
                    a.add_grid(5);
                    b.add_grid(5);
                    a.add_grid_copies(q, copies);
                    (0..copies).for_each(|_| b.add_grid(q));
                    assert_eq!(a, b, "{q} × {copies}");
                }
            }
        }
        let big = [0, 1, 1023, 1 << 53, (1 << 53) + 1, u64::MAX];
        for n in big {
            let (mut a, mut b) = (Moments::new(Grid::Count), Moments::new(Grid::Count));
            a.add_count_copies(n, 3);
            (0..3).for_each(|_| b.add_count(n));
            assert_eq!(a, b, "{n}");
        }
    }

    #[test]
    fn the_standard_error_is_the_sd_over_root_n_and_small_samples_have_none() {
        let xs = [0.25, 1.5, -2.0, 3.75, 0.5];
        let mut m = Moments::new(Grid::Real);
        assert_eq!((m.mean(), m.variance(), m.se()), (None, None, None));
        m.add(xs[0]);
        assert_eq!((m.mean(), m.variance(), m.sd()), (Some(0.25), None, None));
        m.add(xs[1]);
        // Two values: variance (x1 - x2)² / 2.
        assert_eq!(m.variance(), Some(1.25f64.powi(2) / 2.0));
        xs[2..].iter().for_each(|&x| m.add(x));
        let mean = xs.iter().sum::<f64>() / 5.0;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 4.0;
        assert!((m.mean().unwrap() - mean).abs() < 1e-12);
        assert!((m.variance().unwrap() - var).abs() < 1e-9);
        assert!((m.sd().unwrap() - var.sqrt()).abs() < 1e-9);
        assert!((m.se().unwrap() - (var / 5.0).sqrt()).abs() < 1e-9);
    }

    #[test]
    fn co_moments_merge_and_match_the_textbook_covariance() {
        let pairs: Vec<(u64, u64)> = (0..200u64).map(|i| ((i * 37) % 23, (i * i) % 17)).collect();
        let mut whole = CoMoment::default();
        pairs.iter().for_each(|&(x, y)| whole.add(x, y));
        let (mut a, mut b) = (CoMoment::new(), CoMoment::new());
        pairs[..77].iter().for_each(|&(x, y)| a.add(x, y));
        pairs[77..].iter().for_each(|&(x, y)| b.add(x, y));
        b.merge(&a);
        assert_eq!(b, whole);
        let n = pairs.len() as f64;
        let mx = pairs.iter().map(|p| p.0 as f64).sum::<f64>() / n;
        let my = pairs.iter().map(|p| p.1 as f64).sum::<f64>() / n;
        let cov = pairs
            .iter()
            .map(|&(x, y)| (x as f64 - mx) * (y as f64 - my))
            .sum::<f64>()
            / (n - 1.0);
        assert!((whole.covariance().unwrap() - cov).abs() < 1e-9);
        let mut one = CoMoment::new();
        assert_eq!(one.covariance(), None);
        one.add(3, 4);
        assert_eq!(one.covariance(), None);
        // Two pairs are enough: (3, 4), (5, 10) have covariance
        // ((−1)(−3) + (1)(3)) / (2 − 1) = 6.
        one.add(5, 10);
        assert_eq!(one.covariance(), Some(6.0));
    }

    #[test]
    fn covariance_is_exact() {
        let mut c = CoMoment::new();
        for (x, y) in [(1, 2), (2, 4), (3, 6), (4, 8)] {
            c.add(x, y);
        }
        // cov = 2 var(x) = 2 * 5/3
        assert!((c.covariance().unwrap() - 10.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn sums_cannot_overflow_at_the_engine_limits() {
        // 2^30 trials (more than the limit of 10^9), half of them with the
        // largest value the count grid takes (2^62), half with 0.
        let big = 1i64 << 62;
        let mut m = Moments::new(Grid::Count);
        m.add_grid(big);
        m.add_grid(0);
        for _ in 0..29 {
            let copy = m.clone();
            m.merge(&copy);
        }
        assert_eq!(m.n, 1 << 30);
        assert_eq!(m.sum, i128::from(big) << 29);
        let half = (1u64 << 61) as f64;
        assert_eq!(m.mean(), Some(half));
        let n = m.n as f64;
        let want = half * half * n / (n - 1.0);
        let var = m.variance().unwrap();
        assert!((var - want).abs() <= 1e-12 * want, "{var} vs {want}");
        // Counts beyond the grid saturate instead of wrapping.
        assert_eq!(Grid::Count.quantize(u64::MAX as f64), i64::MAX);
        assert_eq!(Grid::Real.quantize(1e300), i64::MAX);
    }
}
