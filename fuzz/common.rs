//! What each fuzz target does with one input, shared with the regression
//! test that replays every saved input in `cargo test`
//! (`tests/robustness.rs` includes this file), so both check the same thing.
//!
//! Every input must end in a validated scenario or in messages that render;
//! a valid scenario small enough to run quickly runs one trial of every
//! variant, and no statistic of it may be NaN or infinite.

#![allow(dead_code)]

use std::sync::atomic::AtomicBool;

use cordon::model::Theatre;
use cordon::scenario::{ScenarioSet, load_bytes, load_str};
use cordon::stats::tables::{border_rows, comparison_rows, state_rows, summary_rows, weekly_rows};

/// The valid scenario that overrides are applied to: every section used.
pub const BASE: &str = include_str!("../tests/data/all_features.toml");

/// Most cell-weeks a fuzzed scenario may ask for before its trial is
/// skipped (a valid but huge scenario is slow, not wrong).
const MAX_WORK: f64 = 20_000.0;

/// The `scenario` target: any bytes as a scenario file.
pub fn scenario(data: &[u8]) {
    check(load_bytes("fuzz.toml", "fuzz", data.to_vec(), &[]));
}

/// The `overrides` target: each line is one `--set` argument, applied to
/// [`BASE`].
pub fn overrides(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let sets: Vec<String> = text.lines().map(str::to_string).collect();
    check(load_str("base.toml", "base", BASE, &sets));
}

/// The `variant_set` target: the input is the body of a variant's `set`
/// table appended to [`BASE`].
pub fn variant_set(data: &[u8]) {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    let text = format!("{BASE}\n[[variants]]\nname = \"fuzzed\"\n[variants.set]\n{body}\n");
    check(load_str("base.toml", "base", &text, &[]));
}

/// Messages must render; a valid scenario must run cleanly.
fn check(result: Result<ScenarioSet, cordon::scenario::Diagnostics>) {
    match result {
        Err(diags) => {
            assert!(!diags.items.is_empty(), "an error without a message");
            let text = diags.to_string();
            assert!(!text.trim().is_empty(), "an empty message");
        }
        Ok(set) => run_one_trial(&set),
    }
}

/// Runs trial 0 of every variant and checks the statistics are finite.
fn run_one_trial(set: &ScenarioSet) {
    let mut scenarios = vec![("baseline".to_string(), &set.base)];
    scenarios.extend(set.variants.iter().map(|v| (v.name.clone(), &v.scenario)));
    let work = |s: &cordon::scenario::Scenario| {
        let spawned: f64 = s.regions.iter().map(|r| r.new_cells).sum();
        f64::from(s.weeks) * (1.0 + spawned * s.model.cell_size_mean)
    };
    if scenarios.iter().any(|(_, s)| work(s) > MAX_WORK) {
        return;
    }
    let theatres: Vec<Theatre<'_>> = scenarios.iter().map(|(_, s)| Theatre::new(s)).collect();
    let names: Vec<String> = scenarios.iter().map(|(n, _)| n.clone()).collect();
    let mut rows = Vec::new();
    let stats =
        cordon::engine::run_trials(&theatres, 0..2, 1, &AtomicBool::new(false), &|_| {}, |w| {
            rows.extend_from_slice(w);
            Ok(())
        })
        .expect("a valid scenario runs");
    let layout = cordon::study::run::layout(&set.base, &names, &theatres);
    let all = format!(
        "{rows:?}{:?}{:?}{:?}{:?}{:?}",
        weekly_rows(&stats, &layout),
        summary_rows(&stats, &layout),
        state_rows(&stats, &layout),
        border_rows(&stats, &layout),
        comparison_rows(&stats, &layout),
    );
    for bad in ["Some(NaN)", "Some(inf)", "Some(-inf)"] {
        assert!(!all.contains(bad), "{bad} in the statistics");
    }
    let patrol = layout.patrol.iter().flatten();
    assert!(
        patrol.clone().all(|p| (0.0..=1.0).contains(p)),
        "patrol detection outside [0, 1]"
    );
}
