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
use crate::scenario::{Link, Role, Scenario};

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
            member_region: (0..s.regions.len()).map(|r| s.is_member_region(r)).collect(),
            indirect_origin: has_source.iter().map(|h| !h).collect(),
            growth: s.regions.iter().map(|r| s.model.growth_rate * (1.0 - r.legitimacy)).collect(),
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
        let Workspace { cells, candidates, cumulative } = work;
        cells.retain_mut(|cell| matches!(cell_week(theatre, cell, t, candidates, cumulative, rec), Fate::Alive));
        let levels = &mut rec.levels[t as usize];
        levels[Level::Alive as usize] = cells.len() as u64;
        for c in cells.iter() {
            levels[Level::CellsInAlliance as usize] += u64::from(theatre.member_region[c.region as usize]);
            levels[Level::Established as usize] += u64::from(c.established);
        }
    }
    debug_assert!(rec.conserves_cells(), "conservation of cells broken in trial {trial}");
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
    let mut rng = streams::stream(s.seed, trial, Stream::Cell { source: k as u32, week: t, index });
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
fn cell_week(th: &Theatre<'_>, cell: &mut Cell, t: u32, candidates: &mut Vec<Link>, cumulative: &mut Vec<f64>, rec: &mut TrialRecord) -> Fate {
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
fn transit_move(th: &Theatre<'_>, cell: &mut Cell, t: u32, words: &[u64; WORDS_PER_WEEK], candidates: &mut Vec<Link>, cumulative: &mut Vec<f64>, rec: &mut TrialRecord) -> Fate {
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
    candidates.extend(s.network.neighbours[u].iter().filter(|l| th.defences.is_open(t, l.border as usize)));
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
fn inside_territory(th: &Theatre<'_>, cell: &mut Cell, t: u32, words: &[u64; WORDS_PER_WEEK], rec: &mut TrialRecord) -> Fate {
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
    let n = cell.size;
    let births = streams::binomial(words[Slot::Births as usize], n, th.growth[r]);
    let deaths = streams::binomial(words[Slot::Deaths as usize], n, m.attrition_rate);
    cell.size = (n + births).saturating_sub(deaths);
    if cell.size == 0 {
        week[Counter::Dissolved as usize] += 1;
        return Fate::Removed;
    }
    let a = m.attack_hazard * (cell.size as f64).powf(m.attack_size_exponent) * (1.0 + f64::from(cell.experience)).powf(m.attack_experience_exponent);
    let total = a + mu;
    if total <= 0.0 || unit(words[Slot::Event as usize]) >= 1.0 - (-total).exp() {
        return Fate::Alive;
    }
    if unit(words[Slot::EventKind as usize]) < mu / total {
        week[Counter::InteriorInterdictions as usize] += 1;
        rec.by_state[state][StateMetric::InteriorInterdictions as usize] += 1;
        return Fate::Removed;
    }
    let severity = streams::severity(words[Slot::Severity as usize], m.severity_exponent, m.severity_cap);
    week[Counter::Attacks as usize] += 1;
    week[Counter::Severity as usize] += severity;
    rec.by_state[state][StateMetric::Attacks as usize] += 1;
    rec.by_state[state][StateMetric::Severity as usize] += severity;
    rec.first_attack_week.get_or_insert(t);
    cell.experience += 1;
    cell.signature = 1.0 - (1.0 - cell.signature) * (1.0 - m.attack_flag);
    Fate::Alive
}

/// Whether region `r`'s state is a member (for tests and callers).
pub fn is_member(s: &Scenario, r: usize) -> bool {
    s.states[s.regions[r].state].role == Role::Member
}
