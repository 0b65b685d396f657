//! Where things happen: attacks and entries by member state, and crossings
//! by border, from `states.csv` and `borders.csv`.

use std::collections::HashMap;

use super::charts::Charts;
use super::figure;
use super::html::{Cell, Column, Table, Tone, escape, ident, note, para, table_file};
use super::numbers::{number, percent};
use super::ranking::variant_cell;
use crate::results::Manifest;
use crate::results::read::{Details, Estimate, RunData};

/// Names and roles of regions and states, from the manifest.
struct Places<'a> {
    /// Region id → (name, state id).
    regions: HashMap<&'a str, (&'a str, &'a str)>,
    /// State id → role.
    roles: HashMap<&'a str, &'a str>,
}

impl<'a> Places<'a> {
    fn of(m: &'a Manifest) -> Places<'a> {
        Places {
            regions: m
                .regions
                .iter()
                .map(|r| (r.id.as_str(), (r.name.as_str(), r.state.as_str())))
                .collect(),
            roles: m
                .states
                .iter()
                .map(|s| (s.id.as_str(), s.role.as_str()))
                .collect(),
        }
    }

    fn in_member(&self, region: &str) -> bool {
        self.regions
            .get(region)
            .and_then(|(_, state)| self.roles.get(state))
            == Some(&"member")
    }

    /// Whether direction `A>B` goes from a non-member into a member region.
    fn is_entry(&self, direction: &str) -> bool {
        direction
            .split_once('>')
            .is_some_and(|(a, b)| !self.in_member(a) && self.in_member(b))
    }

    /// `A>B` as "A → B" by region names, short of any parenthesis (the
    /// full names and ids are in the tooltip).
    fn crossing(&self, direction: &str) -> Cell {
        let full_name = |id: &str| {
            self.regions
                .get(id)
                .map_or_else(|| id.to_string(), |(n, _)| n.to_string())
        };
        let short = |id: &str| {
            let name = full_name(id);
            name.split(" (").next().unwrap_or(&name).trim().to_string()
        };
        let (words, title) = match direction.split_once('>') {
            Some((a, b)) => (
                format!("{} → {}", short(a), short(b)),
                format!("{} → {} ({direction})", full_name(a), full_name(b)),
            ),
            None => (direction.to_string(), direction.to_string()),
        };
        Cell::markup(format!(
            "<span title=\"{}\">{}</span>",
            escape(&title),
            escape(&words)
        ))
        .sort_by(words)
        .row_header()
    }
}

/// The per-state section's body.
pub(super) fn states_body(run: &RunData, charts: &Charts) -> String {
    let members: Vec<(&str, &str)> = run
        .manifest
        .states
        .iter()
        .filter(|s| s.role == "member")
        .map(|s| (s.id.as_str(), s.name.as_str()))
        .collect();
    if members.is_empty() {
        return para("The scenario has no member states.");
    }
    let mut o = para(
        "Where the attacks and entries fall, by member state (entries and border interdictions count where the cell was going). Means per trial with 95% intervals.",
    );
    for (metric, caption) in [
        ("attacks", "Attacks per trial, by member state"),
        ("entries", "Entries per trial, by member state"),
    ] {
        o.push_str(&by_state(run, &members, metric, caption).render());
    }
    o.push_str(&figure(
        charts,
        "states_attacks",
        "Attacks by member state under each variant: bars are means per trial, whiskers 95% intervals.",
    ));
    o.push_str(&baseline_states(run, &members).render());
    o.push_str(&note(&format!(
        "Full values, for every variant, in {}.",
        table_file(&run.dir, "states")
    )));
    o
}

fn by_state(run: &RunData, members: &[(&str, &str)], metric: &str, caption: &str) -> Table {
    let mut columns = vec![Column::text("Variant")];
    columns.extend(
        members
            .iter()
            .map(|(_, name)| Column::number(&escape(name))),
    );
    let mut t = Table::new(escape(caption), columns);
    for v in &run.variants {
        let mut row = vec![variant_cell(&v.name, "")];
        for (id, _) in members {
            let e = run.state(&v.name, id, metric).unwrap_or(NONE);
            row.push(Cell::estimate(&e, number, Tone::Plain));
        }
        t.push(row);
    }
    t
}

const NONE: Estimate = Estimate {
    mean: None,
    ci95_lo: None,
    ci95_hi: None,
};

fn baseline_states(run: &RunData, members: &[(&str, &str)]) -> Table {
    let base = &run.variants[0].name;
    let mut t = Table::new(
        format!(
            "Under the <span class=\"variant\">{}</span>, by member state",
            ident(base)
        ),
        vec![
            Column::text("State"),
            Column::number("Attacks"),
            Column::number("Severity"),
            Column::number("Entries"),
            Column::number("Stopped at the border"),
            Column::number("Stopped inside"),
        ],
    );
    for (id, name) in members {
        let mut row = vec![Cell::text(name).row_header()];
        for metric in [
            "attacks",
            "severity",
            "entries",
            "border_interdictions",
            "interior_interdictions",
        ] {
            let e = run.state(base, id, metric).unwrap_or(NONE);
            row.push(Cell::estimate(&e, number, Tone::Plain));
        }
        t.push(row);
    }
    t
}

/// The per-border section's body.
pub(super) fn borders_body(run: &RunData, details: &Details) -> String {
    let places = Places::of(&run.manifest);
    let stat = |v: &str, d: &str, m: &str| {
        details
            .direction_stats
            .get(&(v.to_string(), d.to_string(), m.to_string()))
            .copied()
            .unwrap_or(NONE)
    };
    let base = run.variants[0].name.as_str();
    let mean = |v: &str, d: &str, m: &str| stat(v, d, m).mean.unwrap_or(0.0);
    let mut o = String::new();
    let mut entries: Vec<&(String, String)> = details
        .directions
        .iter()
        .filter(|(_, d)| places.is_entry(d))
        .filter(|(_, d)| {
            run.variants
                .iter()
                .any(|v| mean(&v.name, d, "crossings") > 0.0)
        })
        .collect();
    entries.sort_by(|a, b| mean(base, &b.1, "crossings").total_cmp(&mean(base, &a.1, "crossings")));
    if !entries.is_empty() {
        o.push_str(&para(
            "Crossings from outside the alliance into a member state (entries), by border and variant: where each policy moves the flow. Means per trial, most-used crossings under the baseline first.",
        ));
        let mut columns = vec![Column::text("Crossing")];
        columns.extend(run.variants.iter().map(|v| Column::number(&ident(&v.name))));
        let mut t =
            Table::new("Entries per trial, by crossing and variant".into(), columns).compact();
        for (_, d) in &entries {
            let mut row = vec![places.crossing(d)];
            row.extend(
                run.variants
                    .iter()
                    .map(|v| Cell::number(stat(&v.name, d, "crossings").mean)),
            );
            t.push(row);
        }
        o.push_str(&t.render());
    }
    o.push_str(&baseline_borders(run, details, &places, &stat).render());
    o.push_str(&note(&format!(
        "Every border segment into a member state that cells tried to cross, busiest first. Patrol detection: the mean weekly chance that patrols detect a crossing attempt. Interdicted: interdictions ÷ (interdictions + crossings), with a delta-method 95% interval. Crossings into partner and other states, and every variant, are in {}.",
        table_file(&run.dir, "borders")
    )));
    o
}

fn baseline_borders(
    run: &RunData,
    details: &Details,
    places: &Places<'_>,
    stat: &dyn Fn(&str, &str, &str) -> Estimate,
) -> Table {
    let base = run.variants[0].name.as_str();
    let segments: HashMap<&str, (Option<&str>, Option<f64>)> = run
        .manifest
        .borders
        .iter()
        .map(|b| (b.id.as_str(), (b.terrain.as_deref(), b.length_km)))
        .collect();
    let mut t = Table::new(
        format!(
            "Crossings into member states under the <span class=\"variant\">{}</span>, per trial",
            ident(base)
        ),
        vec![
            Column::text("Crossing"),
            Column::text("Terrain"),
            Column::number("Length (km)"),
            Column::number("Patrol detection"),
            Column::number("Attempts"),
            Column::number("Interdicted"),
            Column::number("Crossings"),
        ],
    );
    let attempts = |d: &str| stat(base, d, "attempts").mean.unwrap_or(0.0);
    let into_member = |d: &str| d.split_once('>').is_some_and(|(_, b)| places.in_member(b));
    let mut used: Vec<&(String, String)> = details
        .directions
        .iter()
        .filter(|(_, d)| into_member(d) && attempts(d) > 0.0)
        .collect();
    used.sort_by(|a, b| attempts(&b.1).total_cmp(&attempts(&a.1)));
    for (border, d) in used {
        let (terrain, length) = segments
            .get(border.as_str())
            .copied()
            .unwrap_or((None, None));
        t.push(vec![
            places.crossing(d),
            Cell::text(&terrain.unwrap_or("").replace('_', " ")),
            Cell::number(length),
            Cell::percent(stat(base, d, "patrol_detection").mean),
            Cell::number(stat(base, d, "attempts").mean),
            Cell::estimate(
                &stat(base, d, "interdiction_effectiveness"),
                percent,
                Tone::Plain,
            ),
            Cell::number(stat(base, d, "crossings").mean),
        ]);
    }
    t
}
