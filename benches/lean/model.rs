//! The rules of one trial (docs/model.md §3.3–§3.7) written plainly, in one
//! file, as anyone would write them from the model contract: one random
//! stream per trial, every cell drawn every week it lives, totals only.
//!
//! Issue 16 measured cordon against such a "lean implementation of the
//! same model" and found cordon at 0.33× its variant-trials per second.
//! This file is that yardstick, kept in the repository so that the figure
//! can be measured again (`cargo bench --bench engine -- lean`,
//! docs/performance.md "Against a lean implementation"), and a second,
//! independent reading of the rules: `tests/lean.rs` checks that the
//! engine's means agree with it within their standard errors.
//!
//! It takes the weekly defences the engine computes ([`Defences`]: §3.1,
//! §3.2 and each segment's patrol depend only on the variant and the week,
//! MODEL.md §2, so a lean implementation computes them once too) and the
//! scenario's network as validated. Everything a trial does is here:
//! governance and its noise, spawning, route choice, crossings, life inside
//! member territory and exposure. It keeps no weekly statistics and no
//! common random numbers across variants.

use cordon::model::Defences;
use cordon::scenario::{Link, Scenario};
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Poisson, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

/// What one trial came to, over its recorded weeks (the warm-up's events
/// are not counted, as in the engine's `trials.csv`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub new_cells: u64,
    pub entries: u64,
    pub border_interdictions: u64,
    pub interior_interdictions: u64,
    pub newly_established: u64,
    pub attacks: u64,
    pub severity: u64,
    /// Cells alive at the end of each recorded week, summed.
    pub agent_weeks: u64,
}

struct Cell {
    region: usize,
    /// The region it came from, `usize::MAX` at first.
    previous: usize,
    /// Index into the network's targets (and its hop counts).
    target: usize,
    size: u64,
    experience: u32,
    decisions: u32,
    signature: f64,
    /// a = a0 n^β (1 + k)^γ of an established cell, worked out when it
    /// settles and again when n or k changes.
    attack: f64,
}

/// How a cell's week ended.
enum Fate {
    Removed,
    Alive,
    Established,
}

/// A scenario (one variant) made ready for lean trials.
pub struct Lean<'a> {
    s: &'a Scenario,
    d: Defences,
    state: Vec<usize>,
    member: Vec<bool>,
    /// Births per member of an established cell: Binomial(n, g (1 - L_r))
    /// per region, and deaths: Binomial(n, d), by inversion.
    births: Vec<Law>,
    deaths: Law,
}

/// A binomial's p, with ln(1 - p) for P(0) = (1 - p)^n.
#[derive(Clone, Copy)]
struct Law {
    p: f64,
    ln_q: f64,
}

impl Law {
    fn new(p: f64) -> Law {
        let p = p.clamp(0.0, 1.0);
        Law {
            p,
            ln_q: (-p).ln_1p(),
        }
    }
}

