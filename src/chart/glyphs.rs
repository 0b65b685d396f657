//! Text on the PNG backend, each glyph rasterised once.
//!
//! plotters draws text on a bitmap glyph by glyph: it outlines the glyph
//! from the font at the text's size, rasterises the outline into coverage
//! values, and blends the text's colour at each covered pixel with that
//! coverage as alpha. A glyph is placed at a whole-pixel offset, so its
//! coverage depends only on the font, the size and the character; yet
//! plotters works it out afresh for every character of every label, and
//! that was three quarters of the time a chart's PNG took (a sweep's
//! chart, about 6 ms, drawn after every trial had finished).
//!
//! [`draw_text`] follows plotters' own text drawing step for step (the
//! backend's `draw_text`, the text style's colour mix, the `ab_glyph` font
//! data's layout of kerning and advances; plotters 0.3.7, MIT licence) and
//! blends the same pixels with the same colours in the same order, but
//! takes each glyph's coverage from a per-thread cache. So the pixels are
//! the same to the byte (tested against plotters' own text).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, ScaleFont};
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{BackendTextStyle, DrawingErrorKind, FontStyle};
use plotters_bitmap::BitMapBackendError;

type Failure = DrawingErrorKind<BitMapBackendError>;

/// A glyph rasterised at one size: the top of its pixel bounds, and its
/// coverage as the rasteriser gives it (column, row within the bounds,
/// coverage), in the rasteriser's order.
struct Glyph {
    top: f32,
    coverage: Vec<(u32, u32, f32)>,
}

/// Glyphs by (bold, the size's bits as `f32`, character); `None` for one
/// with no outline (a space).
type Glyphs = HashMap<(bool, u32, char), Option<Rc<Glyph>>>;

thread_local! {
    static GLYPHS: RefCell<Glyphs> = RefCell::new(HashMap::new());
}

/// The embedded font, regular or bold, as plotters reads it.
fn font(bold: bool) -> Option<&'static FontRef<'static>> {
    static FONTS: OnceLock<Option<[FontRef<'static>; 2]>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let regular = FontRef::try_from_slice(super::style::REGULAR).ok()?;
            let bold = FontRef::try_from_slice(super::style::BOLD).ok()?;
            Some([regular, bold])
        })
        .as_ref()
        .map(|f| &f[usize::from(bold)])
}

/// Draws `text` as plotters' bitmap backend would, with the glyphs'
/// coverage cached: the same pixels. `None` for text in a family other
/// than the embedded font's (drawn by plotters then).
pub(super) fn draw_text<T: BackendTextStyle>(
    backend: &mut BitMapBackend<'_>,
    text: &str,
    style: &T,
    pos: (i32, i32),
) -> Option<Result<(), Failure>> {
    if style.family().as_str() != super::style::FAMILY {
        return None;
    }
    // plotters falls back to the regular face for a style it was not
    // given (only regular and bold are registered).
    let bold = matches!(style.style(), FontStyle::Bold);
    let font = font(bold)?;
    Some(draw(backend, font, bold, text, style, pos))
}

/// plotters-backend's `DrawingBackend::draw_text`, with the text style's
/// `draw` and the font data's `draw` written into it.
fn draw<T: BackendTextStyle>(
    backend: &mut BitMapBackend<'_>,
    font: &FontRef<'static>,
    bold: bool,
    text: &str,
    style: &T,
    pos: (i32, i32),
) -> Result<(), Failure> {
    let color = style.color();
    if color.alpha == 0.0 {
        return Ok(());
    }
    let ((min_x, min_y), (max_x, max_y)) = style
        .layout_box(text)
        .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
    let (width, height) = (max_x - min_x, max_y - min_y);
    let dx = match style.anchor().h_pos {
        HPos::Left => 0,
        HPos::Right => -width,
        HPos::Center => -width / 2,
    };
    let dy = match style.anchor().v_pos {
        VPos::Top => 0,
        VPos::Center => -height / 2,
        VPos::Bottom => -height,
    };
    let trans = style.transform();
    let (w, h) = backend.get_size();
    let size = style.size();
    let scaled = font.as_scaled(size as f32);
    let mut x_shift = 0f32;
    let mut prev = None;
    for c in text.chars() {
        if let Some(pc) = prev {
            x_shift += scaled.kern(scaled.glyph_id(pc), scaled.glyph_id(c));
        }
        prev = Some(c);
        if let Some(glyph) = glyph(font, bold, size, c) {
            let y_shift = ((size as f32) / 2.0 + glyph.top) as i32;
            let x_shift = x_shift as i32;
            for &(x, y, a) in &glyph.coverage {
                let (x, y) = (x as i32 + x_shift, y as i32 + y_shift);
                let (x, y) = trans.transform(x + dx - min_x, y + dy - min_y);
                let (x, y) = (pos.0 + x, pos.1 + y);
                if x >= 0 && x < w as i32 && y >= 0 && y < h as i32 {
                    backend.draw_pixel((x, y), color.mix(f64::from(a)))?;
                }
            }
        }
        x_shift += scaled.h_advance(scaled.glyph_id(c));
    }
    Ok(())
}

