//! The rules of docs/model.md §3.3–§3.7 against their closed forms and moments,
//! one or more tests per rule, each written to fail on a named mutant of the
//! rule (the table in `docs/reliability.md`, "Rules against closed forms").
//!
//! Tolerances are 4 standard errors, each standard error worked out from the
//! law's known variance (or, for a variance, from the law's fourth moment),
//! with fixed seeds. Where a rule is deterministic given its words, the test
//! hands it chosen words and checks the result exactly.

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

use super::tests::{assert_binomial, one_border, records, scenario};
use super::*;
use crate::model::events::NoRecorder;

/// Week `t` of a scenario without a warm-up.
fn week(t: u32) -> Week {
    Week {
        run: t,
        rec: t as usize,
    }
}

/// Mean and unbiased variance.
fn mean_var(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, v)
}

/// |got - want| <= 4 se.
fn assert_within(got: f64, want: f64, se: f64, what: &str) {
    assert!(
        (got - want).abs() <= 4.0 * se,
        "{what}: {got} vs {want} (se {se})"
    );
}

/// Sample mean and variance of draws from a law with this mean, variance
/// and excess kurtosis, each within 4 standard errors (the variance's
/// standard error is σ² √(2/(n-1) + κ/n)).
fn assert_moments(xs: &[f64], mean: f64, var: f64, kurtosis: f64, what: &str) {
    let n = xs.len() as f64;
    let (m, v) = mean_var(xs);
    assert_within(m, mean, (var / n).sqrt(), &format!("{what}: mean"));
    let se = var * (2.0 / (n - 1.0) + kurtosis / n).sqrt();
    assert_within(v, var, se, &format!("{what}: variance"));
}

/// Runs §3.3–§3.4 alone for weeks `0..weeks` of trial `trial`, on the
/// draws `run_trial` gives them, and hands `each` the week, the governance
/// noise z after that week's update, and the cells spawned that week.
fn spawn_weeks(th: &Theatre<'_>, trial: u64, weeks: u32, mut each: impl FnMut(u32, f64, &[Cell])) {
    let s = th.scenario;
    let mut src = Source {
        draws: Draws::new(s.seed, trial),
        spawn: streams::stream(s.seed, trial, Stream::Spawn),
        governance: streams::stream(s.seed, trial, Stream::Governance),
        noise: 0.0,
    };
    let (mut work, mut rec) = (Workspace::default(), TrialRecord::default());
    rec.reset(s.weeks as usize, s.states.len(), 2 * s.borders.len());
    let mut laws = Vec::new();
    for t in 0..weeks {
        work.cells.clear();
        let draws = src.draws.clone();
        let (cells, rec) = (&mut work.cells, &mut rec);
        draw_week(th, t, &mut src, &mut laws, |k, n| {
            bear(th, week(t), k, n, &draws, cells, rec, &mut NoRecorder);
        });
        let counted = rec.counters[t as usize][Counter::NewCells as usize];
        assert_eq!(
            counted,
            work.cells.len() as u64,
            "new_cells counts the cells"
        );
        each(t, src.noise, &work.cells);
    }
}

/// Two source regions in SRC (λ = 20 and 5), each bordering T1, and T1's
/// neighbour T2: the two targets, weights 1 and 3. `extra` is TOML put after
/// `[scenario]` (a `[source]` or `[model]` table).
fn two_sources(extra: &str) -> Scenario {
    scenario(&format!(
        r#"
[scenario]
weeks = 40
trials = 1
seed = 23
{extra}
[[states]]
id = "SRC"
role = "other"
[[states]]
id = "MEM"
role = "member"
budget = 1.0
allocation = {{ border = 1.0, intel = 0.0, readiness = 0.0 }}
[[regions]]
id = "SRC_A"
state = "SRC"
population = 1.0
new_cells = 20.0
[[regions]]
id = "SRC_B"
state = "SRC"
population = 1.0
new_cells = 5.0
[[regions]]
id = "T1"
state = "MEM"
population = 1.0
[[regions]]
id = "T2"
state = "MEM"
population = 3.0
[[borders]]
a = "SRC_A"
b = "T1"
length_km = 100
terrain = "plain"
[[borders]]
a = "SRC_B"
b = "T1"
length_km = 100
terrain = "plain"
[[borders]]
a = "T1"
b = "T2"
"#
    ))
}

fn region(s: &Scenario, id: &str) -> usize {
    s.regions.iter().position(|r| r.id == id).unwrap()
}

fn state(s: &Scenario, id: &str) -> usize {
    s.states.iter().position(|st| st.id == id).unwrap()
}

/// Cells spawned at source `k` among `cells`.
fn at_source(s: &Scenario, k: usize, cells: &[Cell]) -> f64 {
    let r = s.network.sources[k] as u32;
    cells.iter().filter(|c| c.region == r).count() as f64
}

// ---- §3.3 governance noise -------------------------------------------------

/// H = 1, G = 0.5, η = 2, noise sd 0.1 and reversion 0.5.
const NOISY: &str = "[source]\nhardship = 1.0\nrecruitment_exponent = 2.0\ngovernance = { kind = \"constant\", value = 0.5 }\ngovernance_noise = { sd = 0.1, reversion = 0.5 }\n";

#[test]
fn governance_noise_is_the_ar1_sum_of_its_own_normal_draws() {
    // z starts at 0 and is updated before each week's use, so after week t
    // z_t = Σ_{j<=t} (1 - r)^(t-j) sd ε_j, with ε_j the j-th standard normal
    // of the trial's governance stream (summed here in closed form, not by
    // the recursion). Kills every operator mutant of the update in `spawn`.
    let (sd, r) = (0.1f64, 0.5f64);
    let s = two_sources(NOISY);
    let th = Theatre::new(&s);
    for trial in 0..20 {
        let mut g = streams::stream(s.seed, trial, Stream::Governance);
        let eps: Vec<f64> = (0..30).map(|_| StandardNormal.sample(&mut g)).collect();
        spawn_weeks(&th, trial, 30, |t, z, _| {
            let want: f64 = (0..=t)
                .map(|j| (1.0 - r).powi((t - j) as i32) * sd * eps[j as usize])
                .sum();
            assert!(
                (z - want).abs() <= 1e-12,
                "trial {trial}, week {t}: {z} vs {want}"
            );
        });
    }
}

