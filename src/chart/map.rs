//! The frontier map: regions at their longitude and latitude, coloured by
//! role and labelled; borders as lines whose width shows attempts per trial
//! and whose colour shows the share of attempts interdicted at the border.
//!
//! The projection is equirectangular with its standard parallel at the
//! middle latitude, which keeps shapes honest over a region the size of
//! Central Asia; it is a pure function ([`project`]) so tests can check
//! that a region is drawn where its coordinates say. Every map of a run
//! shares one width scale, so maps of different variants compare directly.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::style::{self, FAINT, INK, MUTED, Swatch};
use crate::results::manifest::{BorderEntry, RegionEntry};
use crate::results::read::{RunData, Variant};

/// A rectangle of the image, in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pub left: i32,
    pub top: i32,
    pub width: i32,
    pub height: i32,
}

/// Where the map is drawn on the 1200 × 800 image; the key is to its right.
pub const MAP_AREA: Frame = Frame {
    left: 24,
    top: style::TITLE_HEIGHT as i32 + 12,
    width: 900,
    height: style::SIZE.1 as i32 - style::TITLE_HEIGHT as i32 - style::CAPTION_HEIGHT as i32 - 24,
};

/// Radius of a region's circle, in pixels.
pub const REGION_RADIUS: i32 = 8;

/// Thinnest and thickest border line, in pixels.
const WIDTHS: (f64, f64) = (1.5, 14.0);

/// The longitudes and latitudes a map shows: those of the regions, with a
/// margin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub lon_min: f64,
    pub lon_max: f64,
    pub lat_min: f64,
    pub lat_max: f64,
}

impl Bounds {
    /// The bounds of the regions that have coordinates, widened by 8% of
    /// the span (at least one degree) on every side; `None` when no region
    /// has coordinates.
    pub fn of(regions: &[RegionEntry]) -> Option<Bounds> {
        let points: Vec<(f64, f64)> = regions.iter().filter_map(position).collect();
        let first = points.first()?;
        let mut b = Bounds {
            lon_min: first.0,
            lon_max: first.0,
            lat_min: first.1,
            lat_max: first.1,
        };
        for (lon, lat) in &points {
            b.lon_min = b.lon_min.min(*lon);
            b.lon_max = b.lon_max.max(*lon);
            b.lat_min = b.lat_min.min(*lat);
            b.lat_max = b.lat_max.max(*lat);
        }
        let pad_lon = ((b.lon_max - b.lon_min) * 0.08).max(1.0);
        let pad_lat = ((b.lat_max - b.lat_min) * 0.08).max(1.0);
        Some(Bounds {
            lon_min: b.lon_min - pad_lon,
            lon_max: b.lon_max + pad_lon,
            lat_min: b.lat_min - pad_lat,
            lat_max: b.lat_max + pad_lat,
        })
    }
}

/// The pixel of (`lon`, `lat`) in `frame`: equirectangular with the
/// standard parallel at the middle of `bounds`, one scale for both axes,
/// centred in `frame`.
pub fn project(lon: f64, lat: f64, bounds: &Bounds, frame: &Frame) -> (i32, i32) {
    let k = ((bounds.lat_min + bounds.lat_max) / 2.0).to_radians().cos();
    let width = (bounds.lon_max - bounds.lon_min) * k;
    let height = bounds.lat_max - bounds.lat_min;
    let scale = (f64::from(frame.width) / width).min(f64::from(frame.height) / height);
    let x0 = f64::from(frame.left) + (f64::from(frame.width) - width * scale) / 2.0;
    let y0 = f64::from(frame.top) + (f64::from(frame.height) - height * scale) / 2.0;
    let x = x0 + (lon - bounds.lon_min) * k * scale;
    let y = y0 + (bounds.lat_max - lat) * scale;
    (x.round() as i32, y.round() as i32)
}

/// A region's (lon, lat), if it has both.
pub fn position(r: &RegionEntry) -> Option<(f64, f64)> {
    Some((r.lon?, r.lat?))
}

