//! Text on the PNG backend, each glyph rasterised once and placed where
//! the font puts it.
//!
//! plotters draws text on a bitmap glyph by glyph: it outlines the glyph
//! from the font at the text's size, rasterises the outline into coverage
//! values over the glyph's pixel bounds, and blends the text's colour at
//! each covered pixel with that coverage as alpha. Two things about it:
//!
//! * it works each glyph's coverage out afresh for every character of
//!   every label, which was three quarters of the time a chart's PNG took
//!   (a sweep's chart, about 6 ms, drawn after every trial had finished),
//!   although a glyph rasterised at the origin depends only on the face,
//!   the size and the character;
//! * it puts the left edge of a glyph's pixel bounds at the pen position,
//!   dropping the glyph's left side bearing, and truncates the pen
//!   position to a whole pixel: letters with different bearings sit
//!   unevenly ("baseli ne").
//!
//! [`draw_text`] follows plotters' own text drawing otherwise step for
//! step (the backend's anchor and transform, the text style's colour
//! mix, the `ab_glyph` font data's kerning and advances, its vertical
//! placement; plotters 0.3.7, MIT licence), takes each glyph's coverage
//! from a per-thread cache, and puts the glyph's pixel bounds at the pen
//! position rounded to a whole pixel plus their left edge, where the font
//! puts them. A one-glyph label is plotters' own drawing moved right by
//! the glyph's bearing, and a longer one the same glyphs placed at the
//! font's advances, to the byte (tested).

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

/// A glyph rasterised at one size: the left and top of its pixel bounds,
/// and its coverage as the rasteriser gives it (column, row within the
/// bounds, coverage), in the rasteriser's order.
struct Glyph {
    left: f32,
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
        // Each character's glyph looked up in the font once.
        let id = scaled.glyph_id(c);
        if let Some(prev) = prev {
            x_shift += scaled.kern(prev, id);
        }
        prev = Some(id);
        if let Some(glyph) = glyph(font, bold, size, c) {
            let y_shift = ((size as f32) / 2.0 + glyph.top) as i32;
            let x_shift = x_shift.round() as i32 + glyph.left as i32;
            for &(x, y, a) in &glyph.coverage {
                let (x, y) = (x as i32 + x_shift, y as i32 + y_shift);
                let (x, y) = trans.transform(x + dx - min_x, y + dy - min_y);
                let (x, y) = (pos.0 + x, pos.1 + y);
                if x >= 0 && x < w as i32 && y >= 0 && y < h as i32 {
                    backend.draw_pixel((x, y), color.mix(f64::from(a)))?;
                }
            }
        }
        x_shift += scaled.h_advance(id);
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
                    left: outline.px_bounds().min.x,
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
    const INK: RGBColor = RGBColor(34, 34, 34);