#[test]
fn governance_noise_has_its_stationary_mean_variance_and_autocorrelation() {
    // AR(1) from 0: Var z_t = sd² (1 - a^(2(t+1))) / (1 - a²), a = 1 - r,
    // stationary sd² / (1 - a²); lag-1 autocorrelation a (here a √(v_t /
    // v_{t+1}), which differs from a by 1e-10). Across independent trials at
    // weeks 30 and 31. Hardship is tiny so that few cells are spawned.
    let (sd, r) = (0.2f64, 0.3f64);
    let s = two_sources(
        "[source]\nhardship = 0.01\ngovernance_noise = { sd = 0.2, reversion = 0.3 }\n",
    );
    let th = Theatre::new(&s);
    let trials = 4_000;
    let (mut z30, mut z31) = (Vec::new(), Vec::new());
    for i in 0..trials {
        spawn_weeks(&th, i, 32, |t, z, _| match t {
            30 => z30.push(z),
            31 => z31.push(z),
            _ => {}
        });
    }
    let a = 1.0 - r;
    let v = |t: i32| sd * sd * (1.0 - a.powi(2 * (t + 1))) / (1.0 - a * a);
    let n = trials as f64;
    // A normal: excess kurtosis 0.
    assert_moments(&z30, 0.0, v(30), 0.0, "z at week 30");
    let (m30, v30) = mean_var(&z30);
    let (m31, v31) = mean_var(&z31);
    let cov = z30
        .iter()
        .zip(&z31)
        .map(|(x, y)| (x - m30) * (y - m31))
        .sum::<f64>()
        / (n - 1.0);
    let rho = a * (v(30) / v(31)).sqrt();
    // The sample correlation of a bivariate normal: se (1 - ρ²)/√n.
    assert_within(
        cov / (v30 * v31).sqrt(),
        rho,
        (1.0 - rho * rho) / n.sqrt(),
        "lag-1 autocorrelation",
    );
}

#[test]
fn governance_noise_mixes_the_poisson_of_spawning() {
    // G = clamp(0.5 + z, 0, 1) (clamping needs |z| > 0.5, over 4 sd of z,
    // so it is ignored), H = 1, η = 2: N | z ~ Poisson(λ (c - z)²), c = 0.5,
    // z ~ N(0, v). So E N = λ (c² + v), Var N = E N + λ² (4 c² v + 2 v²),
    // Cov(N, z) = -2 c λ v: more cells when governance is worse. The sign of
    // the covariance is what tells G + z from G - z (same distribution).
    let s = two_sources(NOISY);
    let th = Theatre::new(&s);
    let (trials, week) = (3_000u64, 12u32);
    let (mut counts, mut zs) = (Vec::new(), Vec::new());
    for i in 0..trials {
        spawn_weeks(&th, i, week + 1, |t, z, cells| {
            if t == week {
                counts.push(at_source(&s, 0, cells));
                zs.push(z);
            }
        });
    }
    let (sd, a, c, lambda) = (0.1f64, 0.5f64, 0.5f64, 20.0f64);
    let v = sd * sd * (1.0 - a.powi(2 * (week as i32 + 1))) / (1.0 - a * a);
    let mean = lambda * (c * c + v);
    let var = mean + lambda * lambda * (4.0 * c * c * v + 2.0 * v * v);
    let n = trials as f64;
    let (m, s2) = mean_var(&counts);
    assert_within(m, mean, (var / n).sqrt(), "mean of spawned cells");
    // The variance's and covariance's standard errors from the sample's own
    // fourth moments (the mixture's are long to write out).
    let m4 = counts.iter().map(|x| (x - m).powi(4)).sum::<f64>() / n;
    assert_within(
        s2,
        var,
        ((m4 - s2 * s2) / n).sqrt(),
        "variance of spawned cells",
    );
    let products: Vec<f64> = counts.iter().zip(&zs).map(|(x, z)| (x - m) * z).collect();
    let (cov, var_product) = mean_var(&products);
    assert_within(
        cov,
        -2.0 * c * lambda * v,
        (var_product / n).sqrt(),
        "Cov(N, z)",
    );
}

// ---- §3.4 spawning ----------------------------------------------------------

#[test]
fn spawning_is_poisson_per_source_region_and_week() {
    // Without noise N_{r,t} ~ Poisson(λ_r Γ(t)^η), Γ = H (1 - G(t)), here
    // with G linear from 0.2 (week 0) to 0.6 (week 4): mean = variance.
    let s = two_sources(
        "[source]\nhardship = 0.8\nrecruitment_exponent = 1.5\ngovernance = { kind = \"linear\", from = 0.2, to = 0.6, start_week = 0, end_week = 4 }\n",
    );
    let th = Theatre::new(&s);
    let (trials, weeks) = (2_000u64, 5u32);
    let mut counts = vec![vec![Vec::new(); weeks as usize]; 2];
    for i in 0..trials {
        spawn_weeks(&th, i, weeks, |t, _, cells| {
            for (k, per_week) in counts.iter_mut().enumerate() {
                per_week[t as usize].push(at_source(&s, k, cells));
            }
        });
    }
    for (k, lambda) in [20.0, 5.0].into_iter().enumerate() {
        for t in 0..weeks {
            let g = 0.2 + 0.1 * f64::from(t);
            let mean = lambda * (0.8 * (1.0 - g)).powf(1.5);
            let what = format!("source {k}, week {t}");
            assert_moments(&counts[k][t as usize], mean, mean, 1.0 / mean, &what);
        }
    }
}

#[test]
fn no_grievance_spawns_nothing_and_grievance_to_the_zero_is_one() {
    // Γ = 0 (H = 0) with η > 0: Poisson(0). Γ = η = 0: Γ^η = 1, Poisson(λ).
    let s = two_sources("[source]\nhardship = 0.0\n");
    let th = Theatre::new(&s);
    for i in 0..50 {
        spawn_weeks(&th, i, 10, |_, _, cells| assert!(cells.is_empty()));
    }
    let s = two_sources("[source]\nhardship = 0.0\nrecruitment_exponent = 0.0\n");
    let th = Theatre::new(&s);
    let mut counts = Vec::new();
    for i in 0..1_000 {
        spawn_weeks(&th, i, 1, |_, _, cells| {
            counts.push(at_source(&s, 1, cells))
        });
    }
    assert_moments(&counts, 5.0, 5.0, 1.0 / 5.0, "Poisson(λ) at Γ = η = 0");
}

#[test]
fn a_new_cell_has_size_one_plus_poisson_and_a_target_by_weight() {
    // Size 1 + Poisson(m - 1): mean m, variance m - 1, excess kurtosis
    // 1/(m - 1). Target ∝ target_weight: T1 (weight 1) for 1 cell in 4.
    let s = two_sources("[model]\ncell_size_mean = 3.5\nsignature_start = 0.125\n");
    let th = Theatre::new(&s);
    let t1 = s
        .network
        .targets
        .iter()
        .position(|&r| r == region(&s, "T1"))
        .unwrap();
    let (mut sizes, mut to_t1) = (Vec::new(), 0.0);
    for i in 0..300 {
        spawn_weeks(&th, i, 10, |_, _, cells| {
            for c in cells {
                sizes.push(c.size as f64);
                to_t1 += f64::from(u8::from(c.target as usize == t1));
                assert!(!c.established && c.experience == 0 && c.decisions == 0);
                assert_eq!((c.previous, c.signature), (u32::MAX, 0.125));
            }
        });
    }
    assert_moments(&sizes, 3.5, 2.5, 1.0 / 2.5, "cell size");
    let n = sizes.len() as f64;
    assert_binomial(
        to_t1,
        n,
        0.25,
        "share of cells aiming at T1 (weight 1 of 4)",
    );
}

// ---- §3.5 movement ----------------------------------------------------------

/// A word whose [`unit`] is `u` (to within 2^-53).
fn word(u: f64) -> u64 {
    ((u * (1u64 << 53) as f64) as u64) << 11
}