/// The role a region is coloured by: its state's role.
pub fn role<'a>(run: &'a RunData, region: &RegionEntry) -> &'a str {
    run.manifest
        .states
        .iter()
        .find(|s| s.id == region.state)
        .map_or("other", |s| s.role.as_str())
}

/// Draws the map of `variant`.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &RunData,
    variant: &Variant,
) -> Result<(), crate::Error> {
    let title = format!("the frontier under {}", variant.name);
    style::frame(
        root,
        run,
        &title,
        "line width: border attempts per trial (both directions); colour: share of them interdicted at the border",
    )?;
    let Some(bounds) = Bounds::of(&run.manifest.regions) else {
        return Err(crate::Error::Invalid(
            "no region has lon and lat: nothing to map".into(),
        ));
    };
    graticule(root, &bounds)?;
    let widest = widest(run);
    for border in &run.manifest.borders {
        link(root, run, &variant.name, border, &bounds, widest)?;
    }
    regions(root, run, &bounds)?;
    key(root, widest)?;
    Ok(())
}

/// Pixel position of the region with `id`, if it has coordinates.
fn place(run: &RunData, id: &str, bounds: &Bounds) -> Option<(i32, i32)> {
    let r = run.manifest.regions.iter().find(|r| r.id == id)?;
    position(r).map(|(lon, lat)| project(lon, lat, bounds, &MAP_AREA))
}

/// The most attempts per trial on any border under any variant drawn.
fn widest(run: &RunData) -> f64 {
    let most = run
        .variants
        .iter()
        .flat_map(|v| {
            run.manifest
                .borders
                .iter()
                .filter_map(|b| run.border(&v.name, &b.id, "attempts"))
        })
        .fold(0.0, f64::max);
    if most > 0.0 { most } else { 1.0 }
}

fn width(attempts: f64, widest: f64) -> u32 {
    (WIDTHS.0 + (WIDTHS.1 - WIDTHS.0) * (attempts / widest).clamp(0.0, 1.0)).round() as u32
}

/// The colour of a border that interdicts `share` of its attempts.
pub fn effectiveness_colour(share: f64) -> RGBColor {
    ViridisRGB::get_color(share.clamp(0.0, 1.0))
}

/// One border: a segment in width and colour, an internal link dashed.
fn link<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &RunData,
    variant: &str,
    b: &BorderEntry,
    bounds: &Bounds,
    widest: f64,
) -> Result<(), crate::Error> {
    let (Some(a), Some(z)) = (place(run, &b.a, bounds), place(run, &b.b, bounds)) else {
        return Ok(());
    };
    if !b.segment {
        root.draw(&DashedPathElement::new(
            vec![a, z],
            6,
            4,
            MUTED.mix(0.7).stroke_width(1),
        ))?;
        return Ok(());
    }
    let attempts = run.border(variant, &b.id, "attempts").unwrap_or(0.0);
    let stopped = run.border(variant, &b.id, "interdictions").unwrap_or(0.0);
    let crossed = run.border(variant, &b.id, "crossings").unwrap_or(0.0);
    let w = width(attempts, widest);
    if stopped + crossed <= 0.0 {
        root.draw(&PathElement::new(vec![a, z], FAINT.stroke_width(w)))?;
        return Ok(());
    }
    // A dark casing keeps pale (highly effective) lines visible on white.
    root.draw(&PathElement::new(vec![a, z], INK.stroke_width(w + 2)))?;
    root.draw(&PathElement::new(
        vec![a, z],
        effectiveness_colour(stopped / (stopped + crossed)).stroke_width(w),
    ))?;
    Ok(())
}

