//! The report of a calibration folder (`cordon calibrate`): one
//! self-contained page, like a run's, in the order a reader checks a fit:
//! the reading in plain words, what was observed and where it comes from,
//! whether the fitted model reproduces it (the predictive check), what
//! the data say about each parameter (the posterior), how the sampler got
//! there, and how to run it again.

mod reading;

use std::path::Path;

use super::charts::{self, Charts};
use super::html::{Cell, Column, Table, escape, ident, note, para, section};
use super::numbers::{count, full, number, percent, whole_or_number};
use super::provenance::shell_word;
use super::{figure, shell};
use crate::chart::calibration::{Chart, charts as chart_list, draw_all};
use crate::results::calibration::Calibration;

/// Reads the calibration folder `dir` (drawing its charts if some are
/// missing) and returns the page.
pub(super) fn page(dir: &Path) -> Result<String, crate::Error> {
    let cal = Calibration::read(dir)?;
    let stems: Vec<String> = chart_list(&cal)
        .into_iter()
        .map(|c| c.stem().to_string())
        .collect();
    let charts = charts::read_drawn(dir, &stems, |d| draw_all(d).map(drop))?;
    Ok(render(&cal, &charts))
}

/// The whole page.
fn render(cal: &Calibration, charts: &Charts) -> String {
    let sections = [
        ("observations", "What was observed", observations(cal)),
        ("predictive", "Predictive check", predictive(cal, charts)),
        ("posterior", "What the data say", posterior(cal, charts)),
        ("sampler", "The sampler", sampler(cal, charts)),
        ("reproduce", "Reproducing this result", reproduce(cal)),
    ];
    let mut body = String::from(
        "<nav class=\"toc\" aria-label=\"Sections\"><span class=\"brand\">cordon · calibration report</span><ul>",
    );
    for (id, title, _) in &sections {
        body.push_str(&format!("<li><a href=\"#{id}\">{}</a></li>", escape(title)));
    }
    body.push_str("</ul></nav>\n");
    body.push_str(&masthead(cal));
    body.push_str("<main>\n");
    for (id, title, content) in &sections {
        body.push_str(&section(id, title, content));
    }
    let m = &cal.manifest;
    body.push_str(&format!(
        "</main>\n<footer><p>Written by cordon {} from the calibration folder of {} (seed {}, {} particles × {} trials each). Numbers are rounded for reading; the CSV files next to this page hold them in full.</p></footer>\n",
        escape(&m.cordon_version),
        escape(&m.scenario.name),
        m.seed,
        count(m.settings.particles as u64),
        count(m.trials_per_particle)
    ));
    shell(&m.scenario.name, "calibration report", &body)
}

/// The title block and the reading in short.
fn masthead(cal: &Calibration) -> String {
    let m = &cal.manifest;
    let periods: usize = m.observed.iter().map(|o| o.counts.len()).sum();
    let k = cal.parameters.len();
    let lede = format!(
        "What {} observed count{} in {} series say about {k} uncertain parameter{} of <strong>{}</strong>: their prior ranges, narrowed by how well simulations at each value reproduce the counts.",
        periods,
        if periods == 1 { "" } else { "s" },
        m.observed.len(),
        if k == 1 { "" } else { "s" },
        escape(&m.scenario.name)
    );
    let description = if m.scenario.description.is_empty() {
        String::new()
    } else {
        format!(
            "<p class=\"description\">{}</p>\n",
            escape(&m.scenario.description)
        )
    };
    let facts = [
        ("Parameters", k.to_string()),
        ("Observed counts", count(periods as u64)),
        ("Particles", count(m.settings.particles as u64)),
        ("Trials per particle", count(m.trials_per_particle)),
        ("Generations", m.generations.to_string()),
        (
            "Reached the posterior",
            if m.converged { "yes" } else { "no" }.to_string(),
        ),
        ("Seed", m.seed.to_string()),
        (
            "Run",
            escape(m.started_utc.get(..10).unwrap_or(&m.started_utc)),
        ),
    ];
    let facts: String = facts
        .iter()
        .map(|(k, v)| format!("<div><dt>{k}</dt><dd>{v}</dd></div>"))
        .collect();
    let reading: String = reading::sentences(cal).iter().map(|s| para(s)).collect();
    format!(
        "<header class=\"masthead\">\n<h1>{}</h1>\n<p class=\"lede\">{lede}</p>\n{description}<dl class=\"facts-strip\">{facts}</dl>\n</header>\n<aside class=\"headline\" aria-label=\"In short\"><h2>In short</h2>\n{reading}</aside>\n",
        escape(&m.scenario.name)
    )
}