/// A transit cell at `region` that came from `previous`, aiming at the
/// first target.
fn cell_at(th: &Theatre<'_>, region: usize, previous: u32) -> Cell {
    Cell {
        id: CellId::default(),
        signature: th.scenario.model.signature_start,
        region: region as u32,
        previous,
        target: 0,
        size: 1,
        experience: 0,
        decisions: 0,
        established: false,
        changes: 0,
        which: 0,
        tag: (),
    }
}

/// A fresh record for `s`.
fn record(s: &Scenario) -> TrialRecord {
    let mut rec = TrialRecord::default();
    rec.reset(s.weeks as usize, s.states.len(), 2 * s.borders.len());
    rec
}

/// One §3.5 decision of `cell` in week 0 with the given words.
fn transit(
    th: &Theatre<'_>,
    cell: &mut Cell,
    mut words: [u64; SLOTS],
    rec: &mut TrialRecord,
) -> bool {
    let (mut candidates, mut weights) = (Vec::new(), Vec::new());
    let fate = transit_move(
        th,
        cell,
        week(0),
        &mut words,
        &mut candidates,
        &mut weights,
        rec,
        &mut NoRecorder,
    );
    matches!(fate, Fate::Alive)
}

/// Route word `u`; no detection (nor interdiction) on any border.
fn route(u: f64) -> [u64; SLOTS] {
    let mut w = [word(0.999_999); SLOTS];
    w[Slot::Route as usize] = word(u);
    w
}

/// SRC_N borders the target T and the member region A; A's only other link
/// is internal, to the dead end B. Hops to T: SRC_N 1, A 2, B 3.
fn dead_end() -> Scenario {
    scenario(
        r#"
[scenario]
weeks = 4
trials = 1
seed = 5
[[states]]
id = "SRC"
role = "other"
[[states]]
id = "MEM"
role = "member"
budget = 1.0
allocation = { border = 1.0, intel = 0.0, readiness = 0.0 }
[[regions]]
id = "SRC_N"
state = "SRC"
population = 1.0
new_cells = 1.0
[[regions]]
id = "T"
state = "MEM"
population = 1.0
[[regions]]
id = "A"
state = "MEM"
population = 1.0
target_weight = 0
[[regions]]
id = "B"
state = "MEM"
population = 1.0
target_weight = 0
[[borders]]
a = "SRC_N"
b = "T"
length_km = 100
terrain = "plain"
[[borders]]
a = "SRC_N"
b = "A"
length_km = 100
terrain = "plain"
[[borders]]
a = "A"
b = "B"
"#,
    )
}

#[test]
fn a_cell_never_turns_back_unless_it_is_the_only_way() {
    let s = dead_end();
    let th = Theatre::new(&s);
    let (src, a, b) = (region(&s, "SRC_N"), region(&s, "A"), region(&s, "B"));
    let mut rec = record(&s);
    // From A with no previous region, the logit over SRC_N (risk 0: SRC has
    // no border stock, no intelligence; 1 hop) and B (3 hops) gives SRC_N
    // 1 / (1 + e^-2) of the route words: on a grid of 1,000 words, within
    // one grid step.
    let grid = 1_000;
    let mut back = 0;
    for k in 0..grid {
        let u = (f64::from(k) + 0.5) / f64::from(grid);
        let mut cell = cell_at(&th, a, u32::MAX);
        assert!(transit(&th, &mut cell, route(u), &mut rec));
        back += u32::from(cell.region == src as u32);
        // Came from SRC_N: SRC_N is no candidate, B is.
        let mut cell = cell_at(&th, a, src as u32);
        assert!(transit(&th, &mut cell, route(u), &mut rec));
        assert_eq!(
            (cell.region, cell.previous),
            (b as u32, a as u32),
            "u = {u}"
        );
        // At the dead end the way back is the only candidate: taken.
        assert!(transit(&th, &mut cell, route(u), &mut rec));
        assert_eq!(
            (cell.region, cell.previous),
            (a as u32, b as u32),
            "u = {u}"
        );
        assert_eq!(cell.decisions, 2);
    }
    let p = 1.0 / (1.0 + (-2.0f64).exp());
    assert!((f64::from(back) / f64::from(grid) - p).abs() <= 1.0 / f64::from(grid));
}

#[test]
fn cells_that_cannot_move_wait_and_are_abandoned_after_max_transit_weeks() {
    // The only border is closed all year: every cell waits (a decision each
    // week) and is abandoned in the week after its M-th decision, so
    // abandoned(t) = new_cells(t - M) and alive(t) = Σ new_cells over the
    // last M weeks; none is ever in member territory.
    let m = 5;
    let s = one_border(
        &format!("max_transit_weeks = {m}\n[terrain.river]\nclosed_from = 1\nclosed_to = 52"),
        "budget = 1.0\nallocation = { border = 1.0, intel = 0.0, readiness = 0.0 }",
        30,
    );
    let mut spawned = 0;
    for rec in records(&s, 40) {
        let new = |t: usize| rec.counters[t][Counter::NewCells as usize];
        for t in 0..30usize {
            let want = if t >= m { new(t - m) } else { 0 };
            assert_eq!(
                rec.counters[t][Counter::Abandoned as usize],
                want,
                "week {t}"
            );
            assert_eq!(rec.counters[t][Counter::Attempts as usize], 0);
            let alive: u64 = (t.saturating_sub(m - 1)..=t).map(new).sum();
            assert_eq!(rec.levels[t][Level::Alive as usize], alive, "week {t}");
            assert_eq!(rec.levels[t][Level::CellsInAlliance as usize], 0);
            spawned += new(t);
        }
    }
    assert!(spawned > 100, "the test needs cells ({spawned})");
}

/// SRC_N borders A (the target) and B (one hop from A, internal link).
/// MEM's border stock (budget `budget`, all to border) is spread 3:1 by
/// priority; readiness is held at 0.5, no intelligence, no repel flag.
fn two_routes(model: &str) -> Scenario {
    scenario(&format!(
        r#"
[scenario]
weeks = 60
trials = 1
seed = 3
[model]
readiness_half_life = inf
repel_flag = 0.0
{model}
[[states]]
id = "SRC"
role = "other"
[[states]]
id = "MEM"
role = "member"
budget = 1.2
allocation = {{ border = 1.0, intel = 0.0, readiness = 0.0 }}
initial = {{ readiness = 0.5 }}
[[regions]]
id = "SRC_N"
state = "SRC"
population = 1.0
new_cells = 3.0
[[regions]]
id = "A"
state = "MEM"
population = 1.0
[[regions]]
id = "B"
state = "MEM"
population = 1.0
target_weight = 0
[[borders]]
a = "SRC_N"
b = "A"
length_km = 100
terrain = "plain"
priority = 3
[[borders]]
a = "SRC_N"
b = "B"
length_km = 100
terrain = "plain"
[[borders]]
a = "A"
b = "B"
"#
    ))
}

