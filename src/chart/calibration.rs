//! Charts of a calibration folder (`cordon calibrate`): prior against
//! posterior per parameter, pairwise posterior scatter, observed counts
//! against the posterior predictive bands, and the tempering schedule.
//! Read from the folder's CSV files and manifest only ([`crate::results::calibration`]), so that
//! `cordon plot` can redraw them; each chart kind is one file, listed by
//! the private `Chart` enum.

mod axis;
mod marginals;
mod pairs;
mod predictive;
mod tempering;

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{self};
use super::{CHARTS, Figure};
use crate::results::calibration::Calibration;

pub(crate) use crate::results::calibration::is_calibration;

/// Posterior colour (Okabe–Ito blue).
const POSTERIOR: RGBColor = RGBColor(0, 114, 178);

/// Colour of intervals and of what falls outside them (Okabe–Ito
/// vermilion).
const ALERT: RGBColor = RGBColor(213, 94, 0);

/// Draws every calibration chart of `dir` into `dir/charts/` as PNG and
/// SVG and returns the paths written. With one parameter there is no
/// pairs chart.
pub(crate) fn draw_all(dir: &Path) -> Result<Vec<PathBuf>, crate::Error> {
    draw_all_on(dir, 1)
}

/// Like [`draw_all`], the charts drawn at the same time on `threads`
/// workers (each chart's PNG and its SVG a task of their own; the bytes
/// do not depend on it).
pub(crate) fn draw_all_on(dir: &Path, threads: usize) -> Result<Vec<PathBuf>, crate::Error> {
    style::register_fonts()?;
    let cal = Calibration::read(dir)?;
    let out = dir.join(CHARTS);
    std::fs::create_dir_all(&out).map_err(|source| crate::Error::Io {
        action: "create folder",
        path: out.clone(),
        source,
    })?;
    let figures: Vec<(CalibrationChart<'_>, String)> = charts(&cal)
        .into_iter()
        .map(|chart| {
            (
                CalibrationChart { cal: &cal, chart },
                chart.stem().to_string(),
            )
        })
        .collect();
    crate::engine::with_pool(threads, || {
        super::write_each_png_and_svg("charts", &figures, &out)
    })?
}

/// One calibration chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Chart {
    /// Prior and posterior of each parameter.
    Marginals,
    /// Pairwise posterior scatter (two or more parameters).
    Pairs,
    /// Observed counts against the posterior predictive bands.
    Predictive,
    /// Likelihood power, ESS and acceptance by generation.
    Tempering,
}

impl Chart {
    /// The file name, without extension.
    pub(crate) fn stem(self) -> &'static str {
        match self {
            Chart::Marginals => "calibration_marginals",
            Chart::Pairs => "calibration_pairs",
            Chart::Predictive => "calibration_predictive",
            Chart::Tempering => "calibration_tempering",
        }
    }

    fn draw<DB: DrawingBackend>(
        self,
        cal: &Calibration,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), crate::Error> {
        match self {
            Chart::Marginals => marginals::draw(root, cal),
            Chart::Pairs => pairs::draw(root, cal),
            Chart::Predictive => predictive::draw(root, cal),
            Chart::Tempering => tempering::draw(root, cal),
        }
    }
}

/// The charts a calibration gets: the pairs chart only with two or more
/// parameters, the predictive chart only with predictive rows.
pub(crate) fn charts(cal: &Calibration) -> Vec<Chart> {
    let mut list = vec![Chart::Marginals];
    if cal.parameters.len() > 1 {
        list.push(Chart::Pairs);
    }
    if !cal.predictive.is_empty() {
        list.push(Chart::Predictive);
    }
    list.push(Chart::Tempering);
    list
}

/// One chart of a calibration folder.
struct CalibrationChart<'a> {
    cal: &'a Calibration,
    chart: Chart,
}

impl Figure for CalibrationChart<'_> {
    fn draw_on<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), crate::Error> {
        self.chart.draw(self.cal, root)
    }
}

/// The caption of every calibration chart: "400 particles × 20 trials
/// each · 3 generations · seed 3".
fn caption(cal: &Calibration) -> String {
    let m = &cal.manifest;
    let generations = cal
        .generations
        .last()
        .map_or(m.generations, |g| g.generation);
    format!(
        "{} particles × {} trials each · {} generation{} · seed {}",
        m.settings.particles,
        m.trials_per_particle,
        generations,
        if generations == 1 { "" } else { "s" },
        m.seed
    )
}

/// Paints the background, the title (naming the scenario), the caption
/// and `note`, and returns the area left for the chart's body.
fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cal: &Calibration,
    title: &str,
    note: &str,
) -> Result<DrawingArea<DB, Shift>, crate::Error> {
    let heading = format!("{}: {title}", cal.manifest.scenario.name);
    style::frame_with(root, &heading, &caption(cal), note)
}

/// The note of a chart of the particles: `usual`, or a warning when the
/// sampler stopped before the likelihood reached full power.
fn particles_note(cal: &Calibration, usual: &str) -> String {
    if cal.manifest.converged {
        usual.to_string()
    } else {
        format!(
            "not yet the posterior: the sampler stopped at likelihood power {}",
            axis::value_label(cal.manifest.final_temperature)
        )
    }
}

/// Rows × columns for `n` panels: one row up to three, then as square as
/// possible.
fn layout(n: usize) -> (usize, usize) {
    if n <= 3 {
        (1, n.max(1))
    } else {
        style::grid(n)
    }
}

/// `text` cut with "…" to fit `width` pixels in `font` on `area`.
fn fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    font: &TextStyle<'_>,
    width: u32,
) -> Result<String, crate::Error> {
    let fits = |s: &str| -> Result<bool, crate::Error> {
        Ok(area.estimate_text_size(s, font)?.0 <= width)
    };
    if fits(text)? {
        return Ok(text.to_string());
    }
    let chars: Vec<char> = text.chars().collect();
    let (mut lo, mut hi) = (0, chars.len());
    // The longest prefix that fits with its ellipsis.
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let s: String = chars[..mid].iter().chain(['…'].iter()).collect();
        if fits(&s)? {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Ok(chars[..lo].iter().chain(['…'].iter()).collect())
}