/// Character `c` at `size`, rasterised the first time it is asked for on
/// this thread.
fn glyph(font: &FontRef<'static>, bold: bool, size: f64, c: char) -> Option<Rc<Glyph>> {
    let key = (bold, (size as f32).to_bits(), c);
    GLYPHS.with(|glyphs| {
        glyphs
            .borrow_mut()
            .entry(key)
            .or_insert_with(|| {
                let scaled = font.as_scaled(size as f32);
                let outline = scaled.outline_glyph(scaled.scaled_glyph(c))?;
                let mut coverage = Vec::new();
                outline.draw(|x, y, a| coverage.push((x, y, a)));
                Some(Rc::new(Glyph {
                    top: outline.px_bounds().min.y,
                    coverage,
                }))
            })
            .clone()
    })
}

#[cfg(test)]
mod tests {
    use super::super::bitmap::Bitmap;
    use super::super::style;
    use super::*;
    use plotters::coord::Shift;
    use plotters::style::FontTransform;

    const SIZE: (u32, u32) = (360, 240);

    /// Labels of every kind a chart has: regular and bold, several sizes,
    /// every anchor, turned a quarter, kerned pairs, symbols, spaces, text
    /// running off the canvas and translucent text; then a whole chart
    /// with plotters' own axis labels and caption.
    fn labels<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>) {
        root.fill(&WHITE).unwrap();
        let ink = RGBColor(34, 34, 34);
        let lines = [
            "AVAST To Wa: attacks × 1,000 · σ = 0.5",
            "P(any attack) – 95% interval, μ ≥ 0.25",
            "TJK→KGZ ‘pass’ 12.5 km",
        ];
        for (i, line) in lines.iter().enumerate() {
            let y = 10 + 28 * i as i32;
            root.draw_text(line, &style::text(11.0 + 3.0 * i as f64, &ink), (4, y))
                .unwrap();
            root.draw_text(line, &style::bold(13.0, &ink), (200, y + 12))
                .unwrap();
        }
        for (k, (h, v)) in [
            (HPos::Left, VPos::Top),
            (HPos::Center, VPos::Center),
            (HPos::Right, VPos::Bottom),
        ]
        .into_iter()
        .enumerate()
        {
            let at = (120 * k as i32 + 60, 120);
            root.draw_text(
                "anchored Ay",
                &style::anchored(style::text(15.0, &ink), h, v),
                at,
            )
            .unwrap();
        }
        let turned = style::text(14.0, &ink).transform(FontTransform::Rotate270);
        root.draw_text("turned: weeks", &turned, (14, 230)).unwrap();
        root.draw_text("off the edge", &style::bold(20.0, &ink), (300, 228))
            .unwrap();
        let blue = BLUE.mix(0.4);
        let faint = style::text(16.0, &RGBColor(0, 114, 178)).color(&blue);
        root.draw_text("translucent", &faint, (150, 150)).unwrap();
        let area = root.margin(150, 5, 5, 5);
        let mut chart = ChartBuilder::on(&area)
            .caption("A caption", style::text(12.0, &ink))
            .x_label_area_size(20)
            .y_label_area_size(30)
            .build_cartesian_2d(0.0..10.0, 0.0..1.0)
            .unwrap();
        chart
            .configure_mesh()
            .x_desc("weeks")
            .y_desc("share")
            .draw()
            .unwrap();
    }

    #[test]
    fn text_is_plotters_own_to_the_byte() {
        style::register_fonts().expect("the embedded font");
        let mut plain = vec![0u8; (SIZE.0 * SIZE.1 * 3) as usize];
        let mut cached = plain.clone();
        labels(&BitMapBackend::with_buffer(&mut plain, SIZE).into_drawing_area());
        GLYPHS.with(|g| g.borrow_mut().clear());
        labels(&Bitmap(BitMapBackend::with_buffer(&mut cached, SIZE)).into_drawing_area());
        let glyphs = GLYPHS.with(|g| g.borrow().len());
        assert!(
            glyphs > 40,
            "the text went through the cache ({glyphs} glyphs)"
        );
        // Twice: the second time every glyph comes from the cache.
        let mut again = vec![0u8; plain.len()];
        labels(&Bitmap(BitMapBackend::with_buffer(&mut again, SIZE)).into_drawing_area());
        assert_eq!(GLYPHS.with(|g| g.borrow().len()), glyphs);
        let differ = plain.iter().zip(&cached).filter(|(p, c)| p != c).count();
        assert_eq!(differ, 0, "bytes that differ from plotters' text");
        assert_eq!(cached, again);
        let inked = plain.iter().filter(|&&b| b != 255).count();
        assert!(inked > 5_000, "the labels drew ({inked} bytes)");
    }
}
