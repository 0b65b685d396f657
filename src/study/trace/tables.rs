//! `events.csv` and `cells.csv`: a traced trial as typed rows.

use serde::Serialize;

use crate::results::trace::{CellStory, Trace, divergences, stories};
use crate::scenario::Scenario;

/// One row of `events.csv`: one thing that happened to one cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct EventRow<'a> {
    pub variant: &'a str,
    /// Recorded week; negative in the warm-up (not in `trials.csv`).
    pub week: i64,
    pub cell: String,
    pub event: &'static str,
    pub region: &'a str,
    /// Where the cell moves or tries to move; a new cell's target.
    pub to_region: &'a str,
    pub border: &'a str,
    pub size: u64,
    /// An attack's severity; empty for other events.
    pub severity: Option<u64>,
}

/// One row of `cells.csv`: one cell's life in one variant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct CellRow<'a> {
    pub variant: &'a str,
    pub cell: String,
    pub spawn_week: i64,
    pub spawn_region: &'a str,
    pub target: &'a str,
    /// The regions it stood in, in order, joined by ` > `.
    pub route: String,
    /// `alive` at the end, or the event that removed it.
    pub fate: &'static str,
    /// The week of that event; empty when alive.
    pub fate_week: Option<i64>,
    pub established_week: Option<i64>,
    pub attacks: u64,
    pub severity: u64,
    /// From this week on the cell's events differ from the same cell's in
    /// the baseline (for the baseline: in the first variant); empty when
    /// they never do, or when only the baseline was traced.
    pub diverges_week: Option<i64>,
}

/// Every event of every variant, variant by variant, in order.
pub(crate) fn event_rows<'a>(trace: &'a Trace, s: &'a Scenario) -> Vec<EventRow<'a>> {
    let mut rows = Vec::new();
    for v in &trace.variants {
        for (key, e) in &v.events {
            rows.push(EventRow {
                variant: &v.name,
                week: trace.week(e),
                cell: trace.cell_id(key),
                event: e.kind.name(),
                region: region(s, Some(e.region)),
                to_region: region(s, e.to),
                border: e.border.map_or("", |b| s.borders[b as usize].id.as_str()),
                size: e.size,
                severity: (e.kind == crate::model::EventKind::Attacked).then_some(e.severity),
            });
        }
    }
    rows
}

/// Every cell of every variant, in order of spawn.
pub(crate) fn cell_rows<'a>(trace: &'a Trace, s: &'a Scenario) -> Vec<CellRow<'a>> {
    let all: Vec<Vec<CellStory>> = trace.variants.iter().map(stories).collect();
    let mut rows = Vec::new();
    for (i, (v, cells)) in trace.variants.iter().zip(&all).enumerate() {
        let other = if i == 0 { all.get(1) } else { all.first() };
        let parted = other.map(|o| divergences(o, cells)).unwrap_or_default();
        let week = |w: u32| i64::from(w) - i64::from(trace.warmup);
        for c in cells {
            let route: Vec<&str> = c.route.iter().map(|&(_, r)| region(s, Some(r))).collect();
            rows.push(CellRow {
                variant: &v.name,
                cell: trace.cell_id(&c.key),
                spawn_week: week(c.key.week),
                spawn_region: route.first().copied().unwrap_or(""),
                target: region(s, c.target),
                route: route.join(" > "),
                fate: c.fate(),
                fate_week: c.end.map(|e| week(e.run_week)),
                established_week: c.established.map(week),
                attacks: c.attacks,
                severity: c.severity,
                diverges_week: parted.get(&c.key).map(|&w| week(w)),
            });
        }
    }
    rows
}

/// A region's id, or "" for none.
fn region(s: &Scenario, r: Option<u32>) -> &str {
    r.map_or("", |r| s.regions[r as usize].id.as_str())
}
