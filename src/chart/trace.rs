//! `trace.png` and `trace.svg`: the traced trial as a strip of small maps
//! at four weeks, one row per variant, for slides and the report. Drawn
//! with plotters and the embedded font, like every chart.

use std::path::Path;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::chart::map::{Bounds, Frame, position, project};
use crate::chart::style::{self, FAINT, INK, MUTED};
use crate::model::EventKind;
use crate::results::manifest::geography;
use crate::results::trace::{CellStory, Trace, divergences, stories};
use crate::scenario::Scenario;

/// Width of the strip, in pixels.
const WIDTH: u32 = 1600;
/// Height of one variant's row of maps.
const ROW: u32 = 330;
/// Maps per row.
const PANELS: usize = 4;
const TRANSIT: RGBColor = RGBColor(230, 159, 0);
const ESTABLISHED: RGBColor = RGBColor(178, 24, 43);
const DIVERGED: RGBColor = RGBColor(204, 0, 204);

/// Draws the strip into `dir/trace.png` and `dir/trace.svg`.
pub(crate) fn draw(dir: &Path, trace: &Trace, s: &Scenario) -> Result<(), crate::Error> {
    style::register_fonts()?;
    let strip = Strip { trace, scenario: s };
    super::write_png_and_svg(&strip, dir, "trace").map(|_| ())
}

/// The still of a traced trial: a row of map panels per variant.
struct Strip<'a> {
    trace: &'a Trace,
    scenario: &'a Scenario,
}

impl super::Figure for Strip<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, 70 + ROW * self.trace.variants.len() as u32 + 40)
    }

    fn draw_on<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), crate::Error> {
        strip(root, self.trace, self.scenario)
    }
}

/// The recorded weeks shown: a quarter, a half, three quarters and the
/// end of the horizon.
pub(crate) fn weeks(trace: &Trace) -> [u32; PANELS] {
    let w = trace.weeks;
    [w / 4, w / 2, 3 * w / 4, w].map(|x| x.saturating_sub(1))
}

fn strip<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    trace: &Trace,
    s: &Scenario,
) -> Result<(), crate::Error> {
    root.fill(&WHITE)?;
    root.draw_text(
        &format!("{}: trial {}, cells at four weeks", s.name, trace.trial),
        &style::bold(26.0, &INK),
        (24, 16),
    )?;
    let (_, height) = root.dim_in_pixel();
    root.draw_text(
        &format!(
            "dots: cells (orange in transit, red established{}); big circles: regions (blue member, green partner, grey other, vermilion source) · seed {}",
            if trace.variants.len() > 1 { ", magenta ring: path differs from the other policy" } else { "" },
            s.seed
        ),
        &style::anchored(style::text(16.0, &MUTED), HPos::Left, VPos::Center),
        (24, height as i32 - 20),
    )?;
    let (_, regions, _) = geography(s);
    let places = layout(&regions);
    let all: Vec<Vec<CellStory>> = trace.variants.iter().map(stories).collect();
    for (i, cells) in all.iter().enumerate() {
        let other = if i == 0 { all.get(1) } else { all.first() };
        let parted = other.map(|o| divergences(o, cells)).unwrap_or_default();
        for (j, week) in weeks(trace).into_iter().enumerate() {
            let panel = Panel {
                x: 24 + j as i32 * (WIDTH as i32 - 48) / PANELS as i32,
                y: 70 + i as i32 * ROW as i32,
                w: (WIDTH as i32 - 48) / PANELS as i32 - 12,
                h: ROW as i32 - 12,
            };
            let run_week = week + trace.warmup;
            let attacks = cells
                .iter()
                .flat_map(|c| &c.events)
                .filter(|e| {
                    e.kind == EventKind::Attacked
                        && e.run_week >= trace.warmup
                        && e.run_week <= run_week
                })
                .count();
            let title = format!(
                "{} · week {week} · {attacks} {} so far",
                trace.variants[i].name,
                if attacks == 1 { "attack" } else { "attacks" }
            );
            let diverged = |c: &CellStory| parted.get(&c.key).is_some_and(|&w| w <= run_week);
            map(root, s, &places, &panel, &title, cells, run_week, &diverged)?;
        }
    }
    Ok(())
}

