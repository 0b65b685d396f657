//! Properties over randomly generated valid scenarios (proptest): cells are
//! conserved, probabilities stay in [0, 1], no NaN or infinity reaches a
//! statistic, more border budget never lowers patrol detection, and re-runs
//! are identical at any thread count.
//!
//! Scenarios are generated as TOML text and loaded through `load_str`, so
//! they pass the same validator as a user's file. They are small (a few
//! states, at most 30 weeks, a few trials) to keep the suite fast.

use std::fmt::Write as _;
use std::sync::atomic::AtomicBool;

use cordon::engine::{TrialRow, run_trials};
use cordon::model::{Defences, Theatre, TrialRecord, Workspace, run_trial};
use cordon::scenario::{ScenarioSet, load_str};
use cordon::stats::RunStats;
use proptest::prelude::*;

const TERRAINS: [&str; 8] = [
    "river",
    "river_mountain",
    "high_mountain",
    "mountain",
    "valley",
    "desert",
    "steppe",
    "plain",
];

/// One member state: budget, allocation (border, intel), initial readiness.
#[derive(Debug, Clone)]
struct Member {
    budget: f64,
    border: f64,
    intel: f64,
    readiness: f64,
    terrain: usize,
    length_km: f64,
}

/// A small valid scenario, as the numbers it is written from.
#[derive(Debug, Clone)]
struct Spec {
    weeks: u32,
    seed: u64,
    new_cells: Vec<f64>,
    cell_size_mean: f64,
    members: Vec<Member>,
    partner: bool,
    intel_sharing: f64,
    pool_share: f64,
    half_life: Option<f64>,
    exercise_every: Option<u32>,
}

/// A share that is often exactly at an end of [0, 1].
fn share() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), Just(1.0), 0.0..=1.0f64]
}

fn member() -> impl Strategy<Value = Member> {
    (
        prop_oneof![Just(0.0), 0.0..1000.0f64],
        share(),
        share(),
        share(),
        0..TERRAINS.len(),
        prop_oneof![Just(0.001), 1.0..2000.0f64],
    )
        .prop_map(
            |(budget, border, intel, readiness, terrain, length_km)| Member {
                budget,
                border,
                // What border leaves, split between intel and readiness.
                intel: (1.0 - border) * intel,
                readiness,
                terrain,
                length_km,
            },
        )
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        1u32..=30,
        any::<u64>(),
        prop::collection::vec(prop_oneof![Just(1e-9), 0.001..8.0f64], 1..=2),
        1.0..6.0f64,
        prop::collection::vec(member(), 1..=3),
        any::<bool>(),
        share(),
        share(),
        prop::option::of(prop_oneof![Just(f64::INFINITY), 0.5..100.0f64]),
        prop::option::of(0u32..=10),
    )
        .prop_map(
            |(
                weeks,
                seed,
                new_cells,
                cell_size_mean,
                members,
                partner,
                intel_sharing,
                pool_share,
                half_life,
                exercise_every,
            )| Spec {
                weeks,
                seed,
                new_cells,
                cell_size_mean,
                members,
                partner,
                intel_sharing,
                pool_share,
                half_life,
                exercise_every,
            },
        )
}

/// A float in TOML (`inf` for infinity, always with a decimal point).
fn float(x: f64) -> String {
    if x.is_infinite() {
        "inf".into()
    } else {
        format!("{x:?}")
    }
}

impl Spec {
    /// The scenario as TOML text.
    fn toml(&self) -> String {
        let mut t = String::new();
        let _ = write!(
            t,
            "[scenario]\nweeks = {}\ntrials = 4\nseed = {}\n\n[model]\ncell_size_mean = {}\n",
            self.weeks,
            self.seed >> 1, // TOML integers are signed
            float(self.cell_size_mean)
        );
        if let Some(h) = self.half_life {
            let _ = writeln!(t, "readiness_half_life = {}", float(h));
        }
        let _ = write!(
            t,
            "\n[alliance]\nintel_sharing = {}\npool_share = {}\n",
            float(self.intel_sharing),
            float(self.pool_share)
        );
        if self.pool_share > 0.0 {
            t.push_str("pool_recipient = \"M0\"\n");
        }
        if let Some(every) = self.exercise_every {
            let _ = write!(
                t,
                "\n[[exercises]]\nname = \"drill\"\nfirst_week = 0\nevery = {every}\nparticipants = \"members\"\nboost = 0.5\ncost = 1\n"
            );
        }
        t.push_str("\n[[states]]\nid = \"SRC\"\nrole = \"other\"\n");
        for (k, n) in self.new_cells.iter().enumerate() {
            let _ = write!(
                t,
                "\n[[regions]]\nid = \"S{k}\"\nstate = \"SRC\"\npopulation = 1\nnew_cells = {}\n",
                float(*n)
            );
        }
        if self.partner {
            t.push_str("\n[[states]]\nid = \"PAR\"\nrole = \"partner\"\ncapability = { border = 3, intel = 1, readiness = 0.5 }\n");
            t.push_str("\n[[regions]]\nid = \"P\"\nstate = \"PAR\"\npopulation = 1\n");
        }
        for (j, m) in self.members.iter().enumerate() {
            let readiness_share = 1.0 - m.border - m.intel;
            let _ = write!(
                t,
                "\n[[states]]\nid = \"M{j}\"\nrole = \"member\"\nbudget = {}\nallocation = {{ border = {}, intel = {}, readiness = {} }}\ninitial = {{ readiness = {} }}\n\n[[regions]]\nid = \"R{j}\"\nstate = \"M{j}\"\npopulation = 2\n",
                float(m.budget),
                float(m.border),
                float(m.intel),
                float(readiness_share.max(0.0)),
                float(m.readiness),
            );
            for k in 0..self.new_cells.len() {
                let _ = write!(
                    t,
                    "\n[[borders]]\na = \"S{k}\"\nb = \"R{j}\"\nlength_km = {}\nterrain = \"{}\"\n",
                    float(m.length_km),
                    TERRAINS[m.terrain]
                );
            }
            if self.partner {
                let _ = write!(
                    t,
                    "\n[[borders]]\na = \"P\"\nb = \"R{j}\"\nlength_km = 100\nterrain = \"plain\"\n"
                );
            }
        }
        if self.partner {
            t.push_str(
                "\n[[borders]]\na = \"S0\"\nb = \"P\"\nlength_km = 50\nterrain = \"valley\"\n",
            );
        }
        t
    }

