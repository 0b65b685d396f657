//! DrawnTotal distributions: how per-trial totals spread over trials, as one
//! empirical cumulative distribution (ECDF) per variant.
//!
//! ECDFs rather than histograms, because nine variants overlaid stay
//! readable as lines and the tails, where policies differ most, stay
//! visible. Severity is heavy-tailed and drawn on a log axis; since a log
//! axis has no zero, it shows severity + 1 and says so.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::style;
use crate::results::read::{RunData, Spread, TrialTotals};

/// A per-trial total drawn as a distribution.
#[derive(Debug, PartialEq)]
pub(super) struct DrawnTotal {
    /// Its column in `trials.csv` (and the file name).
    pub key: &'static str,
    /// What the title calls it.
    pub title: &'static str,
    /// The x-axis label, with its unit.
    pub axis: &'static str,
    /// Drawn on a log axis, shifted by one.
    pub log: bool,
}

/// The distributions every run gets.
pub(super) static OUTCOMES: [DrawnTotal; 2] = [
    DrawnTotal {
        key: "attacks",
        title: "attacks per trial, distribution over trials",
        axis: "attacks per trial (count)",
        log: false,
    },
    DrawnTotal {
        key: "severity",
        title: "total severity per trial, distribution over trials",
        axis: "severity per trial + 1 (model units, log scale; 1 = no attack)",
        log: true,
    },
];

const Y_AXIS: &str = "trials with at most x (share)";

/// Draws the distribution of `outcome`.
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &RunData,
    outcome: &DrawnTotal,
) -> Result<(), crate::Error> {
    let title = format!("{} (ECDF)", outcome.title);
    let body = style::frame(
        root,
        run,
        &title,
        "a curve further up and left means fewer in more trials",
    )?;
    let shift = if outcome.log { 1.0 } else { 0.0 };
    let curves: Vec<Vec<(f64, f64)>> = run
        .variants
        .iter()
        .map(|v| ecdf(values(run.trials.get(&v.name), outcome), shift))
        .collect();
    let top = curves
        .iter()
        .flatten()
        .map(|p| p.0)
        .fold(shift + 1.0, f64::max);
    if outcome.log {
        let mut chart =
            style::single(&body).build_cartesian_2d((1.0..top * 1.5).log_scale(), 0.0..1.0)?;
        style::axes(&mut chart.configure_mesh(), outcome.axis, Y_AXIS, 15.0)
            .y_label_formatter(&style::percent)
            .draw()?;
        lines(&mut chart, run, &curves)
    } else {
        let mut chart = style::single(&body).build_cartesian_2d(0.0..top * 1.05, 0.0..1.0)?;
        style::axes(&mut chart.configure_mesh(), outcome.axis, Y_AXIS, 15.0)
            .y_label_formatter(&style::percent)
            .draw()?;
        lines(&mut chart, run, &curves)
    }
}

fn values<'a>(totals: Option<&'a TrialTotals>, outcome: &DrawnTotal) -> Option<&'a Spread> {
    match (totals, outcome.key) {
        (Some(t), "severity") => Some(&t.severity),
        (Some(t), _) => Some(&t.attacks),
        (None, _) => None,
    }
}

/// The ECDF of `values + shift` as the corners of a step line, from 0 at
/// the smallest value to 1 at the largest.
pub(super) fn ecdf(values: Option<&Spread>, shift: f64) -> Vec<(f64, f64)> {
    let Some(spread) = values else {
        return Vec::new();
    };
    let n = spread.trials() as f64;
    let mut corners = Vec::new();
    let (mut seen, mut below) = (0, 0.0);
    for (x, count) in spread.counts() {
        corners.push((x + shift, below));
        seen += count;
        below = seen as f64 / n;
        corners.push((x + shift, below));
    }
    corners
}

/// One step line per variant, with its legend entry.
fn lines<'a, DB: DrawingBackend + 'a, X: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, RangedCoordf64>>,
    run: &RunData,
    curves: &[Vec<(f64, f64)>],
) -> Result<(), crate::Error> {
    for (v, curve) in run.variants.iter().zip(curves) {
        let colour = style::variant_colour(v.index);
        chart
            .draw_series(LineSeries::new(
                curve.iter().copied(),
                colour.stroke_width(3),
            ))?
            .label(v.name.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(3))
            });
    }
    style::legend(chart, SeriesLabelPosition::LowerRight)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spread(values: &[f64]) -> Spread {
        let mut s = Spread::default();
        values.iter().for_each(|&v| s.add(v));
        s
    }

    #[test]
    fn the_ecdf_steps_at_each_distinct_value() {
        let corners = ecdf(Some(&spread(&[2.0, 0.0, 2.0, 1.0])), 0.0);
        assert_eq!(
            corners,
            vec![
                (0.0, 0.0),
                (0.0, 0.25),
                (1.0, 0.25),
                (1.0, 0.5),
                (2.0, 0.5),
                (2.0, 1.0)
            ]
        );
    }

    #[test]
    fn a_shift_moves_the_curve() {
        assert_eq!(
            ecdf(Some(&spread(&[0.0])), 1.0),
            vec![(1.0, 0.0), (1.0, 1.0)]
        );
    }

    #[test]
    fn counts_keep_every_integer_to_a_thousand_apart_and_values_to_a_bin() {
        let values: Vec<f64> = (0..1400).map(f64::from).collect();
        let s = spread(&values);
        assert_eq!(s.counts().count(), 1400);
        // Values closer than a bin's width share it; the bin keeps the
        // largest and the count of both.
        let s = spread(&[1e6, 1e6 + 1.0, 5.5]);
        assert_eq!(
            s.counts().collect::<Vec<_>>(),
            vec![(5.5, 1), (1e6 + 1.0, 2)]
        );
    }
}
