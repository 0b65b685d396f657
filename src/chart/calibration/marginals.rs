//! `calibration_marginals`: per parameter, the posterior as a weighted
//! histogram over the prior's range, the prior as a dashed line, and the
//! posterior median and 90% interval, so that a reader sees at once which
//! parameters the observations pin and which they leave at the prior.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axis::{Axis, Ticked, value_label};
use super::{ALERT, POSTERIOR, frame, layout, particles_note};
use crate::chart::style::{self, INK, Swatch};
use crate::results::calibration::{Calibration, Parameter, histogram};

/// Bins of a histogram, equal in the prior's measure.
pub(super) const BINS: usize = 40;

/// A chart whose x axis is a parameter's.
pub(super) type ParamChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<Ticked, RangedCoordf64>>;

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cal: &Calibration,
) -> Result<(), crate::Error> {
    let usual = format!("bars: {BINS} bins, each holding the same prior weight");
    let note = particles_note(cal, &usual);
    let body = frame(root, cal, "prior and posterior of each parameter", &note)?;
    let (key, plot) = body.split_vertically(34);
    style::key(&key, 24, &legend())?;
    let n = cal.parameters.len();
    let areas = plot.margin(0, 0, 8, 8).split_evenly(layout(n));
    for (k, area) in areas.iter().enumerate().take(n) {
        panel(area, cal, k)?;
    }
    Ok(())
}

/// The key shared by the marginals and the diagonal of the pairs chart.
pub(super) fn legend() -> [(Swatch, &'static str); 4] {
    [
        (
            Swatch::Band(POSTERIOR.mix(0.6)),
            "posterior (weighted particles)",
        ),
        (Swatch::Dashed(INK, 2), "prior"),
        (Swatch::Line(ALERT, 3), "posterior median"),
        (Swatch::Band(ALERT.mix(0.15)), "90% posterior interval"),
    ]
}

fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    cal: &Calibration,
    k: usize,
) -> Result<(), crate::Error> {
    let p = &cal.parameters[k];
    let axis = Axis::of(p);
    let shares = shares(cal, k, &axis);
    let mut chart = ChartBuilder::on(area)
        .caption(&p.parameter, style::bold(16.0, &INK))
        .margin(10)
        .x_label_area_size(56)
        .y_label_area_size(72)
        // The plot is the panel less its 72 px of y labels and 20 px of
        // margins; a tick label of up to five characters at 13 px takes
        // about 35 px, so neighbours are kept 45 px apart (seven ticks a
        // panel had run "0.001" into "0.003" four panels a row).
        .build_cartesian_2d(
            axis.coord_for(area.dim_in_pixel().0.saturating_sub(92), 45.0),
            0.0..top(&shares, 1.5),
        )?;
    let x_desc = if axis.is_log() {
        "value (log scale)"
    } else {
        "value"
    };
    let x_label = |t: &f64| axis.label(*t);
    style::axes(
        &mut chart.configure_mesh(),
        x_desc,
        "% of posterior weight per bin",
        13.0,
    )
    .x_label_formatter(&x_label)
    .y_label_formatter(&percent)
    .y_labels(6)
    .draw()?;
    draw_histogram(&mut chart, &axis, p, &shares)?;
    summary(&chart, &axis, p)
}

/// The posterior shares of parameter `k` in [`BINS`] bins of its axis.
pub(super) fn shares(cal: &Calibration, k: usize, axis: &Axis) -> Vec<f64> {
    let values: Vec<(f64, f64)> = cal
        .weighted(k)
        .into_iter()
        .map(|(x, w)| (axis.at(x), w))
        .collect();
    histogram(&values, axis.range(), BINS)
}

/// The top of a histogram's y axis: `room` times the highest bar (or the
/// prior), leaving space above the bars for words.
pub(super) fn top(shares: &[f64], room: f64) -> f64 {
    let prior = 1.0 / shares.len().max(1) as f64;
    shares.iter().copied().fold(prior, f64::max) * room
}

/// The 90% interval, the bars, the prior and the median, in that order
/// (later ones on top).
pub(super) fn draw_histogram<DB: DrawingBackend>(
    chart: &mut ParamChart<'_, DB>,
    axis: &Axis,
    p: &Parameter,
    shares: &[f64],
) -> Result<(), crate::Error> {
    let (a, b) = axis.range();
    let (_, y1) = {
        let r = chart.y_range();
        (r.start, r.end)
    };
    let clamp = |x: f64| axis.at(x).clamp(a, b);
    chart.draw_series(std::iter::once(Rectangle::new(
        [(clamp(p.q05), 0.0), (clamp(p.q95), y1)],
        ALERT.mix(0.13).filled(),
    )))?;
    let width = (b - a) / shares.len().max(1) as f64;
    chart.draw_series(
        shares
            .iter()
            .enumerate()
            .filter(|(_, s)| **s > 0.0)
            .map(|(i, &s)| {
                let x0 = a + width * i as f64;
                Rectangle::new([(x0, 0.0), (x0 + width, s)], POSTERIOR.mix(0.6).filled())
            }),
    )?;
    let prior = 1.0 / shares.len().max(1) as f64;
    chart.draw_series(std::iter::once(DashedPathElement::new(
        vec![(a, prior), (b, prior)],
        8,
        5,
        INK.stroke_width(2),
    )))?;
    let m = clamp(p.median);
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(m, 0.0), (m, y1)],
        ALERT.stroke_width(3),
    )))?;
    Ok(())
}

/// Median, interval and shrinkage in words, at the top of the panel on the
/// side away from the posterior's bulk.
fn summary<DB: DrawingBackend>(
    chart: &ParamChart<'_, DB>,
    axis: &Axis,
    p: &Parameter,
) -> Result<(), crate::Error> {
    let area = chart.plotting_area().strip_coord_spec();
    let (w, _) = area.dim_in_pixel();
    let (a, b) = axis.range();
    let right = axis.at(p.median) < (a + b) / 2.0;
    let (h, x) = if right {
        (HPos::Right, w as i32 - 8)
    } else {
        (HPos::Left, 8)
    };
    let font = style::anchored(style::text(14.0, &INK), h, VPos::Top);
    let lines = [
        format!("median {}", value_label(p.median)),
        format!("90%: {} to {}", value_label(p.q05), value_label(p.q95)),
        format!("shrinkage {:.0}%", p.shrinkage * 100.0),
    ];
    // A pale box keeps the words readable over the bars.
    let mut widest = 0;
    for line in &lines {
        widest = widest.max(area.estimate_text_size(line, &font)?.0 as i32);
    }
    let (x0, x1) = if right {
        (x - widest - 6, x + 4)
    } else {
        (x - 4, x + widest + 6)
    };
    area.draw(&Rectangle::new(
        [(x0, 2), (x1, 8 + 18 * lines.len() as i32)],
        WHITE.mix(0.85).filled(),
    ))?;
    for (i, line) in lines.iter().enumerate() {
        area.draw_text(line, &font, (x, 6 + 18 * i as i32))?;
    }
    Ok(())
}

/// A share as a percentage tick label: 0.025 is "2.5%".
pub(super) fn percent(x: &f64) -> String {
    format!("{}%", value_label(x * 100.0))
}
