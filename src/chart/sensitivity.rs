//! Charts of a sensitivity analysis: a tornado of one-at-a-time swings and
//! bars of Sobol indices, both for the baseline.
//!
//! Tornado: for each uncertain parameter (widest swing on top), a bar from
//! the scenario's outcome to the outcome with the parameter at its low
//! value and one to its high value, each with its 95% interval. Sobol: the
//! first-order and total index of each parameter with bootstrap intervals.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{self, FAINT, INK, Swatch};
use crate::results::sensitivity::Row;
use crate::scenario::BASELINE;

/// Colours of the low and high ends (Okabe–Ito blue and vermilion).
const LOW: RGBColor = RGBColor(0, 114, 178);
const HIGH: RGBColor = RGBColor(213, 94, 0);

/// Draws `tornado_METRIC` and `sobol_METRIC` (PNG and SVG) into `out`, in
/// parallel in the current pool ([`crate::engine::with_pool`]).
pub(crate) fn draw_all(
    rows: &[Row],
    scenario: &str,
    metric: &str,
    caption: &str,
    out: &Path,
) -> Result<(), crate::Error> {
    style::register_fonts()?;
    std::fs::create_dir_all(out).map_err(|source| crate::Error::Io {
        action: "create folder",
        path: out.to_path_buf(),
        source,
    })?;
    let base: Vec<&Row> = rows.iter().filter(|r| r.variant == BASELINE).collect();
    let charts: [(&str, Kind); 2] = [("tornado", Kind::Tornado), ("sobol", Kind::Sobol)];
    let charts: Vec<(&str, Kind)> = charts
        .into_iter()
        .filter(|(_, kind)| *kind != Kind::Sobol || base.iter().any(|r| r.kind == "sobol_first"))
        .collect();
    let titles: Vec<String> = charts
        .iter()
        .map(|&(_, kind)| match kind {
            Kind::Tornado => format!("{scenario}: {metric}, one parameter at a time (baseline)"),
            Kind::Sobol => format!("{scenario}: Sobol indices of {metric} (baseline)"),
        })
        .collect();
    let figures: Vec<(SensitivityFigure<'_>, String)> = charts
        .iter()
        .zip(&titles)
        .map(|(&(name, kind), title)| {
            let figure = SensitivityFigure {
                kind,
                rows: &base,
                title,
                caption,
                metric,
            };
            (figure, format!("{name}_{metric}"))
        })
        .collect();
    // Drawn in parallel (in the caller's pool), each file a task.
    super::write_each_png_and_svg("charts", &figures, out).map(|_| ())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Tornado,
    Sobol,
}

/// A tornado or Sobol chart of the baseline.
struct SensitivityFigure<'a> {
    kind: Kind,
    rows: &'a [&'a Row],
    title: &'a str,
    caption: &'a str,
    metric: &'a str,
}

impl super::Figure for SensitivityFigure<'_> {
    fn draw_on<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), crate::Error> {
        let note = match self.kind {
            Kind::Tornado => "whiskers: 95% intervals of the means",
            Kind::Sobol => "whiskers: 95% bootstrap intervals",
        };
        let body = style::frame_with(root, self.title, self.caption, note)?;
        match self.kind {
            Kind::Tornado => tornado(&body, self.rows, self.metric),
            Kind::Sobol => sobol(&body, self.rows),
        }
    }
}

fn find<'a>(rows: &[&'a Row], kind: &str, parameter: &str) -> Option<&'a Row> {
    rows.iter()
        .copied()
        .find(|r| r.kind == kind && r.parameter == parameter)
}

/// Parameters in the order the rows name them.
fn parameters(rows: &[&Row], kind: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in rows.iter().filter(|r| r.kind == kind) {
        if !out.contains(&r.parameter) {
            out.push(r.parameter.clone());
        }
    }
    out
}

/// Horizontal whisker from `lo` to `hi` at height `y`.
fn whisker(lo: f64, hi: f64, y: f64) -> Vec<PathElement<(f64, f64)>> {
    let c = INK.stroke_width(2);
    vec![
        PathElement::new(vec![(lo, y), (hi, y)], c),
        PathElement::new(vec![(lo, y - 0.06), (lo, y + 0.06)], c),
        PathElement::new(vec![(hi, y - 0.06), (hi, y + 0.06)], c),
    ]
}

