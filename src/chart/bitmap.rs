//! The PNG backend: plotters' [`BitMapBackend`] with a faster fill for
//! translucent polygons that are wider than tall (the bands of the fan,
//! sweep and P(attack) charts).
//!
//! plotters fills such a polygon one pixel column at a time, and blends a
//! translucent one-pixel-wide column pixel by pixel: a sweep chart's nine
//! 95% bands took about 8 of its 10 ms, drawn on one thread after every
//! trial had finished. [`Bitmap::fill_polygon`] walks the same columns
//! with the same arithmetic (the scan below follows plotters'
//! `rasterizer::polygon::fill_polygon`, MIT licence), but blends the part
//! that a run of neighbouring columns has in common as one rectangle,
//! which plotters blends eight pixels at a time. Every pixel is blended
//! as many times as plotters blends it (once, or twice where two spans of
//! a column share it), with the same colour and alpha. plotters' two
//! blending paths round a darkening channel differently, so a pixel may
//! differ from plotters' own fill by one level in 255 for each blend;
//! brightening rounds the same on both, so on a black canvas the two
//! fills are the same to the byte (both tested). Everything
//! else (opaque polygons, those taller than wide, lines, text) is
//! plotters' own.

use plotters::prelude::*;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};
use plotters_bitmap::BitMapBackendError;

/// [`BitMapBackend`] with [`Bitmap::fill_polygon`] replaced.
pub(crate) struct Bitmap<'a>(pub(crate) BitMapBackend<'a>);

type Failure = DrawingErrorKind<BitMapBackendError>;

