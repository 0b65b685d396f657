//! Numerical hygiene at the edges of the valid ranges: zero and huge
//! effort, readiness exactly 0 or 1, a capped severity, the largest Poisson
//! means the validator lets through, and counts at the engine limits. Every
//! value must stay finite, every probability in [0, 1], every trial must
//! conserve cells.

use super::streams::{Poisson, poisson, severity};
use super::{Defences, Theatre, TrialRecord, Workspace, run_trial};
use crate::scenario::read::limits;
use crate::scenario::{Scenario, load_str};

const EXAMPLE: &str = include_str!("../../tests/data/two_states.toml");

/// The example scenario with `--set` values.
fn example(sets: &[&str]) -> Scenario {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    match load_str("two_states.toml", "two_states", EXAMPLE, &sets) {
        Ok(set) => set.base,
        Err(d) => panic!("{d}"),
    }
}

/// Checks every weekly table of the defences and a few trials.
fn sane(s: &Scenario) {
    let d = Defences::compute(s);
    for t in 0..s.weeks {
        for dir in 0..2 * s.borders.len() {
            let p = d.patrol(t, dir);
            assert!((0.0..=1.0).contains(&p), "patrol {p} in week {t}");
        }
        for i in 0..s.states.len() {
            let st = d.stock(t, i);
            for x in [st.border, st.intel, st.readiness, d.effect(t, i)] {
                assert!(x.is_finite() && x >= 0.0, "state {i}, week {t}: {st:?}");
            }
            assert!(st.readiness <= 1.0, "readiness {}", st.readiness);
            for p in [d.interdict(t, i), d.exposure(t, i)] {
                assert!((0.0..=1.0).contains(&p), "state {i}, week {t}: {p}");
            }
            assert!(d.interior_hazard(t, i).is_finite());
        }
    }
    let th = Theatre::new(s);
    let (mut work, mut rec) = (Workspace::default(), TrialRecord::default());
    for trial in 0..3 {
        run_trial(&th, trial, &mut work, &mut rec);
        assert!(rec.conserves_cells(), "trial {trial}");
    }
}

#[test]
fn zero_effort_is_no_defence_and_nothing_breaks() {
    let s = example(&[
        "states.MEM.budget=0",
        "states.MEM.initial={ border = 0, intel = 0, readiness = 0 }",
        "alliance.intel_sharing=0",
    ]);
    sane(&s);
    let d = Defences::compute(&s);
    let mem = s.states.iter().position(|st| st.id == "MEM").unwrap();
    assert_eq!(d.stock(0, mem).border, 0.0);
}

#[test]
fn huge_effort_saturates_detection_below_one() {
    // The largest budget the spend limit allows over the horizon, all on borders.
    let weeks = example(&[]).weeks;
    let budget = 0.99 * limits::MAX_SPEND / f64::from(weeks);
    let s = example(&[
        &format!("states.MEM.budget={budget:?}"),
        "states.MEM.allocation={ border = 1, intel = 0, readiness = 0 }",
    ]);
    sane(&s);
    let d = Defences::compute(&s);
    assert!((0..2 * s.borders.len()).any(|dir| d.patrol(s.weeks - 1, dir) > 0.99));
}

#[test]
fn readiness_at_exactly_zero_and_one_stays_in_range() {
    for r in ["0", "1", "0.0", "1.0"] {
        sane(&example(&[
            &format!("states.MEM.initial={{ readiness = {r} }}"),
            "model.readiness_half_life=inf",
        ]));
        sane(&example(&[&format!(
            "states.MEM.initial={{ readiness = {r} }}"
        )]));
    }
}

#[test]
fn severity_never_exceeds_its_cap() {
    for word in [0, 1, u64::MAX - 1, u64::MAX, 0x8000_0000_0000_0000] {
        for (exponent, cap) in [
            (1.000_001, limits::MAX_SEVERITY_CAP as u64),
            (1.000_001, 1),
            (2.0, 1),
            (1e300, 7),
        ] {
            let x = severity(word, exponent, cap);
            assert!((1..=cap).contains(&x), "{x} for word {word:#x}");
        }
    }
    sane(&example(&[
        "model.severity_cap=1",
        "model.severity_exponent=1.000001",
    ]));
}

#[test]
fn the_largest_poisson_means_draw_sensible_counts() {
    // Spawning is Poisson(new_cells · grievance^η) with grievance ≤ 1, and
    // a cell's size less one is Poisson(cell_size_mean - 1): the limits
    // bound every mean the model forms.
    for mean in [
        limits::MAX_NEW_CELLS,
        limits::MAX_CELL_SIZE_MEAN - 1.0,
        30.0,
        30.000_1,
        0.5,
    ] {
        let law = Poisson::new(mean);
        let n = 2000;
        let draws: Vec<u64> = (0..n)
            .map(|i: u64| law.draw(i.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
            .collect();
        let avg = draws.iter().sum::<u64>() as f64 / n as f64;
        // Within 5 standard errors of the mean.
        assert!(
            (avg - mean).abs() < 5.0 * (mean / n as f64).sqrt(),
            "{mean}: {avg}"
        );
        // Even the most extreme words give counts near the mean: the
        // inversion stops where the tail falls below rounding.
        for word in [0, u64::MAX] {
            let k = poisson(word, mean) as f64;
            assert!((k - mean).abs() < 12.0 * mean.sqrt() + 15.0, "{mean}: {k}");
        }
    }
    for word in [0, u64::MAX] {
        let k = super::streams::binomial(word, 10_000, 0.001);
        assert!(k < 100, "Binomial(10000, 0.001) gave {k}");
    }
}

#[test]
fn the_largest_valid_scenario_values_run() {
    sane(&example(&[
        "regions.SRC_N.new_cells=1000",
        "model.cell_size_mean=1000",
        "scenario.weeks=3",
    ]));
    // Above the limits the scenario is refused, never silently clamped.
    for set in [
        "regions.SRC_N.new_cells=1000.001",
        "model.cell_size_mean=1000.001",
        "scenario.weeks=5201",
    ] {
        let sets = vec![set.to_string()];
        assert!(load_str("x", "x", EXAMPLE, &sets).is_err(), "{set}");
    }
}
