//! The charts the report shows, inlined as SVG so that the page needs no
//! other file: which ones, read from `charts/` (drawn first when one is
//! missing), checked to be plain drawings, and fitted to the page width.
//!
//! The SVG files are input like any other: one edited by hand could carry a
//! script or a link to the network. So each is accepted only if every tag
//! is a drawing element with harmless attributes, as `plotters` writes them.

use std::collections::HashMap;
use std::path::Path;

use super::html::escape;
use crate::chart::{CHARTS, draw_all};
use crate::results::read::RunData;

/// Elements a chart may contain.
const ELEMENTS: [&str; 13] = [
    "svg", "g", "rect", "line", "polyline", "polygon", "circle", "ellipse", "path", "text",
    "tspan", "title", "desc",
];

/// The one network-looking value a chart may hold: its namespace.
const SVG_NAMESPACE: &str = "http://www.w3.org/2000/svg";

/// Charts by file stem, ready to inline.
pub(super) type Charts = HashMap<String, String>;

/// The stems of the charts the report shows for `run`: the fan chart of
/// cells inside the alliance, P(any attack) by week, the forest plot (when
/// variants ran), the frontier map under the baseline and under `best`
/// (when regions have coordinates), and attacks by member state.
pub(super) fn wanted(run: &RunData, best: Option<&str>) -> Vec<String> {
    let mut stems = vec!["fan_cells_in_alliance".to_string(), "p_attack".to_string()];
    if run.variants.len() > 1 {
        stems.push("forest".into());
    }
    if crate::chart::map::Bounds::of(&run.manifest.regions).is_some() {
        stems.push(format!("map_{}", run.variants[0].name));
        // Variant names are ids; a non-ASCII one has a different file name,
        // and the map under it is a nicety, so it is left out.
        if let Some(b) = best.filter(|b| b.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')) {
            stems.push(format!("map_{b}"));
        }
    }
    if run.manifest.states.iter().any(|s| s.role == "member") {
        stems.push("states_attacks".into());
    }
    stems
}

/// Reads the charts `stems` from `run_dir/charts/`, drawing every chart
/// first if any is missing.
pub(super) fn read(run_dir: &Path, stems: &[String]) -> Result<Charts, crate::Error> {
    read_drawn(run_dir, stems, |dir| draw_all(dir, &[]).map(drop))
}

/// Reads the charts `stems` from `run_dir/charts/`, calling `draw` on
/// `run_dir` first if any is missing (a calibration folder has charts of
/// its own).
pub(super) fn read_drawn(
    run_dir: &Path,
    stems: &[String],
    draw: impl Fn(&Path) -> Result<(), crate::Error>,
) -> Result<Charts, crate::Error> {
    let dir = run_dir.join(CHARTS);
    let path = |stem: &str| dir.join(format!("{stem}.svg"));
    if stems.iter().any(|s| !path(s).is_file()) {
        draw(run_dir)?;
    }
    let mut charts = Charts::new();
    for stem in stems {
        let p = path(stem);
        let text = std::fs::read_to_string(&p).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => crate::Error::Invalid(format!(
                "{}: missing, and `cordon plot` did not draw it",
                p.display()
            )),
            _ => crate::Error::Io {
                action: "read",
                path: p.clone(),
                source,
            },
        })?;
        let svg = inline(&text).map_err(|why| {
            crate::Error::Invalid(format!(
                "{}: {why}; it is not a chart drawn by cordon (redraw the charts with `cordon plot {}`)",
                p.display(),
                run_dir.display()
            ))
        })?;
        charts.insert(stem.clone(), svg);
    }
    Ok(charts)
}

/// The SVG document `text` as an element to inline: checked, with its
/// fixed size replaced by its view box so that it scales to the column.
pub(super) fn inline(text: &str) -> Result<String, String> {
    let body = strip_prolog(text.trim_start());
    let tags = tags(body)?;
    let Some(root) = tags.first().filter(|t| t.name == "svg" && t.start == 0) else {
        return Err("does not start with an <svg> element".into());
    };
    let attr = |name: &str| root.attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v);
    let view_box = match (attr("viewBox"), attr("width"), attr("height")) {
        (Some(v), _, _) => v.clone(),
        (None, Some(w), Some(h)) => format!("0 0 {w} {h}"),
        _ => return Err("the <svg> element has neither viewBox nor width and height".into()),
    };
    Ok(format!(
        "<svg viewBox=\"{}\" xmlns=\"{SVG_NAMESPACE}\" class=\"chart\" role=\"img\" focusable=\"false\">{}",
        escape(&view_box),
        &body[root.end..]
    ))
}

fn strip_prolog(text: &str) -> &str {
    match text
        .strip_prefix("<?xml")
        .and_then(|rest| rest.find("?>").map(|i| &rest[i + 2..]))
    {
        Some(rest) => rest.trim_start(),
        None => text,
    }
}

