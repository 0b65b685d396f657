//! `calibration_pairs`: the posterior of every pair of parameters as a
//! scatter of particles (lower triangle), each parameter's histogram on
//! the diagonal, and the weighted correlation of each pair (upper
//! triangle), for trade-offs the marginals hide: two parameters that the
//! data pin only together lie on a ridge.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axis::Axis;
use super::marginals::{self, ParamChart};
use super::{ALERT, POSTERIOR, frame, particles_note};
use crate::chart::style::{self, FAINT, INK, MUTED, Swatch};
use crate::results::calibration::Calibration;

/// Width of the tick labels and name at the left of the grid, and height
/// of those at its bottom, in pixels.
const LEFT: u32 = 84;
const BOTTOM: u32 = 58;

/// Most particles drawn in one scatter (every k-th beyond that).
const MOST_POINTS: usize = 2000;

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cal: &Calibration,
) -> Result<(), crate::Error> {
    let body = frame(
        root,
        cal,
        "posterior of each pair of parameters",
        &particles_note(
            cal,
            "upper right: weighted correlation, in each prior's scale",
        ),
    )?;
    let (key, plot) = body.split_vertically(34);
    style::key(
        &key,
        24,
        &[
            (Swatch::Dot(POSTERIOR), "posterior particles"),
            (Swatch::Band(POSTERIOR.mix(0.6)), "posterior (diagonal)"),
            (Swatch::Dashed(INK, 2), "prior"),
            (Swatch::Line(ALERT, 3), "median"),
        ],
    )?;
    let n = cal.parameters.len();
    let plot = plot.margin(4, 0, 8, 24);
    let (w, h) = plot.dim_in_pixel();
    let cell = ((w - LEFT) / n as u32, (h - BOTTOM) / n as u32);
    let xs: Vec<i32> = (1..n).map(|j| (LEFT + cell.0 * j as u32) as i32).collect();
    let ys: Vec<i32> = (1..n).map(|i| (cell.1 * i as u32) as i32).collect();
    let ticks = ((cell.0 / 70) as usize).clamp(2, 6);
    for (at, area) in plot.split_by_breakpoints(xs, ys).iter().enumerate() {
        let (i, j) = (at / n, at % n);
        let labels = (
            if i + 1 == n { BOTTOM } else { 0 },
            if j == 0 { LEFT } else { 0 },
        );
        if i == j {
            diagonal(area, cal, i, labels, ticks)?;
        } else if i > j {
            scatter(area, cal, (i, j), labels, ticks)?;
        } else {
            coefficient(area, cal, (i, j))?;
        }
    }
    Ok(())
}

/// Parameter `k`'s histogram, with its name inside the panel.
fn diagonal<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    cal: &Calibration,
    k: usize,
    (bottom, left): (u32, u32),
    ticks: usize,
) -> Result<(), crate::Error> {
    let p = &cal.parameters[k];
    let axis = Axis::of(p);
    let shares = marginals::shares(cal, k, &axis);
    let mut chart: ParamChart<'_, DB> = ChartBuilder::on(area)
        .margin(6)
        .x_label_area_size(bottom)
        .y_label_area_size(left)
        .build_cartesian_2d(axis.coord_inside(ticks), 0.0..marginals::top(&shares, 1.3))?;
    let x_label = |t: &f64| axis.label(*t);
    let x_desc = name(
        area,
        &axis,
        &p.parameter,
        area.dim_in_pixel().0.saturating_sub(left + 12),
    )?;
    style::axes(&mut chart.configure_mesh(), &x_desc, "", 12.0)
        .x_label_formatter(&x_label)
        .y_labels(0)
        .disable_y_mesh()
        .draw()?;
    marginals::draw_histogram(&mut chart, &axis, p, &shares)?;
    let inside = chart.plotting_area().strip_coord_spec();
    let font = style::anchored(style::bold(13.0, &INK), HPos::Left, VPos::Top);
    let width = inside.dim_in_pixel().0.saturating_sub(12);
    let label = super::fit(&inside, &p.parameter, &font, width)?;
    inside.draw_text(&label, &font, (6, 4))?;
    Ok(())
}