/// The observed series with their sources.
fn observations(cal: &Calibration) -> String {
    let mut t = Table::new(
        "The <code>[[observed]]</code> series of the scenario".into(),
        vec![
            Column::text("Series"),
            Column::text("Periods"),
            Column::text("Counts"),
            Column::text("Source"),
        ],
    );
    for (id, o) in cal.manifest.observed.iter().enumerate() {
        let counts: Vec<String> = o.counts.iter().map(u64::to_string).collect();
        let periods = format!(
            "{} × {} weeks from week {}",
            o.counts.len(),
            o.period_weeks,
            o.start_week
        );
        t.push(vec![
            Cell::markup(ident(&cal.series_label(id, &o.series))).row_header(),
            Cell::text(&periods),
            Cell::text(&counts.join(", ")),
            Cell::text(&o.source),
        ]);
    }
    let mut o = t.render();
    o.push_str(&note(&format!(
        "Weeks are counted from the first recorded week{}. Each count is compared with the same counter summed over the same weeks of a simulated trial; periods and series are treated as independent given the parameters.",
        if cal.manifest.warmup_weeks > 0 {
            format!(", after {} warm-up weeks", cal.manifest.warmup_weeks)
        } else {
            String::new()
        }
    )));
    o
}

/// Observed counts against the posterior predictive: table and chart.
fn predictive(cal: &Calibration, charts: &Charts) -> String {
    let mut o = para(&reading::fit(cal));
    o.push_str(&figure(
        charts,
        Chart::Predictive.stem(),
        "For each observed period, the counts that trials at the posterior’s particles produce: their median (line) and 90% band, with the count observed (a dot; a hollow ring when it falls outside the band). A good fit has about nine in ten dots inside their bands.",
    ));
    let mut t = Table::new(
        "<code>predictive.csv</code>: each observed count against its posterior predictive".into(),
        vec![
            Column::text("Series"),
            Column::text("Weeks"),
            Column::number("Observed"),
            Column::number("Predicted median"),
            Column::number("90% band"),
            Column::number("Share of simulations ≥ observed"),
            Column::text("Inside the band"),
        ],
    );
    for r in &cal.predictive {
        let band = format!("{} to {}", whole_or_number(r.q05), whole_or_number(r.q95));
        let inside = if r.inside() {
            Cell::text("yes")
        } else {
            Cell::markup("<span class=\"key worse\">outside</span>".into())
        };
        t.push(vec![
            Cell::markup(ident(&cal.series_label(r.series_id, &r.series))).row_header(),
            Cell::text(&format!("{}–{}", r.from_week, r.to_week)).sort_by(r.from_week.to_string()),
            Cell::integer(r.observed),
            Cell::number_with(Some(r.q50), whole_or_number),
            Cell::text(&band).sort_by(full(r.q05)),
            Cell::percent(Some(r.p_at_or_above)),
            inside,
        ]);
    }
    o.push_str(&t.compact().render());
    o.push_str(&note(
        "A share of simulations at or above the observed count near 0% or 100% says the model rarely produces a count that high or that low.",
    ));
    o
}

/// The posterior table and the marginal and pairs charts.
fn posterior(cal: &Calibration, charts: &Charts) -> String {
    let mut t = Table::new(
        "<code>calibration.csv</code>: each parameter’s prior and posterior".into(),
        vec![
            Column::text("Parameter"),
            Column::text("Prior"),
            Column::number("Posterior median"),
            Column::number("90% interval"),
            Column::number("Mean"),
            Column::number("SD"),
            Column::number("Shrinkage"),
        ],
    );
    for p in &cal.parameters {
        let prior = format!(
            "{} to {}, {}",
            full(p.prior_low),
            full(p.prior_high),
            if p.log() { "log-uniform" } else { "uniform" }
        );
        t.push(vec![
            Cell::markup(ident(&p.parameter)).row_header(),
            Cell::text(&prior),
            Cell::number(Some(p.median)),
            Cell::text(&format!("{} to {}", number(p.q05), number(p.q95))).sort_by(full(p.q05)),
            Cell::number(Some(p.mean)),
            Cell::number(Some(p.sd)),
            Cell::percent(Some(p.shrinkage)),
        ]);
    }
    let mut o = t.render();
    o.push_str(&note(
        "Shrinkage is 1 − (posterior 90% interval) / (prior 90% interval), in the prior’s scale (log for a log-uniform prior): 0% when the data taught nothing, near 100% when they pin the parameter.",
    ));
    o.push_str(&figure(
        charts,
        Chart::Marginals.stem(),
        "Each parameter over its prior range: the posterior as a histogram of the weighted particles, the prior as a dashed line (flat, since bins hold equal prior weight; log-uniform priors are drawn on a log axis), and the posterior median and 90% interval.",
    ));
    o.push_str(&figure(
        charts,
        Chart::Pairs.stem(),
        "Every pair of parameters: the posterior particles (below the diagonal), each parameter’s histogram (on it) and the weighted correlation (above it). A tilted cloud means the data fix a combination of the two better than either alone.",
    ));
    o
}

