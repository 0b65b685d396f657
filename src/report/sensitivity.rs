//! `sensitivity.csv`, when a sensitivity analysis wrote one: shown as it
//! is, with numbers rounded for reading and sortable columns.

use super::html::{Cell, Column, Table, escape, note};
use crate::results::read::RawTable;

/// The section's body.
pub(super) fn body(table: &RawTable) -> String {
    let numeric: Vec<bool> = (0..table.headers.len())
        .map(|c| {
            let mut cells = table
                .rows
                .iter()
                .filter_map(|r| r.get(c))
                .filter(|s| !s.trim().is_empty());
            let mut any = false;
            let all = cells.all(|s| {
                any = true;
                parse(s).is_some()
            });
            any && all
        })
        .collect();
    let columns = table
        .headers
        .iter()
        .zip(&numeric)
        .map(|(h, &n)| {
            if n {
                Column::number(&escape(h))
            } else {
                Column::text(&escape(h))
            }
        })
        .collect();
    let mut t = Table::new("<code>sensitivity.csv</code>".into(), columns);
    for row in &table.rows {
        t.push(
            (0..table.headers.len())
                .map(|c| {
                    let cell = row.get(c).map_or("", String::as_str);
                    if numeric[c] {
                        Cell::number(parse(cell))
                    } else {
                        Cell::text(cell)
                    }
                })
                .collect(),
        );
    }
    let mut o = t.render();
    o.push_str(&note(
        "Rounded to three significant digits; full values in <code>sensitivity.csv</code>.",
    ));
    o
}

fn parse(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|x| x.is_finite())
}