    fn load(&self, sets: &[String]) -> ScenarioSet {
        let text = self.toml();
        match load_str("generated.toml", "generated", &text, sets) {
            Ok(set) => set,
            Err(d) => panic!("a generated scenario is invalid:\n{d}\n{text}"),
        }
    }
}

/// Runs `trials` trials of the base scenario on `threads` threads.
fn run(set: &ScenarioSet, trials: u64, threads: usize) -> (RunStats, Vec<TrialRow>) {
    let theatres = [Theatre::new(&set.base)];
    let mut rows = Vec::new();
    let stats = run_trials(
        &theatres,
        0..trials,
        threads,
        &AtomicBool::new(false),
        &|_| {},
        |w| {
            rows.extend_from_slice(w);
            Ok(())
        },
    )
    .expect("a valid scenario runs");
    (stats, rows)
}

/// Every weekly probability of the defences, with what it is.
fn probabilities(d: &Defences, set: &ScenarioSet) -> Vec<(String, f64)> {
    let s = &set.base;
    let mut out = Vec::new();
    for t in 0..s.weeks {
        for dir in 0..2 * s.borders.len() {
            out.push((format!("patrol week {t} direction {dir}"), d.patrol(t, dir)));
        }
        for i in 0..s.states.len() {
            out.push((format!("q week {t} state {i}"), d.interdict(t, i)));
            out.push((format!("exposure week {t} state {i}"), d.exposure(t, i)));
        }
    }
    out
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 32,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn cells_are_conserved_in_every_trial(spec in spec()) {
        let set = spec.load(&[]);
        let theatre = Theatre::new(&set.base);
        let mut work = Workspace::default();
        let mut rec = TrialRecord::default();
        for trial in 0..4 {
            run_trial(&theatre, trial, &mut work, &mut rec);
            prop_assert!(rec.conserves_cells(), "trial {trial}:\n{}", spec.toml());
        }
    }

    #[test]
    fn probabilities_stay_in_the_unit_interval(spec in spec()) {
        let set = spec.load(&[]);
        let d = Defences::compute(&set.base);
        for (what, p) in probabilities(&d, &set) {
            prop_assert!((0.0..=1.0).contains(&p), "{what} = {p}\n{}", spec.toml());
        }
    }

    #[test]
    fn no_nan_or_infinity_reaches_a_statistic(spec in spec()) {
        let set = spec.load(&[]);
        let (stats, rows) = run(&set, 4, 1);
        let theatres = [Theatre::new(&set.base)];
        let names = vec!["baseline".to_string()];
        let layout = cordon::study::run::layout(&set.base, &names, &theatres);
        use cordon::stats::tables::*;
        let all = format!(
            "{rows:?}{:?}{:?}{:?}{:?}{:?}",
            weekly_rows(&stats, &layout),
            summary_rows(&stats, &layout),
            state_rows(&stats, &layout),
            border_rows(&stats, &layout),
            layout.patrol,
        );
        for bad in ["NaN", "inf"] {
            prop_assert!(!all.contains(bad), "{bad} in the statistics of\n{}", spec.toml());
        }
    }

    #[test]
    fn more_border_budget_never_lowers_patrol_detection(
        spec in spec(),
        member in 0usize..3,
        extra in prop_oneof![Just(1e-6), 0.0..1e6f64],
    ) {
        let j = member % spec.members.len();
        let set = spec.load(&[]);
        let more = spec.members[j].budget + extra;
        let richer = spec.load(&[format!("states.M{j}.budget={}", float(more))]);
        let (before, after) = (Defences::compute(&set.base), Defences::compute(&richer.base));
        let s = &set.base;
        for t in 0..s.weeks {
            for dir in 0..2 * s.borders.len() {
                let (p0, p1) = (before.patrol(t, dir), after.patrol(t, dir));
                prop_assert!(
                    p1 >= p0 - 1e-12,
                    "week {t} direction {dir}: {p0} -> {p1} with budget +{extra}\n{}",
                    spec.toml()
                );
            }
        }
    }

    #[test]
    fn reruns_are_identical_at_any_thread_count(spec in spec()) {
        let set = spec.load(&[]);
        let (stats1, rows1) = run(&set, 6, 1);
        let (stats2, rows2) = run(&set, 6, 2);
        let (stats3, rows3) = run(&set, 6, 1);
        prop_assert_eq!(&rows1, &rows2);
        prop_assert_eq!(&rows1, &rows3);
        prop_assert!(stats1 == stats2 && stats1 == stats3);
    }
}
