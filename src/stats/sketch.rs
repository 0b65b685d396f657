//! A bounded, mergeable summary of a distribution, for quantiles.
//!
//! Integers from 0 to 1023 are counted exactly (most weekly counters live
//! there); any other value falls into a logarithmic bucket 1/32 of an octave
//! wide that remembers its smallest and largest value. A quantile is then
//! exact for integers below 1024 and within 1.1% (half a bucket) otherwise,
//! and exact whenever a bucket holds one distinct value. Counts and extremes
//! merge by addition, min and max, so the result does not depend on how
//! trials were split between threads or shards. Memory is bounded by the
//! number of occupied buckets: about 32 per octave of range.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Integers below this are counted exactly.
pub(crate) const EXACT_BELOW: usize = 1024;
/// Logarithmic buckets per octave.
const PER_OCTAVE: f64 = 32.0;

/// Extremes and count of one logarithmic bucket.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    pub count: u64,
    pub min: f64,
    pub max: f64,
}

/// See the module documentation.
///
/// The exact counts cover only the integers from the smallest to the largest
/// seen, in 32 bits (a count cannot exceed the trials of a run, at most
/// `MAX_TRIALS` = 10^9 < 2^32): a weekly sketch of a cumulative counter late
/// in a run spans a few dozen values, not 1,024.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sketch {
    /// The integer counted by `exact[0]`.
    pub low: u32,
    /// `exact[i]`: how many values equal `low + i`.
    pub exact: Vec<u32>,
    /// Other values by signed logarithmic bucket key.
    pub buckets: BTreeMap<i32, Bucket>,
    pub n: u64,
}

/// Where a value is counted in a [`Sketch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// Not at all (NaN).
    Ignored,
    /// Exactly: an integer below [`EXACT_BELOW`].
    Exact(usize),
    /// In the logarithmic bucket with this key.
    Bucket(i32),
}

impl Slot {
    /// Where `x` is counted.
    #[inline]
    pub fn of(x: f64) -> Slot {
        if x.is_nan() {
            return Slot::Ignored;
        }
        // In [0, 1024), `x as u16` is exact exactly when x is an integer
        // (cheaper than `fract`, a library call without SSE4.1).
        if (0.0..EXACT_BELOW as f64).contains(&x) && f64::from(x as u16) == x {
            return Slot::Exact(x as usize);
        }
        Slot::Bucket(key(x))
    }
}

impl Sketch {
    /// Adds one value (NaN is ignored).
    #[inline]
    pub fn add(&mut self, x: f64) {
        self.add_at(Slot::of(x), x);
    }

    /// Adds `x` where it is counted, `slot` = `Slot::of(x)`, for values
    /// whose slot is worked out once and added many times.
    #[inline]
    pub fn add_at(&mut self, slot: Slot, x: f64) {
        debug_assert_eq!(slot, Slot::of(x));
        match slot {
            Slot::Ignored => {}
            Slot::Exact(i) => self.add_exact(i),
            Slot::Bucket(k) => {
                self.n += 1;
                let b = self.buckets.entry(k).or_insert(Bucket {
                    count: 0,
                    min: x,
                    max: x,
                });
                b.count += 1;
                b.min = b.min.min(x);
                b.max = b.max.max(x);
            }
        }
    }

    /// Adds one count: the same as `add(n as f64)`, without floating point
    /// for the small counts that make up most weekly values.
    #[inline]
    pub fn add_count(&mut self, n: u64) {
        match usize::try_from(n) {
            Ok(i) if i < EXACT_BELOW => self.add_exact(i),
            _ => self.add(n as f64),
        }
    }

    /// Counts one more value `i` (below [`EXACT_BELOW`]).
    #[inline]
    fn add_exact(&mut self, i: usize) {
        self.add_exact_copies(i, 1);
    }

    /// Counts `copies` more values `i` (below [`EXACT_BELOW`]); `copies`
    /// must not be 0 (it would widen the exact counts to `i`).
    #[inline]
    fn add_exact_copies(&mut self, i: usize, copies: u64) {
        debug_assert!(copies > 0);
        self.n += copies;
        let at = self.cover(i, i);
        // Saturating as one at a time would (never reached: a count cannot
        // exceed the trials of a run, below 2^32).
        let k = u32::try_from(copies).unwrap_or(u32::MAX);
        self.exact[at] = self.exact[at].saturating_add(k);
    }