#[test]
fn route_shares_follow_the_logit_of_risk_and_distance() {
    // P(A) = 1 / (1 + exp(-θ (r_B - r_A) - λ_d (D_B - D_A))), D_A = 0,
    // D_B = 1, r = p_patrol q (no intelligence: no cue), p_patrol by the
    // random-search law from MEM's steady border stock S* = ρ_B B / δ_S,
    // spread 3:1. All attempts start at SRC_N (the repel flag is 0, so a
    // repelled cell chooses again with the same risks).
    let (theta, lambda_d) = (4.0, 0.7);
    let s = two_routes(&format!(
        "route_risk_aversion = {theta}\nroute_distance_weight = {lambda_d}"
    ));
    let m = &s.model;
    let stock = m.budget_to_border * 1.2 / m.border_decay;
    let patrol = |effort: f64| 1.0 - (-m.detection_scale * effort / 100.0).exp();
    let q = m.interdict_min + (m.interdict_max - m.interdict_min) * 0.5;
    let (r_a, r_b) = (patrol(0.75 * stock) * q, patrol(0.25 * stock) * q);
    let p_a = 1.0 / (1.0 + (-theta * (r_b - r_a) - lambda_d).exp());
    let recs = records(&s, 200);
    let attempts = |dir: usize| {
        recs.iter()
            .map(|r| r.by_direction[dir][DirectionMetric::Attempts as usize])
            .sum::<u64>() as f64
    };
    let (to_a, to_b) = (attempts(0), attempts(2));
    assert_binomial(to_a, to_a + to_b, p_a, "share of attempts straight at A");
}

// ---- §3.5.4 border crossings ------------------------------------------------

#[test]
fn border_detection_with_cueing_and_interdiction_match_the_law() {
    // p_detect = 1 - (1 - p_patrol)(1 - σ e_v) with σ held at the start
    // value (no exposure: ν = 0; no repel flag), p_patrol by the random
    // search law and e = 1 - exp(-α I*), I* = ρ_I i B / δ_I; once detected,
    // interdicted with q = q_min + (q_max - q_min) R*, R* the steady state.
    let s = one_border(
        "signature_start = 0.5\nsignature_rate = 0.0\nrepel_flag = 0.0\ninterdict_min = 0.2\ninterdict_max = 0.8",
        "budget = 1.75\nallocation = { border = 0.3, intel = 0.6, readiness = 0.1 }",
        52,
    );
    let m = &s.model;
    let budget = 1.75;
    let border = m.budget_to_border * 0.3 * budget / m.border_decay;
    let intel = m.budget_to_intel * 0.6 * budget / m.intel_decay;
    let e = 1.0 - (-m.intel_saturation * intel).exp();
    // River: sweep 1, passable 0.3; 500 km.
    let p_patrol = 1.0 - (-m.detection_scale * border / (0.3 * 500.0)).exp();
    let p_detect = 1.0 - (1.0 - p_patrol) * (1.0 - 0.5 * e);
    let c = 1.0 - (-m.budget_to_readiness * 0.1 * budget).exp();
    let r_star = c / (c + 1.0 - (-1.0 / m.readiness_half_life).exp2());
    let q = 0.2 + 0.6 * r_star;
    assert!(
        e > 0.2 && p_patrol > 0.2,
        "both terms matter: e {e}, p {p_patrol}"
    );
    let recs = records(&s, 300);
    let total = |k: DirectionMetric| {
        recs.iter()
            .map(|r| r.by_direction[0][k as usize])
            .sum::<u64>() as f64
    };
    let (attempts, detections) = (
        total(DirectionMetric::Attempts),
        total(DirectionMetric::Detections),
    );
    let interdictions = total(DirectionMetric::Interdictions);
    assert_binomial(detections, attempts, p_detect, "detections / attempts");
    assert_binomial(interdictions, detections, q, "interdictions / detections");
    let crossings = total(DirectionMetric::Crossings);
    assert_eq!(crossings + detections, attempts);
}

#[test]
fn a_repelled_cell_stays_and_is_flagged_an_interdicted_one_is_removed() {
    // Words: detected (u = 0), then interdiction u above or below q.
    let s = one_border(
        "repel_flag = 0.3\nsignature_start = 0.2",
        "budget = 8.0\nallocation = { border = 1.0, intel = 0.0, readiness = 0.0 }",
        4,
    );
    let th = Theatre::new(&s);
    let (src, mem) = (region(&s, "SRC_N"), region(&s, "MEM_S"));
    let mut words = [word(0.0); SLOTS];
    words[Slot::Interdict as usize] = word(0.999_999);
    let mut rec = record(&s);
    let mut cell = cell_at(&th, src, u32::MAX);
    assert!(transit(&th, &mut cell, words, &mut rec), "repelled");
    assert_eq!((cell.region, cell.previous), (src as u32, u32::MAX));
    assert!(
        (cell.signature - (1.0 - 0.8 * 0.7)).abs() < 1e-15,
        "{}",
        cell.signature
    );
    let week = rec.counters[0];
    assert_eq!(
        (
            week[Counter::Attempts as usize],
            week[Counter::Detections as usize],
            week[Counter::BorderInterdictions as usize]
        ),
        (1, 1, 0)
    );
    words[Slot::Interdict as usize] = word(0.0);
    assert!(!transit(&th, &mut cell, words, &mut rec), "interdicted");
    let mem_state = state(&s, "MEM");
    assert_eq!(rec.counters[0][Counter::BorderInterdictions as usize], 1);
    assert_eq!(
        rec.by_state[mem_state][StateMetric::BorderInterdictions as usize],
        1
    );
    assert_eq!(
        rec.by_direction[0][DirectionMetric::Interdictions as usize],
        1
    );
    // Not detected: crosses into its target, an entry, and is established.
    let mut cell = cell_at(&th, src, u32::MAX);
    assert!(transit(&th, &mut cell, route(0.5), &mut rec));
    assert!(cell.established && cell.region == mem as u32 && cell.previous == src as u32);
    let week = rec.counters[0];
    assert_eq!(week[Counter::Entries as usize], 1);
    assert_eq!(week[Counter::IndirectEntries as usize], 0);
    assert_eq!(week[Counter::NewlyEstablished as usize], 1);
    assert_eq!(rec.by_state[mem_state][StateMetric::Entries as usize], 1);
    assert_eq!(rec.by_direction[0][DirectionMetric::Crossings as usize], 1);
}

/// SRC_N (source) borders TRN_A (a neutral state without sources) and
/// MEM_A; TRN_A borders MEM_A; MEM_A borders ALLY_T (the only target).
fn corridor() -> Scenario {
    scenario(
        r#"
[scenario]
weeks = 60
trials = 1
seed = 9
[model]
route_distance_weight = 0.2
[[states]]
id = "SRC"
role = "other"
[[states]]
id = "TRN"
role = "other"
[[states]]
id = "MEM"
role = "member"
budget = 2.0
allocation = { border = 0.5, intel = 0.5, readiness = 0.0 }
[[states]]
id = "ALLY"
role = "member"
budget = 2.0
allocation = { border = 0.5, intel = 0.5, readiness = 0.0 }
[[regions]]
id = "SRC_N"
state = "SRC"
population = 1.0
new_cells = 2.0
[[regions]]
id = "TRN_A"
state = "TRN"
population = 1.0
[[regions]]
id = "MEM_A"
state = "MEM"
population = 1.0
target_weight = 0
[[regions]]
id = "ALLY_T"
state = "ALLY"
population = 1.0
[[borders]]
a = "SRC_N"
b = "TRN_A"
length_km = 100
terrain = "plain"
[[borders]]
a = "SRC_N"
b = "MEM_A"
length_km = 100
terrain = "plain"
[[borders]]
a = "TRN_A"
b = "MEM_A"
length_km = 100
terrain = "plain"
[[borders]]
a = "MEM_A"
b = "ALLY_T"
length_km = 100
terrain = "plain"
"#,
    )
}