/// Circles for the regions, then their labels, placed so that none covers
/// another label or a circle.
fn regions<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &RunData,
    bounds: &Bounds,
) -> Result<(), crate::Error> {
    let spots: Vec<(&RegionEntry, (i32, i32))> = run
        .manifest
        .regions
        .iter()
        .filter_map(|r| position(r).map(|(lon, lat)| (r, project(lon, lat, bounds, &MAP_AREA))))
        .collect();
    for (r, at) in &spots {
        let colour = style::role_colour(role(run, r), r.source);
        root.draw(&Circle::new(*at, REGION_RADIUS, colour.filled()))?;
        root.draw(&Circle::new(*at, REGION_RADIUS, INK.stroke_width(1)))?;
    }
    let mut taken: Vec<Rect> = spots
        .iter()
        .map(|(_, at)| Rect::around(*at, REGION_RADIUS + 1))
        .collect();
    let words = style::text(13.0, &INK);
    let points: Vec<(i32, i32)> = spots.iter().map(|(_, at)| *at).collect();
    for (r, at) in &spots {
        let name = short_name(r);
        let (w, h) = root.estimate_text_size(&name, &words)?;
        let spot = labels::best(*at, (w as i32, h as i32), &taken, &points);
        if spot.leader {
            let end = spot.rect.nearest(*at);
            root.draw(&PathElement::new(
                vec![rim(*at, end), end],
                INK.mix(0.75).stroke_width(1),
            ))?;
        }
        root.draw(&Rectangle::new(
            [(spot.rect.x0, spot.rect.y0), (spot.rect.x1, spot.rect.y1)],
            WHITE.mix(0.85).filled(),
        ))?;
        root.draw_text(
            &name,
            &style::anchored(words.clone(), HPos::Left, VPos::Top),
            (spot.rect.x0 + 2, spot.rect.y0 + 1),
        )?;
        taken.push(spot.rect);
    }
    Ok(())
}

/// The point on the rim of the circle at `centre` towards `towards`, where
/// a leader line starts (so it never covers the circle's fill).
fn rim(centre: (i32, i32), towards: (i32, i32)) -> (i32, i32) {
    let (dx, dy) = (
        f64::from(towards.0 - centre.0),
        f64::from(towards.1 - centre.1),
    );
    let length = dx.hypot(dy).max(1.0);
    let r = f64::from(REGION_RADIUS + 1);
    (
        centre.0 + (dx * r / length).round() as i32,
        centre.1 + (dy * r / length).round() as i32,
    )
}

/// The region's name up to the first parenthesis or comma; when that is
/// still too long for a map label, up to the first " and " ("Dushanbe and
/// Districts of Republican Subordination" reads "Dushanbe"); failing
/// that, its id.
pub fn short_name(r: &RegionEntry) -> String {
    const LONGEST: usize = 26;
    let fits = |s: &str| !s.is_empty() && s.chars().count() <= LONGEST;
    let short = r.name.split([',', '(']).next().unwrap_or(&r.name).trim();
    if fits(short) {
        return short.to_string();
    }
    let shorter = short.split(" and ").next().unwrap_or(short).trim();
    if fits(shorter) {
        shorter.to_string()
    } else {
        r.id.clone()
    }
}

use labels::Rect;

/// Placing labels next to their points without overlaps.
mod labels {
    use super::MAP_AREA;

