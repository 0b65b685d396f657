//! `cordon check`: validate and show what would run.

use std::fmt::Write;

use super::CheckArgs;
use crate::engine::resources;
use crate::error::Result;
use crate::scenario::builtin::{ScenarioSource, resolve};
use crate::scenario::{LinkKind, Role, Scenario, ScenarioSet};
use crate::study::run::load_source;

/// Validates the scenario and prints its outline.
pub(super) fn check(args: CheckArgs) -> Result<()> {
    let src = resolve(Some(&args.scenario))?;
    super::emit(check_text(&src, &args.sets)?.as_bytes())
}

/// What `cordon check` prints for a valid scenario with `--set` values
/// `sets` (the Python package's `cordon.check` shows the same text).
pub fn check_text(src: &ScenarioSource, sets: &[String]) -> Result<String> {
    let (set, _) = load_source(src, sets)?;
    let mut text = outline(&set, &src.display());
    if let Some(spec) = &set.sweep {
        // Every design point is built and validated, as `cordon sweep` would.
        let source = crate::engine::points::BaseText::read(src, sets)?;
        let trials = spec.trials.unwrap_or(set.base.trials);
        let plan = crate::study::sweep::plan_spec(source, set.clone(), spec, trials, 0)?;
        text.push_str(&crate::study::sweep::design_outline(&plan));
        for note in crate::study::sweep::fixed_by_variants(&plan) {
            text.push_str(&format!("note      {note}\n"));
        }
    }
    if !set.uncertain.is_empty() {
        text.push_str(&format!(
            "uncertain {}\n",
            set.uncertain
                .iter()
                .map(|p| format!(
                    "{} in [{}, {}]{}",
                    p.path,
                    p.low,
                    p.high,
                    if p.log { " (log scale)" } else { "" }
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(text)
}

/// What `cordon check` prints for a valid scenario.
pub(super) fn outline(set: &ScenarioSet, path: &str) -> String {
    let s = &set.base;
    let mut o = String::new();
    let _ = writeln!(o, "{path}: valid");
    let _ = writeln!(
        o,
        "scenario  {}{}",
        s.name,
        if s.description.is_empty() {
            String::new()
        } else {
            format!(" — {}", s.description)
        }
    );
    for role in [Role::Member, Role::Partner, Role::Other] {
        let ids: Vec<String> = s
            .states
            .iter()
            .filter(|st| st.role == role)
            .map(|st| state_label(s, st))
            .collect();
        let _ = writeln!(
            o,
            "{:<9} {}",
            format!("{}s", role.as_str()).replace("others", "other"),
            if ids.is_empty() {
                "-".into()
            } else {
                ids.join(", ")
            }
        );
    }
    let sources: Vec<&str> = s
        .network
        .sources
        .iter()
        .map(|&r| s.regions[r].id.as_str())
        .collect();
    let _ = writeln!(
        o,
        "regions   {} ({} source: {})",
        s.regions.len(),
        sources.len(),
        sources.join(", ")
    );
    let segments = s.borders.iter().filter(|b| b.is_segment()).count();
    let _ = writeln!(
        o,
        "borders   {} ({} between states, {} internal)",
        s.borders.len(),
        segments,
        s.borders.len() - segments
    );
    for b in s.borders.iter() {
        if let LinkKind::Segment {
            length_km,
            terrain,
            priority,
        } = &b.kind
        {
            let _ = writeln!(
                o,
                "          {:<24} {:>9} km  {:<15} priority {}",
                b.id, length_km, terrain.name, priority
            );
        }
    }
    if !s.exercises.is_empty() {
        let list: Vec<String> = s
            .exercises
            .iter()
            .map(|e| {
                format!(
                    "{} (from week {}{}; {})",
                    e.name,
                    e.first_week,
                    if e.every > 0 {
                        format!(", every {}", e.every)
                    } else {
                        ", once".into()
                    },
                    e.participants
                        .iter()
                        .map(|&i| s.states[i].id.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                )
            })
            .collect();
        let _ = writeln!(o, "exercises {}", list.join("; "));
    }
    if !set.base_overrides.is_empty() {
        let _ = writeln!(o, "--set     {}", pairs(&set.base_overrides));
    }
    let _ = writeln!(o, "variants  baseline (the base scenario, always run)");
    for v in &set.variants {
        let _ = writeln!(o, "          {}: {}", v.name, pairs(&v.overrides));
    }
    let runs = 1 + set.variants.len() as u64;
    let _ = writeln!(
        o,
        "weeks     {} (from week of year {})",
        s.weeks, s.start_week
    );
    if s.warmup_weeks > 0 {
        let _ = writeln!(
            o,
            "warm-up   {} weeks before week 0, recorded nowhere",
            s.warmup_weeks
        );
    }
    for ob in &set.observed {
        let (from, to) = ob.weeks(ob.counts.len() - 1);
        let _ = writeln!(
            o,
            "observed  {}: {} per {} weeks, weeks {}-{} ({}); source: {}",
            ob.label,
            ob.counts
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(" "),
            ob.period_weeks,
            ob.start_week,
            to - 1,
            if from == ob.start_week {
                "1 period".to_string()
            } else {
                format!("{} periods", ob.counts.len())
            },
            ob.source
        );
    }
    let _ = writeln!(o, "trials    {} per variant, seed {}", s.trials, s.seed);
    let _ = writeln!(
        o,
        "total     {} trials ({} variants incl. baseline)",
        s.trials * runs,
        runs
    );
    let _ = writeln!(o, "needs     {}", needs(set));
    o
}

/// The disk and memory a run of every variant would need, as `cordon run`
/// estimates them before it starts (at the default thread count).
fn needs(set: &ScenarioSet) -> String {
    let threads = super::terminal::default_threads();
    let names = set.names();
    let shape = resources::Shape {
        scenario: &set.base,
        variants: &names,
        trials: set.base.trials,
        end_trial: set.base.trials,
        threads,
        resume: false,
        posterior_points: 0,
    };
    let n = resources::estimate(&shape);
    format!(
        "about {} of disk and {} of memory ({threads} threads)",
        resources::bytes(n.disk),
        resources::bytes(n.memory)
    )
}

fn state_label(s: &Scenario, st: &crate::scenario::State) -> String {
    let _ = s;
    if st.role == Role::Member && st.participation < 1.0 {
        format!("{} (participation {})", st.id, st.participation)
    } else {
        st.id.clone()
    }
}

fn pairs(list: &[(String, String)]) -> String {
    list.iter()
        .map(|(p, v)| format!("{p} = {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}
