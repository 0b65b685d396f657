//! Tests of the warm-up (docs/model.md §4a): it removes the cold start, records
//! nothing, and keeps common random numbers.

use super::record::{Counter, Level};
use super::{Theatre, TrialRecord, Workspace, run_trial};
use crate::scenario::{Scenario, load_str};

/// One source, one member; established cells that live long (a slow
/// attack and interdiction hazard), so the stock of cells takes years to
/// settle from an empty start.
fn scenario(warmup: u32, budget: f64) -> Scenario {
    let text = format!(
        r#"
[scenario]
weeks = 208
trials = 1
seed = 5
warmup_weeks = {warmup}
[model]
attack_hazard = 0.01
interdiction_hazard = 0.005
[[states]]
id = "SRC"
role = "other"
[[states]]
id = "MEM"
role = "member"
budget = {budget}
allocation = {{ border = 0.5, intel = 0.3, readiness = 0.2 }}
[[regions]]
id = "SRC_N"
state = "SRC"
population = 1.0
new_cells = 0.6
[[regions]]
id = "MEM_S"
state = "MEM"
population = 1.0
[[borders]]
a = "SRC_N"
b = "MEM_S"
length_km = 500
terrain = "river"
"#
    );
    load_str("t.toml", "t", &text, &[]).expect("valid").base
}

fn records(s: &Scenario, trials: u64) -> Vec<TrialRecord> {
    let th = Theatre::new(s);
    let mut work = Workspace::default();
    (0..trials)
        .map(|i| {
            let mut rec = TrialRecord::default();
            run_trial(&th, i, &mut work, &mut rec);
            rec
        })
        .collect()
}

/// Per trial, attacks in each of the four 52-week years.
fn yearly_attacks(recs: &[TrialRecord]) -> Vec<[f64; 4]> {
    recs.iter()
        .map(|r| {
            let mut y = [0.0; 4];
            for (t, w) in r.counters.iter().enumerate() {
                y[t / 52] += w[Counter::Attacks as usize] as f64;
            }
            y
        })
        .collect()
}

/// The largest gap between a year's mean and the mean of all years, in
/// standard errors of the difference (paired within a trial).
fn largest_gap(years: &[[f64; 4]]) -> f64 {
    let n = years.len() as f64;
    (0..4)
        .map(|k| {
            let d: Vec<f64> = years
                .iter()
                .map(|y| y[k] - y.iter().sum::<f64>() / 4.0)
                .collect();
            let m = d.iter().sum::<f64>() / n;
            let var = d.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
            m.abs() / (var / n).sqrt()
        })
        .fold(0.0, f64::max)
}

#[test]
fn with_a_warm_up_every_recorded_year_looks_alike() {
    // Four comparisons at once: 3.5 standard errors keeps the chance of a
    // false alarm near 0.2% while a cold start (below) is far outside.
    let warm = yearly_attacks(&records(&scenario(520, 8.0), 1500));
    assert!(largest_gap(&warm) < 3.5, "gap {}", largest_gap(&warm));
    let cold = yearly_attacks(&records(&scenario(0, 8.0), 1500));
    assert!(
        largest_gap(&cold) > 5.0,
        "a cold start should show: {}",
        largest_gap(&cold)
    );
}

#[test]
fn the_warm_up_records_nothing_and_hands_its_cells_to_week_zero() {
    let s = scenario(104, 8.0);
    for rec in records(&s, 50) {
        assert_eq!(rec.counters.len(), 208);
        assert!(rec.conserves_cells());
        // Cells alive at week 0 were counted at the start, not as new.
        let first_week_alive = rec.levels[0][Level::Alive as usize];
        let new = rec.counters[0][Counter::NewCells as usize];
        assert!(first_week_alive <= rec.alive_start + new);
    }
    assert!(
        records(&s, 50).iter().any(|r| r.alive_start > 0),
        "a warm-up of two years leaves cells alive at week 0"
    );
    assert!(
        records(&scenario(0, 8.0), 20)
            .iter()
            .all(|r| r.alive_start == 0)
    );
}

#[test]
fn common_random_numbers_hold_through_the_warm_up() {
    // Two budgets: different defences, the same spawning in every week,
    // warm-up included (so the same cells enter week 0 alive where the
    // defences let them).
    let (a, b) = (scenario(104, 8.0), scenario(104, 16.0));
    for (x, y) in records(&a, 30).iter().zip(&records(&b, 30)) {
        let spawned = |r: &TrialRecord| -> Vec<u64> {
            r.counters
                .iter()
                .map(|w| w[Counter::NewCells as usize])
                .collect()
        };
        assert_eq!(spawned(x), spawned(y));
    }
    assert_eq!(records(&a, 5), records(&a, 5));
}
