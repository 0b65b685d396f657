//! The report's "One trial" section, when the run folder holds a trace
//! (`cordon trace --from RUN_DIR` writes `RUN_DIR/trace/`): the strip of
//! maps, what each policy saw in that trial, and a link to the animation.

use std::path::Path;

use super::charts::inline;
use super::html::{Cell, Column, Table, escape, note, para};
use crate::results::trace::{TRACE_DIR, TRACE_JSON, TraceSummary};

/// A trace found in the run folder.
#[derive(Debug)]
pub(super) struct OneTrial {
    pub summary: TraceSummary,
    /// `trace.svg`, checked and ready to inline.
    pub svg: String,
}

/// The trace in `run_dir/trace/`, if there is one.
pub(super) fn read(run_dir: &Path) -> Result<Option<OneTrial>, crate::Error> {
    let dir = run_dir.join(TRACE_DIR);
    let (json, svg) = (dir.join(TRACE_JSON), dir.join("trace.svg"));
    if !json.is_file() || !svg.is_file() {
        return Ok(None);
    }
    let text = |p: &Path| {
        std::fs::read_to_string(p).map_err(|source| crate::Error::Io {
            action: "read",
            path: p.to_path_buf(),
            source,
        })
    };
    let summary: TraceSummary = serde_json::from_str(&text(&json)?).map_err(|e| {
        crate::Error::Invalid(format!(
            "{}: {e}; write it again with `cordon trace --from {} --force`",
            json.display(),
            run_dir.display()
        ))
    })?;
    let svg = inline(&text(&svg)?).map_err(|why| {
        crate::Error::Invalid(format!(
            "{}: {why}; write it again with `cordon trace --from {} --force`",
            svg.display(),
            run_dir.display()
        ))
    })?;
    Ok(Some(OneTrial { summary, svg }))
}

/// The section's markup.
pub(super) fn body(t: &OneTrial) -> String {
    let s = &t.summary;
    let mut o = para(&format!(
        "Averages hide what a single trial looks like. This is trial {}: {}. Each dot is a militant cell; the same cell (the same random numbers) appears in every policy until its path parts from the baseline's.",
        s.trial,
        escape(&s.chosen)
    ));
    o.push_str(&format!(
        "<figure class=\"chart\" id=\"chart-trace\">\n{}<figcaption>Trial {} at four weeks, one row per policy. Open <a href=\"{TRACE_DIR}/trace.html\">{TRACE_DIR}/trace.html</a> to watch it week by week.</figcaption>\n</figure>\n",
        t.svg, s.trial
    ));
    let mut table = Table::new(
        format!("Trial {} under each policy", s.trial),
        vec![
            Column::text("Policy"),
            Column::number("New cells"),
            Column::number("Entries"),
            Column::number("Stopped at border"),
            Column::number("Stopped inside"),
            Column::number("Attacks"),
            Column::number("Severity"),
            Column::number("Cells that part from the baseline"),
        ],
    )
    .narrow();
    for v in &s.variants {
        table.push(vec![
            Cell::text(&v.name).row_header(),
            Cell::number(Some(v.new_cells)),
            Cell::number(Some(v.entries)),
            Cell::number(Some(v.border_interdictions)),
            Cell::number(Some(v.interior_interdictions)),
            Cell::number(Some(v.attacks)),
            Cell::number(Some(v.severity)),
            Cell::integer(v.diverging_cells as u64),
        ]);
    }
    o.push_str(&table.render());
    o.push_str(&note(
        "One trial is an illustration, not evidence: the ranking above rests on every trial. Every event of this trial is in <code>trace/events.csv</code>, every cell in <code>trace/cells.csv</code>.",
    ));
    o
}