    /// A box in pixels, corners inclusive.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub(super) struct Rect {
        pub x0: i32,
        pub y0: i32,
        pub x1: i32,
        pub y1: i32,
    }

    impl Rect {
        /// The square of half-side `r` around `c`.
        pub(super) fn around(c: (i32, i32), r: i32) -> Rect {
            Rect {
                x0: c.0 - r,
                y0: c.1 - r,
                x1: c.0 + r,
                y1: c.1 + r,
            }
        }

        fn overlap(&self, o: &Rect) -> i64 {
            let w = (self.x1.min(o.x1) - self.x0.max(o.x0)).max(0);
            let h = (self.y1.min(o.y1) - self.y0.max(o.y0)).max(0);
            i64::from(w) * i64::from(h)
        }

        fn outside_map(&self) -> i64 {
            let inner = Rect {
                x0: MAP_AREA.left,
                y0: MAP_AREA.top,
                x1: MAP_AREA.left + MAP_AREA.width,
                y1: MAP_AREA.top + MAP_AREA.height,
            };
            let area = i64::from(self.x1 - self.x0) * i64::from(self.y1 - self.y0);
            area - self.overlap(&inner)
        }

        /// The point of this box nearest to `p` (for leader lines).
        pub(super) fn nearest(&self, p: (i32, i32)) -> (i32, i32) {
            (p.0.clamp(self.x0, self.x1), p.1.clamp(self.y0, self.y1))
        }

        /// The distance from this box to `p` (0 inside).
        fn distance(&self, p: (i32, i32)) -> f64 {
            let (q0, q1) = self.nearest(p);
            f64::from(q0 - p.0).hypot(f64::from(q1 - p.1))
        }
    }

    /// Where a label goes, and whether it needs a line back to its point.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub(super) struct Spot {
        pub rect: Rect,
        pub leader: bool,
    }

    /// The first place around `at`, nearest first, where a label of `size`
    /// (plus padding) overlaps nothing in `taken` and stays on the map; a
    /// label right beside its point must be nearer it than any other of
    /// `points` (beside another region's circle it reads as that region's),
    /// and one further out, with a leader line, keeps clear of the other
    /// points and its line passes none of them.
    /// Failing that, the place that breaks these least.
    pub(super) fn best(
        at: (i32, i32),
        size: (i32, i32),
        taken: &[Rect],
        points: &[(i32, i32)],
    ) -> Spot {
        // What a label nearer another region costs, as an overlap in
        // square pixels: more than covering a circle (19 × 19).
        const NEARER_ANOTHER: i64 = 600;
        // How far a label with a leader line keeps from other points.
        const CLEAR: f64 = 16.0;
        let (w, h) = (size.0 + 4, size.1 + 2);
        let mut fallback: Option<(i64, Spot)> = None;
        // Away from the crowd: from the centre of the points near `at`
        // towards `at`, where labels further out go first.
        let near: Vec<&(i32, i32)> = points
            .iter()
            .filter(|&&p| p != at && f64::from(p.0 - at.0).hypot(f64::from(p.1 - at.1)) < 80.0)
            .collect();
        let outward = if near.is_empty() {
            (0.0, 0.0)
        } else {
            let n = near.len() as f64;
            (
                f64::from(at.0) - near.iter().map(|p| f64::from(p.0)).sum::<f64>() / n,
                f64::from(at.1) - near.iter().map(|p| f64::from(p.1)).sum::<f64>() / n,
            )
        };
        for (ring, gap) in [12, 26, 44, 64, 90].into_iter().enumerate() {
            // Right, left, above, below, then the four corners; further
            // out, the most outward first.
            let mut offsets = [
                (gap, -h / 2),
                (-gap - w, -h / 2),
                (-w / 2, -gap - h),
                (-w / 2, gap),
                (gap * 3 / 4, -gap * 3 / 4 - h),
                (-gap * 3 / 4 - w, -gap * 3 / 4 - h),
                (gap * 3 / 4, gap * 3 / 4),
                (-gap * 3 / 4 - w, gap * 3 / 4),
            ];
            if ring > 0 {
                let away = |&(dx, dy): &(i32, i32)| {
                    -(f64::from(dx + w / 2) * outward.0 + f64::from(dy + h / 2) * outward.1)
                };
                offsets.sort_by(|a, b| away(a).total_cmp(&away(b)));
            }
            for (dx, dy) in offsets {
                let rect = Rect {
                    x0: at.0 + dx,
                    y0: at.1 + dy,
                    x1: at.0 + dx + w,
                    y1: at.1 + dy + h,
                };
                let spot = Spot {
                    rect,
                    leader: ring > 0,
                };
                let own = rect.distance(at);
                let leader = (at, rect.nearest(at));
                let nearer = points
                    .iter()
                    .filter(|&&p| {
                        p != at
                            && if ring == 0 {
                                rect.distance(p) < own
                            } else {
                                passes(leader, p) || rect.distance(p) < CLEAR
                            }
                    })
                    .count() as i64;
                let cost = taken.iter().map(|t| t.overlap(&rect)).sum::<i64>()
                    + 4 * rect.outside_map()
                    + NEARER_ANOTHER * nearer;
                if cost == 0 {
                    return spot;
                }
                if fallback.is_none_or(|(c, _)| cost < c) {
                    fallback = Some((cost, spot));
                }
            }
        }
        return fallback.map_or(
            Spot {
                rect: Rect::around(at, 0),
                leader: false,
            },
            |(_, s)| s,
        );

        /// Whether the segment `(a, b)` passes within a circle's radius of
        /// `p`.
        fn passes((a, b): ((i32, i32), (i32, i32)), p: (i32, i32)) -> bool {
            let (dx, dy) = (f64::from(b.0 - a.0), f64::from(b.1 - a.1));
            let (px, py) = (f64::from(p.0 - a.0), f64::from(p.1 - a.1));
            let length = dx * dx + dy * dy;
            let t = if length > 0.0 {
                ((px * dx + py * dy) / length).clamp(0.0, 1.0)
            } else {
                0.0
            };
            (px - t * dx).hypot(py - t * dy) <= f64::from(super::REGION_RADIUS + 2)
        }
    }
}