fn tornado<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    rows: &[&Row],
    metric: &str,
) -> Result<(), crate::Error> {
    let (key, plot) = body.split_vertically(34);
    style::key(
        &key,
        24,
        &[
            (Swatch::Band(LOW.mix(0.8)), "parameter at its low value"),
            (Swatch::Band(HIGH.mix(0.8)), "parameter at its high value"),
            (Swatch::Line(INK, 2), "scenario as written"),
        ],
    )?;
    let base = find(rows, "base", "")
        .and_then(|r| r.estimate)
        .unwrap_or(0.0);
    let mut params = parameters(rows, "oat_swing");
    let swing = |p: &str| {
        find(rows, "oat_swing", p)
            .and_then(|r| r.estimate)
            .map_or(0.0, f64::abs)
    };
    // Widest on top: plotters' y grows upwards, so it goes last.
    params.sort_by(|a, b| swing(a).total_cmp(&swing(b)));
    let ends: Vec<f64> = params
        .iter()
        .flat_map(|p| {
            ["oat_low", "oat_high"].into_iter().flat_map(move |k| {
                let r = find(rows, k, p);
                [
                    r.and_then(|r| r.ci95_lo),
                    r.and_then(|r| r.ci95_hi),
                    r.and_then(|r| r.estimate),
                ]
            })
        })
        .flatten()
        .chain([base])
        .collect();
    let lo = ends.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = ends.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let pad = if hi > lo { (hi - lo) * 0.08 } else { 1.0 };
    let n = params.len().max(1) as f64;
    let labels = params.clone();
    let mut chart = ChartBuilder::on(&plot)
        .margin_left(16)
        .margin_right(32)
        .margin_top(12)
        .x_label_area_size(60)
        .y_label_area_size(260)
        .build_cartesian_2d((lo - pad)..(hi + pad), -0.5..(n - 0.5))?;
    chart
        .configure_mesh()
        .x_desc(format!("{metric} per trial (mean)"))
        .x_label_formatter(&style::tick)
        .y_labels(params.len().max(1))
        .y_label_formatter(&|y: &f64| category(&labels, *y))
        .label_style(style::text(14.0, &INK))
        .axis_desc_style(style::text(16.0, &INK))
        .bold_line_style(FAINT.mix(0.6))
        .light_line_style(TRANSPARENT)
        .disable_y_mesh()
        .draw()?;
    for (i, p) in params.iter().enumerate() {
        let y = i as f64;
        for (k, colour, dy) in [("oat_low", LOW, -0.17), ("oat_high", HIGH, 0.17)] {
            let Some(r) = find(rows, k, p) else { continue };
            let Some(m) = r.estimate else { continue };
            chart.draw_series(std::iter::once(Rectangle::new(
                [(base.min(m), y + dy - 0.15), (base.max(m), y + dy + 0.15)],
                colour.mix(0.8).filled(),
            )))?;
            if let (Some(a), Some(b)) = (r.ci95_lo, r.ci95_hi) {
                chart.draw_series(whisker(a, b, y + dy))?;
            }
        }
    }
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(base, -0.5), (base, n - 0.5)],
        INK.stroke_width(2),
    )))?;
    Ok(())
}

fn sobol<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    rows: &[&Row],
) -> Result<(), crate::Error> {
    let (key, plot) = body.split_vertically(34);
    style::key(
        &key,
        24,
        &[
            (
                Swatch::Band(LOW.mix(0.85)),
                "first-order index (the parameter alone)",
            ),
            (
                Swatch::Band(HIGH.mix(0.6)),
                "total index (with its interactions)",
            ),
        ],
    )?;
    let params = parameters(rows, "sobol_first");
    let top = rows
        .iter()
        .filter(|r| r.kind.starts_with("sobol"))
        .filter_map(|r| r.ci95_hi.or(r.estimate))
        .fold(1.0f64, f64::max);
    let bottom = rows
        .iter()
        .filter(|r| r.kind.starts_with("sobol"))
        .filter_map(|r| r.ci95_lo.or(r.estimate))
        .fold(0.0f64, f64::min);
    let n = params.len().max(1) as f64;
    let labels = params.clone();
    let mut chart = ChartBuilder::on(&plot)
        .margin_left(16)
        .margin_right(32)
        .margin_top(12)
        .x_label_area_size(70)
        .y_label_area_size(80)
        .build_cartesian_2d(-0.5..(n - 0.5), bottom..(top * 1.05))?;
    chart
        .configure_mesh()
        .y_desc("share of the outcome's variance")
        .y_label_formatter(&style::tick)
        .x_labels(params.len().max(1))
        .x_label_formatter(&|x: &f64| category(&labels, *x))
        .label_style(style::text(14.0, &INK))
        .axis_desc_style(style::text(16.0, &INK))
        .bold_line_style(FAINT.mix(0.6))
        .light_line_style(TRANSPARENT)
        .disable_x_mesh()
        .draw()?;
    for (i, p) in params.iter().enumerate() {
        let x = i as f64;
        for (k, colour, dx) in [
            ("sobol_first", LOW.mix(0.85), -0.18),
            ("sobol_total", HIGH.mix(0.6), 0.18),
        ] {
            let Some(r) = find(rows, k, p) else { continue };
            let Some(e) = r.estimate else { continue };
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x + dx - 0.16, 0.0), (x + dx + 0.16, e)],
                colour.filled(),
            )))?;
            if let (Some(a), Some(b)) = (r.ci95_lo, r.ci95_hi) {
                let c = INK.stroke_width(2);
                chart.draw_series([
                    PathElement::new(vec![(x + dx, a), (x + dx, b)], c),
                    PathElement::new(vec![(x + dx - 0.05, a), (x + dx + 0.05, a)], c),
                    PathElement::new(vec![(x + dx - 0.05, b), (x + dx + 0.05, b)], c),
                ])?;
            }
        }
    }
    Ok(())
}

/// The label of the category drawn at whole-number position `at` (blank
/// between categories).
fn category(labels: &[String], at: f64) -> String {
    let i = at.round();
    if (at - i).abs() < 1e-6 && i >= 0.0 {
        labels.get(i as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}
