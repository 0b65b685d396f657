//! A parameter's axis in calibration charts: its prior range, drawn in the
//! prior's own coordinates (the value, or its logarithm for a log-uniform
//! prior), with tick marks at round values.
//!
//! Drawing a log-uniform prior against ln(value) makes it flat, like a
//! uniform one against the value, so one histogram and one prior line
//! serve both, and equal bins hold equal prior weight.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;

use crate::results::calibration::Parameter;

/// The axis of one parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Axis {
    /// The prior's bounds, in the parameter's units (`low < high`).
    low: f64,
    high: f64,
    /// Drawn against ln(value); only when `low > 0`.
    log: bool,
}

impl Axis {
    /// The axis of `p`'s prior range (a unit range around a degenerate one).
    pub(super) fn of(p: &Parameter) -> Axis {
        let (low, high) = if p.prior_high > p.prior_low {
            (p.prior_low, p.prior_high)
        } else {
            (p.prior_low - 0.5, p.prior_low + 0.5)
        };
        Axis {
            low,
            high,
            log: p.log() && low > 0.0,
        }
    }

    /// Whether the axis is logarithmic.
    pub(super) fn is_log(&self) -> bool {
        self.log
    }

    /// The coordinate of `value`.
    pub(super) fn at(&self, value: f64) -> f64 {
        if self.log { value.ln() } else { value }
    }

    /// The value at coordinate `t`.
    pub(super) fn value(&self, t: f64) -> f64 {
        if self.log { t.exp() } else { t }
    }

    /// The coordinates of the prior's bounds.
    pub(super) fn range(&self) -> (f64, f64) {
        (self.at(self.low), self.at(self.high))
    }

    /// The plotters coordinate of the axis, with at most about `max` ticks
    /// at round values and none near the ends, for panels side by side
    /// whose end labels would run into each other.
    pub(super) fn coord_inside(&self, max: usize) -> Ticked {
        let (a, b) = self.range();
        let room = (b - a) * 0.04;
        let ticks = self
            .ticks(max)
            .into_iter()
            .map(|x| self.at(x))
            .filter(|t| *t > a + room && *t < b - room)
            .collect();
        Ticked::new(a..b, ticks)
    }

    /// The plotters coordinate of the axis for a plot `pixels` wide whose
    /// tick labels need `label` pixels each: the densest round ticks whose
    /// neighbours are that far apart ([`Axis::ticks_apart`]).
    pub(super) fn coord_for(&self, pixels: u32, label: f64) -> Ticked {
        let (a, b) = self.range();
        let gap = label * (b - a) / f64::from(pixels.max(1));
        let ticks = self
            .ticks_apart(gap)
            .into_iter()
            .map(|x| self.at(x))
            .collect();
        Ticked::new(a..b, ticks)
    }

    /// Round values inside the range, neighbours at least `gap` apart in
    /// the axis's coordinate (so that labels that wide do not meet), as
    /// many as keep that gap: on a log axis 1, 2 and 5 × 10^k, else 1 and
    /// 3, else 1 alone, else every second (third, ...) decade; on a linear
    /// axis, or a log axis that spans too little for these, steps of 1, 2
    /// or 5 × 10^k (at most seven ticks, at least two).
    pub(super) fn ticks_apart(&self, gap: f64) -> Vec<f64> {
        let apart = |t: &[f64]| t.windows(2).all(|w| self.at(w[1]) - self.at(w[0]) >= gap);
        if self.log {
            for mantissas in [&[1.0, 2.0, 5.0][..], &[1.0, 3.0][..], &[1.0][..]] {
                let ticks = decade_ticks(self.low, self.high, mantissas);
                if ticks.len() >= 3 && apart(&ticks) {
                    return ticks;
                }
            }
            let decades = decade_ticks(self.low, self.high, &[1.0]);
            if decades.len() >= 3 {
                return thinned(&decades, apart);
            }
        }
        for max in (2..=7).rev() {
            let ticks = linear_ticks(self.low, self.high, max);
            if ticks.len() >= 2 && apart(&ticks) {
                return ticks;
            }
        }
        // Too narrow for a coarser step to keep two ticks: every k-th of
        // the finest.
        thinned(&linear_ticks(self.low, self.high, 7), apart)
    }

    /// The tick label at coordinate `t`: the value, to three significant
    /// digits.
    pub(super) fn label(&self, t: f64) -> String {
        value_label(self.value(t))
    }

    /// Round values inside the range, at most about `max` of them: steps
    /// of 1, 2 or 5 × 10^k, or on a log axis 1, 2 and 5 × 10^k (then 1 and
    /// 3, then 1 alone, when the range spans many decades; a linear choice
    /// when it spans less than one).
    pub(super) fn ticks(&self, max: usize) -> Vec<f64> {
        let max = max.max(2);
        if !self.log {
            return linear_ticks(self.low, self.high, max);
        }
        for mantissas in [&[1.0, 2.0, 5.0][..], &[1.0, 3.0][..], &[1.0][..]] {
            let ticks = decade_ticks(self.low, self.high, mantissas);
            if ticks.len() >= 3 && ticks.len() <= max {
                return ticks;
            }
        }
        let sparse = decade_ticks(self.low, self.high, &[1.0]);
        if sparse.len() > max {
            let every = sparse.len().div_ceil(max);
            return sparse.into_iter().step_by(every).collect();
        }
        linear_ticks(self.low, self.high, max)
    }
}

/// Every second of `ticks`, else every third, ...: the first that keeps
/// `apart`, or is down to two; `ticks` themselves when fewer than three.
fn thinned(ticks: &[f64], apart: impl Fn(&[f64]) -> bool) -> Vec<f64> {
    for every in 2..ticks.len() {
        let kept: Vec<f64> = ticks.iter().copied().step_by(every).collect();
        if apart(&kept) || kept.len() <= 2 {
            return kept;
        }
    }
    ticks.to_vec()
}