/// Lines of longitude and latitude every 1 to 10 degrees, labelled.
fn graticule<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    bounds: &Bounds,
) -> Result<(), crate::Error> {
    let span = (bounds.lon_max - bounds.lon_min).max(bounds.lat_max - bounds.lat_min);
    let step = match span {
        s if s > 40.0 => 10.0,
        s if s > 15.0 => 5.0,
        s if s > 6.0 => 2.0,
        _ => 1.0,
    };
    let line = FAINT.mix(0.7).stroke_width(1);
    let label = style::text(12.0, &MUTED);
    let mut lon = (bounds.lon_min / step).ceil() * step;
    while lon <= bounds.lon_max {
        let (top, bottom) = (
            project(lon, bounds.lat_max, bounds, &MAP_AREA),
            project(lon, bounds.lat_min, bounds, &MAP_AREA),
        );
        root.draw(&PathElement::new(vec![top, bottom], line))?;
        root.draw_text(
            &format!("{lon:.0}°E"),
            &style::anchored(label.clone(), HPos::Center, VPos::Bottom),
            (bottom.0, bottom.1 - 2),
        )?;
        lon += step;
    }
    let mut lat = (bounds.lat_min / step).ceil() * step;
    while lat <= bounds.lat_max {
        let (west, east) = (
            project(bounds.lon_min, lat, bounds, &MAP_AREA),
            project(bounds.lon_max, lat, bounds, &MAP_AREA),
        );
        root.draw(&PathElement::new(vec![west, east], line))?;
        root.draw_text(
            &format!("{lat:.0}°N"),
            &style::anchored(label.clone(), HPos::Left, VPos::Bottom),
            (west.0 + 2, west.1 - 2),
        )?;
        lat += step;
    }
    let (nw, se) = (
        project(bounds.lon_min, bounds.lat_max, bounds, &MAP_AREA),
        project(bounds.lon_max, bounds.lat_min, bounds, &MAP_AREA),
    );
    root.draw(&Rectangle::new([nw, se], FAINT.stroke_width(1)))?;
    Ok(())
}

/// The key to the right of the map: roles, widths and the colour scale.
fn key<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, widest: f64) -> Result<(), crate::Error> {
    let x = MAP_AREA.left + MAP_AREA.width + 24;
    let heading = style::bold(15.0, &INK);
    let words = style::anchored(style::text(14.0, &INK), HPos::Left, VPos::Center);
    let mut y = MAP_AREA.top + 4;
    root.draw_text("Regions", &heading, (x, y))?;
    let roles = [
        (style::role_colour("member", false), "member state"),
        (style::role_colour("partner", false), "partner state"),
        (style::role_colour("other", false), "other state"),
        (style::role_colour("", true), "source region"),
    ];
    for (colour, label) in roles {
        y += 26;
        style::draw_swatch(root, Swatch::Dot(colour), (x, y + 8))?;
        root.draw_text(label, &words, (x + 36, y + 8))?;
    }
    y += 52;
    root.draw_text("Attempts per trial", &heading, (x, y))?;
    for share in [0.25, 0.5, 1.0] {
        y += 26;
        let attempts = widest * share;
        style::draw_swatch(root, Swatch::Line(INK, width(attempts, widest)), (x, y + 8))?;
        root.draw_text(&format!("{attempts:.1}"), &words, (x + 36, y + 8))?;
    }
    y += 26;
    style::draw_swatch(root, Swatch::Dashed(MUTED, 1), (x, y + 8))?;
    root.draw_text("internal link", &words, (x + 36, y + 8))?;
    y += 26;
    style::draw_swatch(root, Swatch::Line(FAINT, 3), (x, y + 8))?;
    root.draw_text("no attempts", &words, (x + 36, y + 8))?;
    colour_bar(root, (x, y + 52))
}