/// A start or end tag: its name, attributes (name, raw value) and the
/// byte range it spans.
#[derive(Debug)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
    start: usize,
    end: usize,
}

/// Every tag of `svg`, each checked: a known drawing element with
/// harmless attributes. Text between tags cannot hold `<` (it is an
/// entity in well-formed SVG), so each `<` opens a tag.
fn tags(svg: &str) -> Result<Vec<Tag>, String> {
    let mut tags = Vec::new();
    let mut at = 0;
    while let Some(offset) = svg[at..].find('<') {
        let start = at + offset;
        let len = svg[start..]
            .find('>')
            .ok_or_else(|| format!("a tag at byte {start} is never closed"))?;
        let end = start + len + 1;
        let tag =
            parse_tag(&svg[start + 1..end - 1]).map_err(|why| format!("byte {start}: {why}"))?;
        tags.push(Tag { start, end, ..tag });
        at = end;
    }
    Ok(tags)
}

fn parse_tag(inner: &str) -> Result<Tag, String> {
    let inner = inner.strip_prefix('/').unwrap_or(inner);
    let inner = inner.strip_suffix('/').unwrap_or(inner);
    let name_len = inner
        .find(|c: char| c.is_whitespace())
        .unwrap_or(inner.len());
    let name = &inner[..name_len];
    if !ELEMENTS.contains(&name) {
        return Err(format!(
            "element <{}> is not allowed",
            name.chars().take(20).collect::<String>()
        ));
    }
    let attrs = parse_attrs(&inner[name_len..])?;
    for (key, value) in &attrs {
        check_attr(key, value)?;
    }
    Ok(Tag {
        name: name.to_string(),
        attrs,
        start: 0,
        end: 0,
    })
}

/// `key="value"` pairs, double-quoted as `plotters` writes them.
fn parse_attrs(mut rest: &str) -> Result<Vec<(String, String)>, String> {
    let mut attrs = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Ok(attrs);
        }
        let (key, after) = rest.split_once("=\"").ok_or_else(|| {
            format!(
                "unreadable attribute `{}`",
                rest.chars().take(20).collect::<String>()
            )
        })?;
        let (value, after) = after
            .split_once('"')
            .ok_or_else(|| format!("attribute `{key}` is never closed"))?;
        attrs.push((key.trim().to_string(), value.to_string()));
        rest = after;
    }
}

/// Refuses event handlers, links, styles and references that could run
/// code or reach the network.
fn check_attr(key: &str, value: &str) -> Result<(), String> {
    let lower_key = key.to_ascii_lowercase();
    let lower_value = value.to_ascii_lowercase();
    let harmless_key = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':')
        && !lower_key.starts_with("on")
        && !lower_key.contains("href")
        && lower_key != "style";
    if !harmless_key {
        return Err(format!("attribute `{key}` is not allowed"));
    }
    let reaches_out = lower_value.contains("url(")
        || lower_value.contains("javascript:")
        || (lower_value.contains("://") && !(key == "xmlns" && value == SVG_NAMESPACE));
    if reaches_out {
        return Err(format!("attribute `{key}` refers to another resource"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHART: &str = "<svg width=\"1200\" height=\"800\" viewBox=\"0 0 1200 800\" xmlns=\"http://www.w3.org/2000/svg\">\n<rect x=\"0\" y=\"0\" width=\"1200\" height=\"800\" fill=\"#FFFFFF\"/>\n<text x=\"24\" font-family=\"sans-serif\">\na &lt;b&gt; title\n</text>\n</svg>\n";

    #[test]
    fn a_chart_is_inlined_at_the_width_of_its_column() {
        let svg = inline(CHART).unwrap_or_default();
        assert!(
            svg.starts_with(
                "<svg viewBox=\"0 0 1200 800\" xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\""
            ),
            "{svg}"
        );
        assert!(!svg.contains("width=\"1200\" height=\"800\" viewBox"));
        assert!(svg.contains("a &lt;b&gt; title") && svg.ends_with("</svg>\n"));
        let with_prolog = format!("<?xml version=\"1.0\"?>\n{CHART}");
        assert!(inline(&with_prolog).is_ok());
    }

    #[test]
    fn scripts_handlers_and_links_are_refused() {
        for bad in [
            "<script>alert(1)</script>",
            "<rect onload=\"alert(1)\"/>",
            "<a href=\"https://example.org\"></a>",
            "<image href=\"https://example.org/x.png\"/>",
            "<rect fill=\"url(https://example.org/p.svg#g)\"/>",
            "<rect style=\"background:url(x)\"/>",
            "<foreignObject></foreignObject>",
            "<!-- comment -->",
        ] {
            let svg = CHART.replace("</svg>", &format!("{bad}</svg>"));
            assert!(inline(&svg).is_err(), "accepted {bad}");
        }
        assert!(inline("<html></html>").is_err());
    }
}
