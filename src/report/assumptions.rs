//! The model's assumptions in brief, the scenario values that differ from
//! the defaults, and what each variant changes.

use super::html::{Cell, Column, Table, escape, ident, note, para};
use super::inputs::{Difference, ScenarioValues};
use super::ranking::variant_cell;
use crate::results::Manifest;
use crate::results::manifest::OverrideEntry;

/// What a reader must know about the model before trusting a number;
/// `docs/model.md` has the rules and the literature behind each.
const ASSUMPTIONS: [&str; 7] = [
    "The model <strong>compares policies</strong>; it does not predict events. Read the differences between variants, not the levels; severity is in model units.",
    "Weekly steps. States, border regions and small militant cells are the agents; the capabilities of member states (border forces, intelligence, readiness) are indices built up by their budgets and decaying without them.",
    "New cells appear in source regions at a rate that grows with hardship and weak governance there; each heads for a region of a member state, chosen in proportion to its target weight (its population unless the scenario says otherwise).",
    "Cells choose their route weighing the risk of detection against distance, so defending one route pushes some of them to others (displacement). Patrols detect crossings according to effort, length and terrain; a detected cell is stopped with a probability that rises with readiness. Passes of some terrain close for part of the year.",
    "Inside member territory, intelligence and readiness stop cells; established cells grow and attack, faster as they gain size and experience. Intelligence shared between members, and with partners, adds to each state’s own.",
    "The severity of an attack is heavy-tailed (a capped power law), so totals of severity vary widely between trials; their intervals are wide for that reason.",
    "Every variant runs on the same trials as the baseline, with common random numbers, so paired differences are far more precise than a comparison of two separate means.",
];

/// The section's body.
pub(super) fn body(m: &Manifest, values: &ScenarioValues) -> String {
    let mut o =
        String::from("<h3>How the model works, in brief</h3>\n<ul class=\"assumptions\">\n");
    for a in ASSUMPTIONS {
        o.push_str(&format!("<li>{a}</li>\n"));
    }
    o.push_str("</ul>\n");
    o.push_str(&note(
        "The rules, every parameter and the literature behind each are in <code>docs/model.md</code> of cordon.",
    ));
    o.push_str("<h3>Values that differ from the defaults</h3>\n");
    o.push_str(&differences(m, values));
    if !m.base_overrides.is_empty() {
        o.push_str(&overrides_table(&m.base_overrides).render());
    }
    if m.variants.len() > 1 {
        o.push_str("<h3>What each variant changes</h3>\n");
        o.push_str(&variants_table(m).render());
    }
    o
}

fn differences(m: &Manifest, values: &ScenarioValues) -> String {
    match values {
        ScenarioValues::Read { differences, .. } if differences.is_empty() => para(
            "None: the base scenario uses the default of every model, source and alliance parameter (docs/model.md §6). Its states, regions, borders and budgets are its own data.",
        ),
        ScenarioValues::Read { differences, .. } => {
            let mut o = para(&format!(
                "Model, source and alliance parameters of the base scenario (<code>{}</code>, with the run’s <code>--set</code> values) that depart from the defaults of docs/model.md §6. Its states, regions, borders and budgets are its own data.",
                escape(&m.scenario.path)
            ));
            o.push_str(&differences_table(differences).render());
            o
        }
        ScenarioValues::Unavailable(why) => para(&format!(
            "The parameter values cannot be listed: {}. The manifest records the values set on the command line and by each variant, below.",
            escape(why)
        )),
    }
}

fn differences_table(list: &[Difference]) -> Table {
    let mut t = Table::new(
        "Parameters that differ from the defaults".into(),
        vec![
            Column::text("Parameter"),
            Column::text("Default"),
            Column::text("This scenario"),
        ],
    )
    .narrow();
    for d in list {
        t.push(vec![
            Cell::markup(format!("<code>{}</code>", ident(&d.path)))
                .sort_by(d.path.clone())
                .row_header(),
            Cell::text(&d.default),
            Cell::text(&d.value),
        ]);
    }
    t
}

fn overrides_table(list: &[OverrideEntry]) -> Table {
    let mut t = Table::new(
        "Set on the command line (<code>--set</code>, <code>--trials</code>, <code>--seed</code>)"
            .into(),
        vec![Column::text("Path"), Column::text("Value")],
    )
    .narrow();
    for o in list {
        t.push(vec![
            Cell::markup(format!("<code>{}</code>", ident(&o.path))).row_header(),
            Cell::markup(format!("<code>{}</code>", escape(&o.value))),
        ]);
    }
    t
}

fn variants_table(m: &Manifest) -> Table {
    let mut t = Table::new(
        "Variants and the values they set on top of the base scenario".into(),
        vec![Column::text("Variant"), Column::text("Changes")],
    );
    for v in m.variants.iter().skip(1) {
        let changes: Vec<String> = v
            .overrides
            .iter()
            .map(|o| {
                format!(
                    "<li><code>{}</code> = <code>{}</code></li>",
                    ident(&o.path),
                    escape(&o.value)
                )
            })
            .collect();
        t.push(vec![
            variant_cell(&v.name, &v.description),
            Cell::markup(format!("<ul class=\"changes\">{}</ul>", changes.join(""))),
        ]);
    }
    t
}