#[test]
fn entries_are_crossings_into_members_from_outside_and_indirect_from_a_state_without_sources() {
    // §3.5.4 and §5: every counter is the sum of its parts.
    let s = corridor();
    let (mem, ally) = (state(&s, "MEM"), state(&s, "ALLY"));
    let dir = |a: &str, b: &str| {
        let (ra, rb) = (region(&s, a), region(&s, b));
        let i = s
            .borders
            .iter()
            .position(|x| (x.a, x.b) == (ra, rb))
            .unwrap();
        2 * i
    };
    let (src_mem, trn_mem, mem_ally) = (
        dir("SRC_N", "MEM_A"),
        dir("TRN_A", "MEM_A"),
        dir("MEM_A", "ALLY_T"),
    );
    let mut checked = [0u64; 3];
    for rec in records(&s, 100) {
        let d = |dir: usize, k: DirectionMetric| rec.by_direction[dir][k as usize];
        let all = |k: DirectionMetric| (0..rec.by_direction.len()).map(|i| d(i, k)).sum::<u64>();
        let st = |i: usize, k: StateMetric| rec.by_state[i][k as usize];
        let crossings_in =
            d(src_mem, DirectionMetric::Crossings) + d(trn_mem, DirectionMetric::Crossings);
        assert_eq!(rec.total(Counter::Entries), crossings_in);
        assert_eq!(
            rec.total(Counter::IndirectEntries),
            d(trn_mem, DirectionMetric::Crossings)
        );
        assert_eq!(st(mem, StateMetric::Entries), crossings_in);
        assert_eq!(
            st(ally, StateMetric::Entries),
            0,
            "member to member is no entry"
        );
        assert_eq!(rec.total(Counter::Attempts), all(DirectionMetric::Attempts));
        assert_eq!(
            rec.total(Counter::Detections),
            all(DirectionMetric::Detections)
        );
        assert_eq!(
            rec.total(Counter::BorderInterdictions),
            all(DirectionMetric::Interdictions)
        );
        // By the destination's state, for member destinations only.
        let into_members = [src_mem, trn_mem, mem_ally, mem_ally + 1];
        assert_eq!(
            (0..s.states.len())
                .map(|i| st(i, StateMetric::BorderInterdictions))
                .sum::<u64>(),
            into_members
                .iter()
                .map(|&i| d(i, DirectionMetric::Interdictions))
                .sum::<u64>()
        );
        assert_eq!(
            rec.total(Counter::InteriorInterdictions),
            st(mem, StateMetric::InteriorInterdictions)
                + st(ally, StateMetric::InteriorInterdictions)
        );
        assert_eq!(
            rec.total(Counter::NewlyEstablished),
            d(mem_ally, DirectionMetric::Crossings)
        );
        checked[0] += d(trn_mem, DirectionMetric::Crossings);
        checked[1] += d(src_mem, DirectionMetric::Crossings);
        checked[2] += rec.total(Counter::InteriorInterdictions);
    }
    assert!(
        checked.iter().all(|&c| c > 20),
        "every path is taken: {checked:?}"
    );
}

// ---- §3.6 inside member territory -----------------------------------------

/// One border into MEM_S with intelligence (so μ > 0); no patrol.
fn interior(model: &str) -> Scenario {
    one_border(
        &format!(
            "signature_start = 0.2\nsignature_rate = 0.0\nattack_flag = 0.0\nattack_experience_exponent = 0.0\ngrowth_rate = 0.0\nattrition_rate = 0.0\ninterdiction_hazard = 0.1\nreadiness_half_life = inf\n{model}"
        ),
        "budget = 1.0\nallocation = { border = 0.0, intel = 1.0, readiness = 0.0 }\ninitial = { readiness = 0.4 }",
        8,
    )
}

/// μ = μ0 e (0.5 + 0.5 σ)(1 + φ R) for `interior`'s MEM, σ = 0.2.
fn interior_mu(s: &Scenario) -> f64 {
    let m = &s.model;
    let intel = m.budget_to_intel * 1.0 / m.intel_decay;
    let e = 1.0 - (-m.intel_saturation * intel).exp();
    m.interdiction_hazard * e * (0.5 + 0.5 * 0.2) * (1.0 + m.interdiction_readiness_gain * 0.4)
}

/// Week `w` of an established cell by the engine's path: the waiting time
/// from `w` (one word); if it ends in `w`, the week of change with fresh
/// words; otherwise the week is quiet and only §3.7 runs. The signature is
/// left as one week leaves it.
fn established_week(
    th: &Theatre<'_>,
    cell: &mut Cell,
    w: u32,
    rng: &mut StreamRng,
    rec: &mut TrialRecord,
) -> Fate {
    let before = cell.signature;
    if fall_asleep(th, cell, w, [rng.next_u64(), rng.next_u64()]) == Some(w) {
        let mut words: [u64; SLOTS] = std::array::from_fn(|_| rng.next_u64());
        return wake_on(th, cell, w, &mut words, rec);
    }
    cell.signature = before;
    expose(th, cell, w);
    Fate::Alive
}

/// `cell`'s week of change `t` with the given words.
fn wake_on(
    th: &Theatre<'_>,
    cell: &mut Cell,
    t: u32,
    words: &mut [u64; SLOTS],
    rec: &mut TrialRecord,
) -> Fate {
    wake(th, cell, week(t), words, rec, &mut NoRecorder)
}

/// An established cell of `size` at `region`.
fn established_at(th: &Theatre<'_>, region: usize, size: u64) -> Cell {
    let mut cell = cell_at(th, region, u32::MAX);
    cell.established = true;
    cell.size = size;
    cell
}

/// Pearson's χ² of `observed` counts against the probabilities `probs`
/// (which sum to 1), bins with an expected count under 5 pooled with the
/// next: below the χ² quantile of 1 - 1e-6 (Wilson-Hilferty), so a fixed
/// seed fails only on a wrong law.
fn assert_chi_square(observed: &[f64], probs: &[f64], what: &str) {
    let n: f64 = observed.iter().sum();
    let (mut bins, mut o, mut e) = (Vec::new(), 0.0, 0.0);
    for (x, p) in observed.iter().zip(probs) {
        o += x;
        e += n * p;
        if e >= 5.0 {
            bins.push((o, e));
            (o, e) = (0.0, 0.0);
        }
    }
    if let Some(last) = bins.last_mut() {
        last.0 += o;
        last.1 += e;
    }
    assert!(bins.len() >= 2, "{what}: too few bins");
    let chi2: f64 = bins.iter().map(|(o, e)| (o - e).powi(2) / e).sum();
    let k = (bins.len() - 1) as f64;
    let z = 4.75;
    let limit = k * (1.0 - 2.0 / (9.0 * k) + z * (2.0 / (9.0 * k)).sqrt()).powi(3);
    assert!(
        chi2 < limit,
        "{what}: χ² {chi2:.1} on {k} degrees of freedom (limit {limit:.1}); bins {bins:?}"
    );
}