/// A vertical scale of border colours from 0% to 100% interdicted.
fn colour_bar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
) -> Result<(), crate::Error> {
    root.draw_text("Interdicted at border", &style::bold(15.0, &INK), (x, y))?;
    root.draw_text("(share of attempts)", &style::text(14.0, &INK), (x, y + 20))?;
    let (top, height, width) = (y + 48, 200, 24);
    for i in 0..height {
        let share = 1.0 - f64::from(i) / f64::from(height - 1);
        root.draw(&Rectangle::new(
            [(x, top + i), (x + width, top + i + 1)],
            effectiveness_colour(share).filled(),
        ))?;
    }
    root.draw(&Rectangle::new(
        [(x, top), (x + width, top + height)],
        INK.stroke_width(1),
    ))?;
    let words = style::anchored(style::text(13.0, &INK), HPos::Left, VPos::Center);
    for share in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let ty = top + ((1.0 - share) * f64::from(height)).round() as i32;
        root.draw(&PathElement::new(
            vec![(x + width, ty), (x + width + 5, ty)],
            INK.stroke_width(1),
        ))?;
        root.draw_text(
            &format!("{:.0}%", share * 100.0),
            &words,
            (x + width + 9, ty),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds() -> Bounds {
        Bounds {
            lon_min: 60.0,
            lon_max: 80.0,
            lat_min: 30.0,
            lat_max: 50.0,
        }
    }

    #[test]
    fn corners_and_centre_land_where_they_should() {
        let frame = Frame {
            left: 0,
            top: 0,
            width: 1000,
            height: 500,
        };
        let b = bounds();
        // Height limits the scale: 25 px per degree; the map is centred.
        let k = 40f64.to_radians().cos();
        let used = 20.0 * k * 25.0;
        let left = ((1000.0 - used) / 2.0).round() as i32;
        assert_eq!(project(60.0, 50.0, &b, &frame), (left, 0));
        assert_eq!(project(70.0, 40.0, &b, &frame), (500, 250));
        assert_eq!(project(80.0, 30.0, &b, &frame).1, 500);
    }

    #[test]
    fn east_is_right_and_north_is_up() {
        let b = bounds();
        let (x1, y1) = project(65.0, 35.0, &b, &MAP_AREA);
        let (x2, y2) = project(75.0, 45.0, &b, &MAP_AREA);
        assert!(x2 > x1 && y2 < y1);
    }

    #[test]
    fn labels_avoid_what_is_taken() {
        let taken = [Rect::around((100, 100), 9), Rect::around((125, 100), 9)];
        let spot = labels::best((100, 100), (60, 14), &taken, &[(100, 100), (125, 100)]);
        assert!(taken.iter().all(|t| t.x1 < spot.rect.x0
            || spot.rect.x1 < t.x0
            || t.y1 < spot.rect.y0
            || spot.rect.y1 < t.y0));
    }

    #[test]
    fn long_names_shorten() {
        let r = |name: &str| RegionEntry {
            id: "TJK_DRS".into(),
            name: name.into(),
            state: "TJK".into(),
            lon: None,
            lat: None,
            source: false,
        };
        assert_eq!(
            short_name(&r("Kyrgyzstan south (Batken, Osh)")),
            "Kyrgyzstan south"
        );
        assert_eq!(
            short_name(&r("Dushanbe and Districts of Republican Subordination")),
            "Dushanbe"
        );
        // A short name keeps its "and".
        assert_eq!(
            short_name(&r("Bosnia and Herzegovina")),
            "Bosnia and Herzegovina"
        );
        assert_eq!(
            short_name(&r("Districts of Republican Subordination of Tajikistan")),
            "TJK_DRS"
        );
    }
}
