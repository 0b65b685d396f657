//! The report: one self-contained HTML page, `report.html`, to hand to
//! decision-makers. It opens offline in any browser and can be mailed as
//! is: charts are inline SVG, styles and the small sorting script are
//! inline, and a Content-Security-Policy forbids every request.
//!
//! [`write_report`] reads a result folder (as `cordon plot` does, drawing
//! the charts if they are missing) into one `Inputs` value, then each
//! section turns its part into markup, in the order a reader needs it:
//! the question and headline, the policy ranking, the key charts, per-state
//! and per-border tables, sensitivity results when present, the model's
//! assumptions and the values that differ from the defaults, and what is
//! needed to reproduce the result. A calibration folder gets a page of
//! its own (the private `calibration` module), with the same look.

mod assumptions;
mod calibration;
mod charts;
mod geography;
mod html;
mod inputs;
mod numbers;
mod one_trial;
mod provenance;
mod ranking;
mod sensitivity;
pub(crate) mod trace_page;

pub(crate) use html::escape;

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use charts::Charts;
use html::{ident, section};
use inputs::{Inputs, ScenarioValues};

/// The report's file name inside a result folder.
pub const REPORT: &str = "report.html";

/// The page's styles, screen and print.
const STYLE: &str = include_str!("assets/style.css");

/// Click-to-sort for tables; the page reads the same without it.
const SORT_SCRIPT: &str = include_str!("assets/sort.js");

