//! Fan charts: how a weekly quantity spreads over trials, week by week.
//!
//! One small panel per variant, all on the same axes: the median line, the
//! middle 50% of trials (p25–p75) as a dark band and the middle 90%
//! (p05–p95) as a light one, with the baseline's median in grey in every
//! panel so each variant reads against it.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{self, INK, MUTED, Swatch};
use crate::results::read::{RunData, Variant};

/// A weekly metric drawn as a fan chart.
#[derive(Debug, PartialEq)]
pub(super) struct FanMetric {
    /// Its name in `weekly.csv` (and in the file name).
    pub key: &'static str,
    /// What the title calls it.
    pub title: &'static str,
    /// The y-axis label, with its unit.
    pub axis: &'static str,
}

/// The fan charts every run gets.
pub(super) static METRICS: [FanMetric; 3] = [
    FanMetric {
        key: "cells_in_alliance",
        title: "militant cells inside the alliance by week",
        axis: "cells inside (count)",
    },
    FanMetric {
        key: "cumulative_attacks",
        title: "cumulative attacks by week",
        axis: "attacks so far (count)",
    },
    FanMetric {
        key: "cumulative_entries",
        title: "cumulative entries into the alliance by week",
        axis: "entries so far (count)",
    },
];

/// Height of the key under the title.
const KEY_HEIGHT: u32 = 34;

/// Draws the fan chart of `metric`.
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &RunData,
    metric: &FanMetric,
) -> Result<(), crate::Error> {
    let title = format!("{} (median, 50% and 90% of trials)", metric.title);
    let body = style::frame(
        root,
        run,
        &title,
        "bands: spread over trials, not uncertainty of the median",
    )?;
    let (key, panels) = body.split_vertically(KEY_HEIGHT);
    style::key(
        &key,
        24,
        &[
            (Swatch::Line(INK, 2), "median"),
            (Swatch::Band(INK.mix(0.38)), "middle 50% of trials"),
            (Swatch::Band(INK.mix(0.15)), "middle 90% of trials"),
            (Swatch::Line(MUTED, 2), "baseline median"),
        ],
    )?;
    let weeks = run.last_week(metric.key);
    let top = y_top(run, metric);
    let (rows, columns) = style::grid(run.variants.len());
    let areas = panels.margin(0, 0, 8, 16).split_evenly((rows, columns));
    for (i, (area, variant)) in areas.iter().zip(&run.variants).enumerate() {
        let place = Place {
            bottom: i + columns >= run.variants.len(),
            left: i % columns == 0,
        };
        panel(area, run, metric, variant, (f64::from(weeks), top), place)?;
    }
    Ok(())
}

/// Where a panel sits in the grid: only the outer panels name the axes.
#[derive(Debug, Clone, Copy)]
struct Place {
    bottom: bool,
    left: bool,
}

/// One variant's panel: its bands and median over the baseline's median.
fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    run: &RunData,
    metric: &FanMetric,
    variant: &Variant,
    (weeks, top): (f64, f64),
    place: Place,
) -> Result<(), crate::Error> {
    let colour = style::variant_colour(variant.index);
    let mut chart = ChartBuilder::on(area)
        .caption(&variant.name, style::bold(16.0, &colour))
        .margin(6)
        .x_label_area_size(if place.bottom { 44 } else { 26 })
        .y_label_area_size(if place.left { 70 } else { 48 })
        .build_cartesian_2d(0.0..weeks, 0.0..top)?;
    let (x, y) = (
        if place.bottom { "week" } else { "" },
        if place.left { metric.axis } else { "" },
    );
    style::axes(&mut chart.configure_mesh(), x, y, 13.0)
        .x_labels(6)
        .y_labels(5)
        .draw()?;
    let series = run.weekly(&variant.name, metric.key);
    chart.draw_series(style::band(series, |s| s.p05, |s| s.p95, colour.mix(0.15)))?;
    chart.draw_series(style::band(series, |s| s.p25, |s| s.p75, colour.mix(0.38)))?;
    let baseline = run.weekly(&run.variants[0].name, metric.key);
    chart.draw_series(LineSeries::new(
        style::points(baseline, |s| s.p50),
        MUTED.stroke_width(2),
    ))?;
    chart.draw_series(LineSeries::new(
        style::points(series, |s| s.p50),
        colour.stroke_width(2),
    ))?;
    Ok(())
}

/// The top of the shared y axis: a little above the highest p95.
fn y_top(run: &RunData, metric: &FanMetric) -> f64 {
    let highest = run
        .variants
        .iter()
        .flat_map(|v| run.weekly(&v.name, metric.key))
        .filter_map(|s| s.p95.or(s.p50))
        .fold(0.0, f64::max);
    if highest > 0.0 { highest * 1.05 } else { 1.0 }
}
