//! The look shared by every chart: size, embedded font, colours, and the
//! frame of title, caption and body.
//!
//! Text is drawn with DejaVu Sans compiled into the binary (see
//! `assets/fonts/`), so a chart looks the same on every machine and never
//! depends on system fonts or fontconfig. Colours come from the Okabe–Ito
//! palette, which stays distinguishable under the common forms of colour
//! blindness; a variant's colour depends only on its place in the run's
//! manifest, so it is the same in every chart.

use std::sync::OnceLock;

use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::results::read::{RunData, WeeklyStat};

/// Width and height of every chart, in pixels.
pub const SIZE: (u32, u32) = (1200, 800);

/// Height of the title band at the top of every chart.
pub const TITLE_HEIGHT: u32 = 56;

/// Height of the caption band at the bottom of every chart.
pub const CAPTION_HEIGHT: u32 = 30;

/// The family name the embedded font is registered under; plotters' own
/// defaults (axis labels, legends) ask for it too.
pub(super) const FAMILY: &str = "sans-serif";

pub(super) static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
pub(super) static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Dark grey for text, axes and outlines.
pub const INK: RGBColor = RGBColor(34, 34, 34);

/// Mid grey for captions and reference lines.
pub const MUTED: RGBColor = RGBColor(110, 110, 110);

/// Light grey for internal links, gridlines and missing values.
pub const FAINT: RGBColor = RGBColor(200, 200, 200);

/// Okabe–Ito without its yellow (too pale for lines on white), then Paul
/// Tol's "muted" wine, olive and indigo for runs with more than seven
/// variants, then the yellow as a last resort. The baseline (index 0) is
/// black.
const VARIANT_COLOURS: [RGBColor; 11] = [
    RGBColor(0, 0, 0),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 158, 115),
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
    RGBColor(136, 34, 85),
    RGBColor(153, 153, 51),
    RGBColor(51, 34, 136),
    RGBColor(240, 228, 66),
];

/// The colour of the variant at `index` in the manifest (0 is the
/// baseline); beyond the palette, colours repeat.
pub fn variant_colour(index: usize) -> RGBColor {
    VARIANT_COLOURS[index % VARIANT_COLOURS.len()]
}

/// The fill of a region on the map: source regions first, then the role
/// of the region's state (`member`, `partner`, anything else).
pub fn role_colour(role: &str, source: bool) -> RGBColor {
    match (source, role) {
        (true, _) => RGBColor(213, 94, 0),
        (false, "member") => RGBColor(0, 114, 178),
        (false, "partner") => RGBColor(0, 158, 115),
        _ => RGBColor(170, 170, 170),
    }
}

/// Makes the embedded font available to plotters (once per process).
pub fn register_fonts() -> Result<(), crate::Error> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, REGULAR).is_ok()
            && plotters::style::register_font(FAMILY, FontStyle::Bold, BOLD).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(crate::Error::Draw(
            "the embedded DejaVu Sans font could not be read".into(),
        ))
    }
}

/// Regular text of `size` pixels in `colour`.
pub fn text(size: f64, colour: &RGBColor) -> TextStyle<'static> {
    FontDesc::new(FontFamily::SansSerif, size, FontStyle::Normal).color(colour)
}

/// Bold text of `size` pixels in `colour`.
pub fn bold(size: f64, colour: &RGBColor) -> TextStyle<'static> {
    FontDesc::new(FontFamily::SansSerif, size, FontStyle::Bold).color(colour)
}

/// `style` anchored at `h`, `v` instead of the top left.
pub fn anchored(style: TextStyle<'static>, h: HPos, v: VPos) -> TextStyle<'static> {
    style.pos(Pos::new(h, v))
}

/// The caption every chart carries: "N trials × W weeks · seed S".
pub fn caption(run: &RunData) -> String {
    let m = &run.manifest;
    format!("{} trials × {} weeks · seed {}", m.trials, m.weeks, m.seed)
}

/// The one chart frame: paints the background, the heading and the caption
/// line (with a note at its right, if any), and returns the area left for
/// the chart's body. Every chart of every command is framed here.
pub(crate) fn frame_with<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    heading: &str,
    caption: &str,
    note: &str,
) -> Result<DrawingArea<DB, Shift>, crate::Error> {
    root.fill(&WHITE)?;
    let (width, height) = root.dim_in_pixel();
    root.draw_text(heading, &bold(24.0, &INK), (24, 16))?;
    let bottom = (height - CAPTION_HEIGHT / 2) as i32;
    let left = anchored(text(15.0, &MUTED), HPos::Left, VPos::Center);
    root.draw_text(caption, &left, (24, bottom))?;
    if !note.is_empty() {
        let right = anchored(text(15.0, &MUTED), HPos::Right, VPos::Center);
        root.draw_text(note, &right, (width as i32 - 24, bottom))?;
    }
    Ok(root.margin(TITLE_HEIGHT, CAPTION_HEIGHT + 6, 0, 0))
}