    /// Adds `copies` values `x` where they are counted, `slot` =
    /// `Slot::of(x)`: the same as `copies` calls of [`Sketch::add_at`].
    /// `copies` must not be 0.
    #[inline]
    pub fn add_at_copies(&mut self, slot: Slot, x: f64, copies: u64) {
        debug_assert_eq!(slot, Slot::of(x));
        debug_assert!(copies > 0);
        match slot {
            Slot::Ignored => {}
            Slot::Exact(i) => self.add_exact_copies(i, copies),
            Slot::Bucket(k) => {
                self.n += copies;
                let b = self.buckets.entry(k).or_insert(Bucket {
                    count: 0,
                    min: x,
                    max: x,
                });
                b.count += copies;
                b.min = b.min.min(x);
                b.max = b.max.max(x);
            }
        }
    }

    /// Adds `copies` counts `n`: the same as `copies` calls of
    /// [`Sketch::add_count`]. `copies` must not be 0.
    #[inline]
    pub fn add_count_copies(&mut self, n: u64, copies: u64) {
        match usize::try_from(n) {
            Ok(i) if i < EXACT_BELOW => self.add_exact_copies(i, copies),
            _ => {
                let x = n as f64;
                self.add_at_copies(Slot::of(x), x, copies)
            }
        }
    }

    /// Makes room for exact counts of the integers `lo..=hi` (both below
    /// [`EXACT_BELOW`]), each of which is about to be added: one
    /// allocation for values that, added one by one in rising order, would
    /// widen the counts once each. The sketch is what adding them gives.
    #[inline]
    pub(crate) fn cover_counts(&mut self, lo: usize, hi: usize) {
        debug_assert!(lo <= hi && hi < EXACT_BELOW);
        self.cover(lo, hi);
    }

    /// Widens the exact counts to cover the integers `lo..=hi` (both below
    /// [`EXACT_BELOW`]) and returns the index of `lo`.
    #[inline]
    fn cover(&mut self, lo: usize, hi: usize) -> usize {
        let low = self.low as usize;
        if self.exact.is_empty() {
            self.low = lo as u32;
            self.exact = vec![0; hi - lo + 1];
            return 0;
        }
        if lo < low {
            let mut wider = vec![0; low - lo];
            wider.reserve_exact(self.exact.len());
            wider.extend_from_slice(&self.exact);
            self.exact = wider;
            self.low = lo as u32;
        }
        let low = self.low as usize;
        if hi >= low + self.exact.len() {
            let len = hi - low + 1;
            self.exact.reserve_exact(len - self.exact.len());
            self.exact.resize(len, 0);
        }
        lo - low
    }

    /// How many values equal the integer `i`.
    pub fn exact_count(&self, i: usize) -> u64 {
        i.checked_sub(self.low as usize)
            .and_then(|at| self.exact.get(at))
            .map_or(0, |&c| u64::from(c))
    }

    /// Adds everything `other` has seen.
    pub fn merge(&mut self, other: &Sketch) {
        if !other.exact.is_empty() {
            let lo = other.low as usize;
            let at = self.cover(lo, lo + other.exact.len() - 1);
            for (a, b) in self.exact[at..].iter_mut().zip(&other.exact) {
                *a = a.saturating_add(*b);
            }
        }
        for (k, b) in &other.buckets {
            self.buckets
                .entry(*k)
                .and_modify(|a| {
                    a.count += b.count;
                    a.min = a.min.min(b.min);
                    a.max = a.max.max(b.max);
                })
                .or_insert(*b);
        }
        self.n += other.n;
    }

    /// The `p`-quantile by the inverted empirical distribution function (the
    /// smallest value with at least a share `p` of values at or below it;
    /// type 1 of Hyndman & Fan). `None` without values.
    pub fn quantile(&self, p: f64) -> Option<f64> {
        self.quantiles(&[p]).pop().flatten()
    }

    /// Several quantiles in one pass (see [`Sketch::quantile`]).
    pub fn quantiles(&self, ps: &[f64]) -> Vec<Option<f64>> {
        if self.n == 0 {
            return vec![None; ps.len()];
        }
        let mut points: Vec<(f64, u64)> = self
            .exact
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(i, c)| ((i + self.low as usize) as f64, u64::from(*c)))
            .collect();
        points.extend(
            self.buckets
                .iter()
                .map(|(k, b)| (representative(*k, b), b.count)),
        );
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        ps.iter()
            .map(|&p| {
                let rank = ((p * self.n as f64).ceil() as u64).clamp(1, self.n);
                let mut seen = 0;
                points
                    .iter()
                    .find(|(_, c)| {
                        seen += c;
                        seen >= rank
                    })
                    .map(|(v, _)| *v)
            })
            .collect()
    }
}

