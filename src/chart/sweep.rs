//! Charts of a sweep: how an outcome moves with the varied parameters.
//!
//! One parameter: the mean outcome against the parameter, one line per
//! variant, with its 95% interval as a band. Two parameters: a heatmap of
//! the mean (grid designs fill cells, Latin hypercubes draw coloured dots),
//! one panel per variant on one colour scale. With more parameters there is
//! no honest single picture; the table has everything.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::style::{self, INK, MUTED, Swatch};
use crate::results::sweep::{SweepRow, SweepTable};
use crate::scenario::ranges::DesignKind;

/// Metrics drawn when none are asked for.
pub(crate) const DEFAULT_METRICS: [&str; 3] = ["attacks", "entries", "p_any_attack"];

/// Draws the sweep's charts into `out` (PNG and SVG), in parallel in the
/// current pool ([`crate::engine::with_pool`]); returns notes on charts
/// that were not drawn.
pub(crate) fn draw_all(
    table: &SweepTable,
    metrics: &[String],
    scenario: &str,
    caption: &str,
    out: &Path,
) -> Result<Vec<String>, crate::Error> {
    style::register_fonts()?;
    std::fs::create_dir_all(out).map_err(|source| crate::Error::Io {
        action: "create folder",
        path: out.to_path_buf(),
        source,
    })?;
    let metrics: Vec<String> = if metrics.is_empty() {
        DEFAULT_METRICS.iter().map(|s| s.to_string()).collect()
    } else {
        metrics.to_vec()
    };
    if table.params.len() > 2 {
        return Ok(vec![format!(
            "no charts: {} parameters vary (charts show one or two); sweep.csv has every point",
            table.params.len()
        )]);
    }
    let stem = |metric: &str| {
        if table.params.len() == 1 {
            format!("sweep_{metric}")
        } else {
            format!("heatmap_{metric}")
        }
    };
    let titles: Vec<String> = metrics
        .iter()
        .map(|metric| format!("{scenario}: {metric} by {}", names(table)))
        .collect();
    let figures: Vec<(SweepFigure<'_>, String)> = metrics
        .iter()
        .zip(&titles)
        .map(|(metric, title)| {
            let figure = SweepFigure {
                table,
                metric,
                title,
                caption,
            };
            (figure, stem(metric))
        })
        .collect();
    // Each chart's PNG and SVG drawn in parallel (in the caller's pool).
    super::write_each_png_and_svg("charts", &figures, out)?;
    Ok(vec![])
}

/// One chart of a sweep: a line (one parameter) or a heat map (two).
struct SweepFigure<'a> {
    table: &'a SweepTable,
    metric: &'a str,
    title: &'a str,
    caption: &'a str,
}

impl super::Figure for SweepFigure<'_> {
    fn draw_on<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), crate::Error> {
        let (t, m) = (self.table, self.metric);
        if t.params.len() == 1 {
            line(root, t, m, self.title, self.caption)
        } else {
            heatmap(root, t, m, self.title, self.caption)
        }
    }
}

fn names(table: &SweepTable) -> String {
    table
        .params
        .iter()
        .map(|p| p.path.as_str())
        .collect::<Vec<_>>()
        .join(" and ")
}

/// A point of a line: the parameter value, the mean and its interval.
type Point = (f64, Option<f64>, Option<f64>, Option<f64>);

/// Rows of variant `v` as (x, mean, low, high), sorted by x.
fn series(table: &SweepTable, v: usize, metric: &str) -> Vec<Point> {
    let mut s: Vec<_> = table
        .rows
        .iter()
        .filter(|r| r.variant == v)
        .filter_map(|r| {
            let e = table.estimate(r, metric)?;
            Some((r.values[0], e.mean, e.ci95_lo, e.ci95_hi))
        })
        .collect();
    s.sort_by(|a, b| a.0.total_cmp(&b.0));
    s
}

/// A padded range around `values` (a unit range when there are none).
fn span(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if hi > lo {
        (hi - lo) * 0.06
    } else {
        lo.abs().max(1.0) * 0.1
    };
    (lo - pad, hi + pad)
}

