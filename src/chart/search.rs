//! The chart of a policy search (`cordon optimize`): every candidate's
//! mean on the search trials by iteration, the elite highlighted, the best
//! so far as a line and the baseline allocation's mean for reference.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style;

/// One evaluated candidate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Point {
    pub iteration: u32,
    /// Its place among the iteration's candidates.
    pub index: u32,
    pub mean: f64,
    pub elite: bool,
}

/// What the chart shows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SearchChart {
    /// "scenario: what was searched".
    pub title: String,
    /// The metric's axis label.
    pub metric: String,
    pub lower_is_better: bool,
    /// The baseline allocation's mean on the search trials.
    pub baseline: f64,
    pub candidates_per_iteration: u32,
    pub points: Vec<Point>,
    /// The caption: trials, seed.
    pub caption: String,
}

/// Draws `chart` as `search.png` and `search.svg` in memory, the two at
/// the same time in the current pool ([`crate::engine::with_pool`]): the
/// search's chart is drawn while its best candidate is confirmed, and
/// written ([`super::write_drawn`]) once the result folder is committed.
pub(crate) fn draw_in_memory(
    chart: &SearchChart,
) -> Result<Vec<Result<super::Drawn, crate::Error>>, crate::Error> {
    style::register_fonts()?;
    let figures = [(chart.clone(), "search".to_string())];
    Ok(super::draw_each_png_and_svg("charts", &figures))
}

impl super::Figure for SearchChart {
    fn draw_on<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), crate::Error> {
        body(root, self)
    }
}

fn body<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &SearchChart,
) -> Result<(), crate::Error> {
    let note = "every candidate on the same trials (common random numbers)";
    let area = style::frame_with(root, &c.title, &c.caption, note)?;
    let iterations = c.points.iter().map(|p| p.iteration).max().unwrap_or(0) + 1;
    let (mut lo, mut hi) = c
        .points
        .iter()
        .map(|p| p.mean)
        .chain([c.baseline])
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
    if !lo.is_finite() || !hi.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(1e-6);
    let mut chart = style::single(&area)
        .build_cartesian_2d(-0.5..f64::from(iterations) - 0.5, (lo - pad)..(hi + pad))?;
    style::axes(
        &mut chart.configure_mesh(),
        "iteration",
        &format!("{} per trial (mean)", c.metric),
        15.0,
    )
    .x_labels(iterations.min(20) as usize)
    .draw()?;
    let k = f64::from(c.candidates_per_iteration.max(1));
    let x = |p: &Point| f64::from(p.iteration) + 0.6 * (f64::from(p.index) + 0.5) / k - 0.3;
    let base = style::variant_colour(0);
    chart
        .draw_series(DashedLineSeries::new(
            [
                (-0.5, c.baseline),
                (f64::from(iterations) - 0.5, c.baseline),
            ],
            10,
            6,
            base.stroke_width(2),
        ))?
        .label("baseline allocation")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], base.stroke_width(2)));
    chart
        .draw_series(
            c.points
                .iter()
                .filter(|p| !p.elite)
                .map(|p| Circle::new((x(p), p.mean), 4, style::MUTED.mix(0.6).filled())),
        )?
        .label("candidate")
        .legend(|(x, y)| Circle::new((x + 12, y), 4, style::MUTED.mix(0.6).filled()));
    let elite = style::variant_colour(1);
    chart
        .draw_series(
            c.points
                .iter()
                .filter(|p| p.elite)
                .map(|p| Circle::new((x(p), p.mean), 5, elite.filled())),
        )?
        .label("elite (kept to steer the next iteration)")
        .legend(move |(x, y)| Circle::new((x + 12, y), 5, elite.filled()));
    let best = style::variant_colour(2);
    chart
        .draw_series(LineSeries::new(
            best_so_far(c, iterations),
            best.stroke_width(3),
        ))?
        .label("best so far")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], best.stroke_width(3)));
    let position = if c.lower_is_better {
        SeriesLabelPosition::UpperRight
    } else {
        SeriesLabelPosition::LowerRight
    };
    style::legend(&mut chart, position)
}

/// The best mean up to and including each iteration.
fn best_so_far(c: &SearchChart, iterations: u32) -> Vec<(f64, f64)> {
    let mut best: Option<f64> = None;
    let mut line = Vec::new();
    for i in 0..iterations {
        for p in c.points.iter().filter(|p| p.iteration == i) {
            let better = |b: f64| {
                if c.lower_is_better {
                    p.mean < b
                } else {
                    p.mean > b
                }
            };
            if best.is_none_or(better) {
                best = Some(p.mean);
            }
        }
        if let Some(b) = best {
            line.push((f64::from(i), b));
        }
    }
    line
}
