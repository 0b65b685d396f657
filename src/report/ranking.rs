//! The question, the headline and the policy ranking: every variant
//! against the baseline, paired on common random numbers, fewest attacks
//! first. The headline states only what the intervals show.

use super::html::{Cell, Column, Table, Tone, escape, ident, note, para, table_file};
use super::numbers::{number, percent, signed};
use crate::results::read::{Details, Estimate, Paired, RunData};

/// One variant against the baseline.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Ranked {
    pub name: String,
    pub description: String,
    pub attacks: Paired,
    pub severity: Option<Paired>,
    pub entries: Option<Paired>,
}

impl Ranked {
    /// Whether the 95% interval of the difference in attacks lies below 0.
    pub(super) fn clearly_fewer_attacks(&self) -> bool {
        Tone::of_difference(&self.attacks.diff) == Tone::Better
    }

    /// Whether it lies above 0.
    pub(super) fn clearly_more_attacks(&self) -> bool {
        Tone::of_difference(&self.attacks.diff) == Tone::Worse
    }

    /// The difference in spend per trial, `None` when there is none.
    fn spend_diff(&self) -> Option<f64> {
        self.attacks.spend_diff.filter(|d| d.abs() > 1e-9)
    }
}

/// Every variant but the baseline that has a paired difference in attacks,
/// fewest attacks first (manifest order among equals).
pub(super) fn rank(run: &RunData, details: &Details) -> Vec<Ranked> {
    let paired = |v: &str, m: &str| details.paired.get(&(v.to_string(), m.to_string())).copied();
    let mut ranked: Vec<Ranked> = run
        .manifest
        .variants
        .iter()
        .skip(1)
        .filter_map(|v| {
            Some(Ranked {
                name: v.name.clone(),
                description: v.description.clone(),
                attacks: paired(&v.name, "attacks")?,
                severity: paired(&v.name, "severity"),
                entries: paired(&v.name, "entries"),
            })
        })
        .collect();
    let key = |r: &Ranked| r.attacks.diff.mean.unwrap_or(f64::INFINITY);
    ranked.sort_by(|a, b| key(a).total_cmp(&key(b)));
    ranked
}

/// The question the run answers, and its size, in two sentences (markup).
pub(super) fn question(run: &RunData) -> String {
    let m = &run.manifest;
    let name = format!("<strong>{}</strong>", escape(&m.scenario.name));
    let first = match m.variants.len().saturating_sub(1) {
        0 => format!("How safe is {name} under its baseline policy?"),
        1 => format!(
            "Does the policy variant <span class=\"variant\">{}</span> leave {name} safer for the money than the baseline?",
            escape(&m.variants[1].name)
        ),
        n => format!("Which of {n} policy variants leaves {name} safest for the money?"),
    };
    let paired = if m.variants.len() > 1 {
        ", every variant on the same trials as the baseline (paired on common random numbers)"
    } else {
        ""
    };
    format!(
        "{first} {} trials × {} weeks each{paired}.",
        super::numbers::count(m.trials),
        m.weeks
    )
}