/// One parameter: mean and 95% interval band per variant.
fn line<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    table: &SweepTable,
    metric: &str,
    title: &str,
    caption: &str,
) -> Result<(), crate::Error> {
    let body = style::frame_with(root, title, caption, "band: 95% interval of the mean")?;
    let entries: Vec<(Swatch, &str)> = table
        .variants
        .iter()
        .enumerate()
        .map(|(v, name)| (Swatch::Line(style::variant_colour(v), 3), name.as_str()))
        .collect();
    // Nine variants do not fit one line of the key.
    let lines = style::key_lines(&body, 24, &entries)? as i32;
    let (key, plot) = body.split_vertically(34 + (lines - 1) * style::KEY_LINE);
    style::key(&key, 24, &entries)?;
    let p = &table.params[0];
    let all: Vec<_> = (0..table.variants.len())
        .flat_map(|v| series(table, v, metric))
        .collect();
    let (y0, y1) = span(all.iter().flat_map(|s| [s.1, s.2, s.3]).flatten());
    let mut chart = style::single(&plot).build_cartesian_2d(p.low..p.high, y0..y1)?;
    let (x_ticks, y_ticks) = (style::ticks_over(p.low, p.high), style::ticks_over(y0, y1));
    style::axes(
        &mut chart.configure_mesh(),
        &p.path,
        &axis_name(metric),
        15.0,
    )
    .x_label_formatter(&x_ticks)
    .y_label_formatter(&y_ticks)
    .draw()?;
    for v in 0..table.variants.len() {
        let colour = style::variant_colour(v);
        let s = series(table, v, metric);
        let mut outline: Vec<(f64, f64)> = s.iter().filter_map(|r| Some((r.0, r.3?))).collect();
        let lower: Vec<(f64, f64)> = s.iter().filter_map(|r| Some((r.0, r.2?))).collect();
        if !outline.is_empty() && !lower.is_empty() {
            outline.extend(lower.into_iter().rev());
            chart.draw_series(std::iter::once(Polygon::new(
                outline,
                colour.mix(0.18).filled(),
            )))?;
        }
        let means: Vec<(f64, f64)> = s.iter().filter_map(|r| Some((r.0, r.1?))).collect();
        chart.draw_series(LineSeries::new(means.clone(), colour.stroke_width(3)))?;
        chart.draw_series(
            means
                .into_iter()
                .map(|xy| Circle::new(xy, 4, colour.filled())),
        )?;
    }
    Ok(())
}

fn axis_name(metric: &str) -> String {
    match metric {
        "p_any_attack" => "P(at least one attack)".into(),
        crate::results::sweep::PATROL_IN => "patrol detection per attempt (weekly mean)".into(),
        m => format!("{m} per trial (mean)"),
    }
}

/// Two parameters: the mean as colour, one panel per variant, one scale.
fn heatmap<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    table: &SweepTable,
    metric: &str,
    title: &str,
    caption: &str,
) -> Result<(), crate::Error> {
    let note = match table.kind {
        DesignKind::Grid => "cell colour: mean over trials",
        DesignKind::Lhs => "dot colour: mean over trials (Latin hypercube points)",
    };
    let body = style::frame_with(root, title, caption, note)?;
    let (panels, scale) = body.split_horizontally(body.dim_in_pixel().0 - 190);
    let means: Vec<f64> = table
        .rows
        .iter()
        .filter_map(|r| table.estimate(r, metric)?.mean)
        .collect();
    let lo = means.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = means.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() && hi > lo {
        (lo, hi)
    } else if lo.is_finite() {
        (lo - 0.5, lo + 0.5)
    } else {
        (0.0, 1.0)
    };
    let (rows, columns) = style::grid(table.variants.len());
    let areas = panels.margin(0, 0, 8, 8).split_evenly((rows, columns));
    for (v, area) in areas.iter().enumerate().take(table.variants.len()) {
        panel(area, table, metric, v, (lo, hi))?;
    }
    colour_scale(&scale, (lo, hi), &axis_name(metric))
}

/// Cell edges for the distinct sorted values `xs`: halfway between
/// neighbours, and half a step beyond the ends.
fn edges(xs: &[f64]) -> Vec<(f64, f64)> {
    xs.iter()
        .enumerate()
        .map(|(i, &x)| {
            let left = if i > 0 {
                (x + xs[i - 1]) / 2.0
            } else {
                f64::NAN
            };
            let right = if i + 1 < xs.len() {
                (x + xs[i + 1]) / 2.0
            } else {
                f64::NAN
            };
            let left = if left.is_nan() { x - (right - x) } else { left };
            let right = if right.is_nan() {
                x + (x - left)
            } else {
                right
            };
            (left, right)
        })
        .collect()
}

