//! `calibration_tempering`: how the sampler got from the prior to the
//! posterior. Above, the power of the likelihood by generation (1 is the
//! posterior); below, the effective sample size and the acceptance of
//! moves, the two numbers that say whether the particles stayed healthy.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axis::Ticked;
use super::marginals::percent;
use super::{POSTERIOR, frame};
use crate::chart::style::{self, INK, MUTED, Swatch};
use crate::results::calibration::{Calibration, Generation};

/// Colours of the ESS and acceptance lines (Okabe–Ito bluish green and
/// orange).
const ESS: RGBColor = RGBColor(0, 158, 115);
const ACCEPTANCE: RGBColor = RGBColor(230, 159, 0);

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cal: &Calibration,
) -> Result<(), crate::Error> {
    let note = if cal.manifest.converged {
        "the likelihood reached full power: the particles are the posterior"
    } else {
        "stopped at the generation cap before full power: not yet the posterior"
    };
    let body = frame(root, cal, "tempering from prior to posterior", note)?;
    let (key, plot) = body.split_vertically(34);
    style::key(
        &key,
        24,
        &[
            (Swatch::Line(POSTERIOR, 3), "likelihood power"),
            (Swatch::Line(ESS, 3), "effective sample size"),
            (Swatch::Line(ACCEPTANCE, 3), "acceptance of moves"),
            (Swatch::Dashed(MUTED, 2), "targets (power 1, ESS per step)"),
        ],
    )?;
    let (upper, lower) = plot.split_vertically(plot.dim_in_pixel().1 / 2);
    power(&upper, cal)?;
    health(&lower, cal)
}

/// The x axis: generations, with at most about 12 labelled.
fn generations(gens: &[Generation]) -> (std::ops::Range<f64>, Vec<f64>) {
    let last = gens.iter().map(|g| g.generation).max().unwrap_or(0) as usize;
    let every = (last + 1).div_ceil(12).max(1);
    let ticks = (0..=last).step_by(every).map(|g| g as f64).collect();
    (-0.4..last as f64 + 0.4, ticks)
}

fn power<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    cal: &Calibration,
) -> Result<(), crate::Error> {
    let (x, ticks) = generations(&cal.generations);
    let (x0, x1) = (x.start, x.end);
    let mut chart = style::single(area)
        .x_label_area_size(44)
        .build_cartesian_2d(Ticked::new(x, ticks), 0.0..1.1)?;
    style::axes(
        &mut chart.configure_mesh(),
        "",
        "likelihood power (1 = posterior)",
        14.0,
    )
    .y_labels(6)
    .draw()?;
    chart.draw_series(std::iter::once(DashedPathElement::new(
        vec![(x0, 1.0), (x1, 1.0)],
        8,
        5,
        MUTED.stroke_width(2),
    )))?;
    let points: Vec<(f64, f64)> = cal
        .generations
        .iter()
        .map(|g| (f64::from(g.generation), g.temperature))
        .collect();
    chart.draw_series(LineSeries::new(points.clone(), POSTERIOR.stroke_width(3)))?;
    chart.draw_series(
        points
            .iter()
            .map(|&p| Circle::new(p, 5, POSTERIOR.filled())),
    )?;
    let font = style::anchored(style::text(14.0, &INK), HPos::Left, VPos::Top);
    chart.plotting_area().strip_coord_spec().draw_text(
        "0 = the prior alone, 1 = prior × full likelihood",
        &font,
        (10, 8),
    )?;
    Ok(())
}

fn health<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    cal: &Calibration,
) -> Result<(), crate::Error> {
    let (x, ticks) = generations(&cal.generations);
    let (x0, x1) = (x.start, x.end);
    let mut chart = style::single(area).build_cartesian_2d(Ticked::new(x, ticks), 0.0..1.1)?;
    style::axes(
        &mut chart.configure_mesh(),
        "generation",
        "% of particles / of proposals",
        14.0,
    )
    .y_label_formatter(&percent)
    .y_labels(6)
    .draw()?;
    let target = cal.manifest.settings.ess_fraction;
    chart.draw_series(std::iter::once(DashedPathElement::new(
        vec![(x0, target), (x1, target)],
        8,
        5,
        MUTED.stroke_width(2),
    )))?;
    let particles = cal.manifest.settings.particles.max(1) as f64;
    let ess: Vec<(f64, f64)> = cal
        .generations
        .iter()
        .map(|g| (f64::from(g.generation), g.ess / particles))
        .collect();
    // The first generation draws from the prior and moves nothing: it has
    // no acceptance to show.
    let acceptance: Vec<(f64, f64)> = cal
        .generations
        .iter()
        .filter(|g| g.moves > 0)
        .map(|g| (f64::from(g.generation), g.acceptance))
        .collect();
    for (points, colour) in [(ess, ESS), (acceptance, ACCEPTANCE)] {
        chart.draw_series(LineSeries::new(points.clone(), colour.stroke_width(3)))?;
        chart.draw_series(points.iter().map(|&p| Circle::new(p, 5, colour.filled())))?;
    }
    Ok(())
}