/// Binomial(n, p) probabilities of 0..=n.
fn binomial_pmf(n: u64, p: f64) -> Vec<f64> {
    let mut pmf = vec![(1.0 - p).powi(n as i32)];
    for k in 0..n {
        let next = pmf[k as usize] * p / (1.0 - p) * (n - k) as f64 / (k + 1) as f64;
        pmf.push(next);
    }
    pmf
}

#[test]
fn a_transit_cell_in_member_territory_is_interdicted_at_rate_mu() {
    let s = interior("");
    let th = Theatre::new(&s);
    let mu = interior_mu(&s);
    let mem = region(&s, "MEM_S");
    let mut rng = StreamRng::seed_from_u64(41);
    let mut rec = record(&s);
    let n = 20_000;
    let mut removed = 0.0;
    for _ in 0..n {
        let mut cell = cell_at(&th, mem, u32::MAX);
        let mut words: [u64; SLOTS] = std::array::from_fn(|_| rng.next_u64());
        if let Fate::Removed = inside_territory(
            &th,
            &mut cell,
            week(0),
            &mut words,
            &mut rec,
            &mut NoRecorder,
        ) {
            removed += 1.0;
        }
    }
    assert_binomial(
        removed,
        f64::from(n),
        1.0 - (-mu).exp(),
        "interior interdiction of transit cells",
    );
    assert_eq!(rec.total(Counter::InteriorInterdictions) as f64, removed);
}

#[test]
fn competing_hazards_split_events_and_set_the_waiting_time() {
    // An established cell of size 1 (no growth), γ = 0, σ fixed (no attack
    // flag, no exposure here): each week an event with probability
    // 1 - exp(-(a + μ)); an interdiction with probability μ / (a + μ) of
    // those, else an attack. Removal is geometric: mean waiting time
    // 1 / p_rem, p_rem = (1 - exp(-(a + μ))) μ / (a + μ), variance
    // (1 - p_rem) / p_rem².
    let s = interior("attack_hazard = 0.08");
    let th = Theatre::new(&s);
    let (a, mu) = (
        0.08 * 1f64.powf(s.model.attack_size_exponent),
        interior_mu(&s),
    );
    let mem = region(&s, "MEM_S");
    let mut rng = StreamRng::seed_from_u64(43);
    let mut rec = record(&s);
    let (cells, mut weeks, mut waits) = (4_000, 0.0, Vec::new());
    for _ in 0..cells {
        let mut cell = established_at(&th, mem, 1);
        let mut wait = 0.0;
        loop {
            wait += 1.0;
            // p_rem is 0.035 a week: 2,000 weeks without removal has
            // probability e^-70; a broken μ must fail, not hang.
            assert!(wait <= 2_000.0, "no removal in 2,000 weeks");
            if let Fate::Removed = established_week(&th, &mut cell, 0, &mut rng, &mut rec) {
                break;
            }
        }
        weeks += wait;
        waits.push(wait);
    }
    let attacks = rec.total(Counter::Attacks) as f64;
    let interdictions = rec.total(Counter::InteriorInterdictions) as f64;
    assert_eq!(interdictions, f64::from(cells));
    let p_event = 1.0 - (-(a + mu)).exp();
    assert_binomial(
        attacks + interdictions,
        weeks,
        p_event,
        "events per cell-week",
    );
    assert_binomial(
        interdictions,
        attacks + interdictions,
        mu / (a + mu),
        "interdictions among events",
    );
    let p_rem = p_event * mu / (a + mu);
    let var = (1.0 - p_rem) / (p_rem * p_rem);
    let (mean, _) = mean_var(&waits);
    assert_within(
        mean,
        1.0 / p_rem,
        (var / f64::from(cells)).sqrt(),
        "mean waiting time",
    );
}

#[test]
fn an_attack_scores_its_severity_and_flags_the_cell() {
    // A week of change without growth (g = d = 0) is an event alone; μ = 0
    // (no intelligence): an attack for sure; severity from the severity
    // word; k += 1; σ by the attack flag (and no exposure, e = 0).
    let s = one_border(
        "attack_hazard = 0.5\nattack_flag = 0.25\nsignature_start = 0.2\nseverity_exponent = 2.5\ngrowth_rate = 0.0\nattrition_rate = 0.0",
        "budget = 1.0\nallocation = { border = 1.0, intel = 0.0, readiness = 0.0 }",
        8,
    );
    let th = Theatre::new(&s);
    let mem = region(&s, "MEM_S");
    let mut rec = record(&s);
    let mut cell = established_at(&th, mem, 1);
    // An event alone has probability 1 here.
    cell.which = word(0.999_999);
    let mut words = [word(0.0); SLOTS];
    // The kind word at 0 too: with μ = 0 the event is an attack even for
    // u = 0 (`u < μ/(a+μ)`, not `<=`).
    words[Slot::EventKind as usize] = word(0.0);
    words[Slot::Severity as usize] = word(0.99);
    // 1 - u = 0.01: X = 0.01^(-1/1.5) = 21.5..., floor 21.
    assert!(matches!(
        wake_on(&th, &mut cell, 3, &mut words, &mut rec),
        Fate::Alive
    ));
    assert_eq!(rec.counters[3][Counter::Attacks as usize], 1);
    assert_eq!(rec.counters[3][Counter::Severity as usize], 21);
    let mem_state = state(&s, "MEM");
    assert_eq!(rec.by_state[mem_state][StateMetric::Severity as usize], 21);
    assert_eq!(rec.by_state[mem_state][StateMetric::Attacks as usize], 1);
    assert_eq!((rec.first_attack_week, cell.experience), (Some(3), 1));
    assert!((cell.signature - (1.0 - 0.8 * 0.75)).abs() < 1e-15);
    assert!(matches!(
        wake_on(&th, &mut cell, 5, &mut words, &mut rec),
        Fate::Alive
    ));
    assert_eq!((rec.first_attack_week, cell.experience), (Some(3), 2));
    assert_eq!(rec.by_state[mem_state][StateMetric::Severity as usize], 42);
}