/// The headline: the largest clear reduction in attacks, then the
/// variants with clearly fewer, clearly more and no clearly different
/// attacks (markup: a paragraph and a list).
pub(super) fn headline(run: &RunData, details: &Details, ranked: &[Ranked]) -> String {
    if ranked.is_empty() {
        let base = details
            .summary
            .get(&(run.variants[0].name.clone(), "attacks".to_string()));
        return match base.and_then(|e| e.mean.map(|m| (m, e))) {
            Some((mean, e)) => para(&format!(
                "Only the baseline ran, so there is no policy to rank. It has {} attacks per trial {}.",
                number(mean),
                super::numbers::interval(e, number)
            )),
            None => para("Only the baseline ran, so there is no policy to rank."),
        };
    }
    let better: Vec<&Ranked> = ranked
        .iter()
        .filter(|r| r.clearly_fewer_attacks())
        .collect();
    let worse: Vec<&Ranked> = ranked.iter().filter(|r| r.clearly_more_attacks()).collect();
    let unclear: Vec<&Ranked> = ranked
        .iter()
        .filter(|r| !r.clearly_fewer_attacks() && !r.clearly_more_attacks())
        .collect();
    let mut o = match better.first() {
        Some(best) => para(&best_sentence(best)),
        None => para(
            "No variant clearly reduces attacks: no 95% interval of the paired difference lies entirely below zero.",
        ),
    };
    o.push_str("<ul class=\"verdicts\">\n");
    for (items, class, label) in [
        (
            better.get(1..).unwrap_or_default(),
            "better",
            "Also clearly fewer attacks",
        ),
        (&worse[..], "worse", "Clearly more attacks"),
        (&unclear[..], "plain", "No clear difference"),
    ] {
        if !items.is_empty() {
            o.push_str(&format!(
                "<li><span class=\"tag {class}\">{label}</span><span>{}</span></li>\n",
                list(items)
            ));
        }
    }
    o.push_str("</ul>\n");
    o
}

fn best_sentence(best: &Ranked) -> String {
    let a = &best.attacks;
    let spend = match best.spend_diff() {
        None => "at the same spend".to_string(),
        Some(d) if d > 0.0 => format!("for {} more spend units per trial", number(d)),
        Some(d) => format!("for {} fewer spend units per trial", number(-d)),
    };
    let from_to = match (a.baseline_mean, a.variant_mean) {
        (Some(b), Some(v)) => format!(", from {} to {}", number(b), number(v)),
        _ => String::new(),
    };
    let share = a.p_better.map_or(String::new(), |p| {
        format!(
            "; it had fewer attacks than the baseline in {} of the paired trials",
            percent(p)
        )
    });
    format!(
        "<span class=\"variant\">{}</span> reduces attacks the most: <strong>{} attacks per trial</strong> (95% interval {} to {}){from_to}, {spend}{share}.",
        escape(&best.name),
        signed(a.diff.mean.unwrap_or_default()),
        signed(a.diff.ci95_lo.unwrap_or_default()),
        signed(a.diff.ci95_hi.unwrap_or_default()),
    )
}