/// A panel's box, in pixels.
struct Panel {
    x: i32,
    y: i32,
    w: i32,
    h: i32,
}

impl Panel {
    /// A point of the page's map (see [`MAP`]) in this panel, below its
    /// title line.
    fn at(&self, (x, y): (i32, i32)) -> (i32, i32) {
        let (mw, mh) = (MAP.width + 2 * MAP.left, MAP.height + 2 * MAP.top);
        let scale = f64::from(self.w).min(f64::from(self.h - 26) * f64::from(mw) / f64::from(mh))
            / f64::from(mw);
        (
            self.x + (f64::from(x) * scale).round() as i32,
            self.y + 26 + (f64::from(y) * scale).round() as i32,
        )
    }
}

#[allow(clippy::too_many_arguments)] // one panel's parts, each used once
fn map<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &Scenario,
    places: &[(i32, i32)],
    p: &Panel,
    title: &str,
    cells: &[CellStory],
    run_week: u32,
    diverged: &dyn Fn(&CellStory) -> bool,
) -> Result<(), crate::Error> {
    root.draw(&Rectangle::new(
        [(p.x, p.y + 24), (p.x + p.w, p.y + p.h)],
        FAINT.stroke_width(1),
    ))?;
    root.draw_text(title, &style::bold(16.0, &INK), (p.x, p.y))?;
    for b in s.borders.iter() {
        let (a, z) = (p.at(places[b.a]), p.at(places[b.b]));
        if b.is_segment() {
            root.draw(&PathElement::new(vec![a, z], MUTED.stroke_width(2)))?;
        } else {
            root.draw(&DashedPathElement::new(
                vec![a, z],
                5,
                3,
                FAINT.stroke_width(1),
            ))?;
        }
    }
    for (r, region) in s.regions.iter().enumerate() {
        let role = s.states[region.state].role.as_str();
        let colour = style::role_colour(role, region.new_cells > 0.0);
        root.draw(&Circle::new(p.at(places[r]), 7, colour.filled()))?;
        root.draw(&Circle::new(p.at(places[r]), 7, INK.stroke_width(1)))?;
    }
    let mut crowd = vec![0u32; s.regions.len()];
    for c in cells {
        let Some((region, established)) = c.at(run_week) else {
            continue;
        };
        let n = crowd[region as usize];
        crowd[region as usize] += 1;
        let (x, y) = p.at(places[region as usize]);
        let angle = f64::from(n) * 2.399_96;
        let d = 11.0 + f64::from(n).sqrt().floor() * 4.0;
        let at = (
            x + (d * angle.cos()).round() as i32,
            y + (d * angle.sin()).round() as i32,
        );
        let fill = if established { ESTABLISHED } else { TRANSIT };
        root.draw(&Circle::new(at, 4, fill.filled()))?;
        let ring = if diverged(c) {
            DIVERGED.stroke_width(2)
        } else {
            INK.stroke_width(1)
        };
        root.draw(&Circle::new(at, 4, ring))?;
    }
    Ok(())
}

/// Size of each map of the trace page (`trace.html`), in SVG units; the
/// still's panels are drawn in the same frame.
pub(crate) const MAP: Frame = Frame {
    left: 20,
    top: 20,
    width: 760,
    height: 520,
};

/// Where each region goes on the map: at its coordinates when every
/// region has them, else evenly round a circle in file order.
pub(crate) fn layout(regions: &[crate::results::manifest::RegionEntry]) -> Vec<(i32, i32)> {
    match Bounds::of(regions).filter(|_| regions.iter().all(|r| position(r).is_some())) {
        Some(b) => regions
            .iter()
            .filter_map(position)
            .map(|(lon, lat)| project(lon, lat, &b, &MAP))
            .collect(),
        None => {
            let n = regions.len().max(1) as f64;
            let (cx, cy) = (
                f64::from(MAP.left + MAP.width / 2),
                f64::from(MAP.top + MAP.height / 2),
            );
            let r = f64::from(MAP.height) * 0.42;
            (0..regions.len())
                .map(|i| {
                    let a = std::f64::consts::TAU * i as f64 / n - std::f64::consts::FRAC_PI_2;
                    (
                        (cx + r * a.cos()).round() as i32,
                        (cy + r * a.sin()).round() as i32,
                    )
                })
                .collect()
        }
    }
}
