//! Charts: the pictures analysts read instead of tables.
//!
//! [`draw_all`] reads a result folder (its CSV files and `manifest.json`,
//! nothing else) and writes every chart into its `charts/` folder as PNG and
//! SVG, from the same drawing code. Each chart kind lives in its own file;
//! the private `Chart` enum lists them, so adding one is a new file and a
//! `match` arm.

mod bitmap;
pub(crate) mod calibration;
mod distributions;
mod fan;
mod forest;
mod glyphs;
pub mod map;
mod p_attack;
pub(crate) mod search;
pub(crate) mod sensitivity;
mod states;
pub mod style;
pub(crate) mod sweep;
pub(crate) mod trace;

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;

use crate::results::read::RunData;

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for crate::Error {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        crate::Error::Draw(e.to_string())
    }
}

/// The folder, inside a result folder, that charts go to.
pub const CHARTS: &str = "charts";

/// Draws every chart of the result folder `run_dir` into `run_dir/charts/`
/// as PNG and SVG, for the baseline and `variants` (all when empty), and
/// returns the paths written.
pub fn draw_all(run_dir: &Path, variants: &[String]) -> Result<Vec<PathBuf>, crate::Error> {
    draw_all_on(run_dir, variants, 1)
}

/// Like [`draw_all`], the charts drawn at the same time on `threads`
/// workers (each chart's PNG and SVG by one of them; the bytes do not
/// depend on it). On failure the first chart, in the usual order, that
/// could not be drawn is named; the others are still drawn.
pub fn draw_all_on(
    run_dir: &Path,
    variants: &[String],
    threads: usize,
) -> Result<Vec<PathBuf>, crate::Error> {
    style::register_fonts()?;
    let clock = std::time::Instant::now();
    let run = RunData::read_on(run_dir, variants, threads)?;
    crate::engine::timing("read", clock);
    let out = run_dir.join(CHARTS);
    std::fs::create_dir_all(&out).map_err(|source| crate::Error::Io {
        action: "create folder",
        path: out.clone(),
        source,
    })?;
    let list = charts(&run);
    let (run, out) = (&run, out.as_path());
    // A chart's PNG and its SVG are tasks of their own: the longest chart
    // is what the other workers wait for.
    let tasks: Vec<crate::engine::Task<'_, _>> = list
        .iter()
        .flat_map(|chart| [(chart, Format::Png), (chart, Format::Svg)])
        .map(|(chart, format)| -> crate::engine::Task<'_, _> {
            Box::new(move || write_as(&RunChart { run, chart }, out, &chart.stem(run), format))
        })
        .collect();
    pairs_written(crate::engine::in_parallel(threads, tasks)?)
}

/// The files of charts drawn as a PNG and an SVG each (`drawn` holds
/// them in pairs, in chart order): all of them, or the first failure in
/// that order. A chart one of whose files failed leaves neither.
pub(crate) fn pairs_written(
    drawn: Vec<Result<PathBuf, crate::Error>>,
) -> Result<Vec<PathBuf>, crate::Error> {
    let mut drawn = drawn.into_iter();
    let mut written = Vec::new();
    let mut failed = None;
    while let (Some(png), Some(svg)) = (drawn.next(), drawn.next()) {
        match (png, svg) {
            (Ok(png), Ok(svg)) => written.extend([png, svg]),
            (png, svg) => {
                for path in [&png, &svg].into_iter().filter_map(|p| p.as_ref().ok()) {
                    let _ = std::fs::remove_file(path);
                }
                failed = failed.or(png.err()).or(svg.err());
            }
        }
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(written),
    }
}

