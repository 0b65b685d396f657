//! One trial of one variant: spawning, movement, crossings, life inside
//! member territory and exposure, week by week (MODEL.md §3.3–§3.8).
//!
//! Cells never interact, so each cell goes through all of its week (move,
//! then inside-territory events, then exposure) before the next cell; this
//! is equivalent to running each phase over all cells. Each cell draws a
//! fixed block of words from its own stream every week, used or not, so
//! that two variants stay in step until the cell's paths diverge.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use super::capability::Defences;
use super::record::{Counter, DirectionMetric, Level, StateMetric, TrialRecord};
use super::streams::{self, Stream, StreamRng, unit};
use crate::scenario::{Link, ModelParams, Scenario};

/// Words each cell draws per week (see [`Slot`]).
const WORDS_PER_WEEK: usize = 8;

/// What each of a cell's weekly words is for.
#[derive(Clone, Copy)]
enum Slot {
    Route = 0,
    Detect = 1,
    Interdict = 2,
    /// Interior interdiction of a transit cell, or an established cell's event.
    Event = 3,
    Births = 4,
    Deaths = 5,
    EventKind = 6,
    Severity = 7,
}

/// A variant made ready to run: the scenario, its weekly defences and a few
/// lookup tables for the hot loop.
#[derive(Debug, Clone)]
pub struct Theatre<'a> {
    pub scenario: &'a Scenario,
    pub defences: Defences,
    region_state: Vec<u32>,
    member_region: Vec<bool>,
    /// Whether a crossing from this state's regions is indirect (the state
    /// has no source region).
    indirect_origin: Vec<bool>,
    /// g (1 - L_r) per region.
    growth: Vec<f64>,
}