impl DrawingBackend for Bitmap<'_> {
    type ErrorType = BitMapBackendError;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Failure> {
        self.0.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Failure> {
        self.0.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Failure> {
        self.0.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Failure> {
        self.0.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Failure> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Failure> {
        self.0.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Failure> {
        self.0.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), Failure> {
        let vertices: Vec<BackendCoord> = vert.into_iter().collect();
        let color = style.color();
        let width = self.0.get_size().0 as i32;
        match columns(&vertices, width) {
            Some(spans) if color.alpha < 1.0 => blend_columns(&mut self.0, &spans, color),
            _ => self.0.fill_polygon(vertices, style),
        }
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), Failure> {
        match super::glyphs::draw_text(&mut self.0, text, style, pos) {
            Some(drawn) => drawn,
            None => self.0.draw_text(text, style, pos),
        }
    }

    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), Failure> {
        self.0.estimate_text_size(text, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), Failure> {
        self.0.blit_bitmap(pos, size, src)
    }
}

/// What plotters' fill draws in pixel column `x` for one pair of edges
/// crossing it at `from` <= `to`: the pixels from ceil(from) to floor(to)
/// at full alpha, and the two partly covered pixels at their share.
#[derive(Debug, Clone, Copy)]
struct Span {
    x: i32,
    from: f64,
    to: f64,
}

impl Span {
    /// The fully covered pixels, inclusive (empty when top > bottom).
    fn body(&self) -> (i32, i32) {
        (self.from.ceil() as i32, self.to.floor() as i32)
    }
}

/// An edge of the polygon as the column scan meets it (plotters' `Edge`
/// for a horizontal sweep).
#[derive(Debug, Clone)]
struct Edge {
    epoch: u32,
    total_epoch: u32,
    begin: i32,
    end: i32,
}

impl Edge {
    fn new(mut from: BackendCoord, mut to: BackendCoord) -> Option<Edge> {
        if from.0 == to.0 {
            return None;
        }
        if from.0 > to.0 {
            std::mem::swap(&mut from, &mut to);
        }
        Some(Edge {
            epoch: 0,
            total_epoch: (to.0 - from.0) as u32,
            begin: from.1,
            end: to.1,
        })
    }

    fn remaining(&self) -> i32 {
        (self.total_epoch - self.epoch) as i32
    }

    fn y(&self) -> f64 {
        f64::from(self.begin)
            + (i64::from(self.end - self.begin) * i64::from(self.epoch)) as f64
                / f64::from(self.total_epoch)
    }
}

/// The spans plotters' fill draws for `vertices` in the columns of a
/// canvas `width` pixels wide (those outside draw nothing), column by
/// column and in its order; `None` where plotters would not scan columns
/// (a polygon taller than wide, or flat).
fn columns(vertices: &[BackendCoord], width: i32) -> Option<Vec<Span>> {
    let first = *vertices.first()?;
    let (mut x_span, mut y_span) = ((first.0, first.0), (first.1, first.1));
    for &(x, y) in vertices {
        x_span = (x_span.0.min(x), x_span.1.max(x));
        y_span = (y_span.0.min(y), y_span.1.max(y));
    }
    if x_span.0 == x_span.1 || y_span.0 == y_span.1 {
        return None;
    }
    if x_span.1 - x_span.0 <= y_span.1 - y_span.0 {
        return None;
    }
    let mut edges: Vec<(BackendCoord, BackendCoord)> = vertices
        .iter()
        .zip(vertices.iter().skip(1))
        .map(|(a, b)| (*a, *b))
        .collect();
    edges.push((vertices[vertices.len() - 1], vertices[0]));
    edges.sort_by_key(|((x1, _), (x2, _))| *x1.min(x2));
    for edge in &mut edges {
        if edge.0.0 > edge.1.0 {
            std::mem::swap(&mut edge.0, &mut edge.1);
        }
    }
    let mut spans = Vec::new();
    let mut idx = 0;
    let mut active: Vec<Edge> = Vec::new();
    for x in x_span.0..=x_span.1 {
        active.retain_mut(|e| {
            if e.remaining() > 0 {
                e.epoch += 1;
                true
            } else {
                false
            }
        });
        while idx < edges.len() && edges[idx].0.0 <= x {
            if let Some(e) = Edge::new(edges[idx].0, edges[idx].1) {
                active.push(e);
            }
            idx += 1;
        }
        // plotters sorts with a stable sort on the edges' heights.
        active.sort_by(|a, b| a.y().total_cmp(&b.y()));
        let mut first: Option<&Edge> = None;
        let mut second: Option<&Edge> = None;
        for edge in &active {
            if first.is_none() {
                first = Some(edge);
            } else if second.is_none() {
                second = Some(edge);
            }
            if let (Some(a), Some(b)) = (first, second) {
                if a.remaining() == 0 && b.remaining() != 0 {
                    first = Some(b);
                    second = None;
                    continue;
                }
                if a.remaining() != 0 && b.remaining() == 0 {
                    second = None;
                    continue;
                }
                let (from, to) = (a.y(), b.y());
                first = None;
                second = None;
                if a.remaining() == 0 && b.remaining() == 0 && to - from > 1.0 {
                    continue;
                }
                if (0..width).contains(&x) {
                    spans.push(Span { x, from, to });
                }
            }
        }
    }
    Some(spans)
}

/// Blends `spans` in `color`: the partly covered pixels one by one as
/// plotters does, the fully covered ones of each run of single-span
/// columns as one rectangle where they share rows, and the rest column by
/// column.
fn blend_columns(
    back: &mut BitMapBackend<'_>,
    spans: &[Span],
    color: BackendColor,
) -> Result<(), Failure> {
    let mut start = 0;
    while start < spans.len() {
        let end = run_end(spans, start);
        let run = &spans[start..end];
        // The rows every column of the run covers; none for a column with
        // several spans, whose spans are drawn whole one after another (a
        // pixel two of them share is blended twice, as plotters does).
        let several = run.len() > 1 && run[0].x == run[1].x;
        let (top, bottom) = if several {
            (1, 0)
        } else {
            run.iter().fold((i32::MIN, i32::MAX), |(t, b), s| {
                let (st, sb) = s.body();
                (t.max(st), b.min(sb))
            })
        };
        if top <= bottom {
            back.draw_rect(
                (run[0].x, top),
                (run[run.len() - 1].x + 1, bottom.saturating_add(1)),
                &color,
                true,
            )?;
        }
        for s in run {
            let (st, sb) = s.body();
            if top > bottom {
                column(back, s.x, st, sb, color)?;
            } else {
                column(back, s.x, st, top.saturating_sub(1), color)?;
                column(back, s.x, bottom.saturating_add(1), sb, color)?;
            }
            back.draw_pixel(
                (s.x, s.from.floor() as i32),
                color.mix(s.from.ceil() - s.from),
            )?;
            back.draw_pixel((s.x, s.to.ceil() as i32), color.mix(s.to - s.to.floor()))?;
        }
        start = end;
    }
    Ok(())
}

/// Blends rows `top..=bottom` of column `x` (nothing when empty).
fn column(
    back: &mut BitMapBackend<'_>,
    x: i32,
    top: i32,
    bottom: i32,
    color: BackendColor,
) -> Result<(), Failure> {
    if top <= bottom {
        back.draw_line((x, top), (x, bottom), &color)?;
    }
    Ok(())
}

/// Where the run of spans from `start` ends: consecutive columns with one
/// span each, as long as the rows they share stay at least three quarters
/// of the pixels they cover. A column with several spans is a run of its
/// own (its spans drawn one after another, in plotters' order).
fn run_end(spans: &[Span], start: usize) -> usize {
    let single = |i: usize| {
        (i == 0 || spans[i - 1].x != spans[i].x)
            && (i + 1 == spans.len() || spans[i + 1].x != spans[i].x)
    };
    if !single(start) {
        let mut end = start + 1;
        while end < spans.len() && spans[end].x == spans[start].x {
            end += 1;
        }
        return end;
    }
    let (mut top, mut bottom) = spans[start].body();
    let mut covered = i64::from((bottom - top + 1).max(0));
    let mut end = start + 1;
    while end < spans.len() && single(end) && spans[end].x == spans[end - 1].x + 1 {
        let (st, sb) = spans[end].body();
        let (t, b) = (top.max(st), bottom.min(sb));
        let all = covered + i64::from((sb - st + 1).max(0));
        let shared = i64::from((b - t + 1).max(0)) * (end - start + 1) as i64;
        if 4 * shared < 3 * all {
            break;
        }
        (top, bottom, covered) = (t, b, all);
        end += 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::coord::Shift;

    const SIZE: (u32, u32) = (400, 300);

    /// Pixels of `draw` on plotters' backend and on [`Bitmap`].
    fn both(draw: impl Fn(&mut dyn FnMut(Vec<(i32, i32)>, RGBAColor))) -> (Vec<u8>, Vec<u8>) {
        let mut plain = vec![255u8; (SIZE.0 * SIZE.1 * 3) as usize];
        let mut fast = plain.clone();
        {
            let mut back = BitMapBackend::with_buffer(&mut plain, SIZE);
            draw(&mut |v, c| back.fill_polygon(v, &c).unwrap());
            back.present().unwrap();
        }
        {
            let mut back = Bitmap(BitMapBackend::with_buffer(&mut fast, SIZE));
            draw(&mut |v, c| back.fill_polygon(v, &c).unwrap());
            back.present().unwrap();
        }
        (plain, fast)
    }

    /// The same pixels touched, each channel within one level for each
    /// fill that blends it (`layers` at most).
    fn alike(plain: &[u8], fast: &[u8], layers: u8) -> usize {
        let mut touched = 0;
        for (p, f) in plain.iter().zip(fast) {
            assert!(p.abs_diff(*f) <= layers, "{p} against {f}");
            assert_eq!(*p == 255, *f == 255, "a pixel drawn by one fill only");
            touched += usize::from(*p != 255);
        }
        touched
    }

    /// A band between two wavy curves, as the charts draw them.
    fn band(phase: f64, width: f64) -> Vec<(i32, i32)> {
        let xs: Vec<f64> = (0..=40).map(|i| 10.0 + 9.5 * f64::from(i)).collect();
        let mid = |x: f64| 150.0 + 60.0 * (x / 37.0 + phase).sin() + 0.2 * x;
        let mut v: Vec<(i32, i32)> = xs
            .iter()
            .map(|&x| (x as i32, (mid(x) - width) as i32))
            .collect();
        v.extend(
            xs.iter()
                .rev()
                .map(|&x| (x as i32, (mid(x) + width) as i32)),
        );
        v
    }

    #[test]
    fn bands_blend_as_plotters_does() {
        let colours = [RED.mix(0.18), BLUE.mix(0.38), GREEN.mix(0.12)];
        let (plain, fast) = both(|fill| {
            for (k, c) in colours.iter().enumerate() {
                fill(band(k as f64, 12.0 + 10.0 * k as f64), *c);
            }
        });
        assert!(alike(&plain, &fast, 3) > 3 * 380 * 20);
        // One band alone: within one level.
        let (plain, fast) = both(|fill| fill(band(0.0, 20.0), colours[0]));
        assert!(alike(&plain, &fast, 1) > 380 * 30);
    }

    #[test]
    fn odd_polygons_blend_as_plotters_does() {
        // A bow tie (two spans in some columns), a thin sliver, a steep
        // spike, one off the canvas, and an opaque band (plotters' own).
        let shapes = [
            vec![(20, 20), (300, 120), (300, 20), (20, 120)],
            vec![(10, 200), (390, 203), (390, 204), (10, 201)],
            vec![(50, 290), (60, 10), (70, 290), (200, 280)],
            vec![(-50, 100), (500, 150), (450, 400), (-20, 250)],
            // A wedge cut from the right: where it closes, two spans of
            // one column share a pixel, which plotters blends twice.
            vec![
                (10, 210),
                (390, 210),
                (390, 240),
                (100, 250),
                (390, 260),
                (390, 290),
                (10, 290),
            ],
        ];
        let (plain, fast) = both(|fill| {
            for s in &shapes {
                fill(s.clone(), BLACK.mix(0.3));
            }
            fill(band(0.5, 8.0), BLUE.to_rgba());
        });
        assert!(alike(&plain, &fast, 4) > 10_000);
        for s in &shapes {
            let (plain, fast) = both(|fill| fill(s.clone(), BLACK.mix(0.3)));
            assert!(alike(&plain, &fast, 1) > 500);
        }
    }

    /// A small generator for the random polygons below.
    struct Xorshift(u64);

    impl Xorshift {
        fn below(&mut self, lo: i32, hi: i32) -> i32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            lo + (self.0 % (hi - lo + 1) as u64) as i32
        }
    }

    /// Brightening rounds the same on both of plotters' blending paths: on
    /// a black canvas, in one colour, the fills are the same to the byte,
    /// whatever the polygon (self-crossing, notched, off every edge of the
    /// canvas, wider or taller), so any pixel blended a different number of
    /// times, or with another alpha, shows. 4,000 polygons, fixed seed.
    #[test]
    fn random_polygons_on_black_are_plotters_fill_to_the_byte() {
        let mut rng = Xorshift(0x9e37_79b9_7f4a_7c15);
        let (w, h) = (97u32, 61u32);
        for case in 0..4000 {
            let n = rng.below(3, 9) as usize;
            let (sx, sy) = match case % 4 {
                0 => (rng.below(1, 140), rng.below(1, 20)),
                1 => (rng.below(1, 140), rng.below(1, 90)),
                2 => (rng.below(1, 30), rng.below(1, 6)),
                _ => (rng.below(1, 300), rng.below(1, 200)),
            };
            let (ox, oy) = (rng.below(-60, 100), rng.below(-60, 70));
            let layers: Vec<Vec<(i32, i32)>> = (0..rng.below(1, 2))
                .map(|_| {
                    (0..n)
                        .map(|_| (ox + rng.below(0, sx), oy + rng.below(0, sy)))
                        .collect()
                })
                .collect();
            let alpha = 0.05 + f64::from(rng.below(0, 899)) / 1000.0;
            let colour = RGBColor(200, 120, 60).mix(alpha);
            let mut plain = vec![0u8; (w * h * 3) as usize];
            let mut fast = plain.clone();
            {
                let mut back = BitMapBackend::with_buffer(&mut plain, (w, h));
                for p in &layers {
                    back.fill_polygon(p.clone(), &colour).unwrap();
                }
            }
            {
                let mut back = Bitmap(BitMapBackend::with_buffer(&mut fast, (w, h)));
                for p in &layers {
                    back.fill_polygon(p.clone(), &colour).unwrap();
                }
            }
            assert!(plain == fast, "case {case}: {layers:?} at alpha {alpha}");
        }
    }

    /// A whole chart on both backends: bands, lines, text.
    #[test]
    fn a_chart_draws_the_same() {
        fn chart<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>) {
            root.fill(&WHITE).unwrap();
            let mut c = ChartBuilder::on(root)
                .build_cartesian_2d(0.0..10.0, 0.0..10.0)
                .unwrap();
            let up: Vec<(f64, f64)> = (0..=10)
                .map(|x| (f64::from(x), 6.0 + 0.3 * f64::from(x)))
                .collect();
            let mut outline = up.clone();
            outline.extend(up.iter().rev().map(|&(x, y)| (x, y - 3.0)));
            c.draw_series(std::iter::once(Polygon::new(
                outline,
                RED.mix(0.2).filled(),
            )))
            .unwrap();
            c.draw_series(LineSeries::new(up, Color::stroke_width(&BLUE, 3)))
                .unwrap();
        }
        let mut plain = vec![0u8; (SIZE.0 * SIZE.1 * 3) as usize];
        let mut fast = plain.clone();
        chart(&BitMapBackend::with_buffer(&mut plain, SIZE).into_drawing_area());
        chart(&Bitmap(BitMapBackend::with_buffer(&mut fast, SIZE)).into_drawing_area());
        assert!(plain.iter().zip(&fast).all(|(p, f)| p.abs_diff(*f) <= 1));
        assert_ne!(plain, vec![0u8; plain.len()]);
    }
}