/// The tempering chart and the generations table.
fn sampler(cal: &Calibration, charts: &Charts) -> String {
    let m = &cal.manifest;
    let mut o = para(&format!(
        "Sequential Monte Carlo: {} particles drawn from the prior are reweighted by the likelihood raised to a power that rises from 0 to 1, each step as large as keeps the effective sample size near {} of the particles, then resampled and moved by up to {} Metropolis–Hastings steps. Each likelihood is estimated from {} simulated trials. {}",
        count(m.settings.particles as u64),
        percent(m.settings.ess_fraction),
        m.settings.max_moves,
        count(m.trials_per_particle),
        if m.converged {
            format!(
                "The power reached 1 after {} generations ({} simulated parameter points).",
                m.generations,
                count(m.simulations)
            )
        } else {
            format!(
                "The power reached only {} within the cap of {} generations: the particles are not yet the posterior.",
                number(m.final_temperature),
                m.settings.generations
            )
        }
    ));
    o.push_str(&figure(
        charts,
        Chart::Tempering.stem(),
        "Above, the power of the likelihood by generation. Below, the effective sample size after reweighting (as a share of the particles) and the share of proposed moves accepted; an acceptance near zero means the particles barely move and the posterior may be rough.",
    ));
    o.push_str(&generations(cal));
    o
}

/// `generations.csv` as a table.
fn generations(cal: &Calibration) -> String {
    let mut t = Table::new(
        "<code>generations.csv</code>".into(),
        vec![
            Column::number("Generation"),
            Column::number("Likelihood power"),
            Column::number("ESS"),
            Column::number("Acceptance"),
            Column::number("Moves"),
            Column::number("Points simulated"),
            Column::number("Seconds"),
        ],
    );
    for g in &cal.generations {
        t.push(vec![
            Cell::integer(u64::from(g.generation)),
            Cell::number(Some(g.temperature)),
            Cell::number(Some(g.ess)),
            Cell::percent((g.moves > 0).then_some(g.acceptance)),
            Cell::integer(u64::from(g.moves)),
            Cell::integer(g.simulations),
            Cell::number(Some(g.elapsed_s)),
        ]);
    }
    t.compact().narrow().render()
}

/// What ran, and the command that runs it again.
fn reproduce(cal: &Calibration) -> String {
    let m = &cal.manifest;
    let facts: Vec<(&str, String)> = vec![
        ("cordon version", escape(&m.cordon_version)),
        ("Scenario", escape(&m.scenario.name)),
        (
            "Scenario file",
            format!("<code>{}</code>", escape(&m.scenario.path)),
        ),
        (
            "SHA-256 of the file",
            format!("<code class=\"hash\">{}</code>", escape(&m.scenario.sha256)),
        ),
        ("Seed", m.seed.to_string()),
        (
            "Values set",
            if m.sets.is_empty() {
                "none".into()
            } else {
                format!("<code>{}</code>", escape(&m.sets.join("  ")))
            },
        ),
        ("Started (UTC)", escape(&m.started_utc)),
        (
            "Run time",
            format!("{} s on {} threads", number(m.wall_seconds), m.threads),
        ),
        (
            "Command line",
            format!("<code>{}</code>", escape(&m.command_line)),
        ),
    ];
    let mut o = String::from(
        "<table class=\"facts\">\n<caption>From <code>manifest.json</code></caption>\n<tbody>\n",
    );
    for (k, v) in facts {
        o.push_str(&format!(
            "<tr><th scope=\"row\">{k}</th><td>{v}</td></tr>\n"
        ));
    }
    o.push_str("</tbody></table>\n");
    o.push_str("<p>To run it again (the scenario must have the same SHA-256):</p>\n");
    o.push_str(&format!(
        "<pre><code>{}</code></pre>\n",
        escape(&command(cal))
    ));
    o.push_str(&note(
        "The same scenario, seed and settings give the same posterior at any number of threads.",
    ));
    o
}

/// `cordon calibrate` with the scenario, the `--set` values and the
/// sampler's settings.
fn command(cal: &Calibration) -> String {
    let m = &cal.manifest;
    let scenario = m
        .scenario
        .path
        .strip_prefix("builtin:")
        .unwrap_or(&m.scenario.path);
    let mut words = vec![
        "cordon".to_string(),
        "calibrate".into(),
        shell_word(scenario),
    ];
    for s in &m.sets {
        words.push("--set".into());
        words.push(shell_word(s));
    }
    words.extend([
        format!("--particles {}", m.settings.particles),
        format!("--generations {}", m.settings.generations),
        format!("--trials-per-particle {}", m.trials_per_particle),
        format!("--max-moves {}", m.settings.max_moves),
        format!("--seed {}", m.seed),
    ]);
    words.join(" ")
}