#[test]
fn births_follow_growth_times_one_minus_legitimacy_and_deaths_attrition() {
    // One week of an established cell by the engine's path (waiting time,
    // then the week of change given that it is not quiet), with a0 = μ = 0:
    // births ~ Binomial(n, g (1 - L_r)), deaths ~ Binomial(n, d), both on
    // the old n: mean n (1 + g (1 - L) - d), variance n (p(1-p) + d(1-d)).
    let s = one_border(
        "growth_rate = 0.1\nattrition_rate = 0.05\nattack_hazard = 0.0",
        "budget = 1.0\nallocation = { border = 1.0, intel = 0.0, readiness = 0.0 }",
        4,
    );
    let mut s = s;
    let mem = region(&s, "MEM_S");
    s.regions[mem].legitimacy = 0.2;
    let th = Theatre::new(&s);
    let (n, p, d) = (20u64, 0.1 * (1.0 - 0.2), 0.05);
    let mut rng = StreamRng::seed_from_u64(47);
    let mut rec = record(&s);
    let sizes: Vec<f64> = (0..40_000)
        .map(|_| {
            let mut cell = established_at(&th, mem, n);
            established_week(&th, &mut cell, 1, &mut rng, &mut rec);
            cell.size as f64
        })
        .collect();
    let nf = n as f64;
    let var = nf * (p * (1.0 - p) + d * (1.0 - d));
    // The excess kurtosis of a sum of independent binomials: Σ κ_i σ_i⁴ / σ⁴.
    let k4 = nf * p * (1.0 - p) * (1.0 - 6.0 * p * (1.0 - p))
        + nf * d * (1.0 - d) * (1.0 - 6.0 * d * (1.0 - d));
    assert_moments(
        &sizes,
        nf * (1.0 + p - d),
        var,
        k4 / (var * var),
        "size after a week",
    );
    // A cell whose members all leave dissolves (the births word at 0.5 is
    // above the chance of births first, 1 - 0.92^3).
    s.model.attrition_rate = 1.0;
    let th = Theatre::new(&s);
    let mut rec = record(&s);
    let mut cell = established_at(&th, mem, 3);
    let mut words = [word(0.5); SLOTS];
    assert!(matches!(
        wake_on(&th, &mut cell, 1, &mut words, &mut rec),
        Fate::Removed
    ));
    assert_eq!(rec.counters[1][Counter::Dissolved as usize], 1);
    // With births first, the births word given B >= 1 and the deaths word
    // as usual: all 3 die, the one born stays (n + B - D on the old n).
    let mut cell = established_at(&th, mem, 3);
    words[Slot::Side as usize] = word(0.0);
    words[Slot::Births as usize] = word(0.0);
    assert!(matches!(
        wake_on(&th, &mut cell, 1, &mut words, &mut rec),
        Fate::Alive
    ));
    assert_eq!(cell.size, 1);
    // Without births (g = 0) a week of change that is not an event brings
    // deaths, even on the word 0: a chance of 0 never happens.
    s.model.growth_rate = 0.0;
    s.model.attrition_rate = 0.5;
    let th = Theatre::new(&s);
    let mut cell = established_at(&th, mem, 3);
    let mut words = [0; SLOTS];
    assert!(matches!(
        wake_on(&th, &mut cell, 1, &mut words, &mut rec),
        Fate::Alive
    ));
    // D given D >= 1 at the uniform q^3, the least: one death.
    assert_eq!(
        cell.size, 2,
        "a week of change without births brings deaths"
    );
}

#[test]
fn a_week_of_change_is_one_week_of_the_rules_given_that_something_happens() {
    // The outcome of `wake` (size after growth; dissolved, interdicted,
    // attacked or nothing more) against the law of one week of §3.6,
    // enumerated over births and deaths on the old size, then the event on
    // the new size, less the quiet week and divided by 1 - P(quiet).
    let mut s = one_border(
        "signature_start = 0.2\ninterdiction_hazard = 0.1\ngrowth_rate = 0.15\nattrition_rate = 0.09\nattack_hazard = 0.06\nattack_size_exponent = 0.5\nattack_experience_exponent = 0.3",
        "budget = 1.0\nallocation = { border = 0.0, intel = 1.0, readiness = 0.0 }\ninitial = { readiness = 0.4 }",
        8,
    );
    let mem = region(&s, "MEM_S");
    s.regions[mem].legitimacy = 0.2;
    let th = Theatre::new(&s);
    let m = &s.model;
    let mu = th.defences.interior_hazard(0, state(&s, "MEM")) * (0.5 + 0.5 * 0.2);
    let (n, k) = (4u64, 2u32);
    let (births, deaths) = (binomial_pmf(n, 0.15 * 0.8), binomial_pmf(n, 0.09));
    // Outcomes: index 4 * size + {0 nothing, 1 attacked, 2 interdicted};
    // size 0 is dissolved (index 0).
    let top = 2 * n as usize;
    let mut law = vec![0.0; 4 * (top + 1)];
    for (b, pb) in births.iter().enumerate() {
        for (d, pd) in deaths.iter().enumerate() {
            let size = (n as usize + b).saturating_sub(d);
            let p = pb * pd;
            if size == 0 {
                law[0] += p;
                continue;
            }
            let a = attack_hazard(m, size as u64, k);
            let event = 1.0 - (-(a + mu)).exp();
            law[4 * size] += p * (1.0 - event);
            law[4 * size + 1] += p * event * a / (a + mu);
            law[4 * size + 2] += p * event * mu / (a + mu);
        }
    }
    // Quiet: no birth, no death, no event (a birth and a death also leave
    // the size as it was, and are a week of change).
    let a = attack_hazard(m, n, k);
    let quiet = births[0] * deaths[0] * (-(a + mu)).exp();
    law[4 * n as usize] -= quiet;
    law.iter_mut().for_each(|p| *p /= 1.0 - quiet);
    let mut rng = StreamRng::seed_from_u64(53);
    let mut rec = record(&s);
    let mut seen = vec![0.0; law.len()];
    for _ in 0..100_000 {
        let mut cell = established_at(&th, mem, n);
        cell.experience = k;
        cell.which = rng.next_u64();
        let mut words: [u64; SLOTS] = std::array::from_fn(|_| rng.next_u64());
        let attacks = rec.total(Counter::Attacks);
        let fate = wake_on(&th, &mut cell, 0, &mut words, &mut rec);
        let i = match fate {
            Fate::Removed if cell.size == 0 => 0,
            Fate::Removed => 4 * cell.size as usize + 2,
            _ if rec.total(Counter::Attacks) > attacks => 4 * cell.size as usize + 1,
            _ => 4 * cell.size as usize,
        };
        seen[i] += 1.0;
    }
    assert_chi_square(&seen, &law, "outcomes of a week of change");
}