impl<'a> Theatre<'a> {
    /// Prepares `scenario` for running trials.
    pub fn new(scenario: &'a Scenario) -> Theatre<'a> {
        let s = scenario;
        let mut has_source = vec![false; s.states.len()];
        for &r in &s.network.sources {
            has_source[s.regions[r].state] = true;
        }
        Theatre {
            scenario,
            defences: Defences::compute(s),
            region_state: s.regions.iter().map(|r| r.state as u32).collect(),
            member_region: (0..s.regions.len())
                .map(|r| s.is_member_region(r))
                .collect(),
            indirect_origin: has_source.iter().map(|h| !h).collect(),
            growth: s
                .regions
                .iter()
                .map(|r| s.model.growth_rate * (1.0 - r.legitimacy))
                .collect(),
        }
    }
}

/// A small militant cell.
#[derive(Debug, Clone)]
pub struct Cell {
    rng: StreamRng,
    /// σ_c.
    signature: f64,
    region: u32,
    /// Region left on the last move (`u32::MAX`: none yet).
    previous: u32,
    /// Index into `network.targets`.
    target: u32,
    size: u64,
    experience: u32,
    decisions: u32,
    established: bool,
}

/// Buffers reused across trials so that the weekly loop does not allocate.
#[derive(Debug, Default)]
pub struct Workspace {
    cells: Vec<Cell>,
    candidates: Vec<Link>,
    cumulative: Vec<f64>,
}

/// What became of a cell this week.
enum Fate {
    Alive,
    Removed,
}

/// Runs trial `trial` of the variant in `theatre`, writing into `rec`.
pub fn run_trial(theatre: &Theatre<'_>, trial: u64, work: &mut Workspace, rec: &mut TrialRecord) {
    let s = theatre.scenario;
    rec.reset(s.weeks as usize, s.states.len(), 2 * s.borders.len());
    work.cells.clear();
    let mut spawn = streams::stream(s.seed, trial, Stream::Spawn);
    let mut governance = streams::stream(s.seed, trial, Stream::Governance);
    let mut noise = 0.0;
    for t in 0..s.weeks {
        let grievance = grievance(s, t, &mut governance, &mut noise);
        let recruit = if grievance == 0.0 && s.source.recruitment_exponent == 0.0 {
            1.0
        } else {
            grievance.powf(s.source.recruitment_exponent)
        };
        for (k, &r) in s.network.sources.iter().enumerate() {
            let n = streams::poisson(spawn.next_u64(), s.regions[r].new_cells * recruit);
            rec.counters[t as usize][Counter::NewCells as usize] += n;
            for j in 0..n {
                work.cells.push(spawn_cell(s, trial, k, r, t, j as u32));
            }
        }
        let Workspace {
            cells,
            candidates,
            cumulative,
        } = work;
        cells.retain_mut(|cell| {
            matches!(
                cell_week(theatre, cell, t, candidates, cumulative, rec),
                Fate::Alive
            )
        });
        let levels = &mut rec.levels[t as usize];
        levels[Level::Alive as usize] = cells.len() as u64;
        for c in cells.iter() {
            levels[Level::CellsInAlliance as usize] +=
                u64::from(theatre.member_region[c.region as usize]);
            levels[Level::Established as usize] += u64::from(c.established);
        }
    }
    debug_assert!(
        rec.conserves_cells(),
        "conservation of cells broken in trial {trial}"
    );
}

/// Γ(t) = H (1 - G(t)), with G's noise advanced one week (§3.3).
fn grievance(s: &Scenario, t: u32, rng: &mut StreamRng, z: &mut f64) -> f64 {
    let mut g = s.source.governance.at(t);
    if let Some(noise) = s.source.noise {
        let n: f64 = StandardNormal.sample(rng);
        *z = (1.0 - noise.reversion) * *z + noise.sd * n;
        g = (g + *z).clamp(0.0, 1.0);
    }
    s.source.hardship * (1.0 - g)
}

/// A new cell at source region `r` (§3.4), drawing size and target from its
/// own stream.
fn spawn_cell(s: &Scenario, trial: u64, k: usize, r: usize, t: u32, index: u32) -> Cell {
    let mut rng = streams::stream(
        s.seed,
        trial,
        Stream::Cell {
            source: k as u32,
            week: t,
            index,
        },
    );
    let size = 1 + streams::poisson(rng.next_u64(), s.model.cell_size_mean - 1.0);
    let u = unit(rng.next_u64());
    let draw = &s.network.target_draw[k];
    let pick = draw.partition_point(|&(_, c)| c <= u).min(draw.len() - 1);
    Cell {
        rng,
        signature: s.model.signature_start,
        region: r as u32,
        previous: u32::MAX,
        target: draw[pick].0 as u32,
        size,
        experience: 0,
        decisions: 0,
        established: false,
    }
}

/// One week of one cell: §3.5 if in transit, §3.6 inside member territory,
/// then §3.7.
fn cell_week(
    th: &Theatre<'_>,
    cell: &mut Cell,
    t: u32,
    candidates: &mut Vec<Link>,
    cumulative: &mut Vec<f64>,
    rec: &mut TrialRecord,
) -> Fate {
    let mut words = [0u64; WORDS_PER_WEEK];
    for w in &mut words {
        *w = cell.rng.next_u64();
    }
    if !cell.established {
        if let Fate::Removed = transit_move(th, cell, t, &words, candidates, cumulative, rec) {
            return Fate::Removed;
        }
    }
    if th.member_region[cell.region as usize] {
        if let Fate::Removed = inside_territory(th, cell, t, &words, rec) {
            return Fate::Removed;
        }
    }
    let state = th.region_state[cell.region as usize] as usize;
    let exposure = (-th.scenario.model.signature_rate * th.defences.effect(t, state)).exp();
    cell.signature = 1.0 - (1.0 - cell.signature) * exposure;
    Fate::Alive
}

/// §3.5 for one transit cell.
fn transit_move(
    th: &Theatre<'_>,
    cell: &mut Cell,
    t: u32,
    words: &[u64; WORDS_PER_WEEK],
    candidates: &mut Vec<Link>,
    cumulative: &mut Vec<f64>,
    rec: &mut TrialRecord,
) -> Fate {
    let s = th.scenario;
    let m = &s.model;
    let week = &mut rec.counters[t as usize];
    if cell.decisions >= m.max_transit_weeks {
        week[Counter::Abandoned as usize] += 1;
        return Fate::Removed;
    }
    cell.decisions += 1;
    let u = cell.region as usize;
    candidates.clear();
    candidates.extend(
        s.network.neighbours[u]
            .iter()
            .filter(|l| th.defences.is_open(t, l.border as usize)),
    );
    if candidates.len() > 1 {
        candidates.retain(|l| l.to != cell.previous);
    }
    if candidates.is_empty() {
        return Fate::Alive; // waits
    }
    // Multinomial logit over candidates, stabilised by the largest utility.
    let hops = &s.network.hops[cell.target as usize];
    cumulative.clear();
    let mut best = f64::NEG_INFINITY;
    let utility = |l: &Link| -> f64 {
        let d = hops[l.to as usize];
        if d == u32::MAX {
            return f64::NEG_INFINITY;
        }
        let risk = if s.borders[l.border as usize].is_segment() {
            let v_state = th.region_state[l.to as usize] as usize;
            detection(th, cell.signature, t, l, v_state) * th.defences.interdict(t, v_state)
        } else {
            0.0
        };
        -m.route_risk_aversion * risk - m.route_distance_weight * f64::from(d)
    };
    for l in candidates.iter() {
        best = best.max(utility(l));
    }
    if best == f64::NEG_INFINITY {
        return Fate::Alive;
    }
    let mut acc = 0.0;
    for l in candidates.iter() {
        acc += (utility(l) - best).exp();
        cumulative.push(acc);
    }
    let Some(i) = streams::choose(unit(words[Slot::Route as usize]), cumulative) else {
        return Fate::Alive;
    };
    let link = candidates[i];
    let v = link.to as usize;
    if s.borders[link.border as usize].is_segment() {
        let v_state = th.region_state[v] as usize;
        let dir = &mut rec.by_direction[link.direction as usize];
        dir[DirectionMetric::Attempts as usize] += 1;
        week[Counter::Attempts as usize] += 1;
        let p_detect = detection(th, cell.signature, t, &link, v_state);
        if unit(words[Slot::Detect as usize]) < p_detect {
            dir[DirectionMetric::Detections as usize] += 1;
            week[Counter::Detections as usize] += 1;
            if unit(words[Slot::Interdict as usize]) < th.defences.interdict(t, v_state) {
                dir[DirectionMetric::Interdictions as usize] += 1;
                week[Counter::BorderInterdictions as usize] += 1;
                if th.member_region[v] {
                    rec.by_state[v_state][StateMetric::BorderInterdictions as usize] += 1;
                }
                return Fate::Removed;
            }
            cell.signature = 1.0 - (1.0 - cell.signature) * (1.0 - m.repel_flag);
            return Fate::Alive; // repelled: stays, previous region unchanged
        }
        dir[DirectionMetric::Crossings as usize] += 1;
        if th.member_region[v] && !th.member_region[u] {
            week[Counter::Entries as usize] += 1;
            rec.by_state[v_state][StateMetric::Entries as usize] += 1;
            if th.indirect_origin[th.region_state[u] as usize] {
                week[Counter::IndirectEntries as usize] += 1;
            }
        }
    }
    cell.previous = cell.region;
    cell.region = v as u32;
    if s.network.targets[cell.target as usize] == v {
        cell.established = true;
        week[Counter::NewlyEstablished as usize] += 1;
    }
    Fate::Alive
}

/// p_detect = 1 - (1 - p_patrol)(1 - σ e_v) for this cell on `link`.
#[inline]
fn detection(th: &Theatre<'_>, signature: f64, t: u32, link: &Link, v_state: usize) -> f64 {
    let patrol = th.defences.patrol(t, link.direction as usize);
    let cue = signature * th.defences.effect(t, v_state);
    1.0 - (1.0 - patrol) * (1.0 - cue)
}

/// §3.6 for one cell in a member region.
fn inside_territory(
    th: &Theatre<'_>,
    cell: &mut Cell,
    t: u32,
    words: &[u64; WORDS_PER_WEEK],
    rec: &mut TrialRecord,
) -> Fate {
    let m = &th.scenario.model;
    let r = cell.region as usize;
    let state = th.region_state[r] as usize;
    let mu = th.defences.interior_hazard(t, state) * (0.5 + 0.5 * cell.signature);
    let week = &mut rec.counters[t as usize];
    if !cell.established {
        if unit(words[Slot::Event as usize]) < 1.0 - (-mu).exp() {
            week[Counter::InteriorInterdictions as usize] += 1;
            rec.by_state[state][StateMetric::InteriorInterdictions as usize] += 1;
            return Fate::Removed;
        }
        return Fate::Alive;
    }
    cell.size = grow(
        cell.size,
        th.growth[r],
        m.attrition_rate,
        words[Slot::Births as usize],
        words[Slot::Deaths as usize],
    );
    if cell.size == 0 {
        week[Counter::Dissolved as usize] += 1;
        return Fate::Removed;
    }
    let a = attack_hazard(m, cell.size, cell.experience);
    let total = a + mu;
    if total <= 0.0 || unit(words[Slot::Event as usize]) >= 1.0 - (-total).exp() {
        return Fate::Alive;
    }
    if unit(words[Slot::EventKind as usize]) < mu / total {
        week[Counter::InteriorInterdictions as usize] += 1;
        rec.by_state[state][StateMetric::InteriorInterdictions as usize] += 1;
        return Fate::Removed;
    }
    let severity = streams::severity(
        words[Slot::Severity as usize],
        m.severity_exponent,
        m.severity_cap,
    );
    week[Counter::Attacks as usize] += 1;
    week[Counter::Severity as usize] += severity;
    rec.by_state[state][StateMetric::Attacks as usize] += 1;
    rec.by_state[state][StateMetric::Severity as usize] += severity;
    rec.first_attack_week.get_or_insert(t);
    cell.experience += 1;
    cell.signature = 1.0 - (1.0 - cell.signature) * (1.0 - m.attack_flag);
    Fate::Alive
}

/// n <- n + Binomial(n, growth) - Binomial(n, attrition), both on the old n
/// (§3.6), one word for each draw.
pub fn grow(n: u64, growth: f64, attrition: f64, births_word: u64, deaths_word: u64) -> u64 {
    let births = streams::binomial(births_word, n, growth);
    let deaths = streams::binomial(deaths_word, n, attrition);
    (n + births).saturating_sub(deaths)
}

/// a = a0 · n^β · (1 + k)^γ (§3.6).
pub fn attack_hazard(m: &ModelParams, size: u64, experience: u32) -> f64 {
    m.attack_hazard
        * (size as f64).powf(m.attack_size_exponent)
        * (1.0 + f64::from(experience)).powf(m.attack_experience_exponent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TrialRecord;
    use crate::scenario::load_str;
    use rand::SeedableRng;

    fn scenario(text: &str) -> Scenario {
        match load_str("test.toml", "test", text, &[]) {
            Ok(set) => set.base,
            Err(d) => panic!("invalid test scenario:\n{d}"),
        }
    }

    /// Runs `trials` trials and returns every record.
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

    fn sum(recs: &[TrialRecord], f: impl Fn(&TrialRecord) -> u64) -> f64 {
        recs.iter().map(f).sum::<u64>() as f64
    }

    /// `hits` of `n` Bernoulli(p) trials, within 4 binomial standard errors.
    fn assert_binomial(hits: f64, n: f64, p: f64, what: &str) {
        let se = (p * (1.0 - p) / n).sqrt();
        assert!(
            n > 500.0,
            "{what}: too few events ({n}) for a meaningful test"
        );
        assert!(
            (hits / n - p).abs() < 4.0 * se,
            "{what}: {} vs {p} (se {se}, n {n})",
            hits / n
        );
    }

    /// One border from SRC_N into MEM_S; `model` and `mem` are TOML lines
    /// added to [model] and to the member state.
    fn one_border(model: &str, mem: &str, weeks: u32) -> Scenario {
        scenario(&format!(
            r#"
[scenario]
weeks = {weeks}
trials = 1
seed = 11
[model]
{model}
[[states]]
id = "SRC"
role = "other"
[[states]]
id = "MEM"
role = "member"
{mem}
[[regions]]
id = "SRC_N"
state = "SRC"
population = 1.0
new_cells = 2.0
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
        ))
    }

    #[test]
    fn border_detection_and_interdiction_match_the_law() {
        // Intelligence off (no intel budget: e = 0, so no cue), readiness held
        // at 0.5 (no readiness spending, no decay): q = 0.5 + 0.4 · 0.5.
        let s = one_border(
            "readiness_half_life = inf",
            "budget = 0.5\nallocation = { border = 1.0, intel = 0.0, readiness = 0.0 }\ninitial = { readiness = 0.5 }",
            52,
        );
        let d = Defences::compute(&s);
        let p_patrol = d.patrol(0, 0);
        assert!((d.patrol(51, 0) - p_patrol).abs() < 1e-12);
        assert!(
            p_patrol > 0.2 && p_patrol < 0.8,
            "p_patrol {p_patrol} should be informative"
        );
        let recs = records(&s, 400);
        let attempts = sum(&recs, |r| {
            r.by_direction[0][DirectionMetric::Attempts as usize]
        });
        let detections = sum(&recs, |r| {
            r.by_direction[0][DirectionMetric::Detections as usize]
        });
        let interdictions = sum(&recs, |r| {
            r.by_direction[0][DirectionMetric::Interdictions as usize]
        });
        assert_binomial(detections, attempts, p_patrol, "detections / attempts");
        assert_binomial(interdictions, detections, 0.7, "interdictions / detections");
    }

    #[test]
    fn spawning_follows_poisson_of_lambda_times_grievance_to_eta() {
        let s = one_border(
            "",
            "budget = 1.0\nallocation = { border = 1.0, intel = 0.0, readiness = 0.0 }",
            30,
        );
        let recs = records(&s, 500);
        // Defaults: H = 0.7, G = 0.3, η = 1.5; λ = 2 per week.
        let mean = 2.0 * (0.7f64 * 0.7).powf(1.5) * 30.0;
        let got = sum(&recs, |r| r.total(Counter::NewCells)) / 500.0;
        let se = (mean / 500.0).sqrt();
        assert!((got - mean).abs() < 4.0 * se, "{got} vs {mean}");
    }

    #[test]
    fn cells_choose_routes_by_the_logit_of_risk_and_distance() {
        // Two unguarded ways into MEM: straight into the target A, or into B,
        // one hop from A. P(A) = 1 / (1 + e^-λd).
        let s = scenario(
            r#"
[scenario]
weeks = 60
trials = 1
seed = 3
[[states]]
id = "SRC"
role = "other"
[[states]]
id = "MEM"
role = "member"
budget = 1.0
allocation = { border = 0.0, intel = 0.0, readiness = 1.0 }
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
[[borders]]
a = "SRC_N"
b = "B"
length_km = 100
terrain = "plain"
[[borders]]
a = "A"
b = "B"
"#,
        );
        let recs = records(&s, 200);
        let to_a = sum(&recs, |r| {
            r.by_direction[0][DirectionMetric::Attempts as usize]
        });
        let to_b = sum(&recs, |r| {
            r.by_direction[2][DirectionMetric::Attempts as usize]
        });
        assert_binomial(
            to_a,
            to_a + to_b,
            1.0 / (1.0 + (-1.0f64).exp()),
            "share of attempts straight at the target",
        );
    }

    #[test]
    fn established_cells_attack_at_the_base_hazard() {
        // No detection, no intelligence (μ = 0), size 1, no growth, γ = 0:
        // each established cell-week attacks with probability 1 - e^-a0.
        let s = one_border(
            "attack_hazard = 0.05\nattack_experience_exponent = 0\ncell_size_mean = 1\ngrowth_rate = 0\nattrition_rate = 0",
            "budget = 1.0\nallocation = { border = 0.0, intel = 0.0, readiness = 1.0 }",
            40,
        );
        let recs = records(&s, 300);
        let cell_weeks = sum(&recs, |r| {
            r.levels
                .iter()
                .map(|l| l[Level::Established as usize])
                .sum()
        });
        let attacks = sum(&recs, |r| r.total(Counter::Attacks));
        assert_binomial(
            attacks,
            cell_weeks,
            1.0 - (-0.05f64).exp(),
            "attacks per established cell-week",
        );
    }

    #[test]
    fn attack_hazard_grows_with_size_and_experience() {
        let m = ModelParams::default();
        let a = attack_hazard(&m, 4, 2);
        let want = 0.015 * 4f64.powf(0.3) * 3f64.powf(0.2);
        assert!((a - want).abs() < 1e-15);
        assert!(attack_hazard(&m, 8, 2) > a && attack_hazard(&m, 4, 3) > a);
    }

    #[test]
    fn growth_adds_and_removes_binomially_on_the_old_size() {
        let mut rng = StreamRng::seed_from_u64(5);
        let (n, g, d) = (10u64, 0.2, 0.1);
        let draws: Vec<f64> = (0..40_000)
            .map(|_| grow(n, g, d, rng.next_u64(), rng.next_u64()) as f64)
            .collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let var = 10.0 * (g * (1.0 - g) + d * (1.0 - d));
        let want = 10.0 * (1.0 + g - d);
        assert!(
            (mean - want).abs() < 4.0 * (var / draws.len() as f64).sqrt(),
            "{mean} vs {want}"
        );
        assert_eq!(grow(3, 0.0, 1.0, 1, 2), 0);
    }

    #[test]
    fn cells_are_conserved_in_every_trial() {
        let s = one_border(
            "growth_rate = 0.05\nattrition_rate = 0.05\nmax_transit_weeks = 6\nattack_hazard = 0.05",
            "budget = 8.0\nallocation = { border = 0.5, intel = 0.4, readiness = 0.1 }",
            80,
        );
        for rec in records(&s, 300) {
            assert!(rec.conserves_cells(), "{rec:?}");
            assert!(rec.total(Counter::NewCells) > 0 || rec.end(Level::Alive) == 0);
        }
    }

    #[test]
    fn a_trial_repeats_exactly_and_variants_share_spawning() {
        let s = one_border(
            "",
            "budget = 8.0\nallocation = { border = 0.5, intel = 0.4, readiness = 0.1 }",
            50,
        );
        let t = one_border(
            "",
            "budget = 16.0\nallocation = { border = 0.5, intel = 0.4, readiness = 0.1 }",
            50,
        );
        let (a, b, c) = (records(&s, 20), records(&s, 20), records(&t, 20));
        assert_eq!(a, b);
        for (x, y) in a.iter().zip(&c) {
            assert_eq!(
                x.total(Counter::NewCells),
                y.total(Counter::NewCells),
                "common random numbers for spawning"
            );
        }
    }
}