/// Bucket key: sign and 1/32-octave index of |x| (0 has key 0).
fn key(x: f64) -> i32 {
    if x == 0.0 {
        return 0;
    }
    let k = (x.abs().log2() * PER_OCTAVE).floor() as i32;
    // Offset so that every magnitude's key is >= 1, then apply the sign.
    let k = k.saturating_add(1 << 20);
    if x > 0.0 { k } else { -k }
}

/// The value a bucket stands for: its geometric middle, kept within the
/// values it actually holds.
fn representative(k: i32, b: &Bucket) -> f64 {
    if k == 0 {
        return 0.0;
    }
    let idx = f64::from(k.abs() - (1 << 20));
    let mid = ((idx + 0.5) / PER_OCTAVE).exp2();
    let mid = if k > 0 { mid } else { -mid };
    mid.clamp(b.min, b.max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_integers_give_exact_type_1_quantiles() {
        let mut s = Sketch::default();
        for x in [0.0, 0.0, 0.0, 1.0, 1.0, 2.0, 3.0, 7.0, 9.0, 20.0] {
            s.add(x);
        }
        assert_eq!(s.quantile(0.05), Some(0.0));
        assert_eq!(s.quantile(0.3), Some(0.0));
        assert_eq!(s.quantile(0.31), Some(1.0));
        assert_eq!(s.quantile(0.5), Some(1.0));
        assert_eq!(s.quantile(0.95), Some(20.0));
        assert_eq!(s.quantile(1.0), Some(20.0));
    }

    #[test]
    fn large_and_fractional_values_stay_within_the_stated_accuracy() {
        let mut s = Sketch::default();
        let xs: Vec<f64> = (1..=10_000).map(|i| f64::from(i) * 3.7 + 0.25).collect();
        xs.iter().for_each(|&x| s.add(x));
        for p in [0.05, 0.25, 0.5, 0.75, 0.95] {
            let exact = xs[((p * 10_000.0_f64).ceil() as usize) - 1];
            let got = s.quantile(p).unwrap();
            assert!(
                (got - exact).abs() / exact < 0.011,
                "p={p}: {got} vs {exact}"
            );
        }
    }

    #[test]
    fn a_constant_real_value_is_reported_exactly() {
        let mut s = Sketch::default();
        (0..50).for_each(|_| s.add(0.3141));
        assert_eq!(s.quantile(0.5), Some(0.3141));
    }

    #[test]
    fn merge_equals_adding_everything_to_one() {
        let xs: Vec<f64> = (0..5000)
            .map(|i| ((i * 31) % 2000) as f64 * 1.5 - 100.0)
            .collect();
        let mut whole = Sketch::default();
        xs.iter().for_each(|&x| whole.add(x));
        let (mut a, mut b) = (Sketch::default(), Sketch::default());
        xs[..1234].iter().for_each(|&x| a.add(x));
        xs[1234..].iter().for_each(|&x| b.add(x));
        b.merge(&a);
        assert_eq!(
            b.quantiles(&[0.1, 0.5, 0.9]),
            whole.quantiles(&[0.1, 0.5, 0.9])
        );
        assert_eq!(b.n, whole.n);
    }

    #[test]
    fn adding_a_count_is_adding_its_float() {
        let (mut a, mut b) = (Sketch::default(), Sketch::default());
        for n in [0, 3, 1023, 1024, 5_000, 1 << 53, u64::MAX, 7, 0] {
            a.add_count(n);
            b.add(n as f64);
        }
        assert_eq!(a, b);
        for x in [-0.0, 0.5, 1022.5, 1023.0, 1023.9, -3.0] {
            a.add(x);
        }
        assert_eq!(a.exact_count(0), 3, "-0.0 counts as 0");
        assert_eq!(a.exact_count(1023), 2);
    }

    #[test]
    fn adding_copies_is_adding_one_at_a_time() {
        let (mut a, mut b) = (Sketch::default(), Sketch::default());
        for (n, k) in [(5, 3), (0, 1), (1023, 2), (1024, 4), (70_000, 1), (3, 9)] {
            a.add_count_copies(n, k);
            (0..k).for_each(|_| b.add_count(n));
            assert_eq!(a, b, "{n} × {k}");
        }
        for (x, k) in [(0.25, 3), (-7.5, 2), (f64::NAN, 4), (12.0, 5), (1e9, 1)] {
            a.add_at_copies(Slot::of(x), x, k);
            (0..k).for_each(|_| b.add(x));
            assert_eq!(a, b, "{x} × {k}");
        }
    }

    #[test]
    fn exact_counts_cover_only_the_integers_seen() {
        let mut a = Sketch::default();
        for n in [40, 37, 45] {
            a.add_count(n);
        }
        assert_eq!((a.low, a.exact.len()), (37, 9));
        let mut b = Sketch::default();
        b.add_count(3);
        b.add_count(60);
        b.merge(&a);
        assert_eq!((b.low, b.exact.len()), (3, 58));
        assert_eq!(
            (
                b.exact_count(3),
                b.exact_count(37),
                b.exact_count(60),
                b.exact_count(61)
            ),
            (1, 1, 1, 0)
        );
        assert_eq!(
            b.quantiles(&[0.2, 0.4, 1.0]),
            vec![Some(3.0), Some(37.0), Some(60.0)]
        );
    }

    /// The type 1 quantile of sorted values: the ceil(p n)-th order statistic.
    fn order_statistic(sorted: &[f64], p: f64) -> f64 {
        let n = sorted.len();
        let rank = ((p * n as f64).ceil() as usize).clamp(1, n);
        sorted[rank - 1]
    }

    #[test]
    fn quantiles_are_the_exact_order_statistics_or_within_half_a_bucket() {
        // Pseudo-random values from a fixed LCG: integers below 1,024 give
        // the exact order statistic; reals of both signs and every size give
        // it within half a bucket, 2^(1/64) - 1 (1.09%) relative.
        let mut state = 12_345u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let ps = [0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0];
        let ints: Vec<f64> = (0..3_001)
            .map(|_| (next() * next() * 1_024.0).floor())
            .collect();
        let reals: Vec<f64> = (0..3_001)
            .map(|_| {
                let x = (next() * 40.0 - 20.0).exp2();
                if next() < 0.3 { -x } else { x }
            })
            .collect();
        let half_bucket = (1.0f64 / 64.0).exp2() - 1.0;
        for (xs, exact) in [(ints, true), (reals, false)] {
            let mut s = Sketch::default();
            xs.iter().for_each(|&x| s.add(x));
            let mut sorted = xs.clone();
            sorted.sort_by(f64::total_cmp);
            let got = s.quantiles(&ps);
            for (&p, got) in ps.iter().zip(got) {
                let (got, want) = (got.unwrap(), order_statistic(&sorted, p));
                if exact {
                    assert_eq!(got, want, "p = {p}");
                } else {
                    assert!(
                        (got - want).abs() <= (half_bucket + 1e-12) * want.abs(),
                        "p = {p}: {got} vs {want}"
                    );
                }
                assert_eq!(s.quantile(p), Some(got));
            }
        }
        assert_eq!(Sketch::default().quantile(0.5), None);
    }

    #[test]
    fn a_bucket_stands_for_its_geometric_middle_kept_within_its_values() {
        // 100 values spread over the bucket |x| in [2^3, 2^(3 + 1/32)) stand
        // for ±2^(3 + 1/64), its geometric middle, whatever their sign;
        // values all on one side of the middle stand for the nearest of them.
        let (lo, hi) = (8.0, (3.0 + 1.0 / PER_OCTAVE).exp2());
        for sign in [1.0, -1.0] {
            let mut s = Sketch::default();
            for j in 0..100 {
                s.add(sign * (lo + (hi - lo) * (f64::from(j) + 0.5) / 100.0));
            }
            let mid = sign * (3.0 + 0.5 / PER_OCTAVE).exp2();
            assert_eq!(s.quantiles(&[0.01, 0.5, 1.0]), vec![Some(mid); 3]);
        }
        let mut s = Sketch::default();
        s.add(8.15);
        s.add(8.16);
        assert_eq!(s.quantile(0.5), Some(8.15));
    }

    #[test]
    fn negative_values_sort_below_zero() {
        let mut s = Sketch::default();
        for x in [-5.5, -1.25, 0.0, 2.0] {
            s.add(x);
        }
        assert_eq!(s.quantile(0.25), Some(-5.5));
        assert_eq!(s.quantile(0.5), Some(-1.25));
        assert_eq!(s.quantile(0.75), Some(0.0));
    }
}