/// Writes `run_dir/report.html` from the result folder `run_dir` (a run's
/// or a calibration's; drawing its charts first if any is missing) and
/// returns its path.
pub fn write_report(run_dir: &Path) -> Result<PathBuf, crate::Error> {
    let page = if crate::chart::calibration::is_calibration(run_dir) {
        calibration::page(run_dir)?
    } else {
        render(&Inputs::read(run_dir)?)
    };
    let path = run_dir.join(REPORT);
    std::fs::write(&path, page).map_err(|source| crate::Error::Io {
        action: "write",
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// The whole page.
fn render(inputs: &Inputs) -> String {
    let Inputs {
        run,
        details,
        charts,
        scenario,
        sensitivity,
        trace,
    } = inputs;
    let m = &run.manifest;
    let ranked = ranking::rank(run, details);
    let best = ranked.iter().find(|r| r.clearly_fewer_attacks());
    let mut sections = vec![
        (
            "ranking",
            if ranked.is_empty() {
                "Outcomes"
            } else {
                "Policy ranking"
            },
            ranking::body(run, details, &ranked),
        ),
        (
            "charts",
            "Key charts",
            key_charts(charts, &run.variants[0].name, best.map(|b| b.name.as_str())),
        ),
        (
            "states",
            "By member state",
            geography::states_body(run, charts),
        ),
        (
            "borders",
            "By border",
            geography::borders_body(run, details),
        ),
    ];
    if let Some(t) = trace {
        sections.push(("one-trial", "One trial", one_trial::body(t)));
    }
    if let Some(table) = sensitivity {
        sections.push(("sensitivity", "Sensitivity", sensitivity::body(table)));
    }
    let all_variants = match scenario {
        ScenarioValues::Read { variants, .. } => Some(m.variants.len() == variants + 1),
        ScenarioValues::Unavailable(_) => None,
    };
    sections.push((
        "assumptions",
        "Model and assumptions",
        assumptions::body(m, scenario),
    ));
    sections.push((
        "reproduce",
        "Reproducing this result",
        provenance::body(m, all_variants),
    ));
    let mut body = String::from(
        "<nav class=\"toc\" aria-label=\"Sections\"><span class=\"brand\">cordon · policy report</span><ul>",
    );
    for (id, title, _) in &sections {
        body.push_str(&format!("<li><a href=\"#{id}\">{}</a></li>", escape(title)));
    }
    body.push_str("</ul></nav>\n");
    body.push_str(&masthead(inputs, &ranked));
    body.push_str("<main>\n");
    for (id, title, content) in &sections {
        body.push_str(&section(id, title, content));
    }
    body.push_str(&format!(
        "</main>\n<footer><p>Written by cordon {} from the result folder of {} (seed {}, {} trials per variant). Numbers are rounded for reading; the CSV files next to this page hold them in full.</p></footer>\n",
        escape(&m.cordon_version),
        escape(&m.scenario.name),
        m.seed,
        numbers::count(m.trials)
    ));
    shell(&m.scenario.name, "policy report", &body)
}

/// The title block: what was asked, of what, and the answer in short.
fn masthead(inputs: &Inputs, ranked: &[ranking::Ranked]) -> String {
    let m = &inputs.run.manifest;
    let description = if m.scenario.description.is_empty() {
        String::new()
    } else {
        format!(
            "<p class=\"description\">{}</p>\n",
            escape(&m.scenario.description)
        )
    };
    let description = match &m.posterior {
        Some(p) => format!(
            "{description}<p class=\"description\"><strong>Over a posterior.</strong> Every trial of every policy ran at one parameter point drawn by weight from the posterior in <code>{}</code> ({} points, {} distinct; {}), the same point for every policy, so comparisons stay paired and every figure below integrates over what the observed record leaves uncertain.</p>\n",
            escape(&p.path),
            p.points,
            p.distinct_points,
            escape(&p.paths.join(", "))
        ),
        None => description,
    };
    let n = m.variants.len().saturating_sub(1);
    let facts = [
        (
            "Policy variants",
            if n == 0 {
                "baseline only".to_string()
            } else {
                format!("{n} + baseline")
            },
        ),
        ("Trials per variant", numbers::count(m.trials)),
        ("Horizon", format!("{} weeks", m.weeks)),
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
    format!(
        "<header class=\"masthead\">\n<h1>{}</h1>\n<p class=\"lede\">{}</p>\n{description}<dl class=\"facts-strip\">{facts}</dl>\n</header>\n<aside class=\"headline\" aria-label=\"In short\"><h2>In short</h2>\n{}</aside>\n",
        escape(&m.scenario.name),
        ranking::question(&inputs.run),
        ranking::headline(&inputs.run, &inputs.details, ranked),
    )
}

/// The key charts, each with how to read it.
fn key_charts(charts: &Charts, baseline: &str, best: Option<&str>) -> String {
    let mut o = String::new();
    o.push_str(&figure(
        charts,
        "forest",
        "Each variant against the baseline, paired on the same trials: the mean difference per trial in attacks, severity and entries, with 95% intervals. Left of the dashed line is fewer.",
    ));
    o.push_str(&figure(
        charts,
        "p_attack",
        "The chance of at least one attack by each week, per variant, with 95% (Wilson) bands.",
    ));
    o.push_str(&figure(
        charts,
        "fan_cells_in_alliance",
        "Militant cells inside the alliance by week: the median trial (line) and the middle 50% and 90% of trials (bands), with the baseline’s median in grey in every panel. The bands show how trials differ, not the uncertainty of the median.",
    ));
    o.push_str(&figure(
        charts,
        &format!("map_{baseline}"),
        &format!(
            "The frontier under the <span class=\"variant\">{}</span>: regions coloured by role; line width is border crossing attempts per trial, colour the share of them interdicted at the border.",
            ident(baseline)
        ),
    ));
    if let Some(best) = best {
        o.push_str(&figure(
            charts,
            &format!("map_{best}"),
            &format!(
                "The frontier under <span class=\"variant\">{}</span>, the variant with the largest clear reduction in attacks, for comparison.",
                ident(best)
            ),
        ));
    }
    o.push_str(&html::note(
        "Every chart is also in <code>charts/</code> as PNG and SVG, with the distributions of attacks and severity, cumulative attacks and entries, and a map per variant.",
    ));
    o
}

/// Chart `stem` with its caption (markup), or nothing if the run has no
/// such chart.
fn figure(charts: &Charts, stem: &str, caption: &str) -> String {
    match charts.get(stem) {
        Some(svg) => format!(
            "<figure class=\"chart\" id=\"chart-{}\">\n{svg}<figcaption>{caption}</figcaption>\n</figure>\n",
            escape(stem)
        ),
        None => String::new(),
    }
}

/// The document around `body`, titled with the scenario and `kind` of
/// report.
fn shell(scenario: &str, kind: &str, body: &str) -> String {
    let script_hash = base64(&Sha256::digest(SORT_SCRIPT.as_bytes()));
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'; img-src data:; base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"cordon {}\">\n\
         <title>{} — {}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n{body}<script>{SORT_SCRIPT}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        escape(scenario),
        escape(kind)
    )
}

/// Standard base64 with padding. Written here because it is needed only
/// for the 32-byte script hashes of pages' Content-Security-Policy.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