/// One chart to draw.
#[derive(Debug, Clone, PartialEq)]
enum Chart {
    /// Median and bands over weeks of a weekly metric, one panel per variant.
    Fan(&'static fan::FanMetric),
    /// Probability of at least one attack by week.
    ProbabilityOfAttack,
    /// Paired differences from the baseline.
    Forest,
    /// Distribution over trials of a per-trial total.
    Distribution(&'static distributions::DrawnTotal),
    /// The frontier under one variant (index into the variants drawn).
    Map(usize),
    /// One metric by member state.
    States(&'static states::StateMetric),
}

impl Chart {
    /// The file name, without extension.
    fn stem(&self, run: &RunData) -> String {
        match self {
            Chart::Fan(m) => format!("fan_{}", m.key),
            Chart::ProbabilityOfAttack => "p_attack".into(),
            Chart::Forest => "forest".into(),
            Chart::Distribution(o) => format!("distribution_{}", o.key),
            Chart::Map(v) => format!("map_{}", file_safe(&run.variants[*v].name)),
            Chart::States(m) => format!("states_{}", m.key),
        }
    }

    fn draw<DB: DrawingBackend>(
        &self,
        run: &RunData,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), crate::Error> {
        match self {
            Chart::Fan(m) => fan::draw(root, run, m),
            Chart::ProbabilityOfAttack => p_attack::draw(root, run),
            Chart::Forest => forest::draw(root, run),
            Chart::Distribution(o) => distributions::draw(root, run, o),
            Chart::Map(v) => map::draw(root, run, &run.variants[*v]),
            Chart::States(m) => states::draw(root, run, m),
        }
    }
}

/// The charts a run gets: the forest plot only when a variant ran besides
/// the baseline, maps only when regions have coordinates, per-state bars
/// only when there are member states.
fn charts(run: &RunData) -> Vec<Chart> {
    let mut list: Vec<Chart> = fan::METRICS.iter().map(Chart::Fan).collect();
    list.push(Chart::ProbabilityOfAttack);
    if run.variants.len() > 1 {
        list.push(Chart::Forest);
    }
    list.extend(distributions::OUTCOMES.iter().map(Chart::Distribution));
    if map::Bounds::of(&run.manifest.regions).is_some() {
        list.extend((0..run.variants.len()).map(Chart::Map));
    }
    if run.manifest.states.iter().any(|s| s.role == "member") {
        list.extend(states::METRICS.iter().map(Chart::States));
    }
    list
}

/// A chart that can be drawn on any backend: the one thing each chart
/// kind supplies to [`write_png_and_svg`].
pub(crate) trait Figure {
    /// Draws the chart on `root` (the caller presents it).
    fn draw_on<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), crate::Error>;

    /// Its size in pixels (SVG units).
    fn size(&self) -> (u32, u32) {
        style::SIZE
    }
}

/// Draws `figure` twice, as `STEM.png` and `STEM.svg`, into `out`; on
/// failure neither file is left.
pub(crate) fn write_png_and_svg(
    figure: &impl Figure,
    out: &Path,
    stem: &str,
) -> Result<[PathBuf; 2], crate::Error> {
    let png = write_as(figure, out, stem, Format::Png)?;
    match write_as(figure, out, stem, Format::Svg) {
        Ok(svg) => Ok([png, svg]),
        Err(e) => {
            let _ = std::fs::remove_file(&png);
            Err(e)
        }
    }
}

/// Draws each of `figures` (a figure and its file stem) as `STEM.png`
/// and `STEM.svg` into `out`, every file a task of one parallel step named
/// `step` in the current pool ([`crate::engine::with_pool`]): a figure's
/// two files are drawn at the same time, so the step lasts as long as its
/// longest file rather than its longest figure. The files written, or the
/// first failure ([`pairs_written`]: a figure one of whose files failed
/// leaves neither).
pub(crate) fn write_each_png_and_svg<F: Figure + Sync>(
    step: &str,
    figures: &[(F, String)],
    out: &Path,
) -> Result<Vec<PathBuf>, crate::Error> {
    pairs_written(each_file(step, figures, |figure, stem, format| {
        write_as(figure, out, stem, format)
    }))
}

/// `file` of each of `figures`' PNG and SVG, in pairs in figure order,
/// every file a task of one parallel step named `step` in the current
/// pool.
fn each_file<'a, F: Figure + Sync, T: Send>(
    step: &str,
    figures: &'a [(F, String)],
    file: impl Fn(&'a F, &'a str, Format) -> T + Sync + Send,
) -> Vec<T> {
    let files: Vec<(&(F, String), Format)> = figures
        .iter()
        .flat_map(|f| [(f, Format::Png), (f, Format::Svg)])
        .collect();
    crate::engine::par_map_step(step, &files, |&((figure, stem), format)| {
        file(figure, stem, format)
    })
}

/// The two files each chart is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Png,
    Svg,
}