/// Particles of parameters `j` (x) and `i` (y).
fn scatter<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    cal: &Calibration,
    (i, j): (usize, usize),
    (bottom, left): (u32, u32),
    ticks: usize,
) -> Result<(), crate::Error> {
    let (px, py) = (&cal.parameters[j], &cal.parameters[i]);
    let (ax, ay) = (Axis::of(px), Axis::of(py));
    let mut chart = ChartBuilder::on(area)
        .margin(6)
        .x_label_area_size(bottom)
        .y_label_area_size(left)
        .build_cartesian_2d(ax.coord_inside(ticks), ay.coord_inside(ticks))?;
    let x_label = |t: &f64| ax.label(*t);
    let y_label = |t: &f64| ay.label(*t);
    let (w, h) = area.dim_in_pixel();
    let x_desc = name(area, &ax, &px.parameter, w.saturating_sub(left + 12))?;
    let y_desc = name(area, &ay, &py.parameter, h.saturating_sub(bottom + 12))?;
    style::axes(&mut chart.configure_mesh(), &x_desc, &y_desc, 12.0)
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .draw()?;
    let stride = cal.posterior.len().div_ceil(MOST_POINTS).max(1);
    chart.draw_series(cal.posterior.iter().step_by(stride).map(|p| {
        Circle::new(
            (ax.at(p.values[j]), ay.at(p.values[i])),
            3,
            POSTERIOR.mix(0.3).filled(),
        )
    }))?;
    let (x0, x1) = ax.range();
    let (y0, y1) = ay.range();
    let (mx, my) = (ax.at(px.median), ay.at(py.median));
    chart.draw_series([
        PathElement::new(vec![(mx, y0), (mx, y1)], ALERT.mix(0.7).stroke_width(1)),
        PathElement::new(vec![(x0, my), (x1, my)], ALERT.mix(0.7).stroke_width(1)),
    ])?;
    Ok(())
}

/// The weighted correlation of parameters `i` and `j`, in words.
fn coefficient<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    cal: &Calibration,
    (i, j): (usize, usize),
) -> Result<(), crate::Error> {
    let inner = area.margin(6, 6, 6, 6);
    let (w, h) = inner.dim_in_pixel();
    inner.draw(&Rectangle::new(
        [(0, 0), (w as i32 - 1, h as i32 - 1)],
        FAINT.stroke_width(1),
    ))?;
    let (text, colour) = match cal.correlation(i, j) {
        Some(r) => (
            format!("r = {}", style::tick(&((r * 100.0).round() / 100.0))),
            if r.abs() >= 0.5 { ALERT } else { INK },
        ),
        None => ("r: –".to_string(), MUTED),
    };
    let centre = (w as i32 / 2, h as i32 / 2);
    // In a crowded grid the coefficients shrink to their cells, all to
    // the size the widest one would need, and the words under them (which
    // the chart's footnote also gives) go where they would not fit.
    let room = w.saturating_sub(4);
    let mut size = 24.0;
    while size > 9.0
        && (inner
            .estimate_text_size("r = −0.88", &style::bold(size, &colour))?
            .0
            > room
            || f64::from(h) < size + 4.0)
    {
        size -= 1.0;
    }
    let big = style::anchored(style::bold(size, &colour), HPos::Center, VPos::Center);
    inner.draw_text(&text, &big, centre)?;
    let words = "weighted correlation";
    let small = style::text(12.0, &MUTED);
    let below = centre.1 + (size * 0.75) as i32;
    if inner.estimate_text_size(words, &small)?.0 <= room && below + 14 <= h as i32 {
        let small = style::anchored(small, HPos::Center, VPos::Top);
        inner.draw_text(words, &small, (centre.0, below))?;
    }
    Ok(())
}

/// An axis description that fits `room` pixels beside a panel of `area`:
/// the parameter's path, marked when logarithmic; in a crowded grid its
/// last part (the diagonal names it in full), cut if still too long.
fn name<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    axis: &Axis,
    path: &str,
    room: u32,
) -> Result<String, crate::Error> {
    let mark = if axis.is_log() { " (log)" } else { "" };
    let font = style::text(13.0, &INK);
    let full = format!("{path}{mark}");
    if area.estimate_text_size(&full, &font)?.0 <= room {
        return Ok(full);
    }
    let last = path.rsplit('.').next().unwrap_or(path);
    super::fit(area, &format!("…{last}{mark}"), &font, room)
}