/// The frame of a run folder's chart: the heading names the scenario, the
/// caption gives trials, weeks and seed.
pub fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &RunData,
    title: &str,
    note: &str,
) -> Result<DrawingArea<DB, Shift>, crate::Error> {
    let heading = format!("{}: {title}", run.manifest.scenario.name);
    frame_with(root, &heading, &caption(run), note)
}

/// A builder for a one-panel chart filling `body`, with room for tick
/// labels and axis descriptions.
pub fn single<'a, 'b, DB: DrawingBackend>(
    body: &'a DrawingArea<DB, Shift>,
) -> ChartBuilder<'a, 'b, DB> {
    let mut builder = ChartBuilder::on(body);
    builder
        .margin_left(16)
        .margin_right(32)
        .margin_top(12)
        .x_label_area_size(60)
        .y_label_area_size(80);
    builder
}

/// The weeks of `series` where `value` is known, as (week, value).
pub fn points(
    series: &[WeeklyStat],
    value: impl Fn(&WeeklyStat) -> Option<f64>,
) -> Vec<(f64, f64)> {
    series
        .iter()
        .filter_map(|s| value(s).map(|y| (f64::from(s.week), y)))
        .collect()
}

/// The band between `low` and `high` over the weeks of `series`, as one
/// filled polygon (none if either edge is unknown throughout).
pub fn band(
    series: &[WeeklyStat],
    low: impl Fn(&WeeklyStat) -> Option<f64>,
    high: impl Fn(&WeeklyStat) -> Option<f64>,
    fill: RGBAColor,
) -> Option<Polygon<(f64, f64)>> {
    let mut outline = points(series, high);
    let lower = points(series, low);
    if outline.is_empty() || lower.is_empty() {
        return None;
    }
    outline.extend(lower.into_iter().rev());
    Some(Polygon::new(outline, fill.filled()))
}

/// Applies the shared look to a chart's axes: descriptions `x` and `y`,
/// tick labels of `size` pixels formatted by [`tick`], light gridlines.
pub fn axes<'m, 'a, 'b, X, Y, DB>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
    x: &str,
    y: &str,
    size: f64,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB>
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
    DB: DrawingBackend,
{
    mesh.x_desc(x)
        .y_desc(y)
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .label_style(text(size, &INK))
        .axis_desc_style(text(size + 1.0, &INK))
        .bold_line_style(FAINT.mix(0.6))
        .light_line_style(TRANSPARENT)
}

/// Draws the legend of a chart's labelled series at `position`.
pub fn legend<'a, DB: DrawingBackend + 'a, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    position: SeriesLabelPosition,
) -> Result<(), crate::Error> {
    chart
        .configure_series_labels()
        .position(position)
        .margin(16)
        .background_style(WHITE.mix(0.9))
        .border_style(FAINT)
        .label_font(text(15.0, &INK))
        .draw()?;
    Ok(())
}

/// A tick label: at most two decimals, no trailing zeros, a true minus.
pub fn tick(x: &f64) -> String {
    tick_to(*x, tick_digits(*x))
}

/// [`tick`]'s decimals for `x`.
fn tick_digits(x: f64) -> usize {
    if x.abs() >= 100.0 || x.fract() == 0.0 {
        0
    } else if x.abs() >= 1.0 {
        1
    } else {
        2
    }
}

/// Tick labels for an axis from `low` to `high`: as [`tick`], with as
/// many more decimals as ticks a tenth of the span apart need to differ
/// (a sweep from 0.99 to 1.01 reads 0.99, 0.995, 1, 1.005, not 0.99,
/// 0.99, 1, 1).
pub fn ticks_over(low: f64, high: f64) -> impl Fn(&f64) -> String {
    let span = (high - low).abs();
    let needed = if span > 0.0 && span.is_finite() {
        // Ticks fall on steps of 1, 2 or 5 times a power of ten, about a
        // tenth of the span: a step of 10^-k needs k decimals, one of
        // 2.5 · 10^-k (which plotters may choose) k + 1.
        let step = span / 10.0;
        (-step.log10()).ceil().max(0.0) as usize + 1
    } else {
        0
    };
    move |x: &f64| tick_to(*x, tick_digits(*x).max(needed).min(12))
}