/// Draws `figure` as `STEM.png` or `STEM.svg` into `out`; on failure the
/// file is not left, and the error names the chart.
pub(crate) fn write_as(
    figure: &impl Figure,
    out: &Path,
    stem: &str,
    format: Format,
) -> Result<PathBuf, crate::Error> {
    draw_as(figure, stem, format)?.write_into(out)
}

/// A chart's file drawn in memory: its name in the result folder and its
/// bytes, to be written once the folder is there ([`write_drawn`]).
#[derive(Debug)]
pub(crate) struct Drawn {
    name: String,
    bytes: Vec<u8>,
}

impl Drawn {
    /// Writes the file into `out`; on failure it is not left.
    fn write_into(self, out: &Path) -> Result<PathBuf, crate::Error> {
        let path = out.join(&self.name);
        match std::fs::write(&path, &self.bytes) {
            Ok(()) => Ok(path),
            Err(source) => {
                let _ = std::fs::remove_file(&path);
                Err(crate::Error::Io {
                    action: "write",
                    path,
                    source,
                })
            }
        }
    }
}

/// Draws `figure` as `STEM.png` or `STEM.svg` in memory; the error names
/// the chart.
pub(crate) fn draw_as(
    figure: &impl Figure,
    stem: &str,
    format: Format,
) -> Result<Drawn, crate::Error> {
    let drawn = match format {
        Format::Png => png_bytes(figure).map(|bytes| Drawn {
            name: format!("{stem}.png"),
            bytes,
        }),
        Format::Svg => {
            let mut text = String::new();
            present(
                figure,
                SVGBackend::with_string(&mut text, figure.size()).into_drawing_area(),
            )
            .map(|()| Drawn {
                name: format!("{stem}.svg"),
                bytes: text.into_bytes(),
            })
        }
    };
    drawn.map_err(|e| match e {
        crate::Error::Draw(m) => crate::Error::Draw(format!("{stem}: {m}")),
        other => other,
    })
}

/// Draws each of `figures` (a figure and its file stem) as `STEM.png` and
/// `STEM.svg` in memory, every file a task of one parallel step named
/// `step` in the current pool, as [`write_each_png_and_svg`] does: for
/// charts drawn while other work runs, before their folder is committed.
/// The files in pairs, in figure order, for [`write_drawn`].
pub(crate) fn draw_each_png_and_svg<F: Figure + Sync>(
    step: &str,
    figures: &[(F, String)],
) -> Vec<Result<Drawn, crate::Error>> {
    each_file(step, figures, draw_as)
}

/// Writes the files of [`draw_each_png_and_svg`] into `out`: all of
/// them, or the first failure in order ([`pairs_written`]: a figure one of
/// whose files failed leaves neither).
pub(crate) fn write_drawn(
    out: &Path,
    drawn: Vec<Result<Drawn, crate::Error>>,
) -> Result<Vec<PathBuf>, crate::Error> {
    pairs_written(
        drawn
            .into_iter()
            .map(|file| file.and_then(|f| f.write_into(out)))
            .collect(),
    )
}

/// `figure` drawn into memory and encoded as a PNG: plotters' own writer
/// filters each row five ways and keeps the best (about 1.4 ms of a
/// 1200 × 800 chart); the Paeth filter alone gives files within a few
/// percent of that size in half the time, and a chart is drawn after a
/// run's trials, where time is serial.
fn png_bytes(figure: &impl Figure) -> Result<Vec<u8>, crate::Error> {
    use image::ImageEncoder;
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    let (w, h) = figure.size();
    let mut pixels = vec![0u8; w as usize * h as usize * 3];
    present(
        figure,
        bitmap::Bitmap(BitMapBackend::with_buffer(&mut pixels, (w, h))).into_drawing_area(),
    )?;
    let mut png = Vec::with_capacity(pixels.len() / 16);
    PngEncoder::new_with_quality(&mut png, CompressionType::Fast, FilterType::Paeth)
        .write_image(&pixels, w, h, image::ColorType::Rgb8)
        .map_err(|e| crate::Error::Draw(format!("cannot encode the PNG: {e}")))?;
    Ok(png)
}