    /// A white canvas with `draw` done on it by the PNG backend.
    fn ours(draw: impl Fn(&DrawingArea<Bitmap<'_>, Shift>)) -> Vec<u8> {
        let mut pixels = vec![0u8; (SIZE.0 * SIZE.1 * 3) as usize];
        let root = Bitmap(BitMapBackend::with_buffer(&mut pixels, SIZE)).into_drawing_area();
        root.fill(&WHITE).unwrap();
        draw(&root);
        root.present().unwrap();
        drop(root);
        pixels
    }

    /// The same by plotters' own bitmap backend.
    fn plotters(draw: impl Fn(&DrawingArea<BitMapBackend<'_>, Shift>)) -> Vec<u8> {
        let mut pixels = vec![0u8; (SIZE.0 * SIZE.1 * 3) as usize];
        let root = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
        root.fill(&WHITE).unwrap();
        draw(&root);
        root.present().unwrap();
        drop(root);
        pixels
    }

    /// `text` at `pos`.
    fn put<DB: DrawingBackend>(
        root: &DrawingArea<DB, Shift>,
        text: &str,
        st: &TextStyle<'_>,
        pos: (i32, i32),
    ) {
        root.draw_text(text, st, pos).unwrap();
    }

    /// Text in the regular or bold face at `size`, in ink.
    fn styled(bold: bool, size: f64) -> TextStyle<'static> {
        if bold {
            style::bold(size, &INK)
        } else {
            style::text(size, &INK)
        }
    }

    /// Bytes in which two canvases differ.
    fn differing(a: &[u8], b: &[u8]) -> usize {
        a.iter().zip(b).filter(|(x, y)| x != y).count()
    }

    /// The metrics plotters' font data uses: the regular or bold face at
    /// `size`.
    fn face(bold: bool, size: f64) -> ab_glyph::PxScaleFont<&'static FontRef<'static>> {
        font(bold)
            .expect("the embedded font")
            .as_scaled(size as f32)
    }

    /// The left edge of `c`'s pixel bounds at `size`, from the pen.
    fn bearing(bold: bool, size: f64, c: char) -> i32 {
        let f = face(bold, size);
        f.outline_glyph(f.scaled_glyph(c))
            .map_or(0, |o| o.px_bounds().min.x as i32)
    }

    /// Every glyph alone is plotters' own drawing of it moved right by its
    /// bearing: the same coverage, colour and rows.
    #[test]
    fn a_glyph_is_plotters_own_moved_by_its_bearing() {
        style::register_fonts().expect("the embedded font");
        let translucent = BLUE.mix(0.4);
        for (bold, size) in [(false, 11.0), (false, 14.0), (true, 13.0), (false, 24.0)] {
            let st = styled(bold, size);
            for st in [st.clone(), st.color(&translucent)] {
                for c in "AVTWaeilnr0125,.:(×–σμ≥→‘".chars() {
                    let text = c.to_string();
                    let moved = bearing(bold, size, c);
                    let mine = ours(|root| put(root, &text, &st, (40, 30)));
                    let theirs = plotters(|root| put(root, &text, &st, (40 + moved, 30)));
                    let differ = differing(&mine, &theirs);
                    assert_eq!(differ, 0, "{c:?} at {size} px, bold {bold}");
                    assert!(mine.iter().any(|&b| b != 255), "{c:?} drew");
                }
            }
        }
    }

    /// A label is its glyphs, each where the font's advances and kerning
    /// put the pen (rounded) plus its bearing, drawn in order; anchors and
    /// text off the canvas as plotters has them.
    #[test]
    fn a_label_is_its_glyphs_at_the_fonts_advances() {
        style::register_fonts().expect("the embedded font");
        for (bold, size, text) in [
            (false, 13.0, "baseline allocation"),
            (true, 15.0, "AVAST To Wa: σ = 0.5 ×"),
            (false, 11.0, "elite (kept to steer)"),
        ] {
            let st = styled(bold, size);
            let f = face(bold, size);
            for at in [(10, 20), (300, 200)] {
                let mine = ours(|root| put(root, text, &st, at));
                let glyphs = plotters(|root| {
                    let mut pen = 0f32;
                    let mut prev = None;
                    for c in text.chars() {
                        if let Some(p) = prev {
                            pen += f.kern(f.glyph_id(p), f.glyph_id(c));
                        }
                        prev = Some(c);
                        let x = at.0 + pen.round() as i32 + bearing(bold, size, c);
                        put(root, &c.to_string(), &st, (x, at.1));
                        pen += f.h_advance(f.glyph_id(c));
                    }
                });
                assert_eq!(differing(&mine, &glyphs), 0, "{text:?} at {at:?}");
            }
            // Centred on a point: the same as placed at its top left, the
            // layout's half width and height up and left of it.
            let (w, h) = {
                let ((x0, y0), (x1, y1)) = st.layout_box(text).expect("a layout");
                (x1 - x0, y1 - y0)
            };
            let centred = style::anchored(st.clone(), HPos::Center, VPos::Center);
            let mine = ours(|root| put(root, text, &centred, (180, 120)));
            let placed = ours(|root| put(root, text, &st, (180 - w / 2, 120 - h / 2)));
            assert_eq!(differing(&mine, &placed), 0, "{text:?} centred");
        }
    }

    /// Labels of every kind, drawn twice: the second time every glyph comes
    /// from the cache, and turned text and whole charts (plotters' own axis
    /// labels and caption) go through it too.
    #[test]
    fn text_drawn_from_the_cache_is_the_text_drawn_afresh() {
        style::register_fonts().expect("the embedded font");
        let labels = |root: &DrawingArea<Bitmap<'_>, Shift>| {
            for (i, line) in [
                "AVAST To Wa: attacks × 1,000",
                "P(any attack) – 95%, μ ≥ 0.25",
            ]
            .iter()
            .enumerate()
            {
                let y = 10 + 28 * i as i32;
                root.draw_text(line, &style::text(11.0 + 3.0 * i as f64, &INK), (4, y))
                    .unwrap();
            }
            let turned = style::text(14.0, &INK).transform(FontTransform::Rotate270);
            root.draw_text("turned: weeks", &turned, (14, 230)).unwrap();
            let area = root.margin(80, 5, 5, 40);
            let mut chart = ChartBuilder::on(&area)
                .caption("A caption", style::text(12.0, &INK))
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
        };
        GLYPHS.with(|g| g.borrow_mut().clear());
        let afresh = ours(labels);
        let glyphs = GLYPHS.with(|g| g.borrow().len());
        assert!(
            glyphs > 30,
            "the text went through the cache ({glyphs} glyphs)"
        );
        let cached = ours(labels);
        assert_eq!(GLYPHS.with(|g| g.borrow().len()), glyphs);
        assert_eq!(differing(&afresh, &cached), 0);
        let inked = afresh.iter().filter(|&&b| b != 255).count();
        assert!(inked > 3_000, "the labels drew ({inked} bytes)");
    }
}