/// `x` with `digits` decimals, trailing zeros dropped, a true minus.
fn tick_to(x: f64, digits: usize) -> String {
    let s = format!("{:.*}", digits, x.abs());
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if x < 0.0 && s.chars().any(|c| c != '0' && c != '.') {
        format!("−{s}")
    } else {
        s
    }
}

/// A share as a tick label: 0.25 is "25%".
pub fn percent(x: &f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// What a key entry shows beside its words.
#[derive(Debug, Clone, Copy)]
pub enum Swatch {
    /// A line of this colour and width.
    Line(RGBColor, u32),
    /// A dashed line of this colour and width.
    Dashed(RGBColor, u32),
    /// A filled box (a band).
    Band(RGBAColor),
    /// A filled circle with a dark outline.
    Dot(RGBColor),
    /// A hollow circle with a thick outline (a point that stands out).
    Ring(RGBColor),
}

/// Height of one line of a key, in pixels.
pub const KEY_LINE: i32 = 26;

/// The width of one key entry: swatch, words and the gap after them.
fn entry_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    label: &str,
    words: &TextStyle<'_>,
) -> Result<i32, crate::Error> {
    let (w, _) = area.estimate_text_size(label, words)?;
    Ok(34 + w as i32 + 28)
}

/// The lines of `entries`, each as many as fit in `width` pixels from
/// `x` (at least one entry a line).
fn key_layout<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    x: i32,
    width: i32,
    entries: &[(Swatch, &str)],
) -> Result<Vec<std::ops::Range<usize>>, crate::Error> {
    let words = text(15.0, &INK);
    let mut lines = Vec::new();
    let (mut start, mut at) = (0, x);
    for (i, (_, label)) in entries.iter().enumerate() {
        let w = entry_width(area, label, &words)?;
        // The gap after the last entry of a line may run past the edge.
        if i > start && at + w - 28 > width {
            lines.push(start..i);
            (start, at) = (i, x);
        }
        at += w;
    }
    if start < entries.len() || lines.is_empty() {
        lines.push(start..entries.len());
    }
    Ok(lines)
}

/// How many lines a key of `entries` from `x` needs in the width of
/// `area` (see [`key`]).
pub fn key_lines<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    x: i32,
    entries: &[(Swatch, &str)],
) -> Result<usize, crate::Error> {
    let width = area.dim_in_pixel().0 as i32;
    Ok(key_layout(area, x, width, entries)?.len())
}

/// Draws a key of `entries` from the left edge of `area`, vertically
/// centred: one line, or as many lines of [`KEY_LINE`] pixels as the
/// width needs ([`key_lines`] says how many, so that the caller can make
/// room); returns the width used.
pub fn key<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    x: i32,
    entries: &[(Swatch, &str)],
) -> Result<i32, crate::Error> {
    let (width, height) = area.dim_in_pixel();
    let lines = key_layout(area, x, width as i32, entries)?;
    let words = anchored(text(15.0, &INK), HPos::Left, VPos::Center);
    let first = height as i32 / 2 - (lines.len() as i32 - 1) * KEY_LINE / 2;
    let mut widest = 0;
    for (n, line) in lines.into_iter().enumerate() {
        let y = first + n as i32 * KEY_LINE;
        let mut at = x;
        for (swatch, label) in &entries[line] {
            draw_swatch(area, *swatch, (at, y))?;
            area.draw_text(label, &words, (at + 34, y))?;
            at += entry_width(area, label, &words)?;
        }
        widest = widest.max(at - x);
    }
    Ok(widest)
}

/// Draws `swatch` 28 pixels wide, its left end at `(x, y)`.
pub fn draw_swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    swatch: Swatch,
    (x, y): (i32, i32),
) -> Result<(), crate::Error> {
    match swatch {
        Swatch::Line(c, w) => area.draw(&PathElement::new(
            vec![(x, y), (x + 28, y)],
            c.stroke_width(w),
        ))?,
        Swatch::Dashed(c, w) => area.draw(&DashedPathElement::new(
            vec![(x, y), (x + 28, y)],
            5,
            3,
            c.stroke_width(w),
        ))?,
        Swatch::Band(c) => area.draw(&Rectangle::new([(x, y - 8), (x + 28, y + 8)], c.filled()))?,
        Swatch::Dot(c) => {
            area.draw(&Circle::new((x + 14, y), 7, c.filled()))?;
            area.draw(&Circle::new((x + 14, y), 7, INK.stroke_width(1)))?;
        }
        Swatch::Ring(c) => area.draw(&Circle::new((x + 14, y), 7, c.stroke_width(3)))?,
    }
    Ok(())
}