/// Draws `figure` on `root` and writes the file.
fn present<DB: DrawingBackend>(
    figure: &impl Figure,
    root: DrawingArea<DB, Shift>,
) -> Result<(), crate::Error> {
    figure.draw_on(&root)?;
    root.present()?;
    Ok(())
}

/// One chart of a run folder.
struct RunChart<'a> {
    run: &'a RunData,
    chart: &'a Chart,
}

impl Figure for RunChart<'_> {
    fn draw_on<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), crate::Error> {
        self.chart.draw(self.run, root)
    }
}

/// `name` with anything but letters, digits, `-` and `_` replaced by `_`.
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A small figure whose drawing fails from its `fail_from`-th call on
    /// (0: always; `usize::MAX`: never).
    struct Flaky {
        calls: AtomicUsize,
        fail_from: usize,
    }

    impl Figure for Flaky {
        fn draw_on<DB: DrawingBackend>(
            &self,
            root: &DrawingArea<DB, Shift>,
        ) -> Result<(), crate::Error> {
            if self.calls.fetch_add(1, Ordering::SeqCst) >= self.fail_from {
                return Err(crate::Error::Draw("refused on purpose".into()));
            }
            root.fill(&WHITE)
                .map_err(|e| crate::Error::Draw(e.to_string()))
        }

        fn size(&self) -> (u32, u32) {
            (40, 30)
        }
    }

    fn flaky(fail_from: usize) -> Flaky {
        Flaky {
            calls: AtomicUsize::new(0),
            fail_from,
        }
    }

    /// The names of the files in `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut left: Vec<String> = std::fs::read_dir(dir)
            .expect("the folder")
            .map(|f| {
                f.expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        left.sort();
        left
    }

    /// Figures drawn a file per task: both files of a figure that draws,
    /// neither of one whose PNG or SVG failed (whichever of the two ran
    /// second), and the failure, naming the chart, while the other
    /// figures' files stay.
    #[test]
    fn a_figure_with_a_failed_file_leaves_neither() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let figures = [
            (flaky(usize::MAX), "good".to_string()),
            (flaky(1), "half".to_string()),
            (flaky(0), "bad".to_string()),
        ];
        let drawn =
            crate::engine::with_pool(2, || write_each_png_and_svg("charts", &figures, dir.path()))
                .expect("a pool");
        let e = drawn.expect_err("two figures failed");
        assert!(e.to_string().contains("half: refused on purpose"), "{e}");
        assert_eq!(names(dir.path()), ["good.png", "good.svg"]);
        let good = [(flaky(usize::MAX), "again".to_string())];
        let written = write_each_png_and_svg("charts", &good, dir.path()).expect("drawn");
        assert_eq!(
            written,
            [dir.path().join("again.png"), dir.path().join("again.svg")]
        );
    }

    /// Figures drawn in memory touch no folder until written; then they
    /// are the bytes a figure drawn straight into a folder gives, and a
    /// figure one of whose files failed leaves neither, as above.
    #[test]
    fn figures_drawn_in_memory_are_written_later_as_the_same_files() {
        let later = tempfile::tempdir().expect("temporary folder");
        let straight = tempfile::tempdir().expect("temporary folder");
        let figures = [
            (flaky(usize::MAX), "good".to_string()),
            (flaky(1), "half".to_string()),
        ];
        let drawn = crate::engine::with_pool(2, || draw_each_png_and_svg("charts", &figures))
            .expect("a pool");
        assert_eq!(drawn.len(), 4, "a PNG and an SVG per figure");
        assert!(names(later.path()).is_empty(), "nothing written yet");
        let e = write_drawn(later.path(), drawn).expect_err("one figure failed");
        assert!(e.to_string().contains("half: refused on purpose"), "{e}");
        assert_eq!(names(later.path()), ["good.png", "good.svg"]);
        let good = [(flaky(usize::MAX), "good".to_string())];
        write_each_png_and_svg("charts", &good, straight.path()).expect("drawn");
        for name in ["good.png", "good.svg"] {
            let read = |dir: &Path| std::fs::read(dir.join(name)).expect("the file");
            assert_eq!(read(later.path()), read(straight.path()), "{name}");
        }
        let none = write_drawn(later.path(), Vec::new()).expect("nothing to write");
        assert!(none.is_empty());
    }
}