/// Variant names with their mean difference in attacks.
fn list(items: &[&Ranked]) -> String {
    items
        .iter()
        .map(|r| {
            let name = format!("<span class=\"variant\">{}</span>", escape(&r.name));
            match r.attacks.diff.mean {
                Some(d) => format!("{name} ({})", signed(d)),
                None => name,
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The ranking section's body: how to read it, the ranking, and the
/// outcomes of every variant.
pub(super) fn body(run: &RunData, details: &Details, ranked: &[Ranked]) -> String {
    let mut o = String::new();
    if !ranked.is_empty() {
        o.push_str(&ranking_table(ranked).render());
        o.push_str(&note(&format!(
            "Each variant ran on the same trials as the baseline, so each difference is the mean of per-trial differences, with its 95% interval in brackets: \
             <span class=\"key better\">blue</span> where the interval lies entirely below zero (clearly fewer), \
             <span class=\"key worse\">vermilion</span> where it lies entirely above (clearly more). \
             “Fewer attacks in”: the share of paired trials in which the variant had fewer attacks than the baseline. \
             Attacks averted per 1,000 spend units: (baseline − variant) attacks per 1,000 units of extra spend, with its interval; when a variant spends less, a negative value means fewer attacks for less money. \
             Severity is in model units. Click a column heading to sort. Full values in {}.",
            table_file(&run.dir, "comparison")
        )));
    }
    o.push_str(&outcomes_table(run, details).render());
    o.push_str(&note(&format!(
        "Means per trial over the whole horizon with 95% intervals; the chance of at least one attack with Wilson’s interval. Spend: budgets and exercise costs per trial. Full values in {}.",
        table_file(&run.dir, "summary")
    )));
    o
}

fn ranking_table(ranked: &[Ranked]) -> Table {
    let mut t = Table::new(
        "Policy variants against the baseline, per trial".into(),
        vec![
            Column::number("#"),
            Column::text("Policy variant"),
            Column::number("Attacks vs baseline"),
            Column::number("Fewer attacks in"),
            Column::number("Severity vs baseline"),
            Column::number("Entries vs baseline"),
            Column::number("Spend vs baseline"),
            Column::number("Attacks averted per 1,000 spend"),
        ],
    );
    for (i, r) in ranked.iter().enumerate() {
        let diff = |p: Option<Paired>| match p {
            Some(p) => Cell::estimate(&p.diff, signed, Tone::of_difference(&p.diff)),
            None => Cell::number(None),
        };
        let spend = match r.spend_diff() {
            Some(d) => Cell::number_with(Some(d), signed),
            None => Cell::markup("<span class=\"muted\">same</span>".into()).sort_by("0".into()),
        };
        t.push(vec![
            Cell::integer(i as u64 + 1),
            variant_cell(&r.name, &r.description),
            diff(Some(r.attacks)),
            Cell::percent(r.attacks.p_better),
            diff(r.severity),
            diff(r.entries),
            spend,
            averted_cell(r),
        ]);
    }
    t
}

/// A variant's name over its description, as a row header.
pub(super) fn variant_cell(name: &str, description: &str) -> Cell {
    let desc = if description.is_empty() {
        String::new()
    } else {
        format!("<span class=\"desc\">{}</span>", escape(description))
    };
    Cell::markup(format!(
        "<span class=\"variant\">{}</span>{desc}",
        ident(name)
    ))
    .sort_by(name.to_string())
    .row_header()
}

/// Attacks averted per 1,000 spend units, or "same spend"; a word on
/// what the signs mean where the attacks interval is clear.
fn averted_cell(r: &Ranked) -> Cell {
    let Some(spend) = r.spend_diff() else {
        return Cell::markup("<span class=\"muted\">same spend</span>".into())
            .sort_by(String::new());
    };
    let e = r.attacks.averted_per_1000;
    if e.mean.is_none() {
        return Cell::number(None);
    }
    let verdict = match (
        spend > 0.0,
        r.clearly_fewer_attacks(),
        r.clearly_more_attacks(),
    ) {
        (false, true, _) => Some("fewer attacks for less money"),
        (true, _, true) => Some("more attacks for more money"),
        (false, _, true) => Some("saves money, more attacks"),
        _ => None,
    };
    let cell = Cell::estimate(&e, signed, Tone::Plain);
    match verdict {
        Some(v) => cell.append(&format!("<span class=\"verdict\">{v}</span>")),
        None => cell,
    }
}

fn outcomes_table(run: &RunData, details: &Details) -> Table {
    let mut t = Table::new(
        "Outcomes per trial, by variant".into(),
        vec![
            Column::text("Variant"),
            Column::number("Attacks"),
            Column::number("Chance of at least one attack"),
            Column::number("Severity"),
            Column::number("Entries"),
            Column::number("Spend"),
        ],
    );
    let missing = Estimate {
        mean: None,
        ci95_lo: None,
        ci95_hi: None,
    };
    for v in &run.manifest.variants {
        let e = |metric: &str| {
            details
                .summary
                .get(&(v.name.clone(), metric.to_string()))
                .copied()
                .unwrap_or(missing)
        };
        t.push(vec![
            variant_cell(&v.name, ""),
            Cell::estimate(&e("attacks"), number, Tone::Plain),
            Cell::estimate(&e("p_any_attack"), percent, Tone::Plain),
            Cell::estimate(&e("severity"), number, Tone::Plain),
            Cell::estimate(&e("entries"), number, Tone::Plain),
            Cell::number(Some(v.spend)),
        ]);
    }
    t
}
