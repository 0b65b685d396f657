//! `trace.html`: one self-contained page that plays the traced trial on
//! the map. The data go in as JSON in an inert `<script
//! type="application/json">` block; the player is a small inline script
//! allowed by its hash in the page's Content-Security-Policy, which
//! forbids every request, so the page works offline and mailed as is.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::chart::trace::{MAP, layout};
use crate::report::{base64, escape};
use crate::results::manifest::geography;
use crate::results::trace::TraceSummary;
use crate::results::trace::{Trace, divergences, stories};
use crate::scenario::Scenario;

/// The player.
const SCRIPT: &str = include_str!("assets/trace.js");

/// The page's styles.
const STYLE: &str = include_str!("assets/trace.css");

#[derive(Serialize)]
struct Data<'a> {
    scenario: &'a str,
    trial: u64,
    chosen: &'a str,
    weeks: u32,
    warmup: u32,
    width: i32,
    height: i32,
    kinds: Vec<&'static str>,
    regions: Vec<RegionJson>,
    borders: Vec<BorderJson>,
    variants: Vec<VariantJson>,
}

#[derive(Serialize)]
struct RegionJson {
    id: String,
    name: String,
    x: i32,
    y: i32,
    role: String,
    source: bool,
}

#[derive(Serialize)]
struct BorderJson {
    id: String,
    a: usize,
    b: usize,
    segment: bool,
}

#[derive(Serialize)]
struct VariantJson {
    name: String,
    cells: Vec<CellJson>,
    /// `[run week, cell, kind, region, to (-1: none), severity]`.
    events: Vec<[i64; 6]>,
}

#[derive(Serialize)]
struct CellJson {
    id: String,
    /// `[run week of arrival, region]`, from its spawn.
    path: Vec<[u32; 2]>,
    spawn: u32,
    end: Option<u32>,
    established: Option<u32>,
    /// Run week from which it differs from the same cell in the other
    /// panel's variant (the baseline, or for the baseline the first
    /// variant).
    diverges: Option<u32>,
}

/// The page.
pub(crate) fn render(trace: &Trace, s: &Scenario, summary: &TraceSummary) -> String {
    let data = data(trace, s, summary);
    // `<\/` keeps a `</script>` inside a name from ending the block.
    let json = serde_json::to_string(&data)
        .unwrap_or_else(|_| "{}".into())
        .replace("</", "<\\/");
    let script_hash = base64(&Sha256::digest(SCRIPT.as_bytes()));
    let names: Vec<String> = trace.variants.iter().map(|v| escape(&v.name)).collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'; img-src data:; base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{scenario} — trial {trial}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n\
         <header><h1>{scenario}: trial {trial}</h1>\n<p class=\"lede\">{chosen}. {variants}. Each dot is one militant cell; press play, or step week by week.</p></header>\n\
         <div class=\"controls\" role=\"group\" aria-label=\"Playback\">\n\
         <button type=\"button\" id=\"back\" aria-label=\"One week back\">◀ Week</button>\n\
         <button type=\"button\" id=\"play\" aria-label=\"Play\">▶ Play</button>\n\
         <button type=\"button\" id=\"step\" aria-label=\"One week forward\">Week ▶</button>\n\
         <label for=\"week\">Week</label>\n<input type=\"range\" id=\"week\" min=\"0\" max=\"0\" value=\"0\">\n\
         <output id=\"week-label\" for=\"week\" aria-live=\"polite\">week 0</output>\n\
         <label class=\"speed\">Speed <select id=\"speed\"><option value=\"800\">slow</option><option value=\"400\" selected>normal</option><option value=\"150\">fast</option></select></label>\n\
         </div>\n<main id=\"panels\" class=\"panels\"></main>\n\
         <section class=\"key\" aria-label=\"Key\"><h2>Key</h2><ul>\
         <li><span class=\"sw transit\"></span> cell in transit</li>\
         <li><span class=\"sw established\"></span> established cell</li>\
         <li><span class=\"sw diverged\"></span> cell whose path differs from the other policy's</li>\
         <li><span class=\"sw detected\"></span> detected at a border</li>\
         <li><span class=\"sw interdicted\"></span> interdicted (removed)</li>\
         <li><span class=\"sw attack\"></span> attack</li>\
         <li><span class=\"sw member\"></span> member region <span class=\"sw partner\"></span> partner <span class=\"sw other\"></span> other <span class=\"sw source\"></span> source region</li>\
         </ul><p>Counters add up weeks 0 onwards, as <code>trials.csv</code> does; negative weeks are the warm-up. Keys: space plays or pauses, ← and → step a week, Home and End jump.</p></section>\n\
         <script type=\"application/json\" id=\"trace-data\">{json}</script>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        scenario = escape(&summary.scenario),
        trial = trace.trial,
        chosen = escape(&capitalise(&summary.chosen)),
        variants = if names.len() == 1 {
            format!("The {}", names[0])
        } else {
            format!("Side by side and in step: {}", names.join(", "))
        },
    )
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

fn data<'a>(trace: &Trace, s: &'a Scenario, summary: &'a TraceSummary) -> Data<'a> {
    let all: Vec<_> = trace.variants.iter().map(stories).collect();
    let variants = trace
        .variants
        .iter()
        .zip(&all)
        .enumerate()
        .map(|(i, (v, cells))| {
            let other = if i == 0 { all.get(1) } else { all.first() };
            let parted = other.map(|o| divergences(o, cells)).unwrap_or_default();
            let index: std::collections::HashMap<_, usize> =
                cells.iter().enumerate().map(|(j, c)| (c.key, j)).collect();
            VariantJson {
                name: v.name.clone(),
                cells: cells
                    .iter()
                    .map(|c| CellJson {
                        id: trace.cell_id(&c.key),
                        path: c.route.iter().map(|&(w, r)| [w, r]).collect(),
                        spawn: c.key.week,
                        end: c.end.map(|e| e.run_week),
                        established: c.established,
                        diverges: parted.get(&c.key).copied(),
                    })
                    .collect(),
                events: v
                    .events
                    .iter()
                    .map(|(k, e)| {
                        let kind = crate::model::EventKind::ALL
                            .iter()
                            .position(|x| *x == e.kind)
                            .unwrap_or(0);
                        [
                            i64::from(e.run_week),
                            index[k] as i64,
                            kind as i64,
                            i64::from(e.region),
                            e.to.map_or(-1, i64::from),
                            e.severity.min(i64::MAX as u64) as i64,
                        ]
                    })
                    .collect(),
            }
        })
        .collect();
    let (states, regions, borders) = geography(s);
    let places = layout(&regions);
    Data {
        scenario: &summary.scenario,
        trial: trace.trial,
        chosen: &summary.chosen,
        weeks: trace.weeks,
        warmup: trace.warmup,
        width: MAP.left * 2 + MAP.width,
        height: MAP.top * 2 + MAP.height,
        kinds: crate::model::EventKind::ALL
            .iter()
            .map(|k| k.name())
            .collect(),
        regions: regions
            .iter()
            .zip(&places)
            .map(|(r, &(x, y))| RegionJson {
                id: r.id.clone(),
                name: crate::chart::map::short_name(r),
                x,
                y,
                role: states
                    .iter()
                    .find(|st| st.id == r.state)
                    .map_or("other".into(), |st| st.role.clone()),
                source: r.source,
            })
            .collect(),
        borders: s
            .borders
            .iter()
            .zip(&borders)
            .map(|(b, e)| BorderJson {
                id: e.id.clone(),
                a: b.a,
                b: b.b,
                segment: e.segment,
            })
            .collect(),
        variants,
    }
}