#[test]
fn an_established_cell_wakes_in_the_first_week_that_is_not_quiet() {
    // Exposure raises σ each week (ν > 0, e > 0), so μ(t) rises: the week
    // of change from week 0 has P(t) = q(0) ... q(t-1) (1 - q(t)), q(t) =
    // e^-(births + deaths + a + μ(t)), and the walk leaves σ as it stands at
    // the start of that week. Past the last week: None.
    let weeks = 12;
    let s = one_border(
        "signature_start = 0.1\nsignature_rate = 0.4\nattack_flag = 0.0\ngrowth_rate = 0.02\nattrition_rate = 0.03\nattack_hazard = 0.01\ninterdiction_hazard = 0.3\nreadiness_half_life = inf",
        "budget = 1.0\nallocation = { border = 0.0, intel = 1.0, readiness = 0.0 }\ninitial = { readiness = 0.4 }",
        weeks,
    );
    let th = Theatre::new(&s);
    let m = &s.model;
    let mem = region(&s, "MEM_S");
    let mem_state = state(&s, "MEM");
    let n = 3u64;
    let births = m.growth_rate * (1.0 - s.regions[mem].legitimacy);
    let still = -(n as f64) * ((1.0 - births).ln() + (1.0 - m.attrition_rate).ln())
        + attack_hazard(m, n, 0);
    let (mut law, mut sigma, mut alive) = (Vec::new(), Vec::new(), 1.0);
    let mut sg = m.signature_start;
    for t in 0..weeks {
        let mu = th.defences.interior_hazard(t, mem_state) * (0.5 + 0.5 * sg);
        let q = (-(still + mu)).exp();
        law.push(alive * (1.0 - q));
        sigma.push(sg);
        alive *= q;
        sg = 1.0 - (1.0 - sg) * th.defences.exposure(t, mem_state);
    }
    law.push(alive);
    assert!(sigma[weeks as usize - 1] > 0.5, "σ should rise: {sigma:?}");
    let mut rng = StreamRng::seed_from_u64(59);
    let mut seen = vec![0.0; law.len()];
    for _ in 0..60_000 {
        let mut cell = established_at(&th, mem, n);
        let at = fall_asleep(&th, &mut cell, 0, [rng.next_u64(), 0]);
        let i = at.map_or(weeks as usize, |w| w as usize);
        let want = if i < weeks as usize { sigma[i] } else { sg };
        assert!((cell.signature - want).abs() < 1e-12, "σ at week {i}");
        seen[i] += 1.0;
    }
    assert_chi_square(&seen, &law, "week of change");
    // The uniform 0 waits no time: the first week with any hazard.
    let mut cell = established_at(&th, mem, n);
    assert_eq!(fall_asleep(&th, &mut cell, 3, [0, 7]), Some(3));
    assert_eq!(cell.which, 7);
}

// ---- §3.7 exposure and the levels of §5 -------------------------------------

#[test]
fn exposure_raises_the_signature_by_the_intelligence_effect() {
    // σ <- 1 - (1 - σ) exp(-ν e) at the end of each week, e of the state of
    // the cell's region: an established cell with no events (a0 = μ0 = 0)
    // sleeps through the four weeks, the walk raising σ each week; one
    // week of §3.7 raises it once.
    let s = one_border(
        "signature_start = 0.2\nsignature_rate = 0.3\nattack_hazard = 0.0\ninterdiction_hazard = 0.0\ngrowth_rate = 0.0\nattrition_rate = 0.0",
        "budget = 1.0\nallocation = { border = 0.0, intel = 1.0, readiness = 0.0 }",
        4,
    );
    let th = Theatre::new(&s);
    let m = &s.model;
    let e = 1.0 - (-m.intel_saturation * m.budget_to_intel / m.intel_decay).exp();
    let mem = region(&s, "MEM_S");
    let mut cell = established_at(&th, mem, 1);
    assert_eq!(fall_asleep(&th, &mut cell, 0, [word(0.5), 0]), None);
    // With no hazard at all even the uniform 0 (a wait of 0) never wakes
    // the cell: the sum must pass the wait, not reach it.
    let mut still = established_at(&th, mem, 1);
    assert_eq!(fall_asleep(&th, &mut still, 0, [0, 0]), None);
    let want = 1.0 - 0.8 * (-0.3 * e).exp().powi(4);
    assert!(
        (cell.signature - want).abs() < 1e-12,
        "{} vs {want}",
        cell.signature
    );
    let mut cell = cell_at(&th, mem, u32::MAX);
    expose(&th, &mut cell, 0);
    let want = 1.0 - 0.8 * (-0.3 * e).exp();
    assert!(
        (cell.signature - want).abs() < 1e-12,
        "{} vs {want}",
        cell.signature
    );
}

#[test]
fn levels_count_a_cell_in_transit_where_it_stands() {
    // A transit cell in member region A that came from SRC_N goes on to B
    // (member territory, not its target): alive and in the alliance, not
    // established.
    let mut s = dead_end();
    s.weeks = 1;
    let th = Theatre::new(&s);
    let (a, src) = (region(&s, "A"), region(&s, "SRC_N"));
    let mut work = Workspace::default();
    work.calendar.resize_with(th.run_weeks as usize, Vec::new);
    work.cells.push(cell_at(&th, a, src as u32));
    let mut rec = record(&s);
    let draws = Draws::new(s.seed, 0);
    live(&th, week(0), &draws, &mut work, &mut rec, &mut NoRecorder);
    assert_eq!(work.cells[0].region as usize, region(&s, "B"));
    let mut want = [0; N_LEVELS];
    want[Level::Alive as usize] = 1;
    want[Level::CellsInAlliance as usize] = 1;
    assert_eq!(rec.levels[0], want);
}

#[test]
fn levels_count_every_living_cell_where_it_stands() {
    // No patrol, no intelligence, nothing inside: every cell crosses into
    // its target in its first week and lives on, so alive(t) =
    // cells_in_alliance(t) = established(t) = Σ_{s<=t} new_cells(s).
    let s = one_border(
        "attack_hazard = 0.0\ngrowth_rate = 0.0\nattrition_rate = 0.0",
        "budget = 1.0\nallocation = { border = 0.0, intel = 0.0, readiness = 1.0 }",
        20,
    );
    for rec in records(&s, 20) {
        let mut alive = 0;
        for t in 0..20 {
            alive += rec.counters[t][Counter::NewCells as usize];
            assert_eq!(rec.levels[t], [alive; N_LEVELS], "week {t}");
            assert_eq!(
                rec.counters[t][Counter::NewlyEstablished as usize],
                rec.counters[t][Counter::NewCells as usize]
            );
        }
    }
}

/// The first week's counters after one cell of SRC_N tries the border of
/// a `one_border` scenario with every word at 0.
fn one_attempt_on_the_word_zero(model: &str, mem: &str) -> Vec<u64> {
    let s = one_border(model, mem, 4);
    let th = Theatre::new(&s);
    let mut rec = record(&s);
    let mut cell = cell_at(&th, region(&s, "SRC_N"), u32::MAX);
    transit(&th, &mut cell, [word(0.0); SLOTS], &mut rec);
    rec.counters[0].to_vec()
}

#[test]
fn a_chance_of_zero_never_happens_even_on_the_word_zero() {
    // A uniform of exactly 0 (the word 0) must not turn a probability of 0
    // into an event: `u < p`, not `u <= p`. No patrol and no signature make
    // detection impossible; a detected cell with interdiction q = 0 is
    // never interdicted. Kills `<` → `<=` in both tests of `transit_move`.
    let week = one_attempt_on_the_word_zero(
        "signature_start = 0.0",
        "budget = 0.0\nallocation = { border = 1.0, intel = 0.0, readiness = 0.0 }",
    );
    assert_eq!(
        (
            week[Counter::Attempts as usize],
            week[Counter::Detections as usize]
        ),
        (1, 0),
        "detected with no patrol and no signature"
    );
    let week = one_attempt_on_the_word_zero(
        "signature_start = 1.0\ninterdict_min = 0.0\ninterdict_max = 0.0",
        "budget = 8.0\nallocation = { border = 1.0, intel = 0.0, readiness = 0.0 }",
    );
    assert_eq!(
        (
            week[Counter::Detections as usize],
            week[Counter::BorderInterdictions as usize]
        ),
        (1, 0),
        "interdicted with q = 0"
    );
}
