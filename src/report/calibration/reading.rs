//! The calibration in plain words: which parameters the observations pin
//! and which they leave at their prior, which pairs trade off, which
//! observed counts the fitted model does not reproduce, and whether the
//! sampler finished. Each sentence is markup built from escaped parts.

use crate::report::html::escape;
use crate::report::numbers::{full, number, whole_or_number};
use crate::results::calibration::{Calibration, Parameter, Predictive};

/// Shrinkage from which the data "pin" a parameter, and below which it is
/// "barely informed".
const PINNED: f64 = 0.5;
const BARELY: f64 = 0.2;

/// How close (as a share of the prior's range) a 90% bound may come to the
/// prior's bound before the posterior is said to press against it.
const EDGE: f64 = 0.05;

/// Correlation from which two parameters are said to trade off.
const TIED: f64 = 0.7;

/// The sentences, most important first.
pub(super) fn sentences(cal: &Calibration) -> Vec<String> {
    let mut out = Vec::new();
    if !cal.manifest.converged {
        out.push(format!(
            "<strong>The sampler stopped at its generation cap with the likelihood at power {}, not 1</strong>: the particles are not yet the posterior, and what follows overstates how much is known. Run again with more <code>--generations</code>.",
            number(cal.manifest.final_temperature)
        ));
    }
    out.extend(cal.parameters.iter().map(parameter));
    out.extend(trade_offs(cal));
    out.push(fit(cal));
    out
}

/// What the data say about one parameter.
pub(super) fn parameter(p: &Parameter) -> String {
    let name = format!("<strong>{}</strong>", escape(&p.parameter));
    let interval = format!("{} to {}", number(p.q05), number(p.q95));
    let s = format!("{:.0}%", p.shrinkage * 100.0);
    let mut text = if p.shrinkage >= PINNED {
        format!(
            "The data pin {name}: its 90% interval, {interval}, is {s} narrower than the prior's."
        )
    } else if p.shrinkage >= BARELY {
        format!("The data narrow {name} somewhat: 90% interval {interval} (shrinkage {s}).")
    } else {
        format!(
            "{name} is barely informed (shrinkage {s}): its posterior is close to its prior, {} to {}, so results that depend on it rest on that range, not on the data.",
            full(p.prior_low),
            full(p.prior_high)
        )
    };
    if let Some(edge) = edge(p) {
        text.push_str(&format!(
            " Its posterior presses against the prior's {edge}: the data may favour values beyond it; consider widening the prior."
        ));
    }
    text
}

/// `lower bound (L)` or `upper bound (H)` when the posterior's 90%
/// interval reaches that end of the prior's range but not the other.
fn edge(p: &Parameter) -> Option<String> {
    let low = p.position(p.q05)? < EDGE;
    let high = p.position(p.q95)? > 1.0 - EDGE;
    match (low, high) {
        (true, false) => Some(format!("lower bound ({})", full(p.prior_low))),
        (false, true) => Some(format!("upper bound ({})", full(p.prior_high))),
        _ => None,
    }
}

/// Pairs of parameters whose posterior correlation is strong.
fn trade_offs(cal: &Calibration) -> Vec<String> {
    let n = cal.parameters.len();
    let mut out = Vec::new();
    for i in 0..n {
        for j in 0..i {
            let Some(r) = cal.correlation(i, j).filter(|r| r.abs() >= TIED) else {
                continue;
            };
            let how = if r > 0.0 {
                "rise and fall together"
            } else {
                "trade off against each other"
            };
            out.push(format!(
                "<strong>{}</strong> and <strong>{}</strong> {how} (correlation {}): the data fix a combination of the two more tightly than either alone.",
                escape(&cal.parameters[j].parameter),
                escape(&cal.parameters[i].parameter),
                number(r)
            ));
        }
    }
    out
}

/// How many observed counts fall outside their 90% predictive band, and
/// which.
pub(super) fn fit(cal: &Calibration) -> String {
    let total = cal.predictive.len();
    let outside: Vec<&Predictive> = cal.predictive.iter().filter(|r| !r.inside()).collect();
    if total == 0 {
        return "There is no predictive check (predictive.csv is empty).".into();
    }
    if outside.is_empty() {
        return format!(
            "All {total} observed counts fall inside their 90% posterior predictive bands: the fitted model reproduces what was seen."
        );
    }
    let list: Vec<String> = outside
        .iter()
        .map(|r| {
            format!(
                "{} in weeks {}–{} (observed {}, band {} to {})",
                escape(&cal.series_label(r.series_id, &r.series)),
                r.from_week,
                r.to_week,
                r.observed,
                whole_or_number(r.q05),
                whole_or_number(r.q95)
            )
        })
        .collect();
    let chance = 0.1 * total as f64;
    format!(
        "{} of {total} observed counts {} outside {} 90% predictive band: {}. About {} would by chance alone; more than that says the model misses something in those series.",
        outside.len(),
        if outside.len() == 1 { "falls" } else { "fall" },
        if outside.len() == 1 { "its" } else { "their" },
        list.join("; "),
        full((chance * 10.0).round() / 10.0)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(q05: f64, q95: f64, shrinkage: f64) -> Parameter {
        Parameter {
            parameter: "model.attack_hazard".into(),
            prior_low: 0.0,
            prior_high: 1.0,
            scale: "linear".into(),
            mean: (q05 + q95) / 2.0,
            sd: 0.1,
            q05,
            median: (q05 + q95) / 2.0,
            q95,
            shrinkage,
        }
    }

    #[test]
    fn parameters_are_read_by_their_shrinkage() {
        assert!(parameter(&param(0.4, 0.5, 0.89)).starts_with("The data pin <strong>"));
        assert!(parameter(&param(0.2, 0.8, 0.33)).contains("somewhat"));
        let barely = parameter(&param(0.05, 0.95, 0.0));
        assert!(
            barely.contains("barely informed (shrinkage 0%)"),
            "{barely}"
        );
        assert!(!barely.contains("presses"), "{barely}");
    }

    #[test]
    fn a_posterior_against_one_bound_is_flagged() {
        let high = parameter(&param(0.6, 0.99, 0.57));
        assert!(high.contains("prior's upper bound (1)"), "{high}");
        let low = parameter(&param(0.01, 0.3, 0.67));
        assert!(low.contains("prior's lower bound (0)"), "{low}");
    }
}