impl<'a> Lean<'a> {
    pub fn new(s: &'a Scenario) -> Lean<'a> {
        Lean {
            s,
            d: Defences::compute(s),
            state: s.regions.iter().map(|r| r.state).collect(),
            member: (0..s.regions.len())
                .map(|r| s.is_member_region(r))
                .collect(),
            births: s
                .regions
                .iter()
                .map(|r| Law::new(s.model.growth_rate * (1.0 - r.legitimacy)))
                .collect(),
            deaths: Law::new(s.model.attrition_rate),
        }
    }

    fn attack_hazard(&self, c: &Cell) -> f64 {
        let m = &self.s.model;
        m.attack_hazard
            * (c.size as f64).powf(m.attack_size_exponent)
            * f64::from(1 + c.experience).powf(m.attack_experience_exponent)
    }

    /// Trial `i`, from its own stream.
    pub fn trial(&self, i: u64) -> Totals {
        let s = self.s;
        let m = &s.model;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(
            s.seed ^ i.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        let mut out = Totals::default();
        let mut transit: Vec<Cell> = Vec::new();
        let mut settled: Vec<Cell> = Vec::new();
        let mut links: Vec<Link> = Vec::new();
        let mut weights: Vec<f64> = Vec::new();
        let mut z = 0.0;
        for t in 0..s.run_weeks() {
            let mut week = Totals::default();
            // §3.3: governance, its noise, grievance.
            let mut g = s.source.governance.at(s.schedule_week(t));
            if let Some(noise) = s.source.noise {
                let n: f64 = StandardNormal.sample(&mut rng);
                z = (1.0 - noise.reversion) * z + noise.sd * n;
                g = (g + z).clamp(0.0, 1.0);
            }
            let grievance = s.source.hardship * (1.0 - g);
            let eta = s.source.recruitment_exponent;
            let recruit = if grievance == 0.0 && eta == 0.0 {
                1.0
            } else {
                grievance.powf(eta)
            };
            // §3.4: new cells.
            for (k, &r) in s.network.sources.iter().enumerate() {
                let n = poisson(&mut rng, s.regions[r].new_cells * recruit);
                week.new_cells += n;
                for _ in 0..n {
                    let size = 1 + poisson(&mut rng, m.cell_size_mean - 1.0);
                    let u: f64 = rng.random();
                    let draw = &s.network.target_draw[k];
                    let pick = draw.partition_point(|&(_, c)| c <= u).min(draw.len() - 1);
                    transit.push(Cell {
                        region: r,
                        previous: usize::MAX,
                        target: draw[pick].0,
                        size,
                        experience: 0,
                        decisions: 0,
                        signature: m.signature_start,
                        attack: 0.0, // until it settles
                    });
                }
            }
            // §3.5–§3.7 for cells in transit; those established this week
            // go on to §3.6 as established cells.
            let mut i = 0;
            while i < transit.len() {
                let c = &mut transit[i];
                match self.transit_week(c, t, &mut rng, &mut links, &mut weights, &mut week) {
                    Fate::Removed => {
                        transit.swap_remove(i);
                    }
                    Fate::Established => {
                        let mut c = transit.swap_remove(i);
                        c.attack = self.attack_hazard(&c);
                        settled.push(c);
                    }
                    Fate::Alive => i += 1,
                }
            }
            settled.retain_mut(|c| self.established_week(c, t, &mut rng, &mut week));
            if t >= s.warmup_weeks {
                week.agent_weeks = (transit.len() + settled.len()) as u64;
                out.add(&week);
            }
        }
        out
    }

    /// §3.5, then §3.6 for a transit cell in member territory, then §3.7.
    fn transit_week(
        &self,
        c: &mut Cell,
        t: u32,
        rng: &mut Xoshiro256PlusPlus,
        links: &mut Vec<Link>,
        weights: &mut Vec<f64>,
        week: &mut Totals,
    ) -> Fate {
        let s = self.s;
        let m = &s.model;
        let d = &self.d;
        if c.decisions >= m.max_transit_weeks {
            return Fate::Removed; // abandoned
        }
        c.decisions += 1;
        let u = c.region;
        links.clear();
        links.extend(
            s.network.neighbours[u]
                .iter()
                .filter(|l| d.is_open(t, l.border as usize)),
        );
        if links.len() > 1 {
            links.retain(|l| l.to as usize != c.previous);
        }
        // p_detect = 1 - (1 - p_patrol)(1 - σ e_v) on a segment into v.
        let detect = |l: &Link, sig: f64| {
            let v_state = self.state[l.to as usize];
            1.0 - (1.0 - d.patrol(t, l.direction as usize)) * (1.0 - sig * d.effect(t, v_state))
        };
        let hops = &s.network.hops[c.target];
        weights.clear();
        for l in links.iter() {
            let h = hops[l.to as usize];
            let utility = if h == u32::MAX {
                f64::NEG_INFINITY
            } else {
                let risk = if s.borders[l.border as usize].is_segment() {
                    detect(l, c.signature) * d.interdict(t, self.state[l.to as usize])
                } else {
                    0.0
                };
                -m.route_risk_aversion * risk - m.route_distance_weight * f64::from(h)
            };
            weights.push(utility);
        }
        let best = weights.iter().fold(f64::NEG_INFINITY, |b, &w| b.max(w));
        if best > f64::NEG_INFINITY {
            let mut total = 0.0;
            for w in weights.iter_mut() {
                total += (*w - best).exp();
                *w = total;
            }
            let x = rng.random::<f64>() * total;
            let i = weights.partition_point(|&w| w <= x).min(links.len() - 1);
            let l = links[i];
            let v = l.to as usize;
            let mut moves = true;
            if s.borders[l.border as usize].is_segment() {
                if rng.random::<f64>() < detect(&l, c.signature) {
                    if rng.random::<f64>() < d.interdict(t, self.state[v]) {
                        week.border_interdictions += 1;
                        return Fate::Removed;
                    }
                    c.signature = 1.0 - (1.0 - c.signature) * (1.0 - m.repel_flag);
                    moves = false;
                } else if self.member[v] && !self.member[u] {
                    week.entries += 1;
                }
            }
            if moves {
                c.previous = u;
                c.region = v;
                if s.network.targets[c.target] == v {
                    week.newly_established += 1;
                    return Fate::Established;
                }
            }
        }
        let state = self.state[c.region];
        if self.member[c.region] {
            let mu = d.interior_hazard(t, state) * (0.5 + 0.5 * c.signature);
            if rng.random::<f64>() < 1.0 - (-mu).exp() {
                week.interior_interdictions += 1;
                return Fate::Removed;
            }
        }
        c.signature = 1.0 - (1.0 - c.signature) * d.exposure(t, state);
        Fate::Alive
    }

    /// §3.6 for an established cell, then §3.7; false when its life ends.
    fn established_week(
        &self,
        c: &mut Cell,
        t: u32,
        rng: &mut Xoshiro256PlusPlus,
        week: &mut Totals,
    ) -> bool {
        let m = &self.s.model;
        let d = &self.d;
        let r = c.region;
        let state = self.state[r];
        let n = c.size;
        let born = binomial(rng, n, self.births[r]);
        let died = binomial(rng, n, self.deaths);
        c.size = (n + born).saturating_sub(died);
        if c.size == 0 {
            return false; // dissolved
        }
        if c.size != n {
            c.attack = self.attack_hazard(c);
        }
        let a = c.attack;
        let mu = d.interior_hazard(t, state) * (0.5 + 0.5 * c.signature);
        if rng.random::<f64>() < 1.0 - (-(a + mu)).exp() {
            if rng.random::<f64>() < mu / (a + mu) {
                week.interior_interdictions += 1;
                return false;
            }
            // Severity: min(floor(X), cap), X ~ Pareto(1, α_sev - 1).
            let u = 1.0 - rng.random::<f64>();
            let x = u.powf(-1.0 / (m.severity_exponent - 1.0)).floor();
            week.severity += if x.is_nan() || x >= m.severity_cap as f64 {
                m.severity_cap
            } else {
                x as u64
            };
            week.attacks += 1;
            c.experience += 1;
            c.attack = self.attack_hazard(c);
            c.signature = 1.0 - (1.0 - c.signature) * (1.0 - m.attack_flag);
        }
        c.signature = 1.0 - (1.0 - c.signature) * d.exposure(t, state);
        true
    }
}

impl Totals {
    fn add(&mut self, w: &Totals) {
        self.new_cells += w.new_cells;
        self.entries += w.entries;
        self.border_interdictions += w.border_interdictions;
        self.interior_interdictions += w.interior_interdictions;
        self.newly_established += w.newly_established;
        self.attacks += w.attacks;
        self.severity += w.severity;
        self.agent_weeks += w.agent_weeks;
    }
}

fn poisson(rng: &mut Xoshiro256PlusPlus, mean: f64) -> u64 {
    if mean > 0.0 {
        Poisson::new(mean).map_or(0, |p| p.sample(rng) as u64)
    } else {
        0
    }
}

/// Binomial(n, p) by inversion: one uniform, and the search up from 0
/// stops at once in the usual case of no event (P(0) = (1 - p)^n).
fn binomial(rng: &mut Xoshiro256PlusPlus, n: u64, law: Law) -> u64 {
    if n == 0 || law.p <= 0.0 {
        return 0;
    }
    if law.p >= 1.0 {
        return n;
    }
    let u: f64 = rng.random();
    let mut pmf = (n as f64 * law.ln_q).exp();
    let mut cdf = pmf;
    let odds = law.p / (1.0 - law.p);
    let mut k = 0;
    while u >= cdf && k < n {
        pmf *= odds * (n - k) as f64 / (k + 1) as f64;
        k += 1;
        cdf += pmf;
    }
    k
}
