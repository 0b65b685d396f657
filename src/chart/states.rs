//! Per-state bars: attacks and entries by member state, with 95%
//! intervals, grouped by variant, to show where a policy moves the threat.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::style::{self, INK};
use crate::results::read::{RunData, Variant};

/// A metric of `states.csv` drawn as bars.
#[derive(Debug, PartialEq)]
pub(super) struct StateMetric {
    /// Its name in `states.csv` (and the file name).
    pub key: &'static str,
    /// What the title calls it.
    pub title: &'static str,
    /// The y-axis label, with its unit.
    pub axis: &'static str,
}

/// The per-state charts every run with member states gets.
pub(super) static METRICS: [StateMetric; 2] = [
    StateMetric {
        key: "attacks",
        title: "attacks by member state",
        axis: "attacks per trial (mean)",
    },
    StateMetric {
        key: "entries",
        title: "entries by member state",
        axis: "entries per trial (mean)",
    },
];

/// Share of a state's slot taken by its bars.
const GROUP_WIDTH: f64 = 0.8;

type Bars<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Draws the bars of `metric`.
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &RunData,
    metric: &StateMetric,
) -> Result<(), crate::Error> {
    let note = "bars: mean per trial; whiskers: 95% interval";
    let body = style::frame(root, run, metric.title, note)?;
    let members: Vec<(&str, &str)> = run
        .manifest
        .states
        .iter()
        .filter(|s| s.role == "member")
        .map(|s| (s.id.as_str(), s.name.as_str()))
        .collect();
    let mut chart = style::single(&body)
        .build_cartesian_2d(0.0..members.len() as f64, 0.0..top(run, &members, metric))?;
    style::axes(
        &mut chart.configure_mesh(),
        "member state",
        metric.axis,
        15.0,
    )
    .disable_x_mesh()
    .x_labels(0)
    .draw()?;
    for (k, v) in run.variants.iter().enumerate() {
        bars(&mut chart, run, &members, metric, (k, v))?;
    }
    // The states' names go under their groups, not at numeric ticks.
    let name = style::anchored(style::text(15.0, &INK), HPos::Center, VPos::Top);
    for (i, (_, state)) in members.iter().enumerate() {
        let at = chart.backend_coord(&(i as f64 + 0.5, 0.0));
        root.draw_text(state, &name, (at.0, at.1 + 8))?;
    }
    style::legend(&mut chart, SeriesLabelPosition::UpperRight)
}

/// The top of the y axis: a little above the highest interval.
fn top(run: &RunData, members: &[(&str, &str)], metric: &StateMetric) -> f64 {
    let highest = run
        .variants
        .iter()
        .flat_map(|v| {
            members
                .iter()
                .filter_map(|(id, _)| run.state(&v.name, id, metric.key))
        })
        .filter_map(|e| e.ci95_hi.or(e.mean))
        .fold(0.0, f64::max);
    if highest > 0.0 { highest * 1.1 } else { 1.0 }
}

/// The bars of the `k`th variant drawn, one per member state, with their
/// whiskers and a legend entry.
fn bars<DB: DrawingBackend>(
    chart: &mut Bars<'_, DB>,
    run: &RunData,
    members: &[(&str, &str)],
    metric: &StateMetric,
    (k, variant): (usize, &Variant),
) -> Result<(), crate::Error> {
    let colour = style::variant_colour(variant.index);
    let width = GROUP_WIDTH / run.variants.len() as f64;
    let mut bars = Vec::new();
    let mut whiskers: Vec<Vec<(f64, f64)>> = Vec::new();
    for (i, (id, _)) in members.iter().enumerate() {
        let Some(e) = run.state(&variant.name, id, metric.key) else {
            continue;
        };
        let left = i as f64 + (1.0 - GROUP_WIDTH) / 2.0 + k as f64 * width;
        if let Some(mean) = e.mean {
            bars.push(Rectangle::new(
                [(left, 0.0), (left + width * 0.9, mean)],
                colour.filled(),
            ));
        }
        if let (Some(lo), Some(hi)) = (e.ci95_lo, e.ci95_hi) {
            let mid = left + width * 0.45;
            whiskers.push(vec![(mid, lo), (mid, hi)]);
        }
    }
    chart
        .draw_series(bars)?
        .label(variant.name.as_str())
        .legend(move |(x, y)| Rectangle::new([(x, y - 7), (x + 20, y + 7)], colour.filled()));
    // A white casing keeps the whisker visible on a dark bar.
    for (ink, width) in [(WHITE, 4), (INK, 2)] {
        let lines = whiskers
            .iter()
            .map(|points| PathElement::new(points.clone(), ink.stroke_width(width)));
        chart.draw_series(lines)?;
    }
    Ok(())
}