/// A rows × columns grid for `n` small multiples: as square as possible,
/// never more columns than rows + 1.
pub fn grid(n: usize) -> (usize, usize) {
    let n = n.max(1);
    let columns = (n as f64).sqrt().ceil() as usize;
    let rows = n.div_ceil(columns);
    (rows, columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_are_near_square() {
        assert_eq!(grid(1), (1, 1));
        assert_eq!(grid(2), (1, 2));
        assert_eq!(grid(4), (2, 2));
        assert_eq!(grid(5), (2, 3));
        assert_eq!(grid(9), (3, 3));
        assert_eq!(grid(10), (3, 4));
    }

    #[test]
    fn the_baseline_is_black_and_variants_differ() {
        assert_eq!(variant_colour(0), RGBColor(0, 0, 0));
        let colours: std::collections::HashSet<_> = (0..VARIANT_COLOURS.len())
            .map(|i| {
                let c = variant_colour(i);
                (c.0, c.1, c.2)
            })
            .collect();
        assert_eq!(colours.len(), VARIANT_COLOURS.len());
    }

    #[test]
    fn ticks_are_short() {
        assert_eq!(tick(&5.0), "5");
        assert_eq!(tick(&-20.0), "−20");
        assert_eq!(tick(&2.5), "2.5");
        assert_eq!(tick(&0.25), "0.25");
        assert_eq!(tick(&-0.0), "0");
        assert_eq!(tick(&150.4), "150");
    }

    #[test]
    fn ticks_over_a_narrow_range_differ() {
        // Plotters' ticks of a sweep from 0.99 to 1.01: every label apart,
        // where the plain rule gave 0.99, 0.99, 0.99, 1, 1.
        let ticks = ticks_over(0.99, 1.01);
        let labels: Vec<String> = (0..=10)
            .map(|i| ticks(&(0.99 + 0.002 * f64::from(i))))
            .collect();
        assert_eq!(labels[0], "0.99");
        assert_eq!(labels[1], "0.992");
        assert_eq!(labels[5], "1");
        assert_eq!(labels[10], "1.01");
        let distinct: std::collections::HashSet<_> = labels.iter().collect();
        assert_eq!(distinct.len(), labels.len(), "{labels:?}");
        // Steps of 2.5 times a power of ten keep their last digit.
        assert_eq!(ticks_over(0.0, 0.1)(&0.025), "0.025");
        assert_eq!(ticks_over(1.0, 2.0)(&1.05), "1.05");
        // An ordinary range reads as the plain rule.
        let plain = ticks_over(0.0, 10.0);
        for x in [0.0, 2.0, 2.5, 7.5, 10.0] {
            assert_eq!(plain(&x), tick(&x));
        }
        assert_eq!(ticks_over(-0.5, 0.5)(&-0.25), "−0.25");
        assert_eq!(ticks_over(3.0, 3.0)(&3.0), "3");
    }

    #[test]
    fn a_key_too_wide_for_one_line_wraps() {
        register_fonts().unwrap();
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (1200, 80)).into_drawing_area();
            let names = [
                "baseline",
                "border_heavy",
                "intel_heavy",
                "readiness_heavy",
                "balanced",
                "alliance_fund",
                "sco_cooperation",
                "inclusive_government",
                "combined",
            ];
            let entries: Vec<(Swatch, &str)> = names
                .iter()
                .enumerate()
                .map(|(v, n)| (Swatch::Line(variant_colour(v), 3), *n))
                .collect();
            assert_eq!(key_lines(&root, 24, &entries[..4]).unwrap(), 1);
            assert_eq!(key_lines(&root, 24, &entries).unwrap(), 2);
            let used = key(&root, 24, &entries).unwrap();
            assert!(used <= 1200 - 24, "{used}");
            root.present().unwrap();
        }
        // Every name is drawn, in two rows.
        for name in ["baseline", "combined", "inclusive_government"] {
            assert!(svg.contains(name), "{name} missing");
        }
        let rows: std::collections::HashSet<&str> = svg
            .match_indices("<text")
            .map(|(i, _)| {
                let y = &svg[i..];
                let y = &y[y.find(" y=\"").unwrap() + 4..];
                &y[..y.find('"').unwrap()]
            })
            .collect();
        assert_eq!(rows.len(), 2, "{rows:?}");
    }

    #[test]
    fn the_font_registers() {
        assert!(register_fonts().is_ok());
    }
}
