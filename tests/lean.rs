//! The engine against a second, plain implementation of the same rules
//! (`benches/lean/model.rs`: one file, one stream per trial, every cell
//! drawn every week it lives). The two share no random numbers and no code
//! of the trial, only the scenario and its weekly defences, so their means
//! agree only if both follow docs/model.md §3.3–§3.7: each total's means
//! over the same number of trials must lie within 4 standard errors of
//! their difference (two independent samples). This catches a rule that
//! the engine's shortcuts (skipped quiet weeks, the sleep walk, the shortcut
//! for events, addressed draws) get wrong in a way no closed form shows.

use cordon::model::{Counter, Level, Theatre, TrialRecord, Workspace, run_trial};
use cordon::scenario::{Scenario, load_file};

use crate::lean_model::{Lean, Totals};
use crate::util;

/// How far apart two means may be, in standard errors of their difference.
/// With the 112 totals compared here, a correct pair exceeds it by chance
/// with probability about 7 × 10^-3 (Bonferroni); the seeds are fixed, so
/// the test is deterministic all the same.
const Z: f64 = 4.0;

/// A total: its name, how the lean implementation counts it, and the
/// engine's counter.
type Total = (&'static str, fn(&Totals) -> u64, Counter);

/// The totals the two implementations both count.
const TOTALS: [Total; 7] = [
    ("new cells", |t| t.new_cells, Counter::NewCells),
    ("entries", |t| t.entries, Counter::Entries),
    (
        "border interdictions",
        |t| t.border_interdictions,
        Counter::BorderInterdictions,
    ),
    (
        "interior interdictions",
        |t| t.interior_interdictions,
        Counter::InteriorInterdictions,
    ),
    (
        "newly established",
        |t| t.newly_established,
        Counter::NewlyEstablished,
    ),
    ("attacks", |t| t.attacks, Counter::Attacks),
    ("severity", |t| t.severity, Counter::Severity),
];

/// Mean and variance of the mean.
fn moments(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var / n)
}

/// Compares `trials` trials of each implementation on `s`; returns the
/// totals whose means disagree, with their z.
fn disagreements((label, s): &(String, Scenario), trials: u64) -> Vec<String> {
    let lean = Lean::new(s);
    let theatre = Theatre::new(s);
    let mut work = Workspace::default();
    let mut rec = TrialRecord::default();
    let mut engine: Vec<Vec<f64>> = vec![Vec::new(); TOTALS.len() + 1];
    let mut plain: Vec<Vec<f64>> = vec![Vec::new(); TOTALS.len() + 1];
    for i in 0..trials {
        run_trial(&theatre, i, &mut work, &mut rec);
        // The lean trials take their own seeds, far from the engine's.
        let l = lean.trial(1_000_000 + i);
        for (k, (_, of, counter)) in TOTALS.iter().enumerate() {
            engine[k].push(rec.total(*counter) as f64);
            plain[k].push(of(&l) as f64);
        }
        let alive: u64 = rec.levels.iter().map(|w| w[Level::Alive as usize]).sum();
        engine[TOTALS.len()].push(alive as f64);
        plain[TOTALS.len()].push(l.agent_weeks as f64);
    }
    let names = TOTALS.iter().map(|t| t.0).chain(["agent-weeks"]);
    let mut out = Vec::new();
    for (k, name) in names.enumerate() {
        let (a, va) = moments(&engine[k]);
        let (b, vb) = moments(&plain[k]);
        let se = (va + vb).sqrt();
        let z = if se > 0.0 {
            (a - b) / se
        } else if a == b {
            0.0
        } else {
            f64::INFINITY
        };
        if z.abs() > Z {
            out.push(format!(
                "{label}: {name}: engine {a:.3}, lean {b:.3}, z = {z:.2}"
            ));
        }
    }
    out
}

/// The base of the scenario at `path` and its variants, each with a label.
fn scenarios(path: &std::path::Path) -> Vec<(String, Scenario)> {
    let set = load_file(path, &[]).unwrap_or_else(|e| panic!("{e}"));
    let name = set.base.name.clone();
    std::iter::once((format!("{name} (base)"), set.base))
        .chain(
            set.variants
                .into_iter()
                .map(|v| (format!("{name}, variant {}", v.name), v.scenario)),
        )
        .collect()
}

#[test]
fn the_engine_agrees_with_a_plain_implementation_of_the_rules() {
    let mut wrong = Vec::new();
    // Every optional feature (a pool, exercises, a closure, step
    // governance with noise), base and variants.
    for s in &scenarios(&util::data("all_features.toml")) {
        wrong.extend(disagreements(s, 2_000));
    }
    // The default scenario, warm-up included, and each of its policies
    // (the engine's variants share their spawning, so its new cells are one
    // sample for all nine); then the stress scenario, where thousands of
    // established cells sleep.
    for s in &scenarios(&util::scenario("csto-southern-frontier.toml")) {
        wrong.extend(disagreements(s, 4_000));
    }
    let stress = scenarios(&util::scenario("stress.toml"));
    wrong.extend(disagreements(&stress[0], 60));
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
