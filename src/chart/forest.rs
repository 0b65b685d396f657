//! The policy comparison (a forest plot): for each variant, its paired
//! difference from the baseline in attacks, severity and entries, with 95%
//! intervals and a zero line, variants sorted by their effect on attacks.
//!
//! Differences are paired over the same trials (common random numbers), so
//! the intervals are much narrower than the spread of either variant.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::style::{self, INK};
use crate::results::read::{Estimate, RunData, Variant};

/// A column of the forest plot: a per-trial total in `comparison.csv`.
struct Effect {
    key: &'static str,
    title: &'static str,
    axis: &'static str,
}

const EFFECTS: [Effect; 3] = [
    Effect {
        key: "attacks",
        title: "attacks",
        axis: "attacks per trial",
    },
    Effect {
        key: "severity",
        title: "severity",
        axis: "severity per trial (model units)",
    },
    Effect {
        key: "entries",
        title: "entries",
        axis: "entries per trial",
    },
];

/// Half the height of a whisker's end cap, in pixels.
const CAP: i32 = 9;

/// Width of the column of variant names.
const NAMES_WIDTH: u32 = 210;

/// Draws the forest plot.
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &RunData,
) -> Result<(), crate::Error> {
    let body = style::frame(
        root,
        run,
        "policy comparison, paired difference from the baseline",
        "points: mean of (variant − baseline) over the same trials; whiskers: 95% interval; left of 0 is fewer",
    )?;
    let rows = sorted(run);
    let (_, panels) = body.margin(12, 0, 0, 24).split_horizontally(NAMES_WIDTH);
    for (i, (area, effect)) in panels
        .split_evenly((1, EFFECTS.len()))
        .iter()
        .zip(&EFFECTS)
        .enumerate()
    {
        panel(root, area, run, &rows, effect, i == 0)?;
    }
    Ok(())
}

/// The variants to compare, best effect on attacks (most negative) first;
/// variants without an estimate go last.
fn sorted(run: &RunData) -> Vec<&Variant> {
    let mut rows: Vec<&Variant> = run.variants.iter().skip(1).collect();
    let effect = |v: &Variant| {
        run.difference(&v.name, "attacks")
            .and_then(|e| e.mean)
            .unwrap_or(f64::INFINITY)
    };
    rows.sort_by(|a, b| effect(a).total_cmp(&effect(b)));
    rows
}

/// One column; the first also writes the variant names, at the height of
/// their rows, into the root area to its left.
fn panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    run: &RunData,
    rows: &[&Variant],
    effect: &Effect,
    names: bool,
) -> Result<(), crate::Error> {
    let estimates: Vec<Option<Estimate>> = rows
        .iter()
        .map(|v| run.difference(&v.name, effect.key))
        .collect();
    let n = rows.len().max(1) as f64;
    let mut chart = ChartBuilder::on(area)
        .caption(effect.title, style::bold(18.0, &INK))
        .margin_left(12)
        .margin_right(20)
        .x_label_area_size(52)
        .build_cartesian_2d(x_range(&estimates), -0.5..n - 0.5)?;
    let x = format!("{}, variant − baseline", effect.axis);
    style::axes(&mut chart.configure_mesh(), &x, "", 14.0)
        .y_labels(0)
        .x_labels(6)
        .draw()?;
    let zero = [(0.0, -0.5), (0.0, n - 0.5)];
    chart.draw_series(std::iter::once(DashedPathElement::new(
        zero,
        6,
        4,
        INK.stroke_width(2),
    )))?;
    for (i, (variant, estimate)) in rows.iter().zip(&estimates).enumerate() {
        let y = n - 1.0 - i as f64;
        let colour = style::variant_colour(variant.index);
        if let Some(e) = estimate {
            whisker(&mut chart, *e, y, colour)?;
        }
        if names {
            let (_, py) = chart.backend_coord(&(0.0, y));
            let (px, _) = chart.backend_coord(&(chart.x_range().start, y));
            let label = style::anchored(style::bold(15.0, &colour), HPos::Right, VPos::Center);
            root.draw_text(&variant.name, &label, (px - 14, py))?;
        }
    }
    Ok(())
}

type Forest<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// A point with its 95% interval at height `y`.
fn whisker<DB: DrawingBackend>(
    chart: &mut Forest<'_, DB>,
    e: Estimate,
    y: f64,
    colour: RGBColor,
) -> Result<(), crate::Error> {
    if let (Some(lo), Some(hi)) = (e.ci95_lo, e.ci95_hi) {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(lo, y), (hi, y)],
            colour.stroke_width(3),
        )))?;
        // End caps a fixed number of pixels tall, however many rows there are.
        let caps = [lo, hi].map(|end| {
            EmptyElement::at((end, y))
                + PathElement::new(vec![(0, -CAP), (0, CAP)], colour.stroke_width(2))
        });
        chart.draw_series(caps)?;
    }
    if let Some(mean) = e.mean {
        chart.draw_series(std::iter::once(Circle::new((mean, y), 7, colour.filled())))?;
    }
    Ok(())
}

/// From the lowest to the highest interval end, always including zero,
/// with a margin.
fn x_range(estimates: &[Option<Estimate>]) -> std::ops::Range<f64> {
    let ends = estimates
        .iter()
        .flatten()
        .flat_map(|e| [e.ci95_lo, e.ci95_hi, e.mean])
        .flatten();
    let (lo, hi) = ends.fold((0.0f64, 0.0f64), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let pad = if hi > lo { (hi - lo) * 0.08 } else { 1.0 };
    lo - pad..hi + pad
}