/// A linear f64 coordinate whose ticks are given. Unlike plotters'
/// `WithKeyPoints` over an f64 range, it can take a label formatter (its
/// labels are always set by the chart).
pub(super) struct Ticked {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ticked {
    /// `range` with ticks at `ticks`.
    pub(super) fn new(range: Range<f64>, ticks: Vec<f64>) -> Ticked {
        Ticked {
            inner: range.into(),
            ticks,
        }
    }
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }
}

/// Multiples of a 1-2-5 step inside `lo..=hi`, at most about `max`.
fn linear_ticks(lo: f64, hi: f64, max: usize) -> Vec<f64> {
    let raw = (hi - lo) / max as f64;
    if !(raw > 0.0 && raw.is_finite()) {
        return vec![lo];
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude);
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|k| tidy(k as f64 * step)).collect()
}

/// `x` without the representation error of its computation (12
/// significant digits), so that 3 × 0.2 is 0.6.
fn tidy(x: f64) -> f64 {
    format!("{x:.12e}").parse::<f64>().unwrap_or(x)
}

/// `m × 10^k` for each mantissa `m`, inside `lo..=hi` (both positive).
fn decade_ticks(lo: f64, hi: f64, mantissas: &[f64]) -> Vec<f64> {
    let from = lo.log10().floor() as i32;
    let to = hi.log10().ceil() as i32;
    let mut ticks = Vec::new();
    for k in from..=to {
        for m in mantissas {
            let x = tidy(m * 10f64.powi(k));
            if x >= lo * (1.0 - 1e-9) && x <= hi * (1.0 + 1e-9) {
                ticks.push(x);
            }
        }
    }
    ticks
}

/// `x` to three significant digits, without trailing zeros, with a true
/// minus: 0.002, 0.0375, 12.5, 150, 12000.
pub(super) fn value_label(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return if x.is_nan() { "–".into() } else { "0".into() };
    }
    let digits = (2 - x.abs().log10().floor() as i32).clamp(0, 9) as usize;
    let s = format!("{:.*}", digits, x.abs());
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if x < 0.0 { format!("−{s}") } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis(low: f64, high: f64, log: bool) -> Axis {
        Axis { low, high, log }
    }

    #[test]
    fn linear_ticks_are_round() {
        assert_eq!(
            axis(0.1, 1.0, false).ticks(6),
            vec![0.2, 0.4, 0.6, 0.8, 1.0]
        );
        assert_eq!(axis(1.0, 20.0, false).ticks(6), vec![5.0, 10.0, 15.0, 20.0]);
    }

    #[test]
    fn log_ticks_are_round_values_on_a_log_scale() {
        let ticks = axis(0.002, 0.05, true).ticks(8);
        assert_eq!(ticks, vec![0.002, 0.005, 0.01, 0.02, 0.05]);
        assert_eq!(axis(0.002, 0.05, true).ticks(4), vec![0.003, 0.01, 0.03]);
        let wide = axis(1e-6, 10.0, true).ticks(8);
        assert!(wide.len() <= 8 && wide.len() >= 3, "{wide:?}");
        let narrow = axis(0.011, 0.019, true).ticks(6);
        assert!(narrow.len() >= 3, "{narrow:?}");
    }

    /// On a marginal panel of four a row (1,200 px: a plot about 208 px
    /// wide), every prior's value axis gets ticks whose labels (45 px
    /// each) do not meet, and at least two of them; seven ticks a panel
    /// had run "0.001" into "0.003". A panel four times as wide keeps the
    /// denser choice.
    #[test]
    fn ticks_leave_room_for_their_labels() {
        let px = |ax: &Axis, t: &[f64], width: f64| -> Vec<f64> {
            let (a, b) = ax.range();
            t.windows(2)
                .map(|w| (ax.at(w[1]) - ax.at(w[0])) / (b - a) * width)
                .collect()
        };
        for (low, high, log) in [
            (0.001, 1.0, true),
            (0.003, 0.3, true),
            (0.02, 2.5, true),
            (0.01, 10.0, true),
            (1e-6, 10.0, true),
            (0.011, 0.019, true),
            (1.0, 8.0, false),
            (0.0, 0.05, false),
        ] {
            let ax = axis(low, high, log);
            let (a, b) = ax.range();
            let ticks = ax.ticks_apart(45.0 * (b - a) / 208.0);
            assert!(ticks.len() >= 2, "{low}..{high}: {ticks:?}");
            for gap in px(&ax, &ticks, 208.0) {
                assert!(
                    gap >= 45.0,
                    "{low}..{high}: {ticks:?} has a gap of {gap:.0} px"
                );
            }
        }
        let ax = axis(0.001, 1.0, true);
        let span = 1000f64.ln();
        let narrow = ax.ticks_apart(45.0 * span / 208.0);
        let wide = ax.ticks_apart(45.0 * span / 900.0);
        assert_eq!(narrow, vec![0.001, 0.01, 0.1, 1.0]);
        assert!(wide.len() > narrow.len(), "{wide:?}");
    }

    #[test]
    fn labels_keep_three_significant_digits() {
        assert_eq!(value_label(0.002), "0.002");
        assert_eq!(value_label(0.037_46), "0.0375");
        assert_eq!(value_label(12.5), "12.5");
        assert_eq!(value_label(150.4), "150");
        assert_eq!(value_label(-0.5), "−0.5");
        assert_eq!(value_label(0.30000000000000004), "0.3");
    }
}
