//! `calibration_predictive`: per observed series, the counts the fitted
//! model predicts for each period (median and 90% band over fresh trials
//! at the posterior's particles) against the counts observed, so that a
//! reader sees where the model fits the data and where it does not.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axis::Ticked;
use super::{ALERT, POSTERIOR, fit, frame, particles_note};
use crate::chart::style::{self, INK, MUTED, Swatch};
use crate::results::calibration::{Calibration, Predictive};

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cal: &Calibration,
) -> Result<(), crate::Error> {
    let body = frame(
        root,
        cal,
        "observed counts against the posterior predictive",
        &particles_note(cal, "band: 5th to 95th percentile of simulated counts"),
    )?;
    let (key, plot) = body.split_vertically(34);
    style::key(
        &key,
        24,
        &[
            (Swatch::Band(POSTERIOR.mix(0.22)), "predictive 90% band"),
            (Swatch::Line(POSTERIOR, 3), "predictive median"),
            (Swatch::Dot(INK), "observed, inside the band"),
            (Swatch::Ring(ALERT), "observed, outside"),
        ],
    )?;
    let series = cal.series();
    let rows = series.len().clamp(1, 3);
    let columns = series.len().div_ceil(rows).max(1);
    let areas = plot.margin(0, 0, 8, 16).split_evenly((rows, columns));
    for (run, area) in series.iter().zip(areas.iter()) {
        let name = run
            .first()
            .map_or(String::new(), |r| cal.series_label(r.series_id, &r.series));
        panel(area, run, &name)?;
    }
    Ok(())
}

/// One series: `rows` share its name and source, in period order.
fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    rows: &[&Predictive],
    name: &str,
) -> Result<(), crate::Error> {
    let (head, body) = area.split_vertically(46);
    heading(&head, rows, name)?;
    let periods = rows.len().max(1);
    let top = rows
        .iter()
        .flat_map(|r| [r.q95, r.observed as f64])
        .filter(|x| x.is_finite())
        .fold(1.0, f64::max)
        * 1.12;
    let every = periods.div_ceil((body.dim_in_pixel().0 / 120).max(1) as usize);
    let ticks: Vec<f64> = (0..periods)
        .step_by(every.max(1))
        .map(|k| k as f64)
        .collect();
    let mut chart = ChartBuilder::on(&body)
        .margin_left(8)
        .margin_right(16)
        .x_label_area_size(52)
        .y_label_area_size(72)
        .build_cartesian_2d(Ticked::new(-0.5..periods as f64 - 0.5, ticks), 0.0..top)?;
    let x_label = |x: &f64| weeks(rows, *x);
    // Counts: whole-number ticks only.
    let y_label = |y: &f64| {
        if y.fract() == 0.0 {
            style::tick(y)
        } else {
            String::new()
        }
    };
    style::axes(
        &mut chart.configure_mesh(),
        "observation period (recorded weeks)",
        "count per period",
        13.0,
    )
    .x_label_formatter(&x_label)
    .y_label_formatter(&y_label)
    .y_labels((top as usize + 1).clamp(2, 8))
    .disable_x_mesh()
    .draw()?;
    draw_counts(&mut chart, rows)
}

/// The band and median of each period, constant over the period, and the
/// observed counts on top.
fn draw_counts<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<Ticked, RangedCoordf64>>,
    rows: &[&Predictive],
) -> Result<(), crate::Error> {
    let step = |value: fn(&Predictive) -> f64| -> Vec<(f64, f64)> {
        rows.iter()
            .enumerate()
            .filter(|(_, r)| value(r).is_finite())
            .flat_map(|(k, r)| [(k as f64 - 0.5, value(r)), (k as f64 + 0.5, value(r))])
            .collect()
    };
    let mut outline = step(|r| r.q95);
    outline.extend(step(|r| r.q05).into_iter().rev());
    if !outline.is_empty() {
        chart.draw_series(std::iter::once(Polygon::new(
            outline,
            POSTERIOR.mix(0.22).filled(),
        )))?;
    }
    chart.draw_series(LineSeries::new(step(|r| r.q50), POSTERIOR.stroke_width(3)))?;
    for (k, r) in rows.iter().enumerate() {
        let at = (k as f64, r.observed as f64);
        if r.inside() {
            chart.draw_series([
                Circle::new(at, 6, INK.filled()),
                Circle::new(at, 6, WHITE.stroke_width(1)),
            ])?;
        } else {
            chart.draw_series([
                Circle::new(at, 7, WHITE.filled()),
                Circle::new(at, 7, ALERT.stroke_width(3)),
            ])?;
        }
    }
    Ok(())
}

/// The series' name, how many counts fall outside their band, and the
/// source in small type.
fn heading<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    rows: &[&Predictive],
    name: &str,
) -> Result<(), crate::Error> {
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let source = &first.source;
    let (w, _) = area.dim_in_pixel();
    let outside = rows.iter().filter(|r| !r.inside()).count();
    let verdict = format!("{outside} of {} outside", rows.len());
    let tone = if outside > 0 { ALERT } else { MUTED };
    let right = style::anchored(style::text(14.0, &tone), HPos::Right, VPos::Top);
    area.draw_text(&verdict, &right, (w as i32 - 16, 6))?;
    let title = style::bold(16.0, &INK);
    let (verdict_width, _) = area.estimate_text_size(&verdict, &right)?;
    let room = w.saturating_sub(verdict_width + 104);
    area.draw_text(&fit(area, name, &title, room)?, &title, (80, 4))?;
    let small = style::text(13.0, &MUTED);
    let source = fit(
        area,
        &format!("source: {source}"),
        &small,
        w.saturating_sub(100),
    )?;
    area.draw_text(&source, &small, (80, 26))?;
    Ok(())
}

/// The tick label of period `x`: its recorded weeks.
fn weeks(rows: &[&Predictive], x: f64) -> String {
    let k = x.round();
    if (x - k).abs() > 1e-6 || k < 0.0 {
        return String::new();
    }
    match rows.get(k as usize) {
        Some(r) if r.from_week == r.to_week => format!("week {}", r.from_week),
        Some(r) => format!("weeks {}–{}", r.from_week, r.to_week),
        None => String::new(),
    }
}
