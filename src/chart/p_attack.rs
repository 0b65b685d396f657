//! The probability of at least one attack by each week, one line per
//! variant: the chart that answers "how likely is the first attack, and how
//! soon?".

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style;
use crate::results::read::RunData;

/// The weekly metric drawn.
const METRIC: &str = "p_any_attack";

/// Draws the chart.
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &RunData,
) -> Result<(), crate::Error> {
    let body = style::frame(
        root,
        run,
        "probability of at least one attack by week",
        "shaded: 95% interval (Wilson)",
    )?;
    let weeks = run.last_week(METRIC);
    let mut chart = style::single(&body).build_cartesian_2d(0.0..f64::from(weeks), 0.0..1.0)?;
    style::axes(
        &mut chart.configure_mesh(),
        "week",
        "P(at least one attack so far)",
        15.0,
    )
    .y_label_formatter(&style::percent)
    .draw()?;
    for v in &run.variants {
        let colour = style::variant_colour(v.index);
        let series = run.weekly(&v.name, METRIC);
        chart.draw_series(style::band(
            series,
            |s| s.ci95_lo,
            |s| s.ci95_hi,
            colour.mix(0.12),
        ))?;
        chart
            .draw_series(LineSeries::new(
                style::points(series, |s| s.mean),
                colour.stroke_width(3),
            ))?
            .label(v.name.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(3))
            });
    }
    style::legend(&mut chart, SeriesLabelPosition::LowerRight)
}