fn distinct(rows: &[&SweepRow], j: usize) -> Vec<f64> {
    let mut xs: Vec<f64> = rows.iter().map(|r| r.values[j]).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    xs
}

fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    table: &SweepTable,
    metric: &str,
    v: usize,
    (lo, hi): (f64, f64),
) -> Result<(), crate::Error> {
    let rows: Vec<&SweepRow> = table.rows.iter().filter(|r| r.variant == v).collect();
    let (px, py) = (&table.params[0], &table.params[1]);
    let (xs, ys) = (distinct(&rows, 0), distinct(&rows, 1));
    let (ex, ey) = (edges(&xs), edges(&ys));
    let grid = table.kind == DesignKind::Grid && xs.len() > 1 && ys.len() > 1;
    let (x0, x1) = if grid {
        (ex[0].0, ex[ex.len() - 1].1)
    } else {
        (px.low, px.high)
    };
    let (y0, y1) = if grid {
        (ey[0].0, ey[ey.len() - 1].1)
    } else {
        (py.low, py.high)
    };
    let colour = style::variant_colour(v);
    let mut chart = ChartBuilder::on(area)
        .caption(&table.variants[v], style::bold(16.0, &colour))
        .margin(8)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    let (x_ticks, y_ticks) = (style::ticks_over(x0, x1), style::ticks_over(y0, y1));
    style::axes(&mut chart.configure_mesh(), &px.path, &py.path, 13.0)
        .x_label_formatter(&x_ticks)
        .y_label_formatter(&y_ticks)
        .x_labels(6)
        .y_labels(6)
        .draw()?;
    let fill = |m: f64| ViridisRGB.get_color_normalized(m as f32, lo as f32, hi as f32);
    for r in &rows {
        let Some(m) = table.estimate(r, metric).and_then(|e| e.mean) else {
            continue;
        };
        if grid {
            let i = xs.iter().position(|x| *x == r.values[0]).unwrap_or(0);
            let j = ys.iter().position(|y| *y == r.values[1]).unwrap_or(0);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(ex[i].0, ey[j].0), (ex[i].1, ey[j].1)],
                fill(m).filled(),
            )))?;
        } else {
            chart.draw_series(std::iter::once(Circle::new(
                (r.values[0], r.values[1]),
                7,
                fill(m).filled(),
            )))?;
        }
    }
    Ok(())
}

/// A vertical colour bar from `lo` (bottom) to `hi` (top) with ticks.
fn colour_scale<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (lo, hi): (f64, f64),
    label: &str,
) -> Result<(), crate::Error> {
    let (_, h) = area.dim_in_pixel();
    let (top, bottom) = (40i32, h as i32 - 60);
    let steps = 100;
    for k in 0..steps {
        let f0 = k as f64 / steps as f64;
        let f1 = (k + 1) as f64 / steps as f64;
        let y0 = bottom - ((bottom - top) as f64 * f0) as i32;
        let y1 = bottom - ((bottom - top) as f64 * f1) as i32;
        let c = ViridisRGB.get_color_normalized(f0 as f32, 0.0, 1.0);
        area.draw(&Rectangle::new([(10, y1), (34, y0)], c.filled()))?;
    }
    area.draw(&Rectangle::new(
        [(10, top), (34, bottom)],
        INK.stroke_width(1),
    ))?;
    let words = style::anchored(style::text(13.0, &INK), HPos::Left, VPos::Center);
    // The plain labels, unless two of them read the same (a narrow
    // range): then as many decimals as the range needs.
    let at = |k: i32| lo + (hi - lo) * f64::from(k) / 4.0;
    let plain: Vec<String> = (0..=4).map(|k| style::tick(&at(k))).collect();
    let narrow = plain.windows(2).any(|w| w[0] == w[1]);
    let finer = style::ticks_over(lo, hi);
    for k in 0..=4 {
        let f = k as f64 / 4.0;
        let y = bottom - ((bottom - top) as f64 * f) as i32;
        area.draw(&PathElement::new(
            vec![(34, y), (40, y)],
            INK.stroke_width(1),
        ))?;
        let label = if narrow {
            finer(&at(k))
        } else {
            plain[k as usize].clone()
        };
        area.draw_text(&label, &words, (44, y))?;
    }
    let caption = style::anchored(style::text(13.0, &MUTED), HPos::Left, VPos::Top);
    area.draw_text(label, &caption, (4, bottom + 14))?;
    Ok(())
}
